"""Synthetic analyses for the reporter tests, built from model objects alone.

They are written to exercise every branch a reporter has: CSV findings with
line numbers, TensorBoard findings with byte offsets, a finding without any
position, several findings of one rule, characters that need escaping in
each format (``%``, ``,``, ``:``, ``|``, backticks, ``<``, newlines, control
characters), absolute paths with spaces, input errors, rule errors, skipped
rules and reading diagnostics. Rule and remedy texts are invented here (not
read from ``rules/``) so the golden files only change when a reporter does.
"""

from __future__ import annotations

from loganalyzer.errors import InputError
from loganalyzer.model.finding import (
    Analysis,
    Finding,
    Location,
    Remedy,
    RuleError,
    RunInfo,
    Severity,
    Skipped,
)
from loganalyzer.model.rule import RemedySpec, RuleSpec
from loganalyzer.model.run import Diagnostic, PositionUnit

CSV_RUN = "runs/exp1/history.csv"
TB_RUN = "runs/tb-run"
TB_TRAIN = "runs/tb-run/train/events.out.tfevents.1700000000.host.1.v2"
TB_VALIDATION = "runs/tb-run/validation/events.out.tfevents.1700000000.host.2.v2"
HEALTHY_RUN = "runs/healthy/history.csv"
ABSOLUTE_RUN = "/srv/logs/exp 2/history.json"

REMEDIES = {
    "early-stopping": RemedySpec(
        id="early-stopping",
        title="Stop at the best validation epoch and restore its weights",
        rationale="Every epoch after the best validation loss only memorises the training set.",
        keras='keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)',
        pytorch="if val_loss < best:\n    best, state = val_loss, copy.deepcopy(model.state_dict())",
        categories=("overfitting",),
    ),
    "weight-regularization": RemedySpec(
        id="weight-regularization",
        title="Penalise large weights (L2 / weight decay, or L1)",
        rationale="A weight penalty narrows the gap | between training and validation loss.",
        keras="layers.Dense(256, kernel_regularizer=keras.regularizers.L2(1e-4))",
        pytorch="torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)",
        categories=("overfitting",),
    ),
    "dropout": RemedySpec(
        id="dropout",
        title="Add dropout between wide layers",
        rationale="Dropout keeps units from co-adapting to <training> noise.",
        keras="layers.Dropout(0.3)",
        pytorch="nn.Dropout(p=0.3)",
        categories=("overfitting",),
    ),
    "data-augmentation": RemedySpec(
        id="data-augmentation",
        title="Augment the training data",
        rationale="More varied inputs make memorising harder.",
        keras="layers.RandomFlip('horizontal')",
        pytorch="T.RandomHorizontalFlip()",
        categories=("overfitting",),
    ),
    "lower-learning-rate": RemedySpec(
        id="lower-learning-rate",
        title="Lower the learning rate",
        rationale="Steps that are too large overshoot; the loss then grows without bound.",
        keras="keras.optimizers.Adam(learning_rate=1e-4)",
        pytorch="torch.optim.Adam(model.parameters(), lr=1e-4)",
        categories=("divergence", "loss-spike"),
    ),
    "gradient-clipping": RemedySpec(
        id="gradient-clipping",
        title="Clip the gradient norm",
        rationale="Clipping bounds the update a single bad batch can make.",
        keras="keras.optimizers.Adam(clipnorm=1.0)  # not `clipvalue`\n# ``` fences in a snippet",
        pytorch="torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)",
        categories=("divergence", "loss-spike"),
    ),
    "input-pipeline": RemedySpec(
        id="input-pipeline",
        title="Fix the input pipeline: parallel loading, prefetching, caching",
        rationale="Slow epochs are usually spent waiting for data.",
        keras="dataset.cache().prefetch(tf.data.AUTOTUNE)",
        pytorch="DataLoader(ds, num_workers=8, pin_memory=True, persistent_workers=True)",
        categories=("slow-epoch",),
    ),
}


def _rule(code: str, name: str, category: str, severity: Severity, remedies: tuple[str, ...]) -> RuleSpec:
    return RuleSpec(
        code=code,
        name=name,
        category=category,
        severity=severity,
        detector=name.replace("-", "_"),
        summary=f"{name.replace('-', ' ').capitalize()} found in the curves",
        description=(
            f"Detects **{name}** in a training log.\n\n"
            "Compares the series against a robust noise estimate (median absolute deviation) and "
            "reports only effects that are large both in relative terms and against the noise."
        ),
        message="{metric} shows a problem",
        parameters=(),
        remedies=remedies,
        references=(f"https://example.org/docs/{code}",),
    )


RULES = {
    "OF001": _rule(
        "OF001",
        "overfitting-gap",
        "overfitting",
        Severity.WARNING,
        ("early-stopping", "weight-regularization", "dropout", "data-augmentation"),
    ),
    "DV001": _rule(
        "DV001", "diverging-loss", "divergence", Severity.ERROR, ("lower-learning-rate", "gradient-clipping")
    ),
    "LS001": _rule(
        "LS001", "loss-spike", "loss-spike", Severity.WARNING, ("gradient-clipping", "lower-learning-rate")
    ),
    "SE001": _rule("SE001", "slow-epochs", "slow-epoch", Severity.INFO, ("input-pipeline",)),
    "MG001": _rule("MG001", "memory-growth", "memory-growth", Severity.WARNING, ()),
}


def _remedies(rule: str) -> tuple[Remedy, ...]:
    return tuple(
        Remedy(REMEDIES[r].id, REMEDIES[r].title, REMEDIES[r].rationale) for r in RULES[rule].remedies
    )


def _finding(run: str, rule: str, location: Location, **fields: object) -> Finding:
    spec = RULES[rule]
    values = {
        "severity": spec.severity,
        "start_step": None,
        "end_step": None,
        "evidence": {},
        "raw_metric": fields.get("metric", ""),
        **fields,
    }
    return Finding(
        run=run,
        source=location.source,
        rule=rule,
        name=spec.name,
        category=spec.category,
        remedies=_remedies(rule),
        location=location,
        **values,  # type: ignore[arg-type]
    )


def _analysis(rules: tuple[str, ...], **fields: object) -> Analysis:
    chosen = tuple(RULES[code] for code in rules)
    remedies = {r: REMEDIES[r] for rule in chosen for r in rule.remedies}
    return Analysis(rules=chosen, remedies=remedies, **fields)  # type: ignore[arg-type]


def clean() -> Analysis:
    """One healthy CSV run, every rule ran, nothing found."""
    run = RunInfo(HEALTHY_RUN, "keras-csv", (HEALTHY_RUN,), ("train.loss", "validation.loss"), 60)
    return _analysis(("DV001", "OF001"), runs=(run,), findings=())


def mixed() -> Analysis:
    """Findings of every severity across a CSV run (lines) and a TensorBoard run (byte offsets)."""
    runs = (
        RunInfo(CSV_RUN, "keras-csv", (CSV_RUN,), ("train.loss", "validation.loss", "train.epoch_time"), 120),
        RunInfo(HEALTHY_RUN, "keras-csv", (HEALTHY_RUN,), ("train.loss", "validation.loss"), 60),
        RunInfo(
            TB_RUN,
            "tensorboard",
            (TB_TRAIN, TB_VALIDATION),
            ("train.loss", "validation.loss"),
            4000,
            diagnostics=(
                Diagnostic(
                    TB_VALIDATION,
                    "truncated-record",
                    "the last record is cut short; the file was still being written",
                    65536,
                    PositionUnit.BYTE,
                ),
            ),
        ),
    )
    findings = (
        _finding(
            CSV_RUN,
            "OF001",
            Location(CSV_RUN, line=14),
            message=(
                "val_loss rose for 28 epochs after its best at epoch 12 (0.4123 -> 0.5871) while loss fell"
            ),
            metric="validation.loss",
            raw_metric="val_loss",
            start_step=12,
            end_step=40,
            evidence={"best_epoch": 12, "best_value": 0.41234567, "last_value": 0.5871, "wasted_epochs": 28},
        ),
        _finding(
            CSV_RUN,
            "SE001",
            Location(CSV_RUN, line=31),
            message="epoch 29 took 3.2x the median epoch time",
            metric="train.epoch_time",
            raw_metric="epoch_time",
            start_step=29,
            end_step=29,
            evidence={"ratio": 3.2, "median_seconds": 41.5},
        ),
        _finding(
            TB_RUN,
            "DV001",
            Location(TB_TRAIN, byte_offset=4096),
            message="loss grew 100% per 100 steps from step 1200, then became non-finite: inf, nan",
            metric="train.loss",
            raw_metric="Loss/train",
            start_step=1200,
            end_step=1500,
            evidence={"first_nonfinite_step": 1480, "growth": 2.0, "last_finite": None, "nan": True},
        ),
        _finding(
            TB_RUN,
            "LS001",
            Location(TB_TRAIN, byte_offset=1024),
            message="loss|grad jumped 8.1x above its running median at step 300",
            metric="train.loss",
            raw_metric="Loss/train",
            start_step=300,
            end_step=302,
            evidence={"ratio": 8.1, "noise_multiple": 14.0},
        ),
        _finding(
            TB_RUN,
            "LS001",
            Location(TB_TRAIN, byte_offset=2048),
            message="loss jumped 5.5x above its running median at step 900",
            metric="train.loss",
            raw_metric="Loss/train",
            start_step=900,
            end_step=900,
            evidence={"ratio": 5.5, "noise_multiple": 9.25},
        ),
    )
    return _analysis(
        ("DV001", "LS001", "OF001", "SE001"),
        runs=runs,
        findings=tuple(sorted(findings, key=lambda f: f.sort_key)),
        skipped=(Skipped(HEALTHY_RUN, "SE001", "no epoch_time column or wall times to time epochs with"),),
    )


def troubled() -> Analysis:
    """Unreadable inputs, a crashed rule, skipped rules, and a finding with no position."""
    run = RunInfo(ABSOLUTE_RUN, "keras-json", (ABSOLUTE_RUN,), ("train.loss", "train.memory"), 50)
    finding = _finding(
        ABSOLUTE_RUN,
        "MG001",
        Location(ABSOLUTE_RUN),
        message='memory grew 40 MB per epoch for 50 epochs ("rss_mb": 812 -> 2810)\nno plateau in sight',
        metric="train.memory",
        raw_metric="rss_mb",
        start_step=0,
        end_step=49,
        evidence={"slope_mb_per_epoch": 40.0, "epochs": 50},
    )
    return _analysis(
        ("DV001", "MG001", "OF001", "SE001"),
        runs=(run,),
        findings=(finding,),
        skipped=(
            Skipped(ABSOLUTE_RUN, "OF001", "needs validation.loss; the run has train.loss only"),
            Skipped(ABSOLUTE_RUN, "SE001", "no epoch_time column or wall times to time epochs with"),
        ),
        rule_errors=(
            RuleError(ABSOLUTE_RUN, "DV001", "ValueError: bad value '\x00\x1b[31m' at <step 3> & more"),
        ),
        input_errors=(
            InputError("logs/broken.csv", "not a recognised training log (expected a CSV header)"),
            InputError("missing", "no such file or directory"),
        ),
    )


#: Every synthetic analysis by name, for parametrised tests.
ANALYSES = {"clean": clean, "mixed": mixed, "troubled": troubled}
