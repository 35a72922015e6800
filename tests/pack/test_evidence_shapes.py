"""Evidence has a declared shape: templates are checked against it, and detectors keep to it."""

from __future__ import annotations

import shutil
from dataclasses import is_dataclass
from pathlib import Path

import pytest

from loganalyzer.api import load_runs
from loganalyzer.detectors import DETECTORS
from loganalyzer.engine.pack import load_default_pack, load_pack, pack_location
from loganalyzer.errors import RulePackError
from loganalyzer.model.finding import Evidence, MissingInput

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
PACK = load_default_pack()
DECLARED = sorted(key for key, detector in DETECTORS.items() if detector.evidence is not None)


def test_a_template_naming_an_undeclared_field_fails_to_load_with_file_and_field(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(Path(str(pack_location())), rules)
    of001 = rules / "OF001.toml"
    text = of001.read_text(encoding="utf-8")
    assert "{rise_pct:" in text
    of001.write_text(text.replace("{rise_pct:", "{rise_pcnt:"), encoding="utf-8")
    with pytest.raises(RulePackError, match=r"OF001\.toml.*\{rise_pcnt\}.*'overfitting'"):
        load_pack(rules)


@pytest.mark.parametrize("key", DECLARED)
def test_a_declared_evidence_shape_is_a_frozen_dataclass_named_after_its_detector(key: str) -> None:
    shape = DETECTORS[key].evidence
    assert shape is not None and is_dataclass(shape)
    assert shape.__dataclass_params__.frozen  # type: ignore[attr-defined]
    camel = "".join(part.capitalize() for part in key.split("_"))
    assert shape.__name__ == f"{camel}Evidence"
    assert shape.__module__ == DETECTORS[key].function.__module__


def _evidence_on_fixtures(key: str) -> list[Evidence]:
    """Everything detector ``key`` returns on the bundled fixtures, with every rule's shipped defaults."""
    [rule] = [rule for rule in PACK.rules if rule.detector == key]
    found: list[Evidence] = []
    for fixture in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        for run in load_runs(fixture).runs:
            try:
                found.extend(DETECTORS[key].function(run, **rule.defaults()))
            except MissingInput:
                continue
    return found


@pytest.mark.parametrize("key", DECLARED)
def test_every_evidence_a_detector_returns_has_exactly_its_declared_keys(key: str) -> None:
    found = _evidence_on_fixtures(key)
    assert found, f"no fixture makes {key} fire, so its evidence shape is untested"
    declared = DETECTORS[key].evidence_fields()
    for evidence in found:
        assert set(evidence.values) == declared
