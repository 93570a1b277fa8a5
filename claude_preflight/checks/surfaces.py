"""Surfaces: features a surface lacks, where the model and the API version go, and
surface-specific forms (Bedrock InvokeModel, Bedrock inference profiles, Vertex).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Mapping

from claude_preflight.checks.base import Edit, Hit, check, show
from claude_preflight.checks.headers import headers_known
from claude_preflight.dates import day, parse_moment
from claude_preflight.engine.index import inspects
from claude_preflight.files import pointer

if TYPE_CHECKING:
    from claude_preflight.engine.context import Context

# ------------------------------------------------------------------ features a surface lacks


def _tool_type_use(ctx: Context, prefixes: list[str]) -> str | None:
    for index, tool in ctx.tools:
        kind = tool.get("type")
        if isinstance(kind, str) and any(kind.startswith(p) for p in prefixes):
            return pointer.join("", "tools", index, "type")
    return None


def _block_use(ctx: Context, types: list[str]) -> str | None:
    return ctx.first_block_path(types)


def _source_use(ctx: Context, types: list[str]) -> str | None:
    """Blocks whose ``source.type`` is listed, also one level down in tool_result content."""
    wanted = set(types)
    for block in ctx.blocks:
        candidates = [(block.path, block.data)]
        content = block.data.get("content")
        if isinstance(content, list):
            candidates += [(pointer.join(block.path, "content", i), b) for i, b in enumerate(content) if isinstance(b, dict)]
        for path, data in candidates:
            source = data.get("source")
            if isinstance(source, dict) and isinstance(source.get("type"), str) and source["type"] in wanted:
                return pointer.join(path, "source", "type")
    return None


def _role_use(ctx: Context, roles: list[str]) -> str | None:
    for index, message in ctx.messages:
        if message.get("role") in roles:
            return f"/messages/{index}/role"
    return None


def _path_use(body: Mapping[str, Any], steps: list[str]) -> str | None:
    """The first non-null value at ``steps`` below the body ("*" = every list item)."""
    if not steps or steps[0] not in body:
        return None
    frontier: list[tuple[str, Any]] = [("", body)]
    for step in steps:
        following: list[tuple[str, Any]] = []
        for path, current in frontier:
            if step == "*":
                if isinstance(current, list):
                    following.extend((f"{path}/{i}", item) for i, item in enumerate(current))
            elif isinstance(current, dict) and step in current:
                following.append((pointer.join(path, step), current[step]))
        frontier = following
    return next((path for path, value in frontier if value is not None), None)


def feature_use(ctx: Context, detect: Mapping[str, Any]) -> str | None:
    """Where the request uses a feature described by a ``detect`` block, or None."""
    body = ctx.body if isinstance(ctx.body, dict) else {}
    for field in detect.get("fields") or ():
        if body.get(field) is not None:
            return pointer.join("", field)
    for field, values in (detect.get("field_values") or {}).items():
        if field in body and any(body[field] == v and type(body[field]) is type(v) for v in values):
            return pointer.join("", field)
    endpoints = detect.get("endpoints")
    found = ctx.endpoint
    if endpoints and found is not None and found.endpoint is not None and found.endpoint.key in endpoints:
        offered = found.endpoint.surfaces
        if offered is None or ctx.surface_name in offered:  # otherwise PF003 reports the route
            return ""
    if not isinstance(ctx.body, dict):
        return None
    for steps in detect.get("paths") or ():
        where = _path_use(ctx.body, [str(step) for step in steps])
        if where is not None:
            return where
    for clause, finder in (("tool_types", _tool_type_use), ("block_types", _block_use), ("source_types", _source_use), ("roles", _role_use)):
        listed = detect.get(clause)
        if listed:
            where = finder(ctx, list(listed))
            if where is not None:
                return where
    return None


@check
def feature_missing(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A catalogued feature the request uses that the surface lacks (``surfaces[*].lacks``)."""
    surface = ctx.surface
    if surface is None or not (surface.lacks or surface.lacks_before):
        return
    skip = set(params.get("skip") or ())
    for key in sorted(surface.lacks_at(ctx.as_of) - skip):
        feature = ctx.catalogue.features.get(key)
        detect = feature.get("detect") if isinstance(feature, Mapping) else None
        if not isinstance(detect, Mapping):
            continue
        where = feature_use(ctx, detect)
        if where is not None:
            since = surface.lacks_before.get(key)
            when = f" before {day(since)}" if since is not None and key not in surface.lacks else ""
            yield Hit(where, {"feature": key, "surface": surface.display_name, "surface_key": ctx.surface_name, "when": when})


# ------------------------------------------------------------------ where the model goes


@check
@inspects(fields=("model",))
def model_in_body_and_path(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """The route carries the model in its path; the body must not repeat it."""
    found = ctx.endpoint
    if found is None or "model" not in found.params or not isinstance(ctx.body, dict) or "model" not in ctx.body:
        return
    args = {"path_model": show(found.params["model"]), "endpoint": show(found.path)}
    yield Hit("/model", args, fix="remove 'model' from the body", edits=(Edit("remove", "/model"),))


@check
def model_route_for_surface(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A model-in-path surface, but a route that does not carry the model."""
    surface, found = ctx.surface, ctx.endpoint
    if surface is None or surface.model_in != "path" or found is None or found.endpoint is None:
        return
    if "model" in found.params or found.endpoint.surfaces is not None:
        return  # a surface-specific route (e.g. Vertex count-tokens takes the model in the body)
    route = (params.get("routes") or {}).get(ctx.surface_name)
    if route is None:
        return
    yield Hit("", {"surface": ctx.surface_name, "endpoint": show(found.path), "route": route})


# ------------------------------------------------------------------ the body's anthropic_version


@check
def body_version(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Body anthropic_version: required where the surface reads it from the body, and one of its values."""
    surface = ctx.surface
    if surface is None or not isinstance(ctx.body, dict):
        return
    present = "anthropic_version" in ctx.body
    value = ctx.body.get("anthropic_version")
    accepted = list(surface.body_versions)
    if not present:
        if surface.version_in == "body":
            fix = f'add "anthropic_version": "{accepted[0]}"' if accepted else None
            yield Hit("", {"problem": f"is required on {ctx.surface_name}", "accepted": ", ".join(accepted) or "none"}, fix=fix)
        return
    if surface.version_in == "header" or not accepted:
        return  # the field itself is unknown there (SH003)
    if not isinstance(value, str) or value.strip() not in accepted:
        fix = f'use "anthropic_version": "{accepted[0]}"'
        yield Hit("/anthropic_version", {"problem": f"{show(value)} is not accepted on {ctx.surface_name}", "accepted": ", ".join(accepted)}, fix=fix)


@check
def version_for_model(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """An API version a surface accepts only for models launched from a given date on."""
    model = ctx.model
    if model is None or (ctx.in_batch and ctx.api_version_origin == "header"):
        return  # a batch's header version concerns the batch call, whose surfaces have no batches
    for entry in params.get("versions") or ():
        if ctx.api_version != entry["version"] or ctx.surface_name not in entry["surfaces"]:
            continue
        launched = model.launched
        cutoff = parse_moment(str(entry["min_launch"]), what="min_launch")
        if launched is None or launched >= cutoff:
            continue
        origin = ctx.api_version_origin
        if origin == "body":
            path, where, severity = "/anthropic_version", "the body's anthropic_version", None
        elif origin == "header":
            path, where, severity = "", "the anthropic-version header", None
        else:
            path, where, severity = "", f"the assumed API version ({origin})", "warning"
        fallback = entry.get("use", "")
        if isinstance(fallback, Mapping):
            fallback = fallback.get(ctx.surface_name, "")
        args = {"version": ctx.api_version, "where": where, "model": model.id, "surface": ctx.surface_name, "use": fallback}
        yield Hit(path, args, fix=f"use {fallback}" if fallback else None, severity=severity)


# ------------------------------------------------------------------ Bedrock specifics


@check
def bedrock_profile(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A bare Bedrock base model ID where on-demand calls need an inference profile."""
    match, surface = ctx.match, ctx.surface
    if match is None or surface is None or surface.model_ids != "bedrock" or match.profile is not None or ctx.counted:
        return  # (CountTokens takes only the base model ID: PF005)
    written = match.written
    if written.startswith("arn:"):
        return
    launched = match.model.launched
    cutoff = parse_moment(str(params["min_launch"]), what="min_launch")
    if launched is None or launched < cutoff:
        return
    prefixes = surface.profile_prefixes
    suggestion = f"{prefixes[0]}{written}" if prefixes else written
    yield Hit(ctx.model_path, {"model": show(written), "suggestion": suggestion}, fix=f"use {suggestion!r}")


@check
def profile_refused(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A geographic inference profile Bedrock is known not to offer for this model."""
    match = ctx.match
    if match is None or match.profile is None or match.model is None:
        return
    entry = (params.get("refused") or {}).get(match.model.id)
    if not isinstance(entry, Mapping) or match.profile not in entry["prefixes"]:
        return
    seen = parse_moment(str(entry["seen"]), what="seen")
    if ctx.as_of < seen:
        return
    offered = [p for p in entry.get("offered") or () if p != match.profile]
    base = match.written[len(match.profile):]
    suggestion = f"{offered[0]}{base}" if offered else base
    yield Hit(ctx.model_path, {"model": show(match.written), "profile": match.profile, "seen": day(seen),
                               "offered": ", ".join(offered) or "none known"}, fix=f"use {suggestion!r}")


@check
def feature_for_model(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A feature this surface refuses for this model (``params.entries``: feature, the body
    paths that use it, models, surfaces, the date last seen)."""
    model = ctx.model
    if model is None or not isinstance(ctx.body, dict):
        return
    for entry in params.get("entries") or ():
        if model.id not in entry["models"] or ctx.surface_name not in entry["surfaces"]:
            continue
        where = next((w for steps in entry["paths"] if (w := _path_use(ctx.body, [str(s) for s in steps])) is not None), None)
        if where is not None:
            yield Hit(where, {"feature": entry["feature"], "model": model.id, "surface": ctx.surface_name, "seen": str(entry["seen"])[:10]})


@check
@inspects(fields=("stream",))
def invoke_stream_field(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    if ctx.surface_name not in params["surfaces"] or not isinstance(ctx.body, dict) or "stream" not in ctx.body:
        return
    yield Hit("/stream", {"surface": ctx.surface_name}, fix="remove 'stream'; POST to /model/{model}/invoke-with-response-stream to stream")


@check
def invoke_beta_header(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """InvokeModel reads betas from the body's anthropic_beta list, not from the header."""
    if ctx.surface_name not in params["surfaces"] or not headers_known(ctx):
        return
    assert ctx.headers is not None
    values = [p.strip() for v in ctx.headers.get("anthropic-beta", ()) for p in v.split(",") if p.strip()]
    if not values:
        return
    listed = ctx.get("anthropic_beta")
    in_body = {v for v in listed if isinstance(v, str)} if isinstance(listed, list) else set()
    missing = [v for v in values if v not in in_body]
    if missing:
        if isinstance(listed, list):
            edits = tuple(Edit("add", "/anthropic_beta/-", name) for name in missing)
        else:
            edits = (Edit("add", "/anthropic_beta", missing),)
        fix = f'add "anthropic_beta": {missing!r} to the body'.replace("'", '"')
        yield Hit("", {"betas": ", ".join(missing)}, fix=fix, edits=edits)
