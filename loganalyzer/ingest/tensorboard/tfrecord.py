"""Split a TFRecord file into records and verify their checksums, one window at a time.

A TFRecord file is a sequence of records, each framed as (all little-endian)::

    uint64 length | uint32 masked_crc32c(length) | data[length] | uint32 masked_crc32c(data)

The file is read in windows of :data:`WINDOW_BYTES` into one reused buffer, so
memory stays bounded however large the file is. In each window:

1. :func:`scan_window` finds where the complete records start. Following the
   length fields is inherently sequential, so it walks record by record in
   Python only until the recent lengths repeat with a short period (a writer
   logging the same few tags every step), then predicts thousands of record
   starts at once and confirms each prediction with NumPy by reading the
   length field at the predicted offset. A confirmed prefix is exactly what
   the record-by-record walk would have found; the first disagreement hands
   control back to the walk.
2. Every length checksum is verified, for all records at once: writers
   produce few distinct record lengths, so the expected checksum is computed
   once per distinct length and compared with NumPy. A record whose length
   checksum fails ends the file: its length, and so the position of
   everything after it, cannot be trusted.
3. With ``verify_data_crc``, every data checksum is verified. The block is
   checked as a whole first: each stored CRC is written back in raw form
   after its data (see :func:`loganalyzer.ingest.tensorboard.crc32c.raw_crc`), so an
   intact block leaves a zero CRC register after one pass of the C CRC. A
   single damaged record always leaves a non-zero register; only if the
   register is non-zero are records checked one by one to find the damaged
   ones. A record with a bad data checksum is skipped and reading continues
   with the next record: its length was verified, so the framing after it is
   still sound. (TensorBoard stops reading the file there instead; one
   flipped bit should not hide the rest of a run.)

Before its checksum is verified a length is only followed inside the window
already in memory; it never sizes an allocation or a read until its checksum
is verified and it fits in the bytes the file really has, so a corrupt length
cannot cause a huge allocation or a long loop.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np

from loganalyzer.ingest.tensorboard import crc32c

#: Bytes read per window. Large enough that per-window overhead is negligible,
#: small enough that the per-record arrays of one window (some 20,000 records
#: of scalars) stay in cache; 1 MiB measured fastest among 256 KiB, 1 MiB and 4 MiB.
WINDOW_BYTES = 2**20

#: Framing bytes around a record's data: 8 length + 4 length CRC before, 4 data CRC after.
HEADER_BYTES = 12
FOOTER_BYTES = 4
OVERHEAD_BYTES = HEADER_BYTES + FOOTER_BYTES

#: Blocks of at most this many records have their data checksums checked one by one.
_CHECK_SINGLY_UP_TO = 16

#: Spare bytes after each window, so fixed-width look-ahead reads past the
#: last record never leave the buffer.
PAD_BYTES = 64

_LENGTH = struct.Struct("<Q")
_CRC = struct.Struct("<I")

#: Longest period of repeating record lengths that the scan recognises.
_MAX_PERIOD = 32
#: How many records the scan predicts at once: as many as reach the end of the
#: window, at most the maximum; halved after each failed prediction.
_PREDICT_MIN = 256
_PREDICT_MAX = 1 << 16
#: Records walked one by one between predictions (doubles while no period is found).
_WALK_MIN = 2 * _MAX_PERIOD
_WALK_MAX = 4096


@dataclass(frozen=True)
class FramingProblem:
    """A damaged or missing part of the record stream.

    ``code`` is ``truncated-record``, ``length-crc-mismatch`` or
    ``data-crc-mismatch``; ``offset`` is the file offset of the record's
    length field.
    """

    code: str
    offset: int
    message: str


class ByteReader:
    """Vectorised reads at many offsets of one buffer: single bytes and little-endian words.

    A word at an arbitrary offset is assembled from the two aligned words that
    hold it, which NumPy gathers much faster than eight single bytes. Offsets
    too close to the end of the buffer for a whole read are clamped; callers
    only make such reads past the end of their data, where the answer does
    not matter.
    """

    def __init__(self, buffer: bytes | bytearray) -> None:
        self.bytes = np.frombuffer(buffer, dtype=np.uint8)
        usable = len(self.bytes) // 8 * 8
        self._words = self.bytes[:usable].view("<u8")
        self._last_word = max(usable - 9, 0)
        self._last_byte = max(len(self.bytes) - 1, 0)

    def u8(self, at: np.ndarray) -> np.ndarray:
        """Return the byte at each offset."""
        found: np.ndarray = self.bytes[np.minimum(at, self._last_byte)]
        return found

    def u64(self, at: np.ndarray) -> np.ndarray:
        """Return the little-endian uint64 at each offset."""
        at = np.minimum(at, self._last_word)
        word = at >> 3
        shift = ((at & 7) << 3).astype(np.uint64)
        low = self._words[word]
        high = self._words[word + 1]
        # high << (64 - shift), written so that shift == 0 gives 0 rather than an over-wide shift
        joined: np.ndarray = (low >> shift) | ((high << np.uint64(1)) << (np.uint64(63) - shift))
        return joined

    def u32(self, at: np.ndarray) -> np.ndarray:
        """Return the little-endian uint32 at each offset."""
        return (self.u64(at) & np.uint64(0xFFFFFFFF)).astype(np.uint32)


@dataclass
class RecordBlock:
    """Intact records from one window of a file, in file order.

    ``buffer`` holds the window (it is reused for the next window: copy
    anything you keep). Record ``i`` has its length field at ``starts[i]``
    and its data at ``buffer[starts[i] + 12 : starts[i] + 12 + lengths[i]]``;
    ``base + starts[i]`` is its file offset. ``problems`` lists what went wrong
    in this window, in file order.
    """

    buffer: bytearray
    base: int
    starts: np.ndarray
    lengths: np.ndarray
    problems: list[FramingProblem] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.starts.shape[0])

    def reader(self) -> ByteReader:
        """Return a vectorised reader over the window's bytes."""
        return ByteReader(self.buffer)

    def record(self, index: int) -> bytes:
        """Return the data of record ``index`` as bytes."""
        begin = int(self.starts[index]) + HEADER_BYTES
        return bytes(self.buffer[begin : begin + int(self.lengths[index])])

    def data_crc_ok(self, index: int) -> bool:
        """Whether record ``index`` matches its data checksum."""
        begin = int(self.starts[index]) + HEADER_BYTES
        end = begin + int(self.lengths[index])
        (stored,) = _CRC.unpack_from(self.buffer, end)
        return bool(crc32c.masked_crc32c(bytes(self.buffer[begin:end])) == stored)


def looks_like_tfrecord(head: bytes) -> bool:
    """Whether ``head`` starts with a record whose length checksum is right.

    When the whole first record is in ``head`` its data checksum must match
    too. A text file passes the length check by chance once in 2**32.
    """
    if len(head) < HEADER_BYTES:
        return False
    (length,) = _LENGTH.unpack_from(head, 0)
    (stored,) = _CRC.unpack_from(head, 8)
    if crc32c.masked_crc32c(head[:8]) != stored:
        return False
    end = HEADER_BYTES + length
    if end + FOOTER_BYTES > len(head):
        return True
    (stored_data,) = _CRC.unpack_from(head, end)
    return bool(crc32c.masked_crc32c(head[HEADER_BYTES:end]) == stored_data)


def scan_window(buffer: bytes | bytearray, limit: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Find the complete records in ``buffer[:limit]``.

    Returns the start offsets and data lengths of the records (int64 arrays)
    and the offset where the scan stopped: the end of the last complete
    record. The scan begins at offset 0, which must be a record boundary, and
    stops at the first record that does not fit. Only lengths are followed;
    checksums are the caller's job.
    """
    reader = ByteReader(buffer) if limit >= 2 * OVERHEAD_BYTES else None
    start_pieces: list[np.ndarray] = []
    length_pieces: list[np.ndarray] = []
    walked_starts: list[int] = []
    walked_lengths: list[int] = []
    history: list[int] = []
    position = 0
    walk_budget = _WALK_MIN
    predict = _PREDICT_MAX
    unpack = _LENGTH.unpack_from
    while True:
        for _ in range(walk_budget):
            if position + HEADER_BYTES > limit:
                break
            (length,) = unpack(buffer, position)
            end = position + OVERHEAD_BYTES + length
            if end > limit:
                break
            walked_starts.append(position)
            walked_lengths.append(length)
            history.append(length)
            position = end
        else:
            del history[: -2 * _MAX_PERIOD]
            period = _period(history)
            if period is None or reader is None:
                walk_budget = _longer_walk(walk_budget)
                continue
            pattern = np.asarray(history[-period:], dtype=np.int64)
            to_the_end = -(-(limit - position) * period // int(pattern.sum() + OVERHEAD_BYTES * period))
            accepted, position, complete = _predict(
                reader, position, limit, pattern, min(predict, to_the_end)
            )
            if accepted is not None:
                start_pieces.append(np.asarray(walked_starts, dtype=np.int64))
                length_pieces.append(np.asarray(walked_lengths, dtype=np.int64))
                walked_starts, walked_lengths = [], []
                start_pieces.append(accepted)
                length_pieces.append(_repeat(pattern, len(accepted)))
                history = length_pieces[-1][-2 * _MAX_PERIOD :].tolist()
            if complete:
                predict = min(2 * predict, _PREDICT_MAX)
                walk_budget = 0
            else:
                predict = max(predict // 2, _PREDICT_MIN)
                walk_budget = _WALK_MIN if accepted is not None else _longer_walk(walk_budget)
            continue
        break
    start_pieces.append(np.asarray(walked_starts, dtype=np.int64))
    length_pieces.append(np.asarray(walked_lengths, dtype=np.int64))
    return np.concatenate(start_pieces), np.concatenate(length_pieces), position


def _longer_walk(budget: int) -> int:
    """Return the next walk budget after a failed prediction: at least the minimum, doubling."""
    return min(max(2 * budget, _WALK_MIN), _WALK_MAX)


def _period(history: list[int]) -> int | None:
    """Return the shortest period with which the last lengths repeat (seen twice), if any."""
    for period in range(1, min(_MAX_PERIOD, len(history) // 2) + 1):
        if history[-period:] == history[-2 * period : -period]:
            return period
    return None


def _repeat(pattern: np.ndarray, count: int) -> np.ndarray:
    """Return the first ``count`` items of ``pattern`` repeated end to end."""
    return np.tile(pattern, -(-count // len(pattern)))[:count]


def _predict(
    reader: ByteReader, position: int, limit: int, pattern: np.ndarray, count: int
) -> tuple[np.ndarray | None, int, bool]:
    """Predict up to ``count`` records continuing ``pattern`` and keep the confirmed prefix.

    Returns the confirmed starts (None if none), the position after them, and
    whether all ``count`` predictions were confirmed.
    """
    strides = _repeat(pattern, count) + OVERHEAD_BYTES
    ends = position + np.cumsum(strides)
    fitting = int(np.searchsorted(ends, limit, side="right"))
    if fitting == 0:
        return None, position, False
    ends = ends[:fitting]
    starts = ends - strides[:fitting]
    found = reader.u64(starts)
    agrees = found == (strides[:fitting] - OVERHEAD_BYTES).astype(np.uint64)
    confirmed = fitting if bool(agrees.all()) else int(np.argmin(agrees))
    if confirmed == 0:
        return None, position, False
    return starts[:confirmed], int(ends[confirmed - 1]), confirmed == count


def read_blocks(
    handle: BinaryIO, size: int, *, verify_data_crc: bool, window_bytes: int = WINDOW_BYTES
) -> Iterator[RecordBlock]:
    """Yield the intact records of the first ``size`` bytes of ``handle``, window by window.

    The last block carries the problem that ended the file early, if any
    (truncation or a bad length checksum). Every yielded block is valid only
    until the next one is requested.
    """
    window_bytes = -(-window_bytes // 8) * 8  # whole words, for ByteReader
    offset = 0
    buffer = bytearray(window_bytes + PAD_BYTES)
    scratch = np.empty(0, dtype=np.uint8)  # the data-checksum copy, reused across windows
    while offset < size:
        wanted = min(len(buffer) - PAD_BYTES, size - offset)
        got = _read_at(handle, offset, buffer, wanted)
        at_end = got < wanted or offset + got >= size
        starts, lengths, stop = scan_window(buffer, got)
        if len(starts) == 0:
            needed, problem = _first_record_size(buffer, got, offset, size, at_end)
            if problem is not None:
                yield _empty_block(buffer, offset, problem)
                return
            buffer = bytearray(-(-needed // 8) * 8 + PAD_BYTES)  # one record larger than a window
            continue
        if len(scratch) < len(buffer):
            scratch = np.empty(len(buffer), dtype=np.uint8)
        block = _verified_block(buffer, offset, starts, lengths, verify_data_crc, scratch)
        ended = bool(block.problems) and block.problems[-1].code == "length-crc-mismatch"
        if not ended and at_end and stop < got:
            block.problems.append(_tail_problem(buffer, stop, got, offset))
            ended = True
        yield block
        if ended:
            return
        offset += stop
        if len(buffer) != window_bytes + PAD_BYTES:  # back to normal windows after a large record
            buffer = bytearray(window_bytes + PAD_BYTES)
            scratch = np.empty(0, dtype=np.uint8)


def _read_at(handle: BinaryIO, offset: int, buffer: bytearray, wanted: int) -> int:
    """Read up to ``wanted`` bytes at ``offset`` into ``buffer``; return how many arrived."""
    handle.seek(offset)
    view = memoryview(buffer)
    got = 0
    while got < wanted:
        chunk = handle.readinto(view[got:wanted])  # type: ignore[attr-defined]  # raw files have readinto
        if not chunk:
            break
        got += chunk
    return got


def _empty_block(buffer: bytearray, offset: int, problem: FramingProblem) -> RecordBlock:
    empty = np.zeros(0, dtype=np.int64)
    return RecordBlock(buffer, offset, empty, empty, [problem])


def _first_record_size(
    buffer: bytearray, got: int, offset: int, size: int, at_end: bool
) -> tuple[int, FramingProblem | None]:
    """Size of the record at the start of a window that holds no complete record.

    Either the record is larger than the window (return its size, checked
    against its length checksum and the bytes left in the file) or the file
    ends or is damaged here (return the problem).
    """
    if got < HEADER_BYTES:
        return 0, _tail_problem(buffer, 0, got, offset)
    (length,) = _LENGTH.unpack_from(buffer, 0)
    (stored,) = _CRC.unpack_from(buffer, 8)
    if crc32c.masked_crc32c(bytes(buffer[:8])) != stored:
        return 0, _length_crc_problem(offset, length)
    needed = OVERHEAD_BYTES + length
    if needed > size - offset or at_end:
        return 0, _truncated(offset, length, min(got, size - offset))
    return needed, None


def _tail_problem(buffer: bytearray, stop: int, got: int, offset: int) -> FramingProblem:
    """Describe the incomplete record in ``buffer[stop:got]`` at the end of the file."""
    present = got - stop
    where = offset + stop
    if present < HEADER_BYTES:
        return FramingProblem(
            "truncated-record",
            where,
            f"file ends {present} byte(s) into a record header (12 bytes); the last record is incomplete",
        )
    (length,) = _LENGTH.unpack_from(buffer, stop)
    (stored,) = _CRC.unpack_from(buffer, stop + 8)
    if crc32c.masked_crc32c(bytes(buffer[stop : stop + 8])) != stored:
        return _length_crc_problem(where, length)
    return _truncated(where, length, present)


def _truncated(where: int, length: int, present: int) -> FramingProblem:
    return FramingProblem(
        "truncated-record",
        where,
        f"file ends inside a record: it needs {OVERHEAD_BYTES + length} bytes "
        f"({length} data bytes) but only {present} remain; the rest of the file is lost",
    )


def _length_crc_problem(where: int, length: int) -> FramingProblem:
    return FramingProblem(
        "length-crc-mismatch",
        where,
        f"record length field ({length}) fails its checksum; the file cannot be read past this point",
    )


def _verified_block(
    buffer: bytearray,
    offset: int,
    starts: np.ndarray,
    lengths: np.ndarray,
    verify_data_crc: bool,
    scratch: np.ndarray,
) -> RecordBlock:
    """Check the checksums of the scanned records and build the block of intact ones."""
    reader = ByteReader(buffer)
    distinct, which = _distinct(lengths)
    stored = reader.u32(starts + 8)
    expected = np.asarray([crc32c.masked_crc32c(_LENGTH.pack(int(n))) for n in distinct], dtype=np.uint32)
    bad_length = np.flatnonzero(expected[which] != stored)
    problems: list[FramingProblem] = []
    if len(bad_length):
        first = int(bad_length[0])
        problems.append(_length_crc_problem(offset + int(starts[first]), int(lengths[first])))
        starts, lengths, which = starts[:first], lengths[:first], which[:first]
    if verify_data_crc and len(starts):
        damaged = _damaged_records(reader, starts, lengths, distinct, which, scratch)
        if len(damaged):
            problems[:0] = [
                FramingProblem(
                    "data-crc-mismatch",
                    offset + int(starts[i]),
                    f"record data ({int(lengths[i])} bytes) fails its checksum; the record is skipped",
                )
                for i in damaged
            ]
            keep = np.ones(len(starts), dtype=bool)
            keep[damaged] = False
            starts, lengths = starts[keep], lengths[keep]
    return RecordBlock(buffer, offset, starts, lengths, problems)


def _distinct(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct lengths (sorted) and, per record, the index of its length among them.

    Writers produce few distinct record lengths, so checksums that depend only
    on the length are computed once per distinct length.
    """
    if len(lengths) == 0:
        return lengths, np.zeros(0, dtype=np.int64)
    top = int(lengths.max())
    if top < 1 << 16:
        present = np.flatnonzero(np.bincount(lengths, minlength=top + 1))
        index = np.zeros(top + 1, dtype=np.int64)
        index[present] = np.arange(len(present))
        return present, index[lengths]
    distinct, which = np.unique(lengths, return_inverse=True)
    return distinct, which


def _damaged_records(
    reader: ByteReader,
    starts: np.ndarray,
    lengths: np.ndarray,
    distinct: np.ndarray,
    which: np.ndarray,
    scratch: np.ndarray,
) -> np.ndarray:
    """Return the indices of the records whose data checksum fails.

    The whole block is checked at once. For a record of length ``n`` with an
    intact length field, the raw CRC (zero start, no final xor) of its
    length field, length CRC and data is ``key(n) ^ unmask(stored data CRC)``,
    where ``key(n)`` depends on ``n`` only (:func:`_record_key`). Writing that
    value in place of the stored data CRC makes an intact record leave a zero
    register, and the records of an intact block together leave zero too. A
    damaged record changes the register by a non-zero multiple of a power of
    x, which the CRC polynomial (x does not divide it) never reduces to zero,
    so one damaged record is always seen; only then are records checked singly.
    A block of a few records (large ones) is checked singly straight away,
    which needs no copy.
    """
    data = reader.bytes
    trailers = starts + HEADER_BYTES + lengths
    stored = reader.u32(trailers)
    if len(starts) > _CHECK_SINGLY_UP_TO:
        keys = np.asarray([_record_key(int(n)) for n in distinct], dtype=np.uint32)
        raw = keys[which] ^ crc32c.unmask_array(stored)
        check = scratch[: int(trailers[-1]) + FOOTER_BYTES]
        np.copyto(check, data[: len(check)])
        for byte in range(FOOTER_BYTES):
            check[trailers + byte] = (raw >> np.uint32(8 * byte)).astype(np.uint8)
        if crc32c.raw_crc(check) == 0:
            return np.zeros(0, dtype=np.int64)
    ok = [
        crc32c.masked_crc32c(data[begin : begin + n]) == crc
        for begin, n, crc in zip(
            (starts + HEADER_BYTES).tolist(), lengths.tolist(), stored.tolist(), strict=True
        )
    ]
    return np.flatnonzero(~np.asarray(ok, dtype=bool))


def _record_key(length: int) -> int:
    """Return the CRC key of records of ``length`` data bytes.

    The key is the raw CRC of an intact length field and length CRC followed by
    ``length`` zero bytes, xored with the standard CRC of ``length`` zero bytes.

    For data ``d`` of that length, ``raw(header + d) = raw(header + zeros) ^ raw(d)``
    and ``raw(d) = crc32c(d) ^ crc32c(zeros)`` (CRCs are linear; leading zeros
    do not change a raw CRC), so ``raw(header + d) = key ^ crc32c(d)``.
    """
    length_field = _LENGTH.pack(length)
    header = length_field + _CRC.pack(crc32c.masked_crc32c(length_field))
    zeros = bytes(length)
    return crc32c.raw_crc(np.frombuffer(header + zeros, dtype=np.uint8)) ^ crc32c.crc32c(zeros)
