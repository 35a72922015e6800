"""Validate user configuration and turn it into :class:`Settings`.

The configuration is the ``[tool.loganalyzer]`` table of ``pyproject.toml``
or the top level of ``loganalyzer.toml``; the command line overrides it.
Every key and value is checked: an unknown key, a selector that names no
rule, or a rule parameter outside the bounds its rule declares is a
:class:`~loganalyzer.errors.ConfigError` naming the file, the key and, when
there is one, the closest valid spelling (flake8 silently ignores unknown
keys; a linter's configuration must never fail silently).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from loganalyzer.engine.settings import SelectionLayer, Settings, selector_specificity
from loganalyzer.errors import ConfigError
from loganalyzer.model.finding import Severity
from loganalyzer.model.rule import RulePack, RuleSpec
from loganalyzer.model.run import MetricKey

#: Top-level keys and what they hold.
TOP_LEVEL_KEYS = {
    "select": "list of rule selectors to run (codes, prefixes, names, categories, ALL)",
    "extend-select": "list of selectors added to select",
    "ignore": "list of selectors to switch off",
    "per-path-ignores": "table: glob on the run path -> list of selectors",
    "exclude": "list of globs on run paths (as shown in reports) that are not analysed at all",
    "fail-on": "lowest severity that makes the exit code 1: info, warning or error",
    "rules": "table per rule code or name: parameter values and severity",
    "metric-map": "table: raw tag/column name -> canonical metric such as validation.loss",
    "max-bytes": "largest log file read: bytes, or a size such as '500MB' or '4GiB'",
}

#: Units of a size; decimal (kB, MB, GB) and binary (KiB, MiB, GiB), case-insensitive.
_SIZE_UNITS = {
    "": 1,
    "b": 1,
    "k": 10**3,
    "kb": 10**3,
    "m": 10**6,
    "mb": 10**6,
    "g": 10**9,
    "gb": 10**9,
    "t": 10**12,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", re.IGNORECASE)


def parse_size(value: object, where: str) -> int:
    """A positive byte count from an int or a string such as ``"500MB"``; ConfigError otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        number, unit = float(value), ""
    elif isinstance(value, str) and (match := _SIZE.fullmatch(value)):
        number, unit = float(match.group(1)), match.group(2).lower()
    else:
        raise ConfigError(f"{where}: {value!r} is not a size (bytes, or e.g. '500MB', '2GiB')")
    if unit not in _SIZE_UNITS:
        raise ConfigError(
            f"{where}: unknown size unit {unit!r} in {value!r} (use B, kB, MB, GB, KiB, MiB, GiB)"
        )
    size = int(number * _SIZE_UNITS[unit])
    if size < 1:
        raise ConfigError(f"{where}: {value!r} must be at least 1 byte")
    return size


def settings_from_mapping(
    mapping: Mapping[str, Any], pack: RulePack, *, origin: str, base: Settings | None = None
) -> Settings:
    """Validate ``mapping`` (from ``origin``, a file name or 'command line') over ``base``."""
    for key in mapping:
        if key not in TOP_LEVEL_KEYS:
            raise ConfigError(f"{origin}: unknown key {key!r}{_suggest(key, TOP_LEVEL_KEYS)}")
    layer = SelectionLayer(
        select=_selectors(mapping, "select", pack, origin, None),
        extend_select=_selectors(mapping, "extend-select", pack, origin, ()) or (),
        ignore=_selectors(mapping, "ignore", pack, origin, ()) or (),
    )
    if base is None:
        select, extend_select, ignore = layer.select or ("ALL",), layer.extend_select, layer.ignore
        layers: tuple[SelectionLayer, ...] = ()
    else:
        select, extend_select, ignore = base.select, base.extend_select, base.ignore
        changed = layer.select is not None or layer.extend_select or layer.ignore
        layers = base.layers + ((layer,) if changed else ())
    base_settings = base or Settings()
    per_path = dict(base_settings.per_path_ignores)
    for pattern, selectors in _table(mapping, "per-path-ignores", origin).items():
        per_path[pattern] = _selector_list(selectors, f"per-path-ignores.{pattern!r}", pack, origin)
    exclude = base_settings.exclude
    if "exclude" in mapping:
        globs = mapping["exclude"]
        if not isinstance(globs, list) or not all(isinstance(g, str) and g for g in globs):
            raise ConfigError(f"{origin}: exclude must be a list of globs such as ['runs/old/**']")
        exclude = (*exclude, *globs)
    fail_on = base_settings.fail_on
    if "fail-on" in mapping:
        fail_on = _severity(mapping["fail-on"], "fail-on", origin)
    parameters = {code: dict(values) for code, values in base_settings.parameters.items()}
    severities = dict(base_settings.severities)
    for reference, table in _table(mapping, "rules", origin).items():
        rule = _rule(reference, pack, origin)
        if not isinstance(table, Mapping):
            raise ConfigError(f"{origin}: rules.{reference} must be a table of parameter values")
        for name, value in table.items():
            if name == "severity":
                severities[rule.code] = _severity(value, f"rules.{reference}.severity", origin)
                continue
            parameters.setdefault(rule.code, {})[name] = _parameter(rule, name, value, reference, origin)
    max_bytes = base_settings.max_bytes
    if "max-bytes" in mapping:
        max_bytes = parse_size(mapping["max-bytes"], f"{origin}: max-bytes")
    name_map = dict(base_settings.name_map)
    for raw, key in _table(mapping, "metric-map", origin).items():
        if not isinstance(key, str):
            raise ConfigError(f"{origin}: metric-map.{raw!r} must be a string such as 'validation.loss'")
        try:
            MetricKey.parse(key)
        except ValueError as exc:
            raise ConfigError(f"{origin}: metric-map.{raw!r}: {exc}") from None
        name_map[raw] = key
    return Settings(
        select=select,
        extend_select=extend_select,
        ignore=ignore,
        layers=layers,
        per_path_ignores=per_path,
        exclude=exclude,
        parameters=parameters,
        severities=severities,
        fail_on=fail_on,
        name_map=name_map,
        max_bytes=max_bytes,
    )


def _table(mapping: Mapping[str, Any], key: str, origin: str) -> Mapping[str, Any]:
    value = mapping.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{origin}: {key} must be a table ({TOP_LEVEL_KEYS[key]})")
    return value


def _selectors(
    mapping: Mapping[str, Any], key: str, pack: RulePack, origin: str, default: tuple[str, ...] | None
) -> tuple[str, ...] | None:
    if key not in mapping:
        return default
    return _selector_list(mapping[key], key, pack, origin)


def _selector_list(value: Any, key: str, pack: RulePack, origin: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{origin}: {key} must be a list of rule selectors")
    selectors = tuple(item.strip() for item in value)
    for selector in selectors:
        check_selector(selector, pack, f"{origin}: {key}")
    return selectors


def check_selector(selector: str, pack: RulePack, where: str) -> None:
    """Raise ConfigError when ``selector`` matches no rule of the pack."""
    if any(selector_specificity(selector, rule) is not None for rule in pack.rules):
        return
    known = ["ALL", *_labels(pack.rules)]
    hint = _suggest(selector, known) or _suggest_prefix(selector, pack)
    raise ConfigError(f"{where}: {selector!r} matches no rule{hint}")


def _suggest_prefix(selector: str, pack: RulePack) -> str:
    """For a code-like selector (``OF9``), the longest prefix of it that does select rules."""
    upper = selector.upper()
    for length in range(len(upper) - 1, 1, -1):
        codes = [rule.code for rule in pack.rules if rule.code.startswith(upper[:length])]
        if codes:
            return f" (did you mean {upper[:length]!r}: {', '.join(codes)}?)"
    return ""


def _labels(rules: Iterable[RuleSpec]) -> list[str]:
    labels: list[str] = []
    for rule in rules:
        labels.extend([rule.code, rule.name, rule.category, *rule.aliases])
    return sorted(set(labels))


def _rule(reference: str, pack: RulePack, origin: str) -> RuleSpec:
    rule = pack.lookup(reference)
    if rule is None:
        raise ConfigError(f"{origin}: rules.{reference}: no such rule{_suggest(reference, pack.labels())}")
    return rule


def _parameter(rule: RuleSpec, name: str, value: Any, reference: str, origin: str) -> Any:
    """Validate one parameter value against the fragment its rule declares."""
    import jsonschema

    specs = {p.name: p for p in rule.parameters}
    if name not in specs:
        names = [*specs, "severity"]
        raise ConfigError(f"{origin}: rules.{reference}: unknown parameter {name!r}{_suggest(name, names)}")
    fragment = {k: v for k, v in specs[name].schema.items() if k not in ("default", "description")}
    if fragment.get("type") == "number" and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    errors = list(jsonschema.Draft202012Validator(fragment).iter_errors(value))
    if errors:
        raise ConfigError(f"{origin}: rules.{reference}.{name} = {value!r}: {errors[0].message}")
    return value


def _severity(value: Any, key: str, origin: str) -> Severity:
    if not isinstance(value, str):
        raise ConfigError(f"{origin}: {key} must be one of info, warning, error")
    try:
        return Severity.parse(value)
    except ValueError:
        raise ConfigError(
            f"{origin}: {key} = {value!r}: must be one of info, warning, error"
            f"{_suggest(value.lower(), ['info', 'warning', 'error'])}"
        ) from None


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


#: Files searched in each directory, closest first (a pyproject.toml counts only with [tool.loganalyzer]).
CONFIG_FILES = ("loganalyzer.toml", ".loganalyzer.toml", "pyproject.toml")


def discover_config(start: Path) -> tuple[Path, Mapping[str, Any]] | None:
    """The closest configuration at or above ``start``, as (file, table), or None.

    Like ruff: the nearest file wins and parent files are not merged. A
    ``pyproject.toml`` without a ``[tool.loganalyzer]`` table is passed over.
    """
    for directory in (start, *start.parents):
        for name in CONFIG_FILES:
            candidate = directory / name
            if not candidate.is_file():
                continue
            table = read_config_file(candidate)
            if table is not None:
                return candidate, table
    return None


def read_config_file(path: Path) -> Mapping[str, Any] | None:
    """The loganalyzer table of a config file (None for a pyproject.toml without one)."""
    import tomllib

    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        tool = document.get("tool", {})
        table = tool.get("loganalyzer") if isinstance(tool, dict) else None
        if table is None:
            return None
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.loganalyzer] must be a table")
        return table
    return document


def load_settings(
    pack: RulePack,
    *,
    config_file: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    start: Path | None = None,
) -> Settings:
    """Defaults, then the configuration file (given or discovered), then command-line ``overrides``."""
    settings = Settings()
    if config_file is not None:
        path = Path(config_file)
        table = read_config_file(path)
        if table is None:
            raise ConfigError(f"{path}: has no [tool.loganalyzer] table")
        settings = settings_from_mapping(table, pack, origin=_origin(path))
    else:
        found = discover_config(start or Path.cwd())
        if found is not None:
            settings = settings_from_mapping(found[1], pack, origin=_origin(found[0]))
    if overrides:
        settings = settings_from_mapping(overrides, pack, origin="command line", base=settings)
    return settings


def _origin(path: Path) -> str:
    return f"{path} [tool.loganalyzer]" if path.name == "pyproject.toml" else str(path)
