"""``loganalyzer export``: every point of every run as one tidy table (the only pandas user).

This is the one report that needs pandas (it is what people ask TensorBoard
for: a DataFrame-shaped file of their scalars), so pandas is imported here and
only here. Rows are sorted by run, metric and step; floats are written with
``repr`` precision so a value read back is bit-for-bit the value read.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from loganalyzer.errors import ConfigError
from loganalyzer.model.run import TABLE_COLUMNS, Run
from loganalyzer.report._sanitize import spreadsheet_cell

#: The text columns of the table: names from the logs, neutralised in CSV against formula injection.
TEXT_COLUMNS = ("run", "metric", "split", "quantity", "raw_name", "source")


def write(runs: Sequence[Run], output: str, table_format: str) -> None:
    """Write ``runs`` to ``output`` (``-`` for stdout) as ``csv`` or ``parquet``."""
    import pandas as pd

    frames = [run.to_frame() for run in sorted(runs, key=lambda r: r.name)]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({c: [] for c in TABLE_COLUMNS})
    frame = frame[list(TABLE_COLUMNS)]
    if table_format == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ConfigError("Parquet export needs pyarrow: pip install 'loganalyzer-ml[parquet]'") from None
        if output == "-":
            raise ConfigError("Parquet cannot be written to standard output; give a file name with -o")
        for column in TEXT_COLUMNS:
            frame[column] = frame[column].astype(str)
        frame.to_parquet(output, index=False)
        return
    # A CSV is opened in spreadsheets: a tag "=HYPERLINK(...)" must stay text. Parquet keeps types,
    # so its names stay exactly as read.
    for column in TEXT_COLUMNS:
        frame[column] = frame[column].astype(str).map(spreadsheet_cell)
    target = sys.stdout if output == "-" else output
    try:
        frame.to_csv(target, index=False, float_format=None, lineterminator="\n")
    except BrokenPipeError:
        raise  # `export -o - | head`: the reader has all it wants; the CLI ends quietly
    except OSError as exc:
        raise ConfigError(f"{output}: cannot write: {exc.strerror or exc}") from None
