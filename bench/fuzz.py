"""Mutation fuzzer for every reader and the full ``check``: counts outcomes, fails on crash/hang/memory.

Seeds are the logs in ``fixtures/``, ``../shared/corpus`` and
``../shared/real-logs`` (read only; each case is written to a private temp
directory). Each case is built from ``(seed, family, index)`` alone, so a
failing case is reproduced with ``--family F --only INDEX``.

Mutations (chosen per case, sometimes stacked):

* every family: bit flips, byte inserts/deletes, truncation at a random byte,
  duplicated and shuffled chunks, wrong encodings (UTF-16, Latin-1) and BOMs,
  NUL bytes, random bytes under a valid name, an empty file, splicing two seeds;
* TensorBoard: truncation at every record boundary and inside records, huge
  length fields (with a valid length checksum), duplicated/shuffled records,
  valid framing around garbage protobuf payloads, events built with unknown
  enum values, NaN/Inf/1e308/-0/huge and negative steps, thousands of tags,
  huge tags;
* CSV: truncation at line boundaries and inside lines, duplicated/shuffled
  lines, odd numbers in cells, 10,000-column rows, 10 MB lines, a very long
  column name, other delimiters;
* JSON (Keras history, HF trainer state, JSON Lines): odd numbers (``1e400``,
  5,000-digit integers, ``NaN``, ``-0``), wrong types, duplicate keys, JSON
  nested 100,000 deep, truncation, line mutations for JSON Lines.

Each case runs, in a worker process: every reader of
:data:`loganalyzer.ingest.READERS` sniffs it and reads it when it accepts it (and
one case in ten is read by every reader whatever its sniffer said, as every case
of ``--only`` and of the test suite is),
then ``check``'s pipeline (:func:`loganalyzer.api.analyze`) rendered in every
``--format``, and ``inspect``'s inventory (text and JSON). Outcomes:

``ok``           read and analysed, no diagnostics;
``diagnostic``   read with diagnostics (damage reported, the rest kept);
``input-error``  a clean :class:`~loganalyzer.errors.InputError` (exit 2 in the CLI);
``crash``        any other exception (a bug);
``hang``         the case did not finish within ``--timeout`` seconds (the
                 parent's watchdog kills the worker);
``memory``       ``MemoryError`` under the worker's address-space limit
                 (``--memory-mb`` above its size after imports).

The exit status is 1 when any case crashed, hung or ran out of memory.

Usage::

    python bench/fuzz.py                          # 20,000 cases per family, seed 0
    python bench/fuzz.py --cases 500 --seed 7 --jobs 2
    python bench/fuzz.py --family csv --only 1234 # replay one case, with its traceback
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import random
import resource
import shutil
import struct
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TextIO
from xml.etree import ElementTree

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_read import frame, masked_crc  # the TFRecord framing the other benchmarks use

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEED_DIRS = (ROOT / "fixtures", SHARED / "corpus", SHARED / "real-logs")
FAMILIES = ("tensorboard", "csv", "json")
OUTCOMES = ("ok", "diagnostic", "input-error", "crash", "hang", "memory")
BAD_OUTCOMES = ("crash", "hang", "memory")

Case = tuple[str, bytes]  # (file name, content)


# ---------------------------------------------------------------------------
# Seeds
# ---------------------------------------------------------------------------


def family_of(path: Path) -> str | None:
    """The reader family a seed file belongs to, judged from its name."""
    name = path.name
    if "tfevents" in name:
        return "tensorboard"
    if name.endswith((".csv", ".log")):
        return "csv"
    if name.endswith((".json", ".jsonl")) and name != "labels.json":
        return "json"
    return None


def load_seeds(dirs: tuple[Path, ...] = SEED_DIRS) -> dict[str, list[Case]]:
    """Every seed file by family, sorted by path so case numbers are stable."""
    seeds: dict[str, list[Case]] = {family: [] for family in FAMILIES}
    for root in dirs:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            family = family_of(path)
            if family is not None and path.is_file() and path.stat().st_size <= 4_000_000:
                seeds[family].append((path.name, path.read_bytes()))
    return seeds


# ---------------------------------------------------------------------------
# Mutations shared by all families
# ---------------------------------------------------------------------------

ODD_NUMBERS = (
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "inf",
    "-inf",
    "1e308",
    "-1e308",
    "1e400",
    "-1e400",
    "-0",
    "-0.0",
    "0",
    "9" * 5000,
    "-" + "9" * 400,
    "18446744073709551617",
    "-9223372036854775809",
    "1e-400",
    "4.9e-324",
    "0x1F",
    "1_000",
    "",
    "null",
    "true",
    '"0.5"',
    "[1, 2]",
    "{}",
)


def bit_flips(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 4, 16))):
        if out:
            at = rng.randrange(len(out))
            out[at] ^= 1 << rng.randrange(8)
    return bytes(out)


def byte_insert(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    filler = rng.choice(
        (b"\x00", b"\xff", b"\n", b",", b'"', b"{", b"[", b"\r", rng.randbytes(rng.randrange(1, 9)))
    )
    return data[:at] + filler * rng.choice((1, 1, 3, 100)) + data[at:]


def byte_delete(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return data
    at = rng.randrange(len(data))
    return data[:at] + data[at + rng.choice((1, 1, 2, 8, 64)) :]


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def duplicate_chunk(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return data
    start = rng.randrange(len(data))
    chunk = data[start : start + rng.choice((8, 64, 512, 4096))]
    at = rng.randrange(len(data) + 1)
    return data[:at] + chunk * rng.choice((1, 2, 10)) + data[at:]


def shuffle_chunks(rng: random.Random, data: bytes) -> bytes:
    size = rng.choice((16, 64, 256))
    chunks = [data[i : i + size] for i in range(0, len(data), size)]
    rng.shuffle(chunks)
    return b"".join(chunks)


def reencode(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", errors="replace")
    choice = rng.randrange(5)
    if choice == 0:
        return text.encode("utf-16")
    if choice == 1:
        return text.encode("utf-16-le")
    if choice == 2:
        return b"\xef\xbb\xbf" + data
    if choice == 3:
        return b"\xef\xbb\xbf\xef\xbb\xbf" + data
    return text.encode("latin-1", errors="replace").replace(b"_", b"\xe9")


def nul_bytes(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + b"\x00" * rng.choice((1, 100)) + data[at:]


def random_bytes(rng: random.Random, data: bytes) -> bytes:
    return rng.randbytes(rng.choice((0, 1, 7, 100, 5000)))


def empty(rng: random.Random, data: bytes) -> bytes:
    return b"" if rng.random() < 0.5 else rng.choice((b"\n", b" ", b"\r\n", b"\xef\xbb\xbf"))


GENERIC: tuple[Callable[[random.Random, bytes], bytes], ...] = (
    bit_flips,
    byte_insert,
    byte_delete,
    truncate,
    duplicate_chunk,
    shuffle_chunks,
    reencode,
    nul_bytes,
    random_bytes,
    empty,
)


# ---------------------------------------------------------------------------
# TensorBoard
# ---------------------------------------------------------------------------


def split_records(data: bytes) -> list[bytes]:
    """Cut a TFRecord file into its framed records (the rest, if any, as a last piece)."""
    records = []
    at = 0
    while at + 12 <= len(data):
        (length,) = struct.unpack_from("<Q", data, at)
        end = at + 16 + length
        if length > len(data) or end > len(data):
            break
        records.append(data[at:end])
        at = end
    if at < len(data):
        records.append(data[at:])
    return records


def _payload(record: bytes) -> bytes:
    return record[12:-4] if len(record) >= 16 else b""


def tb_truncate_boundary(rng: random.Random, data: bytes) -> bytes:
    records = split_records(data)
    keep = rng.randrange(len(records) + 1)
    cut = b"".join(records[:keep])
    if rng.random() < 0.5 and keep < len(records):
        cut += records[keep][: rng.randrange(len(records[keep]) + 1)]  # inside the next record
    return cut


def tb_huge_length(rng: random.Random, data: bytes) -> bytes:
    records = split_records(data)
    if not records:
        return data
    at = rng.randrange(len(records))
    length = rng.choice((2**63 - 1, 2**64 - 1, 2**40, 2**31, len(data) + 1, 0))
    packed = struct.pack("<Q", length)
    bad = packed + struct.pack("<I", masked_crc(packed)) + records[at][12:]
    return b"".join(records[:at]) + bad + b"".join(records[at + 1 :])


def tb_duplicate_records(rng: random.Random, data: bytes) -> bytes:
    records = split_records(data)
    if not records:
        return data
    at = rng.randrange(len(records))
    return b"".join(records[:at] + [records[at]] * rng.choice((2, 3, 50)) + records[at:])


def tb_shuffle_records(rng: random.Random, data: bytes) -> bytes:
    records = split_records(data)
    rng.shuffle(records)
    return b"".join(records)


def tb_garbage_payload(rng: random.Random, data: bytes) -> bytes:
    """Valid framing (both checksums right) around a payload that is not a valid Event."""
    records = split_records(data)
    garbage = [frame(rng.randbytes(rng.choice((0, 1, 5, 40, 300)))) for _ in range(rng.choice((1, 3, 20)))]
    if records and rng.random() < 0.6:
        at = rng.randrange(len(records))
        payload = bytearray(_payload(records[at]))
        for _ in range(rng.choice((1, 3, 10))):
            if payload:
                payload[rng.randrange(len(payload))] = rng.randrange(256)
        garbage.append(frame(bytes(payload)))
    at = rng.randrange(len(records) + 1)
    return b"".join(records[:at] + garbage + records[at:])


def _event_pb2() -> tuple[object, object, object, object]:
    from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, types_pb2

    return event_pb2, summary_pb2, tensor_pb2, types_pb2


#: Tag and column names that once made naming slow (separator runs) or could break output.
LONG_NAMES = ("x" * 100_000, "_" * 20_000, "a_" * 20_000, "val" + "_" * 20_000 + "x", "- " * 20_000 + "loss")
ODD_NAMES = (
    "\x1b[2J",
    "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07",
    "::add-mask::loss",
    "loss%0A::error::x",
    "a|b`c\nd",
    "=cmd|'/c calc'!A1",
    "]]>&<\x00\x01\ufffe",
    "\u202eval_loss",
    "",
    "val/",
    "/",
)

ODD_FLOATS = (math.nan, math.inf, -math.inf, 1e308, -1e308, -0.0, 0.0, 5e-324, 3.4e38, 1.0)
ODD_STEPS = (0, -1, -(2**63), 2**63 - 1, 2**53 + 1, 7, 1_000_000_000_000)


def tb_events(rng: random.Random, data: bytes) -> bytes:
    """A synthetic event file: odd values, odd steps, unknown enums, many or huge tags."""
    event_pb2, _summary_pb2, _tensor_pb2, _types_pb2 = _event_pb2()
    Event = event_pb2.Event  # type: ignore[attr-defined]
    records = [frame(Event(wall_time=1.7e9, file_version="brain.Event:2").SerializeToString())]
    tags = rng.choice((1, 3, 50, 3000, 20000))
    count = rng.choice((5, 50, 300)) if tags < 1000 else tags
    huge_tag = rng.choice(LONG_NAMES) if rng.random() < 0.1 and count < 1000 else None
    for i in range(count):
        event = Event(
            wall_time=rng.choice((1.7e9 + i, math.nan, -1.0, 1e308, math.inf)),
            step=rng.choice(ODD_STEPS) if rng.random() < 0.2 else i,
        )
        tag = huge_tag or rng.choice(
            (f"tag_{i % tags}", f"loss/{i % tags}", "val_loss", "train/loss", *ODD_NAMES)
        )
        value = event.summary.value.add(tag=tag)
        kind = rng.randrange(6)
        number = rng.choice(ODD_FLOATS) if rng.random() < 0.5 else rng.random()
        if kind <= 1:
            value.simple_value = number
        elif kind == 2:
            value.metadata.plugin_data.plugin_name = rng.choice(("scalars", "histograms", "text", ""))
            value.tensor.dtype = rng.choice((1, 2, 3, 9, 10, 14, 19, 999, -5, 2**31 - 1))
            value.tensor.tensor_content = struct.pack("<d", number)[: rng.choice((0, 2, 4, 8))]
        elif kind == 3:
            value.metadata.plugin_data.plugin_name = "scalars"
            value.metadata.data_class = rng.choice((0, 1, 2, 3, 77, -1))
            value.tensor.dtype = rng.choice((1, 2, 19, 14, 7, 999))
            value.tensor.float_val.append(number)
            value.tensor.double_val.append(number)
            value.tensor.int64_val.append(rng.choice(ODD_STEPS))
            if rng.random() < 0.3:
                value.tensor.tensor_shape.dim.add(size=rng.choice((1, 2, -1, 2**40)))
        elif kind == 4:
            event.ClearField("summary")
            event.session_log.status = rng.choice((0, 1, 2, 3, 42, -7))
        else:
            event.ClearField("summary")
            event.log_message.level = rng.choice((0, 10, 99, -3))
            event.log_message.message = "m"
        try:
            records.append(frame(event.SerializeToString()))
        except Exception:  # a value protobuf itself refuses to encode: not a file anyone can write
            continue
    return b"".join(records)


TENSORBOARD: tuple[Callable[[random.Random, bytes], bytes], ...] = (
    tb_truncate_boundary,
    tb_truncate_boundary,
    tb_huge_length,
    tb_duplicate_records,
    tb_shuffle_records,
    tb_garbage_payload,
    tb_garbage_payload,
    tb_events,
    tb_events,
)


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def csv_truncate_line(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    keep = rng.randrange(len(lines) + 1)
    cut = b"".join(lines[:keep])
    if rng.random() < 0.5 and keep < len(lines):
        cut += lines[keep][: rng.randrange(len(lines[keep]) + 1)]
    return cut


def csv_lines_shuffle(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    if rng.random() < 0.5:
        rng.shuffle(lines)
    else:
        at = rng.randrange(len(lines))
        lines[at:at] = [lines[at]] * rng.choice((1, 2, 30))
    return b"".join(lines)


def csv_odd_cells(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    for _ in range(rng.choice((1, 5, 50))):
        at = rng.randrange(len(lines))
        cells = lines[at].rstrip(b"\r\n").split(b",")
        cells[rng.randrange(len(cells))] = rng.choice(ODD_NUMBERS).encode()
        lines[at] = b",".join(cells) + b"\n"
    return b"".join(lines)


def csv_wide(rng: random.Random, data: bytes) -> bytes:
    columns = 10_000 if rng.random() < 0.2 else rng.choice((300, 3000))
    header = ",".join(
        rng.choice(("loss", "val_loss", "epoch", f"c{i}")) if i % 3 else f"c{i}" for i in range(columns)
    )
    rows = "\n".join(
        ",".join(str(rng.random()) for _ in range(columns)) for _ in range(rng.choice((1, 3, 10)))
    )
    return f"epoch,{header}\n{rows}\n".encode()


def csv_long_line(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    at = rng.randrange(len(lines) + 1)
    filler = rng.choice((b"1", b"a", b",", b'"', b"1,"))
    size = 10_000_000 if rng.random() < 0.3 else 1_500_000
    lines.insert(at, filler * (size // len(filler)) + b"\n")
    return b"".join(lines)


def csv_long_name(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    name = rng.choice((b"val_", b"loss", b"a,", b"x", b"_", b"a_", b"- ")) * rng.choice((5_000, 200_000))
    if rng.random() < 0.3:
        name = rng.choice(ODD_NAMES).encode("utf-8", errors="replace")
    lines[0] = lines[0].rstrip(b"\r\n") + b"," + name + b"\n"
    body = b"".join(lines)
    return body + body[: rng.randrange(len(body) + 1)] * rng.choice((1, 3))


def csv_delimiter(rng: random.Random, data: bytes) -> bytes:
    return data.replace(b",", rng.choice((b";", b"\t", b"|", b" ", b",,", b'","')))


def csv_many_rows(rng: random.Random, data: bytes) -> bytes:
    rows = rng.choice((2_000, 2_000, 20_000)) if rng.random() < 0.9 else 100_000
    body = "\n".join(f"{i},{rng.random()},{rng.random()}" for i in range(rows))
    return ("epoch,loss,val_loss\n" + body + "\n").encode()


CSV: tuple[Callable[[random.Random, bytes], bytes], ...] = (
    csv_truncate_line,
    csv_truncate_line,
    csv_lines_shuffle,
    csv_odd_cells,
    csv_odd_cells,
    csv_odd_cells,
    csv_wide,
    csv_long_line,
    csv_long_name,
    csv_delimiter,
    csv_many_rows,
)


# ---------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------


def _odd_json_value(rng: random.Random) -> str:
    return rng.choice((*ODD_NUMBERS, '"x"', '"1e999"', "[]", '[null, "a", {}]', '{"a": 1}', "false"))


def json_odd_values(rng: random.Random, data: bytes) -> bytes:
    """Replace numbers in the text with odd numbers and wrong types."""
    text = data.decode("utf-8", errors="replace")
    pieces = text.split(",")
    for _ in range(rng.choice((1, 5, 40))):
        at = rng.randrange(len(pieces))
        piece = pieces[at]
        colon = piece.rfind(":")
        if colon >= 0:
            tail = piece[colon + 1 :]
            closing = tail[len(tail.rstrip("]} \n")) :]
            pieces[at] = piece[: colon + 1] + " " + _odd_json_value(rng) + closing
        else:
            stripped = piece.lstrip(" [\n")
            pieces[at] = (
                piece[: len(piece) - len(stripped)]
                + _odd_json_value(rng)
                + stripped[len(stripped.rstrip("]}\n ")) :]
            )
    return ",".join(pieces).encode()


def json_deep(rng: random.Random, data: bytes) -> bytes:
    depth = rng.choice((1000, 100_000))
    opener, closer = rng.choice((("[", "]"), ('{"a":', "}"), ('{"loss":[', "]}")))
    inner = opener * depth + "1" + closer * (depth if rng.random() < 0.7 else depth // 2)
    text = data.decode("utf-8", errors="replace")
    choice = rng.randrange(3)
    if choice == 0:
        return inner.encode()
    if choice == 1 and "[" in text:
        at = text.index("[") + 1
        return (text[:at] + inner + "," + text[at:]).encode()
    return ('{"loss": [1, 2], "val_loss": [1, 2], "deep": ' + inner + "}\n").encode()


def json_duplicate_keys(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", errors="replace").rstrip()
    odd = json.dumps(rng.choice(ODD_NAMES + LONG_NAMES[1:3]))
    extra = rng.choice(
        (
            f"{odd}: [1, 2]",
            '"loss": [1]',
            '"loss": "x"',
            '"log_history": 5',
            '"val_loss": null',
            '"epoch": -1',
        )
    )
    if text.endswith("}"):
        return (text[:-1] + ", " + extra + "}").encode()
    return ("{" + extra + ", " + extra + "}").encode()


def json_wrong_types(rng: random.Random, data: bytes) -> bytes:
    return rng.choice(
        (
            b"[]",
            b"null",
            b"1",
            b'"loss"',
            b'{"loss": 1}',
            b'{"loss": {"a": 1}}',
            b'{"log_history": [1, "a", null, [], {"step": "x", "loss": []}]}',
            b'{"log_history": {"loss": 1}}',
            b'{"loss": [1, 2], "val_loss": [1]}',
            b'{"loss": [], "val_loss": []}',
            b'{"history": {"loss": [1e400, -1e400]}}',
            b'{"epoch": [0, 1], "loss": ["1", "2"]}',
            b'{"global_step": 1e999, "log_history": [{"step": 1e999, "loss": 1}]}',
            b'{"log_history": [{"step": -5, "loss": 1}, {"step": 99999999999999999999999, "loss": 2}]}',
        )
    )


def jsonl_lines(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    choice = rng.randrange(4)
    if choice == 0:
        rng.shuffle(lines)
    elif choice == 1:
        at = rng.randrange(len(lines))
        lines[at:at] = [lines[at]] * rng.choice((2, 100))
    elif choice == 2:
        at = rng.randrange(len(lines))
        lines[at] = json_odd_values(rng, lines[at])
    else:
        lines = [
            f'{{"step": {i}, "loss": {_odd_json_value(rng)}}}\n'.encode()
            for i in range(rng.choice((3, 5000)))
        ]
    return b"".join(lines)


def json_big_numbers(rng: random.Random, data: bytes) -> bytes:
    key = rng.choice(("loss", "val_loss", "accuracy"))
    values = ", ".join(rng.choice(ODD_NUMBERS[:20]) or "1" for _ in range(rng.choice((2, 20))))
    return (f'{{"{key}": [{values}], "loss_{key}": [1, 2]}}').encode()


JSON: tuple[Callable[[random.Random, bytes], bytes], ...] = (
    json_odd_values,
    json_odd_values,
    json_deep,
    json_duplicate_keys,
    json_wrong_types,
    jsonl_lines,
    json_big_numbers,
    csv_truncate_line,
)

FAMILY_MUTATORS = {"tensorboard": TENSORBOARD, "csv": CSV, "json": JSON}


def make_case(seeds: dict[str, list[Case]], family: str, seed: int, index: int) -> tuple[str, str, bytes]:
    """Case ``index`` of ``family``: (mutations applied, file name, content). Deterministic."""
    rng = random.Random(f"{seed}/{family}/{index}")
    name, data = rng.choice(seeds[family])
    applied = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        specific = FAMILY_MUTATORS[family]
        mutator = rng.choice(specific) if rng.random() < 0.6 else rng.choice(GENERIC)
        if mutator is shuffle_chunks and rng.random() < 0.5:
            _, other = rng.choice(seeds[family])
            data, mutator_name = data[: len(data) // 2] + other[len(other) // 2 :], "splice"
        else:
            data, mutator_name = mutator(rng, data), mutator.__name__
        applied.append(mutator_name)
        if len(data) > 40_000_000:
            data = data[:40_000_000]
    return "+".join(applied), name, data


# ---------------------------------------------------------------------------
# Running one case
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """What one case did."""

    outcome: str
    signature: str = ""
    detail: str = ""


def _signature(exc: BaseException) -> str:
    """Exception type and the innermost loganalyzer frame: one line per distinct bug."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "loganalyzer" in f.filename and "bench" not in f.filename]
    where = ours[-1] if ours else (frames[-1] if frames else None)
    place = f"{Path(where.filename).name}:{where.name}" if where else "?"
    return f"{type(exc).__name__} in {place}"


def run_case(path: Path, read_all: bool = True, html: bool = False) -> Result:
    """Every reader on ``path``, then check's pipeline and every renderer; outputs must parse.

    A warning that reaches the user (NumPy's "overflow encountered" on stderr)
    and a detector that crashed (contained by the engine as a rule error)
    count as crashes too: both are bugs the fuzzer exists to find.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = _run_case(path, read_all, html)
    if result.outcome in BAD_OUTCOMES or not caught:
        return result
    first = caught[0]
    return Result(
        "crash",
        f"{first.category.__name__} at {Path(first.filename).name}:{first.lineno}",
        str(first.message),
    )


def _run_case(path: Path, read_all: bool, html: bool) -> Result:
    from loganalyzer import api, ingest
    from loganalyzer.errors import InputError
    from loganalyzer.ingest.source import HEAD_BYTES, LogSource, ReadOptions
    from loganalyzer.report import REPORTERS, inventory
    from loganalyzer.report.options import DEFAULT_OPTIONS

    diagnosed = False
    try:
        with open(path, "rb") as handle:
            head = handle.read(HEAD_BYTES)
        # Every reader sniffs every case and the ones that accept it read it; with ``read_all``
        # every reader reads it whatever its sniffer said (wrong-format input must fail cleanly too).
        for reader in ingest.READERS.values():
            if not (reader.sniff(path, head) or read_all):
                continue
            source = LogSource(str(path), reader.FORMAT, (path,), (None,))
            try:
                parts = reader.read(source, ReadOptions())
            except InputError:
                continue
            diagnosed = diagnosed or any(part.diagnostics for part in parts)
        loaded = ingest.load_runs([path])
        inventory.render_text(loaded.runs, loaded.errors)
        _strict_json(inventory.render_json(loaded.runs, loaded.errors))
        analysis = api.analyze(list(loaded.runs))  # check's pipeline on what load_runs read
        # The HTML page (matplotlib charts) costs far more than the rest: only with --html.
        outputs = {
            name: render(analysis, DEFAULT_OPTIONS)
            for name, render in REPORTERS.items()
            if name != "html" or html
        }
        for name in ("json", "sarif", "gitlab"):
            _strict_json(outputs[name])
        ElementTree.fromstring(outputs["junit"])
    except MemoryError as exc:
        return Result("memory", _signature(exc))
    except Exception as exc:
        return Result("crash", _signature(exc), traceback.format_exc(limit=-6))
    if analysis.rule_errors:
        error = analysis.rule_errors[0]
        return Result(
            "crash", f"detector crash in rule {error.rule}: {error.message.split(':')[0]}", error.message
        )
    if loaded.errors:
        return Result("input-error")
    if diagnosed or any(run.diagnostics for run in loaded.runs):
        return Result("diagnostic")
    return Result("ok")


def _strict_json(text: str) -> None:
    """Parse ``text`` as strict JSON (no NaN/Infinity, which other tools reject)."""

    def refuse(token: str) -> None:
        raise ValueError(f"non-standard JSON token {token}")

    json.loads(text, parse_constant=refuse)


def _address_space() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _worker(conn: Connection, seeds: dict[str, list[Case]], seed: int, memory_mb: int, html: bool) -> None:
    """Run the cases the parent sends (family, index) and send back a Result each."""
    import loganalyzer.api
    import loganalyzer.ingest.tensorboard.events
    import loganalyzer.report  # noqa: F401

    limit = _address_space() + memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    workdir = Path(tempfile.mkdtemp(prefix="loganalyzer-fuzz-"))
    try:
        while True:
            try:
                job = conn.recv()
            except EOFError:  # the parent is gone
                return
            if job is None:
                return
            family, index = job
            _, name, data = make_case(seeds, family, seed, index)
            case_dir = workdir / f"{family}-{index}"
            case_dir.mkdir()
            path = case_dir / name
            path.write_bytes(data)
            del data
            # Every reader reads one case in ten; the HTML page is rendered for those with --html.
            result = run_case(path, read_all=index % 10 == 0, html=html and index % 10 == 0)
            shutil.rmtree(case_dir, ignore_errors=True)
            conn.send(result)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class _Slot:
    process: mp.process.BaseProcess
    conn: Connection
    job: tuple[str, int] | None = None
    deadline: float = 0.0


def fuzz(
    families: tuple[str, ...],
    cases: int,
    seed: int,
    jobs: int,
    timeout: float,
    memory_mb: int,
    html: bool = False,
) -> tuple[dict[str, Counter[str]], dict[str, Counter[str]], dict[str, tuple[str, int, str]]]:
    """Run ``cases`` cases per family over ``jobs`` workers with a per-case watchdog."""
    seeds = load_seeds()
    context = mp.get_context("fork")
    outcomes = {family: Counter[str]() for family in families}
    signatures = {family: Counter[str]() for family in families}
    examples: dict[str, tuple[str, int, str]] = {}
    pending: Iterator[tuple[str, int]] = iter([(f, i) for i in range(cases) for f in families])
    total = cases * len(families)
    done = 0
    started = time.monotonic()

    def spawn() -> _Slot:
        parent, child = context.Pipe()
        process = context.Process(target=_worker, args=(child, seeds, seed, memory_mb, html), daemon=True)
        process.start()
        child.close()
        return _Slot(process, parent)

    def feed(slot: _Slot) -> bool:
        job = next(pending, None)
        slot.job = job
        if job is None:
            slot.conn.send(None)
            return False
        slot.conn.send(job)
        slot.deadline = time.monotonic() + timeout
        return True

    def record(job: tuple[str, int], result: Result) -> None:
        nonlocal done
        family, index = job
        outcomes[family][result.outcome] += 1
        if result.outcome in BAD_OUTCOMES:
            signatures[family][result.signature] += 1
            examples.setdefault(result.signature, (family, index, result.detail))
        done += 1
        if done % 1000 == 0:
            rate = done / (time.monotonic() - started)
            print(f"  {done}/{total} cases, {rate:.0f}/s", file=sys.stderr, flush=True)
        if done % 6000 == 0:
            print_table(outcomes, file=sys.stderr)

    slots = [spawn() for _ in range(jobs)]
    busy = [slot for slot in slots if feed(slot)]
    while busy:
        now = time.monotonic()
        ready = wait([slot.conn for slot in busy], timeout=max(0.0, min(s.deadline for s in busy) - now))
        for slot in list(busy):
            assert slot.job is not None
            if slot.conn in ready:
                try:
                    result = slot.conn.recv()
                except EOFError:  # killed: the kernel's OOM killer, or a segfault
                    code = slot.process.exitcode
                    result = Result("memory" if code == -9 else "crash", f"worker died (exit {code})")
                    record(slot.job, result)
                    busy.remove(slot)
                    replacement = spawn()
                    if feed(replacement):
                        busy.append(replacement)
                    continue
                record(slot.job, result)
                if not feed(slot):
                    busy.remove(slot)
            elif time.monotonic() >= slot.deadline:
                family, index = slot.job
                slot.process.kill()
                slot.process.join()
                record(slot.job, Result("hang", f"hang ({family})", make_case(seeds, family, seed, index)[0]))
                busy.remove(slot)
                replacement = spawn()
                if feed(replacement):
                    busy.append(replacement)
    for slot in slots:
        slot.process.join(timeout=5)
    return outcomes, signatures, examples


def print_table(outcomes: dict[str, Counter[str]], file: TextIO = sys.stdout) -> None:
    print(f"{'family':<12} {'cases':>7} " + " ".join(f"{name:>11}" for name in OUTCOMES), file=file)
    for family, counts in outcomes.items():
        total = sum(counts.values())
        row = f"{family:<12} {total:>7} " + " ".join(f"{counts[name]:>11}" for name in OUTCOMES)
        print(row, file=file, flush=True)


def replay(family: str, index: int, seed: int, html: bool = False) -> int:
    """Run one case in this process and print what it did (with the traceback of a crash)."""
    seeds = load_seeds()
    mutations, name, data = make_case(seeds, family, seed, index)
    with tempfile.TemporaryDirectory(prefix="loganalyzer-fuzz-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        started = time.monotonic()
        result = run_case(path, html=html)
        seconds = time.monotonic() - started
    print(
        f"{family} #{index}: {mutations} on {name} ({len(data)} bytes): {result.outcome} in {seconds:.2f} s"
    )
    if result.detail:
        print(result.detail)
    return 1 if result.outcome in BAD_OUTCOMES else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000, help="cases per family (default 20,000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds per case before it counts as a hang"
    )
    parser.add_argument("--memory-mb", type=int, default=1024, help="address space a case may add (MiB)")
    parser.add_argument("--family", choices=FAMILIES, action="append", help="only these families")
    parser.add_argument("--html", action="store_true", help="also render the HTML page (1 case in 10)")
    parser.add_argument("--only", type=int, help="replay one case of --family in this process")
    args = parser.parse_args(argv)
    families = tuple(args.family or FAMILIES)
    if args.only is not None:
        return replay(families[0], args.only, args.seed, args.html)
    started = time.monotonic()
    outcomes, signatures, examples = fuzz(
        families, args.cases, args.seed, args.jobs, args.timeout, args.memory_mb, args.html
    )
    print(f"seed {args.seed}, {args.cases} cases per family, {time.monotonic() - started:.0f} s\n")
    print_table(outcomes)
    bad = {sig: count for counts in signatures.values() for sig, count in counts.items()}
    if bad:
        print("\nfailures (signature, cases, first case):")
        for sig, count in sorted(bad.items(), key=lambda item: -item[1]):
            family, index, _ = examples[sig]
            print(f"  {count:>6}  {sig}  (--family {family} --only {index})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
