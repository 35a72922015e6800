"""The TensorBoard reader: what it reads, what it skips, how it survives damage.

Event files are written byte by byte in temporary directories with
``tests/support/eventfiles.py``. The property test at the end checks the
NumPy fast path against a plain protobuf decode of the same bytes.
"""

from __future__ import annotations

import math
import re
import struct
import tempfile
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tensorboard.compat.proto import event_pb2, summary_pb2, types_pb2

from loganalyzer.errors import InputError
from loganalyzer.ingest import load_runs
from loganalyzer.ingest.build import RunParts
from loganalyzer.ingest.source import LogSource, ReadOptions
from loganalyzer.ingest.tensorboard import events, tfrecord
from loganalyzer.ingest.tensorboard import reader as tensorboard
from loganalyzer.model.run import PositionUnit, Split
from tests.support import eventfiles as ef

F32 = np.float32


def f32(x: float) -> float:
    """The float32 nearest ``x``, widened back: what a simple_value holds."""
    return float(F32(x))


def read_parts(*paths: Path, verify: bool = True, hints: tuple[Split | None, ...] | None = None) -> RunParts:
    source = LogSource("run", "tensorboard", tuple(paths), hints or (None,) * len(paths))
    (parts,) = tensorboard.read(source, ReadOptions(verify_data_crc=verify))
    return parts


def points(parts: RunParts) -> dict[str, list[tuple[int, float]]]:
    return {s.raw_name: list(zip(s.step.tolist(), s.value.tolist(), strict=True)) for s in parts.series}


def codes(parts: RunParts) -> list[str]:
    return [d.code for d in parts.diagnostics]


def pytorch_file(path: Path, steps: int = 5, tags: tuple[str, ...] = ("loss", "acc")) -> list[int]:
    records = [ef.header()]
    for step in range(steps):
        for k, tag in enumerate(tags):
            records.append(
                ef.event(step, 1_700_000_000.0 + step + k / 10, ef.simple(tag, 1.0 / (step + k + 1)))
            )
    return ef.write_records(path, records)


# ---------------------------------------------------------------------------
# Reading scalars
# ---------------------------------------------------------------------------


def test_simple_values_are_read_with_steps_wall_times_and_offsets(tmp_path: Path) -> None:
    path = tmp_path / "events.out.tfevents.1.host"
    offsets = pytorch_file(path)
    parts = read_parts(path)

    assert parts.name == "run"
    assert parts.format == "tensorboard"
    assert parts.sources == [str(path)]
    assert parts.position_unit is PositionUnit.BYTE
    assert parts.diagnostics == []
    by_tag = {s.raw_name: s for s in parts.series}
    assert sorted(by_tag) == ["acc", "loss"]
    loss = by_tag["loss"]
    assert loss.step.dtype == np.int64 and loss.value.dtype == np.float64
    assert loss.step.tolist() == [0, 1, 2, 3, 4]
    assert loss.value.tolist() == [f32(1.0 / (s + 1)) for s in range(5)]
    assert loss.wall_time.tolist() == [1_700_000_000.0 + s for s in range(5)]
    assert loss.position.tolist() == [offsets[1 + 2 * s] for s in range(5)]
    assert loss.epoch is None
    assert loss.source_index == 0
    assert parts.metadata["records"] == 11
    assert parts.metadata["scalar_points"] == 10
    assert parts.metadata["file_version"] == ef.FILE_VERSION


def test_tf2_tensor_scalars_with_metadata_only_on_the_first_value(tmp_path: Path) -> None:
    path = tmp_path / "events.out.tfevents.2.host.v2"
    records = [ef.header()]
    for step in range(4):
        metadata = ef.scalars_metadata() if step == 0 else None
        records.append(
            ef.event(step, 10.0 + step, ef.tensor("epoch_loss", ef.float_tensor(0.5**step), metadata))
        )
    ef.write_records(path, records)

    assert points(read_parts(path)) == {"epoch_loss": [(s, 0.5**s) for s in range(4)]}


def test_the_first_metadata_decides_even_when_it_comes_after_values(tmp_path: Path) -> None:
    path = tmp_path / "events.out.tfevents.3.host"
    ef.write_records(
        path,
        [
            ef.event(0, 1.0, ef.tensor("late", ef.float_tensor(1.0))),
            ef.event(1, 2.0, ef.tensor("late", ef.float_tensor(2.0), ef.scalars_metadata())),
            ef.event(2, 3.0, ef.tensor("other", ef.float_tensor(3.0), ef.plugin_metadata("custom"))),
            ef.event(3, 4.0, ef.tensor("other", ef.float_tensor(4.0), ef.scalars_metadata())),
            ef.event(4, 5.0, ef.tensor("bare", ef.float_tensor(5.0))),
        ],
    )
    parts = read_parts(path)

    assert points(parts) == {"late": [(0, 1.0), (1, 2.0)]}
    assert parts.metadata["skipped_values"] == {"tensor/(no plugin)": 1, "tensor/custom": 2}


def float_list_unpacked(values: list[float]) -> bytes:
    return ef.content_tensor(types_pb2.DT_FLOAT, b"").SerializeToString() + ef.unpacked(
        5, 5, [struct.pack("<f", v) for v in values]
    )


@pytest.mark.parametrize(
    ("tensor_bytes", "expected"),
    [
        pytest.param(ef.float_tensor(0.1).SerializeToString(), f32(0.1), id="float-content"),
        pytest.param(
            ef.list_tensor(types_pb2.DT_FLOAT, "float_val", [0.1]).SerializeToString(),
            f32(0.1),
            id="float-packed",
        ),
        pytest.param(float_list_unpacked([0.1]), f32(0.1), id="float-unpacked"),
        pytest.param(
            ef.list_tensor(types_pb2.DT_DOUBLE, "double_val", [0.1]).SerializeToString(),
            0.1,
            id="double-packed",
        ),
        pytest.param(
            ef.content_tensor(types_pb2.DT_DOUBLE, b"").SerializeToString()
            + ef.unpacked(6, 1, [struct.pack("<d", 0.1)]),
            0.1,
            id="double-unpacked",
        ),
        pytest.param(
            ef.content_tensor(types_pb2.DT_DOUBLE, struct.pack("<d", 0.1)).SerializeToString(),
            0.1,
            id="double-content",
        ),
        pytest.param(
            ef.list_tensor(types_pb2.DT_HALF, "half_val", [0x3800]).SerializeToString(), 0.5, id="half-packed"
        ),
        pytest.param(
            ef.content_tensor(types_pb2.DT_HALF, b"").SerializeToString()
            + ef.unpacked(13, 0, [ef.varint(0x3800)]),
            0.5,
            id="half-unpacked",
        ),
        pytest.param(
            ef.content_tensor(types_pb2.DT_HALF, np.float16(0.25).tobytes()).SerializeToString(),
            0.25,
            id="half-content",
        ),
        pytest.param(
            ef.list_tensor(types_pb2.DT_BFLOAT16, "half_val", [0x3FC0]).SerializeToString(),
            1.5,
            id="bf16-list",
        ),
        pytest.param(
            ef.content_tensor(types_pb2.DT_BFLOAT16, bytes([0xC0, 0x3F])).SerializeToString(),
            1.5,
            id="bf16-content",
        ),
        pytest.param(
            ef.list_tensor(types_pb2.DT_INT32, "int_val", [-7]).SerializeToString(), -7.0, id="int32-packed"
        ),
        pytest.param(
            ef.content_tensor(types_pb2.DT_INT32, b"").SerializeToString()
            + ef.unpacked(7, 0, [ef.varint(7)]),
            7.0,
            id="int32-unpacked",
        ),
        pytest.param(
            ef.list_tensor(types_pb2.DT_INT64, "int64_val", [2**40]).SerializeToString(),
            float(2**40),
            id="int64",
        ),
        pytest.param(
            ef.content_tensor(types_pb2.DT_UINT8, bytes([200])).SerializeToString(), 200.0, id="uint8-content"
        ),
        pytest.param(
            ef.content_tensor(types_pb2.DT_FLOAT, b"").SerializeToString(), 0.0, id="no-values-means-zero"
        ),
    ],
)
def test_rank0_numeric_tensor_encodings(tmp_path: Path, tensor_bytes: bytes, expected: float) -> None:
    path = tmp_path / "events.out.tfevents.4.host"
    value = ef.raw_value("m", tensor_bytes, ef.scalars_metadata())
    ef.write_records(path, [ef.header(), ef.raw_event(3, 5.0, value)])

    assert points(read_parts(path)) == {"m": [(3, expected)]}


def test_non_scalar_values_are_skipped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "events.out.tfevents.5.host"
    ef.write_records(
        path,
        [
            ef.header(),
            ef.event(
                0,
                1.0,
                ef.tensor(
                    "keras",
                    ef.string_tensor(b'{"class_name": "Sequential"}'),
                    ef.plugin_metadata("graph_keras_model"),
                ),
            ),
            ef.event(
                0,
                1.0,
                ef.tensor(
                    "vector", ef.content_tensor(types_pb2.DT_FLOAT, bytes(8), (2,)), ef.scalars_metadata()
                ),
            ),
            ef.event(0, 1.0, ef.tensor("text", ef.string_tensor(b"hello"), ef.scalars_metadata())),
            ef.event(
                0,
                1.0,
                ef.tensor(
                    "w/histogram",
                    ef.content_tensor(types_pb2.DT_DOUBLE, bytes(48), (2, 3)),
                    ef.plugin_metadata("histograms"),
                ),
            ),
            ef.event(0, 1.0, ef.histogram("weights")),
            ef.event(0, 1.0, ef.image("sample")),
            ef.event(1, 2.0, ef.simple("loss", 0.5)),
            event_pb2.Event(wall_time=3.0, graph_def=b"\x0a\x00"),
        ],
    )
    parts = read_parts(path)

    assert points(parts) == {"loss": [(1, 0.5)]}
    assert parts.diagnostics == []
    assert parts.metadata["skipped_values"] == {
        "histogram": 1,
        "image": 1,
        "tensor/graph_keras_model": 1,
        "tensor/histograms": 1,
        "tensor/scalars, not a numeric scalar": 2,
    }
    assert parts.metadata["other_events"] == {"graph_def": 1}


def test_several_values_in_one_event_and_long_similar_tags(tmp_path: Path) -> None:
    path = tmp_path / "events.out.tfevents.6.host"
    left, right = "a" * 10 + "X" + "b" * 10, "a" * 10 + "Y" + "b" * 10
    records = [ef.header()]
    for step in range(3):
        records.append(ef.event(step, 1.0, ef.simple(left, step)))
        records.append(ef.event(step, 1.0, ef.simple(right, -step)))
        records.append(ef.event(step, 1.0, ef.simple("x", 1.0), ef.simple("y", 2.0)))
    ef.write_records(path, records)

    assert points(read_parts(path)) == {
        left: [(0, 0.0), (1, 1.0), (2, 2.0)],
        right: [(0, -0.0), (1, -1.0), (2, -2.0)],
        "x": [(0, 1.0), (1, 1.0), (2, 1.0)],
        "y": [(0, 2.0), (1, 2.0), (2, 2.0)],
    }


def test_steps_written_twice_keep_the_last_value(tmp_path: Path) -> None:
    path = tmp_path / "events.out.tfevents.7.host"
    ef.write_records(
        path,
        [ef.header()]
        + [
            ef.event(s, float(i), ef.simple("loss", v))
            for i, (s, v) in enumerate([(0, 1.0), (1, 2.0), (1, 3.0), (2, 4.0)])
        ],
    )
    (run,) = load_runs([path]).runs
    loss = run.get("train.loss")

    assert loss is not None
    assert loss.step.tolist() == [0, 1, 2]
    assert loss.value.tolist() == [1.0, 3.0, 4.0]
    assert "duplicate-steps" in [d.code for d in run.diagnostics]


def test_files_of_a_resumed_run_are_merged_in_wall_time_order(tmp_path: Path) -> None:
    # The later session's file sorts first by name; wall time must win.
    first = tmp_path / "events.out.tfevents.9000000000.host.2"
    second = tmp_path / "events.out.tfevents.1000000000.host.1"
    ef.write_records(
        first, [ef.header(100.0)] + [ef.event(s, 100.0 + s, ef.simple("loss", s)) for s in range(6)]
    )
    ef.write_records(
        second, [ef.header(200.0)] + [ef.event(s, 200.0 + s, ef.simple("loss", 10 + s)) for s in range(3, 9)]
    )

    (run,) = load_runs([tmp_path]).runs
    loss = run.get("train.loss")

    assert run.sources == (str(first), str(second))
    assert loss is not None
    assert loss.step.tolist() == list(range(9))
    assert loss.value.tolist() == [0, 1, 2, 13, 14, 15, 16, 17, 18]
    assert loss.source_index.tolist() == [0, 0, 0, 1, 1, 1, 1, 1, 1]
    assert "duplicate-steps" in [d.code for d in run.diagnostics]


def test_keras_train_and_validation_directories_are_one_run(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    for split, base in (("train", 1.0), ("validation", 2.0)):
        records = [
            ef.header(),
            ef.event(
                0, 1.0, ef.tensor("keras", ef.string_tensor(b"{}"), ef.plugin_metadata("graph_keras_model"))
            ),
        ]
        records += [
            ef.event(
                e, 2.0 + e, ef.tensor("epoch_loss", ef.float_tensor(base / (e + 1)), ef.scalars_metadata())
            )
            for e in range(3)
        ]
        ef.write_records(logs / split / f"events.out.tfevents.1.host.{split}.v2", records)

    result = load_runs([logs])

    assert result.errors == ()
    (run,) = result.runs
    assert {str(s.key) for s in run.series} == {"train.loss", "validation.loss"}
    assert run.get("train.loss").value.tolist() == [f32(1 / (e + 1)) for e in range(3)]
    assert run.get("validation.loss").value.tolist() == [f32(2 / (e + 1)) for e in range(3)]
    assert run.metadata["skipped_values"] == {"tensor/graph_keras_model": 2}


def test_records_across_window_boundaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "events.out.tfevents.8.host"
    records = [ef.header()]
    records += [ef.event(s, float(s), ef.simple("loss", s)) for s in range(300)]
    records.insert(
        150,
        ef.event(
            0, 0.0, ef.tensor("keras", ef.string_tensor(b"x" * 5000), ef.plugin_metadata("graph_keras_model"))
        ),
    )
    ef.write_records(path, records)
    expected = points(read_parts(path))
    monkeypatch.setattr(tfrecord, "WINDOW_BYTES", 256)

    assert points(read_parts(path)) == expected
    assert expected["loss"] == [(s, float(s)) for s in range(300)]


# ---------------------------------------------------------------------------
# Damage
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["in-header", "after-header", "in-data", "in-data-crc"])
def test_truncated_last_record_keeps_everything_before(tmp_path: Path, where: str) -> None:
    path = tmp_path / "events.out.tfevents.10.host"
    offsets = pytorch_file(path, steps=4)
    data = path.read_bytes()
    last = offsets[-1]
    data_length = len(data) - last - 16
    cut = {
        "in-header": 5,
        "after-header": 12,
        "in-data": 12 + data_length // 2,
        "in-data-crc": 14 + data_length,
    }
    path.write_bytes(data[: last + cut[where]])

    parts = read_parts(path)

    assert points(parts)["loss"] == [(s, f32(1 / (s + 1))) for s in range(4)]
    assert points(parts)["acc"] == [(s, f32(1 / (s + 2))) for s in range(3)]
    assert codes(parts) == ["truncated-record"]
    assert parts.diagnostics[0].position == last
    assert parts.diagnostics[0].unit is PositionUnit.BYTE


def test_length_checksum_failure_stops_the_file(tmp_path: Path) -> None:
    path = tmp_path / "events.out.tfevents.11.host"
    offsets = pytorch_file(path, steps=5, tags=("loss",))
    data = bytearray(path.read_bytes())
    data[offsets[3] + 8] ^= 0x01  # the length CRC of the third loss event
    path.write_bytes(bytes(data))

    parts = read_parts(path)

    assert points(parts) == {"loss": [(0, 1.0), (1, 0.5)]}
    assert codes(parts) == ["length-crc-mismatch"]
    assert parts.diagnostics[0].position == offsets[3]


@pytest.mark.parametrize("verify", [True, False])
def test_data_checksum_failure(tmp_path: Path, verify: bool) -> None:
    path = tmp_path / "events.out.tfevents.12.host"
    offsets = pytorch_file(path, steps=5, tags=("loss",))
    data = bytearray(path.read_bytes())
    data[offsets[4] - 5] ^= 0x40  # an exponent bit of the float of step 2 (its record's last data byte)
    path.write_bytes(bytes(data))

    parts = read_parts(path, verify=verify)
    loss = points(parts)["loss"]

    if verify:  # the damaged record is skipped, reading goes on
        assert loss == [(0, 1.0), (1, 0.5), (3, 0.25), (4, f32(0.2))]
        assert codes(parts) == ["data-crc-mismatch"]
        assert parts.diagnostics[0].position == offsets[3]
    else:  # unchecked: the damaged value is read as it is
        assert [s for s, _ in loss] == [0, 1, 2, 3, 4]
        assert loss[2][1] != f32(1 / 3)
        assert codes(parts) == []


def test_every_damaged_record_of_a_block_is_found(tmp_path: Path) -> None:
    path = tmp_path / "events.out.tfevents.13.host"
    offsets = pytorch_file(path, steps=50, tags=("loss",))
    data = bytearray(path.read_bytes())
    for record in (5, 6, 30):
        data[offsets[record + 1] - 5] ^= 0xFF
    path.write_bytes(bytes(data))

    parts = read_parts(path)

    assert [d.position for d in parts.diagnostics] == [offsets[5], offsets[6], offsets[30]]
    assert [s for s, _ in points(parts)["loss"]] == [s for s in range(50) if s + 1 not in (5, 6, 30)]


def test_undecodable_record_with_a_valid_checksum_is_a_bad_record(tmp_path: Path) -> None:
    path = tmp_path / "events.out.tfevents.14.host"
    offsets = ef.write_records(
        path,
        [
            ef.header(),
            b"\x0a\x05ab",
            ef.event(1, 1.0, ef.simple("loss", 1.0)),
            b"",
            event_pb2.Event(wall_time=2.0),
        ],
    )
    parts = read_parts(path)

    assert points(parts) == {"loss": [(1, 1.0)]}
    assert codes(parts) == ["bad-record"]
    assert parts.diagnostics[0].position == offsets[1]
    assert parts.metadata["other_events"] == {"empty": 2}


@pytest.mark.parametrize("valid_crc", [False, True])
def test_bogus_huge_length_neither_allocates_nor_hangs(tmp_path: Path, valid_crc: bool) -> None:
    path = tmp_path / "events.out.tfevents.15.host"
    pytorch_file(path, steps=2, tags=("loss",))
    end = path.stat().st_size
    length = struct.pack("<Q", 2**60)
    crc = ef.masked_crc(length) if valid_crc else 0x12345678
    path.write_bytes(path.read_bytes() + length + struct.pack("<I", crc) + bytes(100))

    tracemalloc.start()
    try:
        parts = read_parts(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert peak < 20 * 2**20
    assert points(parts) == {"loss": [(0, 1.0), (1, 0.5)]}
    assert codes(parts) == (["truncated-record"] if valid_crc else ["length-crc-mismatch"])
    assert parts.diagnostics[0].position == end


def test_empty_event_file_is_an_input_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "events.out.tfevents.16.host"
    path.write_bytes(b"")

    with pytest.raises(InputError, match=r"no readable event record.*empty") as error:
        read_parts(path)
    assert error.value.path == str(path)


@pytest.mark.parametrize("size", [3, 11, 12, 4096])
def test_random_bytes_are_an_input_error_with_the_first_problem(tmp_path: Path, size: int) -> None:
    path = tmp_path / "events.out.tfevents.17.host"
    path.write_bytes(np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8).tobytes())

    expected = "incomplete" if size < 12 else "checksum"
    with pytest.raises(InputError, match=f"no readable event record.*{expected}"):
        read_parts(path)


def test_damage_after_good_records_is_a_diagnostic_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "events.out.tfevents.19.host"
    ef.write_records(path, [ef.header(), ef.event(0, 1.0, ef.simple("loss", 0.5))])
    with path.open("ab") as handle:
        handle.write(np.random.default_rng(0).integers(0, 256, 64, dtype=np.uint8).tobytes())

    parts = read_parts(path)

    assert points(parts) == {"loss": [(0, 0.5)]}
    assert codes(parts) == ["length-crc-mismatch"]


def test_unreadable_paths_raise_input_error(tmp_path: Path) -> None:
    directory = tmp_path / "events.out.tfevents.18.host"
    directory.mkdir()

    with pytest.raises(InputError, match=r"[Nn]o such"):
        read_parts(tmp_path / "events.out.tfevents.missing")
    with pytest.raises(InputError, match=re.escape(str(directory))):
        read_parts(directory)


def test_sniff(tmp_path: Path) -> None:
    path = tmp_path / "run.bin"
    ef.write_records(path, [ef.header()])

    assert tensorboard.sniff(Path("x/events.out.tfevents.1.host"), b"")
    assert tensorboard.sniff(path, path.read_bytes())
    assert not tensorboard.sniff(Path("log.csv"), b"epoch,loss\n0,1.0\n")
    assert not tensorboard.sniff(path, path.read_bytes()[:11])


def test_fast_layout_constants_match_protobuf() -> None:
    value = summary_pb2.Summary.Value(tag="t", tensor=ef.float_tensor(1.0), metadata=ef.scalars_metadata())
    encoded = value.SerializeToString()

    assert (
        encoded
        == b"\x0a\x01t" + events._SCALAR_TENSOR_PREFIX + struct.pack("<f", 1.0) + events._SCALARS_METADATA
    )


# ---------------------------------------------------------------------------
# The fast path never changes an answer
# ---------------------------------------------------------------------------

TAGS = ["loss", "", "λoss/ünïcode", "a" * 8 + "Q" + "b" * 8, "a" * 8 + "R" + "b" * 8, "t" * 120, "t" * 130]
values = st.floats(width=32, allow_nan=True, allow_infinity=True)
steps = st.one_of(st.integers(0, 300), st.integers(-(2**63), 2**63 - 1), st.just(0))
walls = st.one_of(st.just(0.0), st.floats(0, 2e9, allow_nan=False))


@st.composite
def summary_values(draw: st.DrawFn) -> summary_pb2.Summary.Value | bytes:
    tag = draw(st.sampled_from(TAGS))
    number = draw(values)
    kind = draw(
        st.sampled_from(["simple", "simple+meta", "content", "content+meta", "list", "unpacked", "histo"])
    )
    if kind == "simple":
        return ef.simple(tag, number)
    if kind == "simple+meta":
        return ef.simple(tag, number, ef.plugin_metadata(""))
    if kind == "histo":
        return ef.histogram(tag)
    metadata = ef.scalars_metadata() if kind.endswith("+meta") or draw(st.booleans()) else None
    if kind.startswith("content"):
        return ef.tensor(tag, ef.float_tensor(number), metadata)
    if kind == "list":
        return ef.tensor(tag, ef.list_tensor(types_pb2.DT_FLOAT, "float_val", [number]), metadata)
    return ef.raw_value(tag, float_list_unpacked([number]), metadata)


@st.composite
def records(draw: st.DrawFn) -> bytes:
    chosen = draw(st.lists(summary_values(), min_size=1, max_size=3))
    step, wall = draw(steps), draw(walls)
    if all(isinstance(v, summary_pb2.Summary.Value) for v in chosen):
        return ef.event(step, wall, *chosen).SerializeToString()
    encoded = [v if isinstance(v, bytes) else v.SerializeToString() for v in chosen]
    return ef.raw_event(step, wall, *encoded)


def reference(path: Path) -> list[tuple[str, int, bytes, float, int]]:
    """Decode every record with protobuf alone: (tag, step, value bits, wall time, offset)."""
    data = path.read_bytes()
    first_plugin: dict[str, str] = {}
    candidates = []
    position = 0
    while position + 12 <= len(data):
        (length,) = struct.unpack_from("<Q", data, position)
        event = event_pb2.Event.FromString(data[position + 12 : position + 12 + length])
        for value in event.summary.value:
            if value.HasField("metadata"):
                first_plugin.setdefault(value.tag, value.metadata.plugin_data.plugin_name)
            kind = value.WhichOneof("value")
            if kind == "simple_value":
                candidates.append(
                    (True, value.tag, event.step, value.simple_value, event.wall_time, position)
                )
            elif kind == "tensor":
                proto = value.tensor
                number = (
                    struct.unpack("<f", proto.tensor_content)[0]
                    if proto.tensor_content
                    else proto.float_val[0]
                )
                candidates.append((False, value.tag, event.step, number, event.wall_time, position))
        position += 16 + length
    return sorted(
        (tag, step, struct.pack("<d", number), wall, offset)
        for simple, tag, step, number, wall, offset in candidates
        if simple or first_plugin.get(tag) == "scalars"
    )


def flattened(parts: RunParts) -> list[tuple[str, int, bytes, float, int]]:
    out = []
    for s in parts.series:
        for step, number, wall, offset in zip(
            s.step.tolist(), s.value.tolist(), s.wall_time.tolist(), s.position.tolist(), strict=True
        ):
            out.append((s.raw_name, step, struct.pack("<d", number), wall, offset))
    return sorted(out)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(records(), min_size=1, max_size=40), st.sampled_from([64, 200, 4096, 2**20]), st.booleans())
def test_fast_path_matches_protobuf(encoded: list[bytes], window: int, verify: bool) -> None:
    with tempfile.TemporaryDirectory() as directory, pytest.MonkeyPatch.context() as patch:
        path = Path(directory) / "events.out.tfevents.99.host"
        ef.write_records(path, [ef.header(), *encoded])
        patch.setattr(tfrecord, "WINDOW_BYTES", window)
        parts = read_parts(path, verify=verify)

        assert parts.diagnostics == []
        assert flattened(parts) == reference(path)


def test_layout_lookalikes_are_decoded_by_protobuf(tmp_path: Path) -> None:
    path = tmp_path / "events.out.tfevents.22.host"
    value = ef.tensor("t", ef.float_tensor(1.0)).SerializeToString()
    metadata = ef.field(9, 2, ef.scalars_metadata().SerializeToString())
    wall = ef.field(1, 1, struct.pack("<d", 5.0))
    # The metadata bytes sit in the Summary (an unknown field there), not in the Value: no metadata.
    in_summary = wall + ef.field(2, 0, ef.varint(1)) + ef.field(5, 2, ef.field(1, 2, value) + metadata)
    # The step comes after the summary, and a second simple_value overrides the first.
    step_last = (
        wall
        + ef.field(5, 2, ef.field(1, 2, ef.simple("s", 1.0).SerializeToString()))
        + ef.field(2, 0, ef.varint(7))
    )
    overridden = wall + ef.field(
        5, 2, ef.field(1, 2, ef.simple("s", 1.0).SerializeToString() + ef.field(2, 5, struct.pack("<f", 2.0)))
    )
    ef.write_records(path, [ef.header(), in_summary, step_last, overridden])

    parts = read_parts(path)

    assert points(parts) == {"s": [(7, 1.0), (0, 2.0)]}
    assert parts.metadata["skipped_values"] == {"tensor/(no plugin)": 1}


def test_dominant_layouts_take_the_fast_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "events.out.tfevents.21.host"
    records = [ef.header()]
    for step in range(200):
        records.append(ef.event(step, 1.0 + step, ef.simple("train/loss", 0.5)))
        metadata = ef.scalars_metadata() if step % 2 else None
        records.append(ef.event(step, 1.0 + step, ef.tensor("epoch_loss", ef.float_tensor(0.25), metadata)))
    ef.write_records(path, records)
    slow: list[int] = []
    decode_event = events._decode_event
    monkeypatch.setattr(
        events, "_decode_event", lambda event, *rest: slow.append(1) or decode_event(event, *rest)
    )

    parts = read_parts(path)

    assert len(slow) == 1  # only the file_version header goes through protobuf
    assert parts.metadata["scalar_points"] == 400


def test_nan_and_signed_zero_survive_the_fast_path(tmp_path: Path) -> None:
    path = tmp_path / "events.out.tfevents.20.host"
    ef.write_records(
        path,
        [ef.header(), ef.event(1, 1.0, ef.simple("x", math.nan)), ef.event(2, 1.0, ef.simple("x", -0.0))],
    )
    (series,) = read_parts(path).series

    assert math.isnan(series.value[0])
    assert math.copysign(1.0, series.value[1]) == -1.0


@given(st.integers(0, 2**64 - 1), st.binary(min_size=8, max_size=8))
def test_varints_decode_like_protobuf(number: int, junk: bytes) -> None:
    encoded = ef.varint(number)
    word = np.array([int.from_bytes((encoded + junk)[:8], "little")], dtype=np.uint64)
    value, size, complete = events._varints(word)

    if len(encoded) <= 8:
        assert bool(complete[0])
        assert int(size[0]) == len(encoded)
        assert int(value[0]) == number
    else:
        assert not bool(complete[0])


def test_an_unreadable_file_of_a_resumed_run_is_a_diagnostic(tmp_path: Path) -> None:
    good = tmp_path / "run" / "events.out.tfevents.1.host"
    good.parent.mkdir()
    ef.write_records(good, [ef.header(), ef.event(0, 1.0, ef.simple("loss", 0.5))])
    (tmp_path / "run" / "events.out.tfevents.2.host").symlink_to(tmp_path / "gone")  # a dangling link
    result = load_runs([tmp_path / "run"])
    [run] = result.runs
    assert not result.errors
    assert run.get("train.loss").value.tolist() == [0.5]  # type: ignore[union-attr]
    assert [d.code for d in run.diagnostics] == ["unreadable-file"]


def test_a_renamed_event_file_given_explicitly_is_recognised_by_content(tmp_path: Path) -> None:
    renamed = tmp_path / "copy_of_my_run.bin"
    ef.write_records(renamed, [ef.header(), ef.event(0, 1.0, ef.simple("loss", 0.5))])
    result = load_runs([renamed])
    assert not result.errors
    assert result.runs[0].format == "tensorboard"
