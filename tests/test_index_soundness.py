"""The check index never hides a finding.

Checks that declare what they inspect (``@inspects``) are skipped for requests without
those fields or block types. Every ``validate()`` in the suite is already run both ways
(see ``conftest._index_audit``); this module adds requests built to probe the edges:
every rule example with parts removed, grafted onto other examples, or moved into nested
content, and the benchmark's realistic payloads.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_preflight.catalogue import load_catalogue
from claude_preflight.engine import runner
from claude_preflight.engine.index import declared
from claude_preflight.engine.resolve import build_context
from claude_preflight.dates import parse_moment

CATALOGUE = load_catalogue()
AS_OF = parse_moment("2026-11-24")
EXAMPLES = [
    (rule.code, example)
    for rule in CATALOGUE.rules
    for kind in ("bad", "good")
    for example in rule.examples.get(kind, ())
    if isinstance(example.get("body"), dict)
]
MESSAGE_EXAMPLES = [ex for _, ex in EXAMPLES if ex.get("endpoint", "/v1/messages").endswith("/v1/messages")]


def _both_ways(example: dict[str, Any], body: Any) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    ctx_args = dict(
        endpoint=example.get("endpoint", "/v1/messages"),
        headers=example.get("headers"),
        surface=example.get("surface"),
        as_of=parse_moment(example.get("as_of", "2026-11-24")),
        api_version=example.get("api_version"),
    )
    results = []
    for use_index in (True, False):
        ctx = build_context(CATALOGUE, body, **ctx_args)
        found = runner.run(ctx, use_index=use_index)
        results.append(sorted((f.code, f.path, f.severity, f.message) for f in found))
    return results[0], results[1]


def test_some_checks_declare_triggers() -> None:
    # Guards against the index silently doing nothing (e.g. a refactor that drops declarations).
    assert sum(declared(rule.fn) is not None for rule in CATALOGUE.rules) >= 60


@pytest.mark.no_index_audit
@pytest.mark.parametrize(("code", "example"), EXAMPLES, ids=[f"{c}-{i}" for i, (c, _) in enumerate(EXAMPLES)])
def test_examples_same_both_ways(code: str, example: dict[str, Any]) -> None:
    indexed, full = _both_ways(example, example["body"])
    assert indexed == full


def _mutations(body: dict[str, Any], other: dict[str, Any], draw: Any) -> dict[str, Any]:
    body = copy.deepcopy(body)
    for _ in range(draw(st.integers(1, 4))):
        choice = draw(st.sampled_from(["drop_key", "graft_key", "nest_blocks", "string_content", "drop_block", "swap_role"]))
        messages = body.get("messages") if isinstance(body.get("messages"), list) else []
        if choice == "drop_key" and body:
            body.pop(draw(st.sampled_from(sorted(body, key=str))), None)
        elif choice == "graft_key" and other:
            key = draw(st.sampled_from(sorted(other, key=str)))
            body[key] = copy.deepcopy(other[key])
        elif choice == "nest_blocks" and messages:
            # Move a message's blocks into a tool_result of the previous user turn.
            i = draw(st.integers(0, len(messages) - 1))
            message = messages[i]
            if isinstance(message, dict) and isinstance(message.get("content"), list):
                message["content"] = [{"type": "tool_result", "tool_use_id": "toolu_01", "content": message["content"]}]
        elif choice == "string_content" and messages:
            i = draw(st.integers(0, len(messages) - 1))
            if isinstance(messages[i], dict):
                messages[i]["content"] = draw(st.sampled_from(["hello", "", "  ", "sk-ant-api03-" + "A" * 90]))
        elif choice == "drop_block" and messages:
            i = draw(st.integers(0, len(messages) - 1))
            content = messages[i].get("content") if isinstance(messages[i], dict) else None
            if isinstance(content, list) and content:
                content.pop(draw(st.integers(0, len(content) - 1)))
        elif choice == "swap_role" and messages:
            i = draw(st.integers(0, len(messages) - 1))
            if isinstance(messages[i], dict):
                messages[i]["role"] = draw(st.sampled_from(["user", "assistant", "system"]))
    return body


@pytest.mark.no_index_audit
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_examples_same_both_ways(data: st.DataObject) -> None:
    example = data.draw(st.sampled_from(MESSAGE_EXAMPLES))
    other = data.draw(st.sampled_from(MESSAGE_EXAMPLES))["body"]
    body = _mutations(example["body"], other, data.draw)
    indexed, full = _both_ways(example, body)
    assert indexed == full


@pytest.mark.no_index_audit
@pytest.mark.parametrize("name", ["small", "agent"])
def test_benchmark_payloads_same_both_ways(name: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    try:
        import payloads
    finally:
        sys.path.pop(0)
    body = payloads.fixed()["small"] if name == "small" else payloads.agent_with(round_trips=6)
    indexed, full = _both_ways({}, body)
    assert indexed == full


def test_param_driven_triggers_follow_user_overrides(tmp_path: Path) -> None:
    # A user catalogue file widens MS020's legacy block types: the index must follow the
    # params, not the shipped values, or the new type would never be checked.
    from claude_preflight import validate

    override = tmp_path / "legacy.yaml"
    override.write_text("rules:\n  - code: MS020\n    params: {types: [mid_conv_system, old_note]}\n", encoding="utf-8")
    custom = load_catalogue([override])
    body = {"model": "claude-sonnet-4-6", "max_tokens": 5,
            "messages": [{"role": "user", "content": [{"type": "old_note", "text": "x"}]}]}
    assert "MS020" in validate(body, as_of="2026-11-24", catalogue=custom).codes()
    assert "MS020" not in validate(body, as_of="2026-11-24").codes()


def test_declarations_resolve_against_params() -> None:
    from claude_preflight.engine.index import Inspects, inspects

    def probe(ctx: Any, params: Any) -> Any:
        return iter(())

    inspects(blocks=("a",), blocks_from="types")(probe)
    assert declared(probe, {"types": ["b"]}) == Inspects(frozenset(), frozenset({"a", "b"}))
    assert declared(probe, {"types": {"c": 1}}) == Inspects(frozenset(), frozenset({"a", "c"}))
    assert declared(probe, {}) == Inspects(frozenset(), frozenset({"a"}))
    assert declared(probe, {"types": "b"}) == Inspects(frozenset(), frozenset({"a", "b"}))
    assert declared(probe, {"types": 3}) is None  # not names: unknown, so the check always runs
    inspects(blocks_from="types")(probe)
    assert declared(probe, {}) is None
