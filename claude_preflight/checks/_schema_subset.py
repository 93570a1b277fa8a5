"""The JSON Schema subset of structured outputs and strict tools, and JSON Schema validity.

Helpers for the tools family: which schemas are subject to the structured-outputs subset
(``strict: true`` tool schemas, ``output_config.format.schema`` and the legacy
``output_format.schema``), an iterative walk over their sub-schemas, a scanner for regex
constructs the subset refuses, and a cached meta-schema validation. Nothing here recurses
on request data, and nothing raises on odd values.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from claude_preflight.files import pointer

if TYPE_CHECKING:
    from claude_preflight.engine.context import Context

# Keywords whose value maps names to sub-schemas, holds a list of sub-schemas, or is one.
SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
SCHEMA_LISTS = ("anyOf", "allOf", "oneOf", "prefixItems", "items")
SCHEMA_SINGLE = (
    "items",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "additionalItems",
)
DEFINITION_KEYS = ("$defs", "definitions")


@dataclass(frozen=True)
class Node:
    """One sub-schema (a JSON object in schema position)."""

    path: str  # JSON Pointer in the request body
    local: str  # JSON Pointer inside the schema ("" for the root)
    schema: Mapping[str, Any]
    owner: str  # "#" or the "#/$defs/Name" definition that contains it
    is_property: bool  # the value of an entry of "properties"


@dataclass(frozen=True)
class StrictSchema:
    """A schema subject to the structured-outputs subset."""

    kind: str  # "tool" or "output"
    base: str  # JSON Pointer of the schema in the body
    nodes: tuple[Node, ...]


WALK_DEPTH = 64  # sub-schemas nested deeper are not examined (no real schema goes near it)
MAX_HITS = 50  # findings per rule and request, so a pathological schema cannot flood the report


def walk(schema: Any, base: str) -> list[Node]:
    """Every sub-schema of ``schema`` in document order, without recursion, down to
    ``WALK_DEPTH`` levels (which also bounds the length of the pointers built)."""
    found: list[Node] = []
    stack: list[tuple[Any, str, str, str, bool, int]] = [(schema, base, "", "#", False, 0)]
    while stack:
        node, path, local, owner, is_property, level = stack.pop()
        if not isinstance(node, dict):
            continue
        found.append(Node(path, local, node, owner, is_property))
        if level >= WALK_DEPTH:
            continue
        children: list[tuple[Any, str, str, str, bool, int]] = []
        for key in SCHEMA_MAPS:
            value = node.get(key)
            if not isinstance(value, dict):
                continue
            for name, child in value.items():
                child_local = pointer.join(local, key, name)
                child_owner = "#" + child_local if key in DEFINITION_KEYS else owner
                children.append((child, pointer.join(path, key, name), child_local, child_owner, key == "properties", level + 1))
        for key in SCHEMA_LISTS:
            value = node.get(key)
            if not isinstance(value, list):
                continue
            for index, child in enumerate(value):
                children.append((child, pointer.join(path, key, index), pointer.join(local, key, index), owner, False, level + 1))
        for key in SCHEMA_SINGLE:
            value = node.get(key)
            if isinstance(value, dict):
                children.append((value, pointer.join(path, key), pointer.join(local, key), owner, False, level + 1))
        stack.extend(reversed(children))
    return found


def strict_schemas(ctx: Context) -> list[StrictSchema]:
    """Strict tool input schemas and the output format schema, walked once per request."""
    cached = ctx.extra.get("schema_subset.strict")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    found: list[StrictSchema] = []
    for index, tool in ctx.tools:
        if tool.get("strict") is True and tool.get("type") in (None, "custom"):
            schema = tool.get("input_schema")
            if isinstance(schema, dict):
                base = f"/tools/{index}/input_schema"
                found.append(StrictSchema("tool", base, tuple(walk(schema, base))))
    config = ctx.get("output_config")
    fmt = config.get("format") if isinstance(config, dict) else None
    if isinstance(fmt, dict) and isinstance(fmt.get("schema"), dict):
        found.append(StrictSchema("output", "/output_config/format/schema", tuple(walk(fmt["schema"], "/output_config/format/schema"))))
    legacy = ctx.get("output_format")
    if isinstance(legacy, dict) and isinstance(legacy.get("schema"), dict):
        found.append(StrictSchema("output", "/output_format/schema", tuple(walk(legacy["schema"], "/output_format/schema"))))
    ctx.extra["schema_subset.strict"] = found
    return found


def nodes(ctx: Context) -> Iterator[Node]:
    for schema in strict_schemas(ctx):
        yield from schema.nodes


def types_of(schema: Mapping[str, Any]) -> list[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list):
        return [k for k in kind if isinstance(k, str)]
    return []


def is_union(schema: Mapping[str, Any]) -> bool:
    """A property whose schema is a union: anyOf, or a type array of more than one type."""
    if isinstance(schema.get("anyOf"), list):
        return True
    kind = schema.get("type")
    return isinstance(kind, list) and len(kind) > 1


# ---------------------------------------------------------------------- regex subset


def unsupported_regex(pattern: str) -> str | None:
    """The first construct the structured-outputs regex subset refuses, if any.

    Backreferences (``\\1``, ``\\k<name>``), lookahead and lookbehind groups and word
    boundaries (``\\b``, ``\\B`` outside a character class). A linear scan.
    """
    in_class = False
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if char == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if not in_class:
                if nxt in "123456789":
                    return f"backreference \\{nxt}"
                if nxt == "k" and i + 2 < n and pattern[i + 2] == "<":
                    return "named backreference \\k<...>"
                if nxt in "bB":
                    return f"word boundary \\{nxt}"
            i += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
        elif char == "[":
            in_class = True
            # a ']' right after '[' or '[^' is a literal
            if i + 1 < n and pattern[i + 1] == "^":
                i += 1
            if i + 1 < n and pattern[i + 1] == "]":
                i += 1
        elif char == "(" and pattern.startswith("(?", i):
            for opener, name in (("(?=", "lookahead"), ("(?!", "negative lookahead"), ("(?<=", "lookbehind"), ("(?<!", "negative lookbehind")):
                if pattern.startswith(opener, i):
                    return f"{name} {opener}...)"
        i += 1
    return None


# ---------------------------------------------------------------------- $ref analysis


def ref_problems(schema: StrictSchema) -> Iterator[tuple[Node, str, str]]:
    """``(node, ref, reason)`` for external, recursive and allOf-wrapped ``$ref`` values."""
    owners = sorted({node.owner for node in schema.nodes if node.owner != "#"}, key=len, reverse=True)
    edges: list[tuple[Node, str, str]] = []  # (node, ref, target owner)
    for node in schema.nodes:
        ref = node.schema.get("$ref")
        if not isinstance(ref, str):
            continue
        if not ref.startswith("#"):
            yield node, ref, "external references are not supported"
            continue
        target = _target_owner(ref, owners)
        if target is not None:
            edges.append((node, ref, target))
    graph: dict[str, set[str]] = {}
    for node, _, target in edges:
        graph.setdefault(node.owner, set()).add(target)
    for node, ref, target in edges:
        if _reaches(graph, target, node.owner):
            yield node, ref, "recursive schemas are not supported"
    for node in schema.nodes:
        entries = node.schema.get("allOf")
        if isinstance(entries, list):
            for entry in entries:
                if isinstance(entry, dict) and "$ref" in entry:
                    yield node, str(entry["$ref"]), "$ref inside allOf is not supported"
                    break


def _target_owner(ref: str, owners: list[str]) -> str | None:
    target = ref.rstrip("/") if ref not in ("#", "#/") else "#"
    if target == "#":
        return "#"
    for owner in owners:  # longest first
        if target == owner or target.startswith(owner + "/"):
            return owner
    return None  # a reference into the root's own tree; not a cycle we can judge


def _reaches(graph: Mapping[str, set[str]], start: str, goal: str) -> bool:
    seen = {start}
    stack = [start]
    while stack:
        current = stack.pop()
        if current == goal:
            return True
        for nxt in graph.get(current, ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


# ---------------------------------------------------------------------- meta-schema validity

_CACHE: dict[str, tuple[str, str] | None] = {}
_CACHE_LIMIT = 512
_LOCK = threading.Lock()
MAX_DEPTH = 64
_UNCHECKED = ("", "")


def depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """Nesting depth of a JSON value, counted iteratively; stops counting past ``limit``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, level = stack.pop()
        if level > deepest:
            deepest = level
            if deepest > limit:
                return deepest
        if isinstance(current, dict):
            stack.extend((v, level + 1) for v in current.values())
        elif isinstance(current, list):
            stack.extend((v, level + 1) for v in current)
    return deepest


def metaschema_problem(schema: Any) -> tuple[str, str] | None:
    """``(pointer inside the schema, message)`` when ``schema`` breaks the Draft 2020-12
    meta-schema; ``None`` when it is valid or cannot be judged (too deep, not JSON).

    Results are cached by canonical JSON text in a bounded dict, so the same tool list
    sent on every turn of a conversation is validated once per process.
    """
    if depth(schema) > MAX_DEPTH:
        return None
    try:
        key = json.dumps(schema, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return None
    if key in _CACHE:
        found = _CACHE[key]
        return None if found is None or found == _UNCHECKED else found
    result = _validate(schema)
    with _LOCK:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.pop(next(iter(_CACHE)), None)
        _CACHE[key] = result
    return None if result is None or result == _UNCHECKED else result


def _validate(schema: Any) -> tuple[str, str] | None:
    try:
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import best_match

        # No format checker: "pattern" values are ECMA-262 regexes, which Python's re
        # would misjudge; the API's own regex rules are checked elsewhere.
        validator = Draft202012Validator(Draft202012Validator.META_SCHEMA, format_checker=None)
        error = best_match(validator.iter_errors(schema))
    except RecursionError:
        return _UNCHECKED
    except Exception:  # noqa: BLE001 - an odd value must never break a check
        return _UNCHECKED
    if error is None:
        return None
    message = error.message if len(error.message) <= 160 else error.message[:157] + "..."
    return pointer.from_parts(error.absolute_path), message
