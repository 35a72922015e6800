"""Command-line interface (Typer). Each command: options -> api -> render -> write.

Heavy modules (NumPy, the readers, the engine) are imported inside the
commands, so ``loganalyzer --help`` and ``--version`` start instantly.
Expected failures (:class:`~loganalyzer.errors.LogAnalyzerError`) print one
line on stderr and exit 2; nothing else is caught, so a bug still shows its
traceback instead of hiding behind a vague message.
"""

from __future__ import annotations

import enum
import os
import shutil
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer

from loganalyzer import __version__
from loganalyzer.engine.verdict import EXIT_ERROR, EXIT_OK, exit_for
from loganalyzer.errors import ConfigError, LogAnalyzerError
from loganalyzer.report import FORMATS

if TYPE_CHECKING:
    from loganalyzer.engine.settings import Settings
    from loganalyzer.model.finding import Analysis
    from loganalyzer.report import RenderOptions

T = TypeVar("T")


def _plain_help_types() -> None:
    """Keep Typer's Rich help from showing Python types: no ``<bool>`` after a flag, no ``<list[str]>``.

    Typer (0.2x) prints each parameter's Python type next to it; users of a
    linter expect ``--verbose`` alone and ``PATH...``, as ruff and pytest show
    them. Flags (``--help`` included, which no metavar reaches) and arguments
    (named by their metavar already) get no type column; value options keep
    their metavar. Guarded, so another Typer version only loses the polish.
    """
    option = getattr(getattr(typer, "core", None), "TyperOption", None)
    argument = getattr(getattr(typer, "core", None), "TyperArgument", None)
    if option is None or argument is None or not hasattr(option, "display_type_rich"):
        return
    shown = option.display_type_rich

    def option_type(self: typer.core.TyperOption, ctx: object) -> str | None:
        return None if getattr(self, "is_flag", False) else shown(self, ctx)

    option.display_type_rich = option_type
    argument.display_type_rich = lambda self, ctx: None


_plain_help_types()

app = typer.Typer(
    name="loganalyzer",
    help="Static analyzer and linter for finished training logs (TensorBoard, Keras, Hugging Face, ...).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class InspectFormat(enum.StrEnum):
    """Output formats of ``inspect``."""

    TEXT = "text"
    JSON = "json"


class FailOn(enum.StrEnum):
    """Lowest severity that fails ``check``."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class ExportFormat(enum.StrEnum):
    """Table formats of ``export``."""

    CSV = "csv"
    PARQUET = "parquet"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"loganalyzer {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Find overfitting, underfitting, spikes, divergence, slow epochs and memory growth in training logs."""


# Help text is rendered by Rich: a literal "[" must be written "\\[" or Rich takes it for markup and
# drops it. Flags get an empty metavar (no "<bool>" column), value options a word in capitals, and
# choices are listed in the help text, where they wrap between words (see tests/cli/test_help.py).
FLAG = ""

PathsArgument = Annotated[
    list[str],
    typer.Argument(
        help="Log files or directories (searched recursively).", show_default=False, metavar="PATH"
    ),
]
VerifyCrcOption = Annotated[
    bool,
    typer.Option(
        "--verify-crc/--no-verify-crc",
        metavar=FLAG,
        help="Check the data CRC of every TensorBoard record (about 10% of read time; length CRCs are always "
        "checked).",
    ),
]
ConfigOption = Annotated[
    str | None,
    typer.Option(
        "--config",
        metavar="FILE",
        help="Configuration file: loganalyzer.toml, or a pyproject.toml with a \\[tool.loganalyzer] table. "
        "Default: the closest one found from the working directory upwards.",
    ),
]
MaxBytesOption = Annotated[
    str | None,
    typer.Option(
        "--max-bytes",
        metavar="SIZE",
        help="Skip (and report) log files larger than this: bytes or e.g. 500MB, 4GiB [default: 2GiB; "
        "config key max-bytes].",
        show_default=False,
    ),
]


def _choice(value: str, choices: Iterable[str], option: str) -> str:
    """``value`` when it is one of ``choices``; else a one-line usage error naming the option.

    Checked here rather than by Typer, whose error for an enum is a boxed
    message prefixed with "Value error,".
    """
    allowed = [str(choice) for choice in choices]
    if value not in allowed:
        _fail(f"{option} {value!r}: expected one of {', '.join(allowed)}")
    return value


def _choices_help(text: str, choices: Iterable[str]) -> str:
    """``text`` followed by the choices in prose, where Rich wraps them between words."""
    return f"{text} One of: {', '.join(str(choice) for choice in choices)}."


SelectOption = Annotated[
    str | None,
    typer.Option(
        metavar="RULES",
        help="Comma-separated rules to run: codes, prefixes, names, categories, ALL.",
        rich_help_panel="Rule selection",
    ),
]
IgnoreOption = Annotated[
    str | None,
    typer.Option(
        metavar="RULES", help="Comma-separated rules to switch off.", rich_help_panel="Rule selection"
    ),
]
ExtendSelectOption = Annotated[
    str | None,
    typer.Option(
        metavar="RULES", help="Rules to run in addition to --select.", rich_help_panel="Rule selection"
    ),
]
FailOnOption = Annotated[
    str | None,
    typer.Option(
        metavar="SEVERITY",
        help=_choices_help("Lowest severity that makes the exit code 1 \\[default: warning].", FailOn),
        rich_help_panel="Exit",
    ),
]
ExitZeroOption = Annotated[
    bool,
    typer.Option(
        "--exit-zero", metavar=FLAG, help="Exit 0 even when findings are reported.", rich_help_panel="Exit"
    ),
]
BaselineOption = Annotated[
    str | None,
    typer.Option(
        metavar="FILE",
        help="Report only findings not recorded in this baseline file.",
        rich_help_panel="Baseline",
    ),
]
WriteBaselineOption = Annotated[
    str | None,
    typer.Option(
        metavar="FILE", help="Record the current findings in this baseline file.", rich_help_panel="Baseline"
    ),
]
NameMapOption = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        metavar="RAW=KEY",
        help="Map a raw tag or column name to a canonical metric key (split.quantity; repeatable), e.g. "
        "--map xent=validation.loss.",
    ),
]


@app.command()
def inspect(
    paths: PathsArgument,
    output_format: Annotated[
        str,
        typer.Option("--format", "-f", metavar="FORMAT", help=_choices_help("Output format.", InspectFormat)),
    ] = InspectFormat.TEXT.value,
    verify_crc: VerifyCrcOption = True,
    name_map: NameMapOption = None,
    max_bytes: MaxBytesOption = None,
) -> None:
    """Show what was read: per run, each canonical series, its raw name, points, steps and diagnostics."""
    from loganalyzer.api import load_runs
    from loganalyzer.report import inventory

    limit = _parse_max_bytes(max_bytes)
    result = _guarded(
        lambda: load_runs(paths, verify_data_crc=verify_crc, name_map=_parse_map(name_map), max_bytes=limit)
    )
    json_output = _choice(output_format, InspectFormat, "--format") == InspectFormat.JSON
    render = inventory.render_json if json_output else inventory.render_text
    _write(render(result.runs, result.errors), None)
    _note_passed_over(result.passed_over, quiet=False)
    _report_input_errors(result.errors)
    raise typer.Exit(EXIT_ERROR if result.errors else EXIT_OK)


@app.command()
def export(
    paths: PathsArgument,
    output: Annotated[
        str,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="File to write ('-' for standard output).",
            show_default=False,
        ),
    ],
    table_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help=_choices_help("Table format; default from the output extension, else csv.", ExportFormat),
        ),
    ] = None,
    verify_crc: VerifyCrcOption = True,
    name_map: NameMapOption = None,
    max_bytes: MaxBytesOption = None,
) -> None:
    """Write every point of every run as one tidy table (CSV, or Parquet with pyarrow installed)."""
    from loganalyzer import export as table
    from loganalyzer.api import load_runs

    chosen = ExportFormat(_choice(table_format, ExportFormat, "--format")) if table_format else None
    chosen = chosen or (ExportFormat.PARQUET if output.endswith(".parquet") else ExportFormat.CSV)
    limit = _parse_max_bytes(max_bytes)
    result = _guarded(
        lambda: load_runs(paths, verify_data_crc=verify_crc, name_map=_parse_map(name_map), max_bytes=limit)
    )
    _refuse_to_overwrite_inputs(output, [source for run in result.runs for source in run.sources])
    try:
        _guarded(lambda: table.write(result.runs, output, chosen.value))
        if output == "-":
            sys.stdout.flush()
    except BrokenPipeError:
        _closed_pipe()
    _report_input_errors(result.errors)
    if output != "-":
        points = sum(run.point_count for run in result.runs)
        typer.echo(f"wrote {points} points from {len(result.runs)} runs to {output}", err=True)
    raise typer.Exit(EXIT_ERROR if result.errors else EXIT_OK)


@app.command()
def check(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Log files or directories (searched recursively); default: the current directory.",
            metavar="PATH",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            "--output-format",
            "-f",
            envvar="LOGANALYZER_FORMAT",
            metavar="FORMAT",
            help=_choices_help("Output format (also LOGANALYZER_FORMAT).", FORMATS),
            rich_help_panel="Output",
        ),
    ] = "text",
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "--output-file",
            "-o",
            metavar="FILE",
            help="Write the report to this file instead of stdout ('-' for stdout).",
            rich_help_panel="Output",
        ),
    ] = None,
    select: SelectOption = None,
    extend_select: ExtendSelectOption = None,
    ignore: IgnoreOption = None,
    fail_on: FailOnOption = None,
    exit_zero: ExitZeroOption = False,
    config: ConfigOption = None,
    baseline: BaselineOption = None,
    write_baseline: WriteBaselineOption = None,
    statistics: Annotated[
        bool,
        typer.Option(
            "--statistics", metavar=FLAG, help="Show a count of findings per rule.", rich_help_panel="Output"
        ),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", metavar=FLAG, help="Also show rules skipped and why.", rich_help_panel="Output"
        ),
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", metavar=FLAG, help="Print findings and errors only.", rich_help_panel="Output"
        ),
    ] = False,
    no_color: Annotated[
        bool,
        typer.Option(
            "--no-color",
            metavar=FLAG,
            help="Never use colour (also NO_COLOR or TERM=dumb; FORCE_COLOR forces it).",
            rich_help_panel="Output",
        ),
    ] = False,
    ignore_unknown: Annotated[
        bool,
        typer.Option(
            "--ignore-unknown",
            metavar=FLAG,
            help="Skip given files that are not training logs instead of failing (for pre-commit).",
            rich_help_panel="Inputs",
        ),
    ] = False,
    verify_crc: VerifyCrcOption = True,
    name_map: NameMapOption = None,
    max_bytes: MaxBytesOption = None,
) -> None:
    """Lint training logs: overfitting, underfitting, loss spikes, divergence, slow epochs, memory growth.

    Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 usage, configuration or input error.
    """
    from loganalyzer import api
    from loganalyzer.report import REPORTERS

    chosen_format = _choice(output_format, FORMATS, "--format (or LOGANALYZER_FORMAT)")
    settings = _settings(
        config,
        select=select,
        extend_select=extend_select,
        ignore=ignore,
        fail_on=fail_on,
        name_map=name_map,
        max_bytes=max_bytes,
    )
    pictures = chosen_format == "html"
    if pictures:
        _require_charts()
    result = _guarded(
        lambda: api.check(
            paths or ["."],
            settings,
            baseline=baseline,
            write_baseline=write_baseline,
            ignore_unknown=ignore_unknown,
            exit_zero=exit_zero,
            verify_data_crc=verify_crc,
            curves=pictures,
        )
    )
    analysis = result.analysis
    if output is not None:
        _refuse_to_overwrite_inputs(output, [source for run in analysis.runs for source in run.sources])
    if result.recorded is not None:
        typer.echo(f"loganalyzer: recorded {result.recorded} finding(s) in {write_baseline}", err=True)
    if result.hidden and not quiet:
        typer.echo(f"loganalyzer: {result.hidden} finding(s) hidden by baseline {baseline}", err=True)
    to_terminal = output in (None, "-")
    options = _render_options(
        to_terminal, no_color=no_color, verbose=verbose, statistics=statistics, quiet=quiet
    )
    _write(REPORTERS[chosen_format](analysis, options), output, color=options.color)
    _note_passed_over(analysis.passed_over, quiet)
    for problem in analysis.input_errors:
        _error_line(f"{problem.path}: {problem.message}")
    for error in analysis.rule_errors:
        _error_line(f"rule {error.rule} failed on {error.run}: {error.message}")
    raise typer.Exit(result.exit_code)


@app.command()
def report(
    paths: PathsArgument,
    output: Annotated[
        str, typer.Option("--output", "-o", help="HTML file to write ('-' for standard output).")
    ] = "loganalyzer-report.html",
    select: SelectOption = None,
    ignore: IgnoreOption = None,
    config: ConfigOption = None,
    verify_crc: VerifyCrcOption = True,
    name_map: NameMapOption = None,
) -> None:
    """Write one self-contained HTML page: charts with the findings drawn on them, evidence, remedies.

    The page opens offline (no CDN, no request of any kind). Exit codes: 0 written, 2 usage or input error
    (the page is still written for the inputs that could be read).
    """
    from loganalyzer.report import html

    _require_charts()
    analysis = _analysis_for_pictures(paths, select, ignore, config, verify_crc, name_map)
    _refuse_to_overwrite_inputs(output, [source for run in analysis.runs for source in run.sources])
    _write(html.render(analysis, _picture_options()), output)
    if output != "-":
        typer.echo(
            f"loganalyzer: wrote {output} ({len(analysis.runs)} run(s), {len(analysis.findings)} finding(s))",
            err=True,
        )
    _report_problems(analysis)
    raise typer.Exit(EXIT_ERROR if analysis.input_errors or analysis.rule_errors else EXIT_OK)


@app.command()
def plot(
    path: Annotated[str, typer.Argument(help="A log file or directory holding one run.", show_default=False)],
    output: Annotated[
        str, typer.Option("--output", "-o", help="Image to write: .png, .svg or .pdf.", show_default=False)
    ],
    run: Annotated[
        str | None, typer.Option("--run", help="Which run to draw when PATH holds several (see `inspect`).")
    ] = None,
    select: SelectOption = None,
    ignore: IgnoreOption = None,
    config: ConfigOption = None,
    verify_crc: VerifyCrcOption = True,
    name_map: NameMapOption = None,
) -> None:
    """Draw one run's curves with its findings marked, as an image for a pull request or a paper."""
    from loganalyzer.report.plot import IMAGE_FORMATS, render_image

    fmt = Path(output).suffix.lower().lstrip(".")
    if fmt not in IMAGE_FORMATS:
        _fail(f"{output}: the image format comes from the extension: .png, .svg or .pdf")
    _require_charts()
    analysis = _analysis_for_pictures([path], select, ignore, config, verify_crc, name_map)
    _report_problems(analysis)
    names = sorted(analysis.curves)
    if run is None and len(names) != 1:
        _fail(f"{path}: holds {len(names)} runs; choose one with --run ({', '.join(names) or 'none'})")
    chosen = run if run is not None else names[0]
    if chosen not in analysis.curves:
        _fail(f"{path}: no run named {chosen!r} (runs: {', '.join(names) or 'none'})")
    _refuse_to_overwrite_inputs(output, [source for info in analysis.runs for source in info.sources])
    image = render_image(analysis, chosen, fmt)
    try:
        Path(output).write_bytes(image)
    except OSError as exc:
        _fail(f"{output}: cannot write: {exc.strerror or exc}")
    count = sum(1 for f in analysis.findings if f.run == chosen)
    typer.echo(f"loganalyzer: wrote {output} ({chosen}, {count} finding(s))", err=True)
    raise typer.Exit(EXIT_ERROR if analysis.input_errors or analysis.rule_errors else EXIT_OK)


def _analysis_for_pictures(
    paths: list[str],
    select: str | None,
    ignore: str | None,
    config: str | None,
    verify_crc: bool,
    name_map: list[str] | None,
) -> Analysis:
    """Load settings like ``check`` does and analyse with curves kept."""
    from loganalyzer.api import analyze

    settings = _settings(config, select=select, ignore=ignore, name_map=name_map)
    return _guarded(lambda: analyze(paths, settings, verify_data_crc=verify_crc, curves=True))


def _require_charts() -> None:
    """Pictures need matplotlib (the ``report`` extra): say what to install, in one line."""
    from loganalyzer.report.html import INSTALL_HINT, charts_available

    if not charts_available():
        _fail(INSTALL_HINT)


def _picture_options() -> RenderOptions:
    from loganalyzer.report import RenderOptions

    return RenderOptions()


def _report_problems(analysis: Analysis) -> None:
    """Inputs that could not be read and rules that crashed, one stderr line each."""
    for problem in analysis.input_errors:
        typer.echo(f"loganalyzer: error: {problem.path}: {problem.message}", err=True)
    for error in analysis.rule_errors:
        typer.echo(f"loganalyzer: error: rule {error.rule} failed on {error.run}: {error.message}", err=True)


class AuditFormat(enum.StrEnum):
    """Output formats of ``audit`` (keys of :data:`loganalyzer.fleet.render.RENDERERS`)."""

    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    MARKDOWN = "markdown"
    HTML = "html"


class AuditExecutorName(enum.StrEnum):
    """Where ``audit`` runs the analysis."""

    LOCAL = "local"
    DASK = "dask"


@app.command()
def audit(
    roots: Annotated[
        list[str],
        typer.Argument(help="Directories (or files) holding runs, searched recursively.", show_default=False),
    ],
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Worker processes (default: the CPUs available).",
            rich_help_panel="Execution",
        ),
    ] = None,
    executor: Annotated[
        AuditExecutorName,
        typer.Option(
            help="local: a process pool; dask: a dask.distributed cluster (needs --scheduler).",
            rich_help_panel="Execution",
        ),
    ] = AuditExecutorName.LOCAL,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler address, e.g. tcp://10.0.0.5:8786.", rich_help_panel="Execution"),
    ] = None,
    use_cache: Annotated[
        bool,
        typer.Option(
            "--cache/--no-cache",
            help="Reuse results for runs whose files did not change.",
            rich_help_panel="Execution",
        ),
    ] = True,
    cache_dir: Annotated[
        str | None,
        typer.Option(
            help="Cache directory (default: the user cache directory).", rich_help_panel="Execution"
        ),
    ] = None,
    output_format: Annotated[
        AuditFormat, typer.Option("--format", "-f", help="Output format.", rich_help_panel="Output")
    ] = AuditFormat.TABLE,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the report to this file instead of stdout.",
            rich_help_panel="Output",
        ),
    ] = None,
    top: Annotated[
        int,
        typer.Option(min=0, help="Show the N best runs by the validation metric.", rich_help_panel="Output"),
    ] = 5,
    sort: Annotated[
        str,
        typer.Option(
            help="Order runs by this column (-COLUMN for descending), e.g. -metric_best.",
            rich_help_panel="Output",
        ),
    ] = "run",
    only: Annotated[
        str | None,
        typer.Option(
            help="List only runs with this problem category (or 'unreadable', 'clean').",
            rich_help_panel="Output",
        ),
    ] = None,
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress",
            help="Progress bar on stderr (default: on a terminal, never in CI).",
            rich_help_panel="Output",
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No notes on stderr, errors only.", rich_help_panel="Output")
    ] = False,
    select: SelectOption = None,
    extend_select: ExtendSelectOption = None,
    ignore: IgnoreOption = None,
    fail_on: FailOnOption = None,
    exit_zero: ExitZeroOption = False,
    config: ConfigOption = None,
    baseline: BaselineOption = None,
    write_baseline: WriteBaselineOption = None,
    verify_crc: VerifyCrcOption = True,
    name_map: NameMapOption = None,
    max_bytes: MaxBytesOption = None,
) -> None:
    """Audit many runs at once: one row per run, problems per category, best runs, wasted compute.

    Same rule selection, configuration, baseline and exit codes as check: 0 no finding at or above
    --fail-on, 1 findings, 2 usage, configuration or unreadable runs.
    """
    from loganalyzer.api import audit as run_audit
    from loganalyzer.engine.baseline import write_baseline_entries
    from loganalyzer.fleet import progress as bar
    from loganalyzer.fleet.render import RENDERERS, AuditView
    from loganalyzer.fleet.summary import only as only_rows
    from loganalyzer.fleet.summary import sort_rows
    from loganalyzer.model.severity import Severity

    settings = _settings(
        config,
        select=select,
        extend_select=extend_select,
        ignore=ignore,
        fail_on=fail_on,
        name_map=name_map,
        max_bytes=max_bytes,
    )
    _guarded(lambda: only_rows([], only))  # reject a bad --only before the work, not after
    _guarded(lambda: sort_rows([], sort))
    show_bar = bar.wanted() if progress is None else progress
    with bar.progress_bar(show_bar) as advance:
        result = _guarded(
            lambda: run_audit(
                roots,
                jobs=jobs,
                config=settings,
                cache=use_cache,
                cache_dir=cache_dir,
                executor=executor.value,
                scheduler=scheduler,
                baseline=baseline,
                verify_data_crc=verify_crc,
                progress=advance,
            )
        )
    for target in (output, write_baseline):
        if target is not None:
            _refuse_to_overwrite_inputs(
                target, [source for row in result.rows if row.facts for source in row.facts.sources]
            )
    if write_baseline:
        count = _guarded(lambda: write_baseline_entries(result.findings(), write_baseline))
        typer.echo(f"loganalyzer: recorded {count} finding(s) in {write_baseline}", err=True)
    listed = sort_rows(only_rows(result.rows, only), sort)
    view = AuditView(listed, result.summary(top), __version__, result.hidden, result.cached, result.analysed)
    _write_pieces(RENDERERS[output_format.value](view), output)
    for note in result.notes:
        typer.echo(f"loganalyzer: note: {note}", err=True)
    _note_passed_over(result.passed_over, quiet)
    failed_rows = [row for row in result.rows if row.status != "ok"]
    for row in failed_rows:
        typer.echo(
            f"loganalyzer: error: {printable_line(row.run)}: {printable_line(row.reason or '')}", err=True
        )
    threshold = settings.fail_on
    failing = any(Severity.parse(f["severity"]) >= threshold for f in result.findings())
    raise typer.Exit(exit_for(errors=bool(failed_rows), failing=failing, exit_zero=exit_zero))


def printable_line(text: str) -> str:
    """``text`` as one safe stderr line: control characters escaped, line breaks folded."""
    from loganalyzer.report._common import printable

    return " ".join(printable(text).splitlines())


@app.command("rules")
def list_rules(
    output_format: Annotated[
        str,
        typer.Option("--format", "-f", metavar="FORMAT", help=_choices_help("Output format.", InspectFormat)),
    ] = InspectFormat.TEXT.value,
) -> None:
    """List every rule: code, name, category, default severity and summary."""
    from loganalyzer.engine.pack import load_default_pack
    from loganalyzer.report import rulebook

    pack = _guarded(load_default_pack)
    json_output = _choice(output_format, InspectFormat, "--format") == InspectFormat.JSON
    render = rulebook.rules_json if json_output else rulebook.rules_table
    typer.echo(render(pack.rules), nl=False)


@app.command()
def explain(
    rule: Annotated[
        str,
        typer.Argument(
            help="Rule code or name (OF001, rising-validation-loss), or a category (overfitting).",
            show_default=False,
        ),
    ],
    config: ConfigOption = None,
) -> None:
    """Explain a rule: what it detects and how, its parameters (effective values), remedies with code."""
    from loganalyzer.engine.config import load_settings
    from loganalyzer.engine.pack import load_default_pack
    from loganalyzer.report import rulebook

    pack = _guarded(load_default_pack)
    settings = _guarded(lambda: load_settings(pack, config_file=config))
    # A category explains each of its rules, so the word means here what it means in --select.
    chosen = pack.lookup(rule)
    specs = [r for r in pack.rules if r.category == rule] or ([chosen] if chosen else [])
    if not specs:
        import difflib

        labels = pack.labels() + sorted({r.category for r in pack.rules})
        close = difflib.get_close_matches(rule, labels, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else "; see `loganalyzer rules`"
        _fail(f"no rule {rule!r}{hint}")
    for index, spec in enumerate(specs):
        effective = {**spec.defaults(), **settings.parameters.get(spec.code, {})}
        typer.echo(("\n" if index else "") + rulebook.explain(spec, effective, pack.remedies), nl=False)


def _render_options(
    to_terminal: bool, *, no_color: bool, verbose: bool, statistics: bool, quiet: bool
) -> RenderOptions:
    """Options for a report: colour and width follow the terminal and the colour conventions.

    Colour as most command-line tools decide it: ``--no-color``, ``NO_COLOR``
    (any value) or ``TERM=dumb`` turn it off; ``FORCE_COLOR`` (any value but
    ``0``/empty) turns it on even into a pipe; otherwise it is on when stdout
    is a terminal. Text wraps at the terminal's width (``COLUMNS`` wins).
    """
    from loganalyzer.report import RenderOptions

    force = os.environ.get("FORCE_COLOR", "") not in ("", "0")
    banned = no_color or bool(os.environ.get("NO_COLOR")) or os.environ.get("TERM") == "dumb"
    color = to_terminal and not banned and (force or sys.stdout.isatty())
    width = shutil.get_terminal_size((100, 24)).columns
    return RenderOptions(verbose=verbose, color=color, statistics=statistics, quiet=quiet, width=width)


def _write(text: str, output: str | None, *, color: bool = False) -> None:
    """Write a report to ``output`` or stdout (``color``: keep escapes even into a pipe)."""
    if output is None or output == "-":
        try:
            typer.echo(text, nl=False, color=color or None)
            sys.stdout.flush()
        except BrokenPipeError:
            _closed_pipe()
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(f"{output}: cannot write: {exc.strerror or exc}")


def _write_pieces(pieces: Iterable[str], output: str | None) -> None:
    """Write a report that comes in pieces to ``output`` or stdout, never holding it whole."""
    if output is None or output == "-":
        for piece in pieces:
            sys.stdout.write(piece)
        sys.stdout.flush()
        return
    try:
        with open(output, "w", encoding="utf-8", newline="") as handle:
            for piece in pieces:
                handle.write(piece)
    except OSError as exc:
        _fail(f"{output}: cannot write: {exc.strerror or exc}")


def _settings(
    config: str | None,
    *,
    select: str | None = None,
    extend_select: str | None = None,
    ignore: str | None = None,
    fail_on: str | None = None,
    name_map: list[str] | None = None,
    max_bytes: str | None = None,
) -> Settings:
    """The settings ``check``, ``audit``, ``report`` and ``plot`` share: the config file, then the options."""
    from loganalyzer.engine.config import load_settings
    from loganalyzer.engine.pack import load_default_pack

    overrides: dict[str, object] = {}
    for key, value in (("select", select), ("extend-select", extend_select), ("ignore", ignore)):
        if value is not None:
            overrides[key] = value
    if fail_on is not None:
        overrides["fail-on"] = _choice(fail_on, FailOn, "--fail-on")
    if name_map:
        overrides["metric-map"] = _parse_map(name_map)
    if max_bytes is not None:
        overrides["max-bytes"] = max_bytes
    pack = _guarded(load_default_pack)
    return _guarded(lambda: load_settings(pack, config_file=config, overrides=overrides))


def _parse_map(entries: list[str] | None) -> dict[str, str]:
    """``RAW=SPLIT.QUANTITY`` options as a dict; malformed entries are a usage error."""
    mapping: dict[str, str] = {}
    for entry in entries or []:
        raw, sep, key = entry.rpartition("=")
        if not sep or not raw or not key:
            _fail(f"--map {entry!r}: expected RAW=SPLIT.QUANTITY, e.g. my_eval_xent=validation.loss")
        mapping[raw] = key
    return mapping


def _refuse_to_overwrite_inputs(output: str, sources: list[str]) -> None:
    """Inputs are read-only: never let an output file be a log that was just read (exit 2)."""
    from loganalyzer.api import refuse_to_overwrite

    _guarded(lambda: refuse_to_overwrite(output, sources))


def _parse_max_bytes(value: str | None) -> int | None:
    """``--max-bytes`` as a byte count (None: the default); a bad size exits 2."""
    if value is None:
        return None
    from loganalyzer.engine.config import parse_size

    return _guarded(lambda: parse_size(value, "--max-bytes"))


def _guarded(action: Callable[[], T]) -> T:
    """Run ``action``; turn expected library errors into one stderr line and exit 2."""
    try:
        return action()
    except LogAnalyzerError as exc:
        _fail(str(exc))


def _note_passed_over(paths: tuple[str, ...], quiet: bool) -> None:
    """Say which text files that mention a loss were not read (a format loganalyzer does not know)."""
    if not paths or quiet:
        return
    from loganalyzer.report._sanitize import one_line

    shown = ", ".join(one_line(path) for path in paths[:5]) + (
        f" and {len(paths) - 5} more" if len(paths) > 5 else ""
    )
    typer.echo(
        f"loganalyzer: note: {len(paths)} file(s) mention a loss but are not a log format loganalyzer "
        f"reads, so they were passed over: {shown}",
        err=True,
    )


def _report_input_errors(errors: object) -> None:
    for error in errors:  # type: ignore[attr-defined]
        _error_line(str(error))


def _closed_pipe() -> NoReturn:
    """The reader of our stdout went away (``| head``): end quietly with 0, as ``cat`` and ruff do.

    What is still buffered can never be delivered, so stdout is pointed at
    the null device before Python's final flush would complain about it.
    """
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    raise typer.Exit(EXIT_OK)


def _fail(message: str) -> NoReturn:
    _error_line(message)
    raise typer.Exit(EXIT_ERROR)


def _error_line(message: str) -> None:
    """One line on stderr: a file name or reason from a log cannot add lines or escape sequences."""
    from loganalyzer.report._sanitize import one_line

    typer.echo(f"loganalyzer: error: {one_line(message)}", err=True)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except ConfigError as exc:  # raised outside a command's guard, e.g. while parsing options
        _error_line(str(exc))
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        # Output piped into `head` and the like: not an error for a command-line tool.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(EXIT_OK)
