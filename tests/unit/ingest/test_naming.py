"""Raw tag/column names map to the canonical keys people mean."""

from __future__ import annotations

import pytest

from loganalyzer.ingest.naming import Level, resolve, split_of_directory
from loganalyzer.model.run import MetricKey, Split

CASES = [
    # Keras History / CSVLogger
    ("loss", None, "train.loss", Level.PLAIN),
    ("val_loss", None, "validation.loss", Level.PLAIN),
    ("acc", None, "train.accuracy", Level.PLAIN),
    ("accuracy", None, "train.accuracy", Level.PLAIN),
    ("val_acc", None, "validation.accuracy", Level.PLAIN),
    ("val_accuracy", None, "validation.accuracy", Level.PLAIN),
    ("sparse_categorical_accuracy", None, "train.accuracy", Level.PLAIN),
    ("lr", None, "train.learning_rate", Level.PLAIN),
    ("learning_rate", None, "train.learning_rate", Level.PLAIN),
    ("val_mae", None, "validation.mae", Level.PLAIN),
    # Keras TensorBoard callback: split comes from the directory
    ("epoch_loss", Split.TRAIN, "train.loss", Level.EPOCH),
    ("epoch_loss", Split.VALIDATION, "validation.loss", Level.EPOCH),
    ("epoch_learning_rate", Split.TRAIN, "train.learning_rate", Level.EPOCH),
    ("batch_loss", Split.TRAIN, "train.loss", Level.STEP),
    ("evaluation_loss_vs_iterations", Split.VALIDATION, "validation.loss", Level.STEP),
    ("evaluation_accuracy_vs_iterations", None, "validation.accuracy", Level.STEP),
    # PyTorch habits
    ("Loss/train", None, "train.loss", Level.PLAIN),
    ("Loss/valid", None, "validation.loss", Level.PLAIN),
    ("Loss/test", None, "test.loss", Level.PLAIN),
    ("train/loss", None, "train.loss", Level.PLAIN),
    ("loss/val", None, "validation.loss", Level.PLAIN),
    ("training_loss", None, "train.loss", Level.PLAIN),
    ("validation_loss", None, "validation.loss", Level.PLAIN),
    ("valid_loss", None, "validation.loss", Level.PLAIN),
    ("test_loss", None, "test.loss", Level.PLAIN),
    ("eval/loss", None, "validation.loss", Level.PLAIN),
    ("eval_loss", None, "validation.loss", Level.PLAIN),
    ("training/accuracy", None, "train.accuracy", Level.PLAIN),
    ("train_acc", None, "train.accuracy", Level.PLAIN),
    ("val.loss", None, "validation.loss", Level.PLAIN),
    # Lightning
    ("train_loss_step", None, "train.loss", Level.STEP),
    ("train_loss_epoch", None, "train.loss", Level.EPOCH),
    ("val_loss_epoch", None, "validation.loss", Level.EPOCH),
    # timing
    ("epoch_time", None, "train.epoch_time", Level.EPOCH),
    ("time", None, "train.epoch_time", Level.PLAIN),
    ("duration", None, "train.epoch_time", Level.PLAIN),
    ("time_sec", None, "train.epoch_time", Level.PLAIN),
    ("train_runtime", None, "train.epoch_time", Level.PLAIN),
    ("eval_runtime", None, "validation.evaluation_time", Level.PLAIN),  # one evaluation, not an epoch
    ("test_runtime", None, "test.evaluation_time", Level.PLAIN),
    ("_runtime", None, "train.epoch_time", Level.PLAIN),  # a clock or not: decided from the data
    ("metrics/mAP50(B)", None, "validation.map50", Level.PLAIN),
    ("metrics/mAP50-95(B)", None, "validation.map50_95", Level.PLAIN),
    ("metrics/mAP50-95(M)", None, "validation.map50_95_mask", Level.PLAIN),
    ("metrics/precision(B)", None, "validation.precision", Level.PLAIN),
    ("metrics/mAP_0.5:0.95", None, "validation.map50_95", Level.PLAIN),
    ("metrics/learning_curve", None, "unknown.learning_curve", Level.PLAIN),
    # memory
    ("memory_rss_mb", None, "train.memory", Level.PLAIN),
    ("epoch_memory_rss_mb", Split.TRAIN, "train.memory", Level.EPOCH),
    ("system/rss_mb", None, "unknown.memory", Level.PLAIN),
    ("gpu_mem_mb", None, "train.memory", Level.PLAIN),
    ("torch_cuda_max_memory_allocated", None, "train.memory", Level.PLAIN),
    ("mem_mb", None, "train.memory", Level.PLAIN),
    # unknown names keep their own name
    ("grad_norm", None, "train.grad_norm", Level.PLAIN),
    ("mean_token_accuracy", None, "train.mean_token_accuracy", Level.PLAIN),
    ("val/box_loss", None, "validation.box_loss", Level.PLAIN),
    ("metrics/mAP_0.5", None, "validation.map50", Level.PLAIN),  # YOLO evaluates on validation
    ("out_tensor([0.])", None, "train.out_tensor([0.])", Level.PLAIN),
    ("x/lr0", None, "train.learning_rate", Level.PLAIN),
    ("x/lr2", None, "train.learning_rate_pg2", Level.PLAIN),
    ("lr/pg1", None, "train.learning_rate_pg1", Level.PLAIN),
    ("batch_size", None, "train.batch_size", Level.PLAIN),
    ("std_dev", None, "train.std_dev", Level.PLAIN),
    # multi-head models put the split inside the name
    ("reg_val_loss", None, "validation.reg_loss", Level.PLAIN),
    ("cls_train_loss", None, "train.cls_loss", Level.PLAIN),
    ("reg_loss", None, "train.reg_loss", Level.PLAIN),
]


@pytest.mark.parametrize(("raw", "hint", "expected", "level"), CASES, ids=[c[0] + f"@{c[1]}" for c in CASES])
def test_resolve(raw: str, hint: Split | None, expected: str, level: int) -> None:
    resolved = resolve(raw, hint)
    assert str(resolved.key) == expected
    assert resolved.level == level


def test_name_split_beats_directory_split() -> None:
    assert str(resolve("val_loss", Split.TRAIN).key) == "validation.loss"


def test_override_beats_everything() -> None:
    overrides = {"my_eval_xent": MetricKey(Split.VALIDATION, "loss")}
    resolved = resolve("my_eval_xent", None, overrides)
    assert str(resolved.key) == "validation.loss"
    assert resolved.level == Level.OVERRIDE


@pytest.mark.parametrize(
    ("dirname", "split"),
    [("train", Split.TRAIN), ("validation", Split.VALIDATION), ("eval", Split.VALIDATION),
     ("Loss_train", Split.TRAIN), ("loss_val", Split.VALIDATION), ("runs", None), ("exp2", None)],
)  # fmt: skip
def test_split_of_directory(dirname: str, split: Split | None) -> None:
    assert split_of_directory(dirname) == split


def test_metric_key_parse_round_trip() -> None:
    key = MetricKey.parse("validation.box_loss")
    assert key == MetricKey(Split.VALIDATION, "box_loss")
    assert str(key) == "validation.box_loss"
    with pytest.raises(ValueError, match="split must be one of"):
        MetricKey.parse("holdout.loss")
    with pytest.raises(ValueError, match="not of the form"):
        MetricKey.parse("loss")
