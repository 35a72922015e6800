"""TFRecord framing and CRC-32C: the batched, vectorised forms agree with record-by-record ones."""

from __future__ import annotations

import io
import struct

import google_crc32c
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from loganalyzer.ingest.tensorboard import crc32c, tfrecord
from tests.support import eventfiles as ef


def naive_starts(data: bytes) -> tuple[list[int], list[int], int]:
    """Walk the lengths one record at a time: the definition scan_window must match."""
    starts, lengths, position = [], [], 0
    while position + 12 <= len(data):
        (length,) = struct.unpack_from("<Q", data, position)
        if position + 16 + length > len(data):
            break
        starts.append(position)
        lengths.append(length)
        position += 16 + length
    return starts, lengths, position


def test_masked_crc_known_answer() -> None:
    # From tensorboard/data/server/masked_crc.rs: an Event with file_version "CRC test, one two".
    assert crc32c.masked_crc32c(b"\x1a\x11CRC test, one two") == 0x5794D08A
    assert ef.masked_crc(b"\x1a\x11CRC test, one two") == 0x5794D08A


@given(st.integers(0, 2**32 - 1))
def test_mask_round_trips(crc: int) -> None:
    masked = crc32c.mask(crc)
    assert crc32c.unmask(masked) == crc
    assert int(crc32c.unmask_array(np.array([masked], dtype=np.uint32))[0]) == crc


@given(st.lists(st.binary(max_size=40), min_size=1, max_size=8))
def test_raw_crc_of_messages_followed_by_their_raw_crc_is_zero(messages: list[bytes]) -> None:
    pieces = []
    for message in messages:
        raw = crc32c.raw_crc(np.frombuffer(message, dtype=np.uint8))
        assert raw == google_crc32c.value(message) ^ google_crc32c.value(bytes(len(message)))
        pieces.append(message + struct.pack("<I", raw))
    whole = b"".join(pieces)
    assert crc32c.raw_crc(np.frombuffer(whole, dtype=np.uint8)) == 0
    damaged = bytearray(whole)
    damaged[len(damaged) // 2] ^= 0x10
    assert crc32c.raw_crc(np.frombuffer(bytes(damaged), dtype=np.uint8)) != 0


@st.composite
def length_sequences(draw: st.DrawFn) -> list[int]:
    """Record lengths as writers produce them: a short repeating pattern, with changes."""
    out: list[int] = []
    for _ in range(draw(st.integers(1, 4))):
        pattern = draw(st.lists(st.integers(0, 60), min_size=1, max_size=9))
        out += pattern * draw(st.integers(1, 300))
        out += draw(st.lists(st.integers(0, 60), max_size=5))
    return out


@settings(max_examples=80, deadline=None)
@given(length_sequences(), st.integers(0, 40))
def test_scan_window_matches_the_record_by_record_walk(lengths: list[int], cut: int) -> None:
    data = b"".join(struct.pack("<Q", n) + bytes(4) + bytes([n % 251]) * n + bytes(4) for n in lengths)
    data = data[: len(data) - cut]
    starts, found_lengths, stop = tfrecord.scan_window(data, len(data))
    expected_starts, expected_lengths, expected_stop = naive_starts(data)

    assert starts.tolist() == expected_starts
    assert found_lengths.tolist() == expected_lengths
    assert stop == expected_stop


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.binary(max_size=300), min_size=1, max_size=60),
    st.sampled_from([16, 40, 256, 4096]),
    st.booleans(),
)
def test_read_blocks_in_small_windows_yields_every_record(
    records: list[bytes], window: int, verify: bool
) -> None:
    data = b"".join(ef.frame(r) for r in records)
    found = []
    problems = []
    for block in tfrecord.read_blocks(
        io.BytesIO(data), len(data), verify_data_crc=verify, window_bytes=window
    ):
        found += [(block.base + int(block.starts[i]), block.record(i)) for i in range(len(block))]
        problems += block.problems

    offsets = np.cumsum([0] + [16 + len(r) for r in records[:-1]]).tolist()
    assert found == list(zip(offsets, records, strict=True))
    assert problems == []


def test_read_blocks_reports_truncation_and_bad_length_checksums() -> None:
    records = [b"abc", b"defgh", b"ij"]
    data = b"".join(ef.frame(r) for r in records)

    def run(raw: bytes) -> tuple[list[bytes], list[tuple[str, int]]]:
        found, problems = [], []
        for block in tfrecord.read_blocks(io.BytesIO(raw), len(raw), verify_data_crc=True, window_bytes=24):
            found += [block.record(i) for i in range(len(block))]
            problems += [(p.code, p.offset) for p in block.problems]
        return found, problems

    assert run(data[:-1]) == ([b"abc", b"defgh"], [("truncated-record", 40)])
    assert run(data[:45]) == ([b"abc", b"defgh"], [("truncated-record", 40)])
    broken = bytearray(data)
    broken[19 + 8] ^= 1
    assert run(bytes(broken)) == ([b"abc"], [("length-crc-mismatch", 19)])
    broken = bytearray(data)
    broken[19 + 12] ^= 1
    assert run(bytes(broken)) == ([b"abc", b"ij"], [("data-crc-mismatch", 19)])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.binary(max_size=40), min_size=17, max_size=60), st.data())
def test_damaged_data_is_found_in_a_batch(records: list[bytes], data: st.DataObject) -> None:
    framed = [bytearray(ef.frame(r)) for r in records]
    damaged = sorted(data.draw(st.sets(st.integers(0, len(records) - 1), min_size=1, max_size=3)))
    for index in damaged:  # a bit of the data, or of the data CRC when there is no data
        byte = data.draw(st.integers(12, len(framed[index]) - 1))
        framed[index][byte] ^= 1 << data.draw(st.integers(0, 7))
    raw = b"".join(framed)
    kept, problems = [], []
    for block in tfrecord.read_blocks(io.BytesIO(raw), len(raw), verify_data_crc=True):
        kept += [block.record(i) for i in range(len(block))]
        problems += [(p.code, p.offset) for p in block.problems]

    offsets = np.cumsum([0] + [len(f) for f in framed[:-1]]).tolist()
    assert problems == [("data-crc-mismatch", offsets[i]) for i in damaged]
    assert kept == [r for i, r in enumerate(records) if i not in damaged]


@given(st.binary(min_size=16, max_size=200), st.data())
def test_byte_reader_words(buffer: bytes, data: st.DataObject) -> None:
    reader = tfrecord.ByteReader(buffer)
    last = len(buffer) // 8 * 8 - 9  # the last offset a whole word can be assembled from
    offsets = data.draw(st.lists(st.integers(0, last), min_size=1, max_size=20))
    at = np.asarray(offsets, dtype=np.int64)

    assert reader.u64(at).tolist() == [struct.unpack_from("<Q", buffer, o)[0] for o in offsets]
    assert reader.u32(at).tolist() == [struct.unpack_from("<I", buffer, o)[0] for o in offsets]
    assert reader.u8(at).tolist() == [buffer[o] for o in offsets]


def test_looks_like_tfrecord() -> None:
    record = ef.frame(b"\x09" + bytes(8))

    assert tfrecord.looks_like_tfrecord(record)
    assert tfrecord.looks_like_tfrecord(record[:12])
    assert not tfrecord.looks_like_tfrecord(record[:11])
    assert not tfrecord.looks_like_tfrecord(record[:-1] + bytes([record[-1] ^ 1]))
    assert not tfrecord.looks_like_tfrecord(b"epoch,loss,val_loss\r\n0,1.0,2.0\r\n")
