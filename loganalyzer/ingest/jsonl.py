"""Placeholder reader for jsonl (being written)."""

from __future__ import annotations

FORMAT = "jsonl"


def sniff(path, head):  # noqa: D103
    return False


def read(source, options):  # noqa: D103
    raise NotImplementedError
