"""The Keras History JSON reader on every shape people save a History in."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from loganalyzer.errors import InputError
from loganalyzer.ingest import load_runs
from loganalyzer.ingest.source import HEAD_BYTES, LogSource, ReadOptions
from loganalyzer.ingest.text import keras_json
from loganalyzer.model.run import PositionUnit, Run
from tests.support.lookup import key_names, load_one, steps, values

HISTORY = {
    "accuracy": [0.5, 0.75, 0.875],
    "loss": [1.5, 1.0, 0.75],
    "val_accuracy": [0.25, 0.5, 0.625],
    "val_loss": [2.0, 1.25, 1.125],
}


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text)
    return path


def sniffed(path: Path) -> bool:
    return keras_json.sniff(path, path.read_bytes()[:HEAD_BYTES])


def assert_history(run: Run) -> None:
    assert key_names(run) == [
        "train.accuracy",
        "train.loss",
        "validation.accuracy",
        "validation.loss",
    ]
    assert values(run, "train.loss") == [1.5, 1.0, 0.75]
    assert values(run, "validation.loss") == [2.0, 1.25, 1.125]
    assert steps(run, "validation.accuracy") == [0, 1, 2]
    series = run.get("train.loss")
    assert series is not None
    assert series.epoch.tolist() == [0.0, 1.0, 2.0]
    assert series.position_unit is PositionUnit.NONE


def test_json_dump_of_history_dict(tmp_path: Path) -> None:
    path = write(tmp_path, "history.json", json.dumps(HISTORY))
    run = load_one(path)
    assert run.format == "keras-json"
    assert run.name == str(path)
    assert_history(run)
    assert run.diagnostics == ()


def test_nan_and_infinity_tokens_and_string_numbers(tmp_path: Path) -> None:
    text = '{"loss": [NaN, Infinity, -Infinity, "0.5"], "lr": ["0.001", "0.001", "0.0005", "0.0005"]}'
    run = load_one(write(tmp_path, "history.json", text))
    loss = values(run, "train.loss")
    assert math.isnan(loss[0]) and loss[1:] == [math.inf, -math.inf, 0.5]
    assert values(run, "train.learning_rate") == [0.001, 0.001, 0.0005, 0.0005]


def test_null_is_a_missing_point(tmp_path: Path) -> None:
    run = load_one(write(tmp_path, "h.json", '{"loss": [1.0, 0.5, 0.25], "val_loss": [null, 0.75, 0.5]}'))
    assert steps(run, "validation.loss") == [1, 2]


def test_shorter_list_is_aligned_on_the_last_epoch(tmp_path: Path) -> None:
    # learning_rate was only added from the third epoch on.
    text = '{"loss": [1.0, 0.8, 0.6, 0.4], "val_loss": [1.1, 0.9, 0.7, 0.5], "learning_rate": [0.01, 0.005]}'
    run = load_one(write(tmp_path, "history.json", text))
    assert steps(run, "train.learning_rate") == [2, 3]
    assert [d.code for d in run.diagnostics] == ["ragged-lists"]


def test_list_of_epoch_dicts(tmp_path: Path) -> None:
    records = [{k: v[e] for k, v in HISTORY.items()} for e in range(3)]
    assert_history(load_one(write(tmp_path, "history.json", json.dumps(records))))


def test_epoch_key_is_the_index(tmp_path: Path) -> None:
    records = [{"epoch": e + 1, "loss": 1.0 / (e + 1), "val_loss": 2.0 / (e + 1)} for e in range(3)]
    run = load_one(write(tmp_path, "history.json", json.dumps(records)))
    assert steps(run, "train.loss") == [1, 2, 3]
    assert run.get("train.epoch") is None


@pytest.mark.parametrize("orient", ["columns", "records", "split", "index"])
def test_pandas_to_json_orients(tmp_path: Path, orient: str) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(HISTORY)
    path = tmp_path / f"history_{orient}.json"
    frame.to_json(path, orient=orient)
    assert sniffed(path)
    assert_history(load_one(path))


def test_pandas_columns_orient_null_is_missing(tmp_path: Path) -> None:
    text = '{"loss": {"0": 1.0, "1": 0.5, "2": 0.25}, "val_loss": {"0": null, "1": 0.75, "2": 0.5}}'
    run = load_one(write(tmp_path, "h.json", text))
    assert steps(run, "validation.loss") == [1, 2]
    assert values(run, "train.loss") == [1.0, 0.5, 0.25]


def test_history_object_attributes_dumped_together(tmp_path: Path) -> None:
    text = json.dumps({"history": HISTORY, "epoch": [0, 1, 2], "params": {"epochs": 3, "verbose": 1}})
    run = load_one(write(tmp_path, "h.json", text))
    assert_history(run)
    assert run.metadata["params"] == {"epochs": 3, "verbose": 1}


def test_concatenated_histories_with_restarted_epoch_split(tmp_path: Path) -> None:
    text = json.dumps({"epoch": [0, 1, 2, 0, 1], "loss": [1.0, 0.9, 0.8, 2.0, 1.5]})
    result = load_runs([write(tmp_path, "h.json", text)])
    assert [run.name.rsplit("#", 1)[1] for run in result.runs] == ["1", "2"]
    assert values(result.runs[1], "train.loss") == [2.0, 1.5]
    assert result.runs[1].metadata["segment"]["first_record"] == 4


def test_non_numeric_entries_are_metadata_not_series(tmp_path: Path) -> None:
    text = '[{"loss": 1.0, "optimizer": "adam"}, {"loss": 0.5, "optimizer": "adam"}]'
    run = load_one(write(tmp_path, "h.json", text))
    assert key_names(run) == ["train.loss"]
    assert run.metadata["text_values"] == {"optimizer": "adam"}


def test_train_only_history_with_a_single_loss_list(tmp_path: Path) -> None:
    path = write(tmp_path, "history.json", '{"loss": [0.5, 0.25, 0.125]}')
    assert sniffed(path)
    assert values(load_one(path), "train.loss") == [0.5, 0.25, 0.125]


def test_invalid_json_is_an_input_error(tmp_path: Path) -> None:
    path = write(tmp_path, "history.json", '{"loss": [1.0, 0.5')
    source = LogSource(str(path), keras_json.FORMAT, (path,), (None,))
    with pytest.raises(InputError, match="not valid JSON"):
        keras_json.read(source, ReadOptions())


def test_a_history_saved_with_other_facts_keeps_them_as_metadata(tmp_path: Path) -> None:
    text = (
        '{"timestamp": "2026-04-18T17:21:59", "classes": ["Happy", "Sad"], "phase_starts": [0, 15],'
        ' "train_loss": [0.9, 0.7, 0.6], "val_loss": [1.0, 0.8, 0.75], "test_acc": 77.6}'
    )
    path = write(tmp_path, "training_history.json", text)
    assert keras_json.sniff(path, path.read_bytes())
    [parts] = keras_json.read(LogSource(str(path), keras_json.FORMAT, (path,), (None,)), ReadOptions())
    assert sorted(s.raw_name for s in parts.series) == ["train_loss", "val_loss"]
    assert parts.metadata["classes"] == ["Happy", "Sad"] and parts.metadata["test_acc"] == 77.6


def test_unsupported_shape_is_an_input_error(tmp_path: Path) -> None:
    path = write(tmp_path, "history.json", '{"loss": 1.0, "note": "x"}')
    source = LogSource(str(path), keras_json.FORMAT, (path,), (None,))
    with pytest.raises(InputError, match="not a Keras History"):
        keras_json.read(source, ReadOptions())


def test_large_history_is_sniffed_from_its_head(tmp_path: Path) -> None:
    big = {"accuracy": [0.1234567891234] * 2000, "loss": [0.5] * 2000}
    path = write(tmp_path, "history.json", json.dumps(big))
    assert path.stat().st_size > HEAD_BYTES
    assert sniffed(path)


@pytest.mark.parametrize(
    "text",
    [
        '{"model": {"layers": 3}, "optimizer": {"name": "adam", "lr": 0.001}}',
        '{"lr": 0.001, "epochs": 10, "loss": "categorical_crossentropy"}',
        '{"metrics": ["accuracy"], "loss": ["mse"]}',
        '{"lr": [0.1, 0.01], "batch_size": [32, 64]}',
        '{"scores": {"0": 0.5, "1": 0.25}}',
        '[{"name": "a", "loss": "mse"}]',
        '{"history": {"loss": 0.5}, "run": "a"}',
        '{"class_name": "Sequential", "config": {"name": "sequential", "layers": []}}',
        '[{"id": 1, "text": "hello"}, {"id": 2, "text": "world"}]',
        "[[0.5, 0.4], [0.3, 0.2]]",
        '{"loss": 0.3, "_step": 10}',
        '{"epoch": 0, "loss": 1.0}\n{"epoch": 1, "loss": 0.5}\n',
        '{"log_history": [{"loss": 1.0, "step": 1}], "global_step": 1}',
        "epoch,loss\n0,1.0\n",
    ],
)
def test_not_a_keras_history(tmp_path: Path, text: str) -> None:
    assert not sniffed(write(tmp_path, "file.json", text))
