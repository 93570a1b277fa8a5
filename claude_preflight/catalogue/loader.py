"""Read catalogue files, validate them against the shipped schema and merge them.

Shipped files may not define an entry twice (identical source definitions are
tolerated). User files may add entries or override fields of existing ones;
two user files giving the same field different values is a conflict.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from claude_preflight.errors import CatalogueError
from claude_preflight.files import pointer, yaml_source

MAP_SECTIONS = (
    "sources",
    "models",
    "surfaces",
    "api_versions",
    "betas",
    "features",
    "endpoints",
    "tool_types",
    "request_fields",
)
_DEF_OF_SECTION = {
    "sources": "source",
    "models": "model",
    "surfaces": "surface",
    "api_versions": "apiVersion",
    "betas": "beta",
    "features": "feature",
    "endpoints": "endpoint",
    "tool_types": "toolType",
}


def builtin_dir() -> Path:
    """The shipped catalogue: inside the installed package, else the repository's ``rules/``."""
    here = Path(__file__).resolve().parent.parent
    installed = here / "_catalogue"
    if installed.is_dir():
        return installed
    return here.parent / "rules"


def schema_path() -> Path:
    return builtin_dir() / "catalogue.schema.json"


@dataclass
class RawFile:
    path: str
    text: str
    data: dict[str, Any]
    builtin: bool
    _positions: dict[str, tuple[int, int]] | None = None

    def where(self, ptr: str) -> str:
        if self._positions is None:
            self._positions = yaml_source.positions(self.text)
        probe = ptr
        while True:
            if probe in self._positions:
                line, col = self._positions[probe]
                return f"{self.path}:{line}:{col}"
            if not probe:
                return f"{self.path}:1:1"
            probe = pointer.parent(probe)


@dataclass
class Merged:
    """The merged raw catalogue plus where each entry came from."""

    sections: dict[str, dict[str, Any]] = field(default_factory=lambda: {s: {} for s in MAP_SECTIONS})
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    rule_family: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    origin: dict[tuple[str, str], tuple[RawFile, str]] = field(default_factory=dict)
    files: list[RawFile] = field(default_factory=list)


def _read(path: Path, builtin: bool, problems: list[str]) -> RawFile | None:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}:1:1: cannot read catalogue file: {exc}")
        return None
    try:
        data = yaml_source.load(text)
    except yaml_source.YamlProblem as exc:
        problems.append(f"{path}:{exc.line or 1}:{exc.column or 1}: invalid YAML: {exc}")
        return None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.append(f"{path}:1:1: a catalogue file must be a mapping of sections")
        return None
    return RawFile(str(path), text, data, builtin)


def _schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    strict = json.loads(schema_path().read_text(encoding="utf-8"))
    partial = copy.deepcopy(strict)
    for name, definition in partial["$defs"].items():
        if name == "rule":
            definition["required"] = ["code"]
        elif isinstance(definition, dict):
            definition.pop("required", None)
    return strict, partial


def _validate(raw: RawFile, schema: dict[str, Any], problems: list[str]) -> bool:
    from jsonschema import Draft202012Validator

    errors = sorted(Draft202012Validator(schema).iter_errors(raw.data), key=lambda e: list(map(str, e.absolute_path)))
    for error in errors:
        ptr = pointer.from_parts(error.absolute_path)
        problems.append(f"{raw.where(ptr)}: {ptr or '/'}: {_short(error.message)}")
    return not errors


def _short(message: str, limit: int = 300) -> str:
    return message if len(message) <= limit else message[: limit - 3] + "..."


def collect_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Expand directories into their ``*.yaml``/``*.yml`` files, sorted."""
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()))
        else:
            found.append(path)
    return found


def read_and_merge(extra: Iterable[str | Path] = ()) -> Merged:
    problems: list[str] = []
    strict, partial = _schemas()
    merged = Merged()
    for path in collect_paths([builtin_dir()]):
        raw = _read(path, True, problems)
        if raw is not None and _validate(raw, strict, problems):
            _merge_builtin(merged, raw, problems)
    if problems:
        raise CatalogueError(problems)
    setters: dict[tuple[str, str, str], tuple[str, Any]] = {}
    overridden: set[tuple[str, str]] = set()
    for path in collect_paths(extra):
        raw = _read(path, False, problems)
        if raw is not None and _validate(raw, partial, problems):
            overridden |= _merge_user(merged, raw, setters, problems)
    for section, key in sorted(overridden):
        _revalidate(merged, strict, section, key, problems)
    if problems:
        raise CatalogueError(problems)
    return merged


def _family(raw: RawFile) -> str:
    meta = raw.data.get("catalogue") or {}
    return str(meta.get("family") or Path(raw.path).stem)


def _merge_builtin(merged: Merged, raw: RawFile, problems: list[str]) -> None:
    merged.files.append(raw)
    merged.settings.update(raw.data.get("settings") or {})
    for section in MAP_SECTIONS:
        for key, value in (raw.data.get(section) or {}).items():
            target = merged.sections[section]
            if key in target and section != "request_fields":
                if target[key] != value or section != "sources":
                    first = merged.origin[(section, key)]
                    problems.append(
                        f"{raw.where(pointer.join('', section, key))}: {section} entry {key!r} "
                        f"is already defined at {first[0].where(first[1])}"
                    )
                continue
            if section == "request_fields" and key in target:
                target[key].update(value)
            else:
                target[key] = value
            merged.origin[(section, key)] = (raw, pointer.join("", section, key))
    for index, rule in enumerate(raw.data.get("rules") or ()):
        code = rule["code"]
        where = pointer.join("", "rules", index)
        if code in merged.rules:
            first = merged.origin[("rules", code)]
            problems.append(f"{raw.where(where)}: rule {code} is already defined at {first[0].where(first[1])}")
            continue
        merged.rules[code] = rule
        merged.rule_family[code] = _family(raw)
        merged.origin[("rules", code)] = (raw, where)


def _merge_user(
    merged: Merged,
    raw: RawFile,
    setters: dict[tuple[str, str, str], tuple[str, Any]],
    problems: list[str],
) -> set[tuple[str, str]]:
    merged.files.append(raw)
    touched: set[tuple[str, str]] = set()
    merged.settings.update(raw.data.get("settings") or {})

    def apply(section: str, key: str, value: dict[str, Any], where: str, target: dict[str, Any]) -> None:
        current = target.get(key)
        if current is None:
            target[key] = value
        else:
            merged_value = dict(current)
            for name, new in value.items():
                earlier = setters.get((section, key, name))
                if earlier is not None and earlier[0] != raw.path and earlier[1] != new:
                    problems.append(
                        f"{raw.where(pointer.join(where, name))}: conflicting override of {section} "
                        f"{key!r} field {name!r}: {earlier[0]} sets a different value"
                    )
                    continue
                merged_value[name] = new
            target[key] = merged_value
        for name, new in value.items():
            setters.setdefault((section, key, name), (raw.path, new))
        merged.origin[(section, key)] = (raw, where)
        touched.add((section, key))

    for section in MAP_SECTIONS:
        for key, value in (raw.data.get(section) or {}).items():
            where = pointer.join("", section, key)
            if section == "request_fields":
                merged.sections[section].setdefault(key, {}).update(value)
                continue
            apply(section, key, value, where, merged.sections[section])
    for index, rule in enumerate(raw.data.get("rules") or ()):
        where = pointer.join("", "rules", index)
        if rule["code"] not in merged.rules:
            merged.rule_family[rule["code"]] = _family(raw)
        apply("rules", rule["code"], rule, where, merged.rules)
    return touched


def _revalidate(merged: Merged, strict: dict[str, Any], section: str, key: str, problems: list[str]) -> None:
    from jsonschema import Draft202012Validator

    raw, where = merged.origin[(section, key)]
    if section == "rules":
        document: dict[str, Any] = {"rules": [merged.rules[key]]}
        prefix = ["rules", 0]
    else:
        document = {section: {key: merged.sections[section][key]}}
        prefix = [section, key]
    for error in Draft202012Validator(strict).iter_errors(document):
        rest = list(error.absolute_path)[len(prefix) :]
        ptr = pointer.join(where, *rest)
        problems.append(f"{raw.where(ptr)}: {section} {key!r} after merging: {_short(error.message)}")
