"""fix(): machine edits per rule, safe versus unsafe, never mutating the input, and the
loop's guarantees (fresh pointers, no new findings, refusal of fixes that make things worse)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import claude_preflight
from claude_preflight import fix, validate
from claude_preflight.checks.base import Edit
from claude_preflight.fixing import FixResult
from claude_preflight.fixing.engine import Located, run
from claude_preflight.report import Finding
from conftest import CATALOGUE_DATE, minimal

DAY = CATALOGUE_DATE


def codes(result: FixResult) -> list[str]:
    return [a.code for a in result.applied]


def remaining(result: FixResult) -> list[str]:
    return [f.code for f in result.remaining]


def test_fix_is_exported_lazily() -> None:
    assert claude_preflight.fix is fix
    assert "fix" in claude_preflight.__all__


def test_clean_body_is_returned_unchanged() -> None:
    body = minimal()
    result = fix(body, as_of=DAY)
    assert result.body == body and not result.applied and not result.changed
    assert result.remaining.ok


def test_input_is_never_mutated_and_result_is_a_copy() -> None:
    body = minimal("claude-opus-4-8", temperature=0.5, metadata={"user_id": "u-1"})
    snapshot = copy.deepcopy(body)
    result = fix(body, as_of=DAY)
    assert body == snapshot
    assert "temperature" not in result.body
    result.body["metadata"]["user_id"] = "changed"
    result.body["messages"][0]["content"] = "changed"
    assert body == snapshot


def test_unknown_keyword_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        fix(minimal(), dry_run=True)


# ------------------------------------------------------------------ sampling


def test_sampling_rejected_by_model_is_removed_safely() -> None:
    # Opus 4.8 answers 400 "`temperature` is deprecated for this model" (gh: mnfst/modelparams.dev#238)
    body = minimal("claude-opus-4-8", temperature=0.7, top_p=0.9)
    result = fix(body, as_of=DAY)
    assert codes(result) == ["SP002", "SP002"]
    assert "temperature" not in result.body and "top_p" not in result.body
    assert all(a.safety == "safe" for a in result.applied)
    assert result.remaining.ok and not result.remaining.findings


def test_sampling_removed_by_api_version() -> None:
    body = minimal("claude-sonnet-4-6", temperature=0.7)
    result = fix(body, as_of=DAY, headers={"anthropic-version": "2026-10-21"})
    assert "SP001" in codes(result) and "temperature" not in result.body


def test_sampling_with_thinking_needs_unsafe() -> None:
    # "`temperature` may only be set to 1 when thinking is enabled" (gh: dotCipher/opencode-claude-bridge#1)
    body = minimal("claude-sonnet-4-6", max_tokens=4096, temperature=0.3, thinking={"type": "adaptive"})
    safe = fix(body, as_of=DAY)
    assert not safe.applied and "SP007" in remaining(safe)
    assert [f.fix_safety for f in safe.fixable] == ["unsafe"]
    unsafe = fix(body, as_of=DAY, unsafe=True)
    assert codes(unsafe) == ["SP007"] and "temperature" not in unsafe.body


def test_temperature_and_top_p_has_no_automatic_fix() -> None:
    body = minimal("claude-sonnet-4-6", temperature=0.5, top_p=0.9)
    result = fix(body, as_of=DAY, unsafe=True)
    assert not result.applied and "SP005" in remaining(result)


# ------------------------------------------------------------------ thinking


def test_budget_thinking_becomes_adaptive_keeping_display() -> None:
    # '"thinking.type.enabled" is not supported for this model' (gh: SigmaNight/basiliskLLM#1185)
    body = minimal("claude-opus-4-8", max_tokens=16000, thinking={"type": "enabled", "budget_tokens": 8000, "display": "summarized"})
    result = fix(body, as_of=DAY)
    assert codes(result) == ["TH001"]
    assert result.body["thinking"] == {"type": "adaptive", "display": "summarized"}
    assert result.remaining.ok


def test_deprecated_budget_thinking_only_with_unsafe() -> None:
    body = minimal("claude-opus-4-6", max_tokens=16000, thinking={"type": "enabled", "budget_tokens": 8000})
    assert not fix(body, as_of=DAY).applied
    result = fix(body, as_of=DAY, unsafe=True)
    assert codes(result) == ["TH009"] and result.body["thinking"] == {"type": "adaptive"}


def test_adaptive_on_old_model_is_not_fixed() -> None:
    body = minimal("claude-haiku-4-5-20251001", max_tokens=4096, thinking={"type": "adaptive"})
    result = fix(body, as_of=DAY, unsafe=True)
    assert not result.applied and "TH004" in remaining(result)


# ------------------------------------------------------------------ system messages


def _leading(system: Any = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": "claude-sonnet-4-6",
        "max_tokens": 1024,
        "messages": [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hi"}],
    }
    if system is not None:
        body["system"] = system
    body.update(extra)
    return body


def test_leading_system_message_moves_to_system_field() -> None:
    # Sonnet 4.6 rejects role "system" in messages (gh: anthropics/claude-code#61412)
    result = fix(_leading(), as_of=DAY)
    assert codes(result) == ["SM001"]
    assert result.body["system"] == "You are terse."
    assert result.body["messages"] == [{"role": "user", "content": "Hi"}]
    assert result.remaining.ok


def test_leading_system_message_appends_to_string_system() -> None:
    result = fix(_leading("Be kind."), as_of=DAY)
    assert result.body["system"] == "Be kind.\n\nYou are terse."


def test_leading_system_message_appends_to_block_system() -> None:
    blocks = [{"type": "text", "text": "Be kind.", "cache_control": {"type": "ephemeral"}}]
    body = _leading(blocks)
    body["messages"][0]["content"] = [{"type": "text", "text": "You are terse."}, {"type": "text", "text": "Use British spelling."}]
    result = fix(body, as_of=DAY)
    assert result.body["system"] == [*blocks, {"type": "text", "text": "You are terse."}, {"type": "text", "text": "Use British spelling."}]


def test_leading_block_message_with_string_system_becomes_blocks() -> None:
    body = _leading("Be kind.")
    body["messages"][0]["content"] = [{"type": "text", "text": "You are terse."}]
    result = fix(body, as_of=DAY)
    assert result.body["system"] == [{"type": "text", "text": "Be kind."}, {"type": "text", "text": "You are terse."}]


def test_system_first_on_supporting_model_sm003() -> None:
    body = _leading(model="claude-opus-4-8")
    result = fix(body, as_of=DAY)
    assert codes(result) == ["SM003"] and result.body["system"] == "You are terse."


@pytest.mark.parametrize(
    "messages",
    [
        # later in the conversation: no exact equivalent
        [{"role": "user", "content": "Hi"}, {"role": "system", "content": "Answer in French."}],
        # followed by an assistant turn: moving it would make the conversation open with the assistant
        [{"role": "system", "content": "Terse."}, {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Hi"}],
        # alone: moving it would leave no messages
        [{"role": "system", "content": "Terse."}],
        # with a cache_control the top-level field would not keep as written
        [{"role": "system", "content": "Terse.", "cache_control": {"type": "ephemeral"}}, {"role": "user", "content": "Hi"}],
        # not text
        [{"role": "system", "content": [{"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}}]},
         {"role": "user", "content": "Hi"}],
    ],
)
def test_system_messages_without_a_safe_fix(messages: list[Any]) -> None:
    body = {"model": "claude-sonnet-4-6", "max_tokens": 1024, "messages": messages}
    report = validate(body, as_of=DAY)
    assert [f for f in report.findings if f.code == "SM001" and not f.edits]
    result = fix(body, as_of=DAY, unsafe=True)
    assert "SM001" not in codes(result)


def test_surface_without_system_messages_sm002() -> None:
    body = _leading(model="claude-opus-4-8")
    # Vertex: no source offers mid-conversation system messages there (on Bedrock they are disputed,
    # a conflict recorded on SM002, and the leading run is reported once by SM003 instead).
    body = {k: v for k, v in body.items() if k != "model"} | {"anthropic_version": "vertex-2023-10-16"}
    endpoint = "/v1/projects/p/locations/global/publishers/anthropic/models/claude-opus-4-8:rawPredict"
    result = fix(body, as_of=DAY, endpoint=endpoint)
    assert "SM002" in codes(result) and result.body["system"] == "You are terse."
    on_bedrock = fix(_leading(model="claude-opus-4-8"), as_of=DAY, surface="bedrock", headers={"anthropic-version": "2023-06-01"})
    assert "SM003" in codes(on_bedrock) and on_bedrock.body["system"] == "You are terse."


# ------------------------------------------------------------------ lifecycle


def test_retired_model_is_replaced_only_with_unsafe() -> None:
    body = minimal("claude-sonnet-4-20250514")
    safe = fix(body, as_of="2026-07-01")
    assert not safe.applied and "LC002" in remaining(safe)
    result = fix(body, as_of="2026-07-01", unsafe=True)
    assert codes(result) == ["LC002"] and result.applied[0].safety == "unsafe"
    replaced = result.body["model"]
    assert replaced != body["model"]
    assert not [f for f in result.remaining.findings if f.code.startswith("LC") and f.severity != "info"]


def test_replacement_follows_the_chain_to_a_live_model() -> None:
    # Sonnet 3.7's direct replacement (Sonnet 4.5) is itself deprecated on the request date.
    body = minimal("claude-3-7-sonnet-20250219")
    result = fix(body, as_of=DAY, unsafe=True)
    assert result.applied and result.applied[0].code == "LC002"
    status_codes = [f.code for f in validate(result.body, as_of=DAY).findings]
    assert "LC002" not in status_codes and "LC003" not in status_codes


def test_replacement_keeps_the_surface_id_form() -> None:
    body = minimal("claude-sonnet-4-5@20250929")
    result = fix(body, as_of=DAY, surface="vertex", unsafe=True)
    assert codes(result) == ["LC003"]
    model = result.body["model"]
    assert not model.startswith("anthropic.")
    assert "LC001" not in remaining(result) and "PF004" not in remaining(result)


def test_model_in_the_url_is_not_edited() -> None:
    endpoint = "/v1/projects/p/locations/global/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict"
    body = {"anthropic_version": "vertex-2023-10-16", "max_tokens": 1024, "messages": [{"role": "user", "content": "Hi"}]}
    result = fix(body, as_of=DAY, surface="vertex", endpoint=endpoint, unsafe=True)
    assert not result.applied and result.body == body


def test_dated_id_for_dateless_model_is_a_safe_fix() -> None:
    result = fix(minimal("claude-opus-4-6-20260205"), as_of=DAY)
    assert codes(result) == ["LC006"] and result.body["model"] == "claude-opus-4-6"
    assert result.applied[0].safety == "safe"


def test_claude_code_alias_is_an_unsafe_fix() -> None:
    assert not fix(minimal("opus"), as_of=DAY).applied
    result = fix(minimal("opus"), as_of=DAY, unsafe=True)
    assert codes(result) == ["LC007"] and result.body["model"].startswith("claude-opus")


# ------------------------------------------------------------------ shape


def test_misspelt_field_is_renamed_in_place() -> None:
    # "temprature: Extra inputs are not permitted" (gh: anthropics/claude-code#4378)
    body = {"model": "claude-sonnet-4-6", "max_tokens": 1024, "temprature": 0.5, "messages": [{"role": "user", "content": "Hi"}]}
    assert not fix(body, as_of=DAY).applied  # unsafe
    result = fix(body, as_of=DAY, unsafe=True)
    assert codes(result) == ["SH003"]
    assert list(result.body) == ["model", "max_tokens", "temperature", "messages"]
    assert result.body["temperature"] == 0.5
    assert result.applied[0].changes == ("rename /temprature to /temperature",)


def test_unknown_field_without_a_certain_match_is_removed() -> None:
    body = minimal(frequency_penalty=0.5, n=2)
    result = fix(body, as_of=DAY, unsafe=True)
    assert sorted(codes(result)) == ["SH003", "SH003"]
    assert result.body == minimal()


def test_rename_refused_when_the_type_does_not_fit() -> None:
    body = minimal(max_token="lots")
    result = fix(body, as_of=DAY, unsafe=True)
    assert "max_token" not in result.body and result.body["max_tokens"] == 1024


def test_max_tokens_lowered_to_the_model_limit() -> None:
    body = minimal("claude-opus-4-5-20251101", max_tokens=128001)
    result = fix(body, as_of="2026-06-01", unsafe=True)
    assert "SH008" in codes(result) and result.body["max_tokens"] == 64000


def test_max_tokens_not_lowered_below_a_thinking_budget() -> None:
    body = minimal("claude-opus-4-5-20251101", max_tokens=128001, thinking={"type": "enabled", "budget_tokens": 100000})
    report = validate(body, as_of="2026-06-01")
    assert [f for f in report.findings if f.code == "SH008" and not f.edits]


# ------------------------------------------------------------------ batches and odd input


def test_batch_entries_are_fixed_at_their_params() -> None:
    body = {
        "requests": [
            {"custom_id": "a", "params": minimal("claude-opus-4-8", temperature=0.2)},
            {"custom_id": "b", "params": minimal("claude-opus-4-8", top_k=3)},
        ]
    }
    result = fix(body, endpoint="/v1/messages/batches", as_of=DAY)
    assert [a.path for a in result.applied] == ["/requests/0/params/temperature", "/requests/1/params/top_k"]
    assert all("temperature" not in r["params"] and "top_k" not in r["params"] for r in result.body["requests"])


def _deep(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"a": [value]}
    return value


@pytest.mark.parametrize("body", [None, [], "text", 3, {"messages": None}, {"model": 5, "temperature": "x"}, {"metadata": _deep(100_000)}])
def test_fix_never_raises_on_odd_bodies(body: Any) -> None:
    result = fix(body, as_of=DAY, unsafe=True)
    assert isinstance(result, FixResult)


def test_deeply_nested_body_is_copied_not_shared() -> None:
    body = minimal("claude-opus-4-8", temperature=0.5, metadata=_deep(50_000))
    result = fix(body, as_of=DAY)
    assert "temperature" not in result.body
    assert result.body["metadata"] is not body["metadata"]


def test_describe_and_to_dict() -> None:
    result = fix(minimal("claude-opus-4-8", temperature=0.5), as_of=DAY)
    applied = result.applied[0]
    assert applied.describe() == "SP002 at /temperature: remove /temperature (safe)"
    data = applied.to_dict()
    assert data["edits"] == [{"op": "remove", "path": "/temperature"}] and data["description"]
    assert "SP002" in result.summary_text()


# ------------------------------------------------------------------ the loop itself


def _finding(code: str, path: str, safety: str | None = "safe") -> Finding:
    return Finding(code, code.lower(), "error", "m", path, edits=(Edit("remove", path),) if safety else (), fix_safety=safety)


def _loop(graph: dict[frozenset[str], list[Finding]], moves: dict[tuple[frozenset[str], str], frozenset[str]], start: frozenset[str], unsafe: bool = False) -> Any:
    def evaluate(state: frozenset[str]) -> list[Located]:
        return [Located(0, f) for f in graph.get(state, [])]

    def apply(state: frozenset[str], item: Located) -> Any:
        following = moves.get((state, item.finding.code))
        return None if following is None else (following, [])

    return run(start, evaluate, apply, unsafe=unsafe)


def test_loop_refuses_a_fix_that_leaves_a_new_finding() -> None:
    start, after = frozenset({"s"}), frozenset({"t"})
    graph = {start: [_finding("AA001", "/a")], after: [_finding("BB001", "/b", safety=None)]}
    outcome = _loop(graph, {(start, "AA001"): after}, start)
    assert outcome.state == start and not outcome.steps
    assert [item.finding.code for item in outcome.refused] == ["AA001"]


def test_loop_accepts_a_fix_whose_new_finding_is_fixed_too() -> None:
    s0, s1, s2 = frozenset({"0"}), frozenset({"1"}), frozenset({"2"})
    graph = {s0: [_finding("AA001", "/a")], s1: [_finding("BB001", "/b")], s2: []}
    outcome = _loop(graph, {(s0, "AA001"): s1, (s1, "BB001"): s2}, s0)
    assert outcome.state == s2 and [s.item.finding.code for s in outcome.steps] == ["AA001", "BB001"]


def test_loop_rolls_back_when_the_detour_dead_ends() -> None:
    s0, s1, s2 = frozenset({"0"}), frozenset({"1"}), frozenset({"2"})
    graph = {
        s0: [_finding("AA001", "/a")],
        s1: [_finding("BB001", "/b")],
        s2: [_finding("CC001", "/c", safety=None)],
    }
    outcome = _loop(graph, {(s0, "AA001"): s1, (s1, "BB001"): s2}, s0)
    assert outcome.state == s0 and not outcome.steps


def test_loop_refuses_a_fix_that_does_not_resolve_its_finding() -> None:
    s0, s1 = frozenset({"0"}), frozenset({"1"})
    graph = {s0: [_finding("AA001", "/a")], s1: [_finding("AA001", "/a")]}
    outcome = _loop(graph, {(s0, "AA001"): s1}, s0)
    assert outcome.state == s0 and not outcome.steps


def test_loop_applies_unsafe_fixes_only_when_asked() -> None:
    s0, s1 = frozenset({"0"}), frozenset({"1"})
    graph = {s0: [_finding("AA001", "/a", safety="unsafe")], s1: []}
    moves = {(s0, "AA001"): s1}
    assert _loop(graph, moves, s0).state == s0
    assert _loop(graph, moves, s0, unsafe=True).state == s1


def test_config_ignores_are_neither_fixed_nor_reported() -> None:
    from claude_preflight.config import config_from_mapping

    body = minimal("claude-opus-4-8", temperature=0.5, top_k=3)
    config = config_from_mapping({"ignore": ["SP002"]})
    result = fix(body, as_of=DAY, config=config)
    assert not result.applied and result.body == body and not result.remaining.findings
    with pytest.raises(TypeError):
        fix(body, config={"ignore": ["SP002"]})


def test_invalid_arguments_raise_like_validate() -> None:
    with pytest.raises(ValueError):
        fix(minimal(), api_version="1999-01-01")
    with pytest.raises((TypeError, ValueError)):
        fix(minimal(), as_of="not a date")
