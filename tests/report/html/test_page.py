"""The report page: every finding drawn on its chart, self-contained, deterministic, defensive."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from loganalyzer.api import analyze
from loganalyzer.model.finding import Analysis
from loganalyzer.model.run import MetricKey, Run, Series, Split
from loganalyzer.report import html
from tests.report.html.helpers import FIXTURES, inspect

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def all_fixtures() -> Analysis:
    return analyze(sorted(str(p) for p in FIXTURES.iterdir() if p.is_dir()))


@pytest.fixture(scope="module")
def page(all_fixtures: Analysis) -> str:
    return html.render(all_fixtures)


def test_every_finding_is_drawn_on_a_chart(all_fixtures: Analysis, page: str) -> None:
    assert len(all_fixtures.findings) >= 20
    articles = re.findall(r'<article class="finding [^"]*" id="finding-(\d+)" data-rule="(\w+)"', page)
    assert len(articles) == len(all_fixtures.findings)
    marks = set(re.findall(r'data-finding="(\w+)" data-finding-index="(\d+)"', page))
    for index, rule in articles:
        assert (rule, index) in marks, f"finding {index} ({rule}) has no annotation"
        assert f'id="finding-{index}"' in page


@pytest.mark.parametrize(
    ("rule", "parts"),
    [
        ("OF001", {"best", "degrading", "stop", "restore"}),
        ("LS001", {"spike"}),
        ("DV001", {"non-finite"}),
        ("DV002", {"peak"}),
        ("SE001", {"median"}),
        ("SE002", {"early-pace"}),
        ("MG001", {"trend", "projection"}),
        ("UF001", {"span"}),
    ],
)
def test_each_kind_of_finding_has_its_annotation(page: str, rule: str, parts: set[str]) -> None:
    drawn = set(re.findall(rf'id="lafinding-\d+-([a-z0-9-]+)" class="[^"]*" data-finding="{rule}"', page))
    assert parts <= drawn, drawn


def test_slow_epochs_are_highlighted_bar_by_bar(page: str) -> None:
    bars = re.findall(r'id="lafinding-\d+-slow-(\d+)" class="[^"]*" data-finding="SE001"', page)
    assert len(bars) == 2  # the fixture stalls at epochs 8 and 17


def test_the_page_is_self_contained(page: str) -> None:
    parsed = inspect(page)
    for tag, attrs in parsed.elements:
        for name in ("src", "href", "xlink:href", "action", "poster", "data"):
            value = attrs.get(name) or ""
            assert not re.match(r"(?i)\s*(https?:|//|file:|ftp:)", value), (tag, name, value)
        assert not (tag == "link" and attrs.get("rel") == "stylesheet")
    assert "@import" not in page and not re.search(r"url\(\s*['\"]?(https?:|//)", page)
    assert "Content-Security-Policy" in page


def test_the_page_is_deterministic(all_fixtures: Analysis, page: str) -> None:
    assert html.render(all_fixtures) == page


def test_runs_table_links_every_section(all_fixtures: Analysis, page: str) -> None:
    links = re.findall(r'<tr><td><a href="#(run-\d+)">', page)
    assert len(links) == len({r.name for r in all_fixtures.runs})
    for anchor in links:
        assert f'<section class="run" id="{anchor}">' in page


def test_inventory_lists_raw_names(page: str) -> None:
    assert "<td><code>val_loss</code></td><td>validation.loss</td>" in page


def _big_run(points: int) -> Run:
    rng = np.random.default_rng(3)
    values = np.exp(-np.linspace(0, 3, points)) + 0.01 * rng.random(points)
    values[points // 3] = 30.0
    return Run(
        name="big-run",
        format="tensorboard",
        sources=("events.out.tfevents.1",),
        series=(
            Series(
                key=MetricKey(Split.TRAIN, "loss"),
                raw_name="train/loss",
                step=np.arange(points, dtype=np.int64),
                value=values,
                epoch=np.full(points, np.nan),
                wall_time=np.full(points, np.nan),
                sources=("events.out.tfevents.1",),
                source_index=np.zeros(points, dtype=np.int64),
                position=np.full(points, -1, dtype=np.int64),
            ),
        ),
    )


def test_a_downsampled_chart_says_so() -> None:
    page = html.render(analyze(_big_run(200_000)))
    assert "downsampled for drawing" in page  # inside the chart
    assert "of 200,000 points, min/max kept" in page  # and in its caption
    assert 'data-finding="LS001"' in page  # the one-point spike is still found and drawn


def test_missing_evidence_never_breaks_the_page(all_fixtures: Analysis) -> None:
    stripped = replace(
        all_fixtures,
        findings=tuple(replace(f, evidence={}) for f in all_fixtures.findings[:6])
        + tuple(replace(f, evidence={}, start_step=None, end_step=None) for f in all_fixtures.findings[6:]),
    )
    page = html.render(stripped)
    assert page.count('<article class="finding') == len(all_fixtures.findings)


def test_evidence_of_the_wrong_type_is_ignored(all_fixtures: Analysis) -> None:
    odd = {"best_step": "18", "best_value": None, "stop_at": True, "step": float("nan"), "where": 7}
    mangled = replace(all_fixtures, findings=tuple(replace(f, evidence=odd) for f in all_fixtures.findings))
    assert html.render(mangled).count('<article class="finding') == len(all_fixtures.findings)


def test_jupyter_shows_the_report_inline() -> None:
    analysis = analyze(str(FIXTURES / "overfit-keras-csv"))
    fragment = analysis._repr_html_()
    assert fragment.startswith('<div class="la"><style>') and fragment.endswith("</div>")
    assert 'data-finding="OF001"' in fragment and "<html" not in fragment


def test_without_curves_the_page_lists_findings_and_says_why_there_are_no_charts() -> None:
    analysis = analyze(str(FIXTURES / "overfit-keras-csv"), curves=False)
    assert analysis.curves == {}
    page = html.render(analysis)
    assert "No curves were kept for this run" in page and "<svg" not in page
    assert 'data-rule="OF001"' in page
