"""The JSON Lines reader."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from loganalyzer.ingest import load_runs
from loganalyzer.ingest.source import HEAD_BYTES
from loganalyzer.ingest.text import jsonl
from loganalyzer.model.run import PositionUnit, Run


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_bytes(text.encode())
    return path


def lines_of(*records: dict[str, object]) -> str:
    return "".join(json.dumps(record) + "\n" for record in records)


def load(path: Path) -> list[Run]:
    result = load_runs([path])
    assert result.errors == ()
    return list(result.runs)


def load_one(path: Path) -> Run:
    runs = load(path)
    assert len(runs) == 1, [run.name for run in runs]
    return runs[0]


def test_nested_dicts_are_flattened_with_dots(tmp_path: Path) -> None:
    text = lines_of(
        {"epoch": 0, "train": {"loss": 1.5}, "val": {"loss": 1.75, "top1": 3.5}, "time_sec": 200.5},
        {"epoch": 1, "train": {"loss": 1.25}, "val": {"loss": 1.5, "top1": 5.25}, "time_sec": 175.5},
    )
    run = load_one(write(tmp_path, "log.jsonl", text))
    assert run.format == "jsonl"
    loss = run.get("train.loss")
    assert loss is not None and loss.raw_name == "train.loss"
    assert loss.value.tolist() == [1.5, 1.25] and loss.step.tolist() == [0, 1]
    val = run.get("validation.loss")
    assert val is not None and val.raw_name == "val.loss" and val.value.tolist() == [1.75, 1.5]
    assert loss.position.tolist() == [1, 2] and loss.position_unit is PositionUnit.LINE
    assert loss.epoch.tolist() == [0.0, 1.0]
    assert run.get("train.epoch") is None


def test_flags_and_strings_are_metadata_not_series(tmp_path: Path) -> None:
    text = lines_of(
        {
            "epoch": 0,
            "loss": 1.0,
            "pretrained": False,
            "sched": "cosine",
            "aug": {"mixup": 0.2, "autoaugment": True},
        },
        {
            "epoch": 1,
            "loss": 0.5,
            "pretrained": False,
            "sched": "cosine",
            "aug": {"mixup": 0.2, "autoaugment": True},
        },
    )
    run = load_one(write(tmp_path, "log.jsonl", text))
    assert sorted(s.raw_name for s in run) == ["loss"]
    assert run.metadata["text_values"] == {"pretrained": False, "sched": "cosine", "aug.autoaugment": True}
    assert run.metadata["settings"] == {"aug.mixup": 0.2}  # one value all run: a setting, not a metric


def test_step_index_and_sparse_eval_lines(tmp_path: Path) -> None:
    text = lines_of(
        {"step": 100, "epoch": 0.5, "loss": 2.0},
        {"step": 200, "epoch": 1.0, "loss": 1.5},
        {"step": 200, "epoch": 1.0, "eval_loss": 1.75},
        {"step": 300, "epoch": 1.5, "loss": 1.0},
    )
    run = load_one(write(tmp_path, "log.jsonl", text))
    loss = run.get("train.loss")
    assert loss is not None and loss.step.tolist() == [100, 200, 300]
    assert loss.epoch.tolist() == [0.5, 1.0, 1.5]
    val = run.get("validation.loss")
    assert val is not None and val.step.tolist() == [200] and val.position.tolist() == [3]


def test_without_index_lines_are_numbered_in_order(tmp_path: Path) -> None:
    run = load_one(
        write(tmp_path, "log.jsonl", lines_of({"loss": 1.0, "val_loss": 2.0}, {"loss": 0.5, "val_loss": 1.0}))
    )
    loss = run.get("train.loss")
    assert loss is not None and loss.step.tolist() == [0, 1]
    assert not loss.has_epochs  # a JSONL line is not necessarily an epoch


def test_appended_run_with_restarted_epoch_splits(tmp_path: Path) -> None:
    text = lines_of(
        {"epoch": 0, "train": {"loss": 5.25}},
        {"epoch": 1, "train": {"loss": 5.125}},
        {"epoch": 0, "train": {"loss": 5.5}},
        {"epoch": 1, "train": {"loss": 5.0}},
        {"epoch": 2, "train": {"loss": 4.5}},
    )
    path = write(tmp_path, "log.jsonl", text)
    runs = load(path)
    assert [run.name for run in runs] == [f"{path}#1", f"{path}#2"]
    second = runs[1].get("train.loss")
    assert second is not None
    assert second.value.tolist() == [5.5, 5.0, 4.5] and second.position.tolist() == [3, 4, 5]


def test_nan_tokens_and_null(tmp_path: Path) -> None:
    text = '{"epoch": 0, "loss": NaN, "val_loss": null}\n{"epoch": 1, "loss": Infinity, "val_loss": 0.5}\n'
    run = load_one(write(tmp_path, "log.jsonl", text))
    loss = run.get("train.loss")
    assert loss is not None and math.isnan(loss.value[0]) and loss.value[1] == math.inf
    val = run.get("validation.loss")
    assert val is not None and val.step.tolist() == [1]


def test_bad_and_truncated_lines(tmp_path: Path) -> None:
    text = '{"epoch": 0, "loss": 1.0}\nnot json\n[1, 2]\n\n{"epoch": 1, "loss": 0.5}\n{"epoch": 2, "lo'
    run = load_one(write(tmp_path, "log.jsonl", text))
    loss = run.get("train.loss")
    assert loss is not None and loss.step.tolist() == [0, 1]
    assert [(d.code, d.position) for d in run.diagnostics] == [
        ("bad-line", 2),
        ("bad-line", 3),
        ("truncated-line", 6),
    ]


def test_ndjson_extension_and_any_name(tmp_path: Path) -> None:
    path = write(tmp_path, "metrics.txt", lines_of({"step": 1, "loss": 1.0}, {"step": 2, "loss": 0.5}))
    assert load_one(path).format == "jsonl"


def test_detectron2_metrics_json_is_json_lines(tmp_path: Path) -> None:
    # detectron2 writes one object per line into metrics.json, with "iteration" as the counter;
    # its own reader (ingest.text.detectron2) reads it like any JSON Lines log.
    text = lines_of(
        {"data_time": 0.01, "iteration": 19, "loss_box_reg": 0.5, "lr": 0.0002, "total_loss": 1.5},
        {"data_time": 0.02, "iteration": 39, "loss_box_reg": 0.4, "lr": 0.0004, "total_loss": 1.25},
    )
    run = load_one(write(tmp_path, "metrics.json", text))
    assert run.format == "detectron2"
    loss = run.get("train.loss")
    assert loss is not None and loss.raw_name == "total_loss"
    assert loss.step.tolist() == [19, 39] and loss.value.tolist() == [1.5, 1.25]


@pytest.mark.parametrize(
    "text",
    [
        lines_of({"id": 1, "text": "hello", "label": 0}, {"id": 2, "text": "world", "label": 1}),
        lines_of({"prompt": "2+2", "completion": "4"}),
        '{\n  "epoch": 0,\n  "loss": 1.0\n}\n',
        "epoch,loss\n0,1.0\n",
        lines_of({"loss": "mse", "optimizer": "adam"}),
    ],
)
def test_not_a_jsonl_training_log(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "data.jsonl", text)
    assert not jsonl.sniff(path, path.read_bytes()[:HEAD_BYTES])
