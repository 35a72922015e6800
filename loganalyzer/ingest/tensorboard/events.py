"""Decode event-file records into scalar points: protobuf, plus a NumPy fast path.

Imported by :mod:`loganalyzer.ingest.tensorboard.reader` on first read, so that
commands that only see text logs never load protobuf.

How it is fast
    Records are decoded in blocks. Records laid out byte for byte like the
    two dominant writers (PyTorch's ``simple_value`` event and TF2's rank-0
    DT_FLOAT ``tensor_content`` event, with or without the ``scalars``
    metadata) are recognised and decoded with NumPy for the whole block at
    once: every byte of the layout is checked (field tags, wire types, that
    each nested length ends exactly where its parent ends, the tensor header,
    the metadata bytes) and the tag bytes are compared exactly. Any record
    that differs in any way is decoded by protobuf (the classes shipped in
    ``tensorboard``), so the fast path only ever changes speed, never
    answers; the parity tests compare both paths and tbparse.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np
from google.protobuf.message import DecodeError
from tensorboard.compat.proto import event_pb2, tensor_pb2, types_pb2

from loganalyzer.ingest.source import ReadOptions
from loganalyzer.ingest.tensorboard import hparams, tfrecord
from loganalyzer.ingest.tensorboard._state import SCALARS_PLUGIN, SIMPLE, TENSOR, FileResult, RunState

# ---------------------------------------------------------------------------
# Byte layouts of the fast path. Protobuf field keys are (number << 3) | wire type.
# ---------------------------------------------------------------------------
_WALL_TIME_KEY = 0x09  # Event.wall_time = 1, 64-bit
_STEP_KEY = 0x10  # Event.step = 2, varint
_SUMMARY_KEY = 0x2A  # Event.summary = 5, length-delimited
_VALUE_KEY = 0x0A  # Summary.value = 1, length-delimited
_TAG_KEY = 0x0A  # Summary.Value.tag = 1, length-delimited
SIMPLE_VALUE_KEY = 0x15  # Summary.Value.simple_value = 2, 32-bit
#: Summary.Value.tensor = 8 holding TensorProto{dtype: DT_FLOAT, tensor_shape: {} (rank 0),
#: tensor_content: 4 bytes}, up to the 4 value bytes; what TF2's C++ summary writer emits.
_SCALAR_TENSOR_PREFIX = bytes([0x42, 0x0A, 0x08, 0x01, 0x12, 0x00, 0x22, 0x04])
#: Summary.Value.metadata = 9 holding SummaryMetadata{plugin_data{plugin_name: "scalars"}}.
_SCALARS_METADATA = bytes([0x4A, 0x0B, 0x0A, 0x09, 0x0A, 0x07]) + SCALARS_PLUGIN.encode()

#: Bytes from the end of the tag to the end of the record, per accepted ending.
SIMPLE_TAIL = 1 + 4
_TENSOR_TAIL = len(_SCALAR_TENSOR_PREFIX) + 4
_TENSOR_METADATA_TAIL = _TENSOR_TAIL + len(_SCALARS_METADATA)


_CONTINUATION_BITS = np.uint64(0x8080808080808080)
_PAYLOAD_BITS = np.uint64(0x7F7F7F7F7F7F7F7F)
#: (keep, shift down) masks that merge 7-bit groups pairwise: bytes -> 14-bit, -> 28-bit, -> 56-bit fields.
_PACK_MASKS = (
    (np.uint64(0x007F007F007F007F), np.uint64(0x7F007F007F007F00)),
    (np.uint64(0x00003FFF00003FFF), np.uint64(0x3FFF00003FFF0000)),
    (np.uint64(0x000000000FFFFFFF), np.uint64(0x0FFFFFFF00000000)),
)


def _word(pattern: bytes) -> np.uint64:
    """Return 8 bytes as the little-endian uint64 the fast path compares against."""
    word: np.uint64 = np.frombuffer(pattern, dtype="<u8")[0]
    return word


#: The summary, value and tag keys with their one-byte lengths: ``2a n1 0a n2 0a tl``.
#: Bytes 0, 2 and 4 are fixed; bytes 1, 3 and 5 are lengths below 128.
_KEYS_MASK = _word(bytes([0xFF, 0x80, 0xFF, 0x80, 0xFF, 0x80, 0, 0]))
_KEYS_WANTED = _word(bytes([_SUMMARY_KEY, 0, _VALUE_KEY, 0, _TAG_KEY, 0, 0, 0]))
_TENSOR_PREFIX_WORD = _word(_SCALAR_TENSOR_PREFIX)
#: The 13 metadata bytes, compared as two overlapping words (bytes 0-7 and 5-12).
_METADATA_HEAD_WORD = _word(_SCALARS_METADATA[:8])
_METADATA_TAIL_WORD = _word(_SCALARS_METADATA[-8:])

#: Odd 64-bit constants for mixing the tag fingerprint (any odd constants work; the
#: fingerprint only groups records, every member is then compared with its group's first).
_MIX_FIRST = np.uint64(0x9E3779B97F4A7C15)
_MIX_LAST = np.uint64(0xC2B2AE3D27D4EB4F)

_SUMMARY_KINDS = {
    "histo": "histogram",
    "image": "image",
    "audio": "audio",
    "obsolete_old_style_histogram": "old-style histogram",
}


@dataclass(frozen=True)
class _NumericDtype:
    """How a rank-0 tensor of one DataType holds its number."""

    content: np.dtype[Any]  # little-endian layout in tensor_content
    values_field: str  # typed value list used when tensor_content is empty
    bfloat16: bool = False


_NUMERIC_DTYPES = {
    types_pb2.DT_FLOAT: _NumericDtype(np.dtype("<f4"), "float_val"),
    types_pb2.DT_DOUBLE: _NumericDtype(np.dtype("<f8"), "double_val"),
    types_pb2.DT_HALF: _NumericDtype(np.dtype("<f2"), "half_val"),
    types_pb2.DT_BFLOAT16: _NumericDtype(np.dtype("<u2"), "half_val", bfloat16=True),
    types_pb2.DT_INT8: _NumericDtype(np.dtype("i1"), "int_val"),
    types_pb2.DT_UINT8: _NumericDtype(np.dtype("u1"), "int_val"),
    types_pb2.DT_INT16: _NumericDtype(np.dtype("<i2"), "int_val"),
    types_pb2.DT_UINT16: _NumericDtype(np.dtype("<u2"), "int_val"),
    types_pb2.DT_INT32: _NumericDtype(np.dtype("<i4"), "int_val"),
    types_pb2.DT_UINT32: _NumericDtype(np.dtype("<u4"), "uint32_val"),
    types_pb2.DT_INT64: _NumericDtype(np.dtype("<i8"), "int64_val"),
    types_pb2.DT_UINT64: _NumericDtype(np.dtype("<u8"), "uint64_val"),
    types_pb2.DT_BOOL: _NumericDtype(np.dtype("?"), "bool_val"),
}


def first_wall_time(handle: BinaryIO, size: int) -> float | None:
    """Wall time of the first event, or None when the file does not start with an intact event."""
    head = handle.read(tfrecord.HEADER_BYTES)
    if len(head) < tfrecord.HEADER_BYTES or not tfrecord.looks_like_tfrecord(head):
        return None
    (length,) = struct.unpack_from("<Q", head)
    if length > min(size - tfrecord.OVERHEAD_BYTES, 2**20):
        return None
    try:
        event = event_pb2.Event.FromString(handle.read(length))
    except DecodeError:
        return None
    return float(event.wall_time)


# ---------------------------------------------------------------------------
# Blocks of records
# ---------------------------------------------------------------------------


@dataclass
class _Decoded:
    """Points decoded from some records of a block, in record order."""

    tag: np.ndarray
    kind: np.ndarray
    position: np.ndarray
    step: np.ndarray
    wall: np.ndarray
    value: np.ndarray


def decode_block(
    block: tfrecord.RecordBlock, order: int, options: ReadOptions, result: FileResult, run: RunState
) -> None:
    """Decode one block: the fast layouts with NumPy, every other record with protobuf."""
    if len(block) == 0:
        return
    result.records += len(block)
    fast, unmatched = _decode_fast(block, order, result, run)
    slow = _decode_slow(block, unmatched, order, options, result, run)
    pieces = [piece for piece in (fast, slow) if piece is not None and len(piece.tag)]
    if not pieces:
        return
    if len(pieces) == 2:
        merged = {name: np.concatenate([getattr(p, name) for p in pieces]) for name in result.columns}
        by_record = np.argsort(merged["position"], kind="stable")
        for name, column in merged.items():
            result.columns[name].append(column[by_record])
    else:
        for name in result.columns:
            result.columns[name].append(getattr(pieces[0], name))


def _varints(words: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decode the varint at the start of each little-endian uint64 (at most 8 bytes long).

    Returns the values, their sizes in bytes and whether each word holds a
    complete varint. Works on all words at once: the size comes from the first
    byte without a continuation bit, and the 7-bit groups below it are packed
    together by three shift-and-merge rounds.
    """
    stops = ~words & _CONTINUATION_BITS
    complete = stops != 0
    lowest = stops & (~stops + np.uint64(1))  # isolate the lowest stop bit (bit 8k + 7)
    size = ((np.bitwise_count(lowest - np.uint64(1)) + 1) // 8).astype(np.int64)  # trailing zeros -> k + 1
    below = np.where(
        size >= 8, ~np.uint64(0), (np.uint64(1) << (8 * np.minimum(size, 7)).astype(np.uint64)) - 1
    )
    groups = words & below & _PAYLOAD_BITS
    groups = (groups & _PACK_MASKS[0][0]) | ((groups & _PACK_MASKS[0][1]) >> np.uint64(1))
    groups = (groups & _PACK_MASKS[1][0]) | ((groups & _PACK_MASKS[1][1]) >> np.uint64(2))
    groups = (groups & _PACK_MASKS[2][0]) | ((groups & _PACK_MASKS[2][1]) >> np.uint64(4))
    return groups, size, complete


def _decode_fast(
    block: tfrecord.RecordBlock, order: int, result: FileResult, run: RunState
) -> tuple[_Decoded | None, np.ndarray]:
    """Decode the records of the two dominant layouts; return them and the indices of the rest.

    Layout (one-byte lengths, so each nested message is under 128 bytes)::

        09 <wall_time f64> [10 <step varint>] 2a <n1> 0a <n2> 0a <tag length> <tag>
        then 15 <f32>                                     simple_value
        or   42 0a 08 01 12 00 22 04 <f32> [metadata]     rank-0 DT_FLOAT tensor_content

    where n1 = n2 + 2 (the summary holds exactly one value) and the value
    ends exactly where the record ends. Every byte that is not a number or
    a tag is compared with the layout; every byte of the tag is compared
    with the tag of its group (:func:`_group_tags`).
    """
    reader = block.reader()
    begins = block.starts + tfrecord.HEADER_BYTES
    lengths = block.lengths
    ok = reader.u8(begins) == _WALL_TIME_KEY
    has_step = reader.u8(begins + 9) == _STEP_KEY
    step, step_size, step_complete = _varints(reader.u64(begins + 10))
    ok &= ~has_step | step_complete
    summary_at = np.where(has_step, 10 + step_size, 9)
    keys = reader.u64(begins + summary_at)
    ok &= (keys & _KEYS_MASK) == _KEYS_WANTED
    summary_length = ((keys >> np.uint64(8)) & np.uint64(0xFF)).astype(np.int64)
    value_length = ((keys >> np.uint64(24)) & np.uint64(0xFF)).astype(np.int64)
    tag_length = ((keys >> np.uint64(40)) & np.uint64(0xFF)).astype(np.int64)
    ok &= summary_length == lengths - summary_at - 2
    ok &= value_length == summary_length - 2
    tag_at = begins + summary_at + 6
    tail_at = tag_at + tag_length
    tail_length = begins + lengths - tail_at
    simple = _where_true(
        ok & (tail_length == SIMPLE_TAIL), lambda i: reader.u8(tail_at[i]) == SIMPLE_VALUE_KEY
    )
    tensor = _where_true(
        ok & ((tail_length == _TENSOR_TAIL) | (tail_length == _TENSOR_METADATA_TAIL)),
        lambda i: reader.u64(tail_at[i]) == _TENSOR_PREFIX_WORD,
    )
    with_metadata = _where_true(
        tensor & (tail_length == _TENSOR_METADATA_TAIL),
        lambda i: (
            (reader.u64(tail_at[i] + _TENSOR_TAIL) == _METADATA_HEAD_WORD)
            & (reader.u64(tail_at[i] + _TENSOR_METADATA_TAIL - 8) == _METADATA_TAIL_WORD)
        ),
    )
    tensor &= (tail_length == _TENSOR_TAIL) | with_metadata
    matched = simple | tensor
    groups, group_tags = _group_tags(reader, tag_at, tag_length, matched)
    matched &= groups >= 0
    chosen = np.flatnonzero(matched)
    unmatched = np.flatnonzero(~matched)
    if len(chosen) == 0:
        return None, unmatched

    file_ids = np.asarray([-1 if tag is None else result.tag_id(tag) for tag in group_tags], dtype=np.int32)
    tag = file_ids[groups[chosen]]
    is_simple = simple[chosen]
    value_at = tail_at[chosen] + np.where(is_simple, 1, len(_SCALAR_TENSOR_PREFIX))
    positions = block.base + block.starts[chosen]
    decoded = _Decoded(
        tag=tag,
        kind=np.where(is_simple, SIMPLE, TENSOR).astype(np.int8),
        position=positions,
        step=np.where(has_step[chosen], step[chosen], np.uint64(0)).astype(np.int64),
        wall=reader.u64(begins[chosen] + 1).view("<f8"),
        value=_widen(reader.u32(value_at).view("<f4")),
    )
    carrying = np.flatnonzero(with_metadata[chosen])
    if len(carrying):
        first_tags, first = np.unique(tag[carrying], return_index=True)
        for tag_id, index in zip(first_tags.tolist(), first.tolist(), strict=True):
            where = (order, int(positions[carrying[index]]))
            run.note_metadata(result.directory, result.tags[tag_id], where, SCALARS_PLUGIN)
    return decoded, unmatched


def _where_true(mask: np.ndarray, test: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Return ``mask`` narrowed by ``test``, which is evaluated only at the indices where ``mask`` holds.

    Checking a layout's bytes only on the records still in the running keeps
    a file with one layout from paying for the other.
    """
    narrowed = np.zeros(len(mask), dtype=bool)
    index = np.flatnonzero(mask)
    if len(index):
        narrowed[index] = test(index)
    return narrowed


def _group_tags(
    reader: tfrecord.ByteReader, tag_at: np.ndarray, tag_length: np.ndarray, candidates: np.ndarray
) -> tuple[np.ndarray, list[str | None]]:
    """Group candidate records by tag; return each record's group (-1: none) and each group's tag.

    Records are grouped by a fingerprint of (length, first 8 and last 8 tag
    bytes). Every member is then compared with a representative of its group
    (the fingerprint parts themselves, plus all the bytes in between for tags
    longer than 16), and members that differ are left out, as are tags that
    are not valid UTF-8 (protobuf rejects those). Left-out records go to the
    protobuf path, so a fingerprint collision costs time, never correctness.
    """
    groups = np.full(len(tag_at), -1, dtype=np.int64)
    index = np.flatnonzero(candidates)
    if len(index) == 0:
        return groups, []
    at = tag_at[index]
    length = tag_length[index]
    partial = (np.uint64(1) << (8 * np.minimum(length, 7)).astype(np.uint64)) - np.uint64(1)
    first = reader.u64(at) & np.where(length >= 8, ~np.uint64(0), partial)
    last = np.where(length > 8, reader.u64(at + length - 8), np.uint64(0))
    fingerprint = (first * _MIX_FIRST) ^ (last * _MIX_LAST) ^ length.astype(np.uint64)
    distinct, member_of = _factorize(fingerprint)
    leaders = np.empty(len(distinct), dtype=np.int64)
    leaders[member_of] = np.arange(len(member_of))  # any member will do as the representative
    leader = leaders[member_of]
    same = (length == length[leader]) & (first == first[leader]) & (last == last[leader])
    tags: list[str | None] = []
    members_of: _Members | None = None
    for group, lead in enumerate(leaders.tolist()):
        size = int(length[lead])
        raw = reader.bytes[int(at[lead]) : int(at[lead]) + size].tobytes()
        try:
            tags.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            tags.append(None)
        if tags[-1] is None or size > 16:
            members_of = members_of or _Members(member_of)
            members = members_of.of(group)
            if tags[-1] is None:
                same[members] = False
            else:
                same[members] &= _equal_bytes(reader, at[members], raw)
    groups[index[same]] = member_of[same]
    return groups, tags


def _equal_bytes(reader: tfrecord.ByteReader, at: np.ndarray, expected: bytes) -> np.ndarray:
    """Return whether the bytes at each offset in ``at`` equal ``expected``, a word at a time."""
    equal = np.ones(len(at), dtype=bool)
    padded = expected + bytes(-len(expected) % 8)
    for offset in range(0, len(expected), 8):
        width = min(8, len(expected) - offset)
        keep = ~np.uint64(0) if width == 8 else np.uint64((1 << (8 * width)) - 1)
        equal &= (reader.u64(at + offset) & keep) == _word(padded[offset : offset + 8])
    return equal


def _factorize(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct keys (sorted) and each key's index among them.

    Event files repeat a few tags many times, so the distinct keys are taken
    from a prefix and the rest are looked up by binary search; only keys not
    seen in the prefix cost a sort.
    """
    distinct = np.unique(keys[:1024])
    where = np.minimum(np.searchsorted(distinct, keys), len(distinct) - 1)
    missing = distinct[where] != keys
    if missing.any():
        distinct = np.union1d(distinct, keys[missing])
        where = np.searchsorted(distinct, keys)
    return distinct, where


class _Members:
    """The members of each group, from an array giving each item's group."""

    def __init__(self, group_of: np.ndarray) -> None:
        self._order = np.argsort(group_of, kind="stable")
        self._bounds = np.concatenate([[0], np.cumsum(np.bincount(group_of))])

    def of(self, group: int) -> np.ndarray:
        """Return the indices of the items in ``group``, ascending."""
        return self._order[self._bounds[group] : self._bounds[group + 1]]


def _decode_slow(
    block: tfrecord.RecordBlock,
    indices: Iterable[int],
    order: int,
    options: ReadOptions,
    result: FileResult,
    run: RunState,
) -> _Decoded | None:
    """Decode records one at a time with the protobuf classes."""
    sink = _PointSink()
    for index in np.asarray(indices).tolist():
        position = block.base + int(block.starts[index])
        try:
            event = event_pb2.Event.FromString(block.record(index))
        except DecodeError as exc:
            if not options.verify_data_crc and not block.data_crc_ok(index):
                result.report(
                    "data-crc-mismatch",
                    "record data fails its checksum and does not decode; the record is skipped",
                    position,
                )
            else:
                result.report(
                    "bad-record", f"record is not a valid Event ({exc}); the record is skipped", position
                )
            continue
        _decode_event(event, position, order, result, run, sink)
    return sink.decoded()


class _PointSink:
    """Points decoded one at a time, turned into arrays at the end."""

    def __init__(self) -> None:
        self.tag: list[int] = []
        self.kind: list[int] = []
        self.position: list[int] = []
        self.step: list[int] = []
        self.wall: list[float] = []
        self.value: list[float] = []

    def add(self, tag: int, kind: int, position: int, step: int, wall: float, value: float) -> None:
        """Append one point."""
        self.tag.append(tag)
        self.kind.append(kind)
        self.position.append(position)
        self.step.append(step)
        self.wall.append(wall)
        self.value.append(value)

    def decoded(self) -> _Decoded | None:
        """Return the points as arrays (None if there are none)."""
        if not self.tag:
            return None
        return _Decoded(
            tag=np.asarray(self.tag, dtype=np.int32),
            kind=np.asarray(self.kind, dtype=np.int8),
            position=np.asarray(self.position, dtype=np.int64),
            step=np.asarray(self.step, dtype=np.int64),
            wall=np.asarray(self.wall, dtype=np.float64),
            value=np.asarray(self.value, dtype=np.float64),
        )


def _decode_event(
    event: event_pb2.Event, position: int, order: int, result: FileResult, run: RunState, sink: _PointSink
) -> None:
    """Collect the scalar candidates and the facts of one Event."""
    what = event.WhichOneof("what")
    if what == "file_version":
        if result.file_version is None:
            result.file_version = event.file_version
        return
    if what != "summary":
        if what == "session_log":
            what = f"session_log/{_session_status(event.session_log.status)}"
        result.other_events[what or "empty"] += 1
        return
    for value in event.summary.value:
        if value.HasField("metadata"):
            run.note_metadata(
                result.directory, value.tag, (order, position), value.metadata.plugin_data.plugin_name
            )
            if value.metadata.plugin_data.plugin_name == hparams.PLUGIN_NAME:
                hparams.collect(value.metadata.plugin_data.content, result.hparams)
        kind = value.WhichOneof("value")
        if kind == "simple_value":
            sink.add(
                result.tag_id(value.tag), SIMPLE, position, event.step, event.wall_time, value.simple_value
            )
        elif kind == "tensor":
            tag = value.tag or value.node_name  # very old tensor summaries name themselves by node
            number = _tensor_scalar(value.tensor)
            if number is None:
                result.non_scalar_tensors[tag] += 1
                result.tag_id(tag)
            else:
                sink.add(result.tag_id(tag), TENSOR, position, event.step, event.wall_time, number)
        else:
            result.skipped[_SUMMARY_KINDS.get(kind or "", "empty value")] += 1


def _session_status(status: int) -> str:
    """The name of a ``SessionLog`` status, also for a number the proto does not define.

    Proto3 enums are open: a damaged or newer file can hold any int32 there,
    and ``Name`` raises ValueError on one it does not know.
    """
    names = event_pb2.SessionLog.SessionStatus
    return names.Name(status) if status in names.values() else f"UNKNOWN_{status}"


def _tensor_scalar(tensor: tensor_pb2.TensorProto) -> float | None:
    """Return the number held by a rank-0 numeric tensor, or None if it is not one.

    Follows ``make_ndarray``: ``tensor_content`` if present (exactly one
    element), else the typed value list (one element, or none meaning zero).
    """
    shape = tensor.tensor_shape
    dtype = _NUMERIC_DTYPES.get(tensor.dtype)
    if dtype is None or shape.unknown_rank or len(shape.dim):
        return None
    if tensor.tensor_content:
        if len(tensor.tensor_content) != dtype.content.itemsize:
            return None
        return _element(np.frombuffer(tensor.tensor_content, dtype=dtype.content), dtype)
    values = getattr(tensor, dtype.values_field)
    if len(values) == 0:
        return 0.0
    if len(values) != 1:
        return None
    if dtype.values_field == "half_val":  # the 16-bit pattern, stored in an int32
        return _element(np.asarray([values[0] & 0xFFFF], dtype=np.uint16).view(dtype.content), dtype)
    return float(values[0])


def _element(array: np.ndarray, dtype: _NumericDtype) -> float:
    """Return the one element of ``array`` as a float; bfloat16 is the top half of a float32."""
    if dtype.bfloat16:
        array = (array.astype(np.uint32) << np.uint32(16)).view(np.float32)
    return float(array[0])


# ---------------------------------------------------------------------------
# From candidates to series
# ---------------------------------------------------------------------------


def _widen(values: np.ndarray) -> np.ndarray:
    """float32 values as float64, exactly; a signalling-NaN bit pattern (fuzzed or corrupt data) is a NaN.

    NumPy warns when it widens a signalling NaN, and the warning would reach
    the user's terminal for what is just a non-finite value in a log.
    """
    with np.errstate(invalid="ignore"):
        widened: np.ndarray = values.astype(np.float64)
    return widened
