"""Logs in object stores: memory:// in-process, and S3 emulated by moto on loopback, through s3fs."""

from __future__ import annotations

import re
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import loganalyzer
from loganalyzer.fleet.render import RENDERERS, AuditView
from tests.cli.helpers import FIXTURES, invoke

fsspec = pytest.importorskip("fsspec", reason="remote support (loganalyzer-ml[remote]) is not installed")

CHOSEN = ("overfit-keras-csv", "overfit-keras-tensorboard", "underfit-keras-json", "spikes-pytorch-steps")


def upload(fs, prefix: str) -> None:  # type: ignore[no-untyped-def]
    for name in CHOSEN:
        for path in sorted((FIXTURES / name).rglob("*")):
            if path.is_file() and path.name != "expected.toml":
                fs.pipe(f"{prefix}/{path.relative_to(FIXTURES).as_posix()}", path.read_bytes())


def local_copy(tmp_path: Path) -> Path:
    import shutil

    for name in CHOSEN:
        shutil.copytree(
            FIXTURES / name, tmp_path / "runs" / name, ignore=shutil.ignore_patterns("expected.toml")
        )
    return tmp_path / "runs"


def json_of(result: loganalyzer.fleet.Audit, root: str) -> str:
    """The JSON report with the root spelled alike (fingerprints hash the run name, so they differ)."""
    text = "".join(RENDERERS["json"](AuditView(result.rows, result.summary(), "test")))
    return re.sub(r'"fingerprint": "[0-9a-f]+"', '"fingerprint": "-"', text.replace(root, "<root>"))


@pytest.fixture
def memory_tree() -> Iterator[str]:
    fs = fsspec.filesystem("memory")
    upload(fs, "/logs-bucket/team")
    yield "memory://logs-bucket/team"
    fs.rm("/logs-bucket", recursive=True)


def test_memory_audit_matches_the_local_audit(memory_tree: str, tmp_path: Path) -> None:
    remote = loganalyzer.audit(memory_tree, jobs=2, cache=False)  # memory:// is private: run in-process
    local = loganalyzer.audit(local_copy(tmp_path), jobs=1, cache=False)
    assert all(row.run.startswith("memory://logs-bucket/team/") for row in remote.rows)
    assert json_of(remote, memory_tree) == json_of(local, str(tmp_path / "runs"))


def test_check_inspect_export_read_urls(memory_tree: str, tmp_path: Path) -> None:
    checked = invoke("check", f"{memory_tree}/overfit-keras-csv/training.log", "-f", "json")
    assert checked.exit_code == 1 and "OF001" in checked.rules()
    assert checked.json()["findings"][0]["source"].startswith("memory://logs-bucket/")
    inspected = invoke("inspect", f"{memory_tree}/overfit-keras-tensorboard")
    assert inspected.exit_code == 0 and "validation.loss" in inspected.stdout
    exported = invoke("export", f"{memory_tree}/underfit-keras-json", "-o", tmp_path / "points.csv")
    assert exported.exit_code == 0 and (tmp_path / "points.csv").read_text().startswith("run,")


def test_a_missing_object_is_one_error(memory_tree: str) -> None:
    outcome = invoke("check", f"{memory_tree}/nothing-here")
    assert outcome.exit_code == 2
    assert outcome.stderr_lines() == [
        f"loganalyzer: error: {memory_tree}/nothing-here: no such file or directory"
    ]


def test_without_the_extra_a_url_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "fsspec", None)  # import fsspec now raises ImportError
    for command in ("check", "inspect", "audit"):
        outcome = invoke(command, "s3://bucket/runs")
        assert outcome.exit_code == 2, command
        assert "Traceback" not in outcome.output
        lines = outcome.stderr_lines()
        assert any(
            "s3://bucket/runs: remote paths need loganalyzer-ml[remote] (pip install" in line
            for line in lines
        )
        assert not any("s3:/bucket" in line for line in lines), "a URL must never be mangled into a path"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def s3_tree(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    pytest.importorskip("s3fs", reason="s3fs is not installed")
    server_module = pytest.importorskip("moto.server", reason="moto[server] is not installed")
    port = free_port()
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ENDPOINT_URL_S3": endpoint,
    }.items():
        monkeypatch.setenv(key, value)
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()
    fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": endpoint})
    fs.mkdir("audit-bucket")
    upload(fs, "audit-bucket/nightly")
    s3fs.S3FileSystem.clear_instance_cache()
    try:
        yield "s3://audit-bucket/nightly"
    finally:
        s3fs.S3FileSystem.clear_instance_cache()
        server.stop()


def test_s3_audit_through_s3fs_with_workers_and_cache(s3_tree: str, tmp_path: Path) -> None:
    local = loganalyzer.audit(local_copy(tmp_path), jobs=1, cache=False)
    serial = loganalyzer.audit(s3_tree, jobs=1, cache_dir=tmp_path / "cache")
    assert serial.analysed == len(CHOSEN) and all(row.status == "ok" for row in serial.rows)
    assert json_of(serial, s3_tree) == json_of(local, str(tmp_path / "runs"))
    pooled = loganalyzer.audit(s3_tree, jobs=2, cache=False)
    assert json_of(pooled, s3_tree) == json_of(serial, s3_tree)
    warm = loganalyzer.audit(s3_tree, jobs=1, cache_dir=tmp_path / "cache")
    assert warm.cached == len(CHOSEN) and warm.analysed == 0
    checked = invoke("check", f"{s3_tree}/overfit-keras-tensorboard", "-f", "json")
    assert checked.exit_code == 1 and "OF001" in checked.rules()


def test_memory_runs_are_analysed_in_process_whatever_the_jobs() -> None:
    fs = fsspec.filesystem("memory")
    csv = "epoch,loss,val_loss\n" + "".join(f"{e},{1 / (e + 1)},{1.1 / (e + 1)}\n" for e in range(12))
    for i in range(8):  # more than a pool is worth starting for
        fs.pipe(f"/jobs-bucket/run-{i}/training.log", csv.encode())
    try:
        result = loganalyzer.audit("memory://jobs-bucket", jobs=2, cache=False)
    finally:
        fs.rm("/jobs-bucket", recursive=True)
    assert len(result.rows) == 8
    assert all(row.status == "ok" for row in result.rows), [row.reason for row in result.rows]
