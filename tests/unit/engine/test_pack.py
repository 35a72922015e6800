"""A broken rule pack is a clear RulePackError naming the file and the problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from loganalyzer.engine.pack import load_pack, pack_location
from loganalyzer.errors import RulePackError

GOOD_RULE = '''
code = "OF901"
name = "test-rule"
category = "overfitting"
severity = "warning"
detector = "overfitting"
summary = "A rule used only by the tests of the pack loader."
description = """
Detects nothing in particular; it exists so that the loader's checks can be exercised on a pack
that is valid in every respect but the one each test breaks.
"""
message = "value {rise_pct:.3g} seen"
remedies = ["early-stopping"]

[parameters.threshold]
type = "number"
minimum = 0
default = 0.5
description = "A threshold that the tests override."
'''


@pytest.fixture
def pack_dir(tmp_path: Path) -> Path:
    source = Path(str(pack_location()))
    target = tmp_path / "rules"
    target.mkdir()
    shutil.copytree(source / "schema", target / "schema")
    for name in ("pack.toml", "remedies.toml"):
        shutil.copy(source / name, target / name)
    (target / "OF901.toml").write_text(GOOD_RULE)
    return target


def test_a_valid_pack_loads(pack_dir: Path) -> None:
    pack = load_pack(pack_dir)
    [rule] = pack.rules
    assert rule.code == "OF901" and rule.defaults() == {"threshold": 0.5}
    assert "early-stopping" in pack.remedies


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('severity = "warning"', 'severity = "fatal"', r"OF901.toml: at /severity"),
        ('category = "overfitting"', 'category = "divergence"', r"does not match family OF"),
        (
            'detector = "overfitting"',
            'detector = "no_such_detector"',
            r"detector 'no_such_detector' does not exist",
        ),
        (
            'remedies = ["early-stopping"]',
            'remedies = ["no-such-remedy"]',
            r"remedy 'no-such-remedy' is not in",
        ),
        ("default = 0.5", "default = -1.0", r"default of parameter 'threshold' violates its own schema"),
        ('code = "OF901"', 'code = "OF902"', r"file name must be OF902.toml"),
        (
            'message = "value {rise_pct:.3g} seen"',
            'message = "value {rise_pct:.3g seen"',
            r"message template is malformed",
        ),
        ('name = "test-rule"', 'name = "Test Rule"', r"at /name"),
        ("[parameters.threshold]", "[parameters.threshold]\nunknown_key = 1", r"at /parameters/threshold"),
    ],
    ids=["severity", "family", "detector", "remedy", "default", "filename", "template", "name", "param-key"],
)
def test_broken_rule_is_reported_with_file_and_reason(
    pack_dir: Path, old: str, new: str, expected: str
) -> None:
    rule_file = pack_dir / "OF901.toml"
    rule_file.write_text(rule_file.read_text().replace(old, new))
    with pytest.raises(RulePackError, match=expected):
        load_pack(pack_dir)


def test_invalid_toml_is_reported(pack_dir: Path) -> None:
    (pack_dir / "OF901.toml").write_text("code = ")
    with pytest.raises(RulePackError, match=r"OF901\.toml: invalid TOML"):
        load_pack(pack_dir)


def test_duplicate_names_are_reported(pack_dir: Path) -> None:
    (pack_dir / "OF902.toml").write_text(GOOD_RULE.replace("OF901", "OF902"))
    with pytest.raises(RulePackError, match="'test-rule' is used by both OF901 and OF902"):
        load_pack(pack_dir)


def test_missing_catalog_is_reported(pack_dir: Path) -> None:
    (pack_dir / "remedies.toml").unlink()
    with pytest.raises(RulePackError, match=r"remedies\.toml is missing"):
        load_pack(pack_dir)


def test_unknown_remedy_field_is_reported(pack_dir: Path) -> None:
    catalog = pack_dir / "remedies.toml"
    catalog.write_text(catalog.read_text().replace('id = "dropout"', 'id = "dropout"\ncolour = "red"', 1))
    with pytest.raises(RulePackError, match=r"remedies.toml: at /remedy/\d+"):
        load_pack(pack_dir)


def test_superseded_by_must_name_another_rule(pack_dir: Path) -> None:
    rule_file = pack_dir / "OF901.toml"
    rule_file.write_text(
        rule_file.read_text().replace(
            'remedies = ["early-stopping"]', 'remedies = ["early-stopping"]\nsuperseded_by = ["DV999"]'
        )
    )
    with pytest.raises(RulePackError, match="superseded_by names 'DV999'"):
        load_pack(pack_dir)
