"""Reader for Hugging Face ``Trainer`` state files (``trainer_state.json``).

The file is ``json.dumps(asdict(TrainerState), indent=2, sort_keys=True)``.
Its ``log_history`` list mixes three kinds of entries, each stamped with the
global ``step`` and a fractional ``epoch``: training logs (``loss``,
``learning_rate``, ``grad_norm`` ...), evaluation logs (``eval_loss``,
``eval_<metric>``, ``eval_runtime`` ...) and, after ``save_state()``, one
final summary (``train_runtime``, ``total_flos``, ``train_loss``). The summary's
``train_loss`` is the average over the whole run: as a point it would sit at
the last step, replace the last real loss and fake a jump, so the summary
goes to metadata with the top-level facts (``best_metric``, ``global_step`` ...),
never into a series. Entries keep the line where they start, found by
:func:`loganalyzer.ingest.text.outline.scan` on the same text.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from loganalyzer.errors import InputError
from loganalyzer.ingest.build import RunParts
from loganalyzer.ingest.source import LogSource, ReadOptions
from loganalyzer.ingest.text import outline
from loganalyzer.ingest.text.files import read_json
from loganalyzer.ingest.text.table import table_from_records, to_run_parts
from loganalyzer.model.run import Diagnostic, PositionUnit

FORMAT = "hf-trainer-state"

#: Keys that only the end-of-training summary entry carries.
SUMMARY_KEYS = frozenset(
    {"train_runtime", "total_flos", "train_samples_per_second", "train_steps_per_second"}
)

#: Top-level keys copied into metadata (facts about the run, not points).
METADATA_KEYS = (
    "best_metric",
    "best_model_checkpoint",
    "best_global_step",
    "global_step",
    "max_steps",
    "epoch",
    "num_train_epochs",
    "logging_steps",
    "eval_steps",
    "save_steps",
    "train_batch_size",
    "total_flos",
    "num_input_tokens_seen",
    "is_hyper_param_search",
    "trial_name",
    "trial_params",
    "stateful_callbacks",
)


def sniff(path: Path, head: bytes) -> bool:
    """Recognise a JSON object with a top-level ``log_history`` list, as every trainer state has."""
    if not outline.first_line_is_object(head):
        return False
    shape = outline.scan(outline.head_text(head))
    return shape.top == "object" and shape.keys.get("log_history") == "array"


def read(source: LogSource, options: ReadOptions) -> list[RunParts]:
    """Read ``log_history`` into train and eval series; the summary and state facts go to metadata."""
    del options  # nothing to tune for this format
    path = source.paths[0]
    text, state = read_json(path, source.name)
    if not isinstance(state, dict) or not isinstance(state.get("log_history"), list):
        raise InputError(source.name, "not a Hugging Face trainer state: no 'log_history' list")
    history: list[Any] = state["log_history"]

    lines = _entry_lines(text, len(history))
    diagnostics: list[Diagnostic] = []
    metadata: dict[str, Any] = {key: state[key] for key in METADATA_KEYS if key in state}
    records: list[Mapping[str, Any]] = []
    record_lines: list[int] = []
    summaries: list[dict[str, Any]] = []
    for position, entry in enumerate(history):
        line = lines[position] if lines is not None else None
        if not isinstance(entry, dict):
            diagnostics.append(
                Diagnostic(
                    str(path),
                    "bad-entry",
                    f"log_history[{position}] is not an object; skipped",
                    line,
                    PositionUnit.LINE if line is not None else PositionUnit.NONE,
                )
            )
        elif SUMMARY_KEYS.intersection(entry):
            summaries.append(entry)
        else:
            records.append(entry)
            record_lines.append(line if line is not None else -1)
    if summaries:
        metadata["train_summary"] = summaries[-1] if len(summaries) == 1 else summaries

    table = table_from_records(
        records,
        source=str(path),
        diagnostics=diagnostics,
        lines=record_lines if lines is not None else None,
    )
    return to_run_parts(source, FORMAT, table, diagnostics=diagnostics, metadata=metadata)


def _entry_lines(text: str, expected: int) -> list[int] | None:
    """Find the 1-based line where each ``log_history`` entry starts; None if they cannot be matched."""
    offsets = outline.scan(text, offsets_of="log_history").element_offsets
    if len(offsets) != expected:
        return None
    lines = []
    line, counted_to = 1, 0
    for offset in offsets:
        line += text.count("\n", counted_to, offset)
        counted_to = offset
        lines.append(line)
    return lines
