"""``loganalyzer audit`` on the command line: formats, selection, baseline, exit codes, escaping."""

from __future__ import annotations

import csv
import html
import io
import json
import os
from pathlib import Path

import jsonschema
import pytest

from tests.cli.helpers import FIXTURES, invoke, run_console, snapshot
from tests.fleet.trees import fixture_tree, keras_csv

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "loganalyzer" / "fleet" / "audit.schema.json").read_text()
)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return fixture_tree(
        tmp_path / "runs", "healthy-keras-csv", "overfit-keras-csv", "overfit-keras-tensorboard"
    )


def test_json_output_follows_the_shipped_schema(tree: Path) -> None:
    outcome = invoke("audit", tree, "--format", "json", "--no-cache", "-j", "1")
    assert outcome.exit_code == 1, outcome.output
    document = outcome.json()
    jsonschema.validate(document, SCHEMA)
    assert [run["run"] for run in document["runs"]] == sorted(run["run"] for run in document["runs"])
    assert document["summary"]["problems"]["overfitting"] == 2
    overfit = next(r for r in document["runs"] if "overfit-keras-csv" in r["run"])
    assert "OF001" in overfit["codes"] and overfit["findings"][0]["fingerprint"]


def test_healthy_runs_exit_0_and_fail_on_error_lets_warnings_pass(tree: Path) -> None:
    assert invoke("audit", tree / "healthy-keras-csv", "--no-cache").exit_code == 0
    assert invoke("audit", tree, "--no-cache", "--fail-on", "error").exit_code == 0
    assert invoke("audit", tree, "--no-cache", "--exit-zero").exit_code == 0
    assert invoke("audit", tree, "--no-cache").exit_code == 1


def test_selection_and_config_work_as_for_check(tree: Path, tmp_path: Path) -> None:
    selected = invoke("audit", tree, "--no-cache", "-f", "json", "--select", "UF", "-j", "1")
    assert selected.exit_code == 0
    assert all(run["codes"] == [] for run in selected.json()["runs"])
    (tmp_path / "pyproject.toml").write_text('[tool.loganalyzer]\nignore = ["OF001", "LS"]\n')
    configured = invoke("audit", tree, "--no-cache", "-f", "json", "-j", "1")
    codes = {code for run in configured.json()["runs"] for code in run["codes"]}
    assert not codes & {"OF001", "LS001", "LS002"}


def test_baseline_hides_known_findings(tree: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    recorded = invoke("audit", tree, "--no-cache", "--write-baseline", baseline)
    assert recorded.exit_code == 1 and baseline.is_file()
    again = invoke("audit", tree, "--no-cache", "--baseline", baseline, "-f", "json")
    assert again.exit_code == 0, again.output
    assert again.json()["summary"]["hidden_by_baseline"] > 0
    # The same baseline file works for check: the fingerprints are the same.
    assert invoke("check", tree, "--baseline", baseline).exit_code == 0


def test_unreadable_runs_are_rows_and_exit_2(tree: Path) -> None:
    (tree / "crashed").mkdir()
    (tree / "crashed" / "events.out.tfevents.1.host").write_bytes(b"\x01\x02")
    outcome = invoke("audit", tree, "--no-cache", "-f", "csv")
    assert outcome.exit_code == 2
    rows = list(csv.DictReader(io.StringIO(outcome.stdout)))
    crashed = next(r for r in rows if r["run"].endswith("crashed"))
    assert crashed["status"] == "unreadable" and crashed["reason"]
    assert sum(r["status"] == "ok" for r in rows) == 3  # the others are still analysed
    [line] = [line for line in outcome.stderr_lines() if "crashed" in line]
    assert line.startswith("loganalyzer: error: ") and "Traceback" not in outcome.output


def test_a_missing_root_is_an_unreadable_row(tmp_path: Path) -> None:
    outcome = invoke("audit", tmp_path / "nope", "--no-cache")
    assert outcome.exit_code == 2
    assert "no such file or directory" in outcome.stderr


def test_only_sort_and_top(tree: Path) -> None:
    only = invoke("audit", tree, "--no-cache", "-f", "json", "--only", "overfitting")
    listed = sorted(r["run"].removeprefix(f"{tree}/") for r in only.json()["runs"])
    assert listed == ["overfit-keras-csv/training.log", "overfit-keras-tensorboard/logs"]
    assert only.json()["summary"]["runs"] == 3, "--only narrows the listing, not the totals"
    by_loss = invoke("audit", tree, "--no-cache", "-f", "csv", "--sort", "-val_loss_best")
    values = [float(r["val_loss_best"]) for r in csv.DictReader(io.StringIO(by_loss.stdout))]
    assert values == sorted(values, reverse=True)
    top = invoke("audit", tree, "--no-cache", "-f", "json", "--top", "1").json()["summary"]["top"]
    assert len(top) == 1 and top[0]["run"].endswith("healthy-keras-csv/training.log")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--only", "sadness"), "--only 'sadness'"),
        (("--sort", "colour"), "--sort 'colour'"),
        (("--select", "XX999"), "XX999"),
        (("--executor", "dask"), "--scheduler"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(tree: Path, args: tuple[str, ...], needle: str) -> None:
    outcome = invoke("audit", tree, "--no-cache", *args)
    assert outcome.exit_code == 2
    assert "Traceback" not in outcome.output
    assert len(outcome.stderr_lines()) == 1 and needle in outcome.stderr


def test_names_from_logs_cannot_inject_into_any_format(tmp_path: Path) -> None:
    hostile = tmp_path / "=HYPERLINK(1)|`x`\x1b]8;;evil\x07" / "a"
    keras_csv(hostile / "training.log", 3)
    table = invoke("audit", tmp_path / "=HYPERLINK(1)|`x`\x1b]8;;evil\x07", "--no-cache")
    assert "\x1b" not in table.stdout and "\x07" not in table.stdout
    rows = list(csv.DictReader(io.StringIO(invoke("audit", tmp_path, "--no-cache", "-f", "csv").stdout)))
    assert all(not row["run"].startswith(("=", "+", "-", "@")) for row in rows)
    markdown = invoke("audit", tmp_path, "--no-cache", "-f", "markdown").stdout
    [row] = [line for line in markdown.splitlines() if "HYPERLINK" in line and line.startswith("|")]
    assert row.count(" | ") == 8, "a | in a name must not add a table column"
    json.loads(invoke("audit", tmp_path, "--no-cache", "-f", "json").stdout)


def test_inputs_are_untouched_and_output_is_deterministic(tree: Path, tmp_path: Path) -> None:
    before = snapshot(tree)
    first = invoke("audit", tree, "-f", "json", "--cache-dir", tmp_path / "c", "-j", "1").stdout
    second = invoke("audit", tree, "-f", "json", "--cache-dir", tmp_path / "c", "-j", "2").stdout
    third = invoke("audit", tree, "-f", "json", "--no-cache", "-j", "2").stdout
    assert first == second == third
    assert snapshot(tree) == before


def test_output_file_and_refusal_to_overwrite_an_input(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "audit.md"
    assert invoke("audit", tree, "--no-cache", "-f", "markdown", "-o", out).exit_code == 1
    assert out.read_text().startswith("## loganalyzer audit")
    victim = tree / "healthy-keras-csv" / "training.log"
    refused = invoke("audit", tree, "--no-cache", "-o", victim)
    assert refused.exit_code == 2 and "refusing to overwrite" in refused.stderr


def test_no_progress_bar_on_a_pipe_or_in_ci(tree: Path) -> None:
    piped = run_console("audit", tree, "--no-cache", "-j", "1")
    assert piped.exit_code == 1 and "auditing" not in piped.stderr
    forced_ci = run_console("audit", tree, "--no-cache", "-j", "1", env={"CI": "true"})
    assert "\x1b[" not in forced_ci.stderr


def test_progress_bar_wanted_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from loganalyzer.fleet import progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert progress.wanted(Terminal())
    assert not progress.wanted(io.StringIO())
    monkeypatch.setenv("CI", "true")
    assert not progress.wanted(Terminal())


def test_fixtures_audit_runs_in_the_console_script() -> None:
    outcome = run_console("audit", FIXTURES, "--no-cache", "-j", "2", "-f", "csv")
    assert outcome.exit_code == 1, outcome.stderr
    assert len(outcome.stdout.splitlines()) == 1 + sum(1 for p in FIXTURES.iterdir() if p.is_dir())
    assert os.path.basename(outcome.stdout.splitlines()[0].split(",")[0]) == "run"


def test_progress_bar_draws_on_a_terminal_and_leaves_stdout_alone(tree: Path) -> None:
    from loganalyzer.fleet import progress

    with progress.progress_bar(True) as advance:
        assert advance is not None
        advance(1, 3)
        advance(3, 3)
    plain = invoke("audit", tree, "--no-cache", "-f", "json", "-j", "1").stdout
    barred = invoke("audit", tree, "--no-cache", "-f", "json", "-j", "1", "--progress").stdout
    assert barred == plain


def test_html_page_lists_every_run_with_its_findings_and_escapes_names(tree: Path, tmp_path: Path) -> None:
    """``audit --format html`` is the report's many-run page: one row and one section per run."""
    pytest.importorskip("matplotlib", reason="the html format needs the report extra (matplotlib)")
    hostile = tmp_path / "hostile" / "<script>alert(1)</script>"
    keras_csv(hostile / "training.log", 3)
    page = invoke("audit", tree, tmp_path / "hostile", "--no-cache", "-f", "html", "--exit-zero").stdout
    rows = json.loads(invoke("audit", tree, tmp_path / "hostile", "--no-cache", "-f", "json").stdout)["runs"]
    assert page.startswith("<!DOCTYPE html>")
    for row in rows:
        assert html.escape(row["run"], quote=False) in page
    codes = {finding["rule"] for row in rows for finding in row.get("findings") or ()}
    assert codes and all(f'data-rule="{code}"' in page or code in page for code in codes)
    assert "<script>alert(1)</script>" not in page and page.count("<script") == 1


def test_the_size_guard_holds_in_an_audit_from_the_option_and_the_config(tmp_path: Path) -> None:
    """--max-bytes / max-bytes apply to audit as to check: an oversized run is a row with the reason."""
    small = keras_csv(tmp_path / "runs" / "small" / "training.log", 1, epochs=20)
    big = keras_csv(tmp_path / "runs" / "big" / "training.log", 2, epochs=200)
    limit = str(big.stat().st_size - 1)
    assert small.stat().st_size < int(limit)
    result = invoke("audit", tmp_path / "runs", "--no-cache", "-f", "csv", "--max-bytes", limit)
    assert result.exit_code == 2
    rows = {row["run"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    assert rows[str(big)]["status"] == "unreadable" and "-byte limit" in rows[str(big)]["reason"]
    assert rows[str(small)]["status"] == "ok"
    config = tmp_path / "pyproject.toml"
    config.write_text(f"[tool.loganalyzer]\nmax-bytes = {limit}\n")
    from_config = invoke("audit", tmp_path / "runs", "--no-cache", "-f", "csv", "--config", config)
    assert from_config.exit_code == 2 and from_config.stdout == result.stdout


def test_exclude_in_the_config_holds_in_an_audit(tmp_path: Path) -> None:
    """``exclude`` globs drop runs from an audit as they do from check, before anything is read."""
    keras_csv(tmp_path / "runs" / "kept" / "training.log", 1)
    keras_csv(tmp_path / "runs" / "scratch" / "a" / "training.log", 2, overfit=True)
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.loganalyzer]\nexclude = ["**/scratch/**"]\n')
    result = invoke("audit", tmp_path / "runs", "--no-cache", "-f", "csv", "--config", config)
    runs = [row["run"] for row in csv.DictReader(io.StringIO(result.stdout))]
    assert runs == [str(tmp_path / "runs" / "kept" / "training.log")]
    checked = invoke("check", tmp_path / "runs", "--format", "json", "--config", config)
    assert [run["name"] for run in json.loads(checked.stdout)["runs"]] == runs
