"""Messages family (MS): roles, block types per role, empty text, unknown block fields,
prefill, stop sequences and conversation shape. Edge cases both ways, from real reports."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_preflight import validate
from conftest import minimal

DATE = "2026-11-24"
WEATHER = {"name": "get_weather", "description": "Weather for a city", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}
SIGNATURE = "EqQBCkgIARABGAIiQLVm3fR2Cw7n"


def run(body: Any, **kwargs: Any) -> Any:
    return validate(body, as_of=kwargs.pop("as_of", DATE), **kwargs)


def hits(body: Any, code: str, **kwargs: Any) -> list[Any]:
    return [f for f in run(body, **kwargs).findings if f.code == code]


def conv(*messages: dict[str, Any], model: str = "claude-sonnet-4-6", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "max_tokens": 1024, "messages": list(messages)}
    body.update(extra)
    return body


def user(content: Any) -> dict[str, Any]:
    return {"role": "user", "content": content}


def assistant(content: Any) -> dict[str, Any]:
    return {"role": "assistant", "content": content}


# ---------------------------------------------------------------------- roles and message shape


def test_openai_history_with_tool_role_and_tool_calls() -> None:
    # Converted OpenAI histories carry role "tool" and tool_calls (anthropics/claude-code#4378 shows the
    # "Extra inputs are not permitted" form of the error).
    body = conv(
        user("Weather in Paris?"),
        {"role": "assistant", "content": "", "tool_calls": [{"id": "call_1", "type": "function"}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
    )
    report = run(body)
    assert [f.path for f in report.findings if f.code == "MS001"] == ["/messages/2/role"]
    assert "/messages/1/tool_calls" in [f.path for f in report.findings if f.code == "MS003"]
    # role "tool" messages are not checked for fields: the role itself is the problem
    assert "/messages/2/tool_call_id" in [f.path for f in report.findings if f.code == "MS003"]


def test_missing_role_and_system_role_left_to_system_family() -> None:
    assert [f.path for f in hits(conv({"content": "Hi"}), "MS001")] == ["/messages/0"]
    body = conv(user("Summarise."), {"role": "system", "content": "Answer in French.", "clear_at": "never"}, model="claude-opus-4-8")
    assert not hits(body, "MS001") and not hits(body, "MS003")


def test_message_not_object_and_content_types() -> None:
    body = conv(user("Hi"))
    body["messages"].append("and then?")
    assert [f.path for f in hits(body, "MS002")] == ["/messages/1"]
    assert [f.path for f in hits(conv(user(None)), "MS002")] == ["/messages/0/content"]
    assert [f.path for f in hits(conv(user(42)), "MS002")] == ["/messages/0/content"]
    assert not hits(conv(user([{"type": "text", "text": "Hi"}])), "MS002")


def test_empty_messages() -> None:
    assert [f.path for f in hits(minimal(messages=[]), "MS004")] == ["/messages"]
    assert not hits(minimal(), "MS004")


# ---------------------------------------------------------------------- empty content and text


def test_empty_content_only_allowed_on_final_assistant() -> None:
    # anthropics/claude-code#6774: "all messages must have non-empty content except for the
    # optional final assistant message"
    assert not hits(conv(user("Hi"), assistant(""), model="claude-haiku-4-5-20251001"), "MS005")
    assert not hits(conv(user("Hi"), assistant([]), model="claude-haiku-4-5-20251001"), "MS005")
    assert [f.path for f in hits(conv(user("Hi"), assistant([]), user("Still there?")), "MS005")] == ["/messages/1/content"]
    assert [f.path for f in hits(conv(user("")), "MS005")] == ["/messages/0/content"]


def test_empty_text_block_next_to_image() -> None:
    # anthropics/claude-code#62150: an image-only message sent with an empty text block
    image = {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}}
    body = conv(user([image, {"type": "text", "text": ""}]))
    assert [f.path for f in hits(body, "MS006")] == ["/messages/0/content/1/text"]
    assert not hits(body, "MS005")  # the content itself is not empty
    assert not hits(conv(user([image])), "MS006")


def test_system_text_checks() -> None:
    assert not hits(minimal(system=""), "MS006")  # a string system prompt is not a block list
    assert [f.path for f in hits(minimal(system=[{"type": "text", "text": "  "}]), "MS007")] == ["/system/0/text"]
    assert [f.path for f in hits(minimal(system=["Be terse."]), "MS008")] == ["/system/0"]
    assert [f.path for f in hits(minimal(system=[{"text": "Be terse."}]), "MS008")] == ["/system/0"]


def test_whitespace_text() -> None:
    # anthropics/claude-code#23440: "text content blocks must contain non-whitespace text"
    assert [f.path for f in hits(conv(user(" \n\t")), "MS007")] == ["/messages/0/content"]
    assert not hits(conv(user("  padded  ")), "MS007")
    # a whitespace-only final assistant message is the prefill rules' business
    body = conv(user("Go on"), assistant("  "), model="claude-haiku-4-5-20251001")
    assert not hits(body, "MS007")


# ---------------------------------------------------------------------- content blocks


def test_unknown_block_types_and_suggestions() -> None:
    body = conv(user([{"type": "input_text", "text": "Hi"}, {"type": "imgae", "source": {}}, {"text": "no type"}, 3]))
    found = {f.path: f.message for f in hits(body, "MS009")}
    assert set(found) == {"/messages/0/content/0/type", "/messages/0/content/1/type", "/messages/0/content/2", "/messages/0/content/3"}
    assert "did you mean 'image'" in found["/messages/0/content/1/type"]


def test_beta_block_types_are_known() -> None:
    body = conv(
        user("List the repo issues."),
        assistant([
            {"type": "mcp_tool_use", "id": "mcptoolu_01", "name": "list_issues", "server_name": "github", "input": {}},
            {"type": "mcp_tool_result", "tool_use_id": "mcptoolu_01", "content": [{"type": "text", "text": "#1 login bug"}]},
            {"type": "mcp_tool_listing", "whatever": 1},
            {"type": "text", "text": "One issue is open."},
        ]),
        user("Thanks."),
    )
    report = run(body)
    assert not [f for f in report.findings if f.code in ("MS009", "MS010", "MS011", "MS012")]


def test_blocks_in_the_wrong_turn() -> None:
    thinking = {"type": "thinking", "thinking": "Hmm.", "signature": SIGNATURE}
    assert [f.severity for f in hits(conv(user([thinking, {"type": "text", "text": "Hi"}])), "MS010")] == ["error"]
    search = {"type": "search_result", "source": "https://example.com", "title": "T", "content": [{"type": "text", "text": "x"}]}
    found = hits(conv(user("Q"), assistant([search, {"type": "text", "text": "A"}]), user("More?")), "MS010")
    assert [f.severity for f in found] == ["warning"]
    # documents in assistant turns depend on the API version (media family), not reported here
    document = {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "Notes"}}
    assert not hits(conv(user("Q"), assistant([document]), user("More?")), "MS010")


def test_response_blocks_passed_back_are_accepted() -> None:
    # SDK response objects dumped with model_dump carry citations: null and caller
    body = conv(
        user("Weather in Paris?"),
        assistant([
            {"type": "text", "text": "Checking.", "citations": None},
            {"type": "tool_use", "id": "toolu_01P", "name": "get_weather", "input": {"city": "Paris"}, "caller": {"type": "direct"}},
        ]),
        user([{"type": "tool_result", "tool_use_id": "toolu_01P", "content": "18C", "is_error": False}]),
        tools=[WEATHER],
    )
    assert not [f for f in run(body).findings if f.code.startswith("MS")]


def test_unknown_block_fields() -> None:
    body = conv(user([{"type": "text", "text": "Hi", "parsed_output": None}]))
    assert [f.path for f in hits(body, "MS011")] == ["/messages/0/content/0/parsed_output"]
    # cache_control on thinking blocks is reported once, by TC006
    thinking = {"type": "thinking", "thinking": "Hmm.", "signature": SIGNATURE, "cache_control": {"type": "ephemeral"}}
    body = conv(user("Q"), assistant([thinking, {"type": "text", "text": "A"}]), user("And?"), model="claude-haiku-4-5-20251001", thinking={"type": "enabled", "budget_tokens": 2048})
    report = run(body)
    assert "MS011" not in report.codes() and "TC006" in report.codes()


def test_missing_fields_and_input_type() -> None:
    body = conv(
        user("Search."),
        assistant([{"type": "server_tool_use", "id": "srvtoolu_01A", "name": "web_search", "input": ["python"]},
                   {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_01A"}]),
        user("Thanks."),
        tools=[{"type": "web_search_20250305", "name": "web_search"}],
    )
    assert [f.path for f in hits(body, "MS013")] == ["/messages/1/content/0/input"]
    assert [f.path for f in hits(body, "MS012")] == ["/messages/1/content/1"]


def test_tool_result_content_blocks() -> None:
    bad = [{"type": "tool_result", "tool_use_id": "toolu_01P", "content": [{"type": "tool_use", "id": "x", "name": "y", "input": {}}, "plain"]}]
    body = conv(user("Q"), assistant([{"type": "tool_use", "id": "toolu_01P", "name": "get_weather", "input": {}}]), user(bad), tools=[WEATHER])
    assert [f.path for f in hits(body, "MS014")] == ["/messages/2/content/0/content/0", "/messages/2/content/0/content/1"]
    good = [{"type": "tool_result", "tool_use_id": "toolu_01P", "content": [
        {"type": "text", "text": "see image"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
        {"type": "tool_reference", "tool_name": "get_weather"},
    ]}]
    assert not hits(conv(user("Q"), assistant([{"type": "tool_use", "id": "toolu_01P", "name": "get_weather", "input": {}}]), user(good), tools=[WEATHER]), "MS014")


# ---------------------------------------------------------------------- prefill


def test_prefill_by_model() -> None:
    body = conv(user("List colours as JSON."), assistant("{"), model="claude-opus-4-8")
    assert [f.path for f in hits(body, "MS015")] == ["/messages/1"]
    body["model"] = "claude-haiku-4-5-20251001"
    assert not hits(body, "MS015")
    body["model"] = "claude-sonnet-5-5"
    assert hits(body, "MS015")
    body["model"] = "some-future-model"  # unknown models are not judged
    assert not hits(body, "MS015")


def test_prefill_not_reported_for_paused_turn_or_token_counting() -> None:
    paused = conv(
        user("What changed in Python 3.14?"),
        assistant([{"type": "server_tool_use", "id": "srvtoolu_01A", "name": "web_search", "input": {"query": "Python 3.14"}}]),
        model="claude-opus-4-8",
        tools=[{"type": "web_search_20250305", "name": "web_search"}],
    )
    assert not hits(paused, "MS015")
    prefill = conv(user("List colours as JSON."), assistant("{"), model="claude-opus-4-8")
    del prefill["max_tokens"]
    assert not hits(prefill, "MS015", endpoint="/v1/messages/count_tokens")


def test_prefill_trailing_whitespace() -> None:
    # tailcallhq/forgecode#1872: "final assistant content cannot end with trailing whitespace"
    body = conv(user("Haiku please."), assistant([{"type": "text", "text": "Here it is:\n"}]), model="claude-haiku-4-5-20251001")
    found = hits(body, "MS016")
    assert [f.path for f in found] == ["/messages/1/content/0/text"]
    assert found[0].edits and found[0].edits[0].value == "Here it is:"
    # models without prefill get MS015 only
    body["model"] = "claude-sonnet-4-6"
    assert not hits(body, "MS016") and hits(body, "MS015")
    # whitespace before the final message is not trailing
    assert not hits(conv(user("Hi "), assistant("Well,"), model="claude-haiku-4-5-20251001"), "MS016")


# ---------------------------------------------------------------------- stop sequences


def test_stop_sequences() -> None:
    # BerriAI/litellm#3286: "each stop sequence must contain non-whitespace"
    body = minimal(stop_sequences=["END", " ", "", 7, "\n\nHuman:"])
    assert [f.path for f in hits(body, "MS017")] == ["/stop_sequences/1", "/stop_sequences/2", "/stop_sequences/3"]
    assert not hits(minimal(stop_sequences="END"), "MS017")  # the wrong type is the shape family's


# ---------------------------------------------------------------------- conversation shape


def test_consecutive_roles_are_info() -> None:
    found = hits(conv(user("A"), user("B"), assistant("C"), assistant("D"), user("E")), "MS018")
    assert [(f.path, f.severity) for f in found] == [("/messages/1/role", "info"), ("/messages/3/role", "info")]
    with_system = conv(user("A"), {"role": "system", "content": "Be brief."}, assistant("B"), user("C"), model="claude-opus-4-8")
    assert not hits(with_system, "MS018")


def test_assistant_first_by_surface() -> None:
    # anthropics/anthropic-sdk-typescript#622: accepted by the Claude API, rejected by Bedrock
    body = conv(assistant("Hello! How can I help?"), user("My order is late."))
    assert [f.severity for f in hits(body, "MS019")] == ["warning"]
    body["model"] = "global.anthropic.claude-sonnet-4-6"
    assert [f.severity for f in hits(body, "MS019", surface="bedrock")] == ["error"]
    invoke = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 1024, "messages": body["messages"]}
    endpoint = "/model/global.anthropic.claude-sonnet-4-6/invoke"
    assert [f.severity for f in hits(invoke, "MS019", surface="bedrock-invoke", endpoint=endpoint)] == ["error"]


def test_legacy_mid_conversation_block() -> None:
    block = {"type": "mid_conv_system", "content": [{"type": "text", "text": "Answer in French."}]}
    found = hits(conv(user([{"type": "text", "text": "Hi"}, block]), model="claude-opus-4-8"), "MS020")
    assert [(f.path, f.severity) for f in found] == [("/messages/0/content/1/type", "warning")]


def test_rules_apply_inside_batches() -> None:
    batch = {"requests": [{"custom_id": "a1", "params": conv(user(""), user("Hi"))}]}
    report = validate(batch, endpoint="/v1/messages/batches", as_of=DATE)
    assert "/requests/0/params/messages/0/content" in [f.path for f in report.findings if f.code == "MS005"]


# ---------------------------------------------------------------------- robustness

BLOCK_TYPES = ["text", "image", "tool_use", "tool_result", "thinking", "redacted_thinking", "server_tool_use",
               "web_search_tool_result", "document", "mid_conv_system", "bogus", None]
KEYS = ["type", "text", "id", "input", "name", "tool_use_id", "content", "thinking", "signature", "data", "cache_control", "source"]
values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=6) | st.sampled_from(BLOCK_TYPES),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(KEYS), children, max_size=4),
    max_leaves=20,
)
blocks = st.dictionaries(st.sampled_from(KEYS), values, max_size=5) | values
messages = st.lists(
    st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant", "system", "tool", None])},
                          optional={"content": st.text(max_size=5) | st.lists(blocks, max_size=4) | values}) | values,
    max_size=6,
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(messages, st.sampled_from(["claude-opus-4-8", "claude-haiku-4-5-20251001", "claude-sonnet-5-5"]), values)
def test_message_rules_never_raise(msgs: Any, model: str, system: Any) -> None:
    report = validate({"model": model, "max_tokens": 1024, "messages": msgs, "system": system, "stop_sequences": msgs}, as_of=DATE)
    broken = [f.message for f in report.findings if f.code == "PF900" and any(c in f.message for c in (" MS0", " TL0", " TC0"))]
    assert not broken


def test_deep_and_large_histories() -> None:
    deep: Any = {"type": "text", "text": "leaf"}
    for _ in range(50_000):
        deep = {"type": "tool_result", "tool_use_id": "toolu_1", "content": [deep]}
    body = conv(user("Q"), assistant([{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}]), user([deep]), tools=[WEATHER])
    report = run(body)
    assert "PF900" not in report.codes()
    many = [user("x"), assistant("y")] * 20_000 + [user("z")]
    assert "PF900" not in run(conv(*many)).codes()


def test_ms016_is_a_warning_on_count_tokens() -> None:
    body = {"model": "claude-haiku-4-5", "messages": [{"role": "user", "content": "Continue the story."},
                                                      {"role": "assistant", "content": "Once upon a time "}]}
    counted = validate(body, endpoint="/v1/messages/count_tokens", as_of="2026-11-24")
    sent = validate({**body, "max_tokens": 256}, as_of="2026-11-24")
    assert [f.severity for f in counted.findings if f.code == "MS016"] == ["warning"]
    assert [f.severity for f in sent.findings if f.code == "MS016"] == ["error"]


def test_tool_changes_belong_in_system_messages() -> None:
    change = {"type": "tool_addition", "tool": {"type": "tool_reference", "name": "search_docs"}}
    base = [{"role": "user", "content": "Weather in Seattle?"}, {"role": "assistant", "content": "52F."}]
    headers = {"anthropic-beta": "mid-conversation-tool-changes-2026-07-01"}
    in_system = validate({"model": "claude-opus-5", "max_tokens": 1024, "messages": [*base, {"role": "system", "content": [change]}]},
                         headers=headers, as_of="2026-08-01")
    in_user = validate({"model": "claude-opus-5", "max_tokens": 1024, "messages": [*base, {"role": "user", "content": [change]}]},
                       headers=headers, as_of="2026-08-01")
    assert not {"SM008", "MS010"} & set(in_system.codes()), in_system.findings
    assert "MS010" in in_user.codes()


def test_ms007_whitespace_beside_tool_calls_is_a_warning() -> None:
    # llm-anthropic's recorded 200: the model's own " " before two tool calls, replayed
    tool = {"name": "pelican_name_generator", "description": "", "input_schema": {"type": "object", "properties": {}}}
    calls = [{"type": "tool_use", "id": f"toolu_01{n}", "name": "pelican_name_generator", "input": {}} for n in "AB"]
    body = {"model": "claude-haiku-4-5-20251001", "max_tokens": 8192, "tools": [tool], "messages": [
        {"role": "user", "content": [{"type": "text", "text": "Two names for a pet pelican"}]},
        {"role": "assistant", "content": [{"type": "text", "text": " "}, *calls]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01A", "content": "Charles"},
                                     {"type": "tool_result", "tool_use_id": "toolu_01B", "content": "Sammy"}]}]}
    assert [f.severity for f in validate(body, as_of="2026-04-05").findings if f.code == "MS007"] == ["warning"]
    body["messages"][1]["content"] = [{"type": "text", "text": "\n\n"}]
    body["messages"][2] = {"role": "user", "content": "Go on."}
    assert [f.severity for f in validate(body, as_of="2026-04-05").findings if f.code == "MS007"] == ["error"]
