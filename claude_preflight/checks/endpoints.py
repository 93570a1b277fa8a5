"""Endpoints beyond a single Messages call: Message Batches, endpoint beta headers, and the
MCP connector's server/toolset cross-references (Messages and Managed Agents bodies).

The engine checks every batch entry's ``params`` as a Messages request with
``ctx.in_batch`` set; the per-entry rules here only fire in that case.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping

from claude_preflight.checks.base import Edit, Hit, check, json_type, show
from claude_preflight.checks.headers import headers_known
from claude_preflight.engine.index import inspects
from claude_preflight.files import pointer

if TYPE_CHECKING:
    from claude_preflight.engine.context import Context

# ------------------------------------------------------------------ endpoint beta headers


@check
def endpoint_beta_missing(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """The route needs one of its ``betas_any`` headers (Managed Agents, dreams, ...)."""
    found = ctx.endpoint
    if found is None or found.endpoint is None or ctx.in_batch:
        return
    betas = found.endpoint.betas_any
    if not betas or ctx.has_beta(*betas):
        return
    args = {"endpoint": show(found.path), "betas": ", ".join(betas)}
    fix = f"send anthropic-beta: {betas[0]}"
    if headers_known(ctx):
        args["known"] = ""
        yield Hit("", args, fix=fix)
    else:
        args["known"] = "; the headers are not known here, so make sure the request carries it"
        yield Hit("", args, fix=fix, severity="warning")


# ------------------------------------------------------------------ Message Batches (batch body)


def _requests(ctx: Context) -> list[Any] | None:
    value = ctx.get("requests")
    return value if isinstance(value, list) else None


def json_size_at_least(value: Any, limit: int) -> int:
    """A lower bound of the UTF-8 JSON size of ``value``; stops counting once above ``limit``.

    Iterative (no recursion on request data) and linear in the size of the value.
    """
    total = 0
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            total += len(current) + 2
        elif isinstance(current, dict):
            total += 2 + max(len(current) - 1, 0)
            for key, item in current.items():
                total += (len(key) if isinstance(key, str) else 1) + 3
                stack.append(item)
        elif isinstance(current, list):
            total += 2 + max(len(current) - 1, 0)
            stack.extend(current)
        elif current is None or isinstance(current, bool):
            total += 4
        else:
            total += 1
        if total > limit:
            break
    return total


@check
@inspects(fields=("requests",))
def batch_limits(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """At most ``params.maximum`` requests and ``params.max_bytes`` of JSON (an empty batch: warning)."""
    requests = _requests(ctx)
    if requests is None:
        return
    maximum, limit = int(params["maximum"]), int(params["max_bytes"])
    if len(requests) > maximum:
        problem = f"has {len(requests):,} requests; at most {maximum:,} are allowed"
        yield Hit("/requests", {"problem": problem}, fix="split the work into several batches")
    elif not requests:
        yield Hit("/requests", {"problem": "has no requests; a batch needs at least one"}, severity="warning")
    if json_size_at_least(ctx.body, limit) > limit:
        problem = f"body is larger than {limit // (1024 * 1024)} MB; the API answers 413 request_too_large"
        yield Hit("", {"problem": problem}, fix="split the requests into several batches")


@check
@inspects(fields=("requests",))
def batch_entry_shape(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Each entry is an object with exactly custom_id and params."""
    requests = _requests(ctx)
    if requests is None:
        return
    allowed = list(params["fields"])
    for index, entry in enumerate(requests):
        path = pointer.join("", "requests", index)
        if not isinstance(entry, dict):
            yield Hit(path, {"problem": f"must be an object with {' and '.join(allowed)}, not {json_type(entry)}"})
            continue
        for name in allowed:
            if name not in entry:
                yield Hit(path, {"problem": f"is missing {name}"}, fix=f"add {name}")
        for key in entry:
            if key not in allowed:
                yield Hit(pointer.join(path, str(key)), {"problem": f"has the unknown field {show(key)}"}, fix=f"remove {show(key)}")


def custom_id_problem(value: Any, params: Mapping[str, Any]) -> str | None:
    """Why ``value`` is not a valid custom_id (``params``: EP004's), or None.

    Shared with the file checker, which sees JSONL batch entries one line at a time.
    """
    pattern = re.compile(params["pattern"])
    max_length = int(params.get("max_length", 64))
    if isinstance(value, str) and pattern.fullmatch(value):
        return None
    if isinstance(value, str) and len(value) > max_length:
        return f"it has {len(value)} characters, more than {max_length}"
    if isinstance(value, str) and not value:
        return "it is empty"
    if isinstance(value, str):
        return "only letters, digits, '_' and '-' are allowed"
    return f"it must be a string, not {json_type(value)}"


def duplicate_custom_ids(values: Iterable[Any]) -> Iterator[tuple[int, int]]:
    """``(index, index of the first use)`` for every repeated string custom_id."""
    first: dict[str, int] = {}
    for index, value in enumerate(values):
        if not isinstance(value, str):
            continue
        if value in first:
            yield index, first[value]
        else:
            first[value] = index


@check
@inspects(fields=("requests",))
def batch_custom_id(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    requests = _requests(ctx)
    if requests is None:
        return
    for index, entry in enumerate(requests):
        if not isinstance(entry, dict) or "custom_id" not in entry:
            continue
        reason = custom_id_problem(entry["custom_id"], params)
        if reason is not None:
            yield Hit(pointer.join("", "requests", index, "custom_id"), {"value": show(entry["custom_id"], 40), "reason": reason})


@check
@inspects(fields=("requests",))
def batch_custom_id_duplicate(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    requests = _requests(ctx)
    if requests is None:
        return
    values = [entry.get("custom_id") if isinstance(entry, dict) else None for entry in requests]
    for index, first in duplicate_custom_ids(values):
        yield Hit(pointer.join("", "requests", index, "custom_id"), {"value": show(values[index], 40), "first": first})


# ------------------------------------------------------------------ batch entries (params)


def _value_at(body: Any, steps: list[str]) -> tuple[bool, Any]:
    current = body
    for step in steps:
        if not isinstance(current, dict) or step not in current:
            return False, None
        current = current[step]
    return True, current


@check
def batch_entry_value(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Inside a batch entry: a field (``params.field``, dotted) with a value batches refuse.

    ``params.values`` lists the refused values; without it any non-null value is refused.
    """
    if not ctx.in_batch or not isinstance(ctx.body, dict):
        return
    steps = str(params["field"]).split(".")
    present, value = _value_at(ctx.body, steps)
    if not present or value is None:
        return
    refused = params.get("values")
    if refused is not None and not any(value == v and type(value) is type(v) for v in refused):
        return
    path = pointer.join("", *steps)
    edits = (Edit("remove", path),) if params.get("edit") == "remove" else ()
    yield Hit(path, {"field": params["field"], "value": show(value)}, fix=params.get("fix"), edits=edits)


# ------------------------------------------------------------------ MCP connector cross-references


def _mcp_servers(ctx: Context) -> list[tuple[int, Mapping[str, Any]]]:
    raw = ctx.get("mcp_servers")
    if not isinstance(raw, list):
        return []
    return [(i, s) for i, s in enumerate(raw) if isinstance(s, dict)]


def _toolsets(ctx: Context, params: Mapping[str, Any]) -> list[tuple[int, Mapping[str, Any]]]:
    kind = params.get("toolset_type", "mcp_toolset")
    return [(i, t) for i, t in ctx.tools if t.get("type") == kind]


@check
@inspects(fields=("mcp_servers",))
def mcp_server_invalid(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Each server: type url, a name, a URL (https for the body kinds in ``params.https``)."""
    max_name = params.get("max_name_length")
    https = ctx.body_kind in (params.get("https") or ())
    for index, server in _mcp_servers(ctx):
        base = pointer.join("", "mcp_servers", index)
        kind = server.get("type")
        if kind != "url":
            yield Hit(pointer.join(base, "type") if "type" in server else base, {"problem": f"type must be \"url\" (found {show(kind)})"}, fix='set "type": "url"')
        name = server.get("name")
        if not isinstance(name, str) or not name:
            yield Hit(pointer.join(base, "name") if "name" in server else base, {"problem": "needs a non-empty string name"})
        elif max_name and len(name) > max_name:
            yield Hit(pointer.join(base, "name"), {"problem": f"name is longer than {max_name} characters"})
        url = server.get("url")
        if not isinstance(url, str) or not url:
            yield Hit(pointer.join(base, "url") if "url" in server else base, {"problem": "needs a url"})
        elif https and not url.lower().startswith("https://"):
            yield Hit(pointer.join(base, "url"), {"problem": f"url must start with https:// (found {show(url)})"})


@check
@inspects(fields=("mcp_servers",))
def mcp_server_duplicate(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    first: dict[str, int] = {}
    for index, server in _mcp_servers(ctx):
        name = server.get("name")
        if not isinstance(name, str):
            continue
        if name in first:
            yield Hit(pointer.join("", "mcp_servers", index, "name"), {"name": show(name), "first": first[name]})
        else:
            first[name] = index


def _new_style(ctx: Context, params: Mapping[str, Any]) -> tuple[bool, bool]:
    """(toolsets are required, we are sure) for the request's MCP connector version."""
    legacy = params.get("legacy_betas") or ()
    current = params.get("toolset_betas") or ()
    if not current:
        return True, True  # bodies where toolsets are always required (Managed Agents)
    if ctx.has_beta(*current):
        return True, True
    if ctx.has_beta(*legacy):
        return False, True
    return True, False


@check
@inspects(fields=("mcp_servers",))
def mcp_server_unreferenced(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    servers = _mcp_servers(ctx)
    if not servers:
        return
    required, sure = _new_style(ctx, params)
    if not required:
        return
    named = {t.get("mcp_server_name") for _, t in _toolsets(ctx, params) if isinstance(t.get("mcp_server_name"), str)}
    for index, server in servers:
        name = server.get("name")
        if isinstance(name, str) and name not in named:
            hit_args = {"name": show(name)}
            path = pointer.join("", "mcp_servers", index, "name")
            fix = f'add {{"type": "mcp_toolset", "mcp_server_name": {name!r}}} to tools'
            yield Hit(path, hit_args, fix=fix, severity=None if sure else "warning")


@check
@inspects(fields=("tools",))
def mcp_toolset_reference(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Every mcp_toolset names a defined server, and no server has two toolsets."""
    toolsets = _toolsets(ctx, params)
    if not toolsets:
        return
    names = {s.get("name") for _, s in _mcp_servers(ctx) if isinstance(s.get("name"), str)}
    first: dict[str, int] = {}
    for index, toolset in toolsets:
        name = toolset.get("mcp_server_name")
        if not isinstance(name, str):
            continue  # the tool-definition rules report a missing or mistyped name
        path = pointer.join("", "tools", index, "mcp_server_name")
        if name not in names:
            defined = ", ".join(sorted(repr(n) for n in names)) or "none"
            yield Hit(path, {"name": show(name), "problem": f"no server in mcp_servers has this name (defined: {defined})"})
        elif name in first:
            yield Hit(path, {"name": show(name), "problem": f"the server already has a toolset at tools/{first[name]}"})
        else:
            first[name] = index
