"""Conversation-thinking family (TC): thinking blocks in the history. Edge cases both ways,
from real reports (error strings quoted in the rule files)."""

from __future__ import annotations

from typing import Any

import pytest

from claude_preflight import validate
from conftest import minimal

DATE = "2026-11-24"
SIGNATURE = "EqQBCkgIARABGAIiQLVm3fR2Cw7n"
WEATHER = {"name": "get_weather", "description": "Weather for a city", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}
ENABLED = {"type": "enabled", "budget_tokens": 2048}


def run(body: Any, **kwargs: Any) -> Any:
    return validate(body, as_of=kwargs.pop("as_of", DATE), **kwargs)


def hits(body: Any, code: str, **kwargs: Any) -> list[Any]:
    return [f for f in run(body, **kwargs).findings if f.code == code]


def think(text: str = "I should call the tool.", **extra: Any) -> dict[str, Any]:
    return {"type": "thinking", "thinking": text, "signature": SIGNATURE, **extra}


def use(ident: str = "toolu_01P") -> dict[str, Any]:
    return {"type": "tool_use", "id": ident, "name": "get_weather", "input": {"city": "Paris"}}


def loop(first: list[Any], model: str = "claude-haiku-4-5-20251001", **extra: Any) -> dict[str, Any]:
    """A one-step tool loop whose assistant turn is ``first``."""
    return minimal(
        model,
        max_tokens=4096,
        tools=[WEATHER],
        messages=[
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": first},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01P", "content": "18C"}]},
        ],
        **extra,
    )


def test_incomplete_blocks() -> None:
    body = loop([{"type": "thinking", "thinking": "x", "signature": None}, {"type": "redacted_thinking"}, use()], thinking=ENABLED)
    found = hits(body, "TC001")
    assert [(f.path, "signature" in f.message or "data" in f.message) for f in found] == [
        ("/messages/1/content/0", True),
        ("/messages/1/content/1", True),
    ]
    assert not hits(loop([think(), {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4a"}, use()], thinking=ENABLED), "TC001")


def test_thinking_must_come_first_in_any_assistant_message() -> None:
    # anthropics/claude-code#20705, seen in an earlier turn of a long history
    body = minimal(
        "claude-haiku-4-5-20251001",
        max_tokens=4096,
        thinking=ENABLED,
        messages=[
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": [{"type": "text", "text": "Hello."}, think("Greeting.")]},
            {"role": "user", "content": "How are you?"},
        ],
    )
    assert [f.path for f in hits(body, "TC002")] == ["/messages/1/content/0"]
    body["messages"][1]["content"] = [{"type": "redacted_thinking", "data": "EmwKAhgBEgy3"}, {"type": "text", "text": "Hello."}, think()]
    assert not hits(body, "TC002")


def test_final_block_thinking() -> None:
    # tailcallhq/forgecode#2107: a response cut off during thinking, saved and resent
    body = minimal("claude-haiku-4-5-20251001", max_tokens=4096, thinking=ENABLED,
                   messages=[{"role": "user", "content": "Go"}, {"role": "assistant", "content": [think()]}])
    assert [f.path for f in hits(body, "TC003")] == ["/messages/1/content/0"]
    # an earlier assistant message ending with thinking is not the final one
    body["messages"] += [{"role": "user", "content": "Continue"}]
    assert not hits(body, "TC003")
    # thinking off: reported once, by TC005
    off = minimal("claude-haiku-4-5-20251001", messages=[{"role": "user", "content": "Go"}, {"role": "assistant", "content": [think()]}])
    report = run(off)
    assert "TC005" in report.codes() and "TC003" not in report.codes()


def test_tool_loop_with_manual_thinking_is_an_error() -> None:
    # n8n-io/n8n#22550 and anomalyco/opencode#3077
    found = hits(loop([use()], thinking=ENABLED), "TC004")
    assert [(f.path, f.severity) for f in found] == [("/messages/1/content/0", "error")]
    assert not hits(loop([think(), use()], thinking=ENABLED), "TC004")
    assert not hits(loop([use()]), "TC004")  # thinking off
    # string content counts as one text block
    text_first = loop("Let me check.", thinking=ENABLED)
    assert [f.path for f in hits(text_first, "TC004")] == ["/messages/1/content"]


def test_tool_loop_with_adaptive_thinking_is_a_hint() -> None:
    # adaptive thinking may skip thinking for a step, so a turn without it can be genuine
    explicit = loop([use()], model="claude-sonnet-4-6", thinking={"type": "adaptive"})
    assert [f.severity for f in hits(explicit, "TC004")] == ["info"]
    default_on = loop([use()], model="claude-sonnet-5-5")
    assert [f.severity for f in hits(default_on, "TC004")] == ["info"]
    assert run(default_on).ok


def test_tool_loop_turn_merged_and_system_message() -> None:
    # the assistant turn is found across consecutive assistant messages and a system message
    body = minimal(
        "claude-opus-4-8",
        max_tokens=4096,
        thinking={"type": "adaptive"},
        tools=[WEATHER],
        messages=[
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": [think(), {"type": "text", "text": "Checking."}]},
            {"role": "assistant", "content": [use()]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01P", "content": "18C"}]},
        ],
    )
    assert not hits(body, "TC004")


def test_final_assistant_prefill_with_thinking_on() -> None:
    prefill = minimal("claude-haiku-4-5-20251001", max_tokens=4096, thinking=ENABLED,
                      messages=[{"role": "user", "content": "List colours"}, {"role": "assistant", "content": "Red,"}])
    assert [f.severity for f in hits(prefill, "TC004")] == ["error"]
    # on models without prefill the prefill rule reports it instead
    prefill["model"] = "claude-sonnet-4-6"
    prefill["thinking"] = {"type": "adaptive"}
    report = run(prefill)
    assert "MS015" in report.codes() and "TC004" not in report.codes()


def test_thinking_blocks_while_off() -> None:
    # tailcallhq/forgecode#1853: thinking switched off between turns
    final = [{"type": "redacted_thinking", "data": "EmwKAhgBEgy3"}, {"type": "text", "text": "Red"}]
    body = minimal("claude-haiku-4-5-20251001", messages=[{"role": "user", "content": "Colour?"}, {"role": "assistant", "content": final}])
    assert [f.severity for f in hits(body, "TC005")] == ["warning"]
    body["thinking"] = {"type": "disabled"}
    final.insert(0, think())
    assert [f.severity for f in hits(body, "TC005")] == ["error"]
    body["thinking"] = ENABLED
    body["max_tokens"] = 4096
    assert not hits(body, "TC005")
    # thinking blocks in earlier turns are fine with thinking off
    earlier = minimal("claude-haiku-4-5-20251001", messages=[
        {"role": "user", "content": "Colour?"},
        {"role": "assistant", "content": [think(), {"type": "text", "text": "Red"}]},
        {"role": "user", "content": "Another?"},
    ])
    assert not hits(earlier, "TC005")


def test_cache_control_on_thinking_has_a_safe_edit() -> None:
    # Wei-Shaw/sub2api#225: "messages.13.content.0.thinking.cache_control: Extra inputs are not permitted"
    found = hits(loop([think(cache_control={"type": "ephemeral"}), use()], thinking=ENABLED), "TC006")
    assert [f.path for f in found] == ["/messages/1/content/0/cache_control"]
    assert found[0].edits[0].op == "remove" and found[0].fix_safety == "safe"


def test_interleaved_header_hint() -> None:
    body = minimal("claude-sonnet-4-5-20250929", max_tokens=8000, thinking={"type": "enabled", "budget_tokens": 4000}, tools=[WEATHER])
    assert [f.severity for f in hits(body, "TC007", headers={"anthropic-version": "2023-06-01"})] == ["info"]
    assert not hits(body, "TC007", headers={"anthropic-version": "2023-06-01", "anthropic-beta": "interleaved-thinking-2025-05-14"})
    assert not hits(dict(body, tools=[]), "TC007")
    assert not hits(minimal("claude-sonnet-4-6", thinking={"type": "adaptive"}, tools=[WEATHER]), "TC007")
    assert not hits(minimal("claude-haiku-4-5-20251001", max_tokens=8000, thinking={"type": "enabled", "budget_tokens": 4000}, tools=[WEATHER]), "TC007")


def test_interleaved_header_on_partner_surfaces_and_dates() -> None:
    headers = {"anthropic-version": "2023-06-01", "anthropic-beta": "interleaved-thinking-2025-05-14"}
    body = minimal("claude-haiku-4-5-20251001", max_tokens=8000, thinking={"type": "enabled", "budget_tokens": 4000}, tools=[WEATHER])
    assert not hits(body, "TC008", headers=headers)  # the Claude API ignores it
    bedrock = dict(body, model="global.anthropic.claude-haiku-4-5-20251001-v1:0")
    assert [f.severity for f in hits(bedrock, "TC008", headers=headers, surface="bedrock")] == ["warning"]
    assert not hits(bedrock, "TC008", headers={"anthropic-version": "2023-06-01"}, surface="bedrock")
    # Claude 3.7 Sonnet: the header is refused both before and after the model's retirement date
    sonnet37 = dict(body, model="us.anthropic.claude-3-7-sonnet-20250219-v1:0")
    assert [f.severity for f in hits(sonnet37, "TC008", headers=headers, surface="bedrock", as_of="2025-09-01")] == ["error"]
    assert [f.severity for f in hits(sonnet37, "TC008", headers=headers, surface="bedrock", as_of="2026-11-24")] == ["error"]
    # inside a batch the headers are the batch's: not repeated per entry
    batch = {"requests": [{"custom_id": "a", "params": bedrock}]}
    report = validate(batch, endpoint="/v1/messages/batches", headers=headers, surface="bedrock", as_of=DATE)
    assert "TC008" not in report.codes()


# ---------------------------------------------------------------------- TH006 forced tool use by thinking mode

_WEATHER_TOOL = {"name": "get_weather", "description": "Weather for a city",
                 "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}


@pytest.mark.parametrize(
    ("model", "thinking", "as_of", "flagged"),
    [
        ("claude-sonnet-4-6", {"type": "adaptive"}, "2026-07-01", True),  # refused up to 4.7 (pydantic-ai#4216, litellm#28114)
        ("claude-opus-4-7", {"type": "adaptive"}, "2026-07-01", True),
        ("claude-opus-4-6", {"type": "adaptive"}, "2026-08-10", False),  # recorded 200 (pydantic-ai#7200)
        ("claude-opus-4-8", {"type": "adaptive"}, "2026-07-01", False),  # docs: adaptive thinking supports forced tool use
        ("claude-sonnet-5", None, "2026-07-01", False),  # thinks by default, adaptively (langchain-aws#1141)
        ("claude-opus-5", {"type": "adaptive"}, "2026-11-24", False),
        ("claude-sonnet-4-6", {"type": "enabled", "budget_tokens": 2048}, "2026-11-24", True),  # manual thinking: never
        ("claude-fable-5-1", None, "2026-11-24", True),  # refuses forced tool use altogether
        ("claude-fable-5", None, "2026-07-02", False),  # accepted on Bedrock (langchain-aws#1141); the refusal came with 5.1
    ],
)
def test_th006_forced_tool_use_by_thinking_mode(model: str, thinking: Any, as_of: str, flagged: bool) -> None:
    body: dict[str, Any] = {"model": model, "max_tokens": 4096, "tools": [_WEATHER_TOOL], "tool_choice": {"type": "any"},
                            "messages": [{"role": "user", "content": "Weather in Paris?"}]}
    if thinking is not None:
        body["thinking"] = thinking
    report = validate(body, as_of=as_of)
    assert ("TH006" in report.codes()) == flagged, report.findings


# ---------------------------------------------------------------------- TH012 keys per thinking type


@pytest.mark.parametrize(
    ("thinking", "bad_key"),
    [
        ({"type": "adaptive", "effort": "low"}, "effort"),  # immersive-translate#3818
        ({"type": "disabled", "display": "omitted"}, "display"),  # anthropics/claude-code#69618
        ({"type": "enabled", "budget_tokens": 2048, "budget": 2048}, "budget"),
        ({"type": "adaptive", "display": "summarized"}, None),
        ({"type": "enabled", "budget_tokens": 2048, "display": "omitted"}, None),
        ({"type": "disabled"}, None),
    ],
)
def test_th012_keys_per_thinking_type(thinking: dict[str, Any], bad_key: Any) -> None:
    report = validate({"model": "claude-sonnet-4-6", "max_tokens": 8192, "thinking": thinking,
                       "messages": [{"role": "user", "content": "Hello"}]}, as_of="2026-11-24")
    found = [f for f in report.findings if f.code == "TH012"]
    assert [f.path for f in found] == ([f"/thinking/{bad_key}"] if bad_key else []), report.findings
    assert all(f.severity == "error" and f.edits for f in found)


def test_tc002_server_tool_blocks_may_precede_thinking() -> None:
    # the API's own order with code execution, replayed as it came (a recorded 200 on Sonnet 5)
    assistant = [{"type": "server_tool_use", "id": "srvtoolu_01A", "name": "bash_code_execution", "input": {"command": "ls"}},
                 {"type": "bash_code_execution_tool_result", "tool_use_id": "srvtoolu_01A",
                  "content": {"type": "bash_code_execution_result", "stdout": "a.csv", "stderr": "", "return_code": 0, "content": []}},
                 {"type": "thinking", "thinking": "The file is there.", "signature": "EqQBCkYIBRgC"},
                 {"type": "text", "text": "Found a.csv."}]
    body = {"model": "claude-sonnet-5", "max_tokens": 4096, "tools": [{"type": "code_execution_20250825", "name": "code_execution"}],
            "messages": [{"role": "user", "content": "List the files."}, {"role": "assistant", "content": assistant},
                         {"role": "user", "content": "Thanks."}]}
    assert "TC002" not in validate(body, as_of="2026-07-07").codes()
    body["messages"][1]["content"] = [{"type": "text", "text": "Found a.csv."}, *assistant[2:3]]
    assert "TC002" in validate(body, as_of="2026-07-07").codes()
