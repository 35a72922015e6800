"""The Hugging Face trainer_state.json reader."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from loganalyzer.errors import InputError
from loganalyzer.ingest import load_runs
from loganalyzer.ingest.source import HEAD_BYTES, LogSource, ReadOptions
from loganalyzer.ingest.text import hf_trainer
from loganalyzer.model.run import PositionUnit, Run


def state(log_history: list[dict[str, Any]], **top: Any) -> dict[str, Any]:
    base = {
        "best_metric": 0.5,
        "best_model_checkpoint": "out/checkpoint-20",
        "epoch": 2.0,
        "eval_steps": 10,
        "global_step": 20,
        "is_hyper_param_search": False,
        "log_history": log_history,
        "logging_steps": 5,
        "max_steps": 20,
        "num_train_epochs": 2,
        "train_batch_size": 8,
        "total_flos": 1.5e15,
    }
    base.update(top)
    return base


HISTORY = [
    {"epoch": 0.25, "grad_norm": 1.5, "learning_rate": 4e-05, "loss": 0.75, "step": 5},
    {"epoch": 0.5, "grad_norm": 1.25, "learning_rate": 3e-05, "loss": 0.625, "step": 10},
    {
        "epoch": 0.5,
        "eval_accuracy": 0.75,
        "eval_loss": 0.5,
        "eval_runtime": 3.25,
        "eval_samples_per_second": 152.5,
        "eval_steps_per_second": 9.75,
        "step": 10,
    },
    {"epoch": 0.75, "grad_norm": float("nan"), "learning_rate": 2e-05, "loss": 0.5, "step": 15},
    {"epoch": 1.0, "grad_norm": 1.0, "learning_rate": 1e-05, "loss": 0.375, "step": 20},
    {"epoch": 1.0, "eval_accuracy": 0.875, "eval_loss": 0.4375, "eval_runtime": 3.5, "step": 20},
    {
        "epoch": 1.0,
        "step": 20,
        "total_flos": 1.5e15,
        "train_loss": 0.5625,
        "train_runtime": 120.5,
        "train_samples_per_second": 4.25,
        "train_steps_per_second": 0.25,
    },
]


def write_state(directory: Path, content: dict[str, Any], name: str = "trainer_state.json") -> Path:
    path = directory / name
    path.write_text(json.dumps(content, indent=2, sort_keys=True) + "\n")
    return path


def load_one(path: Path) -> Run:
    result = load_runs([path])
    assert result.errors == ()
    assert len(result.runs) == 1
    return result.runs[0]


def test_train_and_eval_entries_become_series(tmp_path: Path) -> None:
    path = write_state(tmp_path, state(HISTORY))
    run = load_one(path)
    assert run.format == "hf-trainer-state"
    loss = run.get("train.loss")
    assert loss is not None
    assert loss.step.tolist() == [5, 10, 15, 20]
    assert loss.value.tolist() == [0.75, 0.625, 0.5, 0.375]
    assert loss.epoch.tolist() == [0.25, 0.5, 0.75, 1.0]
    val = run.get("validation.loss")
    assert val is not None and val.raw_name == "eval_loss"
    assert val.step.tolist() == [10, 20] and val.value.tolist() == [0.5, 0.4375]
    acc = run.get("validation.accuracy")
    assert acc is not None and acc.value.tolist() == [0.75, 0.875]
    grad = run.get("train.grad_norm")
    assert grad is not None and math.isnan(grad.value[2])
    assert run.get("train.learning_rate") is not None
    runtime = [s for s in run if s.raw_name == "eval_runtime"]
    assert len(runtime) == 1 and runtime[0].value.tolist() == [3.25, 3.5]
    assert run.diagnostics == ()


def test_final_summary_goes_to_metadata_not_the_loss_curve(tmp_path: Path) -> None:
    run = load_one(write_state(tmp_path, state(HISTORY)))
    loss = run.get("train.loss")
    assert loss is not None and loss.value[-1] == 0.375  # not the run average 0.5625
    assert not any(s.raw_name.startswith(("train_", "total_flos")) for s in run)
    summary = run.metadata["train_summary"]
    assert summary["train_loss"] == 0.5625 and summary["train_runtime"] == 120.5


def test_top_level_facts_go_to_metadata(tmp_path: Path) -> None:
    run = load_one(write_state(tmp_path, state(HISTORY)))
    for key, expected in [
        ("best_metric", 0.5),
        ("best_model_checkpoint", "out/checkpoint-20"),
        ("global_step", 20),
        ("max_steps", 20),
        ("num_train_epochs", 2),
        ("logging_steps", 5),
        ("eval_steps", 10),
        ("train_batch_size", 8),
    ]:
        assert run.metadata[key] == expected, key
    assert "log_history" not in run.metadata


def test_positions_are_the_lines_where_entries_start(tmp_path: Path) -> None:
    path = write_state(tmp_path, state(HISTORY))
    lines = path.read_text().splitlines()
    run = load_one(path)
    loss = run.get("validation.loss")
    assert loss is not None and loss.position_unit is PositionUnit.LINE
    for line in loss.position.tolist():
        assert lines[line - 1].strip() == "{"
        assert '"epoch"' in lines[line]
    train = run.get("train.loss")
    assert train is not None
    assert '"loss": 0.75' in "\n".join(lines[train.position[0] - 1 : train.position[0] + 6])


def test_non_numeric_values_are_metadata(tmp_path: Path) -> None:
    history = [
        {"epoch": 1.0, "eval_loss": 0.5, "eval_report": "precision 0.5", "step": 10},
        {"epoch": 1.0, "loss": 0.75, "step": 10},
    ]
    run = load_one(write_state(tmp_path, state(history)))
    assert run.metadata["text_values"] == {"eval_report": "precision 0.5"}
    assert [s.raw_name for s in run] == ["loss", "eval_loss"]


def test_entry_without_step_is_skipped_with_a_diagnostic(tmp_path: Path) -> None:
    history = [{"epoch": 0.5, "loss": 0.75, "step": 5}, {"epoch": 1.0, "loss": 0.5}]
    run = load_one(write_state(tmp_path, state(history)))
    loss = run.get("train.loss")
    assert loss is not None and loss.step.tolist() == [5]
    assert [d.code for d in run.diagnostics] == ["missing-index"]


def test_sniff_by_content_and_any_name(tmp_path: Path) -> None:
    path = write_state(tmp_path, state(HISTORY), name="state_copy.json")
    assert hf_trainer.sniff(path, path.read_bytes()[:HEAD_BYTES])
    assert load_one(path).format == "hf-trainer-state"


@pytest.mark.parametrize(
    "text",
    [
        '{"train_runtime": 1.0, "train_loss": 0.5, "epoch": 1.0}',
        '{"loss": [1.0, 0.5], "val_loss": [1.1, 0.6]}',
        '{"history": {"log_history": []}}',
        "epoch,loss\n0,1.0\n",
    ],
)
def test_not_a_trainer_state(tmp_path: Path, text: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(text)
    assert not hf_trainer.sniff(path, path.read_bytes())


def test_truncated_state_is_an_input_error(tmp_path: Path) -> None:
    path = write_state(tmp_path, state(HISTORY))
    cut = tmp_path / "cut_state.json"
    cut.write_text(path.read_text()[:300])
    source = LogSource(str(cut), hf_trainer.FORMAT, (cut,), (None,))
    with pytest.raises(InputError, match="not valid JSON"):
        hf_trainer.read(source, ReadOptions())
