"""One test per crash or hang signature the fuzzer (bench/fuzz.py) found, fixed at its root.

Each builds the smallest input of its class and asserts what a user gets
instead of a traceback: a run read with a diagnostic, or one clean input
error naming the file and the reason.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from tensorboard.compat.proto import event_pb2

from loganalyzer import api
from loganalyzer.detectors import _signal
from loganalyzer.errors import InputError
from loganalyzer.ingest import naming
from loganalyzer.ingest.source import LogSource, ReadOptions
from loganalyzer.ingest.text import files, keras_csv
from loganalyzer.ingest.text.table import flatten
from loganalyzer.model.jsonvalue import json_value
from loganalyzer.model.run import Run, Series
from tests.support import eventfiles

DEEP = 100_000


def _load(path: Path) -> api.ingest.LoadResult:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a NumPy warning would reach the user's stderr
        return api.load_runs(path)


def _source(path: Path) -> LogSource:
    return LogSource(str(path), keras_csv.FORMAT, (path,), (None,))


def _series(run: Run, key: str) -> Series:
    series = run.get(key)
    assert series is not None, f"{key} not in {[str(s.key) for s in run]}"
    return series


def _keys(result: api.ingest.LoadResult) -> set[str]:
    return {str(series.key) for run in result.runs for series in run}


# --- ValueError in events.py _decode_event: unknown enum value ---------------------------------


def test_unknown_session_log_status_is_counted_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "events.out.tfevents.1.host"
    odd = event_pb2.Event(wall_time=2.0, step=1)
    odd.session_log.status = 42  # proto3 enums are open: any int32 can be on disk
    eventfiles.write_records(
        path,
        [eventfiles.header(), odd, eventfiles.event(1, 3.0, eventfiles.simple("loss", 0.5))],
    )
    result = _load(path)
    assert not result.errors
    (run,) = result.runs
    assert run.metadata["other_events"] == {"session_log/UNKNOWN_42": 1}
    assert _keys(result) == {"train.loss"}


# --- RecursionError on deep JSON: read_json, jsonl sniff/read, inventory ------------------------


@pytest.mark.parametrize("name", ["history.json", "trainer_state.json"])
def test_deep_json_document_is_a_clean_input_error(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text('{"loss": [1, 2], "deep": ' + "[" * DEEP + "]" * DEEP + "}")
    result = _load(path)
    assert not result.runs
    (error,) = result.errors
    assert error.path == str(path) or str(path) in str(error)


def test_deep_jsonl_line_is_a_bad_line_and_the_rest_is_read(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    lines = [json.dumps({"epoch": i, "loss": 1.0 / (i + 1)}) for i in range(5)]
    lines.insert(2, '{"epoch": 9, "x": ' + "[" * DEEP + "]" * DEEP + "}")
    path.write_text("\n".join(lines) + "\n")
    result = _load(path)
    assert not result.errors
    (run,) = result.runs
    assert _series(run, "train.loss").step.size == 5
    assert [d.code for d in run.diagnostics] == ["bad-line"]
    assert "nested" in run.diagnostics[0].message


def test_json_depth_ignores_brackets_inside_strings() -> None:
    assert files.nesting_depth(files.load_json('{"a": "[[[[{{{{", "b": [[1]]}'), 64) == 3
    assert files.load_json('{"a": "' + "[" * DEEP + '"}') == {"a": "[" * DEEP}


@pytest.mark.parametrize("depth", [65, 500, 5_000, 100_000])
@pytest.mark.parametrize("opener, closer", [("[", "]"), ('{"a": ', "}")])
def test_json_nested_past_the_limit_is_refused_at_any_depth(depth: int, opener: str, closer: str) -> None:
    with pytest.raises(ValueError, match="nested deeper"):
        files.load_json(opener * depth + "1" + closer * depth)


def test_json_nested_exactly_to_the_limit_is_read() -> None:
    text = "[" * files.MAX_JSON_DEPTH + "1" + "]" * files.MAX_JSON_DEPTH
    assert files.nesting_depth(files.load_json(text), files.MAX_JSON_DEPTH) == files.MAX_JSON_DEPTH


def test_flatten_and_inventory_json_walk_without_recursion() -> None:
    record: dict[str, object] = {"leaf": 1}
    for _ in range(5000):  # deeper than Python's default recursion limit
        record = {"k": record}
    ((key, value),) = list(flatten(record))
    assert key.count(".") == 5000 and value == 1
    nested: list[object] = [float("nan")]
    for _ in range(5000):
        nested = [nested]
    safe = json_value({"m": nested})["m"]  # type: ignore[index]
    depth = 0
    while isinstance(safe, list):
        safe, depth = safe[0], depth + 1
    assert (safe, depth) == (None, 5001)


# --- OverflowError / ValueError on odd numbers: keras_json, table_from_records ------------------


@pytest.mark.parametrize(
    "document",
    [
        '{"loss": [1, 2, ' + "9" * 5000 + '], "val_loss": [1, 2, 3]}',
        '{"loss": [1, 2, 1e400, -1e400], "val_loss": [1, 2, 3, 4]}',
        '{"loss": {"0": 1, "' + "1" * 5000 + '": 2}, "val_loss": {"0": 1, "1": 2}}',
        '{"loss": {"0": 1, "\u00b2": 2}, "val_loss": {"0": 1, "\u00b2": 2}}',
        '[{"epoch": 1e308, "loss": 1}, {"epoch": 2, "loss": 0.5}, {"epoch": 3, "loss": 0.4}]',
    ],
)
def test_odd_numbers_in_keras_json_are_read_or_reported(tmp_path: Path, document: str) -> None:
    path = tmp_path / "history.json"
    path.write_text(document)
    result = _load(path)
    assert not result.errors
    assert any(key.startswith("train.loss") for key in _keys(result))


def test_out_of_range_step_rows_are_skipped_with_a_diagnostic(tmp_path: Path) -> None:
    path = tmp_path / "metrics.jsonl"
    steps = ["1", "2", "1e308", "9" * 400, "Infinity", "3"]
    path.write_text("".join(f'{{"step": {s}, "loss": 0.5}}\n' for s in steps))
    result = _load(path)
    (run,) = result.runs
    assert _series(run, "train.loss").step.tolist() == [1, 2, 3]
    assert [d.code for d in run.diagnostics] == ["missing-index"] * 3


def test_out_of_range_epoch_in_csv_is_skipped_with_a_diagnostic(tmp_path: Path) -> None:
    path = tmp_path / "training.log"
    path.write_text("epoch,loss,val_loss\n0,1,1\n1e308,0.9,0.9\n-inf,0.8,0.8\n2,0.7,0.7\n")
    result = _load(path)
    (run,) = result.runs
    assert _series(run, "train.loss").step.tolist() == [0, 2]
    assert [d.code for d in run.diagnostics] == ["missing-index"] * 2


# --- csv.Error in keras_csv _cells: a very long column name, stray carriage returns ------------


def test_column_name_longer_than_the_csv_field_limit_is_read(tmp_path: Path) -> None:
    long_name = "val_" * 50_000  # 200,000 characters, above csv's default 131,072
    path = tmp_path / "training.log"
    path.write_text(f"epoch,loss,{long_name}\n0,1,2\n1,0.5,2\n")
    (parts,) = keras_csv.read(_source(path), ReadOptions())
    assert {series.raw_name for series in parts.series} == {"loss", long_name}
    # Discovery sees only the first 8 KiB of the header, and judges its complete cells.
    result = _load(path)
    assert not result.errors and "train.loss" in _keys(result)


def test_a_ten_megabyte_line_is_skipped_with_a_diagnostic(tmp_path: Path) -> None:
    path = tmp_path / "training.log"
    path.write_text("epoch,loss\n0,1\n" + "1" * 10_000_000 + "\n1,0.5\n")
    result = _load(path)
    (run,) = result.runs
    assert _series(run, "train.loss").step.tolist() == [0, 1]
    (diagnostic,) = run.diagnostics
    assert diagnostic.code == "long-line" and diagnostic.position == 3


def test_a_huge_header_or_a_stray_carriage_return_is_a_clean_input_error(tmp_path: Path) -> None:
    huge = tmp_path / "huge.csv"
    huge.write_text("epoch," + "x" * 2_000_000 + "\n0,1\n")
    stray = tmp_path / "stray.csv"
    stray.write_bytes(b"epoch,lo\rss,val_loss\n0,1,2\n")
    for path in (huge, stray):
        with pytest.raises(InputError, match="line 1") as caught:
            keras_csv.read(_source(path), ReadOptions())
        assert caught.value.path == str(path)
        (error,) = _load(path).errors
        assert error.path == str(path)


# --- hangs in naming._take_split: separator runs ------------------------------------------------


@pytest.mark.parametrize(
    "name", ["_" * 100_000, "x" + "-" * 100_000 + "y", "a_" * 50_000 + "val", "- " * 50_000 + "loss"]
)
def test_names_with_long_separator_runs_resolve(name: str) -> None:
    # This used to backtrack cubically (5,000 underscores took 4 s); it now returns at once.
    resolved = naming.resolve(name)
    assert resolved.key.split is not None


def test_split_words_still_found_around_separator_runs() -> None:
    assert str(naming.resolve("loss___val").key) == "validation.loss"
    assert str(naming.resolve("reg__val__loss").key) == "validation.reg_loss"


# --- OverflowError in detectors: math.exp of huge log-ratios ------------------------------------


def test_exp_saturates_instead_of_raising() -> None:
    assert _signal.exp(1.0) == pytest.approx(np.e)
    assert _signal.exp(1e6) == float("inf")


def test_a_loss_that_reaches_1e308_is_analysed_without_rule_errors(tmp_path: Path) -> None:
    path = tmp_path / "training.log"
    losses = [1.0, 0.9, 0.8, 1e-300, 1e-300, 1e308, 1e308, 0.5, 0.4, 0.3, 1e308, 0.2] * 3
    rows = "".join(f"{i},{v},{v * 1.1}\n" for i, v in enumerate(losses))
    path.write_text("epoch,loss,val_loss\n" + rows)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        analysis = api.analyze(path)
    assert not analysis.input_errors
    assert not analysis.rule_errors


# --- "cannot word finding" (rule errors) on a blank tag; NaN warning summing loss components ---


def test_blank_tag_names_get_a_quantity_a_finding_can_name(tmp_path: Path) -> None:
    path = tmp_path / "events.out.tfevents.1.host"
    losses = [1.0, 0.9, 0.8, 0.7, 0.6, 50.0, 0.5, 0.45, 0.4, 0.38, 0.36, 0.35] * 4
    events = [eventfiles.event(i, 10.0 + i, eventfiles.simple(" ", v)) for i, v in enumerate(losses)]
    eventfiles.write_records(path, [eventfiles.header(), *events])
    assert str(naming.resolve(" ").key) == "train.(unnamed)"
    analysis = api.analyze(path)
    assert not analysis.rule_errors and not analysis.input_errors


def test_loss_components_with_opposite_infinities_sum_without_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    rows = "".join(f"{i},{v},{-v},0.1\n" for i, v in enumerate([1.0, float("inf"), 0.5]))
    path.write_text("epoch,train/box_loss,train/cls_loss,train/dfl_loss\n" + rows)
    result = _load(path)
    assert not result.errors


# --- hang on wide tables: Run.get scanned every series (quadratic in the column count) --------


def test_a_ten_thousand_column_csv_is_recognised_read_and_analysed(tmp_path: Path) -> None:
    # The header is wider than the 8 KiB discovery reads; before, the file was "not recognised",
    # and once recognised, detectors asking the run for each loss took 144 s (now about 2 s).
    names = [f"val_{i}_loss" for i in range(10_000)]
    rows = "".join(f"{e},1,1," + ",".join(["0.5"] * len(names)) + "\n" for e in range(5))
    path = tmp_path / "wide.csv"
    path.write_text("epoch,loss,val_loss," + ",".join(names) + "\n" + rows)
    analysis = api.analyze(path)
    assert not analysis.input_errors and not analysis.rule_errors
    (run,) = api.load_runs(path).runs
    assert len(run.series) == 10_002
    assert run.get("validation.loss") is not None and run.get("validation.nothing") is None


# --- OverflowError in mmengine._int on an infinite counter (a reader added after the first run) ---


def test_mmengine_counters_ignore_non_finite_and_huge_numbers() -> None:
    from loganalyzer.ingest.text import mmengine

    assert [mmengine._int(v) for v in (3, 3.0, float("inf"), float("nan"), 1e308, True, "3")] == [
        3,
        3,
        None,
        None,
        None,
        None,
        None,
    ]


# --- MemoryError rendering SARIF: 200,000 duplicate column names, one diagnostic each ----------


def test_diagnostics_are_bounded_per_file_and_code(tmp_path: Path) -> None:
    path = tmp_path / "training.log"
    path.write_text(
        "epoch,loss,val_loss," + ",".join(["a"] * 5000) + "\n0,1,1," + ",".join(["1"] * 5000) + "\n"
    )
    (run,) = _load(path).runs
    duplicates = [d for d in run.diagnostics if d.code == "duplicate-column"]
    assert len(duplicates) == 21
    assert duplicates[-1].message.startswith("4,979 more duplicate-column diagnostics")


def test_a_yaml_alias_bomb_in_hparams_yaml_is_flattened_within_a_budget(tmp_path: Path) -> None:
    """871 bytes of anchors naming a mapping ten times at each of nine levels: 10**9 keys if expanded."""
    pytest.importorskip("yaml")
    from loganalyzer.ingest.text import lightning_hparams

    lines = ["l0: &l0 {" + ", ".join(f"k{i}: 1" for i in range(10)) + "}"]
    for level in range(1, 9):
        keys = ", ".join(f"k{i}: *l{level - 1}" for i in range(10))
        lines.append(f"l{level}: &l{level} {{{keys}}}")
    bomb = tmp_path / "hparams.yaml"
    bomb.write_text("\n".join(lines) + "\n")
    found = lightning_hparams.read(bomb)
    assert 0 < len(found) <= lightning_hparams.MAX_KEYS
    assert found["l0.k0"] == 1


def test_hparams_yaml_within_the_budget_is_flattened_whole(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    from loganalyzer.ingest.text import lightning_hparams

    path = tmp_path / "hparams.yaml"
    path.write_text("lr: 0.001\noptimizer:\n  name: adam\n  betas: [0.9, 0.999]\nlayers: 4\n")
    assert lightning_hparams.read(path) == {
        "layers": 4,
        "lr": 0.001,
        "optimizer.betas": "[0.9, 0.999]",
        "optimizer.name": "adam",
    }
