"""The CSV reader on every CSVLogger / to_csv / Lightning / Ultralytics variant it must read."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loganalyzer.errors import InputError
from loganalyzer.ingest import load_runs
from loganalyzer.ingest.source import HEAD_BYTES, LogSource, ReadOptions
from loganalyzer.ingest.text import keras_csv
from loganalyzer.model.run import PositionUnit, Run
from tests.support.lookup import key_names, load_one, steps, values


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_bytes(text.encode())
    return path


def load(path: Path) -> list[Run]:
    result = load_runs([path])
    assert result.errors == ()
    return list(result.runs)


def codes(run: Run) -> list[str]:
    return [d.code for d in run.diagnostics]


def sniffed(path: Path) -> bool:
    return keras_csv.sniff(path, path.read_bytes()[:HEAD_BYTES])


# --- Keras CSVLogger -------------------------------------------------------------------------


def test_csvlogger_crlf_with_epoch_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "training.log",
        "epoch,accuracy,loss,val_accuracy,val_loss\r\n"
        "0,0.5,1.25,0.4,1.5\r\n"
        "1,0.6,0.75,0.5,1.0\r\n"
        "2,0.7,0.5,0.55,0.875\r\n",
    )
    run = load_one(path)
    assert run.format == "keras-csv"
    assert run.name == str(path)
    assert key_names(run) == [
        "train.accuracy",
        "train.loss",
        "validation.accuracy",
        "validation.loss",
    ]
    assert values(run, "train.loss") == [1.25, 0.75, 0.5]
    assert values(run, "validation.loss") == [1.5, 1.0, 0.875]
    assert steps(run, "train.loss") == [0, 1, 2]
    loss = run.get("validation.loss")
    assert loss is not None
    assert loss.raw_name == "val_loss"
    assert loss.epoch.tolist() == [0.0, 1.0, 2.0]
    assert loss.position.tolist() == [2, 3, 4]
    assert loss.position_unit is PositionUnit.LINE
    assert loss.sources == (str(path),)
    assert run.diagnostics == ()


def test_windows_double_cr_line_endings_keep_line_numbers(tmp_path: Path) -> None:
    # CSVLogger on Windows writes \r\n through a text-mode file: \r\r\n.
    path = write(tmp_path, "log.csv", "epoch,loss,val_loss\r\r\n0,1.0,2.0\r\r\n1,0.5,1.5\r\r\n")
    run = load_one(path)
    assert values(run, "train.loss") == [1.0, 0.5]
    series = run.get("train.loss")
    assert series is not None
    assert series.position.tolist() == [2, 3]


def test_na_is_missing_but_nan_and_inf_are_values(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "training.log",
        "epoch,loss,val_loss,lr\n0,nan,NA,0.1\n1,inf,,0.1\n2,-inf,NaN,0.1\n3,0.5,0.75,\n",
    )
    run = load_one(path)
    loss = values(run, "train.loss")
    assert math.isnan(loss[0]) and loss[1:] == [math.inf, -math.inf, 0.5]
    assert steps(run, "validation.loss") == [2, 3]  # NA and empty are not points
    val = values(run, "validation.loss")
    assert math.isnan(val[0]) and val[1] == 0.75
    assert steps(run, "train.learning_rate") == [0, 1, 2]
    assert run.diagnostics == ()


def test_custom_separators_are_sniffed(tmp_path: Path) -> None:
    semicolon = write(tmp_path, "a.csv", "epoch;loss;val_loss\n0;1.5;2.0\n1;1.0;1.75\n")
    tab = write(tmp_path, "b.tsv", "epoch\tloss\tval_loss\n0\t1.5\t2.0\n1\t1.0\t1.75\n")
    for path in (semicolon, tab):
        run = load_one(path)
        assert values(run, "train.loss") == [1.5, 1.0]
        assert values(run, "validation.loss") == [2.0, 1.75]


def test_decimal_comma_with_semicolon_separator(tmp_path: Path) -> None:
    path = write(tmp_path, "excel.csv", "epoch;loss;val_loss\n0;1,5;2,25\n1;1,0;1,75\n")
    run = load_one(path)
    assert values(run, "train.loss") == [1.5, 1.0]
    assert values(run, "validation.loss") == [2.25, 1.75]


def test_quoted_cells_and_padded_header(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "quoted.csv",
        '"epoch", "loss" ,"val_loss","note"\n"0","1.5", "2.0","""[1, 2]"""\n"1","1.0","1.75","""[3, 4]"""\n',
    )
    run = load_one(path)
    assert values(run, "train.loss") == [1.5, 1.0]
    assert values(run, "validation.loss") == [2.0, 1.75]
    assert run.get("train.note") is None  # a text column is configuration, not a series
    assert run.metadata["text_values"]["note"] == ['"[1, 2]"', '"[3, 4]"']


# --- pandas History.to_csv ------------------------------------------------------------------------


@pytest.mark.parametrize("index_header", ["", "Unnamed: 0"])
def test_to_csv_with_unnamed_index_column(tmp_path: Path, index_header: str) -> None:
    path = write(
        tmp_path,
        "history.csv",
        f"{index_header},loss,accuracy,val_loss,val_accuracy\n0,0.5,0.8,0.625,0.75\n1,0.25,0.9,0.5,0.8\n",
    )
    assert sniffed(path)
    run = load_one(path)
    assert key_names(run) == [
        "train.accuracy",
        "train.loss",
        "validation.accuracy",
        "validation.loss",
    ]
    assert values(run, "train.loss") == [0.5, 0.25]
    assert steps(run, "validation.loss") == [0, 1]


def test_to_csv_without_index_numbers_epochs_from_zero(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "training_history.csv",
        "accuracy,loss,val_accuracy,val_loss\n0.8,0.5,0.7,0.6\n0.9,0.4,0.75,0.55\n",
    )
    run = load_one(path)
    assert steps(run, "train.loss") == [0, 1]
    series = run.get("validation.loss")
    assert series is not None
    assert series.epoch.tolist() == [0.0, 1.0]
    assert "index_column" not in run.metadata


def test_to_csv_index_label_false_gives_rows_one_cell_longer(tmp_path: Path) -> None:
    # df.to_csv(index_label=False): the header has no cell for the index.
    path = write(tmp_path, "h.csv", "loss,val_loss\n0,0.5,0.75\n1,0.25,0.5\n")
    run = load_one(path)
    assert values(run, "train.loss") == [0.5, 0.25]
    assert values(run, "validation.loss") == [0.75, 0.5]
    assert run.diagnostics == ()


def test_empty_cell_from_pandas_nan_is_missing(tmp_path: Path) -> None:
    path = write(tmp_path, "h.csv", ",loss,val_loss\n0,0.5,\n1,0.25,0.5\n")
    run = load_one(path)
    assert steps(run, "validation.loss") == [1]
    assert steps(run, "train.loss") == [0, 1]


# --- custom CSVs -------------------------------------------------------------------------------


def test_one_based_epoch_column_is_kept(tmp_path: Path) -> None:
    path = write(
        tmp_path, "training_history.csv", "epoch,train_loss,val_loss\n1,2.5,2.75\n2,2.0,2.25\n3,1.5,2.0\n"
    )
    run = load_one(path)
    assert steps(run, "train.loss") == [1, 2, 3]
    assert values(run, "validation.loss") == [2.75, 2.25, 2.0]
    assert run.metadata["index_column"] == "epoch"


def test_hyperparameter_columns_repeated_on_every_row_are_settings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "h.csv",
        "neurons,enable_dropout,learning_rate,epoch,train_loss,val_loss,train_r2\n"
        "8,True,0.0005,1,0.75,0.5,0.25\n"
        "8,True,0.0005,2,0.5,0.375,\n",
    )
    run = load_one(path)
    assert run.get("train.neurons") is None and run.metadata["settings"] == {"neurons": 8}
    assert values(run, "train.learning_rate") == [0.0005, 0.0005]  # constant, but a metric
    assert steps(run, "train.r2") == [1]
    assert run.metadata["text_values"] == {"enable_dropout": "True"}
    assert run.get("train.epoch") is None


# --- Lightning and Ultralytics -----------------------------------------------------------------


def test_lightning_sparse_rows_share_steps(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "metrics.csv",
        "epoch,step,train_loss_epoch,train_loss_step,val_acc,val_loss\r\n"
        "0,49,,0.6931,,\r\n"
        "0,99,,0.5123,,\r\n"
        "0,155,,,0.81,0.45\r\n"
        "0,155,0.58,,,\r\n"
        "1,205,,0.4,,\r\n"
        "1,311,,,0.85,0.4\r\n"
        "1,311,0.42,,,\r\n",
    )
    run = load_one(path)  # equal steps with different columns are one run
    assert steps(run, "validation.loss") == [155, 311]
    assert values(run, "validation.loss") == [0.45, 0.4]
    epoch_loss = run.get("train.loss")
    assert epoch_loss is not None and epoch_loss.raw_name == "train_loss_epoch"
    assert epoch_loss.step.tolist() == [155, 311]
    assert epoch_loss.epoch.tolist() == [0.0, 1.0]
    assert epoch_loss.position.tolist() == [5, 8]
    step_loss = [s for s in run if s.raw_name == "train_loss_step"]
    assert len(step_loss) == 1 and step_loss[0].step.tolist() == [49, 99, 205]
    assert run.metadata["index_column"] == "step"


def test_ultralytics_padded_cells(tmp_path: Path) -> None:
    header = ",".join(
        f"{name:>23}" for name in ["epoch", "train/box_loss", "val/box_loss", "metrics/mAP50(B)"]
    )
    rows = [
        ",".join(f"{cell:>23}" for cell in row)
        for row in (["1", "1.2345", "1.5", "0.1"], ["2", "1.1", "1.4", "0.2"])
    ]
    path = write(tmp_path, "results.csv", "\n".join([header, *rows]) + "\n")
    run = load_one(path)
    assert values(run, "train.box_loss") == [1.2345, 1.1]
    assert values(run, "validation.box_loss") == [1.5, 1.4]
    assert steps(run, "validation.box_loss") == [1, 2]
    assert [s.raw_name for s in run if s.key.quantity == "box_loss"] == ["train/box_loss", "val/box_loss"]


def test_ultralytics_time_column_is_the_clock_not_a_duration(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "results.csv",
        "epoch,time,train/box_loss,val/box_loss,lr/pg0\n1,40.0867,2.24,1.9,8e-05\n2,48.8192,1.79,1.85,0.000167\n",
    )
    run = load_one(path)
    assert run.get("train.epoch_time") is None
    series = run.get("train.box_loss")
    assert series is not None
    assert series.wall_time.tolist() == [40.0867, 48.8192]
    assert run.metadata["wall_time_column"] == "time"


def test_unix_timestamp_column_becomes_wall_time(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", "epoch,loss,timestamp\n0,1.0,1700000000.5\n1,0.5,1700000060.0\n")
    run = load_one(path)
    series = run.get("train.loss")
    assert series is not None
    assert series.wall_time.tolist() == [1700000000.5, 1700000060.0]
    assert key_names(run) == ["train.loss"]


def test_per_epoch_time_column_stays_a_series(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", "epoch,loss,time\n0,1.0,12.5\n1,0.5,12.25\n")
    run = load_one(path)
    assert values(run, "train.epoch_time") == [12.5, 12.25]


# --- appended runs ------------------------------------------------------------------------------


def test_epoch_restart_splits_runs(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "training.log",
        "epoch,loss,val_loss\n0,1.0,1.1\n1,0.9,1.0\n2,0.8,0.95\n0,2.0,2.1\n1,1.8,1.9\n",
    )
    runs = load(path)
    assert [run.name for run in runs] == [f"{path}#1", f"{path}#2"]
    assert values(runs[0], "train.loss") == [1.0, 0.9, 0.8]
    assert values(runs[1], "train.loss") == [2.0, 1.8]
    assert steps(runs[1], "validation.loss") == [0, 1]
    second = runs[1].get("train.loss")
    assert second is not None and second.position.tolist() == [5, 6]
    assert runs[1].metadata["segment"] == {"index": 2, "count": 2, "first_line": 5, "last_line": 6}
    assert all(run.sources == (str(path),) for run in runs)


def test_repeated_first_epoch_splits_runs(tmp_path: Path) -> None:
    # An aborted run that logged epoch 0 only, then a full run: 0, 0, 1, 2.
    path = write(tmp_path, "t.csv", "epoch,loss\n0,0.7\n0,0.71\n1,0.69\n2,0.68\n")
    runs = load(path)
    assert [len(run.get("train.loss") or ()) for run in runs] == [1, 3]


def test_epoch_that_keeps_counting_is_one_run(tmp_path: Path) -> None:
    rows = "".join(f"{e},{1.0 / (e + 1)}\n" for e in range(16))
    run = load_one(write(tmp_path, "t.csv", "epoch,loss\n" + rows))
    assert steps(run, "train.loss") == list(range(16))


def test_resume_from_checkpoint_is_one_run_with_later_rows_winning(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "epoch,loss\n0,1.0\n1,0.9\n2,0.8\n3,0.7\n2,0.75\n3,0.65\n4,0.6\n")
    run = load_one(path)
    assert steps(run, "train.loss") == [0, 1, 2, 3, 4]
    assert values(run, "train.loss") == [1.0, 0.9, 0.75, 0.65, 0.6]
    assert "duplicate-steps" in codes(run)


def test_repeated_header_starts_a_new_run(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cat.csv",
        "accuracy,loss,val_loss\n0.5,1.0,1.1\n0.6,0.9,1.0\naccuracy,loss,val_loss\n0.4,1.2,1.3\n",
    )
    runs = load(path)
    assert [run.name for run in runs] == [f"{path}#1", f"{path}#2"]
    assert steps(runs[1], "train.loss") == [0]  # row order restarts with the new header
    assert values(runs[1], "validation.loss") == [1.3]


def test_new_header_mid_file_changes_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "cat.csv", "epoch,loss\n0,1.0\n1,0.9\nepoch,loss,val_loss\n0,2.0,2.5\n")
    runs = load(path)
    assert len(runs) == 2
    assert runs[0].get("validation.loss") is None
    assert values(runs[1], "validation.loss") == [2.5]


# --- damage inside a readable file --------------------------------------------------------------


def test_truncated_last_line_is_reported_and_the_rest_read(tmp_path: Path) -> None:
    path = write(tmp_path, "training.log", "epoch,loss,val_loss\r\n0,1.0,1.5\r\n1,0.9,1.4\r\n2,0.8")
    run = load_one(path)
    assert values(run, "train.loss") == [1.0, 0.9]
    (diagnostic,) = run.diagnostics
    assert diagnostic.code == "truncated-line"
    assert diagnostic.position == 4
    assert diagnostic.unit is PositionUnit.LINE


def test_short_and_long_rows_are_skipped_with_their_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "t.csv",
        "epoch,loss,val_loss,lr\n0,1.0,1.5,0.1\n1,0.9,0.1\n2,0.8,1.3,0.1,9\n3,0.7,1.2,0.1\n",
    )
    run = load_one(path)
    assert steps(run, "train.loss") == [0, 3]
    assert [(d.code, d.position) for d in run.diagnostics] == [("short-row", 3), ("long-row", 4)]


def test_non_numeric_cell_is_a_diagnostic_and_missing(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "epoch,loss,val_loss\n0,1.0,1.5\n1,oops,1.4\n2,0.8,??\n3,0.7,1.2\n")
    run = load_one(path)
    assert steps(run, "train.loss") == [0, 2, 3]
    assert steps(run, "validation.loss") == [0, 1, 3]
    found = sorted((d.code, d.position) for d in run.diagnostics)
    assert found == [("bad-value", 3), ("bad-value", 4)]


def test_unparsable_epoch_drops_the_row(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "epoch,loss\n0,1.0\nx,0.9\n2,0.8\n")
    run = load_one(path)
    assert steps(run, "train.loss") == [0, 2]
    assert [(d.code, d.position) for d in run.diagnostics] == [("missing-index", 3)]


def test_header_only_file_is_a_run_without_series(tmp_path: Path) -> None:
    run = load_one(write(tmp_path, "training.log", "epoch,loss,val_loss\r\n"))
    assert run.series == ()
    assert codes(run) == ["no-data"]


def test_read_raises_input_error_for_an_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "gone.csv"
    source = LogSource(str(path), keras_csv.FORMAT, (path,), (None,))
    with pytest.raises(InputError, match="cannot read"):
        keras_csv.read(source, ReadOptions())


def test_values_are_float64_and_steps_int64(tmp_path: Path) -> None:
    run = load_one(write(tmp_path, "t.csv", "epoch,loss\n0,1\n1,0.5\n"))
    series = run.get("train.loss")
    assert series is not None
    assert series.step.dtype == np.int64 and series.value.dtype == np.float64


# --- sniffing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("data.csv", "id,age,income\n1,34,52000\n2,45,61000\n"),
        ("claims.csv", "id,cat1,cont1,loss\n1,A,0.5,2213.18\n"),  # one 'loss' column is not a log
        ("iris.csv", "sepal_length,sepal_width,species\n5.1,3.5,setosa\n"),
        ("accounts.csv", "account_id,topic,step_count\n1,2,3\n"),
        ("notes.txt", "Epoch 1/10 - loss: 0.5 - val_loss: 0.4\nEpoch 2/10 - loss: 0.4 - val_loss: 0.3\n"),
        ("prose.txt", "Epoch 1, loss 0.5, val_loss 0.4\nEpoch 2, loss 0.4, val_loss 0.3\n"),
        ("config.yaml", "lr: 0.001\nepochs: 10\nloss: mse\n"),
        ("headerless.csv", "0,0.5,0.4\n1,0.4,0.3\n"),
        ("history.json", '{"loss": [0.5], "val_loss": [0.4]}'),
    ],
)
def test_not_a_training_log(tmp_path: Path, name: str, text: str) -> None:
    assert not sniffed(write(tmp_path, name, text))


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("training.log", "epoch,accuracy,loss\r\n0,0.5,1.0\r\n"),
        ("log.txt", "epoch;loss\n0;1.0\n"),
        ("metrics.csv", "epoch,step,val_acc\n0,10,0.5\n"),
        ("h.csv", "loss,accuracy\n0.5,0.8\n"),
        ("h.csv", ",loss,val_loss\n0,0.5,0.6\n"),
        ("training.log", "epoch,loss,val_loss\r\n"),
    ],
)
def test_training_logs_are_sniffed_by_content(tmp_path: Path, name: str, text: str) -> None:
    assert sniffed(write(tmp_path, name, text))


def test_sniff_only_uses_complete_lines_of_the_head(tmp_path: Path) -> None:
    # A header whose own line is cut by the 8 KB head still counts when its complete cells do.
    header = "epoch," + ",".join(f"m{k}_loss" for k in range(1200)) + "\n"
    path = write(tmp_path, "wide.csv", header + "0," + ",".join(["0.5"] * 1200) + "\n")
    head = path.read_bytes()[:HEAD_BYTES]
    assert len(head) == HEAD_BYTES
    # The header itself is cut: its complete cells are judged (a 1,200-column log is a log).
    assert keras_csv.sniff(path, head) is True
    other = write(tmp_path, "data.csv", "id," + ",".join(f"feature_{k}" for k in range(1200)) + "\n")
    assert keras_csv.sniff(other, other.read_bytes()[:HEAD_BYTES]) is False
    small = write(tmp_path, "ok.csv", "epoch,loss\n" + "".join(f"{e},0.5\n" for e in range(2000)))
    assert keras_csv.sniff(small, small.read_bytes()[:HEAD_BYTES])


# --- properties ---------------------------------------------------------------------------------

finite_or_special = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.sampled_from([math.inf, -math.inf]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    # Keras always logs ``loss``; the other columns vary.
    others=st.lists(
        st.sampled_from(["val_loss", "accuracy", "val_accuracy", "lr", "mae"]), max_size=3, unique=True
    ),
    n_rows=st.integers(min_value=1, max_value=12),
    data=st.data(),
    delimiter=st.sampled_from([",", ";", "\t"]),
    newline=st.sampled_from(["\n", "\r\n", "\r\r\n"]),
    pad=st.integers(min_value=0, max_value=3),
    epoch_column=st.booleans(),
)
def test_written_values_read_back_exactly(
    tmp_path: Path,
    others: list[str],
    n_rows: int,
    data: st.DataObject,
    delimiter: str,
    newline: str,
    pad: int,
    epoch_column: bool,
) -> None:
    columns = ["loss", *others]
    table = {
        name: data.draw(st.lists(finite_or_special, min_size=n_rows, max_size=n_rows)) for name in columns
    }
    header = (["epoch"] if epoch_column else []) + columns
    rows = [
        ([str(e)] if epoch_column else []) + [repr(table[name][e]) for name in columns] for e in range(n_rows)
    ]
    if len(header) < 2:
        header, rows = ["", *header], [[str(e), *row] for e, row in enumerate(rows)]
    text = (
        newline.join(delimiter.join(" " * pad + cell for cell in line) for line in [header, *rows]) + newline
    )
    path = tmp_path / "training.log"
    path.write_bytes(text.encode())
    run = load_one(path)
    for name in columns:
        matches = [s for s in run if s.raw_name == name]
        assert len(matches) == 1
        assert matches[0].value.tolist() == table[name]
        assert matches[0].step.tolist() == list(range(n_rows))
        assert matches[0].position.tolist() == list(range(2, n_rows + 2))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lengths=st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=5),
    start=st.sampled_from([0, 1]),
)
def test_appended_runs_come_out_one_per_restart(tmp_path: Path, lengths: list[int], start: int) -> None:
    lines = ["epoch,loss,val_loss"]
    for run_number, length in enumerate(lengths):
        lines += [f"{start + e},{run_number + e / 10},{run_number}" for e in range(length)]
    path = tmp_path / "training.log"
    path.write_text("\n".join(lines) + "\n")
    runs = load(path)
    assert [len(run.get("train.loss") or ()) for run in runs] == lengths
    if len(lengths) > 1:
        assert [run.name for run in runs] == [f"{path}#{k}" for k in range(1, len(lengths) + 1)]
    for run_number, run in enumerate(runs):
        assert set(values(run, "validation.loss")) == {float(run_number)}
