"""Tools: custom tool definitions, Anthropic-defined tool types, tool_choice, the
tool_use/tool_result pairing in the conversation, and the JSON Schema subset of strict
tools and structured outputs.

Anthropic tool facts (fixed names, fields, betas, models, surfaces) come from the
catalogue's ``tool_types`` (rules/platform/tools.yaml); the other facts from ``params``.
MCP connector cross-references (mcp_servers vs mcp_toolset) belong to another family.
"""

from __future__ import annotations

import difflib
import functools
import itertools
import re
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping

from claude_preflight.checks import _schema_subset as subset
from claude_preflight.checks.base import Edit, Hit, check, is_int, json_type, show
from claude_preflight.checks.messages import conversation_turns
from claude_preflight.dates import parse_moment
from claude_preflight.engine.index import inspects
from claude_preflight.files import pointer

if TYPE_CHECKING:
    from claude_preflight.engine.context import Context

CUSTOM = "custom"


def _kind(ctx: Context, tool: Mapping[str, Any]) -> str:
    """``custom``, ``anthropic`` (a catalogued tool type) or ``unknown``."""
    kind = tool.get("type")
    if kind is None or kind == CUSTOM:
        return CUSTOM
    if isinstance(kind, str) and kind in ctx.catalogue.tool_types:
        return "anthropic"
    return "unknown"


def _custom_tools(ctx: Context) -> Iterator[tuple[int, Mapping[str, Any]]]:
    for index, tool in ctx.tools:
        if _kind(ctx, tool) == CUSTOM:
            yield index, tool


def _anthropic_tools(ctx: Context) -> Iterator[tuple[int, Mapping[str, Any], Mapping[str, Any]]]:
    for index, tool in ctx.tools:
        if _kind(ctx, tool) == "anthropic":
            yield index, tool, ctx.catalogue.tool_types[tool["type"]]


def _tool_names(ctx: Context) -> list[tuple[int, str]]:
    return [(i, t["name"]) for i, t in ctx.tools if isinstance(t.get("name"), str)]


def _has_toolset_with_unknown_names(ctx: Context) -> bool:
    """Toolsets (MCP, computer, browser) expose tools whose names the request does not list."""
    for _, tool, spec in _anthropic_tools(ctx):
        if spec.get("name") is None:
            return True
    return False


def _headers_known(ctx: Context) -> bool:
    return ctx.headers is not None or isinstance(ctx.get("anthropic_beta"), list) or isinstance(ctx.get("betas"), list)


# ---------------------------------------------------------------------- custom tools


@check
@inspects(fields=("tools",))
def name_invalid(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    pattern = str(params["pattern"])
    for index, tool in _custom_tools(ctx):
        if "name" not in tool:
            yield Hit(f"/tools/{index}", {"name": "(missing)", "reason": "a custom tool needs a name", "pattern": pattern})
            continue
        name = tool["name"]
        if not isinstance(name, str):
            yield Hit(f"/tools/{index}/name", {"name": show(name), "reason": f"it is a {json_type(name)}", "pattern": pattern})
            continue
        if re.fullmatch(pattern, name):
            continue
        bad = sorted({c for c in name if not (c.isascii() and (c.isalnum() or c in "_-"))})
        if not name:
            reason = "it is empty"
        elif bad:
            reason = "it contains " + ", ".join(repr(c) for c in bad[:5])
        else:
            reason = f"it has {len(name)} characters"
        fixed = re.sub(r"[^a-zA-Z0-9_-]", "_", name)[:128] or None
        yield Hit(f"/tools/{index}/name", {"name": show(name), "reason": reason, "pattern": pattern},
                  fix=f"rename to {fixed!r} (and use that name in tool_choice and history)" if fixed else None)


@check
@inspects(fields=("tools",))
def name_long(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    portable, limit = int(params["portable"]), int(params["limit"])
    for index, tool in _custom_tools(ctx):
        name = tool.get("name")
        if isinstance(name, str) and portable < len(name) <= limit and re.fullmatch(r"[a-zA-Z0-9_-]+", name):
            yield Hit(f"/tools/{index}/name", {"name": show(name), "length": len(name), "portable": portable})


@check
@inspects(fields=("tools",))
def name_duplicate(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    first: dict[str, int] = {}
    for index, name in _tool_names(ctx):
        if name in first:
            yield Hit(f"/tools/{index}/name", {"name": show(name), "first": first[name]})
        else:
            first[name] = index


@check
@inspects(fields=("tools",))
def input_schema_not_object(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    for index, tool in _custom_tools(ctx):
        base = f"/tools/{index}"
        if "input_schema" not in tool:
            hint = " (OpenAI's 'parameters' is called input_schema here)" if "parameters" in tool else ""
            yield Hit(base, {"problem": "is missing" + hint})
            continue
        schema = tool["input_schema"]
        if not isinstance(schema, dict):
            yield Hit(base + "/input_schema", {"problem": f"must be a JSON Schema object, not {json_type(schema)}"})
        elif "type" not in schema:
            yield Hit(base + "/input_schema", {"problem": 'has no "type"; the top level must be {"type": "object", ...}'},
                      fix='add "type": "object"', edits=(Edit("add", base + "/input_schema/type", "object"),))
        elif schema["type"] != "object":
            yield Hit(base + "/input_schema/type", {"problem": f'must have type "object" at the top level, not {show(schema["type"])}'})
        if isinstance(schema, dict):
            for key in params.get("top_level_forbidden") or ():
                if key in schema:
                    # "input_schema does not support oneOf, allOf, or anyOf at the top level"
                    yield Hit(f"{base}/input_schema/{key}", {"problem": f"cannot use {key} at the top level; describe the alternatives in the properties and the description"},
                              fix=f"remove the top-level {key} (keep the alternatives inside properties)")


@check
@inspects(fields=("tools",))
def property_name_invalid(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Top-level ``input_schema.properties`` names of custom tools against ``params["pattern"]``."""
    pattern = re.compile(str(params["pattern"]))
    for index, tool in _custom_tools(ctx):
        schema = tool.get("input_schema")
        properties = schema.get("properties") if isinstance(schema, dict) else None
        if not isinstance(properties, dict):
            continue
        for name in properties:
            if not isinstance(name, str) or not pattern.fullmatch(name):
                yield Hit(pointer.join(f"/tools/{index}/input_schema/properties", str(name)), {"name": show(name), "pattern": pattern.pattern})


# A fast path for input_schema_invalid: schemas written only with these keywords, each with
# a value of the type the Draft 2020-12 meta-schema requires, are valid against it, so the
# canonical-JSON cache key and the full validation can be skipped. Anything else (another
# keyword, an odd value, a tuple for a list, a float for a count...) takes the full path.
# The meta-schema is checked without a format checker, so strings with "format" (uri,
# regex...) in it are plain strings here too.
_SIMPLE_TYPES = frozenset({"array", "boolean", "integer", "null", "number", "object", "string"})
_ANY, _STRING, _TYPE, _SCHEMA, _SCHEMA_MAP, _SCHEMA_LIST, _STRINGS, _ARRAY, _BOOLEAN, _NUMBER, _COUNT = range(11)
_KEYWORDS: dict[str, int] = {
    **dict.fromkeys(("default", "const"), _ANY),
    **dict.fromkeys(("title", "description", "$comment", "format", "pattern", "$ref", "contentEncoding",
                     "contentMediaType"), _STRING),
    "type": _TYPE,
    **dict.fromkeys(("items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
                     "unevaluatedItems", "unevaluatedProperties", "contentSchema"), _SCHEMA),
    **dict.fromkeys(("properties", "$defs", "definitions", "dependentSchemas"), _SCHEMA_MAP),
    **dict.fromkeys(("allOf", "anyOf", "oneOf", "prefixItems"), _SCHEMA_LIST),
    "required": _STRINGS,
    **dict.fromkeys(("enum", "examples"), _ARRAY),
    **dict.fromkeys(("uniqueItems", "deprecated", "readOnly", "writeOnly"), _BOOLEAN),
    **dict.fromkeys(("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"), _NUMBER),
    **dict.fromkeys(("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties",
                     "minContains", "maxContains"), _COUNT),
}
_PLAIN_DEPTH = 64  # bounds the walk (and Python-level cycles); deeper schemas take the full path
_PLAIN_NODES = 5_000


def _plainly_valid(schema: Any) -> bool:
    """True only when ``schema`` certainly satisfies the Draft 2020-12 meta-schema (an
    iterative walk over the sub-schemas); False means "not known", not "invalid"."""
    keywords = _KEYWORDS
    stack: list[tuple[Any, int]] = [(schema, 0)]
    budget = _PLAIN_NODES
    while stack:
        node, level = stack.pop()
        if node is True or node is False:
            continue
        budget -= 1
        if not isinstance(node, dict) or level > _PLAIN_DEPTH or budget < 0:
            return False
        for key, value in node.items():
            kind = keywords.get(key) if type(key) is str else None
            if kind is None:
                return False
            if kind == _STRING:
                if not isinstance(value, str):
                    return False
            elif kind == _SCHEMA_MAP:
                if not isinstance(value, dict):
                    return False
                for name, child in value.items():
                    if type(name) is not str:
                        return False
                    stack.append((child, level + 1))
            elif kind == _TYPE:
                if isinstance(value, str):
                    if value not in _SIMPLE_TYPES:
                        return False
                elif (not isinstance(value, list) or not value
                      or not all(type(t) is str and t in _SIMPLE_TYPES for t in value) or len(set(value)) != len(value)):
                    return False
            elif kind == _SCHEMA:
                stack.append((value, level + 1))
            elif kind == _STRINGS:
                if not isinstance(value, list) or not all(type(r) is str for r in value) or len(set(value)) != len(value):
                    return False
            elif kind == _ARRAY:
                if not isinstance(value, list):
                    return False
            elif kind == _COUNT:
                if type(value) is not int or value < 0:
                    return False
            elif kind == _NUMBER:
                if type(value) is not int and type(value) is not float:
                    return False
            elif kind == _BOOLEAN:
                if value is not True and value is not False:
                    return False
            elif kind == _SCHEMA_LIST:
                if not isinstance(value, list) or not value:
                    return False
                stack.extend((child, level + 1) for child in value)
            # _ANY: "default" and "const" take any value
    return True


@check
@inspects(fields=("tools",))
def input_schema_invalid(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Custom tool schemas checked against the JSON Schema Draft 2020-12 meta-schema."""
    for index, tool in _custom_tools(ctx):
        schema = tool.get("input_schema")
        if not isinstance(schema, dict):
            continue
        # The SDK types allow null for the top-level properties and required.
        if schema.get("properties", {}) is None or schema.get("required", []) is None:
            schema = {k: v for k, v in schema.items() if not (k in ("properties", "required") and v is None)}
        problem = None if _plainly_valid(schema) else subset.metaschema_problem(schema)
        if problem is not None:
            where, message = problem
            yield Hit(f"/tools/{index}/input_schema{where}", {"detail": message})


@check
@inspects(fields=("tools",))
def custom_unknown_field(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    allowed = set(params.get("allowed") or ())
    hints: Mapping[str, str] = params.get("hints") or {}
    for index, tool in _custom_tools(ctx):
        for key in tool:
            if key in allowed:
                continue
            hint = hints.get(key, "") if isinstance(key, str) else ""
            yield Hit(pointer.join(f"/tools/{index}", key), {"field": show(key), "hint": f"; {hint}" if hint else ""},
                      fix=hint or f"remove {key!r}")


# ---------------------------------------------------------------------- Anthropic-defined tools


@check
@inspects(fields=("tools",))
def type_unknown(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Tool entries that are not objects, or whose type is neither custom nor catalogued."""
    raw = ctx.get("tools")
    if isinstance(raw, list):
        for index, item in enumerate(raw):
            if not isinstance(item, dict):
                yield Hit(f"/tools/{index}", {"problem": f"is a {json_type(item)}, not a tool object"})
    hints: Mapping[str, str] = params.get("hints") or {}
    known = sorted(ctx.catalogue.tool_types)
    for index, tool in ctx.tools:
        if _kind(ctx, tool) != "unknown":
            continue
        kind = tool.get("type")
        hint = hints.get(kind, "") if isinstance(kind, str) else ""
        if not hint and isinstance(kind, str):
            close = difflib.get_close_matches(kind, known, n=3, cutoff=0.6)
            if close:
                hint = "did you mean " + " or ".join(repr(c) for c in close) + "?"
        problem = f"has type {show(kind)}, which is not a known tool type" + (f"; {hint}" if hint else "")
        yield Hit(f"/tools/{index}/type", {"problem": problem})


@check
@inspects(fields=("tools",))
def anthropic_name_mismatch(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    for index, tool, spec in _anthropic_tools(ctx):
        expected = spec.get("name")
        kind = tool["type"]
        if expected is None:
            if "name" in tool:
                yield Hit(f"/tools/{index}/name", {"type": kind, "problem": "carries no name (it is a toolset)"},
                          fix="remove 'name'", edits=(Edit("remove", f"/tools/{index}/name"),))
        elif "name" not in tool:
            yield Hit(f"/tools/{index}", {"type": kind, "problem": f"needs name {expected!r}"},
                      fix=f"add name {expected!r}", edits=(Edit("add", f"/tools/{index}/name", expected),))
        elif tool["name"] != expected:
            yield Hit(f"/tools/{index}/name", {"type": kind, "problem": f"must be named {expected!r}, not {show(tool['name'])}"},
                      fix=f"rename to {expected!r}", edits=(Edit("replace", f"/tools/{index}/name", expected),))


@check
@inspects(fields=("tools",))
def anthropic_unknown_field(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    for index, tool, spec in _anthropic_tools(ctx):
        allowed = {"type", "name"} | set(spec.get("fields") or ())
        for key in tool:
            if key in allowed:
                continue
            hint = ""
            if key in ("input_schema", "description"):
                hint = "; Anthropic-defined tools have a built-in schema and description"
            yield Hit(pointer.join(f"/tools/{index}", key), {"field": show(key), "type": tool["type"], "hint": hint},
                      fix=f"remove {key!r}")


@check
@inspects(fields=("tools",))
def domain_filters(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Domain lists of the tool types in ``params["types"]``: one list at most, never empty."""
    types = params.get("types") or ()
    fields = tuple(params.get("fields") or ("allowed_domains", "blocked_domains"))
    for index, tool in ctx.tools:
        if tool.get("type") not in types:
            continue
        given = [name for name in fields if tool.get(name) is not None]
        for name in given:
            if tool[name] == []:
                yield Hit(f"/tools/{index}/{name}", {"type": tool["type"], "problem": f"{name} is an empty list, which is ambiguous: give at least one domain, or leave the field out"},
                          fix=f"remove the empty {name}")
        if len(given) > 1:
            yield Hit(f"/tools/{index}/{given[-1]}", {"type": tool["type"], "problem": f"takes {' or '.join(given)}, not both: keep one list"})


@check
@inspects(fields=("tools",))
def anthropic_missing_field(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    for index, tool, spec in _anthropic_tools(ctx):
        for name in spec.get("required_fields") or ():
            if name not in tool:
                yield Hit(f"/tools/{index}", {"type": tool["type"], "field": name})


@check
@inspects(fields=("tools",))
def anthropic_needs_beta(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    for index, tool, spec in _anthropic_tools(ctx):
        betas = spec.get("betas_any")
        if not betas or ctx.has_beta(*betas):
            continue
        until = spec.get("betas_until")
        if until is not None and ctx.as_of >= parse_moment(str(until), what="betas_until"):
            continue  # generally available since then
        args = {"type": tool["type"], "betas": ", ".join(betas)}
        if _headers_known(ctx):
            args["known"] = ""
            yield Hit(f"/tools/{index}/type", args, fix=f"send anthropic-beta: {betas[-1]}")
        else:
            args["known"] = "; the headers are not known here, so make sure the request carries it"
            yield Hit(f"/tools/{index}/type", args, fix=f"send anthropic-beta: {betas[-1]}", severity="warning")


@check
@inspects(fields=("tools",))
def anthropic_model_unsupported(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    model = ctx.model
    if model is None:
        return
    names = {model.id, *model.aliases}
    for index, tool, spec in _anthropic_tools(ctx):
        refused = spec.get("unsupported_models") or ()
        if names & set(refused):
            family = tool["type"].rsplit("_", 1)[0]
            alternatives = sorted(
                k for k, v in ctx.catalogue.tool_types.items()
                if k != tool["type"] and k.rsplit("_", 1)[0] == family and k[-8:].isdigit()
                and not v.get("betas_any") and not names & set(v.get("unsupported_models") or ())
            )
            hint = f"; use {alternatives[-1]!r}" if alternatives else ""
            yield Hit(f"/tools/{index}/type", {"type": tool["type"], "model": model.id, "hint": hint})


@check
@inspects(fields=("tools",))
def anthropic_surface_unsupported(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    if ctx.surface is None:
        return
    for index, tool, spec in _anthropic_tools(ctx):
        surfaces = spec.get("surfaces")
        feature = spec.get("feature")
        if not surfaces or ctx.surface_name in surfaces:
            continue
        if isinstance(feature, str) and ctx.surface_lacks(feature):
            continue  # the whole feature is missing there: the surfaces family reports it
        where = "only on " + ", ".join(surfaces)
        yield Hit(f"/tools/{index}/type", {"type": tool["type"], "surface": ctx.surface_name, "where": where})


# ---------------------------------------------------------------------- tool_choice


def _choice(ctx: Context) -> Mapping[str, Any] | None:
    choice = ctx.get("tool_choice")
    return choice if isinstance(choice, dict) else None


@check
@inspects(fields=("tool_choice",))
def tool_choice_invalid(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    choice = _choice(ctx)
    if choice is None:
        return
    shapes: Mapping[str, list[str]] = params.get("shapes") or {}
    hints: Mapping[str, str] = params.get("hints") or {}
    if "type" not in choice:
        yield Hit("/tool_choice", {"problem": "has no type (auto, any, tool or none)"})
        return
    kind = choice["type"]
    if not isinstance(kind, str) or kind not in shapes:
        hint = hints.get(kind, "") if isinstance(kind, str) else ""
        yield Hit("/tool_choice/type", {"problem": f"type {show(kind)} is not one of {', '.join(shapes)}" + (f"; {hint}" if hint else "")})
        return
    allowed = set(shapes[kind]) | {"type"}
    for key in choice:
        if key in allowed or (kind == "none" and key == "disable_parallel_tool_use"):
            continue  # the parallel flag on none has its own rule
        yield Hit(pointer.join("/tool_choice", key), {"problem": f"{show(key)} is not a field of a {kind!r} tool_choice"})
    if kind == "tool":
        name = choice.get("name")
        if "name" not in choice:
            yield Hit("/tool_choice", {"problem": 'of type "tool" needs the name of the tool to use'})
        elif not isinstance(name, str):
            yield Hit("/tool_choice/name", {"problem": f"name must be a string, not {json_type(name)}"})
    flag = choice.get("disable_parallel_tool_use")
    if kind != "none" and "disable_parallel_tool_use" in choice and not isinstance(flag, bool):
        yield Hit("/tool_choice/disable_parallel_tool_use", {"problem": f"disable_parallel_tool_use must be a boolean, not {json_type(flag)}"})


@check
@inspects(fields=("tool_choice",))
def tool_choice_none_parallel(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    choice = _choice(ctx)
    if choice is not None and choice.get("type") == "none" and "disable_parallel_tool_use" in choice:
        path = "/tool_choice/disable_parallel_tool_use"
        yield Hit(path, {}, fix="remove disable_parallel_tool_use", edits=(Edit("remove", path),))


@check
@inspects(fields=("tool_choice",))
def tool_choice_unknown_tool(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    choice = _choice(ctx)
    if choice is None or choice.get("type") != "tool" or not isinstance(choice.get("name"), str):
        return
    name = choice["name"]
    names = [n for _, n in _tool_names(ctx)]
    if name in names:
        return
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ("; the request has no tools" if not ctx.tools else "")
    if _has_toolset_with_unknown_names(ctx):
        yield Hit("/tool_choice/name", {"name": show(name), "hint": hint + " (a toolset may provide it)"}, severity="warning")
    else:
        yield Hit("/tool_choice/name", {"name": show(name), "hint": hint}, fix=f"use {close[0]!r}" if close else None)


@check
@inspects(fields=("tool_choice",))
def forced_tool_choice_unsupported(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """tool_choice any/tool on a model that refuses forced tool use (thinking off; the
    thinking family reports the case where thinking is on)."""
    model = ctx.model
    if model is None or model.forced_tool_choice or ctx.tool_choice_type not in ("any", "tool") or ctx.thinking_on:
        return
    yield Hit("/tool_choice/type", {"choice": ctx.tool_choice_type, "model": model.id}, fix='use tool_choice {"type": "auto"}')


# ---------------------------------------------------------------------- tool_use / tool_result pairing


def _ids(blocks: Any, kind: str, key: str) -> list[tuple[Any, str]]:
    return [(b, b.data[key]) for b in blocks if b.type == kind and isinstance(b.data.get(key), str)]


_NONE: list[tuple[Any, str]] = []  # shared and never changed: a turn without such blocks


def _turn_ids(ctx: Context) -> tuple[dict[int, list[tuple[Any, str]]], dict[int, list[tuple[Any, str]]]]:
    """By position in :func:`conversation_turns`: the turn's tool_use blocks with their ids,
    and its tool_result blocks with theirs; turns without any are absent (computed once per
    request for the pairing rules)."""
    def build(c: Context) -> tuple[dict[int, list[tuple[Any, str]]], dict[int, list[tuple[Any, str]]]]:
        turns = conversation_turns(c)
        turn_of = {index: t for t, turn in enumerate(turns) for index in turn.messages}
        found: tuple[dict[int, list[tuple[Any, str]]], dict[int, list[tuple[Any, str]]]] = ({}, {})
        for by_turn, kind, key in ((found[0], "tool_use", "id"), (found[1], "tool_result", "tool_use_id")):
            for block, ident in _ids(c.blocks_of(kind), kind, key):
                t = turn_of.get(block.message)
                if t is not None:  # not in a system message
                    by_turn.setdefault(t, []).append((block, ident))
        return found
    return ctx.memo("tools.turn_ids", build)


@check
@inspects(blocks=("tool_use",))
def tool_use_without_result(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    turns = conversation_turns(ctx)
    uses_by_turn, results_by_turn = _turn_ids(ctx)
    for t, turn in enumerate(turns):
        if turn.role != "assistant":
            continue
        uses = uses_by_turn.get(t, _NONE)
        if not uses:
            continue
        following = turns[t + 1] if t + 1 < len(turns) else None
        if following is None:
            for block, ident in uses:
                yield Hit(block.path, {"id": show(ident), "where": "the conversation ends on this tool call"}, severity="warning")
            continue
        answered = {i for _, i in results_by_turn.get(t + 1, _NONE)} if following.role == "user" else set()
        for block, ident in uses:
            if ident not in answered:
                where = f"messages/{following.first} has no tool_result for it"
                yield Hit(block.path, {"id": show(ident), "where": where})


@check
@inspects(blocks=("tool_result",))
def tool_result_orphan(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    turns = conversation_turns(ctx)
    uses_by_turn, results_by_turn = _turn_ids(ctx)
    for t, turn in enumerate(turns):
        if turn.role != "user":
            continue
        results = results_by_turn.get(t, _NONE)
        if not results:
            continue
        previous = turns[t - 1] if t > 0 else None
        known = {i for _, i in uses_by_turn.get(t - 1, _NONE)} if previous is not None and previous.role == "assistant" else set()
        for block, ident in results:
            if ident not in known:
                where = "no earlier message" if previous is None else f"the previous turn (messages/{previous.first})"
                yield Hit(block.path + "/tool_use_id", {"id": show(ident), "where": where})


@check
@inspects(blocks=("tool_result",))
def tool_results_not_first(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    turns = conversation_turns(ctx)
    uses_by_turn = _turn_ids(ctx)[0]
    for t, turn in enumerate(turns[1:], start=1):
        previous = turns[t - 1]
        if turn.role != "user" or previous.role != "assistant" or t - 1 not in uses_by_turn:
            continue
        other = None
        for block in turn.blocks:
            if block.type == "tool_result":
                if other is not None:
                    yield Hit(other.path, {"type": show(other.type), "index": turn.first})
                    break
            elif other is None:
                other = block


@check
@inspects(blocks=("tool_use", "server_tool_use"))
def tool_use_id_duplicate(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    seen: dict[str, Any] = {}  # id -> the first block with it (its path built only for a finding)
    for block in ctx.blocks_of("tool_use", "server_tool_use"):
        if isinstance(block.data.get("id"), str):
            ident = block.data["id"]
            if ident in seen:
                # across messages whose calls are each answered, a recorded request was accepted
                severity = None if seen[ident].message == block.message else "warning"
                yield Hit(block.path + "/id", {"id": show(ident), "first": seen[ident].path}, severity=severity)
            else:
                seen[ident] = block


@check
@inspects(blocks=("tool_result",))
def tool_result_duplicate(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    results_by_turn = _turn_ids(ctx)[1]
    for t, turn in enumerate(conversation_turns(ctx)):
        if turn.role != "user":
            continue
        seen: set[str] = set()
        for block, ident in results_by_turn.get(t, _NONE):
            if ident in seen:
                yield Hit(block.path, {"id": show(ident)}, fix="keep one tool_result per tool_use")
            seen.add(ident)


@check
@inspects(blocks_from="type")
def block_id_pattern(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """``params.type`` block ids must match ``params.pattern``."""
    kind, pattern = params["type"], str(params["pattern"])
    matches = re.compile(pattern).fullmatch
    for block in ctx.blocks_of(kind) if isinstance(kind, str) else ctx.blocks:
        if block.type != kind or "id" not in block.data:
            continue
        ident = block.data["id"]
        if not isinstance(ident, str) or not matches(ident):
            yield Hit(block.path + "/id", {"id": show(ident), "pattern": pattern})


@check
@inspects(blocks_from="result_types")
def server_result_orphan(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    result_types = set(params.get("result_types") or ())
    for turn in conversation_turns(ctx):
        if turn.role != "assistant":
            continue
        seen: set[str] = set()
        for block in turn.blocks:
            if block.type == "server_tool_use" and isinstance(block.data.get("id"), str):
                seen.add(block.data["id"])
            elif isinstance(block.type, str) and block.type in result_types and "tool_use_id" in block.data:
                ident = block.data["tool_use_id"]
                if not isinstance(ident, str) or ident not in seen:
                    yield Hit(block.path + "/tool_use_id", {"type": block.type, "id": show(ident)})


# ---------------------------------------------------------------------- strict schemas / structured outputs


def _capped(fn: Callable[[Context, Mapping[str, Any]], Iterator[Hit]]) -> Callable[[Context, Mapping[str, Any]], Iterator[Hit]]:
    """At most ``MAX_HITS`` findings per rule, so one pathological schema cannot flood the report."""

    @functools.wraps(fn)
    def wrapper(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
        return itertools.islice(fn(ctx, params), subset.MAX_HITS)

    return wrapper


# Where subset.strict_schemas() finds the schemas it walks.
_STRICT_FIELDS = ("tools", "output_config", "output_format")


def _what(base: str) -> str:
    return "an output schema" if base.startswith("/output") else "a strict tool schema"


@check
@inspects(fields=_STRICT_FIELDS)
@_capped
def strict_additional_properties(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    for schema in subset.strict_schemas(ctx):
        for node in schema.nodes:
            if "object" not in subset.types_of(node.schema):
                continue
            value = node.schema.get("additionalProperties")
            if value is False:
                continue
            if "additionalProperties" in node.schema:
                yield Hit(node.path + "/additionalProperties", {"what": _what(schema.base), "found": f"found {show(value)}"},
                          fix='set "additionalProperties": false', edits=(Edit("replace", node.path + "/additionalProperties", False),))
            else:
                yield Hit(node.path, {"what": _what(schema.base), "found": "it is missing"},
                          fix='add "additionalProperties": false', edits=(Edit("add", node.path + "/additionalProperties", False),))


@check
@inspects(fields=_STRICT_FIELDS)
@_capped
def strict_unsupported_keyword(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    keywords = params.get("keywords") or ()
    for schema in subset.strict_schemas(ctx):
        for node in schema.nodes:
            for keyword in keywords:
                if keyword in node.schema:
                    types = "/".join(subset.types_of(node.schema)) or "untyped"
                    yield Hit(pointer.join(node.path, keyword), {"what": _what(schema.base), "keyword": keyword, "types": types})


@check
@inspects(fields=_STRICT_FIELDS)
@_capped
def strict_min_items(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    allowed = params.get("allowed") or (0, 1)
    for schema in subset.strict_schemas(ctx):
        for node in schema.nodes:
            if "minItems" in node.schema:
                value = node.schema["minItems"]
                if not (is_int(value) and value in allowed):
                    yield Hit(node.path + "/minItems", {"what": _what(schema.base), "value": show(value)})


@check
@inspects(fields=_STRICT_FIELDS)
@_capped
def strict_format(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    allowed = params.get("formats") or ()
    for schema in subset.strict_schemas(ctx):
        for node in schema.nodes:
            value = node.schema.get("format")
            if isinstance(value, str) and value not in allowed:
                yield Hit(node.path + "/format", {"what": _what(schema.base), "format": show(value), "allowed": ", ".join(allowed)})


@check
@inspects(fields=_STRICT_FIELDS)
@_capped
def strict_enum(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    for schema in subset.strict_schemas(ctx):
        for node in schema.nodes:
            values = node.schema.get("enum")
            if not isinstance(values, list):
                continue
            for k, value in enumerate(values):
                if isinstance(value, (dict, list)):
                    yield Hit(f"{node.path}/enum/{k}", {"what": _what(schema.base), "found": json_type(value)})
                    break


@check
@inspects(fields=_STRICT_FIELDS)
@_capped
def strict_pattern(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    for schema in subset.strict_schemas(ctx):
        for node in schema.nodes:
            value = node.schema.get("pattern")
            if isinstance(value, str):
                construct = subset.unsupported_regex(value)
                if construct is not None:
                    yield Hit(node.path + "/pattern", {"what": _what(schema.base), "construct": construct})


@check
@inspects(fields=_STRICT_FIELDS)
@_capped
def strict_ref(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    for schema in subset.strict_schemas(ctx):
        for node, ref, reason in subset.ref_problems(schema):
            yield Hit(node.path, {"what": _what(schema.base), "ref": show(ref), "reason": reason})


@check
@inspects(fields=("tools",))
def strict_tools_limit(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    limit = int(params["limit"])
    strict = [i for i, t in ctx.tools if t.get("strict") is True]
    if len(strict) > limit:
        yield Hit(f"/tools/{strict[limit]}/strict", {"count": len(strict), "limit": limit})


@check
@inspects(fields=_STRICT_FIELDS)
def strict_optional_limit(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    limit = int(params["limit"])
    total, where = 0, ""
    for node in subset.nodes(ctx):
        props = node.schema.get("properties")
        if not isinstance(props, dict) or "object" not in subset.types_of(node.schema):
            continue
        required = node.schema.get("required")
        names = set(r for r in required if isinstance(r, str)) if isinstance(required, list) else set()
        before = total
        total += sum(1 for name in props if name not in names)
        if before <= limit < total:
            where = node.path
    if total > limit:
        yield Hit(where, {"count": total, "limit": limit})


@check
@inspects(fields=_STRICT_FIELDS)
def strict_union_limit(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    limit = int(params["limit"])
    total, where = 0, ""
    for node in subset.nodes(ctx):
        if node.is_property and subset.is_union(node.schema):
            total += 1
            if total == limit + 1:
                where = node.path
    if total > limit:
        yield Hit(where, {"count": total, "limit": limit})


@check
@inspects(fields=("tools",))
def strict_programmatic(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    for index, tool in ctx.tools:
        callers = tool.get("allowed_callers")
        if tool.get("strict") is True and isinstance(callers, list):
            programmatic = [c for c in callers if isinstance(c, str) and c != "direct"]
            if programmatic:
                yield Hit(f"/tools/{index}/strict", {"callers": ", ".join(programmatic)})


@check
@inspects(fields=("tools",))
def deferred_tool_cached(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A tool loaded on demand (defer_loading true) that also carries a cache breakpoint."""
    for index, tool in ctx.tools:
        if tool.get("defer_loading") is True and tool.get("cache_control") is not None:
            path = pointer.join("", "tools", index, "cache_control")
            yield Hit(path, {"name": show(tool.get("name", index))}, edits=(Edit("remove", path),),
                      fix="remove cache_control from the deferred tool; put the breakpoint on a tool that is always loaded")


@check
@inspects(fields=("tools",))
def advisor_pair_refused(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """An advisor model the API refused to pair with the request's model (``params.refused``)."""
    model = ctx.model
    if model is None:
        return
    for entry in params.get("refused") or ():
        if model.id not in entry["executors"] or ctx.as_of < parse_moment(str(entry["seen"]), what="seen"):
            continue
        for index, tool in ctx.tools:
            advisor = tool.get("model")
            if str(tool.get("type", "")).startswith("advisor_") and advisor in entry["advisors"]:
                yield Hit(pointer.join("", "tools", index, "model"), {"advisor": show(advisor), "model": model.id})


@check
@inspects(blocks=("server_tool_use",))
def server_tool_use_without_result(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A server tool call, replayed without its result block, in an assistant turn that went on.

    The server puts a call's result in the same assistant message, right after the call;
    replaying the message without it is refused like an unanswered tool_use. A turn paused on
    the call (pause_turn: the call is the message's last block) is sent back as is to resume,
    so only a call followed by a block other than a tool call (text, thinking, ...), in a
    message a user turn follows, is judged; one followed only by tool calls is still in flight
    (a recorded request of that shape was accepted)."""
    by_message: dict[int, list[Any]] = {}
    for block in ctx.blocks:
        by_message.setdefault(block.message, []).append(block)
    last_user = max((index for index, message in ctx.messages if message.get("role") == "user"), default=-1)
    for message, blocks in by_message.items():
        if blocks[0].role != "assistant" or message > last_user:
            continue
        answered = {b.data.get("tool_use_id") for b in blocks if str(b.data.get("type", "")).endswith("_tool_result")}
        for position, block in enumerate(blocks):
            ident = block.data.get("id")
            if block.data.get("type") != "server_tool_use" or not isinstance(ident, str) or ident in answered:
                continue
            # still in flight when only tool calls follow it (the API finishes it on the next request)
            if any(b.data.get("type") not in _CALL_TYPES for b in blocks[position + 1:]):
                yield Hit(block.path, {"id": show(ident)})


_CALL_TYPES = frozenset({"server_tool_use", "tool_use", "mcp_tool_use"})
