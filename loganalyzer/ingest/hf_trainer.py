"""Placeholder reader for hf-trainer-state (being written)."""

from __future__ import annotations

FORMAT = "hf-trainer-state"


def sniff(path, head):  # noqa: D103
    return False


def read(source, options):  # noqa: D103
    raise NotImplementedError
