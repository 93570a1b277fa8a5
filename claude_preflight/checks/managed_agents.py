"""Managed Agents request bodies: agents, environments, sessions and their events,
deployments, memory stores, dreams and vaults.

Top-level required fields, types and enums come from the catalogue's
``request_fields`` (checked by rules that reuse the shape checks); this module checks
what lies below the top level. Limits and value lists come from each rule's params.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Mapping

from claude_preflight.checks.base import Hit, check, is_int, json_type, show
from claude_preflight.files import pointer

if TYPE_CHECKING:
    from claude_preflight.engine.context import Context

# ------------------------------------------------------------------ generic limits


def _version_ok(value: Any) -> bool:
    """An agent version: an integer >= 1, or (as the documented raw-HTTP examples send it)
    the same number as a string of digits; the SDK types say integer, the wire takes both."""
    if is_int(value):
        return bool(value >= 1)
    return isinstance(value, str) and value.isascii() and value.isdigit() and int(value) >= 1


@check
def metadata_limits(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    metadata = ctx.get("metadata")
    if not isinstance(metadata, dict):
        return
    pairs, key_max, value_max = int(params["max_pairs"]), int(params["max_key_length"]), int(params["max_value_length"])
    if len(metadata) > pairs:
        yield Hit("/metadata", {"problem": f"has {len(metadata)} pairs; at most {pairs} are allowed"})
    for key, value in metadata.items():
        path = pointer.join("/metadata", str(key))
        if not isinstance(key, str) or not key or len(key) > key_max:
            yield Hit(path, {"problem": f"key {show(key, 40)} must have 1 to {key_max} characters"})
        if not isinstance(value, str):
            yield Hit(path, {"problem": f"value must be a string, not {json_type(value)}"})
        elif len(value) > value_max:
            yield Hit(path, {"problem": f"value has {len(value)} characters; at most {value_max} are allowed"})


def _limits_for(ctx: Context, params: Mapping[str, Any]) -> Mapping[str, Any]:
    limits = params.get("limits") or {}
    found = limits.get(ctx.body_kind)
    return found if isinstance(found, Mapping) else {}


@check
def list_length(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """``params.limits[body kind][field] = [min, max]`` for top-level arrays."""
    for field, (low, high) in _limits_for(ctx, params).items():
        value = ctx.get(field)
        if not isinstance(value, list):
            continue
        if len(value) < low or len(value) > high:
            yield Hit(pointer.join("", field), {"field": field, "count": len(value), "low": low, "high": high})


@check
def string_length(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """``params.limits[body kind][field] = [min, max]`` characters for top-level strings."""
    no_control = set(params.get("no_control_characters") or ())
    for field, (low, high) in _limits_for(ctx, params).items():
        value = ctx.get(field)
        if not isinstance(value, str):
            continue
        path = pointer.join("", field)
        if len(value) < low or len(value) > high:
            yield Hit(path, {"field": field, "problem": f"has {len(value):,} characters; {low} to {high:,} are allowed"})
        elif f"{ctx.body_kind}.{field}" in no_control and any(ord(c) < 32 or ord(c) == 127 for c in value):
            yield Hit(path, {"field": field, "problem": "contains control characters"})


# ------------------------------------------------------------------ models


def _model_reference(ctx: Context) -> tuple[str, Any] | None:
    value = ctx.get("model")
    if isinstance(value, str):
        return "/model", value
    if isinstance(value, dict) and "id" in value:
        return "/model/id", value["id"]
    return None


@check
def model_unsupported(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    found = _model_reference(ctx)
    if found is None or not isinstance(found[1], str):
        return
    path, written = found
    supported = set(params["models"])
    match = ctx.catalogue.lookup_model(written, None)
    if (match is not None and match.model.id in supported) or written in supported:
        return
    yield Hit(path, {"model": show(written)})


@check
def model_config(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """The object form of ``model``: an id, and only the allowed keys and speeds."""
    value = ctx.get("model")
    if not isinstance(value, dict):
        return
    allowed = set((params.get("fields") or {}).get(ctx.body_kind, ()))
    speeds = (params.get("speeds") or {}).get(ctx.body_kind)
    if not isinstance(value.get("id"), str) or not value.get("id"):
        yield Hit("/model" if "id" not in value else "/model/id", {"problem": "needs a model id string"})
    for key in value:
        if allowed and key not in allowed:
            yield Hit(pointer.join("/model", str(key)), {"problem": f"{show(key)} is not a model setting here"})
    if speeds is not None and "speed" in value and value["speed"] is not None and value["speed"] not in speeds:
        # Sources disagree (older SDK types allowed "fast" here), so this part is a warning.
        problem = f"speed {show(value['speed'])} is not accepted here (documented: {', '.join(speeds)})"
        yield Hit("/model/speed", {"problem": problem}, severity="warning")


# ------------------------------------------------------------------ agents


@check
def multiagent(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    config = ctx.get("multiagent")
    if config is None:
        return
    if not isinstance(config, dict):
        yield Hit("/multiagent", {"problem": f"must be an object, not {json_type(config)}"})
        return
    kind = config.get("type")
    types = list(params["types"])
    if kind not in types:
        yield Hit("/multiagent/type" if "type" in config else "/multiagent", {"problem": f"type must be one of {', '.join(types)} (found {show(kind)})"})
        return
    if kind != "coordinator":
        return
    low, high = params["roster"]
    agents = config.get("agents")
    if not isinstance(agents, list):
        yield Hit("/multiagent/agents" if "agents" in config else "/multiagent", {"problem": "a coordinator needs an agents list"})
        return
    if not low <= len(agents) <= high:
        yield Hit("/multiagent/agents", {"problem": f"has {len(agents)} entries; {low} to {high} are allowed"})
    seen: dict[str, int] = {}
    selves = 0
    for index, entry in enumerate(agents):
        path = pointer.join("/multiagent/agents", index)
        key: str | None = None
        if isinstance(entry, str):
            key = entry
        elif isinstance(entry, dict):
            if entry.get("type") == "self":
                selves += 1
                key = "<self>"
                if selves == 2:
                    yield Hit(path, {"problem": 'at most one {"type": "self"} entry is allowed'})
                    continue
            elif isinstance(entry.get("id"), str):
                key = entry["id"]
        if key is None:
            continue
        if key in seen and key != "<self>":
            yield Hit(path, {"problem": f"agent {show(key)} is already listed at agents/{seen[key]}; entries must be distinct"})
        seen.setdefault(key, index)


# ------------------------------------------------------------------ environments


@check
def environment_config(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    config = ctx.get("config")
    if config is None:
        return
    if not isinstance(config, dict):
        yield Hit("/config", {"problem": f"must be an object, not {json_type(config)}"})
        return
    kind = config.get("type")
    types: Mapping[str, Any] = params["types"]
    if not isinstance(kind, str) or kind not in types:
        yield Hit("/config/type" if "type" in config else "/config", {"problem": f"type must be one of {', '.join(types)} (found {show(kind)})"})
        return
    allowed = set(types[kind] or ()) | {"type"}
    for key in config:
        if key not in allowed:
            yield Hit(pointer.join("/config", str(key)), {"problem": f"{show(key)} is not a setting of a {kind} environment"})
    networking = config.get("networking")
    if isinstance(networking, dict):
        net_kind = networking.get("type")
        if net_kind not in params["networking"]:
            where = "/config/networking/type" if "type" in networking else "/config/networking"
            yield Hit(where, {"problem": f"networking type must be one of {', '.join(params['networking'])} (found {show(net_kind)})"})
        elif net_kind == "limited" and _has_packages(config.get("packages")) and networking.get("allow_package_managers") is not True:
            yield Hit("/config/packages", {"problem": "packages under limited networking need networking.allow_package_managers: true"})


def _has_packages(packages: Any) -> bool:
    if not isinstance(packages, dict):
        return False
    return any(isinstance(v, list) and v for k, v in packages.items() if k != "type")


# ------------------------------------------------------------------ sessions and deployments


@check
def agent_reference(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    agent = ctx.get("agent")
    if agent is None or (isinstance(agent, str) and agent):
        return
    types = list((params.get("types") or {}).get(ctx.body_kind, ()))
    if isinstance(agent, str):
        yield Hit("/agent", {"problem": "the agent ID is empty"})
        return
    if not isinstance(agent, dict):
        return  # the type rule reports it
    kind = agent.get("type")
    if kind not in types:
        yield Hit("/agent/type" if "type" in agent else "/agent", {"problem": f"type must be one of {', '.join(types)} (found {show(kind)})"})
    if not isinstance(agent.get("id"), str) or not agent.get("id"):
        yield Hit("/agent/id" if "id" in agent else "/agent", {"problem": "needs the agent id"})
    version = agent.get("version")
    if "version" in agent and version is not None and not _version_ok(version):
        yield Hit("/agent/version", {"problem": f"version must be an integer of at least 1, or such an integer written as a string (found {show(version)})"})


def _event_lists(ctx: Context, params: Mapping[str, Any]) -> Iterator[tuple[str, list[Any], list[str]]]:
    """``(field, events, allowed types)`` for the body kind."""
    for field, allowed in ((params.get("event_fields") or {}).get(ctx.body_kind) or {}).items():
        events = ctx.get(field)
        if isinstance(events, list):
            yield field, events, list(allowed)


@check
def events(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Event lists: allowed types, required fields, and where system.message may go."""
    required: Mapping[str, Any] = params.get("required") or {}
    for field, items, allowed in _event_lists(ctx, params):
        systems = [i for i, e in enumerate(items) if isinstance(e, dict) and e.get("type") == "system.message"]
        for index, event in enumerate(items):
            path = pointer.join("", field, index)
            if not isinstance(event, dict):
                yield Hit(path, {"problem": f"an event must be an object, not {json_type(event)}"})
                continue
            kind = event.get("type")
            if kind not in allowed:
                where = pointer.join(path, "type") if "type" in event else path
                yield Hit(where, {"problem": f"type {show(kind)} is not allowed here (allowed: {', '.join(allowed)})"})
                continue
            for name in required.get(kind) or ():
                if name not in event:
                    yield Hit(path, {"problem": f"{kind} needs {name}"})
            if kind == "user.tool_confirmation" and event.get("deny_message") is not None and event.get("result") != "deny":
                yield Hit(pointer.join(path, "deny_message"), {"problem": 'deny_message is only allowed with result "deny"'})
            if kind == "user.tool_confirmation" and "result" in event and event.get("result") not in ("allow", "deny"):
                yield Hit(pointer.join(path, "result"), {"problem": f'result must be "allow" or "deny" (found {show(event.get("result"))})'})
            if kind == "user.message" and isinstance(event.get("content"), list) and not event["content"]:
                yield Hit(pointer.join(path, "content"), {"problem": "a user message needs at least one content block"})
        if len(systems) > 1:
            yield Hit(pointer.join("", field, systems[1]), {"problem": "at most one system.message is allowed per request"})
        if systems and field == "events" and systems[0] != len(items) - 1:
            yield Hit(pointer.join("", field, systems[0]), {"problem": "a system.message must be the last event of the request"})


@check
def outcome(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """user.define_outcome events: description, rubric (text or file) and max_iterations."""
    max_chars = int(params["rubric_max_chars"])
    low, high = params["max_iterations"]
    for field, items, _ in _event_lists(ctx, params):
        for index, event in enumerate(items):
            if not isinstance(event, dict) or event.get("type") != "user.define_outcome":
                continue
            path = pointer.join("", field, index)
            description = event.get("description")
            if "description" in event and (not isinstance(description, str) or not description.strip()):
                yield Hit(pointer.join(path, "description"), {"problem": "description must be a non-empty string"})
            rubric = event.get("rubric")
            if "rubric" in event:
                yield from _rubric(pointer.join(path, "rubric"), rubric, max_chars)
            iterations = event.get("max_iterations")
            if iterations is not None and (not is_int(iterations) or not low <= iterations <= high):
                yield Hit(pointer.join(path, "max_iterations"), {"problem": f"max_iterations must be an integer from {low} to {high} (found {show(iterations)})"})


def _rubric(path: str, rubric: Any, max_chars: int) -> Iterator[Hit]:
    if not isinstance(rubric, dict):
        yield Hit(path, {"problem": f"rubric must be an object, not {json_type(rubric)}"})
        return
    kind = rubric.get("type")
    if kind == "text":
        content = rubric.get("content")
        if not isinstance(content, str) or not content:
            yield Hit(pointer.join(path, "content") if "content" in rubric else path, {"problem": "a text rubric needs non-empty content"})
        elif len(content) > max_chars:
            yield Hit(pointer.join(path, "content"), {"problem": f"rubric content has {len(content):,} characters; at most {max_chars:,} are allowed"})
    elif kind == "file":
        if not isinstance(rubric.get("file_id"), str) or not rubric.get("file_id"):
            yield Hit(pointer.join(path, "file_id") if "file_id" in rubric else path, {"problem": "a file rubric needs a file_id"})
    else:
        yield Hit(pointer.join(path, "type") if "type" in rubric else path, {"problem": f'rubric type must be "text" or "file" (found {show(kind)})'})


@check
def schedule(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    value = ctx.get("schedule")
    if value is None:
        return
    if not isinstance(value, dict):
        return  # the type rule reports it
    if value.get("type") != "cron":
        yield Hit("/schedule/type" if "type" in value else "/schedule", {"problem": f'type must be "cron" (found {show(value.get("type"))})'})
    for name in ("expression", "timezone"):
        if not isinstance(value.get(name), str) or not value.get(name, "").strip():
            yield Hit(pointer.join("/schedule", name) if name in value else "/schedule", {"problem": f"needs a {name} string"})
    expression = value.get("expression")
    if isinstance(expression, str) and expression.strip():
        fields = expression.split()
        if len(fields) != 5 or expression.strip().startswith("@"):
            yield Hit("/schedule/expression", {"problem": f"must be a 5-field cron expression (found {len(fields)} field(s))"})


# ------------------------------------------------------------------ dreams


@check
def dream_inputs(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    inputs = ctx.get("inputs")
    if not isinstance(inputs, list):
        return
    low, high = params["session_ids"]
    counts = {"memory_store": 0, "sessions": 0}
    for index, item in enumerate(inputs):
        path = pointer.join("/inputs", index)
        if not isinstance(item, dict):
            yield Hit(path, {"problem": f"an input must be an object, not {json_type(item)}"})
            continue
        kind = item.get("type")
        if not isinstance(kind, str) or kind not in counts:
            yield Hit(pointer.join(path, "type") if "type" in item else path, {"problem": f'type must be "memory_store" or "sessions" (found {show(kind)})'})
            continue
        counts[kind] += 1
        if counts[kind] == 2:
            yield Hit(path, {"problem": f"only one {kind} input is allowed"})
        if kind == "memory_store" and not isinstance(item.get("memory_store_id"), str):
            yield Hit(path, {"problem": "a memory_store input needs memory_store_id"})
        if kind == "sessions":
            ids = item.get("session_ids")
            if not isinstance(ids, list):
                yield Hit(path, {"problem": "a sessions input needs a session_ids list"})
                continue
            if not low <= len(ids) <= high:
                yield Hit(pointer.join(path, "session_ids"), {"problem": f"has {len(ids)} session IDs; {low} to {high} are allowed"})
            seen: set[str] = set()
            for j, session in enumerate(ids):
                if isinstance(session, str) and session in seen:
                    yield Hit(pointer.join(path, "session_ids", j), {"problem": f"session {show(session)} is listed twice"})
                elif isinstance(session, str):
                    seen.add(session)
    for kind, count in counts.items():
        if count == 0:
            yield Hit("/inputs", {"problem": f"exactly one {kind} input is required"})
