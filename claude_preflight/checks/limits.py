"""Request limits and output options: body size, context window, max_tokens 0, output_config,
fast mode, metadata, inference_geo, container, context management, compaction, threads,
fallbacks and the other top-level fields whose inner shape the field table does not cover.

Top-level types and enums are the shape family's (from the catalogue's request_fields);
the checks here only look inside values that already have the right top-level type.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from claude_preflight.catalogue.model import EFFORT_ORDER
from claude_preflight.checks import _estimate, caching
from claude_preflight.checks.base import Edit, Hit, check, is_int, json_type, show
from claude_preflight.dates import day, parse_moment
from claude_preflight.engine.index import inspects
from claude_preflight.files import pointer

if TYPE_CHECKING:
    from claude_preflight.engine.context import Context

UNKNOWN_HEADERS = "; the headers are not known here, so make sure the request carries it"


def _beta_hit(ctx: Context, path: str, args: dict[str, Any], beta: str) -> Hit:
    """A missing-beta finding: an error when the headers are known, a warning when not."""
    args = {**args, "beta": beta, "known": UNKNOWN_HEADERS if ctx.headers is None else ""}
    return Hit(path, args, fix=f"send anthropic-beta: {beta}", severity="warning" if ctx.headers is None else None)


def _model_name(ctx: Context) -> str:
    return ctx.model.id if ctx.model else show(ctx.model_written)


def _extra_keys(value: Mapping[str, Any], allowed: Any, path: str, what: str) -> Iterator[Hit]:
    for key in value:
        if key not in allowed:
            yield Hit(pointer.join(path, str(key)), {"problem": f"{what} does not take {show(str(key))} (allowed: {', '.join(allowed)})"}, fix=f"remove {str(key)!r}")


# ---------------------------------------------------------------------- SIZE-01..03


@check
def request_size(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    if ctx.in_batch:
        return  # batch items share the batch body's own limit
    limit, lower = int(params["limit_bytes"]), int(params["lower_limit_bytes"])
    surface = (params.get("surface_limits") or {}).get(ctx.surface_name)
    if surface:  # a surface's own limit, stated in exact bytes (no MB/MiB ambiguity)
        cap = int(surface["limit_bytes"])
        size = _estimate.json_size(_estimate.body_scan(ctx), near=min(cap, lower))
        if size.exact and size.utf8 > cap:
            yield Hit("", {"size": f"{size.utf8:,}", "limit": surface["limit_text"], "note": ""},
                      fix="move large images and PDFs out of the body, or split the request")
            return
        if cap <= lower:
            return
    size = _estimate.json_size(_estimate.body_scan(ctx), near=lower)
    if not size.exact:
        return
    if size.utf8 > limit:
        yield Hit("", {"size": f"{size.utf8:,}", "limit": params["limit_text"], "note": ""}, fix="move large images and PDFs to the Files API, or split the request")
    elif size.utf8 > lower:
        note = f" if the limit is {lower:,} bytes (32 MB in decimal units); at {limit:,} bytes (32 MiB) it fits"
        yield Hit("", {"size": f"{size.utf8:,}", "limit": params["limit_text"], "note": note}, severity="warning")
    elif size.ascii > limit:
        note = " once non-ASCII characters are escaped as \\uXXXX (what json.dumps does by default); send UTF-8 JSON"
        yield Hit("", {"size": f"{size.ascii:,}", "limit": params["limit_text"], "note": note}, severity="warning")


# ---------------------------------------------------------------------- SIZE-04 / SIZE-06


def _window(ctx: Context, params: Mapping[str, Any]) -> int | None:
    model = ctx.model
    if model is None or not model.context_window:
        return None
    window = model.context_window
    by_surface = (params.get("surface_windows") or {}).get(ctx.surface_name) or {}
    if model.id in by_surface:
        window = int(by_surface[model.id])
    window = dated_window(model.id, window, ctx.as_of, params)
    for entry in params.get("beta_windows") or ():
        if model.id in entry.get("models", ()) and ctx.has_beta(entry.get("beta", "")):
            window = max(window, int(entry["window"]))
    return window


def dated_window(model_id: str, window: int, as_of: Any, params: Mapping[str, Any]) -> int:
    """The window before a dated change (``params.dated_windows``: models, window, until)."""
    for entry in params.get("dated_windows") or ():
        if model_id in entry["models"] and as_of < parse_moment(str(entry["until"]), what="dated_windows.until"):
            window = min(window, int(entry["window"]))
    return window


def _prompt_tokens(ctx: Context, params: Mapping[str, Any], limit: int) -> tuple[int, int | None] | None:
    """``(typical, generous)`` token estimates of the prompt when the typical one is over ``limit``
    tokens, else None. ``generous`` (at ``generous_chars_per_token`` non-space characters per
    token, media not counted) is computed only when it could be over too, else None."""
    typical_cpt, generous_cpt = float(params["typical_chars_per_token"]), float(params["generous_chars_per_token"])
    image_tokens, document_tokens = int(params["image_tokens"]), int(params["document_tokens"])
    # Upper bound from the shared body scan (every string and key; every image and document
    # anywhere): when even that fits, the estimate below fits too.
    whole = _estimate.body_scan(ctx)
    if int((whole.chars + whole.wide) / typical_cpt) + whole.images_at_most * image_tokens + whole.documents_at_most * document_tokens <= limit:
        return None
    parts = [ctx.get("system"), ctx.get("tools"), ctx.get("messages")]
    stats = _estimate.prompt_text_stats(parts, count_spaces=False)
    typical = int(stats.chars / typical_cpt) + stats.images * image_tokens + stats.documents * document_tokens
    if typical <= limit:
        return None
    generous = int(_estimate.prompt_text_stats(parts).non_space / generous_cpt) if stats.chars / generous_cpt > limit else None
    return typical, generous


@check
def context_window(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    window = _window(ctx, params)
    if window is None or not isinstance(ctx.body, dict):
        return
    found = _prompt_tokens(ctx, params, window)
    if found is None:
        return
    typical, generous = found
    args = {"model": _model_name(ctx), "window": f"{window:,}", "estimate": f"{typical:,}"}
    if generous is not None and generous > window:
        args["estimate"] = f"{generous:,}"
        args["how"] = f"even at {float(params['generous_chars_per_token']):g} non-space characters per token"
        yield Hit("/messages", args, fix="trim the conversation or summarise older turns")
        return
    args["how"] = f"at about {float(params['typical_chars_per_token']):g} characters per token (an estimate; count_tokens gives the exact figure)"
    yield Hit("/messages", args, fix="check with /v1/messages/count_tokens and trim the conversation", severity="warning")


@check
def context_with_max_tokens(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Input plus max_tokens over the window, on models that refuse it instead of stopping early."""
    model, body = ctx.model, ctx.body
    if model is None or not model.context_window or not isinstance(body, dict) or not is_int(body.get("max_tokens")):
        return
    if ctx.has_beta(str(params["beta"])):
        return  # the beta makes these models stop with model_context_window_exceeded instead
    window, max_tokens = int(model.context_window), int(body["max_tokens"])
    room = window - max_tokens
    found = _prompt_tokens(ctx, params, room)
    if found is None:
        return
    typical, generous = found
    certain = generous is not None and generous > room
    how = f"even at {params['generous_chars_per_token']} non-space characters per token" if certain else \
        f"at about {params['typical_chars_per_token']} characters per token"
    yield Hit("/max_tokens", {"estimate": f"{generous if certain else typical:,}", "how": how, "max_tokens": f"{max_tokens:,}",
                              "window": f"{window:,}", "model": model.id, "beta": params["beta"]},
              severity=None if certain else "warning", fix=f"lower max_tokens below {max(room, 1):,}, or shorten the prompt")


# ---------------------------------------------------------------------- max_tokens 0


def _zero(ctx: Context) -> bool:
    value = ctx.get("max_tokens")
    return is_int(value) and value == 0 and not ctx.in_batch


@check
def max_tokens_zero_conflict(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    if not _zero(ctx):
        return
    if ctx.get("stream") is True:
        yield Hit("/stream", {"what": "stream: true"}, fix="drop stream for the pre-warm request")
    if ctx.thinking_type == "enabled":
        yield Hit("/thinking/type", {"what": 'thinking {"type": "enabled"} (budget_tokens must be below max_tokens)'}, fix="drop thinking for the pre-warm request")
    config = ctx.get("output_config")
    if isinstance(config, dict) and isinstance(config.get("format"), dict):
        yield Hit("/output_config/format", {"what": "structured outputs (output_config.format)"}, fix="drop output_config.format for the pre-warm request")
    if ctx.tool_choice_type in ("any", "tool"):
        yield Hit("/tool_choice/type", {"what": f'tool_choice "{ctx.tool_choice_type}", which forces output'}, fix='use tool_choice {"type": "auto"} or omit it')


@check
def max_tokens_zero_availability(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    if not _zero(ctx):
        return
    since = parse_moment(str(params["since"]))
    if ctx.as_of < since:
        args = {"reason": f"before {day(since)} max_tokens had to be at least 1 (cache pre-warming with 0 arrived then)"}
        yield Hit("/max_tokens", args, fix="use max_tokens 1")
    elif ctx.surface is not None and ctx.surface_name not in params["surfaces"]:
        args = {"reason": f"cache pre-warming with max_tokens 0 is documented for Anthropic-operated surfaces; whether {ctx.surface.display_name} accepts it is not confirmed"}
        yield Hit("/max_tokens", args, severity="warning")


@check
def max_tokens_zero_without_cache(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    if not _zero(ctx):
        return
    prompt = caching.collect_prompt(ctx)
    if prompt.breakpoints:
        return
    if prompt.automatic is not None:
        reason = ("automatic caching places its breakpoint on the last block (the placeholder message), which the "
                  "follow-up requests do not share; put an explicit breakpoint on the last shared block instead")
        yield Hit("/cache_control", {"reason": reason}, severity="info")
    else:
        yield Hit("/max_tokens", {"reason": "the request has no cache_control breakpoint, so it writes nothing to the cache and returns nothing"})


# ---------------------------------------------------------------------- output_config


def _config(ctx: Context) -> Mapping[str, Any] | None:
    config = ctx.get("output_config")
    return config if isinstance(config, dict) else None


@check
@inspects(fields=("output_config",))
def output_config_fields(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    config = _config(ctx)
    if config is not None:
        yield from _extra_keys(config, params["fields"], "/output_config", "output_config")


@check
@inspects(fields=("output_config",))
def effort_unsupported(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    config, model = _config(ctx), ctx.model
    if config is None or model is None or model.effort or config.get("effort") is None:
        return
    yield Hit("/output_config/effort", {"model": model.id}, fix="remove output_config.effort")


@check
@inspects(fields=("output_config",))
def effort_level(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    config, model = _config(ctx), ctx.model
    if config is None or "effort" not in config:
        return
    value = config["effort"]
    if value is None or (model is not None and not model.effort):
        return  # null is "the default"; models without effort have their own rule
    if value not in EFFORT_ORDER:
        yield Hit("/output_config/effort", {"value": show(value), "model": _model_name(ctx), "supported": ", ".join(EFFORT_ORDER)})
        return
    if model is not None and value not in model.effort:
        supported = ", ".join(model.effort)
        best = max((e for e in model.effort if EFFORT_ORDER.index(e) <= EFFORT_ORDER.index(value)), key=EFFORT_ORDER.index, default=None)
        yield Hit("/output_config/effort", {"value": show(value), "model": model.id, "supported": supported}, fix=f"use effort {best!r}" if best else None)


@check
@inspects(fields=("output_config",))
def output_format_shape(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    config = _config(ctx)
    if config is None or config.get("format") is None:
        return
    fmt, path = config["format"], "/output_config/format"
    if not isinstance(fmt, dict):
        yield Hit(path, {"problem": f"format must be an object {{\"type\": \"json_schema\", \"schema\": {{...}}}}, not {json_type(fmt)}"})
        return
    if fmt.get("type") != "json_schema":
        hint = " (OpenAI's response_format nests the schema under json_schema.schema)" if "json_schema" in fmt else ""
        yield Hit(pointer.join(path, "type"), {"problem": f'format.type must be "json_schema", not {show(fmt.get("type"))}{hint}'})
    schema = fmt.get("schema")
    if not isinstance(schema, dict):
        found = "missing" if "schema" not in fmt else json_type(schema)
        yield Hit(pointer.join(path, "schema"), {"problem": f"format.schema must be a JSON Schema object (found {found})"})
    elif "type" not in schema and isinstance(schema.get("schema"), dict):
        # OpenAI's json_schema wrapper ({name, schema, strict}) passed as the schema itself
        yield Hit(pointer.join(path, "schema"), {"problem": "format.schema has no type: it wraps the schema in {name, schema} as OpenAI's "
                                                 "json_schema does (\"Schema type is missing\"); pass the inner schema"},
                  fix="replace format.schema with its inner schema", edits=(Edit("replace", pointer.join(path, "schema"), schema["schema"]),))
    yield from _extra_keys(fmt, params["fields"], path, "output_config.format")


def _task_budget(ctx: Context) -> Any:
    config = _config(ctx)
    return config.get("task_budget") if config is not None else None


@check
@inspects(fields=("output_config",))
def task_budget_shape(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    budget, path = _task_budget(ctx), "/output_config/task_budget"
    if budget is None:
        return
    if not isinstance(budget, dict):
        yield Hit(path, {"problem": f'task_budget must be an object {{"type": "tokens", "total": N}}, not {json_type(budget)}'})
        return
    if budget.get("type") != "tokens":
        yield Hit(pointer.join(path, "type"), {"problem": f'task_budget.type must be "tokens", not {show(budget.get("type"))}'})
    total, minimum = budget.get("total"), int(params["minimum"])
    if not is_int(total) or not isinstance(total, int) or total < minimum:
        found = "missing" if "total" not in budget else show(total)
        yield Hit(pointer.join(path, "total"), {"problem": f"task_budget.total must be an integer of at least {minimum:,} (found {found})"})
    remaining = budget.get("remaining")
    if remaining is not None and (not is_int(remaining) or remaining < 0):
        yield Hit(pointer.join(path, "remaining"), {"problem": f"task_budget.remaining must be a non-negative integer (found {show(remaining)})"})
    yield from _extra_keys(budget, params["fields"], path, "task_budget")


# ---------------------------------------------------------------------- speed


@check
@inspects(fields=("speed",))
def fast_mode_unavailable(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    model = ctx.model
    if ctx.get("speed") != "fast" or model is None:
        return
    fast = model.fast_mode
    if fast is None:
        yield Hit("/speed", {"model": model.id, "reason": "the model has no fast mode"}, fix='remove speed or use "standard"')
        return
    if fast.start is not None and ctx.as_of < fast.start:
        reason = f"fast mode starts on {day(fast.start)}"
    elif fast.until is not None and ctx.as_of >= fast.until:
        reason = f"fast mode ended on {day(fast.until)}"
    elif fast.surfaces is not None and ctx.surface_name not in fast.surfaces and not ctx.surface_lacks(params["feature"]):
        reason = f"fast mode is only offered on {', '.join(sorted(fast.surfaces))}, not {ctx.surface_name}"
    else:
        return
    yield Hit("/speed", {"model": model.id, "reason": reason}, fix='remove speed or use "standard"')


@check
@inspects(fields=("speed",))
def fast_mode_beta(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    model = ctx.model
    if ctx.get("speed") != "fast" or model is None or model.fast_mode is None or not model.fast_mode.beta:
        return
    if not model.fast_mode.available(ctx.as_of, ctx.surface_name) or ctx.has_beta(model.fast_mode.beta):
        return
    yield _beta_hit(ctx, "/speed", {"model": model.id}, model.fast_mode.beta)


# ---------------------------------------------------------------------- metadata


def _user_id(ctx: Context) -> Any:
    metadata = ctx.get("metadata")
    return metadata.get("user_id") if isinstance(metadata, dict) else None


@check
@inspects(fields=("metadata",))
def metadata_fields(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    metadata = ctx.get("metadata")
    if not isinstance(metadata, dict):
        return
    yield from _extra_keys(metadata, params["fields"], "/metadata", "metadata")
    value = metadata.get("user_id")
    if value is not None and not isinstance(value, str):
        yield Hit("/metadata/user_id", {"problem": f"metadata.user_id must be a string or null, not {json_type(value)}"}, fix="send the ID as a string")


@check
@inspects(fields=("metadata",))
def metadata_user_id_length(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    value = _user_id(ctx)
    if isinstance(value, str) and len(value) > int(params["maximum"]):
        yield Hit("/metadata/user_id", {"length": len(value), "maximum": params["maximum"]}, fix="send a hash of the ID (a SHA-256 hex digest is 64 characters)")


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_EMAIL_INSIDE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PHONE = re.compile(r"\+?\d[\d\s().-]{7,}\d")


@check
@inspects(fields=("metadata",))
def metadata_user_id_personal(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    value = _user_id(ctx)
    if not isinstance(value, str) or len(value) > 1000:
        return
    text = value.strip()
    if _EMAIL.fullmatch(text):
        kind, severity = "an email address", None  # refused: "user_id appears to contain an email address"
    elif _EMAIL_INSIDE.search(text):
        kind, severity = "it contains an email address", "warning"
    elif _PHONE.fullmatch(text):
        kind, severity = "a phone number", "info"
    else:
        return
    yield Hit("/metadata/user_id", {"kind": kind}, fix="send an opaque ID or a hash instead", severity=severity)


# ---------------------------------------------------------------------- inference_geo


@check
@inspects(fields=("inference_geo",))
def inference_geo_unsupported(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """inference_geo on a model without it (surfaces without the feature are the surfaces family's)."""
    model = ctx.model
    if ctx.get("inference_geo") is None or model is None or model.inference_geo:
        return
    yield Hit("/inference_geo", {"model": model.id}, fix="remove inference_geo")


@check
@inspects(fields=("inference_geo",))
def inference_geo_value(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    value = ctx.get("inference_geo")
    if isinstance(value, str) and value not in params["values"]:
        yield Hit("/inference_geo", {"value": show(value), "known": ", ".join(repr(v) for v in params["values"])})


# ---------------------------------------------------------------------- container


@check
@inspects(fields=("container",))
def container_shape(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    container = ctx.get("container")
    if not isinstance(container, dict):
        return
    yield from _extra_keys(container, params["fields"], "/container", "container")
    if container.get("id") is not None and not isinstance(container.get("id"), str):
        yield Hit("/container/id", {"problem": f"container.id must be a string, not {json_type(container['id'])}"})
    skills = container.get("skills")
    if skills is None:
        return
    if not isinstance(skills, list):
        yield Hit("/container/skills", {"problem": f"container.skills must be a list, not {json_type(skills)}"})
        return
    for i, skill in enumerate(skills):
        path = f"/container/skills/{i}"
        if not isinstance(skill, dict):
            yield Hit(path, {"problem": f"a skill must be an object {{type, skill_id, version?}}, not {json_type(skill)}"})
            continue
        if skill.get("type") not in params["skill_types"]:
            yield Hit(pointer.join(path, "type"), {"problem": f"skill type must be one of {', '.join(params['skill_types'])}, not {show(skill.get('type'))}"})
        if not isinstance(skill.get("skill_id"), str) or not skill.get("skill_id"):
            yield Hit(pointer.join(path, "skill_id"), {"problem": "a skill needs a skill_id string"})
        if "version" in skill and not isinstance(skill["version"], str):
            yield Hit(pointer.join(path, "version"), {"problem": f"skill version must be a string (a version or \"latest\"), not {json_type(skill['version'])}"})
        yield from _extra_keys(skill, params["skill_fields"], path, "a skill")


def _skills(ctx: Context) -> list[Any]:
    container = ctx.get("container")
    skills = container.get("skills") if isinstance(container, dict) else None
    return skills if isinstance(skills, list) else []


@check
@inspects(fields=("container",))
def container_skills_code_execution(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    prefix = params["tool_prefix"]
    if _skills(ctx) and not any(isinstance(t.get("type"), str) and t["type"].startswith(prefix) for _, t in ctx.tools):
        yield Hit("/container/skills", {}, fix='add a code execution tool, e.g. {"type": "code_execution_20250825", "name": "code_execution"}')


# ---------------------------------------------------------------------- context management


def _edits(ctx: Context) -> list[tuple[int, Mapping[str, Any]]]:
    config = ctx.get("context_management")
    edits = config.get("edits") if isinstance(config, dict) else None
    if not isinstance(edits, list):
        return []
    return [(i, e) for i, e in enumerate(edits) if isinstance(e, dict)]


@check
@inspects(fields=("context_management",))
def context_management_shape(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    config = ctx.get("context_management")
    if not isinstance(config, dict):
        return
    yield from _extra_keys(config, ("edits",), "/context_management", "context_management")
    edits = config.get("edits")
    if edits is not None and not isinstance(edits, list):
        yield Hit("/context_management/edits", {"problem": f"edits must be a list, not {json_type(edits)}"})
        return
    types: Mapping[str, Any] = params["edit_types"]
    for i, edit in enumerate(edits or ()):
        path = f"/context_management/edits/{i}"
        if not isinstance(edit, dict):
            yield Hit(path, {"problem": f"an edit must be an object with a type, not {json_type(edit)}"})
            continue
        kind = edit.get("type")
        if not isinstance(kind, str) or kind not in types:
            yield Hit(pointer.join(path, "type"), {"problem": f"unknown edit type {show(kind)}; known: {', '.join(types)}"})
            continue
        yield from _extra_keys(edit, ["type", *types[kind]], path, kind)


@check
@inspects(fields=("context_management",))
def clear_thinking_edit(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    edits = _edits(ctx)
    kind = params["edit_type"]
    for position, (i, edit) in enumerate(edits):
        if edit.get("type") != kind:
            continue
        if not ctx.thinking_on:
            # a real 400: "`clear_thinking_20251015` strategy requires `thinking` to be enabled"
            yield Hit(f"/context_management/edits/{i}", {"problem": "it clears thinking blocks, but thinking is not on in this request; the API refuses it"},
                      fix="turn thinking on, or remove the clear_thinking edit", severity="error")
        if position != 0:
            yield Hit(f"/context_management/edits/{i}", {"problem": "when several edits are given it should be listed first"}, fix="move it to the start of edits")


@check
@inspects(fields=("compaction",))
def compaction_shape(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    compaction = ctx.get("compaction")
    if not isinstance(compaction, dict):
        return
    if compaction.get("type") != params["type"]:
        yield Hit("/compaction/type", {"problem": f'compaction.type must be "{params["type"]}", not {show(compaction.get("type"))}'})
    instructions = compaction.get("instructions")
    if instructions is not None and not isinstance(instructions, str):
        yield Hit("/compaction/instructions", {"problem": f"compaction.instructions must be a string, not {json_type(instructions)}"})
    yield from _extra_keys(compaction, params["fields"], "/compaction", "compaction")


@check
@inspects(fields=("compaction",))
def compaction_with_context_management(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    if ctx.get("compaction") is not None and ctx.get("context_management") is not None:
        yield Hit("/compaction", {}, fix="use either the compaction field or a compact_20260112 edit in context_management")


# ---------------------------------------------------------------------- thread


@check
@inspects(fields=("thread",))
def thread_shape(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    thread = ctx.get("thread")
    if not isinstance(thread, dict):
        return
    kinds: Mapping[str, Any] = params["types"]
    kind = thread.get("type")
    if not isinstance(kind, str) or kind not in kinds:
        yield Hit("/thread/type", {"problem": f"thread.type must be one of {', '.join(kinds)}, not {show(kind)}"})
        return
    for field in kinds[kind].get("required", ()):
        if not isinstance(thread.get(field), str) or not thread.get(field):
            yield Hit(pointer.join("/thread", field), {"problem": f'a "{kind}" thread needs {field} (the id of the previous response)'})
    yield from _extra_keys(thread, ["type", *kinds[kind].get("required", ()), *kinds[kind].get("optional", ())], "/thread", f'a "{kind}" thread')


@check
@inspects(fields=("thread",))
def thread_combination(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    if ctx.get("thread") is None or not isinstance(ctx.body, dict):
        return
    prompt = caching.collect_prompt(ctx)
    if prompt.automatic is not None:
        yield Hit("/cache_control", {"what": "cache_control"})
    elif prompt.breakpoints:
        yield Hit(prompt.breakpoints[0].path, {"what": "cache_control breakpoints"})
    for field in ("context_management", "fallbacks"):
        if ctx.get(field) is not None:
            yield Hit(f"/{field}", {"what": field})
    if ctx.thinking_type in ("enabled", "adaptive", "between_tools"):
        yield Hit("/thinking", {"what": f'thinking ({ctx.thinking_type})'})


# ---------------------------------------------------------------------- fallbacks


@check
@inspects(fields=("fallbacks",))
def fallbacks_shape(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    fallbacks = ctx.get("fallbacks")
    if fallbacks is None:
        return
    if isinstance(fallbacks, str):
        if fallbacks != params["default"]:
            yield Hit("/fallbacks", {"problem": f'the only string value is "{params["default"]}", not {show(fallbacks)}'})
        return
    if not isinstance(fallbacks, list):
        return  # the shape family reports the type
    if not fallbacks:
        yield Hit("/fallbacks", {"problem": "fallbacks is empty; omit it, or name at least one model"})
    seen: dict[str, int] = {}
    for i, entry in enumerate(fallbacks):
        path = f"/fallbacks/{i}"
        if not isinstance(entry, dict):
            yield Hit(path, {"problem": f"an entry must be an object with a model, not {json_type(entry)}"})
            continue
        model = entry.get("model")
        if not isinstance(model, str) or not model:
            yield Hit(pointer.join(path, "model"), {"problem": "every entry needs a model"})
        elif model in seen:
            yield Hit(pointer.join(path, "model"), {"problem": f"{model!r} is already entry {seen[model]}; entries must be distinct"})
        else:
            seen[model] = i
        if "max_tokens" in entry and entry["max_tokens"] is not None and (not is_int(entry["max_tokens"]) or entry["max_tokens"] < 1):
            yield Hit(pointer.join(path, "max_tokens"), {"problem": f"max_tokens must be a positive integer (found {show(entry['max_tokens'])})"})
        speed = entry.get("speed")
        if speed is not None and speed not in ("standard", "fast"):
            yield Hit(pointer.join(path, "speed"), {"problem": f'speed must be "standard" or "fast", not {show(speed)}'})
        yield from _extra_keys(entry, params["fields"], path, "a fallback entry")


@check
@inspects(fields=("fallbacks",))
def fallbacks_with_credit_token(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    if ctx.get("fallbacks") is not None and ctx.get("fallback_credit_token") is not None:
        yield Hit("/fallback_credit_token", {}, fix="send fallbacks on the first request and the credit token only on a manual retry")


@check
@inspects(fields=("fallback_credit_token",))
def fallback_credit_token_shape(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    token = ctx.get("fallback_credit_token")
    if not isinstance(token, dict):
        return
    path = "/fallback_credit_token"
    if not isinstance(token.get("token"), str) or not token.get("token"):
        yield Hit(pointer.join(path, "token"), {"problem": "the object form needs a token string"})
    if "mode" in token and token["mode"] not in params["modes"]:
        yield Hit(pointer.join(path, "mode"), {"problem": f"mode must be one of {', '.join(params['modes'])}, not {show(token['mode'])}"})
    yield from _extra_keys(token, params["fields"], path, "fallback_credit_token")


@check
@inspects(fields=("fallback_credit_token",))
def fallback_credit_token_beta(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    token = ctx.get("fallback_credit_token")
    if isinstance(token, dict) and not ctx.has_beta(params["beta"]):
        yield _beta_hit(ctx, "/fallback_credit_token", {"field": "the object form of fallback_credit_token"}, params["beta"])


@check
@inspects(fields=("billing_policy",))
def billing_policy_shape(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    policy = ctx.get("billing_policy")
    if not isinstance(policy, dict):
        return
    if policy.get("type") != params["type"]:
        yield Hit("/billing_policy/type", {"problem": f'billing_policy.type must be "{params["type"]}", not {show(policy.get("type"))}'})
    if policy.get("bill_to") not in params["bill_to"]:
        yield Hit("/billing_policy/bill_to", {"problem": f"bill_to must be one of {', '.join(params['bill_to'])}, not {show(policy.get('bill_to'))}"})
    yield from _extra_keys(policy, params["fields"], "/billing_policy", "billing_policy")


# ---------------------------------------------------------------------- diagnostics


@check
@inspects(fields=("diagnostics",))
def diagnostics_shape(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    diagnostics = ctx.get("diagnostics")
    if not isinstance(diagnostics, dict):
        return
    yield from _extra_keys(diagnostics, params["fields"], "/diagnostics", "diagnostics")
    value = diagnostics.get("previous_message_id")
    if value is None:
        return
    if not isinstance(value, str):
        yield Hit("/diagnostics/previous_message_id", {"problem": f"previous_message_id must be a string or null, not {json_type(value)}"})
    elif not value.startswith(params["id_prefix"]):
        problem = f"previous_message_id {show(value)} is not a message id ({params['id_prefix']}...); the miss explanation needs the id of the previous response"
        yield Hit("/diagnostics/previous_message_id", {"problem": problem}, severity="warning")

