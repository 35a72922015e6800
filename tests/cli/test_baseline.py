"""Baselines through the command line: adopt loganalyzer on old runs, still catch new problems."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli.helpers import DIVERGE_CSV, OVERFIT_CSV, OVERFIT_TB, assert_usage_error, invoke


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    """``runs/`` (relative to the working directory) with an overfitting CSV run and a TensorBoard run."""
    shutil.copytree(OVERFIT_CSV, tmp_path / "runs" / "csv")
    shutil.copytree(OVERFIT_TB / "logs", tmp_path / "runs" / "tb")
    return Path("runs")


def test_baseline_hides_everything_it_recorded(runs: Path) -> None:
    before = invoke("check", "--format", "json", runs)
    assert before.exit_code == 1 and before.json()["findings"]
    written = invoke("check", "--write-baseline", "baseline.json", runs)
    assert written.exit_code == 1, "writing a baseline still reports and fails on the current findings"
    count = len(before.json()["findings"])
    assert f"recorded {count} finding(s) in baseline.json" in written.stderr

    after = invoke("check", "--baseline", "baseline.json", runs)
    assert after.exit_code == 0, after.output
    assert "All checks passed" in after.stdout
    assert f"{count} finding(s) hidden by baseline baseline.json" in after.stderr
    assert invoke("check", "--format", "json", "--baseline", "baseline.json", runs).json()["findings"] == []


def test_a_new_problem_still_shows(tmp_path: Path, runs: Path) -> None:
    invoke("check", "--write-baseline", "baseline.json", runs)
    shutil.copytree(DIVERGE_CSV, tmp_path / "runs" / "later")
    outcome = invoke("check", "--format", "json", "--baseline", "baseline.json", runs)
    assert outcome.exit_code == 1
    shown = outcome.json()["findings"]
    assert shown
    assert {f["run"] for f in shown} == {"runs/later/training.log"}
    assert "DV001" in {f["rule"] for f in shown}


def test_baseline_file_is_sorted_json_and_stable(runs: Path) -> None:
    invoke("check", "--write-baseline", "first.json", runs)
    invoke("check", "--write-baseline", "second.json", runs)
    first = Path("first.json").read_bytes()
    assert first == Path("second.json").read_bytes()
    document = json.loads(first)
    assert document["version"] == 1
    assert document["tool"] == "loganalyzer"
    entries = document["findings"]
    assert len(entries) >= 2
    assert entries == sorted(entries, key=lambda e: (e["run"], e["rule"], e["fingerprint"]))
    assert all({"fingerprint", "rule", "run", "metric", "start_step"} <= set(entry) for entry in entries)
    assert all(not Path(entry["run"]).is_absolute() for entry in entries), "relative inputs, relative names"
    assert first.endswith(b"\n")


def test_baseline_survives_a_fresh_checkout_elsewhere(
    tmp_path: Path, runs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoke("check", "--write-baseline", "baseline.json", runs)
    shutil.copytree(tmp_path, tmp_path.parent / f"{tmp_path.name}-clone")
    monkeypatch.chdir(tmp_path.parent / f"{tmp_path.name}-clone")
    outcome = invoke("check", "--baseline", "baseline.json", runs)
    assert outcome.exit_code == 0, outcome.output


def test_write_and_read_the_same_baseline_in_one_run(runs: Path) -> None:
    invoke("check", "--write-baseline", "baseline.json", runs)
    outcome = invoke("check", "--baseline", "baseline.json", "--write-baseline", "baseline.json", runs)
    assert outcome.exit_code == 0, outcome.output
    assert json.loads(Path("baseline.json").read_text(encoding="utf-8"))["findings"], (
        "all findings re-recorded"
    )


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        pytest.param(None, ["baseline file not found"], id="missing"),
        pytest.param("{not json", ["baseline is not valid JSON", "line 1"], id="corrupt"),
        pytest.param("", ["baseline is not valid JSON"], id="empty"),
        pytest.param(
            '{"tool": "ruff", "findings": []}', ["not a loganalyzer baseline file"], id="other-tool"
        ),
        pytest.param("[1, 2]", ["not a loganalyzer baseline file"], id="list"),
        pytest.param(
            '{"tool": "loganalyzer", "findings": 3}', ["not a loganalyzer baseline file"], id="findings"
        ),
        pytest.param(
            '{"tool": "loganalyzer", "findings": [{"rule": "OF001"}]}', ["without a fingerprint"], id="entry"
        ),
    ],
)
def test_unusable_baseline_is_exit_2_with_a_clear_message(runs: Path, content: str | None, needles) -> None:
    if content is not None:
        Path("baseline.json").write_text(content, encoding="utf-8")
    assert_usage_error(invoke("check", "--baseline", "baseline.json", runs), "baseline.json", *needles)


#: The TensorBoard run's event files as pre-commit passes them: one by one, relative to the repository.
TB_FILES = [
    f"runs/tb/{p.relative_to(OVERFIT_TB / 'logs').as_posix()}" for p in sorted(OVERFIT_TB.rglob("*tfevents*"))
]


@pytest.mark.parametrize(
    "spelling",
    [
        pytest.param(["runs"], id="plain"),
        pytest.param(["runs/"], id="trailing-slash"),
        pytest.param(["./runs"], id="dot-slash"),
        pytest.param(["runs/csv/training.log", "runs/tb"], id="file-and-run-dir"),
        pytest.param(["runs/csv/training.log", *TB_FILES], id="event-files-like-pre-commit"),
        pytest.param(["runs/csv/training.log", "runs/tb/"], id="run-dir-trailing-slash"),
        pytest.param(["./runs/csv/training.log", "runs/tb"], id="dot-slash-file"),
        pytest.param(
            ["runs/csv/training.log", *(f"./{f}" for f in TB_FILES)],
            id="dot-slash-events",
        ),
    ],
)
def test_run_names_and_fingerprints_do_not_depend_on_how_the_path_is_spelt(
    runs: Path, spelling: list[str]
) -> None:
    """A baseline written by ``check runs`` must match ``check runs/``, ``./runs`` or pre-commit's file list."""
    invoke("check", "--write-baseline", "baseline.json", runs)
    outcome = invoke("check", "--format", "json", "--baseline", "baseline.json", *spelling)
    assert {run["name"] for run in outcome.json()["runs"]} == {"runs/csv/training.log", "runs/tb"}
    assert outcome.json()["findings"] == []
    assert outcome.exit_code == 0
