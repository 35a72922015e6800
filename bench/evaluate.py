"""Score loganalyzer against the labelled runs, next to re-implemented baselines.

    python bench/evaluate.py [--shared ../shared] [--details]

Labelled data:
- ``corpus/labels.json``: per run directory, ``expect`` (categories that must be
  found at warning or above) and ``absent`` (categories that must not be).
- ``real-logs/MANIFEST.csv``: a human label per file (``healthy`` means every
  problem category is absent; a problem label means that category is
  expected; ``unclear`` is not scored). Files inside a sub-directory (Keras
  ``train/`` + ``validation/``) are scored as the run directory they form.
- ``bench/cases``: every set in ``CASE_SETS``, synthetic runs built in memory
  with their own expected and absent categories (one table per set, with the
  baselines scored on the same runs).

A category counts as predicted for a case when any run read from the case's
path has a finding of that category at warning or above. Findings in a
category a case neither expects nor rules out are not scored but listed
(``NOT-LABELLED``), so that a new false alarm on a problem-labelled log shows. Printed: per-category
precision / recall / F1 and counts for loganalyzer and for each baseline, the
cases that went wrong, and the number of warning-or-above findings in an
``absent`` category (must be 0).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from baselines import BASELINES

from bench.cases import CASE_SETS
from loganalyzer.api import analyze, load_runs
from loganalyzer.model.finding import Severity
from loganalyzer.model.rule import PROBLEM_CATEGORIES
from loganalyzer.model.run import Run

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Case:
    """One labelled path (or in-memory run) and what must and must not be found in it."""

    name: str
    path: Path | Run
    expect: set[str]
    absent: set[str]
    dataset: str


@dataclass
class Tally:
    """Confusion counts per category, with the cases behind the errors."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    false_positives: list[str] = field(default_factory=list)
    false_negatives: list[str] = field(default_factory=list)

    def add(self, case: Case, category: str, predicted: bool) -> None:
        if category in case.expect:
            if predicted:
                self.tp += 1
            else:
                self.fn += 1
                self.false_negatives.append(case.name)
        elif category in case.absent:
            if predicted:
                self.fp += 1
                self.false_positives.append(case.name)
            else:
                self.tn += 1

    def scores(self) -> tuple[float, float, float]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else float("nan")
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")
        f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else float("nan")
        if self.tp == 0 and (self.fp or self.fn):
            f1 = 0.0
        return precision, recall, f1


def corpus_cases(shared: Path) -> list[Case]:
    labels = json.loads((shared / "corpus" / "labels.json").read_text())
    return [
        Case(name, shared / "corpus" / name, set(label["expect"]), set(label["absent"]), "corpus")
        for name, label in sorted(labels.items())
    ]


def real_log_cases(shared: Path) -> list[Case]:
    root = shared / "real-logs"
    grouped: dict[str, list[str]] = defaultdict(list)
    with (root / "MANIFEST.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            top = row["file"].split("/", 1)[0]
            grouped[top].extend(label.strip() for label in row["your_label"].split(";"))
    cases = []
    for top, labels in sorted(grouped.items()):
        if "unclear" in labels:
            continue
        if all(label == "healthy" for label in labels):
            cases.append(Case(top, root / top, set(), set(PROBLEM_CATEGORIES), "real-logs"))
        else:
            expect = {label for label in labels if label in PROBLEM_CATEGORIES}
            cases.append(Case(top, root / top, expect, set(), "real-logs"))
    return cases


def synthetic_cases() -> dict[str, list[Case]]:
    return {
        f"cases/{name}": [Case(c.name, c.run, c.expect, c.absent, name) for c in build()]
        for name, build in CASE_SETS.items()
    }


def predicted_categories(path: Path | Run) -> tuple[set[str], list[str]]:
    analysis = analyze(path)
    problems = [f"{e.path}: {e.message}" for e in analysis.input_errors]
    problems += [f"{e.run} {e.rule}: {e.message}" for e in analysis.rule_errors]
    found = {f.category for f in analysis.findings if f.severity >= Severity.WARNING}
    return found & set(PROBLEM_CATEGORIES), problems


def baseline_predictions(path: Path | Run) -> dict[str, bool]:
    runs = [path] if isinstance(path, Run) else load_runs(path).runs
    return {b.name: any(b.flags(run) for run in runs) for b in BASELINES}


def format_row(label: str, tally: Tally) -> str:
    p, r, f1 = tally.scores()
    counts = f"TP {tally.tp}, FP {tally.fp}, FN {tally.fn}, TN {tally.tn}"
    return f"  {label:<32} P={p:5.2f} R={r:5.2f} F1={f1:5.2f}  ({counts})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--details", action="store_true", help="list every case with its predictions")
    args = parser.parse_args()
    if not args.shared.is_dir():
        print(f"{args.shared} not found", file=sys.stderr)
        return 2

    datasets = {
        "corpus": corpus_cases(args.shared),
        "real-logs": real_log_cases(args.shared),
        **synthetic_cases(),
    }
    absent_violations = 0
    for dataset, cases in datasets.items():
        ours: dict[str, Tally] = defaultdict(Tally)
        theirs: dict[str, Tally] = defaultdict(Tally)
        print(f"\n== {dataset}: {len(cases)} labelled cases")
        for case in cases:
            found, problems = predicted_categories(case.path)
            flagged = baseline_predictions(case.path)
            for category in PROBLEM_CATEGORIES:
                ours[category].add(case, category, category in found)
            for baseline in BASELINES:
                theirs[baseline.name].add(case, baseline.category, flagged[baseline.name])
            violations = found & case.absent
            # A log labelled with one problem says nothing about the others; findings outside its
            # labels are not scored, but listed, so a new false alarm there is seen.
            unlabelled = found - case.expect - case.absent
            if dataset != "real-logs":
                absent_violations += len(violations)
            if args.details or problems or violations or unlabelled or (case.expect - found):
                print(
                    f"  {case.name:<58} expect={sorted(case.expect)} found={sorted(found)}"
                    + (f" ABSENT-VIOLATED={sorted(violations)}" if violations else "")
                    + (f" NOT-LABELLED={sorted(unlabelled)}" if unlabelled else "")
                    + (f" ERRORS={problems}" if problems else "")
                )
        print(f"\n  loganalyzer ({dataset})")
        for category in PROBLEM_CATEGORIES:
            print(format_row(category, ours[category]))
        print(f"\n  baselines ({dataset})")
        for baseline in BASELINES:
            print(format_row(f"{baseline.name} [{baseline.category}]", theirs[baseline.name]))
    print(f"\nwarning-or-above findings of an absent category on corpus and case runs: {absent_violations}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
