"""Hostile inputs and an HTML inspector shared by the HTML report tests.

Every string a log can carry (run and file names, column names, messages,
evidence, remedies) is set to markup here, so a test can assert that it
shows up as text and never as an element or an attribute.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from loganalyzer.model.curves import Curve, Durations, InventoryEntry, RunCurves
from loganalyzer.model.finding import Analysis, Finding, Location, Remedy, RunInfo, Severity
from loganalyzer.model.rule import RemedySpec

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "fixtures"

SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(2)>"
#: Closes an attribute, a comment, CDATA and a script block, and tries mathtext in matplotlib.
BREAKOUT = "\"'><!-- --> ]]> </script> $\\alpha$ &amp;"


def hostile_log(tmp_path: Path) -> Path:
    """A directory named with markup holding an overfitting Keras CSV with a column named ``<script>``.

    No accuracy column, so the page charts the ``<script>`` metric as the
    run's score (its name lands in a legend, a caption and the inventory).
    """
    source = (FIXTURES / "overfit-keras-csv" / "training.log").read_text().splitlines()
    header = source[0].split(",")
    keep = [i for i, name in enumerate(header) if "accuracy" not in name]
    rows = [[row.split(",")[i] for i in keep] for row in source]
    rows[0] += [SCRIPT, f"val_{SCRIPT}"]
    for n, row in enumerate(rows[1:], start=1):
        row += [str(1.0 / n), str(1.5 / n)]
    directory = tmp_path / IMAGE
    directory.mkdir()
    (directory / "training.log").write_text("\n".join(",".join(r) for r in rows) + "\n")
    return directory


def hostile_analysis() -> Analysis:
    """An analysis built from model objects, with markup in every string a report shows."""
    run = f"runs/{SCRIPT}/{IMAGE}"
    steps = tuple(float(s) for s in range(30))
    curves = RunCurves(
        run=run,
        x_label="epoch",
        curves=(
            Curve("train.loss", SCRIPT, steps, tuple(1.0 / (s + 1) for s in steps), 30, epoch=steps),
            Curve(
                "validation.loss",
                BREAKOUT,
                steps,
                tuple(0.5 + abs(s - 10) / 30 for s in steps),
                30,
                epoch=steps,
            ),
            Curve(f"validation.{SCRIPT}", IMAGE, steps, tuple(s / 30 for s in steps), 30, epoch=steps),
        ),
        durations=Durations("train.epoch_time", BREAKOUT, "epoch", steps, steps, tuple(1.0 for _ in steps)),
        inventory=(
            InventoryEntry("train.loss", SCRIPT, 30),
            InventoryEntry(f"validation.{SCRIPT}", IMAGE, 30),
        ),
    )
    findings = (
        Finding(
            run=run,
            source=f"{run}/{SCRIPT}.csv",
            rule="OF001",
            name="overfitting",
            category="overfitting",
            severity=Severity.WARNING,
            message=f"{SCRIPT} rose {BREAKOUT}",
            metric="validation.loss",
            raw_metric=SCRIPT,
            start_step=10,
            end_step=29,
            evidence={"best_step": 10, "best_value": 0.5, "unit": IMAGE, "stop_at": SCRIPT, "note": BREAKOUT},
            remedies=(Remedy("early-stopping", SCRIPT, IMAGE),),
            location=Location(f"{run}/{SCRIPT}.csv", line=12),
        ),
        Finding(
            run=run,
            source=f"{run}/{SCRIPT}.csv",
            rule="SE001",
            name="slow-epochs",
            category="slow-epoch",
            severity=Severity.WARNING,
            message=IMAGE,
            metric="train.epoch_time",
            raw_metric=IMAGE,
            start_step=3,
            end_step=3,
            evidence={"where": f"epochs 3 {SCRIPT}", "median_seconds": 1.0},
            remedies=(),
            location=Location(f"{run}/{SCRIPT}.csv"),
        ),
    )
    remedies = {
        "early-stopping": RemedySpec("early-stopping", SCRIPT, IMAGE, f"print('{SCRIPT}')", BREAKOUT, ())
    }
    info = RunInfo(run, "keras-csv", (f"{run}/{SCRIPT}.csv",), ("train.loss",), 90)
    return Analysis(runs=(info,), findings=findings, remedies=remedies, curves={run: curves})


class Inspector(HTMLParser):
    """Collects every element with its attributes, and the page's text, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def inspect(page: str) -> Inspector:
    """Parse ``page``."""
    inspector = Inspector()
    inspector.feed(page)
    inspector.close()
    return inspector


def assert_inert(page: str, *, scripts: int) -> None:
    """No element or attribute came from a log: only our scripts, no event handlers, no ``img``.

    And the hostile strings are there, as text.
    """
    parsed = inspect(page)
    tags = [tag for tag, _ in parsed.elements]
    assert tags.count("script") == scripts, tags.count("script")
    assert "img" not in tags
    for tag, attrs in parsed.elements:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert "javascript:" not in (value or "").lower(), (tag, name, value)
            if tag in ("a", "link", "script", "iframe", "object", "embed") and name in ("href", "src"):
                assert (value or "").startswith(("#", "data:")), (tag, name, value)
    assert "alert(1)" in "".join(parsed.text)
