"""Issue 12: every new format is recognised as itself, read with its train and validation loss,
and arbitrary text is never taken for a training log.

The sample logs in ``data/`` are written by ``make_data.py`` (synthetic, one or more per format).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from loganalyzer.api import analyze, load_runs
from loganalyzer.ingest import DIRECTORY_READERS, READERS, TEXT_READERS
from loganalyzer.ingest.discover import discover
from loganalyzer.ingest.source import HEAD_BYTES
from loganalyzer.model.finding import Severity
from loganalyzer.model.run import Run
from tests.conftest import FIXTURES
from tests.formats.random_text import generate

DATA = Path(__file__).resolve().parent / "data"

#: Sample -> (reader FORMAT, run format label, train loss expected, validation loss expected).
#: Exceptions (no validation loss): the mmengine sample's evaluation logs only COCO mAP (as mmdet
#: does), Swin and YOLO consoles print accuracy / mAP for validation, never a loss; the GAN file
#: has no validation; the timing CSV has only epoch times; HF *_results.json are run metadata.
SAMPLES: dict[str, tuple[str, str, bool, bool]] = {
    "mlflow/mlruns/1/0a1b2c3d4e5f": ("mlflow", "mlflow", True, True),
    "sacred/my_runs/1": ("sacred", "sacred", True, True),
    "sacred/my_runs/1/metrics.json": ("sacred", "sacred", True, True),
    "detectron2/output/metrics.json": ("detectron2", "detectron2", True, True),
    "mmengine/scalars.json": ("mmengine", "mmengine", True, False),
    "mmcv/20240501_101010.log.json": ("mmengine", "mmcv-log-json", True, True),
    "deit/log.txt": ("epoch-json-log", "epoch-json-log", True, True),
    "llama-factory/trainer_log.jsonl": ("llama-factory", "llama-factory", True, True),
    "yolov5/results.txt": ("yolov5-results-txt", "yolov5-results-txt", True, True),
    "ultralytics/results.csv": ("keras-csv", "ultralytics-csv", True, True),
    "console/keras-fit.log": ("console-log", "console-keras-fit", True, True),
    "console/keras-fit-verbose2.txt": ("console-log", "console-keras-fit", True, True),
    "console/wandb/files/output.log": ("console-log", "console-key-value", True, True),
    "console/mmdet.log": ("console-log", "console-mmcv-logger", True, False),
    "console/swin.log": ("console-log", "console-mmcv-logger", True, False),
    "console/yolov5-train.log": ("console-log", "console-yolo-console", True, False),
    "console/pytorch-tutorial.txt": ("console-log", "console-key-value", True, True),
    "console/tqdm-postfix.log": ("console-log", "console-key-value", True, False),
    "wandb/wandb-history.jsonl": ("wandb-history", "wandb-history", True, True),
    "wandb/wandb_export_2024-05-01.csv": ("keras-csv", "wandb-csv", True, True),
    # A chart panel of the validation loss only.
    "wandb/wandb_panel_val_loss.csv": ("keras-csv", "wandb-csv", False, True),
    "timm/summary.csv": ("keras-csv", "timm-csv", True, True),
    "fastai/history.csv": ("keras-csv", "fastai-csv", True, True),
    "odd-csv/gan_losses.csv": ("keras-csv", "keras-csv", True, False),
    "odd-csv/model_registry.csv": ("keras-csv", "keras-csv", True, True),
    "odd-csv/timing.csv": ("keras-csv", "keras-csv", False, False),
    "odd-csv/hf/train_results.json": ("hf-results", "hf-results", False, False),
    "odd-csv/hf/eval_results.json": ("hf-results", "hf-results", False, False),
}

#: Readers that are general fallbacks, asked last: they may also accept a specific format's file.
FALLBACKS = frozenset({"jsonl", "keras-csv", "console-log"})


def runs_of(relative: str) -> list[Run]:
    loaded = load_runs([DATA / relative])
    assert not loaded.errors, loaded.errors
    return list(loaded.runs)


def test_every_sample_file_is_listed() -> None:
    files = {p.relative_to(DATA).as_posix() for p in DATA.rglob("*") if p.is_file()}
    directory_runs = {s for s in SAMPLES if (DATA / s).is_dir()}
    covered = {f for f in files if f in SAMPLES or any(f.startswith(d + "/") for d in directory_runs)}
    assert files - covered == {"mlflow/mlruns/1/meta.yaml"} | {
        f for f in files if f.startswith("mlflow/mlruns/1/9f8e7d6c5b4a/")
    }


@pytest.mark.parametrize("relative", sorted(SAMPLES))
def test_sample_is_recognised_as_its_own_format(relative: str) -> None:
    reader_format, label, _, _ = SAMPLES[relative]
    found = discover([DATA / relative], TEXT_READERS, None, DIRECTORY_READERS)
    assert not found.errors
    assert {s.format for s in found.sources} == {reader_format}
    assert {run.format for run in runs_of(relative)} == {label}


@pytest.mark.parametrize("relative", sorted(s for s in SAMPLES if (DATA / s).is_file()))
def test_no_other_specific_reader_claims_the_sample(relative: str) -> None:
    path = DATA / relative
    head = path.read_bytes()[:HEAD_BYTES]
    own = SAMPLES[relative][0]
    claimed = {r.FORMAT for r in TEXT_READERS if r.sniff(path, head)}
    assert own in claimed
    assert claimed - FALLBACKS - {own} == set()


@pytest.mark.parametrize("relative", sorted(SAMPLES))
def test_train_and_validation_loss_are_found(relative: str) -> None:
    _, _, train, validation = SAMPLES[relative]
    for run in runs_of(relative):
        assert (run.get("train.loss") is not None) is train, run.name
        assert (run.get("validation.loss") is not None) is validation, run.name


def test_mlflow_root_is_many_runs_with_params_as_metadata() -> None:
    runs = runs_of("mlflow")
    assert [r.name.rsplit("/", 1)[-1] for r in runs] == ["0a1b2c3d4e5f", "9f8e7d6c5b4a"]
    assert runs[0].metadata["params"] == {"learning_rate": "0.001"}
    assert runs[0].metadata["run_name"] == "run-1"
    loss = runs[0].get("train.loss")
    assert loss is not None and loss.step.tolist() == list(range(20))
    assert loss.wall_time[1] - loss.wall_time[0] == pytest.approx(30.0)  # milliseconds read as such


def test_sacred_config_and_run_facts_are_metadata() -> None:
    (run,) = runs_of("sacred/my_runs/1")
    assert run.metadata["config"] == {"lr": 0.01, "seed": 3}
    assert run.metadata["run"]["status"] == "COMPLETED"


def test_mmcv_epochs_and_iterations_are_one_timeline() -> None:
    (run,) = runs_of("mmcv/20240501_101010.log.json")
    loss = run.get("train.loss")
    assert loss is not None and len(loss.step) == 40 and bool(np.all(np.diff(loss.step) > 0))
    validation = run.get("validation.loss")
    # Each evaluation sits at the end of its epoch: 8 logged iterations of 50 per epoch.
    assert validation is not None and validation.step.tolist() == [400, 800, 1200, 1600, 2000]
    assert run.get("validation.bbox_mAP") is not None


def test_mmengine_evaluations_move_to_the_end_of_their_epoch() -> None:
    (run,) = runs_of("mmengine/scalars.json")
    mAP = run.get("validation.coco/bbox_mAP")
    assert mAP is not None and mAP.step.tolist() == [500, 1000, 1500, 2000, 2500, 3000]
    assert not [d for d in run.diagnostics if d.code == "duplicate-steps"]


def test_detectron2_evaluator_results_are_validation_and_memory_is_memory() -> None:
    (run,) = runs_of("detectron2/output/metrics.json")
    assert run.get("validation.bbox/AP") is not None and run.get("train.bbox/AP") is None
    assert run.get("train.memory") is not None


def test_deit_test_metrics_are_validation_and_parameters_metadata() -> None:
    (run,) = runs_of("deit/log.txt")
    assert run.get("validation.acc1") is not None and run.get("test.loss") is None
    assert run.metadata["n_parameters"] == 5717416


def test_llama_factory_steps_and_elapsed_clock() -> None:
    (run,) = runs_of("llama-factory/trainer_log.jsonl")
    loss = run.get("train.loss")
    assert loss is not None and loss.step[:3].tolist() == [10, 20, 30]
    assert loss.wall_time[:2].tolist() == [23.0, 46.0]
    assert run.metadata["total_steps"] == 400
    assert not [s for s in run.series if "percentage" in s.raw_name or "remaining" in s.raw_name]


def test_yolov5_txt_units_and_settings() -> None:
    (run,) = runs_of("yolov5/results.txt")
    memory = run.get("train.memory")
    assert memory is not None and memory.value[0] == pytest.approx(3.1 * 1024)
    assert run.metadata["img_size"] == 640.0 and run.metadata["epochs_planned"] == 20


def test_wandb_runtime_is_a_clock_and_media_are_not_metrics() -> None:
    for relative in ("wandb/wandb-history.jsonl", "wandb/wandb_export_2024-05-01.csv"):
        (run,) = runs_of(relative)
        assert not [s for s in run.series if s.raw_name in ("_runtime", "_timestamp")], relative
        assert not [s for s in run.series if s.key.quantity == "epoch_time"], relative
        assert not [s for s in run.series if s.raw_name.startswith("examples")], relative


def test_wandb_panel_export_is_one_run_per_column_group() -> None:
    runs = runs_of("wandb/wandb_panel_val_loss.csv")
    assert [r.metadata["text_values"]["wandb_run"] for r in runs] == ["lr-1e-3", "lr-3e-4"]
    for run in runs:
        assert [s.raw_name for s in run.series] == ["val/loss"]  # the __MIN/__MAX band is not a series
    a, b = (r.get("validation.loss") for r in runs)
    assert a is not None and b is not None and a.step.tolist() == b.step.tolist() == list(range(0, 2000, 100))


def test_fastai_clock_durations_are_seconds() -> None:
    (run,) = runs_of("fastai/history.csv")
    time = run.get("train.epoch_time")
    assert time is not None and time.value[:2].tolist() == [13.0, 20.0]


def test_keras_console_summary_line_wins_over_progress_states() -> None:
    (run,) = runs_of("console/keras-fit.log")
    loss, epoch_time = run.get("train.loss"), run.get("train.epoch_time")
    assert loss is not None and loss.step.tolist() == list(range(8))
    progress = [
        float(line.split("loss: ")[-1].split()[0])
        for line in (DATA / "console/keras-fit.log").read_text().split("\r")
        if "ETA" in line
    ]
    assert not set(loss.value.tolist()) & set(progress)
    assert epoch_time is not None and set(epoch_time.value.tolist()) == {4.0}


def test_tqdm_redraws_are_one_point_per_counter() -> None:
    (run,) = runs_of("console/tqdm-postfix.log")
    loss = run.get("train.loss")
    assert loss is not None and loss.step.tolist() == list(range(51))
    assert not [d for d in run.diagnostics if d.code == "duplicate-steps"]


def test_ansi_colours_do_not_hide_mmcv_lines() -> None:
    (run,) = runs_of("console/mmdet.log")
    assert run.get("train.loss") is not None and len(run.get("train.loss").step) == 24  # type: ignore[union-attr]
    assert run.get("validation.bbox_mAP") is not None


def test_registry_rows_split_by_version_and_summary_rows_kept_aside() -> None:
    runs = runs_of("odd-csv/model_registry.csv")
    assert len(runs) == 2
    assert [r.metadata["text_values"]["model_version"] for r in runs] == ["v1", "v2"]
    assert all(len(r.get("train.loss").step) == 20 for r in runs)  # type: ignore[union-attr]
    # v1's summary row carries epoch 19: kept aside, it does not overwrite epoch 19's point.
    assert [row["record_type"] for row in runs[0].metadata["summary_rows"]] == ["summary"]
    loss = runs[0].get("train.loss")
    assert loss is not None and loss.value[-1] != runs[0].metadata["summary_rows"][0]["train_loss"]
    # v2's summary row has no epoch at all: it cannot be placed and says so.
    assert [d.code for d in runs[1].diagnostics] == ["missing-index"]


def test_time_only_csv_runs_only_time_rules() -> None:
    (run,) = runs_of("odd-csv/timing.csv")
    assert {s.key.quantity for s in run.series} == {"epoch_time"}
    analysis = analyze(DATA / "odd-csv/timing.csv")
    assert not analysis.input_errors and not analysis.rule_errors
    assert {f.category for f in analysis.findings if f.severity >= Severity.WARNING} == {"slow-epoch"}


def test_hf_results_attach_to_the_trainer_state_next_to_them(tmp_path: Path) -> None:
    for name in ("train_results.json", "eval_results.json"):
        (tmp_path / name).write_bytes((DATA / "odd-csv/hf" / name).read_bytes())
    state = {
        "log_history": [{"step": s, "epoch": s / 10, "loss": 2.0 / s} for s in range(1, 6)],
        "global_step": 5,
    }
    (tmp_path / "trainer_state.json").write_text(json.dumps(state, indent=2))
    loaded = load_runs([tmp_path])
    assert [r.format for r in loaded.runs] == ["hf-trainer-state"]
    assert sorted(loaded.runs[0].metadata["hf_results"]) == ["eval_results.json", "train_results.json"]


def test_split_column_rows_merge_so_the_validation_rise_shows() -> None:
    analysis = analyze(FIXTURES / "split-rows-overfit-csv")
    (run,) = load_runs([FIXTURES / "split-rows-overfit-csv"]).runs
    train, validation = run.get("train.loss"), run.get("validation.loss")
    assert train is not None and validation is not None
    assert len(train.step) == len(validation.step) == 40
    assert "overfitting" in {f.category for f in analysis.findings if f.severity >= Severity.WARNING}


def test_validation_off_columns_are_absent_series() -> None:
    analysis = analyze(FIXTURES / "ultralytics-val-off")
    (run,) = load_runs([FIXTURES / "ultralytics-val-off"]).runs
    assert not [
        s for s in run.series if s.key.split.value == "validation" or s.raw_name.startswith("metrics/")
    ]
    assert not [f for f in analysis.findings if f.severity >= Severity.WARNING]


def test_deit_training_spike_is_read_and_found() -> None:
    analysis = analyze(FIXTURES / "spike-deit-logtxt")
    spikes = [f for f in analysis.findings if f.category == "loss-spike" and f.severity >= Severity.WARNING]
    assert spikes and "41" in spikes[0].message


@pytest.mark.slow
def test_a_thousand_random_text_files_are_never_training_logs(tmp_path: Path) -> None:
    paths = generate(tmp_path, seed=12, total=1000)
    assert len(paths) == 1000
    taken = []
    for path in paths:
        head = path.read_bytes()[:HEAD_BYTES]
        taken += [(path.name, r.FORMAT) for r in TEXT_READERS if r.sniff(path, head)]
    assert taken == []
    found = discover([tmp_path], TEXT_READERS, None, DIRECTORY_READERS)
    assert found.sources == ()


def test_every_reader_is_registered_once() -> None:
    assert len({id(r) for r in READERS.values()}) == len(READERS)
    assert all(READERS[r.FORMAT] is r for r in (*TEXT_READERS, *DIRECTORY_READERS))


@pytest.mark.parametrize("relative", sorted(s for s in SAMPLES if (DATA / s).is_file()))
@pytest.mark.parametrize("damage", ["truncated", "garbage-line", "empty", "binary"])
def test_damaged_samples_never_crash(relative: str, damage: str, tmp_path: Path) -> None:
    data = (DATA / relative).read_bytes()
    damaged = {
        "truncated": data[: len(data) // 2],
        "garbage-line": data[: len(data) // 3]
        + b"\n@@@ not a log line \xff\xfe @@@\n"
        + data[len(data) // 3 :],
        "empty": b"",
        "binary": b"\x00\x01\x02" + data,
    }[damage]
    path = tmp_path / Path(relative).name
    path.write_bytes(damaged)
    loaded = load_runs([path])  # raises nothing: bad input is an InputError or a diagnostic
    assert loaded.runs or loaded.errors
    for error in loaded.errors:
        assert "\n" not in str(error)


@pytest.mark.parametrize(
    ("header", "labels"),
    [("phase", ("train", "val")), ("kind", ("Training", "Validation")), ("subset", ("train", "valid"))],
)
def test_split_columns_by_name_or_by_values(header: str, labels: tuple[str, str], tmp_path: Path) -> None:
    rows = [f"epoch,{header},loss"]
    for e in range(6):
        rows += [f"{e},{labels[0]},{1.0 / (e + 1):.4f}", f"{e},{labels[1]},{1.2 / (e + 1):.4f}"]
    (tmp_path / "log.csv").write_text("\n".join(rows) + "\n")
    (run,) = load_runs([tmp_path / "log.csv"]).runs
    validation = run.get("validation.loss")
    assert validation is not None and validation.value.tolist()[:2] == [1.2, 0.6]
    assert run.get("train.loss").value.tolist()[:2] == [1.0, 0.5]  # type: ignore[union-attr]
