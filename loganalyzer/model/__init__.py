"""model: the vocabulary shared by every stage (runs, keys, diagnostics); no I/O, no formatting."""

from loganalyzer.model.run import Diagnostic, MetricKey, PositionUnit, Quantity, Run, Series, Split

__all__ = ["Diagnostic", "MetricKey", "PositionUnit", "Quantity", "Run", "Series", "Split"]
