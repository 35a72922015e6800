"""Placeholder reader for keras-csv (being written)."""

from __future__ import annotations

FORMAT = "keras-csv"


def sniff(path, head):  # noqa: D103
    return False


def read(source, options):  # noqa: D103
    raise NotImplementedError
