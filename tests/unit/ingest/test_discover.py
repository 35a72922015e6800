"""Discovery groups event files into runs and recognises text logs by content."""

from __future__ import annotations

from pathlib import Path

from loganalyzer.ingest import TEXT_READERS
from loganalyzer.ingest.discover import discover
from loganalyzer.model.run import Split

KERAS_CSV = "epoch,accuracy,loss,val_accuracy,val_loss\n0,0.5,1.0,0.5,1.1\n1,0.6,0.8,0.55,1.0\n"


def touch(path: Path, content: bytes = b"") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def test_keras_train_and_validation_directories_are_one_run(tmp_path: Path) -> None:
    train = touch(tmp_path / "exp" / "logs" / "train" / "events.out.tfevents.1.host.1.v2")
    validation = touch(tmp_path / "exp" / "logs" / "validation" / "events.out.tfevents.1.host.2.v2")
    found = discover([str(tmp_path / "exp")], TEXT_READERS)
    [source] = found.sources
    assert source.name == f"{tmp_path}/exp/logs"
    assert source.format == "tensorboard"
    assert dict(zip(source.paths, source.split_hints, strict=True)) == {
        train: Split.TRAIN,
        validation: Split.VALIDATION,
    }


def test_pytorch_add_scalars_subdirectories_join_their_run(tmp_path: Path) -> None:
    main = touch(tmp_path / "runs" / "exp1" / "events.out.tfevents.1.host")
    sub = touch(tmp_path / "runs" / "exp1" / "Loss_train" / "events.out.tfevents.2.host")
    other = touch(tmp_path / "runs" / "exp2" / "events.out.tfevents.3.host")
    found = discover([str(tmp_path / "runs")], TEXT_READERS)
    by_name = {s.name.rsplit("/", 1)[-1]: s for s in found.sources}
    assert set(by_name) == {"exp1", "exp2"}
    assert dict(zip(by_name["exp1"].paths, by_name["exp1"].split_hints, strict=True)) == {
        main: None,
        sub: Split.TRAIN,
    }
    assert by_name["exp2"].paths == (other,)


def test_split_directory_given_directly_keeps_its_split(tmp_path: Path) -> None:
    touch(tmp_path / "logs" / "validation" / "events.out.tfevents.1.host")
    [source] = discover([str(tmp_path / "logs" / "validation")], TEXT_READERS).sources
    assert source.split_hints == (Split.VALIDATION,)


def test_event_file_given_directly_takes_the_split_of_its_directory(tmp_path: Path) -> None:
    event = touch(tmp_path / "logs" / "validation" / "events.out.tfevents.1.host")
    [source] = discover([str(event)], TEXT_READERS).sources
    assert source.split_hints == (Split.VALIDATION,)
    assert source.name == f"{tmp_path}/logs"


def test_event_files_given_one_by_one_form_the_run_a_directory_walk_finds(tmp_path: Path) -> None:
    train = touch(tmp_path / "logs" / "train" / "events.out.tfevents.1.host")
    validation = touch(tmp_path / "logs" / "validation" / "events.out.tfevents.2.host")
    by_file = discover([str(validation), str(train)], TEXT_READERS).sources
    by_directory = discover([str(tmp_path / "logs")], TEXT_READERS).sources
    assert by_file == by_directory
    assert by_file[0].split_hints == (Split.TRAIN, Split.VALIDATION)


def test_logs_recognised_by_content_and_binaries_not_opened(tmp_path: Path) -> None:
    touch(tmp_path / "run" / "training.log", KERAS_CSV.encode())
    touch(tmp_path / "run" / "notes.txt", b"remember to try a lower learning rate\n")
    touch(tmp_path / "run" / "model.h5", KERAS_CSV.encode())  # a log's content, but a checkpoint's name
    touch(tmp_path / "run" / "plot.png", b"\x89PNG\r\n")
    touch(tmp_path / "run" / ".git" / "training.log", KERAS_CSV.encode())
    found = discover([str(tmp_path / "run")], TEXT_READERS)
    assert [s.name for s in found.sources] == [f"{tmp_path}/run/training.log"]
    assert found.sources[0].format == "keras-csv"
    assert not found.errors


def test_missing_and_unrecognised_explicit_paths_are_errors(tmp_path: Path) -> None:
    notes = touch(tmp_path / "notes.txt", b"just some prose\n")
    found = discover([str(tmp_path / "missing.csv"), str(notes)], TEXT_READERS)
    assert not found.sources
    messages = sorted(str(e) for e in found.errors)
    assert messages[0].endswith("missing.csv: no such file or directory")
    assert messages[1].startswith(f"{notes}: not a recognised training log")


def test_relative_names_follow_what_the_user_typed(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    touch(tmp_path / "exp" / "training.log", KERAS_CSV.encode())
    monkeypatch.chdir(tmp_path)
    [source] = discover(["exp"], TEXT_READERS).sources
    assert source.name == "exp/training.log"
    [source] = discover(["./exp/"], TEXT_READERS).sources
    assert source.name == "exp/training.log"


TRAINER_STATE = (
    '{"log_history": [{"loss": 1.0, "step": 10, "epoch": 0.1}, {"loss": 0.5, "step": 20, "epoch": 0.2}]}'
)


def test_hugging_face_checkpoint_copies_are_not_separate_runs(tmp_path: Path) -> None:
    touch(tmp_path / "out" / "trainer_state.json", TRAINER_STATE.encode())
    touch(tmp_path / "out" / "checkpoint-500" / "trainer_state.json", TRAINER_STATE.encode())
    touch(tmp_path / "other" / "checkpoint-500" / "trainer_state.json", TRAINER_STATE.encode())
    touch(tmp_path / "other" / "checkpoint-1000" / "trainer_state.json", TRAINER_STATE.encode())
    names = [s.name for s in discover([str(tmp_path)], TEXT_READERS).sources]
    assert names == [
        f"{tmp_path}/other/checkpoint-1000/trainer_state.json",
        f"{tmp_path}/out/trainer_state.json",
    ]


def test_a_directory_without_logs_is_an_error_not_a_silent_pass(tmp_path: Path) -> None:
    touch(tmp_path / "empty" / "notes.txt", b"nothing to see\n")
    found = discover([str(tmp_path / "empty")], TEXT_READERS)
    assert not found.sources
    assert [str(e) for e in found.errors] == [f"{tmp_path}/empty: no training logs found in this directory"]


def test_text_files_that_mention_a_loss_but_are_not_read_are_passed_over_by_name(tmp_path: Path) -> None:
    touch(tmp_path / "run" / "training.log", KERAS_CSV.encode())
    touch(tmp_path / "run" / "stdout.log", b"Epoch 1/10 | Loss: 0.53\nEpoch 2/10 | Loss: 0.41\n")
    touch(tmp_path / "run" / "notes.txt", b"try a smaller batch\n")
    found = discover([str(tmp_path / "run")], TEXT_READERS)
    assert [s.name for s in found.sources] == [f"{tmp_path}/run/training.log"]
    assert found.passed_over == (f"{tmp_path}/run/stdout.log",)
