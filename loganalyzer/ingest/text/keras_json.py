"""Reader for a Keras ``History`` saved as JSON, in the shapes people actually save it.

* ``json.dump(history.history)``: a dict of per-epoch lists, with Python's
  ``NaN``/``Infinity`` tokens and, when ``float32`` values forced
  ``default=str``, numbers written as strings. A key that first appears
  mid-training has a shorter list; Keras appends every key once per epoch, so
  lists are aligned on their last element (a diagnostic says so).
* a list of per-epoch dicts (also pandas ``to_json(orient="records")``);
* pandas ``to_json`` of a History DataFrame: ``columns`` (the default,
  ``{"loss": {"0": ...}}``), ``index`` (``{"0": {"loss": ...}}``) and ``split``
  (``{"columns", "index", "data"}``), where ``null`` is a missing value and the
  DataFrame index is the 0-based epoch;
* ``{"history": {...}, "epoch": [...], "params": {...}}``, the History object's
  attributes dumped together.

Epochs are the 0-based row order unless an ``epoch`` key (or the DataFrame
index) says otherwise. JSON has no useful line per epoch here, so points carry
no position.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from loganalyzer.errors import InputError
from loganalyzer.ingest.build import RunParts
from loganalyzer.ingest.source import LogSource, ReadOptions
from loganalyzer.ingest.text import outline, vocab
from loganalyzer.ingest.text.files import read_json
from loganalyzer.ingest.text.table import parse_number, table_from_records, to_run_parts
from loganalyzer.model.run import Diagnostic

FORMAT = "keras-json"

_SPLIT_ORIENT_KEYS = frozenset({"columns", "data"})


def sniff(path: Path, head: bytes) -> bool:
    """Recognise one JSON document in a History shape, holding a numeric loss or accuracy.

    The shape (a dict of numeric lists, a list of records, a pandas orient)
    already says "table"; a loss or accuracy name among the visible keys says
    "training history" rather than a grid-search config (``{"lr": [0.1, 0.01]}``).
    """
    if not outline.first_line_is_object(head):
        return False
    shape = outline.scan(outline.head_text(head))
    if shape.more_documents:
        return False  # several documents: JSON Lines
    if shape.top == "array":
        return _has_numeric_metric(shape.child_values.get("[0]", {}))
    if shape.top != "object" or not shape.keys or "log_history" in shape.keys:
        return False
    keys = shape.keys
    if keys.keys() >= _SPLIT_ORIENT_KEYS:
        return _names_history([str(item) for item in shape.child_items.get("columns", [])])
    if keys.get("history") == "object":
        history = shape.child_values.get("history", {})
        return any(vocab.is_loss_or_accuracy(key) and start == "[" for key, start in history.items())
    kinds = set(keys.values())
    if "array" in kinds:
        # A History, possibly saved with extra facts next to it (timestamps, class names, a test score).
        lists = [key for key, kind in keys.items() if kind == "array"]
        return any(
            vocab.is_loss_or_accuracy(key) and items and _numeric_item(items[0])
            for key in lists
            for items in [shape.child_items.get(key, [])]
        )
    if kinds == {"object"}:
        first = next(iter(keys))
        inner = shape.child_values.get(first, {})
        if all(_is_int_label(key) for key in keys):  # orient="index": {"0": {"loss": ...}}
            return _has_numeric_metric(inner)
        # orient="columns": {"loss": {"0": ...}}
        return bool(inner) and all(_is_int_label(k) for k in inner) and _names_history(list(keys))
    return False


def _names_history(names: list[str]) -> bool:
    """Whether column names are a History's: a loss or accuracy among them."""
    return any(vocab.is_loss_or_accuracy(name) for name in names)


def _has_numeric_metric(values: Mapping[str, object]) -> bool:
    """Whether a record (key -> start of its value) has a numeric loss or accuracy."""
    return any(vocab.is_loss_or_accuracy(key) and _numeric_item(value) for key, value in values.items())


def read(source: LogSource, options: ReadOptions) -> list[RunParts]:
    """Turn the History into rows (one per epoch) and hand them to the shared table code."""
    del options  # nothing to tune for this format
    path = source.paths[0]
    _, data = read_json(path, source.name)
    diagnostics: list[Diagnostic] = []
    metadata: dict[str, Any] = {}
    records, row_index = _records(data, source.name, str(path), diagnostics, metadata)
    table = table_from_records(
        records, source=str(path), diagnostics=diagnostics, row_index=row_index, rows_are_epochs=True
    )
    return to_run_parts(source, FORMAT, table, diagnostics=diagnostics, metadata=metadata)


def _records(
    data: Any, label: str, path: str, diagnostics: list[Diagnostic], metadata: dict[str, Any]
) -> tuple[Sequence[Mapping[str, Any]], list[float] | None]:
    """One mapping per epoch, plus the DataFrame index when the file has one."""
    if isinstance(data, list):
        return _list_of_records(data, path, diagnostics), None
    if not isinstance(data, dict) or not data:
        raise InputError(label, "not a Keras History: expected a JSON object or a list of objects")
    if data.keys() >= _SPLIT_ORIENT_KEYS:
        return _split_orient(data, label)
    if isinstance(data.get("history"), dict):
        wrapper = {key: value for key, value in data.items() if key != "history"}
        history = dict(data["history"])
        if isinstance(wrapper.get("epoch"), list) and "epoch" not in history:
            history["epoch"] = wrapper.pop("epoch")
        metadata.update(wrapper)
        data = history
    if all(isinstance(value, list) for value in data.values()):
        return _dict_of_lists(data, path, diagnostics), None
    if any(isinstance(value, list) for value in data.values()):
        return _dict_of_lists(_history_lists(data, metadata), path, diagnostics), None
    if all(isinstance(value, dict) for value in data.values()):
        if all(_is_int_label(key) for key in data):
            return [data[key] for key in data], _int_labels(list(data))
        return _columns_orient(data)
    raise InputError(label, "not a Keras History: values must all be lists (history.history) or all objects")


def _history_lists(data: Mapping[str, Any], metadata: dict[str, Any]) -> dict[str, list[Any]]:
    """The per-epoch lists of a History saved with other facts; the facts go to metadata.

    The epoch count is the length of the longest loss or accuracy list; lists
    of that length are curves (a list of class names or of phase starts is
    not), and so are shorter loss or accuracy lists and the ``val_`` twins of
    curves (a head or a validation metric recorded for fewer epochs, aligned
    on the last epoch like any ragged History). Everything else is metadata.
    """
    lengths = [len(v) for k, v in data.items() if isinstance(v, list) and vocab.is_loss_or_accuracy(k)]
    epochs = max(lengths, default=0)
    full = {k for k, v in data.items() if isinstance(v, list) and len(v) == epochs and epochs > 0}

    def is_curve(key: str, values: Any) -> bool:
        if key in full:
            return True
        if not isinstance(values, list) or not 0 < len(values) <= epochs:
            return False
        named = vocab.is_loss_or_accuracy(key) or key.removeprefix("val_") in full
        return named and all(_numeric_item(item) for item in values)

    curves = {k: v for k, v in data.items() if is_curve(k, v)}
    metadata.update({k: v for k, v in data.items() if k not in curves})
    return curves


def _list_of_records(data: list[Any], path: str, diagnostics: list[Diagnostic]) -> list[Mapping[str, Any]]:
    """Keep the dict elements of a list; report and skip any other element."""
    records: list[Mapping[str, Any]] = []
    for position, item in enumerate(data):
        if isinstance(item, dict):
            records.append(item)
        else:
            diagnostics.append(
                Diagnostic(path, "bad-entry", f"element {position} is a {type(item).__name__}, not an object")
            )
    return records


def _dict_of_lists(
    data: Mapping[str, list[Any]], path: str, diagnostics: list[Diagnostic]
) -> list[dict[str, Any]]:
    """Transpose ``history.history``; shorter lists are aligned on the last epoch."""
    length = max((len(values) for values in data.values()), default=0)
    short = sorted(key for key, values in data.items() if len(values) < length)
    if short:
        diagnostics.append(
            Diagnostic(
                path,
                "ragged-lists",
                f"{', '.join(short)} have fewer values than the longest list ({length}); "
                "aligned on the last epoch, as Keras appends every key once per epoch",
            )
        )
    records: list[dict[str, Any]] = [{} for _ in range(length)]
    for key, values in data.items():
        offset = length - len(values)
        for position, value in enumerate(values):
            records[offset + position][key] = value
    return records


def _columns_orient(data: Mapping[str, Mapping[str, Any]]) -> tuple[list[dict[str, Any]], list[float] | None]:
    """Read pandas ``orient="columns"``: ``{column: {index label: value}}``, rows in the order written."""
    labels: dict[str, None] = {}
    for column in data.values():
        labels.update(dict.fromkeys(column))
    ordered = list(labels)
    records = [{key: column[label] for key, column in data.items() if label in column} for label in ordered]
    return records, _int_labels(ordered)


def _split_orient(data: Mapping[str, Any], label: str) -> tuple[list[dict[str, Any]], list[float] | None]:
    """Read pandas ``orient="split"``: ``{"columns": [...], "index": [...], "data": [[...], ...]}``."""
    columns, rows = data.get("columns"), data.get("data")
    if not isinstance(columns, list) or not isinstance(rows, list):
        raise InputError(label, "pandas split orient: 'columns' and 'data' must be lists")
    records = [
        dict(zip((str(c) for c in columns), row, strict=False)) for row in rows if isinstance(row, list)
    ]
    index = data.get("index")
    row_index = _int_labels([str(i) for i in index]) if isinstance(index, list) else None
    return records, row_index if row_index is not None and len(row_index) == len(records) else None


def _is_int_label(text: object) -> bool:
    """Whether a DataFrame index label (a JSON key) is an integer."""
    return isinstance(text, str) and text.strip().lstrip("-").isdigit()


def _int_labels(labels: Sequence[str]) -> list[float] | None:
    """Integer index labels as floats, or None when any label is not an integer."""
    if not labels or not all(_is_int_label(label) for label in labels):
        return None
    return [float(int(label)) for label in labels]


def _numeric_item(item: object) -> bool:
    """Whether a list item seen by the sniffer (its text) is a number, bare or quoted."""
    try:
        return parse_number(item) is not None
    except (ValueError, OverflowError):
        return False
