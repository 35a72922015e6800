"""Every text log in ../shared (real public logs and the labelled corpus) reads correctly.

The files are used by path only, never copied into the project. Each real log
has its expected runs and loss point counts written out below, from reading
the file by eye (see MANIFEST.csv for the quirks they exercise).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from loganalyzer.ingest import load_runs
from loganalyzer.ingest.discover import is_event_file
from loganalyzer.model.run import Run

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
REAL_LOGS = SHARED / "real-logs"
CORPUS = SHARED / "corpus"

pytestmark = pytest.mark.shared

if not REAL_LOGS.is_dir() or not CORPUS.is_dir():
    pytest.skip(
        f"{SHARED} (real-logs/ and corpus/) is not present next to the repository", allow_module_level=True
    )


def text_logs(root: Path) -> list[Path]:
    """Every file below ``root`` except TensorBoard event files and the manifest."""
    return sorted(
        p for p in root.rglob("*") if p.is_file() and not is_event_file(p) and p.name != "MANIFEST.csv"
    )


def corpus_logs() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.name in ("training.log", "history.json"))


def load(path: Path) -> list[Run]:
    result = load_runs([path])
    assert result.errors == (), [str(e) for e in result.errors]
    assert result.runs, f"{path.name}: no run"
    return list(result.runs)


def count(run: Run, key: str) -> int | None:
    series = run.get(key)
    return None if series is None else len(series)


# name -> (format, one (train.loss points, validation.loss points) pair per run; None = absent)
EXPECTED: dict[str, tuple[str, list[tuple[int | None, int | None]]]] = {
    "AbijithT-Lung-Cancer-Detection--training_log.csv": ("keras-csv", [(10, 10)]),
    # A second fit() whose epoch keeps counting (0..9, 10..15) is one run.
    "Ahmed-Hamed-Attallah-CodVeda-NN--training_history.csv": ("keras-csv", [(16, 16)]),
    "Aitzaz-Saleem-TomatoLeafCNN--training_log.csv": ("keras-csv", [(29, 29)]),
    # CSVLogger(append=True): epochs 0-4, 0-3, 0-9, 0-4 are four runs.
    "AkshatSharma5-BrainTumorCNN--training_log.csv": ("keras-csv", [(5, 5), (4, 4), (10, 10), (5, 5)]),
    "Arifoo00-Pneumonia-EfficientNetB0--training_history.csv": ("keras-csv", [(10, 10)]),
    "BelaBartok39-aes_neural_trainer--training_log_hybrid_ultra.csv": ("keras-csv", [(100, 100)]),
    # Epochs 0, 0..7, 0..7: an aborted one-epoch run, then two full runs.
    "BelaBartok39-aes_neural_trainer--training_log_transformer.csv": ("keras-csv", [(1, 1), (8, 8), (8, 8)]),
    "BelaBartok39-aes_neural_trainer--training_log_transformer_ultra.csv": (
        "keras-csv",
        [(28, 28), (28, 28)],
    ),
    "DeV-21-Waste-Classification-CNN--training_history.csv": ("keras-csv", [(15, 15)]),
    "DexterGomez-ftc-unet--training_history.csv": ("keras-csv", [(32, 32)]),
    # 186 train logs and 14 evals; the summary entry is metadata.
    "Dheena731-tinyLlama-finetune--trainer_state.json": ("hf-trainer-state", [(186, 14)]),
    # Lightning logs of a train-only model: there is no validation metric at all.
    "DiogoFerreira7-LSTM-Implementation--version_3--metrics.csv": ("lightning-csv", [(120, None)]),
    "DiogoFerreira7-LSTM-Implementation--version_8--metrics.csv": ("lightning-csv", [(60, None)]),
    # Trained without evaluation: train loss only (51 logs; the 52nd entry is the summary).
    "Francis-xsc-BERT_Weibo_Rumor--trainer_state.json": ("hf-trainer-state", [(51, None)]),
    # YOLOv5 logs only loss terms (train/box_loss ...); the run builder derives their sum as the loss.
    "Grafit-Kil-helmet-yolov5--exp2--results.csv": ("ultralytics-csv", [(150, 150)]),
    "Graphical27-TDEM--training_history.csv": ("keras-csv", [(200, 200)]),
    "HiKami172-pokemons-lenet--training_history.csv": ("keras-csv", [(30, 30)]),
    "MarkDeng86-VolatilityPredictionDL--training_history.csv": ("keras-csv", [(19, 19)]),
    "P4P4N1CK-whisper-large-v2-ja--trainer_state.json": ("hf-trainer-state", [(200, 5)]),
    # An aborted run (epochs 0-1) then a full run (0-9) appended to one file.
    "neelreddyrebala-S9-ResNet50--log.jsonl": ("jsonl", [(2, 2), (10, 10)]),
    "neelreddyrebala-S9-ResNet50--metrics.csv": ("keras-csv", [(10, 10)]),
}


@pytest.mark.parametrize("path", text_logs(REAL_LOGS), ids=lambda p: p.name)
def test_every_real_text_log_loads(path: Path) -> None:
    for run in load(path):
        assert run.series, f"{run.name}: no series"
        assert run.sources == (str(path),)


def test_expectations_name_existing_files() -> None:
    assert sorted(EXPECTED) == sorted(p.name for p in text_logs(REAL_LOGS))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_log_runs_and_losses(name: str) -> None:
    path = REAL_LOGS / name
    fmt, per_run = EXPECTED[name]
    runs = load(path)
    if len(per_run) == 1:
        assert [run.name for run in runs] == [str(path)]
    else:
        assert [run.name for run in runs] == [f"{path}#{k}" for k in range(1, len(per_run) + 1)]
    for run, (train, validation) in zip(runs, per_run, strict=True):
        assert run.format == fmt
        assert (count(run, "train.loss"), count(run, "validation.loss")) == (train, validation), run.name


def test_appended_runs_start_where_the_file_restarts() -> None:
    runs = load(REAL_LOGS / "AkshatSharma5-BrainTumorCNN--training_log.csv")
    firsts = []
    for run in runs:
        loss = run.get("train.loss")
        assert loss is not None and loss.step[0] == 0
        firsts.append((int(loss.position[0]), float(loss.value[0])))
    assert firsts == [
        (2, 1.1818400621414185),
        (7, 1.2846165895462036),
        (11, 1.0577627420425415),
        (21, 1.245796799659729),
    ]


def test_epoch_that_keeps_counting_is_one_curve() -> None:
    (run,) = load(REAL_LOGS / "Ahmed-Hamed-Attallah-CodVeda-NN--training_history.csv")
    val = run.get("validation.loss")
    assert val is not None
    assert val.step.tolist() == list(range(16))
    assert val.position.tolist() == list(range(2, 18))  # \r\r\n endings do not double line numbers


def test_yolo_results_have_component_losses_and_no_time_series() -> None:
    (run,) = load(REAL_LOGS / "Grafit-Kil-helmet-yolov5--exp2--results.csv")
    for key in (
        "train.box_loss",
        "train.obj_loss",
        "train.cls_loss",
        "validation.box_loss",
        "validation.obj_loss",
    ):
        assert count(run, key) == 150, key
    box = run.get("validation.box_loss")
    assert box is not None and box.step[0] == 0 and box.value[0] == 0.11717  # padded cells stripped


def test_trainer_state_summary_is_not_a_point() -> None:
    (run,) = load(REAL_LOGS / "P4P4N1CK-whisper-large-v2-ja--trainer_state.json")
    loss = run.get("train.loss")
    assert loss is not None and loss.step[-1] == 5000 and loss.value[-1] == 0.0002
    assert run.metadata["train_summary"]["train_loss"] == pytest.approx(0.01890342615880072)
    assert run.metadata["best_metric"] == pytest.approx(0.7431560204762965)


def test_hyperparameter_columns_are_kept_as_settings_not_metrics() -> None:
    (run,) = load(REAL_LOGS / "Graphical27-TDEM--training_history.csv")
    assert count(run, "train.neurons") is None and count(run, "train.epochs") is None
    assert isinstance(run.metadata["settings"]["neurons"], int)
    assert set(run.metadata["settings"]) == {
        "batch_size",
        "dp_coeff",
        "epochs",
        "im_height",
        "kern_sz",
        "neurons",
    }
    assert count(run, "train.learning_rate") == 200  # constant, but a metric name: still a series
    assert count(run, "train.r2") is not None and count(run, "train.r2") < 200  # mostly empty cells
    assert run.metadata["text_values"] == {"enable_dropout": "True"}
    loss = run.get("train.loss")
    assert loss is not None and loss.step[0] == 1  # this file counts epochs from 1


@pytest.mark.parametrize("path", corpus_logs(), ids=lambda p: p.parent.name + "/" + p.name)
def test_corpus_logs_match_an_independent_parse(path: Path) -> None:
    if path.name == "history.json":
        history = json.loads(path.read_text())
        expected_train, expected_val = history["loss"], history["val_loss"]
        fmt = "keras-json"
    else:
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        expected_train = [float(row["loss"]) for row in rows]
        expected_val = [float(row["val_loss"]) for row in rows]
        fmt = "keras-csv"
    (run,) = load(path)
    assert run.format == fmt
    train, val = run.get("train.loss"), run.get("validation.loss")
    assert train is not None and val is not None
    # NaN losses (the diverging runs) compare equal here; values are not reformatted.
    np.testing.assert_array_equal(train.value, np.asarray(expected_train, dtype=float))
    np.testing.assert_array_equal(val.value, np.asarray(expected_val, dtype=float))
    assert train.step.tolist() == list(range(len(expected_train)))
    assert run.diagnostics == ()


def test_naming_slips_on_real_logs() -> None:
    (hf,) = load(REAL_LOGS / "P4P4N1CK-whisper-large-v2-ja--trainer_state.json")
    assert hf.get("validation.evaluation_time") is not None  # eval_runtime: one evaluation's duration
    assert not [s for s in hf.series if s.key.quantity == "epoch_time"]
    (yolo,) = load(REAL_LOGS / "Grafit-Kil-helmet-yolov5--exp2--results.csv")
    assert yolo.get("validation.map50").raw_name.strip() == "metrics/mAP_0.5"
    assert yolo.get("validation.map50_95").raw_name.strip() == "metrics/mAP_0.5:0.95"
    (resnet,) = load(REAL_LOGS / "neelreddyrebala-S9-ResNet50--metrics.csv")
    assert resnet.get("validation.top1") is not None and resnet.get("train.top1") is None
    assert resnet.get("train.epoch_time") is not None  # a time column stays training-side
    runs = load(REAL_LOGS / "neelreddyrebala-S9-ResNet50--log.jsonl")
    assert all("aug.cutmix" in run.metadata["settings"] for run in runs)
