"""Write TensorBoard event files byte by byte, for tests.

Events are built with the protobuf classes shipped in ``tensorboard`` and
framed here, independently of the reader under test (its CRC helpers are not
used). For encodings protobuf would never produce itself (unpacked repeated
values), :func:`raw_value` assembles a ``Summary.Value`` from wire-format
pieces.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from pathlib import Path

import google_crc32c
from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2

FILE_VERSION = "brain.Event:2"


def masked_crc(data: bytes) -> int:
    """Return the TFRecord checksum of ``data``: CRC-32C, rotated right 15 bits, plus 0xA282EAD8."""
    crc = google_crc32c.value(data)
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def frame(data: bytes) -> bytes:
    """Return ``data`` framed as one TFRecord: length, length CRC, data, data CRC."""
    length = struct.pack("<Q", len(data))
    return length + struct.pack("<I", masked_crc(length)) + data + struct.pack("<I", masked_crc(data))


def write_records(path: Path, records: Iterable[bytes | event_pb2.Event]) -> list[int]:
    """Write each record (an Event or raw data bytes) framed; return each record's byte offset."""
    path.parent.mkdir(parents=True, exist_ok=True)
    offsets = []
    chunks = []
    position = 0
    for record in records:
        data = record if isinstance(record, bytes) else record.SerializeToString()
        offsets.append(position)
        chunks.append(frame(data))
        position += len(chunks[-1])
    path.write_bytes(b"".join(chunks))
    return offsets


def header(wall_time: float = 1_700_000_000.0) -> event_pb2.Event:
    """Return the first event every writer puts in a file."""
    return event_pb2.Event(wall_time=wall_time, file_version=FILE_VERSION)


def scalars_metadata() -> summary_pb2.SummaryMetadata:
    """Return the metadata TF2 attaches to a scalar summary."""
    metadata = summary_pb2.SummaryMetadata()
    metadata.plugin_data.plugin_name = "scalars"
    return metadata


def plugin_metadata(plugin: str) -> summary_pb2.SummaryMetadata:
    """Return metadata naming ``plugin``."""
    metadata = summary_pb2.SummaryMetadata()
    metadata.plugin_data.plugin_name = plugin
    return metadata


def event(step: int, wall_time: float, *values: summary_pb2.Summary.Value) -> event_pb2.Event:
    """Return an Event carrying ``values`` in its summary."""
    return event_pb2.Event(wall_time=wall_time, step=step, summary=summary_pb2.Summary(value=list(values)))


def simple(
    tag: str, value: float, metadata: summary_pb2.SummaryMetadata | None = None
) -> summary_pb2.Summary.Value:
    """Return a PyTorch/tensorboardX style value: ``simple_value`` (float32)."""
    out = summary_pb2.Summary.Value(tag=tag, simple_value=value)
    if metadata is not None:
        out.metadata.CopyFrom(metadata)
    return out


def tensor(
    tag: str, proto: tensor_pb2.TensorProto, metadata: summary_pb2.SummaryMetadata | None = None
) -> summary_pb2.Summary.Value:
    """Return a TF2 style value holding the tensor ``proto``."""
    out = summary_pb2.Summary.Value(tag=tag, tensor=proto)
    if metadata is not None:
        out.metadata.CopyFrom(metadata)
    return out


def content_tensor(dtype: int, content: bytes, dims: tuple[int, ...] = ()) -> tensor_pb2.TensorProto:
    """Return a tensor whose values are raw little-endian bytes in ``tensor_content``."""
    shape = tensor_shape_pb2.TensorShapeProto(
        dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=d) for d in dims]
    )
    return tensor_pb2.TensorProto(dtype=dtype, tensor_shape=shape, tensor_content=content)


def float_tensor(value: float) -> tensor_pb2.TensorProto:
    """Return what ``tf.summary.scalar`` writes: a rank-0 DT_FLOAT with 4 bytes of tensor_content."""
    return content_tensor(types_pb2.DT_FLOAT, struct.pack("<f", value))


def list_tensor(
    dtype: int, field: str, values: list[float | int], dims: tuple[int, ...] = ()
) -> tensor_pb2.TensorProto:
    """Return a tensor whose values are in the typed list ``field`` (serialised packed)."""
    proto = content_tensor(dtype, b"", dims)
    getattr(proto, field).extend(values)
    return proto


def string_tensor(text: bytes) -> tensor_pb2.TensorProto:
    """Return a rank-0 DT_STRING tensor, as Keras writes its model config."""
    proto = content_tensor(types_pb2.DT_STRING, b"")
    proto.string_val.append(text)
    return proto


def histogram(tag: str) -> summary_pb2.Summary.Value:
    """Return a TF1/PyTorch histogram value."""
    histo = summary_pb2.HistogramProto(min=0.0, max=1.0, num=2, sum=1.0, sum_squares=1.0)
    histo.bucket_limit.extend([0.5, 1.0])
    histo.bucket.extend([1.0, 1.0])
    return summary_pb2.Summary.Value(tag=tag, histo=histo)


def image(tag: str) -> summary_pb2.Summary.Value:
    """Return an image value."""
    return summary_pb2.Summary.Value(
        tag=tag,
        image=summary_pb2.Summary.Image(height=1, width=1, colorspace=3, encoded_image_string=b"\x89PNG"),
    )


# ---------------------------------------------------------------------------
# Wire-format pieces, for encodings protobuf does not produce on its own
# ---------------------------------------------------------------------------


def varint(number: int) -> bytes:
    """Return ``number`` (non-negative, or int64 two's complement) as a protobuf varint."""
    number &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = number & 0x7F
        number >>= 7
        if number:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number: int, wire_type: int, payload: bytes) -> bytes:
    """Return one field: key, then (for length-delimited fields) the length, then ``payload``."""
    key = varint((number << 3) | wire_type)
    if wire_type == 2:
        return key + varint(len(payload)) + payload
    return key + payload


def unpacked(number: int, wire_type: int, payloads: list[bytes]) -> bytes:
    """Return a repeated field written unpacked: one key per element."""
    return b"".join(field(number, wire_type, payload) for payload in payloads)


def raw_value(tag: str, tensor_bytes: bytes, metadata: summary_pb2.SummaryMetadata | None = None) -> bytes:
    """Return a serialised ``Summary.Value`` whose tensor (field 8) is ``tensor_bytes`` as given."""
    out = field(1, 2, tag.encode()) + field(8, 2, tensor_bytes)
    if metadata is not None:
        out += field(9, 2, metadata.SerializeToString())
    return out


def raw_event(step: int, wall_time: float, *value_bytes: bytes) -> bytes:
    """Return a serialised Event whose summary holds the already serialised values."""
    summary = b"".join(field(1, 2, value) for value in value_bytes)
    return field(1, 1, struct.pack("<d", wall_time)) + field(2, 0, varint(step)) + field(5, 2, summary)
