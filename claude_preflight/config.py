"""Configuration from ``[tool.claude-preflight]`` in ``pyproject.toml`` and its application.

The same :class:`Config` is honoured by the CLI, the pytest plugin and the SDK middleware.
Selectors (in ``select``, ``ignore``, ``per-file-ignores`` and overrides) are rule codes
(``SP002``), code prefixes (``SP``) or rule names (``sampling-rejected-by-model``).
"""

from __future__ import annotations

import fnmatch
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Mapping

from claude_preflight.report import Finding

SEVERITIES = ("error", "warning", "info")


class ConfigError(ValueError):
    """The configuration is invalid; the message names the file and key."""


@dataclass(frozen=True)
class Override:
    """Suppress ``ignore`` selectors at one JSON Pointer (and below) in matching files."""

    files: tuple[str, ...]
    pointer: str
    ignore: tuple[str, ...]
    index: int = 0


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, str] = field(default_factory=dict)
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    overrides: tuple[Override, ...] = ()
    fail_on: str = "error"
    surface: str | None = None
    api_version: str | None = None
    catalogue: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    root: Path | None = None
    source: str | None = None
    path: Path | None = None

    # ----------------------------------------------------------------- matching

    def relative(self, file: str | None) -> str | None:
        if file is None:
            return None
        path = Path(file)
        if self.root is not None:
            try:
                return PurePosixPath(path.resolve().relative_to(self.root.resolve())).as_posix()
            except ValueError:
                pass
        return PurePosixPath(path).as_posix()

    def apply(self, findings: Iterable[Finding], file: str | None = None, used: set[int] | None = None) -> list[Finding]:
        """Filter and re-grade findings; ``used`` collects the indices of overrides that matched."""
        rel = self.relative(file)
        file_ignores = [sel for pattern, sels in self.per_file_ignores.items() if rel and _glob(rel, pattern) for sel in sels]
        kept = []
        for finding in findings:
            if self.select and not any(matches(s, finding) for s in self.select):
                continue
            if any(matches(s, finding) for s in self.ignore) or any(matches(s, finding) for s in file_ignores):
                continue
            if self._overridden(finding, rel, used):
                continue
            level = next((lvl for sel, lvl in self.severity.items() if matches(sel, finding)), None)
            kept.append(replace(finding, severity=level) if level and level != finding.severity else finding)  # type: ignore[arg-type]
        return kept

    def _overridden(self, finding: Finding, rel: str | None, used: set[int] | None) -> bool:
        for override in self.overrides:
            if rel is None or not any(_glob(rel, p) for p in override.files):
                continue
            at = finding.path
            if (at == override.pointer or at.startswith(override.pointer + "/")) and any(matches(s, finding) for s in override.ignore):
                if used is not None:
                    used.add(override.index)
                return True
        return False


def matches(selector: str, finding: Finding) -> bool:
    return selector == finding.code or selector == finding.name or (selector.isupper() and finding.code.startswith(selector))


def _glob(path: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(path, pattern) or PurePosixPath(path).match(pattern)


# ------------------------------------------------------------------------ loading


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.claude-preflight]`` table, walking up."""
    here = start.resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                if "claude-preflight" in candidate.read_text(encoding="utf-8", errors="replace"):
                    return candidate
            except OSError:
                continue
    return None


def _toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10
        import tomli as tomllib
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from None


def load_config(start: str | Path | None = None) -> Config:
    """Configuration for files under ``start`` (default: the current directory)."""
    path = find_pyproject(Path(start) if start is not None else Path.cwd())
    if path is None:
        return Config()
    table = _toml(path).get("tool", {}).get("claude-preflight")
    if table is None:
        return Config()
    config = config_from_mapping(table, root=path.parent, source=f"{path} [tool.claude-preflight]")
    return replace(config, path=path)


def coerce_config(value: Any, *, source: str = "config argument") -> Config:
    """A :class:`Config` from what the Python front ends accept: a Config, a mapping shaped like
    the TOML table, ``True`` (load ``pyproject.toml`` from the current directory) or None/False."""
    if value is None or value is False:
        return Config()
    if value is True:
        return load_config()
    if isinstance(value, Config):
        return value
    if isinstance(value, Mapping):
        return config_from_mapping(value, root=Path.cwd(), source=source)
    raise TypeError(f"config must be a Config, a mapping or True, not {type(value).__name__}")


def config_from_mapping(table: Mapping[str, Any], *, root: Path | None = None, source: str = "configuration") -> Config:
    """Build a :class:`Config` from a mapping shaped like the TOML table (dashes or underscores)."""
    data = {str(k).replace("_", "-"): v for k, v in table.items()}
    known = {"select", "ignore", "severity", "per-file-ignores", "overrides", "fail-on", "surface", "api-version", "catalogue", "paths"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")

    def strings(key: str, value: Any) -> tuple[str, ...]:
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{source}: {key} must be a list of strings")
        return tuple(value)

    def one_of(key: str, value: Any, allowed: Iterable[str]) -> str:
        allowed = tuple(allowed)
        if value not in allowed:
            raise ConfigError(f"{source}: {key} must be one of {', '.join(allowed)} (got {value!r})")
        return str(value)

    severity = data.get("severity", {})
    if not isinstance(severity, dict):
        raise ConfigError(f"{source}: severity must be a table of selector = level")
    levels = {str(k): one_of(f"severity.{k}", v, SEVERITIES) for k, v in severity.items()}
    per_file = data.get("per-file-ignores", {})
    if not isinstance(per_file, dict):
        raise ConfigError(f"{source}: per-file-ignores must be a table of glob = [selectors]")
    overrides = []
    raw_overrides = data.get("overrides", [])
    if not isinstance(raw_overrides, list):
        raise ConfigError(f"{source}: overrides must be an array of tables")
    for index, item in enumerate(raw_overrides):
        if not isinstance(item, dict) or not {"files", "pointer", "ignore"} <= set(item):
            raise ConfigError(f"{source}: overrides[{index}] needs files, pointer and ignore")
        pointer = item["pointer"]
        if not isinstance(pointer, str) or (pointer and not pointer.startswith("/")):
            raise ConfigError(f"{source}: overrides[{index}].pointer must be a JSON Pointer such as /body/temperature")
        overrides.append(Override(strings(f"overrides[{index}].files", item["files"]), pointer, strings(f"overrides[{index}].ignore", item["ignore"]), index))
    surface, version = data.get("surface"), data.get("api-version")
    for key, value in (("surface", surface), ("api-version", version)):
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{source}: {key} must be a string")
    catalogue = strings("catalogue", data.get("catalogue", []))
    if root is not None:
        catalogue = tuple(str((root / c).resolve()) for c in catalogue)
    return Config(
        select=strings("select", data.get("select", [])),
        ignore=strings("ignore", data.get("ignore", [])),
        severity=levels,
        per_file_ignores={str(k): strings(f"per-file-ignores.{k}", v) for k, v in per_file.items()},
        overrides=tuple(overrides),
        fail_on=one_of("fail-on", data.get("fail-on", "error"), SEVERITIES),
        surface=surface,
        api_version=version,
        catalogue=catalogue,
        paths=strings("paths", data.get("paths", [])),
        root=root,
        source=source,
    )
