"""The run builder: naming, merging, ordering and keep-last de-duplication for every format."""

from __future__ import annotations

import numpy as np
import pytest

from loganalyzer.ingest.build import RawSeries, RunParts, build_run
from loganalyzer.model.run import MetricKey, Split


def raw(name: str, steps: list[int], values: list[float], **kwargs: object) -> RawSeries:
    return RawSeries(name, np.array(steps, dtype=np.int64), np.array(values, dtype=np.float64), **kwargs)


def parts(*series: RawSeries, sources: list[str] | None = None) -> RunParts:
    return RunParts(name="run", format="test", sources=sources or ["a.log"], series=list(series))


def test_steps_written_twice_keep_the_last_write_and_say_so() -> None:
    run = build_run(parts(raw("loss", [0, 1, 2, 1, 2, 3], [1.0, 0.9, 0.8, 0.7, 0.6, 0.5])))
    series = run.get("train.loss")
    assert series is not None
    assert series.step.tolist() == [0, 1, 2, 3]
    assert series.value.tolist() == [1.0, 0.7, 0.6, 0.5]
    [diagnostic] = [d for d in run.diagnostics if d.code == "duplicate-steps"]
    assert "2 of train.loss" in diagnostic.message


def test_a_resume_rewriting_every_column_gives_one_note() -> None:
    run = build_run(
        parts(raw("loss", [0, 1, 1], [3.0, 2.0, 1.5]), raw("val_loss", [0, 1, 1], [3.1, 2.2, 1.9]))
    )
    [diagnostic] = [d for d in run.diagnostics if d.code == "duplicate-steps"]
    assert "1 of train.loss" in diagnostic.message and "1 of validation.loss" in diagnostic.message


def test_epoch_level_names_get_epochs_from_steps() -> None:
    run = build_run(
        parts(raw("epoch_loss", [0, 1, 2], [3.0, 2.0, 1.0]), raw("batch_loss", [5, 10], [2.0, 1.0]))
    )
    assert run.get("train.loss").epoch.tolist() == [0.0, 1.0, 2.0]  # type: ignore[union-attr]
    assert not run.get("train.batch_loss").has_epochs  # type: ignore[union-attr]


def test_pieces_of_a_resumed_run_merge_in_write_order() -> None:
    first = raw("loss", [0, 1, 2], [3.0, 2.0, 1.0], source_index=0)
    resumed = raw("loss", [2, 3], [1.5, 1.2], source_index=1)
    run = build_run(parts(first, resumed, sources=["old", "new"]))
    series = run.get("train.loss")
    assert series is not None
    assert series.value.tolist() == [3.0, 2.0, 1.5, 1.2]
    assert [series.sources[i] for i in series.source_index] == ["old", "old", "new", "new"]


def test_out_of_order_steps_are_sorted() -> None:
    run = build_run(parts(raw("loss", [2, 0, 1], [0.2, 0.0, 0.1])))
    series = run.get("train.loss")
    assert series is not None
    assert series.step.tolist() == [0, 1, 2]
    assert series.value.tolist() == [0.0, 0.1, 0.2]
    assert not run.diagnostics


def test_colliding_names_keep_both_and_prefer_epoch_level() -> None:
    epoch = raw("epoch_loss", [0, 1], [1.0, 0.5], split_hint=Split.VALIDATION)
    per_iteration = raw("evaluation_loss_vs_iterations", [100, 200], [1.1, 0.6], split_hint=Split.VALIDATION)
    run = build_run(parts(per_iteration, epoch))
    assert run.get("validation.loss").raw_name == "epoch_loss"  # type: ignore[union-attr]
    fallback = run.get(MetricKey(Split.VALIDATION, "evaluation_loss_vs_iterations"))
    assert fallback is not None and fallback.step.tolist() == [100, 200]
    assert [d.code for d in run.diagnostics] == ["name-collision"]


def test_series_without_steps_are_numbered_in_write_order() -> None:
    run = build_run(parts(raw("loss", [0, 0, 0], [3.0, 2.0, 1.0])))
    series = run.get("train.loss")
    assert series is not None
    assert series.step.tolist() == [0, 1, 2]
    assert series.value.tolist() == [3.0, 2.0, 1.0]
    assert [d.code for d in run.diagnostics] == ["no-steps"]


def test_non_finite_values_are_kept() -> None:
    run = build_run(parts(raw("loss", [0, 1, 2], [1.0, np.nan, np.inf])))
    values = run.get("train.loss").value  # type: ignore[union-attr]
    assert values[0] == 1.0 and np.isnan(values[1]) and np.isinf(values[2])


def test_missing_optional_columns_are_nan_and_unknown_positions() -> None:
    run = build_run(parts(raw("loss", [0, 1], [1.0, 0.5])))
    series = run.get("train.loss")
    assert series is not None
    assert np.isnan(series.epoch).all() and np.isnan(series.wall_time).all()
    assert series.position.tolist() == [-1, -1]
    assert not series.has_epochs


def test_overrides_map_custom_names() -> None:
    overrides = {"my_eval_xent": MetricKey(Split.VALIDATION, "loss")}
    run = build_run(parts(raw("my_eval_xent", [0, 1], [2.0, 1.0])), overrides)
    assert run.keys() == (MetricKey(Split.VALIDATION, "loss"),)


def test_to_frame_is_the_tidy_table() -> None:
    run = build_run(
        parts(
            raw("loss", [0, 1], [1.0, 0.5], epoch=np.array([0.0, 1.0])), raw("val_loss", [0, 1], [1.2, 0.9])
        )
    )
    frame = run.to_frame()
    assert list(frame.columns) == [
        "run", "metric", "split", "quantity", "step", "epoch", "wall_time", "value", "raw_name", "source",
    ]  # fmt: skip
    assert frame["metric"].astype(str).tolist() == [
        "train.loss",
        "train.loss",
        "validation.loss",
        "validation.loss",
    ]
    assert frame["raw_name"].astype(str).tolist() == ["loss", "loss", "val_loss", "val_loss"]
    assert frame["value"].tolist() == [1.0, 0.5, 1.2, 0.9]
    assert str(frame["step"].dtype) == "int64"


def test_a_split_logging_only_loss_terms_gets_their_sum_as_its_loss() -> None:
    run = build_run(
        parts(
            raw("train/box_loss", [0, 1, 2], [1.0, 0.8, 0.6]),
            raw("train/cls_loss", [0, 1, 2], [0.5, 0.4, 0.3]),
            raw("val/box_loss", [0, 1, 2], [1.1, 0.9, 0.8]),
            raw("val/cls_loss", [0, 2], [0.6, 0.5]),  # other steps: not added
        )
    )
    total = run.get("train.loss")
    assert total is not None and total.value.tolist() == pytest.approx([1.5, 1.2, 0.9])
    assert total.raw_name == "train/box_loss + train/cls_loss"
    assert run.get("validation.loss") is None
    assert [d.code for d in run.diagnostics] == ["derived-loss"]


def test_a_logged_total_loss_is_never_replaced_by_a_sum() -> None:
    run = build_run(parts(raw("loss", [0, 1], [2.0, 1.0]), raw("box_loss", [0, 1], [1.0, 0.5])))
    assert run.get("train.loss").raw_name == "loss"  # type: ignore[union-attr]
