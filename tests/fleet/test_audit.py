"""The audit API end to end on copies of the fixtures: rows, summary, DataFrame, executors agree."""

from __future__ import annotations

from pathlib import Path

import pytest

import loganalyzer
from loganalyzer.fleet import COLUMNS, Audit
from loganalyzer.fleet.render import RENDERERS, AuditView
from tests.fleet.trees import FIXTURES, fixture_tree, keras_csv


def rendered(result: Audit) -> dict[str, str]:
    view = AuditView(result.rows, result.summary(3), "test")
    return {name: "".join(render(view)) for name, render in RENDERERS.items()}


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = fixture_tree(tmp_path_factory.mktemp("audit"))
    (root / "broken").mkdir()
    (root / "broken" / "events.out.tfevents.1.host").write_bytes(b"\x00" * 7)
    (root / "empty-dir").mkdir()
    return root


@pytest.fixture(scope="module")
def serial(tree: Path) -> Audit:
    return loganalyzer.audit(tree, jobs=1, cache=False)


def test_one_row_per_run_with_the_expected_problems(serial: Audit, tree: Path) -> None:
    by_name = {row.run.removeprefix(f"{tree}/"): row for row in serial.rows}
    for fixture in sorted(p for p in FIXTURES.iterdir() if (p / "expected.toml").is_file()):
        expected = (fixture / "expected.toml").read_text()
        [row] = [r for name, r in by_name.items() if name.split("/")[0] == fixture.name]
        for category in row.problems:
            assert category in expected, (fixture.name, category)
    assert by_name["broken"].status == "unreadable"
    assert by_name["broken"].reason
    assert [row.run for row in serial.rows] == sorted(row.run for row in serial.rows)


def test_row_numbers_come_from_the_curves(serial: Audit, tree: Path) -> None:
    [row] = [r for r in serial.rows if r.run == f"{tree}/overfit-keras-csv/training.log"]
    columns = row.columns()
    assert columns["epochs"] == 120
    assert columns["metric"] == "validation.accuracy"
    assert columns["val_loss_best"] <= columns["val_loss_final"]
    assert columns["train_loss_best"] <= columns["train_loss_final"]
    assert columns["metric_best"] >= columns["metric_final"]
    assert "OF001" in columns["findings"].split()
    assert columns["overfitting"] >= 1
    assert columns["wasted_epochs"] > 0  # EarlyStopping would have stopped long before epoch 120
    [with_time] = [r for r in serial.rows if r.run == f"{tree}/overfit-keras-tensorboard/logs"]
    assert with_time.columns()["duration_s"] > 0
    assert 0 < with_time.columns()["wasted_s"] < with_time.columns()["duration_s"]


def test_summary_counts_problems_and_ranks_runs(serial: Audit) -> None:
    summary = serial.summary(top=3)
    assert summary.runs == len(serial.rows)
    assert summary.unreadable and summary.unreadable[0][0].endswith("broken")
    assert summary.problems["overfitting"] == sum("overfitting" in r.problems for r in serial.rows)
    assert summary.top_by == "metric_best"
    values = [r.value for r in summary.top]
    assert values == sorted(values, reverse=True) and len(values) == 3
    assert summary.wasted_epochs == sum(r.columns()["wasted_epochs"] or 0 for r in serial.rows)


def test_to_pandas_has_one_row_per_run_and_every_column(serial: Audit) -> None:
    frame = serial.to_pandas()
    assert len(frame) == len(serial.rows)
    assert list(frame.columns[: len(COLUMNS)]) == list(COLUMNS)
    assert frame["run"].is_unique


def test_lightning_hparams_become_columns(tmp_path: Path) -> None:
    run = tmp_path / "lightning_logs" / "version_0"
    lines = ["epoch,step,train_loss,val_loss"] + [
        f"{e},{e * 10},{1 / (e + 1)},{1.2 / (e + 1)}" for e in range(8)
    ]
    run.mkdir(parents=True)
    (run / "metrics.csv").write_text("\n".join(lines) + "\n")
    (run / "hparams.yaml").write_text(
        "lr: 0.001\nbatch_size: 64\noptimizer:\n  name: adam\n  betas: [0.9, 0.99]\n"
    )
    result = loganalyzer.audit(tmp_path, jobs=1, cache=False)
    [row] = result.rows
    columns = row.columns()
    assert columns["hp.lr"] == 0.001
    assert columns["hp.batch_size"] == 64
    assert columns["hp.optimizer.name"] == "adam"
    assert "hp.optimizer.betas" in result.to_pandas().columns


def test_hparams_yaml_is_never_evaluated(tmp_path: Path) -> None:
    run = tmp_path / "v0"
    run.mkdir()
    (run / "metrics.csv").write_text("epoch,train_loss,val_loss\n0,1.0,1.1\n1,0.9,1.0\n2,0.8,0.9\n")
    (run / "hparams.yaml").write_text("x: !!python/object/apply:os.system ['touch pwned']\n")
    [row] = loganalyzer.audit(tmp_path, jobs=1, cache=False).rows
    assert row.status == "ok"
    assert not any(key.startswith("hp.") for key in row.columns())
    assert not (Path.cwd() / "pwned").exists()


def test_jobs_1_and_2_render_byte_identical_output(tree: Path, serial: Audit) -> None:
    pooled = loganalyzer.audit(tree, jobs=2, cache=False)
    assert rendered(pooled) == rendered(serial)


def test_dask_renders_byte_identical_output(tree: Path, serial: Audit) -> None:
    distributed = pytest.importorskip("dask.distributed")
    from loganalyzer.fleet import DaskExecutor

    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        by_address = loganalyzer.audit(
            tree, executor="dask", scheduler=cluster.scheduler_address, cache=False
        )
        by_client = loganalyzer.audit(tree, executor=DaskExecutor(client=client), cache=False)
    assert rendered(by_address) == rendered(serial)
    assert rendered(by_client) == rendered(serial)


def test_a_file_holding_several_runs_gives_several_rows(tmp_path: Path) -> None:
    log = keras_csv(tmp_path / "training.log", 1, epochs=12)
    session = log.read_text()
    log.write_text(session + session)  # CSVLogger(append=True) across two sessions
    result = loganalyzer.audit(tmp_path, jobs=1, cache=False)
    assert len(result.rows) == 2
    assert len({row.run for row in result.rows}) == 2


def test_tensorboard_hparams_become_columns(tmp_path: Path) -> None:
    from tensorboard.compat.proto import event_pb2
    from tensorboard.plugins.hparams import summary_v2 as hp

    from tests.support import eventfiles as ef

    session = hp.hparams_pb({"lr": 0.01, "optimizer": "adam", "batch_norm": True, "layers": 3}, trial_id="t1")
    records = [ef.header(), event_pb2.Event(step=0, wall_time=1.0, summary=session)]
    records += [ef.event(step, 1.0 + step, ef.simple("epoch_loss", 1.0 / (step + 1))) for step in range(10)]
    ef.write_records(tmp_path / "run" / "events.out.tfevents.1.host", records)
    [row] = loganalyzer.audit(tmp_path, jobs=1, cache=False).rows
    columns = row.columns()
    assert row.status == "ok"
    assert (columns["hp.lr"], columns["hp.optimizer"], columns["hp.batch_norm"], columns["hp.layers"]) == (
        0.01,
        "adam",
        True,
        3,
    )


def test_garbage_hparams_content_is_ignored(tmp_path: Path) -> None:
    from tensorboard.compat.proto import event_pb2, summary_pb2

    from tests.support import eventfiles as ef

    value = summary_pb2.Summary.Value(tag="_hparams_/session_start_info")
    value.metadata.plugin_data.plugin_name = "hparams"
    value.metadata.plugin_data.content = b"\xff\x00garbage\x12\x99"
    records = [
        ef.header(),
        event_pb2.Event(step=0, wall_time=1.0, summary=summary_pb2.Summary(value=[value])),
    ]
    records += [ef.event(step, 1.0 + step, ef.simple("epoch_loss", 1.0 / (step + 1))) for step in range(5)]
    ef.write_records(tmp_path / "run" / "events.out.tfevents.1.host", records)
    [row] = loganalyzer.audit(tmp_path, jobs=1, cache=False).rows
    assert row.status == "ok"
    assert not any(key.startswith("hp.") for key in row.columns())


def test_streamed_json_is_the_document_dumped_whole(serial: Audit) -> None:
    import json

    from loganalyzer.fleet.render import json as audit_json

    for rows in (serial.rows, serial.rows[:1], ()):
        view = AuditView(rows, serial.summary(3), "test", hidden=2)
        whole = json.dumps(audit_json.to_document(view), indent=2, allow_nan=False) + "\n"
        assert "".join(audit_json.stream(view)) == whole
