"""Real public logs of the new formats, read by path from ``../formats-realdata`` (never committed).

``../formats-realdata/SOURCES.md`` names the repository and path of each. The
test skips when the directory is absent (as the ``shared`` tests do without
``../shared``). Exceptions to "train and validation loss found" are listed
with their reason in :data:`REAL`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from loganalyzer.api import analyze, load_runs
from tests.conftest import REPO

REALDATA = Path(os.environ.get("LOGANALYZER_FORMATS_REALDATA", REPO.parent / "formats-realdata"))

#: Path -> (run format labels, every run has a training loss, every run has a validation loss).
REAL: dict[str, tuple[set[str], bool, bool]] = {
    # Evaluation lines carry only COCO AP (no validation loss hook in this run).
    "detectron2-ghailen--metrics.json": ({"detectron2"}, True, False),
    "detr-farjad--log.txt": ({"epoch-json-log"}, True, True),
    # Summaries of a run: metadata only.
    "hf-syGOAT--all_results.json": ({"hf-results"}, False, False),
    "hf-syGOAT--train_results.json": ({"hf-results"}, False, False),
    # Trained without evaluation: no eval_loss lines.
    "llamafactory-syGOAT--trainer_log.jsonl": ({"llama-factory"}, True, False),
    # A scikit-learn regression logged only its final mae/r2/rmse: no loss at all.
    "mlflow-sleahy": ({"mlflow"}, False, False),
    # mmdet and mmpretrain evaluate COCO mAP / top-k accuracy, not a loss.
    "mmengine-kvchiu--mmdet_scalars.json": ({"mmengine"}, True, False),
    "mmengine-kvchiu-fruit--scalars.json": ({"mmengine"}, True, False),
    # A variational graph model logging its loss and gradient norms only; run 8 stopped before
    # writing metrics.json, so only its captured stdout (a tqdm bar showing the loss) is read.
    "sacred-tgne": ({"sacred", "console-key-value"}, True, False),
    # Keras fit through W&B: epochs interleaved with TensorFlow and W&B messages.
    "wandb-asyuri26--output.log": ({"console-keras-fit"}, True, True),
    # A reinforcement-learning run: rewards, no loss.
    "wandb-mfts--wandb-history.jsonl": ({"wandb-history"}, False, False),
    "yolov5-amel--results.txt": ({"yolov5-results-txt"}, True, True),
    "ultralytics-handraising--results.csv": ({"ultralytics-csv"}, True, True),
    # Console output kept in Markdown: three models trained one after the other (three runs), and an
    # ImageNet run. Both evaluate every epoch on a set they call "test": read as the test split.
    "console-resnet--log-resnet_18-vs-34-vs-50.md": ({"console-key-value"}, True, False),
    "console-dhairyag--log_output.md": ({"console-key-value"}, True, False),
}

#: Real files named like training logs that are not (an order-execution summary named summary.csv).
NEGATIVES = ("negative-kailiu--summary.csv",)

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(
        not REALDATA.is_dir(), reason=f"{REALDATA} is absent: real public examples not available"
    ),
]


@pytest.mark.parametrize("relative", sorted(REAL))
def test_real_example_is_read_as_its_format(relative: str) -> None:
    labels, train, validation = REAL[relative]
    loaded = load_runs([REALDATA / relative])
    assert not loaded.errors, loaded.errors
    assert loaded.runs and {r.format for r in loaded.runs} == labels
    if relative.startswith("console-resnet"):
        assert len(loaded.runs) == 3 and all(len(r.get("train.loss").step) == 100 for r in loaded.runs)  # type: ignore[union-attr]
    for run in loaded.runs:
        assert (run.get("train.loss") is not None) is train, run.name
        assert (run.get("validation.loss") is not None) is validation, run.name


def test_every_real_example_is_listed() -> None:
    present = {p.name for p in REALDATA.iterdir() if p.name != "SOURCES.md"}
    assert present == set(REAL) | set(NEGATIVES)


@pytest.mark.parametrize("relative", NEGATIVES)
def test_real_files_that_are_not_logs_are_not_read(relative: str) -> None:
    loaded = load_runs([REALDATA / relative])
    assert not loaded.runs and [e.kind for e in loaded.errors] == ["unrecognised"]


@pytest.mark.parametrize("relative", sorted(REAL))
def test_real_example_analyses_without_errors(relative: str) -> None:
    analysis = analyze(REALDATA / relative)
    assert not analysis.input_errors and not analysis.rule_errors
