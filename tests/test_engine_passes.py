"""The engine's shared passes: the body scan, the size bounds built on it, and the per-request
lists of content blocks the per-block checks iterate. Each must agree with the obvious
reference (a plain walk, ``json.dumps``) on realistic requests and on arbitrary JSON values."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from claude_preflight.checks import _estimate
from claude_preflight.engine import scan as scan_module
from claude_preflight.engine.scan import scan

MARKER = "sk-ant-"

TEXT = st.text(max_size=12) | st.text(alphabet=st.characters(max_codepoint=0x80), max_size=12) | st.sampled_from(
    ["\x0b\x7f\"\\", "\n\t\r\x08\x0c", "\U0001f600\ud800", "é\u2028", "\ufeff", "x" * 40])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=25,
)


def _sizes(value: Any) -> tuple[int, int]:
    utf8 = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass"))
    return utf8, len(json.dumps(value, separators=(",", ":")))


@settings(max_examples=400, deadline=None)
@given(JSON_VALUES)
def test_size_bounds_are_upper_bounds(value: Any) -> None:
    found = scan(value, MARKER)
    utf8, ascii_ = _sizes(value)
    assert _estimate.exact_size(found) == _estimate.Size(utf8, ascii_, True)
    for bound in (_estimate.wide_bound(found), _estimate.size_bound(found)):
        assert bound >= max(utf8, ascii_)


@settings(max_examples=200, deadline=None)
@given(JSON_VALUES, st.integers(min_value=0, max_value=400))
def test_json_size_is_exact_whenever_the_body_may_reach_the_limit(value: Any, near: int) -> None:
    size = _estimate.json_size(scan(value, MARKER), near)
    utf8, ascii_ = _sizes(value)
    if size.exact:
        assert (size.utf8, size.ascii) == (utf8, ascii_)
    else:
        assert max(utf8, ascii_) < near and size.utf8 <= utf8


def test_keys_outside_the_bmp_are_not_under_counted() -> None:
    # The scan counts keys among ``chars`` (six bytes each at most escaped), but such a key
    # character takes twelve: {"0\ud800\udc00":null} is 22 characters, the free bound said 21.
    value = {"0\U00010000" * 1000: None}
    utf8, ascii_ = _sizes(value)
    size = _estimate.json_size(scan(value, MARKER), near=ascii_)
    assert size.exact and size.ascii == ascii_


def test_size_bounds_are_tight_on_typical_text() -> None:
    code = 'def f(x):\n\treturn "a\\\\b" + x  # é\n' * 2000
    value = {"messages": [{"role": "user", "content": [{"type": "text", "text": code}]}], "emoji": "\U0001f600" * 500}
    found = scan(value, MARKER)
    utf8, ascii_ = _sizes(value)
    assert _estimate.size_bound(found) < 1.3 * ascii_
    assert _estimate.wide_bound(found) < 7 * ascii_
    assert not _estimate.json_size(found, near=int(1.3 * ascii_)).exact


# ---------------------------------------------------------------------- the body scan


def _same_scan(value: Any) -> None:
    fast, reference = scan_module._scan(value, MARKER), scan_module._scan_shared(value, MARKER)
    assert fast == reference
    if fast is not None and reference is not None:
        assert _estimate.exact_size(fast) == _estimate.exact_size(reference)
        assert sorted(fast.keys_text) == sorted(reference.keys_text)  # the same keys, possibly in other pieces


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_tree_scan_agrees_with_the_reference_scan(value: Any) -> None:
    _same_scan(value)


def test_tree_scan_with_shared_containers_cycles_and_odd_keys() -> None:
    schema = {"type": "string", "minLength": 1}
    tools = [{"name": f"t{i}", "input_schema": {"type": "object", "properties": {"path": schema}}} for i in range(3)]
    _same_scan({"tools": tools, "messages": []})  # shared within the budget: walked again, like the reference
    doubling: Any = ["x"]
    for _ in range(24):
        doubling = [doubling, doubling]
    assert scan_module._scan(doubling, MARKER) is None  # 2^24 repeats: over the budget
    cycle: dict[str, Any] = {"a": "sk-ant-x"}
    cycle["self"] = [cycle]
    assert scan_module._scan(cycle, MARKER) is None
    big = {str(i): i for i in range(60_000)}
    small = {"type": "ephemeral"}
    _same_scan({"big": big, "a": small, "b": small, "c": small})  # the bound is over the budget, the repeats are not
    assert scan_module._scan({"a": big, "b": big, "c": big}, MARKER) is None  # 120,002 values walked again
    assert scan_module._scan_shared({"a": big, "b": big, "c": big}, MARKER) is None
    _same_scan({1: "a", "b": {(2, 3): None}})  # keys that are not strings
    _same_scan({"n": [10**5000, 2.5, True, False, None, float("nan")]})
    assert scan_module._scan({"a": (1, 2)}, MARKER) is None  # a tuple: normalised by the caller
    assert scan(cycle, MARKER).secret_maybe


def test_secret_marker_found_anywhere() -> None:
    for value in ({"k": "xx sk-ant-api03"}, {"sk-ant-": 1}, ["a-b", "sk-ant-"], "sk-ant-"):
        assert scan(value, MARKER).secret_maybe
    for value in ({"k": "sk-ant"}, ["sk", "-ant-"], {"k": "ask-anthropic"}):
        assert not scan(value, MARKER).secret_maybe


# ---------------------------------------------------------------------- per-request block lists


def _agent_request() -> dict[str, Any]:
    """A realistic tool loop: thinking, tool calls and results (one nesting an image and a
    document), consecutive user messages, string content, a system-role message and oddities."""
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}
    doc = {"type": "document", "source": {"type": "content", "content": [{"type": "text", "text": "p"}, image]}}
    messages: list[Any] = [{"role": "user", "content": "Fix the failing test."}]
    for i in range(4):
        messages.append({"role": "assistant", "content": [
            {"type": "thinking", "thinking": "plan", "signature": "c2ln"},
            {"type": "text", "text": f"step {i}"},
            {"type": "tool_use", "id": f"toolu_{i}", "name": "run", "input": {"cmd": "pytest"}},
        ]})
        messages.append({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": f"toolu_{i}", "content": [{"type": "text", "text": "ok"}, image, doc]},
            {"type": "text", "text": "go on", "cache_control": {"type": "ephemeral"}},
        ]})
    messages.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_9", "content": "late"}, "odd", {"type": 7}]})
    messages.append({"role": "system", "content": [{"type": "text", "text": "be brief"}]})
    messages.append({"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_4", "name": "run", "input": {}}]})
    return {"model": "claude-sonnet-4-6", "max_tokens": 1024, "messages": messages,
            "tools": [{"name": "run", "input_schema": {"type": "object"}}]}


def _context(body: Any) -> Any:
    from datetime import datetime, timezone

    from claude_preflight.catalogue import load_catalogue
    from claude_preflight.engine.resolve import build_context

    return build_context(load_catalogue(), body, endpoint="/v1/messages", headers=None, surface=None,
                         as_of=datetime(2026, 11, 24, tzinfo=timezone.utc), api_version=None)


def test_blocks_by_type_and_blocks_of_follow_the_conversation() -> None:
    ctx = _context(_agent_request())
    kinds = {b.type if isinstance(b.type, str) else None for b in ctx.blocks}
    assert set(ctx.blocks_by_type) == kinds == set(ctx.block_types)
    for kind, blocks in ctx.blocks_by_type.items():
        assert blocks == [b for b in ctx.blocks if (b.type if isinstance(b.type, str) else None) == kind]
    wanted = ("tool_result", "text", "tool_use")
    assert ctx.blocks_of(*wanted) == [b for b in ctx.blocks if b.type in wanted]
    assert ctx.blocks_of("absent") == [] and ctx.blocks_of(None) == ctx.blocks_by_type[None]
    assert all(b.type == b.data.get("type") for b in ctx.blocks)


def test_turns_across_a_system_message() -> None:
    from claude_preflight.checks import messages

    ctx = _context({"model": "claude-sonnet-4-6", "max_tokens": 9, "messages": [
        {"role": "user", "content": "a"}, {"role": "system", "content": "s"},
        {"role": "user", "content": [{"type": "text", "text": "b"}, {"type": "text", "text": "c"}]},
        {"role": "assistant", "content": "d"}, {"role": "tool", "content": "e"}, {"role": "tool", "content": "f"}]})
    turns = messages.conversation_turns(ctx)
    assert [(t.role, t.messages, [b.path for b in t.blocks]) for t in turns] == [
        ("user", (0, 2), ["/messages/0/content", "/messages/2/content/0", "/messages/2/content/1"]),
        ("assistant", (3,), ["/messages/3/content"]), ("tool", (4,), ["/messages/4/content"]),
        ("tool", (5,), ["/messages/5/content"])]


def test_turns_and_tool_ids_match_the_plain_grouping() -> None:
    from claude_preflight.checks import messages, tools

    ctx = _context(_agent_request())
    turns = messages.conversation_turns(ctx)
    expected: list[tuple[Any, tuple[int, ...], tuple[Any, ...]]] = []
    for index, message in ctx.messages:
        role = message.get("role")
        if role == "system":
            continue
        mine = tuple(b for b in ctx.blocks if b.message == index)
        if expected and role in messages.ROLES and expected[-1][0] == role:
            expected[-1] = (role, expected[-1][1] + (index,), expected[-1][2] + mine)
        else:
            expected.append((role, (index,), mine))
    assert [(t.role, t.messages, t.blocks) for t in turns] == expected
    uses, results = tools._turn_ids(ctx)
    for t, turn in enumerate(turns):
        assert uses.get(t, []) == tools._ids(turn.blocks, "tool_use", "id")
        assert results.get(t, []) == tools._ids(turn.blocks, "tool_result", "tool_use_id")
    assert uses and results


def test_media_items_are_the_media_blocks_of_the_full_walk() -> None:
    from claude_preflight.checks import media

    ctx = _context(_agent_request())
    everything: list[tuple[str, Any]] = [(b.path, b.data) for b in ctx.blocks]
    work = [(b.path, b.data, 0) for b in ctx.blocks if b.type in ("tool_result", "document")]
    while work:  # the walk media._items replaced: every block, nested ones after
        path, data, depth = work.pop()
        inner, tail, _ = media._inner(data.get("type"), data)
        if depth >= 3 or not isinstance(inner, list):
            continue
        for k, child in enumerate(inner):
            if isinstance(child, dict):
                where = "/".join((path, *tail, str(k)))
                everything.append((where, child))
                if child.get("type") in ("tool_result", "document"):
                    work.append((where, child, depth + 1))
    for kinds in (media.MEDIA_TYPES, ("text", "search_result")):
        assert [(i.path, i.data) for i in media._items(ctx, kinds)] == [e for e in everything if e[1].get("type") in kinds]
    assert len(media._items(ctx)) == 12  # per round: an image and a document in the result, an image in the document
