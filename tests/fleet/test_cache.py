"""The incremental cache: only changed runs are re-analysed; a bad cache is discarded, never trusted."""

from __future__ import annotations

import importlib
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import loganalyzer
from loganalyzer.fleet import AnalysisContext, SerialExecutor
from loganalyzer.fleet import core as fleet_core
from loganalyzer.fleet.cache import CACHE_FILE, AuditCache
from loganalyzer.fleet.render import RENDERERS, AuditView
from loganalyzer.fleet.task import analyse_batch
from tests.fleet.trees import keras_csv, many_runs


class CountingExecutor(SerialExecutor):
    """Counts the sources it is asked to analyse."""

    def __init__(self) -> None:
        self.analysed: list[str] = []

    def map(self, batches, context: AnalysisContext):  # type: ignore[no-untyped-def, override]
        for batch in batches:
            self.analysed.extend(source.name for source in batch)
            yield analyse_batch(batch, context)


def audit(root: Path, cache_dir: Path, **options: object) -> tuple[loganalyzer.fleet.Audit, list[str]]:
    executor = CountingExecutor()
    result = loganalyzer.audit(root, executor=executor, cache_dir=cache_dir, **options)  # type: ignore[arg-type]
    return result, executor.analysed


def json_of(result: loganalyzer.fleet.Audit) -> str:
    return "".join(RENDERERS["json"](AuditView(result.rows, result.summary(), "test")))


def test_a_reaudit_analyses_only_the_runs_that_changed(tmp_path: Path) -> None:
    runs = many_runs(tmp_path / "tree", 60)
    cold, analysed = audit(tmp_path / "tree", tmp_path / "cache")
    assert len(analysed) == 60 and cold.cached == 0
    warm, analysed = audit(tmp_path / "tree", tmp_path / "cache")
    assert analysed == [] and warm.cached == 60
    assert json_of(warm) == json_of(cold)
    changed = runs[3::6]
    assert len(changed) == 10
    for index, path in enumerate(changed):
        keras_csv(path, 1000 + index, overfit=True)  # new content, new size or mtime
        os.utime(path, ns=(1, 1_000_000_000 + index))
    partly, analysed = audit(tmp_path / "tree", tmp_path / "cache")
    assert sorted(analysed) == sorted(str(p) for p in changed)
    assert partly.cached == 50 and partly.analysed == 10
    fresh = loganalyzer.audit(tmp_path / "tree", jobs=1, cache=False)
    assert json_of(partly) == json_of(fresh)


def test_changing_the_settings_misses_the_cache(tmp_path: Path) -> None:
    many_runs(tmp_path / "tree", 5)
    audit(tmp_path / "tree", tmp_path / "cache")
    _, analysed = audit(tmp_path / "tree", tmp_path / "cache", config={"ignore": ["OF001"]})
    assert len(analysed) == 5
    _, analysed = audit(tmp_path / "tree", tmp_path / "cache", config={"ignore": ["OF001"]})
    assert analysed == []


def test_a_changed_rule_pack_misses_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    many_runs(tmp_path / "tree", 3)
    audit(tmp_path / "tree", tmp_path / "cache")
    original = fleet_core.context_digest
    monkeypatch.setattr(fleet_core, "context_digest", lambda context, root: original(context, root) + "x")
    _, analysed = audit(tmp_path / "tree", tmp_path / "cache")
    assert len(analysed) == 3


@pytest.mark.parametrize(
    "damage",
    ["garbage", "truncated", "foreign", "bad-entry", "empty-tables"],
)
def test_a_damaged_cache_is_discarded_with_one_note(
    tmp_path: Path, damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    many_runs(tmp_path / "tree", 8)
    cold, _ = audit(tmp_path / "tree", tmp_path / "cache")
    database = tmp_path / "cache" / CACHE_FILE
    with sqlite3.connect(database) as db:  # fold the WAL in, so the file alone holds everything
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if damage == "garbage":
        database.write_bytes(b"\x00not sqlite at all" * 100)
    elif damage == "truncated":
        data = database.read_bytes()
        database.write_bytes(data[: len(data) // 2 + 100])
    elif damage == "foreign":
        database.unlink()
        with sqlite3.connect(database) as db:
            db.execute("CREATE TABLE photos (id INTEGER)")
    elif damage == "bad-entry":
        with sqlite3.connect(database) as db:
            db.execute("UPDATE outcomes SET payload = '{\"source\": 1}'")
    else:
        with sqlite3.connect(database) as db:
            db.execute("UPDATE meta SET value = 'someone-else/9'")
    result, _ = audit(tmp_path / "tree", tmp_path / "cache")
    assert (result.analysed, result.cached) == (8, 0), "nothing from a damaged cache may be trusted"
    assert json_of(result) == json_of(cold)
    assert len(result.notes) == 1 and "discarded" in result.notes[0]
    # The next audit starts from a clean cache and uses it.
    again, analysed = audit(tmp_path / "tree", tmp_path / "cache")
    assert analysed == [] and again.notes == ()


def test_an_unwritable_cache_directory_only_costs_the_cache(tmp_path: Path) -> None:
    many_runs(tmp_path / "tree", 2)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    result, analysed = audit(tmp_path / "tree", blocker / "cache")
    assert len(analysed) == 2 and len(result.rows) == 2
    assert result.notes and "unusable" in result.notes[0]


def test_a_cache_file_another_audit_has_created_but_not_yet_filled_is_claimed(tmp_path: Path) -> None:
    """The window a concurrent first audit sees: the file exists (WAL header written), no tables yet."""
    many_runs(tmp_path / "tree", 3)
    (tmp_path / "cache").mkdir()
    with sqlite3.connect(tmp_path / "cache" / CACHE_FILE) as db:
        db.execute("PRAGMA journal_mode = WAL")
    assert (tmp_path / "cache" / CACHE_FILE).stat().st_size > 0
    cache = AuditCache(tmp_path / "cache")
    assert cache.usable and cache.notes == []
    cache.close()
    result, analysed = audit(tmp_path / "tree", tmp_path / "cache")
    assert len(analysed) == 3 and result.notes == ()
    _, analysed = audit(tmp_path / "tree", tmp_path / "cache")
    assert analysed == []


def _open_at_the_signal(directory: str, start: threading.Barrier) -> list[str]:
    start.wait()
    cache = AuditCache(Path(directory))
    notes = list(cache.notes) if cache.usable else [*cache.notes, "unusable"]
    cache.close()
    return notes


def test_audits_opening_a_new_cache_at_the_same_instant_all_get_it(tmp_path: Path) -> None:
    """Several processes creating the same cache at once: none may find it locked or foreign."""
    context = multiprocessing.get_context("spawn")
    processes = 4
    with context.Manager() as manager, context.Pool(processes) as pool:
        for trial in range(25):
            start = manager.Barrier(processes)
            directory = str(tmp_path / f"cache-{trial}")
            notes = pool.starmap(_open_at_the_signal, [(directory, start)] * processes)
            assert notes == [[]] * processes, f"trial {trial}"


def test_concurrent_audits_sharing_a_cache_never_corrupt_it(tmp_path: Path) -> None:
    many_runs(tmp_path / "tree", 40)
    script = (
        "import sys, loganalyzer;"
        "r = loganalyzer.audit(sys.argv[1], jobs=1, cache_dir=sys.argv[2]);"
        "assert not r.notes, r.notes; print(len(r.rows))"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path / "tree"), str(tmp_path / "cache")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    try:
        answers = [proc.communicate(timeout=300) for proc in procs]
    finally:
        for proc in procs:
            proc.kill()
            proc.communicate()
    for proc, (out, err) in zip(procs, answers, strict=True):
        assert proc.returncode == 0, err
        assert out.strip() == "40"
    cache = AuditCache(tmp_path / "cache")
    assert cache.usable and not cache.notes
    cache.close()
    _, analysed = audit(tmp_path / "tree", tmp_path / "cache")
    assert analysed == []


def test_no_cache_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    many_runs(tmp_path / "tree", 2)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    loganalyzer.audit(tmp_path / "tree", jobs=1, cache=False)
    assert not (tmp_path / "xdg").exists()
    loganalyzer.audit(tmp_path / "tree", jobs=1)
    assert (tmp_path / "xdg" / "loganalyzer" / CACHE_FILE).is_file()


def test_a_warm_reaudit_opens_no_unchanged_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    discovery = importlib.import_module("loganalyzer.ingest.discover")

    runs = many_runs(tmp_path / "tree", 12)
    (tmp_path / "tree" / "notes.txt").write_text("nothing to see\n")
    audit(tmp_path / "tree", tmp_path / "cache")
    sniffed: list[Path] = []
    real = discovery._sniff_text
    monkeypatch.setattr(
        discovery, "_sniff_text", lambda path, readers: sniffed.append(path) or real(path, readers)
    )
    audit(tmp_path / "tree", tmp_path / "cache")
    assert sniffed == []
    keras_csv(runs[0], 99, epochs=40)
    _, analysed = audit(tmp_path / "tree", tmp_path / "cache")
    assert sniffed == [runs[0]] and analysed == [str(runs[0])]


def test_a_script_without_a_main_guard_can_use_worker_processes(tmp_path: Path) -> None:
    many_runs(tmp_path / "tree", 8)
    script = tmp_path / "audit_script.py"
    script.write_text(
        "import sys, loganalyzer\n"
        f"result = loganalyzer.audit({str(tmp_path / 'tree')!r}, jobs=2, cache=False)\n"
        "print(len(result.rows))\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "8"
