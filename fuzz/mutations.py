"""Hypothesis strategies: arbitrary and hostile values, mutations of valid requests, and
mutations of valid fixture files (text and bytes).

Request mutations start from a realistic seed (see :mod:`fuzz.corpus`) and apply one
to four operations at random places: **drop** a field or item, **replace** it (by an
arbitrary JSON value or a hostile one), **nest** it (wrap it in a list or an object),
**duplicate** it (a list item such as a message or block, or an object field under a
sibling key), **retype** it, **swap** two items, or **hoist** it to the top level.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from hypothesis import strategies as st

from fuzz.corpus import Seed, seeds, texts

KEYS = ["model", "max_tokens", "messages", "system", "thinking", "tool_choice", "tools", "temperature", "top_p",
        "top_k", "output_config", "stop_sequences", "metadata", "speed", "service_tier", "role", "content", "type",
        "budget_tokens", "effort", "anthropic_version", "text", "source", "data", "media_type", "cache_control",
        "ttl", "id", "name", "input", "input_schema", "tool_use_id", "is_error", "signature", "thinking",
        "requests", "params", "custom_id", "container", "mcp_servers", "betas", "citations", "url", "title"]
WORDS = ["claude-opus-4-8", "claude-sonnet-4-6", "claude-haiku-4-5", "claude-opus-5-5", "claude-fable-5",
         "claude-3-5-sonnet-latest", "user", "assistant", "system", "adaptive", "enabled", "disabled", "auto",
         "any", "tool", "none", "text", "image", "document", "tool_use", "tool_result", "thinking",
         "redacted_thinking", "base64", "url", "ephemeral", "5m", "1h", "image/png", "application/pdf", "high",
         "low", "max", "", " ", "x"]

finite_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20) | st.sampled_from(WORDS),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=6),
    max_leaves=30,
)
"""JSON values (finite numbers only), biased towards request vocabulary."""

any_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | st.sampled_from(WORDS),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=6),
    max_leaves=30,
)
"""JSON values as Python holds them, NaN and infinities included (``float('nan')`` is easy to send)."""


def _deep(levels: int) -> Any:
    value: Any = "leaf"
    for _ in range(levels):
        value = {"type": "text", "content": [value]}
    return value


HOSTILE = [
    None, "", " ", "\x00", "\ud800", "\u202e", "😀" * 3, "a" * 100_000, "{{name}}", "{0}", "%s", "${x}",
    -1, 0, 1, 2**31, 2**63, 2**64 + 1, -(2**70), 10**4000, 1e308, -0.0, 5e-324, math.nan, math.inf, -math.inf,
    True, False, [], {}, [[]], [{}], [None], {"": None}, {"type": None}, {"type": 5}, {"type": "text"},
    {"type": "text", "text": None}, {"type": "tool_use"}, {"type": "tool_result", "content": {}},
    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "!!"}},
    {"type": "thinking", "thinking": [], "signature": 0}, {"role": "user"}, {"role": "assistant", "content": []},
    {"role": None, "content": None}, ["user", "assistant"], list(range(2000)), ["x"] * 2000,
    [{"role": "user", "content": "hi"}] * 500, {str(i): i for i in range(500)}, _deep(200),
]
"""Values that break naive code: huge, tiny, non-finite, wrong-typed, self-similar, deeply nested."""

hostile_values = st.sampled_from(range(len(HOSTILE))).map(lambda i: copy.deepcopy(HOSTILE[i]))


def pointers(value: Any, limit: int = 4000) -> list[tuple[Any, ...]]:
    """Paths (tuples of keys/indices) of the values inside ``value``, root first (iterative)."""
    found: list[tuple[Any, ...]] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [((), value)]
    while stack and len(found) < limit:
        path, item = stack.pop()
        found.append(path)
        if isinstance(item, dict):
            stack.extend((path + (k,), v) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((path + (i,), v) for i, v in enumerate(item))
    return found


def _get(root: Any, path: tuple[Any, ...]) -> Any:
    for token in path:
        root = root[token]
    return root


OPERATIONS = ("drop", "replace", "replace-hostile", "nest", "duplicate", "retype", "swap", "hoist")


def _apply(root: Any, data: st.DataObject) -> tuple[Any, str]:
    paths = pointers(root)
    path = data.draw(st.sampled_from(paths), label="path")
    op = data.draw(st.sampled_from(OPERATIONS), label="operation")
    where = "/" + "/".join(map(str, path))
    if not path:  # the whole body
        if op in ("nest",):
            return [root] if data.draw(st.booleans()) else {"body": root}, f"nest {where}"
        if op in ("replace", "replace-hostile", "drop"):
            value = data.draw(hostile_values if op == "replace-hostile" else finite_json)
            return value, f"{op} {where}"
        return root, "keep /"
    parent = _get(root, path[:-1])
    key = path[-1]
    current = parent[key]
    if op == "drop":
        del parent[key]
    elif op == "replace":
        parent[key] = data.draw(any_json, label="value")
    elif op == "replace-hostile":
        parent[key] = data.draw(hostile_values, label="value")
    elif op == "nest":
        parent[key] = data.draw(st.sampled_from([
            lambda v: [v], lambda v: {"type": v}, lambda v: {"content": v}, lambda v: {"text": v}, lambda v: [[v]],
        ]))(current)
    elif op == "duplicate":
        if isinstance(parent, list):
            parent.insert(key, copy.deepcopy(current))
        else:
            parent[data.draw(st.sampled_from(KEYS), label="sibling")] = copy.deepcopy(current)
    elif op == "retype":
        parent[key] = _retype(current, data)
    elif op == "swap" and isinstance(parent, list) and len(parent) > 1:
        other = data.draw(st.integers(0, len(parent) - 1), label="other")
        parent[key], parent[other] = parent[other], parent[key]
    elif op == "hoist" and isinstance(root, dict) and isinstance(parent, dict):
        root[str(key)] = copy.deepcopy(current)
    return root, f"{op} {where}"


def _retype(value: Any, data: st.DataObject) -> Any:
    if isinstance(value, str):
        return data.draw(st.sampled_from([[value], {"text": value}, len(value), None, value.encode("utf-8", "replace").hex()]))
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        other: Any = None
        if isinstance(value, int) and abs(value) < 2**1000:
            other = float(value)
        elif isinstance(value, float) and math.isfinite(value):
            other = int(value)
        return data.draw(st.sampled_from([repr(value) if abs(value) < 10**100 else "huge", [value], other, -value]))
    if isinstance(value, list):
        return data.draw(st.sampled_from([value[0] if value else None, {str(i): v for i, v in enumerate(value)}, len(value)]))
    if isinstance(value, dict):
        return data.draw(st.sampled_from([list(value.values()), list(value), None, str(sorted(map(str, value)))]))
    return data.draw(finite_json)


@st.composite
def mutated_requests(draw: st.DrawFn, max_operations: int = 4) -> tuple[Seed, Any, list[str]]:
    """``(seed, mutated body, operations applied)``."""
    all_seeds = seeds()
    seed = draw(st.sampled_from(all_seeds), label="seed")
    body = seed.fresh()
    done = []
    data = draw(st.data())
    for _ in range(draw(st.integers(1, max_operations), label="operations")):
        body, step = _apply(body, data)
        done.append(step)
    return seed, body, done


# ----------------------------------------------------------------------------- files

SNIPPETS = [
    "NaN", "Infinity", "-Infinity", '"model": "claude-opus-4-8", ', '"model": ', "{", "}", "[", "]", ",", ":", '"',
    "\\", "\\u", "\\ud800", "\x00", "\x01", "\t", "\r", "\n", "\u2028", "\u0085", "\ufeff", "\ud7ff", "1e999999",
    "-0", "1" * 5000, "[" * 2000, "{" * 600, "!!python/object/apply:os.system ['true']", "!!binary aGk=", "!foo ",
    "&a ", "*a", "<<: *a\n", "? ", "---\n", "...\n", "%YAML 1.1\n", "%TAG !x! tag:yaml.org,2002:python/\n", "!x!object ",
    "- ", ": ", "|\n  ", ">\n  ", "&b [*a, *a, *a, *a]\n", "@", "`", "on: yes\n", "=", "~", ".nan", ".inf", "0x1F",
    '"max_tokens": 1, "max_tokens": 2, ', "#", "# claude-preflight: ignore[SP002]\n",
]

BOMS = [b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"]


@st.composite
def mutated_files(draw: st.DrawFn) -> tuple[str, bytes, list[str]]:
    """``(suffix, content, operations)``: a valid fixture file, then text and byte mutations."""
    suffix, content = draw(st.sampled_from(texts()), label="file")
    suffix = draw(st.sampled_from([suffix, suffix, suffix, ".json", ".yaml", ".jsonl"]), label="read as")
    done = []
    for _ in range(draw(st.integers(0, 4), label="operations")):
        op = draw(st.sampled_from(["truncate", "insert", "delete", "flip", "duplicate-line", "encode", "bom", "repeat"]))
        size = len(content)
        at = draw(st.integers(0, size), label="offset")
        if op == "truncate":
            content = content[:at]
        elif op == "insert":
            snippet = draw(st.sampled_from(SNIPPETS) | st.text(max_size=8), label="snippet")
            content = content[:at] + snippet.encode("utf-8", "surrogatepass") + content[at:]
        elif op == "delete":
            content = content[:at] + content[at + draw(st.integers(1, 16)):]
        elif op == "flip" and size:
            index = min(at, size - 1)
            content = content[:index] + bytes([content[index] ^ draw(st.integers(1, 255))]) + content[index + 1:]
        elif op == "duplicate-line":
            lines = content.split(b"\n")
            index = min(at, len(lines) - 1)
            lines.insert(index, lines[index])
            content = b"\n".join(lines)
        elif op == "encode":
            codec = draw(st.sampled_from(["utf-16", "utf-32", "utf-16-le", "latin-1"]))
            content = content.decode("utf-8", "replace").encode(codec, "replace")
        elif op == "bom":
            content = draw(st.sampled_from(BOMS)) + content
        elif op == "repeat":
            content = content * draw(st.integers(2, 5))
        done.append(op)
    return suffix, content, done


hostile_yaml_texts = st.sampled_from([
    "a: &a [x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\n"
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e]\n",
    "a: &a [*a]\n", "a: &a {b: *a}\n", "m: &m {<<: *m}\n",
    "x: !!python/object/apply:os.system ['true']\n", "x: !!python/name:os.system\n", "x: !!python/module:os\n",
    "%TAG !p! tag:yaml.org,2002:python/\n---\nx: !p!object/apply:os.system ['true']\n",
    "x: !<tag:yaml.org,2002:python/object/new:os.system> ['true']\n",
    "x: !!binary aGVsbG8=\n", "x: !!set {a, b}\n", "x: !!omap [a: 1]\n", "x: !!timestamp 2020-01-01\n",
    "? [a, b]\n: c\n", "1: x\n", "null: x\n", "on: x\n", "a: 1\na: 2\n", "a: .nan\n",
])
"""Hand-written hostile YAML: alias bombs, recursion, code-execution tags, non-JSON values."""


# ----------------------------------------------------------------------------- Python values

FAKE_KEY = "sk-ant-api03-" + "Fz9" * 12 + "Qq_-"
"""A fake credential (never a real one): the secrets target hides it and looks for echoes."""

CONTROL_TEXTS = ["x\n::error file=evil.py,line=1::INJECTED\n", "\x1b[2J\x1b]0;title\x07", "\r", "\u202eevil", "\x00", "\x9b31m"]
"""Names and keys that try to split a line, drive a terminal or write a CI workflow command."""


class RaisingDict(dict):  # type: ignore[type-arg]
    """A dict whose read methods raise: ``validate()`` must read what it stores anyway."""

    def get(self, *args: Any) -> Any:
        raise RuntimeError("get")

    def items(self) -> Any:
        raise RuntimeError("items")

    def __iter__(self) -> Any:
        raise RuntimeError("iter")


def _cycle(root: Any, data: st.DataObject) -> Any:
    """Make some container of ``root`` refer back to itself or to an ancestor."""
    paths = [p for p in pointers(root) if isinstance(_get(root, p), (dict, list))]
    path = data.draw(st.sampled_from(paths), label="container")
    ancestor = _get(root, path[: data.draw(st.integers(0, len(path)), label="up to")])
    target = _get(root, path)
    if isinstance(target, dict):
        target[data.draw(st.sampled_from(KEYS), label="key")] = ancestor
    else:
        target.append(ancestor)
    return root


def _shared(root: Any, data: st.DataObject) -> Any:
    """Put one container in many places: a few times (ordinary JSON), or doubled levels deep."""
    levels = data.draw(st.integers(1, 64), label="levels")
    value: Any = data.draw(st.sampled_from([{"type": "text", "text": "shared"}, ["x"], {}]), label="shared")
    for _ in range(levels):
        value = [value, value]
    if isinstance(root, dict):
        root[data.draw(st.sampled_from(KEYS), label="key")] = value
        return root
    return [root, value]


def _foreign(root: Any, data: st.DataObject) -> Any:
    """Replace containers by tuples, dict subclasses whose methods raise, or mappings."""
    from types import MappingProxyType

    paths = [p for p in pointers(root) if p and isinstance(_get(root, p), (dict, list))]
    if not paths:
        return RaisingDict(root) if isinstance(root, dict) else tuple(root) if isinstance(root, list) else root
    path = data.draw(st.sampled_from(paths), label="container")
    parent, key = _get(root, path[:-1]), path[-1]
    value = parent[key]
    if isinstance(value, dict):
        parent[key] = data.draw(st.sampled_from([RaisingDict, MappingProxyType, dict]), label="mapping")(value)
    else:
        parent[key] = tuple(value)
    return root


@st.composite
def python_values(draw: st.DrawFn) -> tuple[Seed, Any, list[str]]:
    """A seed request with cycles, shared references or foreign containers in it."""
    seed = draw(st.sampled_from(seeds()), label="seed")
    body = seed.fresh()
    data = draw(st.data())
    done = []
    ops = draw(st.lists(st.sampled_from(["cycle", "shared", "foreign", "control-key"]), min_size=1, max_size=3), label="operations")
    # Foreign containers last (the helpers walk the value as plain JSON), cycles just before.
    for op in sorted(set(ops), key=["control-key", "shared", "cycle", "foreign"].index):
        if op == "cycle":
            body = _cycle(body, data)
        elif op == "shared":
            body = _shared(body, data)
        elif op == "foreign":
            body = _foreign(body, data)
        elif isinstance(body, dict):
            body[draw(st.sampled_from(CONTROL_TEXTS), label="key")] = draw(st.sampled_from(CONTROL_TEXTS))
        done.append(op)
    return seed, body, done


KEY_PLACES = ("object-key", "value", "nested-key", "header-name", "header-value", "endpoint-query", "surface",
              "document-base64", "image-base64", "tool-result-text")


@st.composite
def hidden_keys(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """``(place, validate() arguments)`` with the fake key hidden in one textual place."""
    import base64

    place = draw(st.sampled_from(KEY_PLACES), label="place")
    body: dict[str, Any] = {"model": "claude-sonnet-4-6", "max_tokens": 64, "messages": [{"role": "user", "content": "hi"}]}
    kwargs: dict[str, Any] = {"headers": {"anthropic-version": "2023-06-01"}}
    key = FAKE_KEY + draw(st.sampled_from(["", "\n", " trailing", "\x1b[0m"]), label="suffix")
    if place == "object-key":
        body["metadata"] = {key: "x"}
    elif place == "value":
        body["metadata"] = {"user_id": key}
    elif place == "nested-key":
        body["tools"] = [{"name": "t", "input_schema": {"type": "object", "properties": {key: {"type": "string"}}}}]
    elif place == "header-name":
        kwargs["headers"][key.strip()] = "1"
    elif place == "header-value":
        kwargs["headers"]["x-debug"] = key
    elif place == "endpoint-query":
        kwargs["endpoint"] = "/v1/messages?key=" + key.strip()
    elif place == "surface":
        kwargs["surface"] = key
    elif place in ("document-base64", "image-base64"):
        kind = place.split("-")[0]
        raw = (f"notes: {key}\n" if kind == "document" else "\x89PNG\r\n\x1a\n" + key).encode("latin-1", "replace")
        media = "text/plain" if kind == "document" else "image/png"
        body["messages"][0]["content"] = [{"type": kind, "source": {"type": "base64", "media_type": media,
                                                                     "data": base64.b64encode(raw).decode()}}]
    else:
        body["messages"] = [
            {"role": "user", "content": "run it"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "t", "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": key}]}]},
        ]
    return place, {"body": body, **kwargs}


hostile_params = st.sampled_from([
    ("SC001", "max_findings: lots"), ("SC001", "max_findings: 0"), ("SC001", "max_findings: -1"),
    ("SC001", "max_findings: 1.5"), ("SC001", "max_finding: 5"), ("SC001", "max_findings: null"),
    ("SC001", "max_findings: [1]"), ("LM001", "limit_bytes: -5"), ("LM001", "limit_bytes: '32 MB'"),
    ("MD005", "max_bytes: 0"), ("TL001", "pattern: 5"), ("EP004", "pattern: '['"), ("PF002", "typo_ratio: 7"),
    ("CA001", "maximum: 1e400"), ("TH002", "minimum: true"), ("SC001", "max_findings: 99999999999999999999999"),
]) | st.tuples(st.sampled_from(["SC001", "LM001", "MD005", "TL002", "CA001"]),
               st.sampled_from(["max_findings", "limit_bytes", "max_bytes", "limit", "maximum", "portable"]).flatmap(
                   lambda name: st.one_of(st.integers(), st.text(max_size=5), st.none(), st.booleans()).map(
                       lambda value: f"{name}: {value!r}" if not isinstance(value, str) else f"{name}: {value!r}")))
"""Rule overlays whose params a check cannot use (wrong type, out of range, misspelt)."""
