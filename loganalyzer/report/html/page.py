"""Assemble the report page: header, runs table, and per run its charts, findings and inventory.

Everything from a log goes through :func:`~loganalyzer.report.html._escape.text`;
ids come from counters (``run-3``, ``finding-12``). The page is one file:
inline CSS, inline SVG charts and a small inline script, with no external
resource of any kind, so it opens offline and prints as it shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from loganalyzer.model.curves import RunCurves
from loganalyzer.model.finding import Analysis, Finding
from loganalyzer.model.rule import RemedySpec
from loganalyzer.report import _common
from loganalyzer.report.html import charts, overview
from loganalyzer.report.html._escape import text, token
from loganalyzer.report.html.assets import SCRIPT, STYLE
from loganalyzer.report.html.overview import RunSummary


def document(title: str, body: str) -> str:
    """A complete, self-contained HTML5 document around ``body``."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        # No request may leave the page: not even a favicon lookup.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
        '<link rel="icon" href="data:,">'
        f"<title>{text(title)}</title><style>{STYLE}</style></head>\n"
        f'<body class="la">\n{body}\n<script>{SCRIPT}</script>\n</body></html>\n'
    )


def analysis_body(analysis: Analysis, tool_version: str, *, with_charts: bool) -> str:
    """The page body for an analysis: header, problems, runs table (several runs) and run sections."""
    rows = overview.summarize(analysis)
    findings = _common.ordered(analysis.findings)
    parts = [
        "<header><h1>loganalyzer report</h1>",
        f'<p class="muted">{text(_common.summary_sentence(analysis))} · loganalyzer {text(tool_version)}</p>',
        _severity_badges(findings),
        "</header>",
        _problems(analysis),
    ]
    if len(rows) > 1:
        parts.append("<h2>Runs</h2>" + overview.table(rows))
    if with_charts and analysis.curves and not charts.charts_available():
        parts.append(f'<p class="muted">{text(charts.INSTALL_HINT)}</p>')
    index = {id(f): i for i, f in enumerate(findings)}
    for row in rows:
        parts.append(_run_section(analysis, row, index, with_charts=with_charts))
    return "\n".join(parts)


def overview_body(rows: Sequence[RunSummary], title: str, tool_version: str) -> str:
    """The many-run page body: the runs table, then each run's findings (no charts: rows only)."""
    findings = [f for row in rows for f in row.findings]
    parts = [
        f"<header><h1>{text(title)}</h1>",
        f'<p class="muted">{len(rows)} run(s) · loganalyzer {text(tool_version)}</p>',
        _severity_badges(findings),
        "</header><h2>Runs</h2>",
        overview.table(rows),
    ]
    counter = 0
    for row in rows:
        items = []
        for finding in row.findings:
            items.append(_finding(finding, counter, {}, None))
            counter += 1
        body = "".join(items) or '<p class="muted">No findings.</p>'
        parts.append(f'<section id="{token(row.anchor)}"><h2>{text(row.run)}</h2>{body}</section>')
    return "\n".join(parts)


def _severity_badges(findings: Sequence[Finding]) -> str:
    counts = _common.severity_counts(findings)
    badges = " ".join(
        f'<span class="badge sev-{s.label}">{counts.get(s, 0)} {s.label}</span>'
        for s in _common.SEVERITIES_DESC
    )
    return f'<p class="summary">{badges}</p>'


def _problems(analysis: Analysis) -> str:
    """Inputs that could not be read, rules that crashed, files passed over."""
    inputs = sorted(analysis.input_errors, key=lambda p: (p.path, p.message))
    crashes = sorted(analysis.rule_errors, key=lambda e: (e.run, e.rule, e.message))
    items = [f"<li><code>{text(p.path)}</code>: {text(p.message)}</li>" for p in inputs]
    items += [
        f"<li>rule {text(e.rule)} failed on <code>{text(e.run)}</code>: {text(e.message)}</li>"
        for e in crashes
    ]
    items += [
        f"<li>passed over (not a log format loganalyzer reads): <code>{text(p)}</code></li>"
        for p in sorted(analysis.passed_over)
    ]
    return f"<h2>Problems reading the input</h2><ul>{''.join(items)}</ul>" if items else ""


def _run_section(analysis: Analysis, row: RunSummary, index: dict[int, int], *, with_charts: bool) -> str:
    info = next((r for r in analysis.runs if r.name == row.run), None)
    curves = analysis.curves.get(row.run)
    anchor = token(row.anchor)
    parts = [f'<section class="run" id="{anchor}"><h2>{text(row.run)}</h2>']
    if info is not None:
        sources = ", ".join(f"<code>{text(_common.posix_path(s))}</code>" for s in info.sources)
        parts.append(f'<p class="muted">{text(info.format)} · {info.points:,} points · {sources}</p>')
    placed: dict[int, str] = {}
    if with_charts and curves is not None and charts.charts_available():
        parts.append(_charts(curves, row.findings, index, anchor, placed))
    elif with_charts and curves is None:
        parts.append('<p class="muted">No curves were kept for this run, so no charts.</p>')
    parts.append("<h3>Findings</h3>")
    if row.findings:
        parts.extend(
            _finding(f, index[id(f)], analysis.remedies, placed.get(index[id(f)])) for f in row.findings
        )
    else:
        parts.append('<p class="muted">No findings: every selected rule passed.</p>')
    if curves is not None:
        parts.append(_inventory(curves))
    if info is not None and info.diagnostics:
        notes = "".join(
            f"<li><code>{text(d.source)}</code>: {text(d.message)}</li>" for d in info.diagnostics
        )
        parts.append(f"<h3>Reading notes</h3><ul>{notes}</ul>")
    skipped = sorted((s for s in analysis.skipped if s.run == row.run), key=lambda s: (s.rule, s.reason))
    if skipped:
        items = "".join(f"<li>{text(s.rule)}: {text(s.reason)}</li>" for s in skipped)
        parts.append(f"<details><summary>{len(skipped)} rule(s) skipped</summary><ul>{items}</ul></details>")
    parts.append("</section>")
    return "\n".join(parts)


def _charts(
    curves: RunCurves, findings: Iterable[Finding], index: dict[int, int], anchor: str, placed: dict[int, str]
) -> str:
    pairs = [(index[id(f)], f) for f in findings]
    codes = {i: f.rule for i, f in pairs}
    code_list = [codes.get(i, "") for i in range(max(codes, default=-1) + 1)]
    figures = []
    for spec, drawn, image in charts.draw_run(curves, pairs):
        chart_id = f"{anchor}-chart-{token(spec.key)}"
        for i in drawn:
            placed[i] = chart_id
        svg = image.decode("utf-8")
        svg = charts.tag_findings(svg[svg.index("<svg") :], code_list)
        caption = _caption(spec)
        figures.append(
            f'<figure class="chart" id="{chart_id}">{svg}<figcaption>{caption}</figcaption></figure>'
        )
    if not figures:
        return '<p class="muted">No series to chart.</p>'
    return f'<div class="charts">{"".join(figures)}</div>'


def _caption(spec: charts.ChartSpec) -> str:
    if spec.durations is not None:
        return text(f"{spec.durations.origin}; one bar per {spec.durations.unit}")
    parts = []
    for curve in spec.curves:
        note = (
            f" (downsampled: {len(curve.value):,} of {curve.points:,} points, min/max kept)"
            if curve.downsampled
            else ""
        )
        parts.append(f"{text(curve.metric)} ← <code>{text(curve.raw_name)}</code>{text(note)}")
    return "; ".join(parts)


def _finding(finding: Finding, number: int, remedies: Mapping[str, RemedySpec], chart: str | None) -> str:
    severity = finding.severity.label
    where = text(_common.location_label(finding.location))
    span = _common.step_span(finding)
    drawn = f' · <a href="#{chart}">on the chart</a>' if chart else ""
    evidence = "".join(
        f"<tr><td>{text(k)}</td><td>{text(_common.format_value(v))}</td></tr>"
        for k, v in finding.evidence.items()
    )
    fixes = "".join(_remedy(r.id, r.title, r.detail, remedies.get(r.id)) for r in finding.remedies)
    return (
        f'<article class="finding sev-{severity}" id="finding-{number}" data-rule="{text(finding.rule)}">'
        f'<span class="badge sev-{severity}">{severity}</span> <strong>{text(finding.rule)}</strong> '
        f'{text(finding.name)} <span class="muted">({text(finding.category)}) · {text(finding.metric)} ← '
        f"<code>{text(finding.raw_metric)}</code>{' · ' + text(span) if span else ''} · {where}{drawn}</span>"
        f'<p class="message">{text(finding.message)}</p>'
        f'<details><summary>Evidence</summary><table class="evidence">{evidence}</table></details>'
        f"{'<h4>Remedies</h4>' + fixes if fixes else ''}</article>"
    )


def _remedy(remedy_id: str, title: str, detail: str, spec: RemedySpec | None) -> str:
    snippets = ""
    if spec is not None:
        for framework, code in (("Keras", spec.keras), ("PyTorch", spec.pytorch)):
            if code:
                snippets += f'<p class="muted">{framework}</p><pre><code>{text(code)}</code></pre>'
    body = f"<p>{text(detail)}</p>" if detail else ""
    summary = f"<summary><strong>{text(title)}</strong> <code>{text(remedy_id)}</code></summary>"
    return f"<details>{summary}{body}{snippets}</details>"


def _inventory(curves: RunCurves) -> str:
    rows = "".join(
        f"<tr><td><code>{text(e.raw_name)}</code></td><td>{text(e.metric)}</td>"
        f'<td class="num">{e.points:,}</td></tr>'
        for e in curves.inventory
    )
    return (
        "<h3>Inventory: raw name → canonical series</h3>"
        "<table><thead><tr><th>raw name</th><th>canonical</th><th>points</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
