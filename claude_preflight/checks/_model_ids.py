"""How certain it is that an unknown first-party model ID cannot exist.

Claude model IDs follow a small grammar: ``claude-{family}-{major}[-{minor}][-{YYYYMMDD}]``
(and, before Claude 4, ``claude-{major}[-{minor}]-{family}[-{date}|-latest]``). Graded
against the catalogue's models:

- ``impossible``: a display name (``Claude Sonnet 4.5``), a known family and version in a
  form the API never published (a date it never had, no date where one is needed, dots, a
  ``-latest`` suffix on the Claude 4 naming), or a bare family shorthand (``claude-sonnet``).
  The API answers 404.
- ``newer``: the grammar of a later version (or a new family) than the catalogue lists; it may
  have been released after the catalogue was verified.
- ``None``: nothing to say beyond "unknown".
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Mapping

from claude_preflight.catalogue.model import Model

_NEW = re.compile(r"^claude-(?P<family>[a-z]+)-(?P<major>\d{1,2})(?:-(?P<minor>\d{1,2}))?(?:-(?P<date>\d{8}))?$")
_OLD = re.compile(r"^claude-(?P<major>\d{1,2})(?:-(?P<minor>\d{1,2}))?-(?P<family>[a-z]+)(?:-(?P<date>\d{8}|latest))?$")
_DOTTED = re.compile(r"^(?P<head>.*?\d)\.(?P<minor>\d)(?P<tail>.*)$")
_SHORTHAND = re.compile(r"^claude-(?P<family>[a-z]+)(?:-latest)?$")


@dataclass(frozen=True)
class Grade:
    certainty: str  # "impossible" or "newer"
    reason: str
    suggestion: str | None = None


@dataclass(frozen=True)
class _Version:
    family: str
    major: int
    minor: int


def _parse(written: str) -> tuple[_Version, str | None] | None:
    found = _NEW.match(written) or _OLD.match(written)
    if found is None:
        return None
    minor = found.group("minor")
    return _Version(found.group("family"), int(found.group("major")), int(minor) if minor else 0), found.group("date")


def preferred_id(model: Model) -> str:
    """The ID to suggest for ``model``: its undated alias when it has one, else its ID."""
    for alias in model.aliases:
        if not alias.endswith("-latest") and not alias.endswith("-fast") and _parse(alias) is not None:
            return alias
    return model.id


class ModelIdGrammar:
    """The versions each model family has in the catalogue (built once per catalogue)."""

    def __init__(self, models: Mapping[str, Model], families: tuple[str, ...]) -> None:
        self.families = frozenset(families)
        self.versions: dict[_Version, list[Model]] = {}
        self.newest: dict[str, tuple[int, int]] = {}
        self.by_display = {m.display_name.lower(): m for m in models.values()}
        for model in models.values():
            parsed = _parse(model.id)
            if parsed is None or parsed[0].family not in self.families:
                continue
            version = parsed[0]
            self.versions.setdefault(version, []).append(model)
            key = (version.major, version.minor)
            if key > self.newest.get(version.family, (-1, -1)):
                self.newest[version.family] = key

    def _best(self, family: str) -> str | None:
        newest = self.newest.get(family)
        if newest is None:
            return None
        models = self.versions.get(_Version(family, *newest)) or []
        return preferred_id(models[0]) if models else None

    def grade(self, written: str) -> Grade | None:
        text = written.strip()
        if not text:
            return None
        if text != written or any(c.isspace() or c.isupper() for c in text):
            model = self.by_display.get(" ".join(text.split()).lower())
            if model is not None:
                return Grade("impossible", "a display name, not a model ID", preferred_id(model))
            normal = "-".join(text.lower().replace(".", "-").split())
            inner = self.grade(normal) if normal != text else None
            suggestion = inner.suggestion if inner is not None else None
            if suggestion is None and normal != text and _parse(normal) is not None:
                version = _parse(normal)[0]  # type: ignore[index]
                models = self.versions.get(version) or []
                suggestion = preferred_id(models[0]) if models else None
            return Grade("impossible", "model IDs have no spaces or capitals", suggestion)
        dotted = _DOTTED.match(text)
        if dotted and text.startswith("claude-") and not text.startswith(("claude-1.", "claude-2.", "claude-instant-")):
            dashed = f"{dotted.group('head')}-{dotted.group('minor')}{dotted.group('tail')}"
            inner = self.grade(dashed)
            if inner is None or inner.certainty == "impossible":
                suggestion = inner.suggestion if inner is not None else dashed
                return Grade("impossible", "model IDs write versions with dashes, not dots", suggestion)
            return Grade("impossible", "model IDs write versions with dashes, not dots", dashed)
        if not text.startswith("claude") and re.match(r"^[a-z]+-\d", text):
            inner = self.grade("claude-" + text)
            if inner is not None and inner.certainty == "impossible":
                return Grade("impossible", "model IDs start with claude-", inner.suggestion)
            if inner is None and _parse("claude-" + text) is not None:
                found = self.versions.get(_parse("claude-" + text)[0])  # type: ignore[index]
                if found:
                    return Grade("impossible", "model IDs start with claude-", "claude-" + text)
        shorthand = _SHORTHAND.match(text)
        if shorthand and shorthand.group("family") in self.families:
            return Grade("impossible", "a family name without a version is not a model ID", self._best(shorthand.group("family")))
        parsed = _parse(text)
        if parsed is None:
            latest = _NEW.match(text[: -len("-latest")]) if text.endswith("-latest") else None
            listed = self.versions.get(_parse(text[: -len("-latest")])[0]) if latest else None  # type: ignore[index]
            if listed:  # the Claude 4 naming never had -latest aliases (the API answers 404)
                return Grade("impossible", "-latest aliases ended with the Claude 3 naming", preferred_id(listed[0]))
            return None
        version, date = parsed
        if version.family not in self.families:
            close = difflib.get_close_matches(version.family, sorted(self.families), n=1, cutoff=0.8)
            if close:
                return Grade("impossible", f"{version.family!r} is a misspelt model family ({close[0]})")
            if _NEW.match(text):
                return Grade("newer", "a model family this catalogue does not list")
            return None
        listed = self.versions.get(version)
        if listed:
            models = listed
            if date is not None:
                reason = f"{models[0].display_name} was never published with the date {date}"
            else:
                reason = f"{models[0].display_name} is only published in its listed forms"
            return Grade("impossible", reason, preferred_id(models[0]))
        if (version.major, version.minor) > self.newest.get(version.family, (-1, -1)):
            return Grade("newer", f"a later {version.family} version than this catalogue lists")
        newest = self.newest[version.family]
        return Grade(
            "impossible",
            f"Claude {version.family.title()} {version.major}.{version.minor} never existed (the catalogue lists {version.family} up to {newest[0]}.{newest[1]})",
        )  # no suggestion: the closest spelling (a typo) is a better guess than the newest model
