"""Prompt caching rules (CA*): breakpoint counting, cache_control shape, TTL order, minimums."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from claude_preflight import validate
from claude_preflight.report import Report

AS_OF = "2026-11-24"
EPHEMERAL = {"type": "ephemeral"}
ONE_HOUR = {"type": "ephemeral", "ttl": "1h"}
TOOL = {"name": "get_weather", "description": "Current weather for a city", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}


def run(body: dict[str, Any], **kwargs: Any) -> Report:
    return validate(body, as_of=kwargs.pop("as_of", AS_OF), **kwargs)


def hits(report: Report, code: str) -> list[Any]:
    return [f for f in report.findings if f.code == code]


def body(model: str = "claude-sonnet-4-6", **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"model": model, "max_tokens": 1024, "messages": [{"role": "user", "content": "Hello"}]}
    base.update(extra)
    return base


def text(value: str, cache: Any = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "text", "text": value}
    if cache is not None:
        block["cache_control"] = cache
    return block


# ---------------------------------------------------------------------- CA001


def test_four_breakpoints_are_fine_five_are_not() -> None:
    # "A maximum of 4 blocks with cache_control may be provided. Found 5." (tghamm/Anthropic.SDK#50)
    four = body(system=[text("a", EPHEMERAL), text("b", EPHEMERAL)],
                messages=[{"role": "user", "content": [text("c", EPHEMERAL), text("d", EPHEMERAL)]}])
    assert not hits(run(four), "CA001")
    five = body(tools=[{**TOOL, "cache_control": EPHEMERAL}], system=four["system"], messages=four["messages"])
    found = hits(run(five), "CA001")
    assert [f.path for f in found] == ["/messages/0/content/1/cache_control"]
    assert "found 5" in found[0].message


def test_breakpoints_inside_tool_results_count() -> None:
    messages = [
        {"role": "user", "content": [text("Check the weather", EPHEMERAL)]},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"city": "Paris"}, "cache_control": EPHEMERAL}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01", "cache_control": EPHEMERAL,
                                      "content": [text("Sunny", EPHEMERAL), text("21 C", EPHEMERAL)]}]},
    ]
    found = hits(run(body(tools=[TOOL], messages=messages)), "CA001")
    # order: user text, tool_use, inner text, inner text, tool_result itself -> the fifth is the tool_result's own
    assert [f.path for f in found] == ["/messages/2/content/0/cache_control"]


def test_mid_conversation_system_message_breakpoint_counts() -> None:
    messages = [
        {"role": "user", "content": [text("one", EPHEMERAL), text("two", EPHEMERAL)]},
        {"role": "system", "content": "Be brief.", "cache_control": EPHEMERAL},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": [text("three", EPHEMERAL), text("four", EPHEMERAL)]},
    ]
    found = hits(run(body("claude-opus-4-8", messages=messages)), "CA001")
    assert [f.path for f in found] == ["/messages/3/content/1/cache_control"]


def test_automatic_caching_takes_a_slot() -> None:
    three = body(system=[text("a", EPHEMERAL), text("b", EPHEMERAL)], messages=[{"role": "user", "content": [text("c", EPHEMERAL), text("d")]}])
    assert not hits(run({**three, "cache_control": EPHEMERAL}), "CA001")
    four = {**three, "messages": [{"role": "user", "content": [text("c", EPHEMERAL), text("d", EPHEMERAL)]}]}
    assert not hits(run(four), "CA001")
    assert [f.path for f in hits(run({**four, "cache_control": EPHEMERAL}), "CA001")] == ["/cache_control"]


def test_null_cache_control_and_thinking_blocks_are_not_counted() -> None:
    messages = [
        {"role": "user", "content": [text("a", EPHEMERAL), text("b", EPHEMERAL), text("c", None)]},
        {"role": "assistant", "content": [{"type": "thinking", "thinking": "x", "signature": "sig", "cache_control": EPHEMERAL}, text("ok", EPHEMERAL)]},
        {"role": "user", "content": [{"type": "text", "text": "d", "cache_control": None}, text("e", EPHEMERAL)]},
    ]
    report = run(body("claude-sonnet-4-5-20250929", messages=messages))
    assert not hits(report, "CA001")  # 4 counted; the thinking block's is the conversation family's
    assert not hits(report, "CA002")


# ---------------------------------------------------------------------- CA002


def test_cache_control_shapes() -> None:
    # "system.1.cache_control.ephemeral.scope: Extra inputs are not permitted" (caozhiyuan/copilot-api#145)
    report = run(body(system=[text("a", "ephemeral")]))
    assert [f.path for f in hits(report, "CA002")] == ["/system/0/cache_control"]
    report = run(body(system=[text("a", {"ttl": "5m"})]))
    assert [f.path for f in hits(report, "CA002")] == ["/system/0/cache_control"]
    report = run(body(system=[text("a", {"type": "ephemeral", "ttl": 300})]))
    assert [f.path for f in hits(report, "CA002")] == ["/system/0/cache_control/ttl"]
    report = run(body(cache_control={"type": "ephemeral", "scope": "global"}))
    assert [f.path for f in hits(report, "CA002")] == ["/cache_control/scope"]
    for good in ({"type": "ephemeral"}, {"type": "ephemeral", "ttl": "5m"}, {"type": "ephemeral", "ttl": "1h"}, {"type": "ephemeral", "ttl": None}):
        assert not hits(run(body(system=[text("a", good)])), "CA002"), good


# ---------------------------------------------------------------------- CA003 / CA007


def test_ttl_order_follows_tools_system_messages() -> None:
    # "a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block" (anthropics/claude-code#37842)
    ok = body(tools=[{**TOOL, "cache_control": ONE_HOUR}], system=[text("a", ONE_HOUR), text("b", EPHEMERAL)],
              messages=[{"role": "user", "content": [text("c", EPHEMERAL)]}])
    assert not hits(run(ok), "CA003")
    bad = body(tools=[{**TOOL, "cache_control": EPHEMERAL}], system=[text("a", ONE_HOUR)])
    found = hits(run(bad), "CA003")
    assert [f.path for f in found] == ["/system/0/cache_control/ttl"]
    assert "tools.0.cache_control" in found[0].message


def test_bare_ephemeral_counts_as_five_minutes() -> None:
    bad = body(system=[text("a", {"type": "ephemeral"})], messages=[{"role": "user", "content": [text("b", ONE_HOUR)]}])
    assert [f.severity for f in hits(run(bad), "CA003")] == ["error"]


def test_automatic_one_hour_after_explicit_five_minutes_is_a_warning() -> None:
    report = run(body(cache_control=ONE_HOUR, system=[text("a", EPHEMERAL)]))
    assert [(f.path, f.severity) for f in hits(report, "CA003")] == [("/cache_control/ttl", "warning")]
    assert not hits(run(body(cache_control=EPHEMERAL, system=[text("a", ONE_HOUR)])), "CA003")


def test_automatic_ttl_conflict_with_last_block() -> None:
    last_one_hour = body(cache_control=EPHEMERAL, messages=[{"role": "user", "content": [text("a", ONE_HOUR)]}])
    assert [f.path for f in hits(run(last_one_hour), "CA007")] == ["/messages/0/content/0/cache_control"]
    same = body(cache_control=ONE_HOUR, messages=[{"role": "user", "content": [text("a", ONE_HOUR)]}])
    assert not hits(run(same), "CA007")
    # an earlier block with another TTL is not the automatic target
    earlier = body(cache_control=EPHEMERAL, messages=[{"role": "user", "content": [text("a", ONE_HOUR), text("b")]}])
    assert not hits(run(earlier), "CA007")


# ---------------------------------------------------------------------- CA004


def test_empty_text_with_cache_control() -> None:
    # "messages.87.content.1.text: cache_control cannot be set for empty text blocks" (anthropics/claude-code#55302)
    report = run(body(system=[text("Policy", None), text("", EPHEMERAL)]))
    assert [f.path for f in hits(report, "CA004")] == ["/system/1/cache_control"]
    assert not hits(run(body(system=[text(" ", EPHEMERAL)])), "CA004")  # whitespace is the messages family's


# ---------------------------------------------------------------------- CA005


def test_minimum_warning_uses_an_upper_bound() -> None:
    # Opus 4.8 needs 1,024 tokens. 600 ASCII characters are at most ~600 tokens: warn.
    short = body("claude-opus-4-8", system=[text("x" * 600, EPHEMERAL)])
    assert [f.path for f in hits(run(short), "CA005")] == ["/system/0/cache_control"]
    # 1,100 characters might be 1,100 tokens: never warn on a prompt that may be long enough.
    assert not hits(run(body("claude-opus-4-8", system=[text("x" * 1100, EPHEMERAL)])), "CA005")
    # 400 CJK characters are 1,200 UTF-8 bytes, so they might reach the minimum.
    assert not hits(run(body("claude-opus-4-8", system=[text("漢" * 400, EPHEMERAL)])), "CA005")


def test_minimum_depends_on_the_model() -> None:
    system = [text("y" * 2000, EPHEMERAL)]
    assert hits(run(body("claude-opus-4-6", system=system)), "CA005")  # 4,096
    assert not hits(run(body("claude-sonnet-4-6", system=system)), "CA005")  # 1,024


def test_minimum_counts_the_whole_prefix() -> None:
    long_system = [text("z" * 5000)]
    messages = [{"role": "user", "content": [text("short question", EPHEMERAL)]}]
    assert not hits(run(body("claude-opus-4-6", system=long_system, messages=messages)), "CA005")


def test_minimum_skipped_when_size_cannot_be_bounded() -> None:
    image = {"type": "image", "source": {"type": "url", "url": "https://upload.example.com/cat.png"}}
    messages = [{"role": "user", "content": [image, text("What is this?", EPHEMERAL)]}]
    assert not hits(run(body("claude-opus-4-6", messages=messages)), "CA005")
    server_tool = {"type": "web_search_20250305", "name": "web_search"}
    assert not hits(run(body("claude-opus-4-6", tools=[server_tool], system=[text("Be brief.", EPHEMERAL)])), "CA005")


def test_minimum_for_automatic_caching() -> None:
    report = run(body("claude-opus-4-6", cache_control=EPHEMERAL))
    assert [f.path for f in hits(report, "CA005")] == ["/cache_control"]


# ---------------------------------------------------------------------- CA006 / CA008


def test_large_uncached_system_prompt_gets_a_hint() -> None:
    big = "Refunds are issued within five business days. " * 250  # ~11,750 characters
    report = run(body("claude-sonnet-5-5", system=big))
    assert [(f.path, f.severity) for f in hits(report, "CA006")] == [("/system", "info")]
    assert not hits(run(body("claude-sonnet-5-5", system=big, cache_control=EPHEMERAL)), "CA006")
    assert not hits(run(body("claude-sonnet-5-5", system=big[:4000])), "CA006")
    count = {"model": "claude-sonnet-5-5", "system": big, "messages": [{"role": "user", "content": "Hello"}]}
    assert not hits(validate(count, endpoint="/v1/messages/count_tokens", as_of=AS_OF), "CA006")


def test_large_tool_list_gets_a_hint_on_tools() -> None:
    tools = [{**TOOL, "name": f"tool_{i}", "description": "Looks up one record in the inventory database. " * 20} for i in range(12)]
    assert [f.path for f in hits(run(body("claude-sonnet-5-5", tools=tools)), "CA006")] == ["/tools"]


def test_automatic_caching_on_bedrock() -> None:
    bedrock = {"model": "global.anthropic.claude-sonnet-4-6", "max_tokens": 1024, "cache_control": EPHEMERAL,
               "messages": [{"role": "user", "content": "Hello"}]}
    assert hits(validate(bedrock, surface="bedrock", as_of=AS_OF), "CA008")
    first_party = {**bedrock, "model": "claude-sonnet-4-6"}
    assert not hits(validate(first_party, surface="anthropic", as_of=AS_OF), "CA008")


# ---------------------------------------------------------------------- robustness

cache_values = st.one_of(st.none(), st.just(EPHEMERAL), st.just(ONE_HOUR), st.text(max_size=3), st.integers(),
                         st.dictionaries(st.sampled_from(["type", "ttl", "scope"]), st.sampled_from(["ephemeral", "5m", "1h", 1, None]), max_size=3))
blocks = st.builds(lambda t, c, kind: {"type": kind, "text": t, "cache_control": c},
                   st.sampled_from(["", "hi", "x" * 50]), cache_values, st.sampled_from(["text", "thinking", "image", 3, None]))


@settings(max_examples=150, deadline=None)
@given(st.lists(blocks, max_size=6), st.lists(blocks, max_size=3), cache_values)
def test_random_cache_placements_never_break(content: list[Any], system: list[Any], top: Any) -> None:
    request = body("claude-opus-4-6", system=system, messages=[{"role": "user", "content": content}])
    if top is not None:
        request["cache_control"] = top
    report = run(request)
    assert "PF900" not in report.codes()
    # thinking blocks in messages are left to the conversation family; everything else counts
    explicit = sum(1 for b in content if b["cache_control"] is not None and b["type"] != "thinking")
    explicit += sum(1 for b in system if b["cache_control"] is not None)
    over = explicit + (top is not None) > 4
    assert bool(hits(report, "CA001")) == over
