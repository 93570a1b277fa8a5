"""Read catalogue files, validate them against the shipped schema and merge them.

Shipped files may not define an entry twice (identical source definitions are
tolerated). User files may add entries or override fields of existing ones;
two user files giving the same field different values is a conflict.

The merged shipped catalogue is cached (see :mod:`claude_preflight.catalogue.cache`): when
the cache is fresh, neither YAML nor jsonschema is imported. User files are always read
and validated. YAML positions (for messages) are computed only when a message needs one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from claude_preflight.catalogue import cache
from claude_preflight.errors import CatalogueError
from claude_preflight.files import pointer

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


def params_schema_path() -> Path:
    """JSON Schemas of each check's ``params`` (types, ranges, names), by check name."""
    return builtin_dir() / "check-params.schema.json"


def _params_schemas() -> dict[str, Any]:
    found = json.loads(params_schema_path().read_text(encoding="utf-8"))
    return found["checks"]  # type: ignore[no-any-return]


def _check_params(merged: Merged, codes: Iterable[str], problems: list[str]) -> None:
    """Each rule's params against the schema of its check, with file:line:col errors.

    A rule whose params a check cannot use (a string count, a zero or negative limit, a
    missing or misspelt name) would fail - or silently pass - at run time: refused here.
    """
    from jsonschema import Draft202012Validator

    schemas = _params_schemas()
    for code in sorted(codes):
        rule = merged.rules.get(code)
        schema = schemas.get(str(rule.get("check"))) if isinstance(rule, dict) else None
        if schema is None:
            continue
        params = rule.get("params") or {}  # type: ignore[union-attr]
        errors = sorted(Draft202012Validator(schema).iter_errors(params), key=lambda e: list(map(str, e.absolute_path)))
        if not errors:
            continue
        raw, where = merged.origin[("rules", code)]
        for error in errors:
            ptr = pointer.join(where, "params", *error.absolute_path)
            shown = pointer.from_parts(error.absolute_path) or "/"
            problems.append(f"{raw.where(ptr)}: rule {code} params {shown}: {_short(error.message)} "
                            f"(check {rule.get('check')})")  # type: ignore[union-attr]


@dataclass
class RawFile:
    path: str
    text: str | None  # None: not read yet (a shipped file loaded from the cache)
    data: dict[str, Any]
    builtin: bool
    _positions: dict[str, tuple[int, int]] | None = None
    known: dict[str, str] = field(default_factory=dict)  # where() results kept in the cache

    def where(self, ptr: str) -> str:
        found = self.known.get(ptr)
        if found is not None:
            return found
        if self._positions is None:
            from claude_preflight.files import yaml_source

            if self.text is None:
                try:
                    self.text = Path(self.path).read_text(encoding="utf-8-sig")
                except (OSError, UnicodeDecodeError):
                    self.text = ""
            try:
                self._positions = yaml_source.positions(self.text)
            except Exception:  # positions are a courtesy; never fail a message over them
                self._positions = {}
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
    # Rules whose examples were left out of the cache: code -> lazily loaded examples.
    lazy_examples: dict[str, Mapping[str, Any]] = field(default_factory=dict)


class _ExampleFiles:
    """Parsed shipped files, read on first use (examples are not needed to check requests)."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    def rule(self, path: str, where: str) -> Mapping[str, Any]:
        if path not in self.data:
            from claude_preflight.files import yaml_source

            try:
                self.data[path] = yaml_source.load(Path(path).read_text(encoding="utf-8-sig"))
            except Exception:
                self.data[path] = None
        found: Any = self.data[path]
        for token in pointer.split(where):
            if isinstance(found, list) and token.isdigit() and int(token) < len(found):
                found = found[int(token)]
            elif isinstance(found, dict):
                found = found.get(token)
            else:
                return {}
        return found if isinstance(found, dict) else {}


class LazyExamples(Mapping[str, Any]):
    """A rule's ``examples``, read from its shipped YAML file when first looked at."""

    def __init__(self, files: _ExampleFiles, path: str, where: str) -> None:
        self._files, self._path, self._where = files, path, where
        self._value: dict[str, Any] | None = None

    def _load(self) -> dict[str, Any]:
        if self._value is None:
            examples = self._files.rule(self._path, self._where).get("examples") or {}
            self._value = {k: tuple(v) for k, v in examples.items()} if isinstance(examples, dict) else {}
        return self._value

    def __getitem__(self, key: str) -> Any:
        return self._load()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def __eq__(self, other: object) -> bool:
        return dict(self._load()) == (dict(other) if isinstance(other, Mapping) else other)

    def __hash__(self) -> int:  # pragma: no cover - mappings are not hashed
        raise TypeError("unhashable type: 'LazyExamples'")

    def __repr__(self) -> str:
        return f"LazyExamples({self._path}{self._where})"


def _read(path: Path, builtin: bool, problems: list[str]) -> RawFile | None:
    from claude_preflight.files import yaml_source

    from claude_preflight.files.documents import read_text

    # The fixture reader refuses FIFOs, devices and binary data and names the bad byte.
    text, problem = read_text(path)
    if problem is not None or text is None:
        where = f"{path}:{problem.line}:{problem.column}" if problem else f"{path}:1:1"
        problems.append(f"{where}: cannot read catalogue file: {problem.message if problem else 'unreadable'}")
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
    import copy

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
    from claude_preflight.files.documents import discover

    found: list[Path] = []
    for item in paths:
        path = Path(item)
        try:
            is_dir = path.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            # Walked without recursion and without following directory links (no loops).
            found.extend(p for p in discover([str(path)], (".yaml", ".yml")) if isinstance(p, Path))
        else:
            found.append(path)
    return found


def read_and_merge(extra: Iterable[str | Path] = (), overlay: str | Path | None = None) -> Merged:
    """The shipped catalogue, then the synced ``overlay`` (if any), then the user's ``extra``
    files merged over it; the user's files may override what the overlay says."""
    user_files = collect_paths(extra)
    merged = read_builtin()
    if not user_files and overlay is None:
        return merged
    problems: list[str] = []
    strict, partial = _schemas()
    setters: dict[tuple[str, str, str], tuple[str, Any]] = {}
    overridden: set[tuple[str, str]] = set()
    if overlay is not None:
        before = len(problems)
        raw = _read(Path(overlay), False, problems)
        if raw is not None and _validate(raw, partial, problems):
            overridden |= _merge_user(merged, raw, {}, problems)  # its own setters: user files may override it
        if len(problems) > before:
            problems.append(f"{overlay}: written by 'claude-preflight models sync'; run it again, delete the file, "
                            "or set CLAUDE_PREFLIGHT_NO_OVERLAY=1")
    for path in user_files:
        raw = _read(path, False, problems)
        if raw is not None and _validate(raw, partial, problems):
            overridden |= _merge_user(merged, raw, setters, problems)
    for section, key in sorted(overridden):
        _revalidate(merged, strict, section, key, problems)
    if not problems:
        _check_params(merged, [key for section, key in overridden if section == "rules"], problems)
    if problems:
        raise CatalogueError(problems)
    return merged


def read_builtin() -> Merged:
    """The merged shipped catalogue: from the cache when it is fresh, else read and validated."""
    root = builtin_dir()
    paths = collect_paths([root])
    key = None
    if cache.enabled():
        from claude_preflight import __version__

        key = cache.fingerprint(root, [*paths, schema_path(), params_schema_path()], __version__)
        if key is not None:
            payload = cache.load(root, key)
            if payload is not None:
                try:
                    return _from_payload(payload)
                except Exception:  # an unexpected cache shape: ignore it and load normally
                    pass
    merged = _read_builtin(paths)
    if key is not None:
        payload = _to_payload(merged)
        if payload is not None:
            cache.store(root, key, payload)
    return merged


def _read_builtin(paths: list[Path]) -> Merged:
    problems: list[str] = []
    strict, _ = _schemas()
    merged = Merged()
    for path in paths:
        raw = _read(path, True, problems)
        if raw is not None and _validate(raw, strict, problems):
            _merge_builtin(merged, raw, problems)
    if not problems:
        _check_params(merged, merged.rules, problems)
    if problems:
        raise CatalogueError(problems)
    return merged


def _to_payload(merged: Merged) -> dict[str, Any] | None:
    """What the cache keeps: the merged data, where each entry came from, and rule positions."""
    index = {id(raw): i for i, raw in enumerate(merged.files)}
    origin = [[section, key, index[id(raw)], where] for (section, key), (raw, where) in merged.origin.items()]
    known: dict[str, dict[str, str]] = {}
    examples: dict[str, list[Any]] = {}
    for code, data in merged.rules.items():
        raw, where = merged.origin[("rules", code)]
        known.setdefault(str(index[id(raw)]), {})[where] = raw.where(where)
        if "examples" in data:
            examples[code] = [index[id(raw)], where]
    payload = {
        "sections": merged.sections,
        # Examples are left out: they are only read by `explain` and the tests, and YAML
        # anchors can make them huge once expanded (a 413 example is tens of megabytes).
        "rules": {code: {k: v for k, v in data.items() if k != "examples"} for code, data in merged.rules.items()},
        "examples": examples,
        "rule_family": merged.rule_family,
        "settings": merged.settings,
        "files": [raw.path for raw in merged.files],
        "origin": origin,
        "known": known,
    }
    return payload if cache.round_trips(payload) else None


def _from_payload(payload: dict[str, Any]) -> Merged:
    files = [RawFile(path, None, {}, True) for path in payload["files"]]
    if not all(isinstance(f.path, str) for f in files):
        raise ValueError("bad cache: file paths")
    for position, entries in payload["known"].items():
        files[int(position)].known.update({str(k): str(v) for k, v in entries.items()})
    sections = payload["sections"]
    if not isinstance(sections, dict) or set(sections) != set(MAP_SECTIONS):
        raise ValueError("bad cache: sections")
    if not all(isinstance(v, dict) for v in sections.values()):
        raise ValueError("bad cache: section values")
    merged = Merged(
        sections=sections,
        rules=dict(payload["rules"]),
        rule_family={str(k): str(v) for k, v in payload["rule_family"].items()},
        settings=dict(payload["settings"]),
        files=files,
    )
    for section, key, position, where in payload["origin"]:
        merged.origin[(section, key)] = (files[position], where)
    sources = _ExampleFiles()
    for code, (position, where) in payload["examples"].items():
        merged.lazy_examples[code] = LazyExamples(sources, files[position].path, where)
    if set(merged.rules) != set(merged.rule_family) or any(("rules", code) not in merged.origin for code in merged.rules):
        raise ValueError("bad cache: rules")
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
