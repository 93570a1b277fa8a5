"""What the live Models API says that a catalogue does not (``models --diff``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable

from claude_preflight.sync.client import LiveModel
from claude_preflight.sync.overlay import EFFORTS, THINKING_TYPES, capability_flag, supported_names

if TYPE_CHECKING:
    from claude_preflight.catalogue import Catalogue

_SURFACE = "anthropic"


@dataclass(frozen=True)
class Change:
    model: str
    field: str
    catalogue: Any
    live: Any


@dataclass
class Diff:
    new: list[str] = field(default_factory=list)  # listed live, unknown to the catalogue
    gone: list[str] = field(default_factory=list)  # available per the catalogue, not listed live
    restricted_gone: list[str] = field(default_factory=list)  # as gone, but restricted (may be invisible to the key)
    changed: list[Change] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.new or self.gone or self.restricted_gone or self.changed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "gone": self.gone,
            "restricted_gone": self.restricted_gone,
            "changed": [c.__dict__ for c in self.changed],
        }

    def lines(self) -> list[str]:
        if self.empty:
            return ["The live model list agrees with the catalogue."]
        out: list[str] = []
        if self.new:
            out.append(f"New model IDs (not in the catalogue): {len(self.new)}")
            out += [f"  + {m}" for m in self.new]
        if self.gone:
            out.append(f"Not listed live, but available per the catalogue: {len(self.gone)}")
            out += [f"  - {m}" for m in self.gone]
        if self.restricted_gone:
            out.append("Not listed live, restricted access (may only be invisible to this key):")
            out += [f"  ? {m}" for m in self.restricted_gone]
        if self.changed:
            out.append(f"Changed facts: {len(self.changed)}")
            out += [f"  ~ {c.model} {c.field}: catalogue {_show(c.catalogue)}, live {_show(c.live)}" for c in self.changed]
        return out


def _show(value: Any) -> str:
    if isinstance(value, (list, tuple, frozenset, set)):
        return "[" + ", ".join(sorted(map(str, value))) + "]"
    return str(value)


def diff(catalogue: Catalogue, live: Iterable[LiveModel], as_of: datetime | None = None, *, includes_retired: bool = True) -> Diff:
    """Compare the live listing with ``catalogue`` (first-party IDs, Claude API schedule)."""
    from claude_preflight.dates import now_utc

    moment = as_of or now_utc()
    result = Diff()
    listed: set[str] = set()
    for model in live:
        match = catalogue.lookup_model(model.id, None)
        if match is None:
            result.new.append(model.id)
            continue
        listed.add(match.model.id)
        result.changed += _changes(match.model, model, moment)
    for known in sorted(catalogue.models.values(), key=lambda m: m.id):
        if known.id in listed:
            continue
        state = known.status(moment, _SURFACE, _SURFACE).state
        if state in ("retired", "unreleased") or (state == "disabled" and not includes_retired):
            continue
        (result.restricted_gone if known.access == "restricted" else result.gone).append(known.id)
    result.new.sort()
    return result


def _changes(known: Any, live: LiveModel, moment: datetime) -> list[Change]:
    found: list[Change] = []

    def compare(name: str, ours: Any, theirs: Any) -> None:
        if theirs is not None and ours != theirs:
            found.append(Change(known.id, name, ours, theirs))

    compare("context_window", known.context_window, live.max_input_tokens)
    compare("max_output_tokens", known.max_output_tokens, live.max_tokens)
    state = known.status(moment, _SURFACE, _SURFACE).state
    if live.lifecycle in ("active", "deprecated", "retired"):
        compare("lifecycle", state, live.lifecycle)
    caps = live.capabilities or {}
    modes = supported_names(caps.get("thinking"), "types", THINKING_TYPES)
    if modes is not None:
        compare("thinking.modes", sorted(known.thinking_modes), sorted(modes))
    efforts = supported_names(caps.get("effort"), None, EFFORTS)
    if efforts is not None:
        compare("effort", sorted(known.effort), sorted(efforts))
    compare("vision", known.vision, capability_flag(caps.get("image_input")))
    compare("pdf", known.pdf, capability_flag(caps.get("pdf_input")))
    return found
