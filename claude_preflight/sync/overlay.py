"""Turn a Models API listing into a user overlay catalogue file, and write it atomically.

The overlay is an ordinary catalogue file (``rules/catalogue.schema.json``), loaded over the
shipped catalogue like any user file. It holds only what the live listing adds:

* models the catalogue does not know, in full: display name, line, launch (``created_at``),
  deprecation and retirement events, limits (``max_input_tokens`` -> ``context_window``,
  ``max_tokens`` -> ``max_output_tokens``) and the capabilities the listing states (thinking
  types, effort levels, image and PDF input). What it does not state is set permissively, so
  that no rule fires on a guess;
* for models the catalogue knows: deprecation and retirement events it does not have yet
  (written as the shipped list plus the new events, since an override replaces a field), and
  limits that differ (the live API is the primary source for the Claude API).

Every entry cites one source, the endpoint, with the date of the sync. No credential is
ever written (every string from the response is scrubbed).
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claude_preflight.sync.client import Listing, LiveModel, public_url, scrub

if TYPE_CHECKING:
    from claude_preflight.catalogue import Catalogue
    from claude_preflight.catalogue.model import Model

SOURCE_KEY = "models-api-sync"
OFFICIAL_URL = "https://api.anthropic.com/v1/models"
FAMILIES = ("opus", "sonnet", "haiku", "fable", "mythos")
EFFORTS = ("low", "medium", "high", "xhigh", "max")
THINKING_TYPES = ("enabled", "adaptive", "disabled", "between_tools")
_ANTHROPIC = "anthropic"


def build_overlay(listing: Listing, catalogue: Catalogue, synced_at: datetime, secret: str | None = None) -> dict[str, Any]:
    """The overlay document (plain data, ready for ``yaml.safe_dump``)."""
    day = synced_at.astimezone(timezone.utc).date().isoformat()
    url = listing.endpoint if listing.endpoint.startswith("https://") else OFFICIAL_URL
    models: dict[str, Any] = {}
    for live in listing.models:
        match = catalogue.lookup_model(live.id, None)
        if match is None:
            models[live.id] = _new_model(live, synced_at)
        else:
            changes = _known_model(live, match.model, synced_at)
            if changes:
                models.setdefault(match.model.id, {}).update(changes)
    from claude_preflight import __version__

    scope = "active, deprecated and retired" if listing.includes_retired else "active and deprecated"
    document: dict[str, Any] = {
        "catalogue": {
            "description": (
                f"User overlay written by claude-preflight {__version__} models sync at "
                f"{synced_at.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')} from {listing.endpoint} "
                f"({len(listing.models)} {scope} models listed; {len(models)} entries added or updated). "
                "Regenerate it with `claude-preflight models sync`; do not edit it by hand."
            ),
            "verified": day,
        },
        "sources": {
            SOURCE_KEY: {
                "title": f"Models API listing (GET /v1/models) read by models sync on {day}",
                "url": url,
                "kind": "primary",
                "accessed": day,
                "note": f"listed from {listing.endpoint}",
            }
        },
        "models": models,
    }
    scrubbed: dict[str, Any] = _scrubbed(document, secret)
    return scrubbed


def _event(event: str, at: datetime, note: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"event": event, "at": _stamp(at)}
    if note:
        entry["note"] = note
    entry["sources"] = [SOURCE_KEY]
    return entry


def _stamp(moment: datetime) -> str:
    moment = moment.astimezone(timezone.utc)
    if (moment.hour, moment.minute, moment.second) == (0, 0, 0):
        return moment.date().isoformat()
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _live_events(live: LiveModel, synced_at: datetime) -> list[dict[str, Any]]:
    events = []
    if live.lifecycle in ("deprecated", "retired") and live.deprecated_at is not None:
        events.append(_event("deprecated", live.deprecated_at))
    if live.lifecycle == "retired":
        if live.retires_at is not None and live.retires_at <= synced_at:
            events.append(_event("retired", live.retires_at))
        else:
            events.append(_event("retired", synced_at, "listed as retired at the sync; the exact date was not stated"))
    elif live.lifecycle == "deprecated" and live.retires_at is not None:
        events.append(_event("retired", live.retires_at, "scheduled retirement (retires_at); the schedule can be revised"))
    return events


def _new_model(live: LiveModel, synced_at: datetime) -> dict[str, Any]:
    entry: dict[str, Any] = {"display_name": live.display_name}
    if live.line in FAMILIES:
        entry["family"] = live.line
    if live.id[-9:-8] == "-" and live.id[-8:].isdigit():
        entry["dated"] = True
    events = [_event("launched", live.created_at)] if live.created_at is not None else []
    entry["lifecycle"] = events + _live_events(live, synced_at)
    if live.max_input_tokens is not None:
        entry["context_window"] = live.max_input_tokens
    if live.max_tokens is not None:
        entry["max_output_tokens"] = live.max_tokens
    caps = live.capabilities or {}
    modes = supported_names(caps.get("thinking"), "types", THINKING_TYPES)
    entry["thinking"] = {"modes": list(modes if modes is not None else THINKING_TYPES)}
    efforts = supported_names(caps.get("effort"), None, EFFORTS)
    entry["effort"] = list(efforts if efforts is not None else EFFORTS)
    for name, capability in (("vision", "image_input"), ("pdf", "pdf_input")):
        stated = capability_flag(caps.get(capability))
        entry[name] = True if stated is None else stated
    entry["mid_conversation_system"] = True
    entry["notes"] = (
        "Listed by the Models API but not in the shipped catalogue. Only what the listing states is "
        "recorded; everything else is left permissive (no rule fires on a guess)."
    )
    entry["sources"] = [SOURCE_KEY]
    return entry


def _known_model(live: LiveModel, model: Model, synced_at: datetime) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    general = [e for e in model.lifecycle if e.surfaces is None or _ANTHROPIC in e.surfaces]
    have = {e.event for e in general}
    added = [e for e in _live_events(live, synced_at) if e["event"] not in have]
    if added:
        changes["lifecycle"] = [_shipped_event(e) for e in model.lifecycle] + added
    if live.max_input_tokens is not None and model.context_window is not None and live.max_input_tokens != model.context_window:
        changes["context_window"] = live.max_input_tokens
    if live.max_tokens is not None and model.max_output_tokens is not None and live.max_tokens != model.max_output_tokens:
        changes["max_output_tokens"] = live.max_tokens
    if changes:
        changes["sources"] = sorted({*model.sources, SOURCE_KEY})
    return changes


def _shipped_event(event: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"event": event.event, "at": event.at.date().isoformat() if event.date_only else _stamp(event.at)}
    if event.surfaces:
        entry["surfaces"] = sorted(event.surfaces)
    if event.note:
        entry["note"] = event.note
    entry["sources"] = list(event.sources)
    return entry


def capability_flag(value: Any) -> bool | None:
    if isinstance(value, dict) and isinstance(value.get("supported"), bool):
        return bool(value["supported"])
    return None


def supported_names(value: Any, inner: str | None, names: tuple[str, ...]) -> list[str] | None:
    """The names marked supported in a capability object; None when the listing does not say."""
    if not isinstance(value, dict):
        return None
    table = value.get(inner) if inner else value
    flags = {name: capability_flag(table.get(name)) for name in names} if isinstance(table, dict) else {}
    if any(flag is not None for flag in flags.values()):
        return [name for name in names if flags[name]]
    return [] if value.get("supported") is False else None


def _scrubbed(value: Any, secret: str | None) -> Any:
    if isinstance(value, str):
        return scrub(value, secret)
    if isinstance(value, dict):
        return {scrub(str(k), secret): _scrubbed(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(v, secret) for v in value]
    return value


def dump(document: dict[str, Any]) -> str:
    import importlib

    yaml: Any = importlib.import_module("yaml")  # PyYAML, a base dependency (no type stubs installed)
    header = "# Generated by `claude-preflight models sync`. Do not edit; run the command again.\n"
    return header + str(yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100))


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent))
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


__all__ = ["build_overlay", "dump", "write_atomic", "SOURCE_KEY", "public_url"]
