"""Configuration from ``[tool.claude-preflight]`` in ``pyproject.toml`` and its application.

The same :class:`Config` is honoured by the CLI, the pytest plugin and the SDK middleware.
Selectors (in ``select``, ``ignore``, ``severity``, ``per-file-ignores`` and overrides) are
rule codes (``SP002``), code prefixes (``SP``) or rule names (``sampling-rejected-by-model``).
A selector that names no rule of the catalogue is an error (:meth:`Config.check_selectors`,
called wherever a configuration meets its catalogue): a typo must never switch checks off.
Errors name the file, line and column of the offending entry.
"""

from __future__ import annotations

import difflib
import fnmatch
import os
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping

from claude_preflight.report import Finding

if TYPE_CHECKING:
    from claude_preflight.catalogue import Catalogue

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
    exclude: tuple[str, ...] | None = None  # None: the default exclusions
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    stale_after_days: int | None = None  # None: the catalogue's own setting (rule CF003)
    root: Path | None = None
    source: str | None = None
    path: Path | None = None
    text: str | None = field(default=None, repr=False, compare=False)  # of the TOML file, for error positions

    # ----------------------------------------------------------------- checking

    def selectors(self) -> Iterator[tuple[str, str]]:
        """Every ``(key, selector)`` of the configuration, in file order of the keys."""
        for key, values in (("select", self.select), ("ignore", self.ignore)):
            for value in values:
                yield key, value
        for value in self.severity:
            yield "severity", value
        for pattern, values in self.per_file_ignores.items():
            for value in values:
                yield f"per-file-ignores.{pattern}", value
        for override in self.overrides:
            for value in override.ignore:
                yield f"overrides[{override.index}].ignore", value

    def check_selectors(self, catalogue: Catalogue) -> Config:
        """Raise :class:`ConfigError` (file:line:col, did-you-mean) for a selector that names
        no rule of ``catalogue``; return the configuration unchanged otherwise."""
        for key, selector in self.selectors():
            problem = selector_problem(selector, catalogue)
            if problem is not None:
                where = self.where(key.split(".", 1)[0].split("[", 1)[0], selector, as_key=key == "severity")
                raise ConfigError(f"{where}: {key}: {problem}")
        return self

    def where(self, key: str, value: str | None = None, *, as_key: bool = False) -> str:
        """``file:line:col`` of an entry (the value when given, else the key), or the source label."""
        label = self.source or "configuration"
        if self.path is None or self.text is None:
            return label
        line, column = _locate(self.text, key, value, as_key=as_key)
        return f"{_shown(self.path)}:{line}:{column}"

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
        file_ignores = [sel for pattern, sels in self.per_file_ignores.items() if rel and glob_match(rel, pattern) for sel in sels]
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
            if rel is None or not any(glob_match(rel, p) for p in override.files):
                continue
            at = finding.path
            if (at == override.pointer or at.startswith(override.pointer + "/")) and any(matches(s, finding) for s in override.ignore):
                if used is not None:
                    used.add(override.index)
                return True
        return False


def selector_problem(selector: str, catalogue: Catalogue) -> str | None:
    """Why ``selector`` selects nothing in ``catalogue`` (with a did-you-mean), or None."""
    codes = [rule.code for rule in catalogue.rules]
    names = [rule.name for rule in catalogue.rules]
    if selector in codes or selector in names:
        return None
    if selector and selector.isupper() and any(code.startswith(selector) for code in codes):
        return None
    what = "rule name" if "-" in selector or selector.islower() else "rule code or prefix"
    message = f"unknown {what} {selector!r}"
    guess = did_you_mean(selector, codes, names)
    return f"{message}; did you mean {guess!r}?" if guess else f"{message} (see 'claude-preflight rules')"


def did_you_mean(selector: str, codes: Iterable[str], names: Iterable[str]) -> str | None:
    """The closest code or name; letters typed for digits (O for 0, l or I for 1) are read as digits."""
    codes, names = list(codes), list(names)
    if re.fullmatch(r"[A-Za-z]{2}[0-9OoIl]{3}", selector):
        normal = selector[:2].upper() + selector[2:].translate(str.maketrans("OoIl", "0011"))
        if normal in codes:
            return normal
    upper = selector.upper()
    if upper in codes or (upper.isalpha() and any(c.startswith(upper) for c in codes)):
        return upper
    pool = codes if selector[:1].isupper() and "-" not in selector else names
    found = difflib.get_close_matches(selector, pool, n=1, cutoff=0.6)
    return found[0] if found else None


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path) if not os.path.relpath(path).startswith("..") else str(path)
    except ValueError:
        return str(path)


_SECTION = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def _locate(text: str, key: str, value: str | None, *, as_key: bool = False) -> tuple[int, int]:
    """1-based line and column of ``value`` (or of ``key``) inside ``[tool.claude-preflight...]``."""
    lines = text.splitlines()
    inside: list[int] = []
    table_line = 0
    current = ""
    for index, line in enumerate(lines):
        match = _SECTION.match(line)
        if match:
            current = match.group(1).replace('"', "").replace("'", "").replace(" ", "")
            if current.startswith("tool.claude-preflight") and not table_line:
                table_line = index + 1
            continue
        if current.startswith("tool.claude-preflight"):
            inside.append(index)
    key_re = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*=")
    start = next((i for i in inside if key_re.match(lines[i]) or current_table(lines, i).endswith("." + key)), None)
    if value is not None:
        quoted = [f'"{value}"', f"'{value}'"]
        patterns = [re.compile(r"^\s*(" + re.escape(value) + "|" + "|".join(map(re.escape, quoted)) + r")\s*=")] if as_key else []
        ordered = [i for i in inside if start is None or i >= start] + [i for i in inside if start is not None and i < start]
        for index in ordered:
            line = lines[index]
            for pattern in patterns:
                hit = pattern.match(line)
                if hit:
                    return index + 1, hit.start(1) + 1
            if not as_key:
                for token in quoted:
                    column = line.find(token)
                    if column >= 0:
                        return index + 1, column + 2
    if start is not None:
        return start + 1, len(lines[start]) - len(lines[start].lstrip()) + 1
    return max(table_line, 1), 1


def current_table(lines: list[str], index: int) -> str:
    """The table header in force at line ``index``."""
    for line in reversed(lines[: index + 1]):
        match = _SECTION.match(line)
        if match:
            return match.group(1).replace('"', "").replace("'", "").replace(" ", "")
    return ""


def matches(selector: str, finding: Finding) -> bool:
    return selector == finding.code or selector == finding.name or (selector.isupper() and finding.code.startswith(selector))


def glob_match(path: str, pattern: str) -> bool:
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


def _toml(path: Path) -> tuple[dict[str, Any], str]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10
        import tomli as tomllib
    try:
        text = path.read_bytes().decode("utf-8")
        return tomllib.loads(text), text
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{_shown(path)}: cannot read configuration: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        where = f"{_shown(path)}:{found.group(1)}:{found.group(2)}" if found else _shown(path)
        if found is None and "end of document" in str(exc):
            lines = text.splitlines() or [""]
            where = f"{_shown(path)}:{len(lines)}:{len(lines[-1]) + 1}"
        reason = re.sub(r" \(at line .*\)$", "", str(exc))
        raise ConfigError(f"{where}: invalid TOML: {reason}") from None


def load_config(start: str | Path | None = None) -> Config:
    """Configuration for files under ``start`` (default: the current directory)."""
    path = find_pyproject(Path(start) if start is not None else Path.cwd())
    if path is None:
        return Config()
    return load_config_file(path)


def load_config_file(path: Path) -> Config:
    """The ``[tool.claude-preflight]`` table of one TOML file (an empty configuration when it has none)."""
    data, text = _toml(path)
    tool = data.get("tool", {})
    table = tool.get("claude-preflight") if isinstance(tool, dict) else None
    if table is None:
        return Config(root=path.parent)
    if not isinstance(table, dict):
        raise ConfigError(f"{_shown(path)}: [tool.claude-preflight] must be a table")
    return config_from_mapping(table, root=path.parent, source=f"{_shown(path)} [tool.claude-preflight]", path=path, text=text)


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


KEYS = (
    "select", "ignore", "severity", "per-file-ignores", "overrides", "fail-on", "surface", "api-version",
    "catalogue", "paths", "exclude", "extend-exclude", "respect-gitignore", "stale-after-days",
)


def config_from_mapping(
    table: Mapping[str, Any], *, root: Path | None = None, source: str = "configuration",
    path: Path | None = None, text: str | None = None,
) -> Config:
    """Build a :class:`Config` from a mapping shaped like the TOML table (dashes or underscores).

    ``path`` and ``text`` (the TOML file and its text) let errors name the line of the entry."""
    data = {str(k).replace("_", "-"): v for k, v in table.items()}
    located = Config(root=root, source=source, path=path, text=text)

    def at(key: str, value: str | None = None, *, as_key: bool = False) -> str:
        return located.where(key, value, as_key=as_key)

    known = set(KEYS)
    unknown = [k for k in data if k not in known]
    if unknown:
        guess = difflib.get_close_matches(unknown[0], KEYS, n=1)
        hint = f"; did you mean {guess[0]!r}?" if guess else f"; known: {', '.join(KEYS)}"
        raise ConfigError(f"{at(unknown[0])}: unknown key {unknown[0]!r}{hint}")

    def strings(key: str, value: Any, top: str | None = None) -> tuple[str, ...]:
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{at(top or key)}: {key} must be a list of strings")
        return tuple(value)

    def one_of(key: str, value: Any, allowed: Iterable[str], top: str | None = None, entry: str | None = None) -> str:
        allowed = tuple(allowed)
        if value not in allowed:
            raise ConfigError(f"{at(top or key, entry, as_key=entry is not None)}: {key} must be one of {', '.join(allowed)} (got {value!r})")
        return str(value)

    severity = data.get("severity", {})
    if not isinstance(severity, dict):
        raise ConfigError(f"{at('severity')}: severity must be a table of selector = level")
    levels = {str(k): one_of(f"severity.{k}", v, SEVERITIES, "severity", str(k)) for k, v in severity.items()}
    per_file = data.get("per-file-ignores", {})
    if not isinstance(per_file, dict):
        raise ConfigError(f"{at('per-file-ignores')}: per-file-ignores must be a table of glob = [selectors]")
    overrides = []
    raw_overrides = data.get("overrides", [])
    if not isinstance(raw_overrides, list):
        raise ConfigError(f"{at('overrides')}: overrides must be an array of tables")
    for index, item in enumerate(raw_overrides):
        if not isinstance(item, dict) or not {"files", "pointer", "ignore"} <= set(item):
            raise ConfigError(f"{at('overrides')}: overrides[{index}] needs files, pointer and ignore")
        pointer = item["pointer"]
        if not isinstance(pointer, str) or (pointer and not pointer.startswith("/")):
            where = at("pointer", pointer if isinstance(pointer, str) else None)
            raise ConfigError(f"{where}: overrides[{index}].pointer must be a JSON Pointer such as /body/temperature")
        files = strings(f"overrides[{index}].files", item["files"], "overrides")
        ignored = strings(f"overrides[{index}].ignore", item["ignore"], "overrides")
        overrides.append(Override(files, pointer, ignored, index))
    surface, version = data.get("surface"), data.get("api-version")
    for key, value in (("surface", surface), ("api-version", version)):
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{at(key)}: {key} must be a string")
    catalogue = strings("catalogue", data.get("catalogue", []))
    if root is not None:
        catalogue = tuple(str((root / c).resolve()) for c in catalogue)
    exclude = strings("exclude", data["exclude"]) if "exclude" in data else None
    gitignore = data.get("respect-gitignore", True)
    if not isinstance(gitignore, bool):
        raise ConfigError(f"{at('respect-gitignore')}: respect-gitignore must be true or false")
    stale = data.get("stale-after-days")
    if stale is not None and (isinstance(stale, bool) or not isinstance(stale, int) or stale < 1):
        raise ConfigError(f"{at('stale-after-days')}: stale-after-days must be a whole number of days, 1 or more")
    return Config(
        select=strings("select", data.get("select", [])),
        ignore=strings("ignore", data.get("ignore", [])),
        severity=levels,
        per_file_ignores={str(k): strings(f"per-file-ignores.{k}", v, "per-file-ignores") for k, v in per_file.items()},
        overrides=tuple(overrides),
        fail_on=one_of("fail-on", data.get("fail-on", "error"), SEVERITIES),
        surface=surface,
        api_version=version,
        catalogue=catalogue,
        paths=strings("paths", data.get("paths", [])),
        exclude=exclude,
        extend_exclude=strings("extend-exclude", data.get("extend-exclude", [])),
        respect_gitignore=gitignore,
        stale_after_days=stale,
        root=root,
        source=source,
        path=path,
        text=text,
    )


def check_config(config: Any, catalogue: Catalogue) -> None:
    """Raise :class:`ConfigError` when ``config`` (a :class:`Config`) selects a rule ``catalogue``
    does not have. For front ends that receive both (``validate(config=...)``, ``fix``)."""
    if isinstance(config, Config):
        config.check_selectors(catalogue)
