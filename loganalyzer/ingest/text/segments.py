"""Split a text log that holds several appended runs into one segment per run.

Keras ``CSVLogger(append=True)`` without ``initial_epoch``, a JSONL logger
opened in append mode, or a user concatenating files all leave several runs
in one file. Reading them as one curve would draw a saw-tooth that looks like
divergence; reading them as one run with keep-last de-duplication would
silently splice the last run onto the tail of the first. So each run becomes
its own segment, and the rule is:

* a repeated (or new) header line always starts a segment;
* a row whose index (epoch or step) goes back to or below the *first* index
  of the current segment starts a segment (``0..4`` then ``0..3``; ``0`` then
  ``0``);
* rows sharing an index belong together when they log different columns
  (Lightning writes validation and ``*_epoch`` metrics as extra rows at the
  same step; Hugging Face logs train and eval entries at the same step); when
  a row logs a column again at an index the segment already has, that is a
  repeat of the index;
* an index that goes back to a point *inside* the current segment is a resume
  from a checkpoint (``0..7`` then ``5..9``): the same run, whose rewritten
  steps are resolved later by keep-last de-duplication in
  :func:`loganalyzer.ingest.build.build_run`;
* an index that keeps counting (a second ``fit()`` going ``0..9`` then
  ``10..15``) is one run.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def segment_starts(index: np.ndarray | None, present: np.ndarray, forced: Iterable[int] = ()) -> list[int]:
    """Row numbers at which a new run starts (always beginning with 0).

    ``index`` is the epoch or step of each row (finite floats), or None when
    the file has no index column, in which case only ``forced`` rows (repeated
    header lines) split. ``present`` is a ``(rows, columns)`` bool array of
    which columns each row logs.
    """
    n_rows = present.shape[0]
    if n_rows == 0:
        return [0]
    forced_set = {int(i) for i in forced if 0 < int(i) < n_rows}
    if index is None:
        return [0, *sorted(forced_set)]

    # Only rows that do not move the index forward can start a segment.
    not_forward = np.flatnonzero(index[1:] <= index[:-1]) + 1
    starts = [0]
    # Columns logged so far by the rows that share the current index, ending at ``group_last``.
    group_last = -1
    group_columns = np.zeros(present.shape[1], dtype=bool)
    for row in sorted(forced_set.union(int(i) for i in not_forward)):
        if row in forced_set:
            starts.append(row)
            continue
        value = index[row]
        if value == index[row - 1]:
            if group_last != row - 1:
                group_columns = present[row - 1].copy()
            if not (group_columns & present[row]).any():
                group_columns |= present[row]
                group_last = row
                continue
        group_last = -1
        if value <= index[starts[-1]]:
            starts.append(row)
    return starts
