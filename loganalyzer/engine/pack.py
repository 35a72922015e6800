"""Load the rule pack from ``rules/`` and validate it before anything runs.

The pack is data: ``pack.toml`` (version and code families),
``remedies.toml`` (the remedy catalog) and one ``<CODE>.toml`` per rule, each
checked against the JSON Schemas in ``rules/schema/``. On top of the schemas
the loader checks what a schema cannot: codes and names are unique, a code's
prefix matches its family and category, every remedy id exists, every
detector exists, every parameter default satisfies its own schema, and every
message template only names evidence the template syntax allows. A broken
pack is a :class:`~loganalyzer.errors.RulePackError` naming the file and the
problem, never a traceback.

In a wheel the pack is installed as ``loganalyzer/_rules``; in a source
checkout it is read from the repository's ``rules/`` directly.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from loganalyzer.engine import wording
from loganalyzer.errors import RulePackError
from loganalyzer.model.finding import Detector, Severity
from loganalyzer.model.rule import PROBLEM_CATEGORIES, ParameterSpec, RemedySpec, RulePack, RuleSpec


def pack_location() -> Traversable:
    """The directory holding the rule pack: installed copy first, then the source tree."""
    installed = resources.files("loganalyzer") / "_rules"
    if installed.is_dir():
        return installed
    source_tree = Path(__file__).resolve().parents[2] / "rules"
    if source_tree.is_dir():
        return source_tree
    raise RulePackError("rule pack not found: neither loganalyzer/_rules nor the source tree's rules/ exists")


@cache
def load_default_pack() -> RulePack:
    """The pack shipped with loganalyzer, loaded and validated once per process."""
    return load_pack(pack_location())


def load_pack(root: Traversable) -> RulePack:
    """Read and validate the pack in ``root``."""
    import jsonschema

    from loganalyzer.detectors import DETECTORS

    rule_schema = _read_json(root / "schema" / "rule.schema.json")
    remedy_schema = _read_json(root / "schema" / "remedies.schema.json")
    header = _read_toml(root / "pack.toml")
    families: Mapping[str, str] = header.get("families", {})
    categories = set(PROBLEM_CATEGORIES)

    catalog_doc = _read_toml(root / "remedies.toml")
    _validate(jsonschema, catalog_doc, remedy_schema, "remedies.toml")
    remedies = _remedies(catalog_doc)

    rules: list[RuleSpec] = []
    rule_files = sorted(
        (entry for entry in root.iterdir() if entry.name.endswith(".toml") and entry.name[:2].isupper()),
        key=lambda entry: entry.name,
    )
    for entry in rule_files:
        document = _read_toml(entry)
        _validate(jsonschema, document, rule_schema, entry.name)
        rule = _rule(document, entry.name)
        _cross_check(rule, entry.name, families, categories, remedies, DETECTORS, jsonschema)
        rules.append(rule)
    _check_unique(rules)
    _check_supersession(rules)
    return RulePack(version=str(header.get("version", "0")), rules=tuple(rules), remedies=remedies)


def _read_toml(entry: Traversable) -> dict[str, Any]:
    try:
        return tomllib.loads(entry.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RulePackError(f"rule pack: {entry.name} is missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulePackError(f"rule pack: {entry.name}: invalid TOML: {exc}") from None


def _read_json(entry: Traversable) -> dict[str, Any]:
    try:
        return dict(json.loads(entry.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise RulePackError(f"rule pack: schema/{entry.name} is missing") from None
    except json.JSONDecodeError as exc:
        raise RulePackError(f"rule pack: schema/{entry.name}: invalid JSON: {exc}") from None


def _validate(jsonschema: Any, document: Any, schema: Mapping[str, Any], filename: str) -> None:
    """Schema-check ``document``; report the first error with its JSON pointer."""
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        pointer = "/" + "/".join(str(p) for p in first.absolute_path)
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise RulePackError(f"rule pack: {filename}: at {pointer}: {first.message}{more}")


def _remedies(document: Mapping[str, Any]) -> dict[str, RemedySpec]:
    remedies: dict[str, RemedySpec] = {}
    for item in document["remedy"]:
        if item["id"] in remedies:
            raise RulePackError(f"rule pack: remedies.toml: remedy id {item['id']!r} is defined twice")
        remedies[item["id"]] = RemedySpec(
            id=item["id"],
            title=item["title"],
            rationale=item["rationale"].strip(),
            keras=item["keras"].strip("\n"),
            pytorch=item["pytorch"].strip("\n"),
            categories=tuple(item["categories"]),
        )
    return remedies


def _rule(document: Mapping[str, Any], filename: str) -> RuleSpec:
    if filename != f"{document['code']}.toml":
        raise RulePackError(f"rule pack: {filename}: file name must be {document['code']}.toml")
    return RuleSpec(
        code=document["code"],
        name=document["name"],
        category=document["category"],
        severity=Severity.parse(document["severity"]),
        detector=document["detector"],
        summary=document["summary"],
        description=document["description"].strip(),
        message=document["message"],
        parameters=tuple(
            ParameterSpec(name, dict(schema)) for name, schema in document["parameters"].items()
        ),
        remedies=tuple(document["remedies"]),
        references=tuple(document.get("references", ())),
        aliases=tuple(document.get("aliases", ())),
        superseded_by=tuple(document.get("superseded_by", ())),
    )


#: Template fields the engine supplies for every finding, whatever the detector.
TEMPLATE_CONTEXT_FIELDS = wording.CONTEXT_FIELDS


def _cross_check(
    rule: RuleSpec,
    filename: str,
    families: Mapping[str, str],
    categories: set[str],
    remedies: Mapping[str, RemedySpec],
    detectors: Mapping[str, Detector],
    jsonschema: Any,
) -> None:
    """The checks a JSON Schema cannot express."""
    where = f"rule pack: {filename}"
    family = families.get(rule.code[:2])
    if family is None:
        raise RulePackError(f"{where}: code prefix {rule.code[:2]!r} is not a family declared in pack.toml")
    if rule.category != family:
        raise RulePackError(
            f"{where}: category {rule.category!r} does not match family {rule.code[:2]} ({family})"
        )
    if rule.category not in categories:
        raise RulePackError(
            f"{where}: category {rule.category!r} is not one of {', '.join(sorted(categories))}"
        )
    if rule.name in categories:
        raise RulePackError(
            f"{where}: rule name {rule.name!r} is a category name; a name must say what the rule finds"
        )
    if rule.detector not in detectors:
        raise RulePackError(f"{where}: detector {rule.detector!r} does not exist")
    for remedy_id in rule.remedies:
        if remedy_id not in remedies:
            raise RulePackError(f"{where}: remedy {remedy_id!r} is not in remedies.toml")
    for parameter in rule.parameters:
        fragment = {k: v for k, v in parameter.schema.items() if k not in ("default", "description")}
        if not jsonschema.Draft202012Validator(fragment).is_valid(parameter.default):
            raise RulePackError(f"{where}: default of parameter {parameter.name!r} violates its own schema")
    try:
        fields = wording.template_fields(rule.message)
    except wording.TemplateError as exc:
        raise RulePackError(f"{where}: message template is malformed: {exc}") from None
    declared = detectors[rule.detector].evidence_fields()
    if declared is not None:
        for name in fields:
            if name not in declared and name not in TEMPLATE_CONTEXT_FIELDS:
                raise RulePackError(
                    f"{where}: message template names {{{name}}}, which detector {rule.detector!r} "
                    f"does not declare in its evidence"
                )


def _check_supersession(rules: list[RuleSpec]) -> None:
    """Every ``superseded_by`` names a rule of the pack, and never the rule itself."""
    codes = {rule.code for rule in rules}
    for rule in rules:
        for code in rule.superseded_by:
            if code not in codes or code == rule.code:
                raise RulePackError(
                    f"rule pack: {rule.code}.toml: superseded_by names {code!r}, not another rule"
                )


def _check_unique(rules: list[RuleSpec]) -> None:
    seen: dict[str, str] = {}
    for rule in rules:
        for label in (rule.code, rule.name, *rule.aliases):
            if label in seen:
                raise RulePackError(f"rule pack: {label!r} is used by both {seen[label]} and {rule.code}")
            seen[label] = rule.code
