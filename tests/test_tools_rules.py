"""Tools family (TL): custom tools, Anthropic-defined tool types, tool_choice, tool_use/tool_result
pairing and the structured-outputs schema subset. Edge cases both ways, from real reports."""

from __future__ import annotations

import time
from typing import Any

import pytest

from claude_preflight import validate
from claude_preflight.checks import _schema_subset as subset
from conftest import minimal

DATE = "2026-11-24"
WEATHER = {"name": "get_weather", "description": "Weather for a city", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}


def run(body: Any, **kwargs: Any) -> Any:
    return validate(body, as_of=kwargs.pop("as_of", DATE), **kwargs)


def hits(body: Any, code: str, **kwargs: Any) -> list[Any]:
    return [f for f in run(body, **kwargs).findings if f.code == code]


def paths(body: Any, code: str, **kwargs: Any) -> list[str]:
    return [f.path for f in hits(body, code, **kwargs)]


def with_tools(*tools: Any, model: str = "claude-sonnet-4-6", **extra: Any) -> dict[str, Any]:
    return minimal(model, tools=list(tools), **extra)


def tool(name: str, schema: Any = None, **extra: Any) -> dict[str, Any]:
    found = {"name": name, "description": f"The {name} tool", "input_schema": schema if schema is not None else {"type": "object", "properties": {}}}
    found.update(extra)
    return found


def strict_tool(name: str, properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required if required is not None else list(properties), "additionalProperties": False}
    return tool(name, schema, strict=True, **extra)


def conv(*messages: dict[str, Any], tools: list[Any] | None = None, model: str = "claude-sonnet-4-6", **extra: Any) -> dict[str, Any]:
    return minimal(model, messages=list(messages), tools=tools if tools is not None else [WEATHER], **extra)


def use(ident: str, name: str = "get_weather") -> dict[str, Any]:
    return {"type": "tool_use", "id": ident, "name": name, "input": {"city": "Paris"}}


def result(ident: str, content: str = "18C") -> dict[str, Any]:
    return {"type": "tool_result", "tool_use_id": ident, "content": content}


def a(*blocks: Any) -> dict[str, Any]:
    return {"role": "assistant", "content": list(blocks)}


def u(*blocks: Any) -> dict[str, Any]:
    return {"role": "user", "content": list(blocks) if len(blocks) != 1 or not isinstance(blocks[0], str) else blocks[0]}


# ---------------------------------------------------------------------- names


def test_name_pattern_boundaries() -> None:
    # modelcontextprotocol/modelcontextprotocol#1345: MCP names with dots break the API pattern
    assert not paths(with_tools(tool("a" * 128)), "TL001")
    assert paths(with_tools(tool("a" * 129)), "TL001") == ["/tools/0/name"]
    assert paths(with_tools(tool("café")), "TL001") == ["/tools/0/name"]
    assert paths(with_tools(tool("")), "TL001") == ["/tools/0/name"]
    assert paths(with_tools(tool("get_weather\n")), "TL001") == ["/tools/0/name"]
    assert paths(with_tools({"description": "x", "input_schema": {"type": "object"}}), "TL001") == ["/tools/0"]


def test_long_names_are_info_only() -> None:
    found = hits(with_tools(tool("a" * 65)), "TL002")
    assert [f.severity for f in found] == ["info"]
    assert not hits(with_tools(tool("a" * 64)), "TL002")
    assert not hits(with_tools(tool("a" * 129)), "TL002")  # TL001 reports it


def test_duplicate_names_across_kinds() -> None:
    # anthropics/claude-code#10687 and LibreChat#13162: a custom web_search next to the server tool
    body = with_tools({"type": "web_search_20250305", "name": "web_search"}, tool("web_search"), tool("other"), tool("other"))
    assert paths(body, "TL003") == ["/tools/1/name", "/tools/3/name"]
    # toolsets carry no name and are not counted
    toolsets = with_tools({"type": "computer_toolset_20260801"}, {"type": "browser_toolset_20260801"}, model="claude-opus-5-5")
    assert not paths(toolsets, "TL003")


# ---------------------------------------------------------------------- input_schema


def test_input_schema_shape() -> None:
    assert paths(with_tools({"name": "x", "parameters": {"type": "object"}}), "TL004") == ["/tools/0"]
    assert "parameters" in hits(with_tools({"name": "x", "parameters": {"type": "object"}}), "TL004")[0].message
    assert paths(with_tools(tool("x", "{}")), "TL004") == ["/tools/0/input_schema"]
    found = hits(with_tools(tool("x", {"properties": {}})), "TL004")
    assert found[0].edits[0].path == "/tools/0/input_schema/type"
    assert paths(with_tools(tool("x", {"type": ["object", "null"]})), "TL004") == ["/tools/0/input_schema/type"]


def test_metaschema_problems() -> None:
    # anthropics/claude-code#7365: "JSON schema is invalid. It must match JSON Schema draft 2020-12"
    draft4 = tool("x", {"type": "object", "properties": {"n": {"type": "number", "minimum": 0, "exclusiveMinimum": True}}})
    assert paths(with_tools(draft4), "TL005") == ["/tools/0/input_schema/properties/n/exclusiveMinimum"]
    tuple_items = tool("x", {"type": "object", "properties": {"p": {"type": "array", "items": [{"type": "number"}, {"type": "number"}]}}})
    assert paths(with_tools(tuple_items), "TL005") == ["/tools/0/input_schema/properties/p/items"]


def test_metaschema_no_false_positives() -> None:
    # ECMA-262 patterns that Python's re cannot compile, unknown keywords, $defs, booleans
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "pattern": "^\\p{L}+$", "format": "not-a-known-format"},
            "tags": {"type": "array", "items": {"$ref": "#/$defs/tag"}, "prefixItems": [{"type": "string"}]},
            "extra": True,
            "legacy": {"nullable": True, "type": "string", "x-order": 3},
        },
        "$defs": {"tag": {"type": "string", "enum": ["a", "b"]}},
        "definitions": {"old": {"type": "integer"}},
        "additionalProperties": {"type": "string"},
    }
    assert not paths(with_tools(tool("x", schema)), "TL005")


def test_metaschema_cache_and_odd_values() -> None:
    schema = {"type": "object", "properties": {f"p{i}": {"type": "string", "description": "x" * 50} for i in range(200)}}
    body = with_tools(*[tool(f"t{i}", schema) for i in range(30)])
    run(body)
    started = time.perf_counter()
    for _ in range(5):
        run(body)
    assert time.perf_counter() - started < 2.0
    assert subset.metaschema_problem({"type": "object", "x": float("nan")}) is None  # not JSON: not judged
    deep: Any = {"type": "object"}
    for _ in range(5_000):
        deep = {"type": "object", "properties": {"p": deep}}
    assert subset.metaschema_problem(deep) is None  # too deep to judge; never raises
    assert "PF900" not in run(with_tools(tool("deep", deep), strict_tool("s", {"p": deep}))).codes()


def test_nullable_top_level_schema_fields() -> None:
    # the SDK's InputSchemaTyped types properties and required as optional (null allowed)
    assert not paths(with_tools(tool("x", {"type": "object", "properties": None, "required": None})), "TL005")


def test_custom_tool_fields() -> None:
    allowed = tool("x", eager_input_streaming=True, defer_loading=True, input_examples=[{}], allowed_callers=["direct"], type="custom")
    assert not paths(with_tools(allowed, {"type": "tool_search_tool_regex_20251119", "name": "tool_search_tool_regex"}), "TL006")
    openai = tool("x", function={"name": "x"}, parameters={"type": "object"})
    assert sorted(paths(with_tools(openai), "TL006")) == ["/tools/0/function", "/tools/0/parameters"]


# ---------------------------------------------------------------------- Anthropic-defined tools


def test_unknown_types_get_suggestions() -> None:
    found = hits(with_tools({"type": "web_search_20250306", "name": "web_search"}), "TL007")
    assert found and "web_search_20250305" in found[0].message
    assert paths(with_tools({"type": 7, "name": "x"}), "TL007") == ["/tools/0/type"]
    assert not paths(with_tools({"type": None, **tool("x")}), "TL007")  # type null means custom
    assert paths(with_tools("get_weather"), "TL007") == ["/tools/0"]


def test_fixed_names_and_toolsets() -> None:
    assert paths(with_tools({"type": "bash_20250124"}), "TL008") == ["/tools/0"]
    found = hits(with_tools({"type": "computer_toolset_20260801", "name": "computer"}, model="claude-opus-5-5"), "TL008")
    assert found and found[0].edits[0].op == "remove"
    assert not paths(with_tools({"type": "bash_20250124", "name": "bash"}), "TL008")


def test_tool_fields_per_version() -> None:
    location = {"type": "approximate", "city": "Paris", "country": "FR"}
    assert not paths(with_tools({"type": "web_search_20250305", "name": "web_search", "user_location": location}), "TL009")
    assert paths(with_tools({"type": "web_search_20250305", "name": "web_search", "response_inclusion": "full"}), "TL009") == ["/tools/0/response_inclusion"]
    assert not paths(with_tools({"type": "web_search_20260318", "name": "web_search", "response_inclusion": "full"}), "TL009")
    found = hits(with_tools({"type": "bash_20250124", "name": "bash", "input_schema": {"type": "object"}}), "TL009")
    assert "built-in schema" in found[0].message


def test_required_tool_fields() -> None:
    body = with_tools({"type": "mcp_toolset"}, headers={"anthropic-beta": "mcp-client-2025-11-20"})
    assert [f.message for f in hits(body, "TL010")] == ["mcp_toolset needs 'mcp_server_name'"]


def test_beta_tools_and_header_knowledge() -> None:
    computer = {"type": "computer_20250124", "name": "computer", "display_width_px": 1024, "display_height_px": 768}
    body = with_tools(computer, model="claude-opus-4-8")
    assert [f.severity for f in hits(body, "TL011")] == ["warning"]  # headers unknown
    assert [f.severity for f in hits(body, "TL011", headers={"anthropic-version": "2023-06-01"})] == ["error"]
    assert not hits(body, "TL011", headers={"anthropic-version": "2023-06-01", "anthropic-beta": "computer-use-2025-01-24"})


def test_model_refuses_tool_version() -> None:
    # avante-corp/avante.nvim#2736: "'claude-sonnet-4-5-20250929' does not support tool types: text_editor_20250429"
    editor = {"type": "text_editor_20250429", "name": "str_replace_based_edit_tool"}
    assert paths(with_tools(editor, model="claude-sonnet-4-5"), "TL012") == ["/tools/0/type"]  # alias resolves
    assert not paths(with_tools(editor, model="claude-opus-4-8"), "TL012")  # no refusal found for it
    computer = {"type": "computer_20251124", "name": "computer", "display_width_px": 1024, "display_height_px": 768}
    assert paths(with_tools(computer, model="claude-opus-5-5"), "TL012") == ["/tools/0/type"]
    assert not paths(with_tools({"type": "web_fetch_20250910", "name": "web_fetch"}, model="claude-opus-4-8"), "TL012")
    assert paths(with_tools({"type": "web_fetch_20250910", "name": "web_fetch"}, model="claude-opus-5"), "TL012") == ["/tools/0/type"]


def test_tool_versions_per_surface() -> None:
    endpoint = "/v1/projects/p/locations/global/publishers/anthropic/models/claude-sonnet-4-6:rawPredict"
    base = {"anthropic_version": "vertex-2023-10-16", "max_tokens": 1024, "messages": [{"role": "user", "content": "Hi"}]}
    old = dict(base, tools=[{"type": "web_search_20250305", "name": "web_search"}])
    new = dict(base, tools=[{"type": "web_search_20260318", "name": "web_search"}])
    assert not paths(old, "TL013", surface="vertex", endpoint=endpoint)
    assert paths(new, "TL013", surface="vertex", endpoint=endpoint) == ["/tools/0/type"]
    assert not paths(with_tools({"type": "web_search_20260318", "name": "web_search"}), "TL013", surface="anthropic")
    # a surface without the feature at all is reported once, by the surfaces family
    bedrock = with_tools({"type": "web_search_20260318", "name": "web_search"}, model="global.anthropic.claude-sonnet-4-6")
    report = run(bedrock, surface="bedrock")
    assert "SF001" in report.codes() and "TL013" not in report.codes()


# ---------------------------------------------------------------------- tool_choice


def test_tool_choice_shapes() -> None:
    assert paths(with_tools(WEATHER, tool_choice={"type": "auto", "name": "get_weather"}), "TL014") == ["/tool_choice/name"]
    assert paths(with_tools(WEATHER, tool_choice={"type": "any", "disable_parallel_tool_use": "yes"}), "TL014") == ["/tool_choice/disable_parallel_tool_use"]
    assert paths(with_tools(WEATHER, tool_choice={"name": "get_weather"}), "TL014") == ["/tool_choice"]
    assert paths(with_tools(WEATHER, tool_choice={"type": "tool", "name": 3}), "TL014") == ["/tool_choice/name"]
    found = hits(with_tools(WEATHER, tool_choice={"type": "function", "function": {"name": "get_weather"}}), "TL014")
    assert len(found) == 1 and "tool" in found[0].message
    for ok in ({"type": "auto"}, {"type": "any", "disable_parallel_tool_use": False}, {"type": "none"}):
        assert not hits(with_tools(WEATHER, tool_choice=ok), "TL014")
    # none + disable_parallel_tool_use is TL015 only
    body = with_tools(WEATHER, tool_choice={"type": "none", "disable_parallel_tool_use": True})
    assert paths(body, "TL015") == ["/tool_choice/disable_parallel_tool_use"] and not hits(body, "TL014")


def test_tool_choice_name_must_exist() -> None:
    assert paths(minimal(tool_choice={"type": "tool", "name": "get_weather"}), "TL016") == ["/tool_choice/name"]
    assert not hits(with_tools({"type": "web_search_20250305", "name": "web_search"}, tool_choice={"type": "tool", "name": "web_search"}), "TL016")
    body = with_tools({"type": "mcp_toolset", "mcp_server_name": "github"}, tool_choice={"type": "tool", "name": "create_issue"},
                      mcp_servers=[{"type": "url", "url": "https://mcp.example.com/sse", "name": "github"}])
    assert [f.severity for f in hits(body, "TL016", headers={"anthropic-version": "2023-06-01", "anthropic-beta": "mcp-client-2025-11-20"})] == ["warning"]


def test_forced_tool_choice_by_model_and_thinking() -> None:
    body = with_tools(WEATHER, model="claude-sonnet-5-5", tool_choice={"type": "any"}, thinking={"type": "disabled"})
    assert paths(body, "TL017") == ["/tool_choice/type"]
    # thinking on (the model's default): TH006 reports, TL017 stays silent
    del body["thinking"]
    report = run(body)
    assert "TH006" in report.codes() and "TL017" not in report.codes()
    assert not hits(with_tools(WEATHER, model="claude-opus-4-8", tool_choice={"type": "any"}), "TL017")


# ---------------------------------------------------------------------- pairing


def test_unanswered_tool_use() -> None:
    # anthropics/claude-code#5989: a user message inserted before the tool results
    body = conv(u("Weather?"), a(use("toolu_01")), u("Never mind, thanks."))
    assert paths(body, "TL018") == ["/messages/1/content/0"]
    final = conv(u("Weather?"), a(use("toolu_01")), model="claude-haiku-4-5-20251001")
    assert [f.severity for f in hits(final, "TL018")] == ["warning"]


def test_merged_turns_and_system_messages() -> None:
    # consecutive assistant messages are one turn: the tool_use in the first is answered
    body = conv(u("Weather?"), a({"type": "text", "text": "Checking."}), a(use("toolu_01")), u(result("toolu_01")))
    assert not [f for f in run(body).findings if f.code in ("TL018", "TL019", "TL020")]
    # results split over two user messages are merged too
    body = conv(u("Weather?"), a(use("toolu_01"), use("toolu_02")), u(result("toolu_01")), u(result("toolu_02")))
    assert not [f for f in run(body).findings if f.code in ("TL018", "TL019", "TL020")]
    # a system message between the call and the result is SM007's, not a pairing error
    body = conv(u("Time?"), a(use("toolu_01")), {"role": "system", "content": "Times are UTC."}, u(result("toolu_01")), model="claude-opus-4-8")
    report = run(body)
    assert "SM007" in report.codes() and not {"TL018", "TL019"} & set(report.codes())


def test_orphan_results_and_order() -> None:
    # anthropics/claude-code#13460 and #37
    assert paths(conv(u(result("toolu_01"))), "TL019") == ["/messages/0/content/0/tool_use_id"]
    body = conv(u("Weather?"), a(use("toolu_01")), u({"type": "text", "text": "Result:"}, result("toolu_01"), {"type": "text", "text": "ok"}))
    assert paths(body, "TL020") == ["/messages/2/content/0"]
    body = conv(u("Weather?"), a(use("toolu_01")), u("Here:"), u(result("toolu_01")))
    assert paths(body, "TL020") == ["/messages/2/content"]


def test_duplicates_and_id_patterns() -> None:
    # anthropics/claude-code#28515 and sipeed/picoclaw#1793
    body = conv(u("Weather?"), a(use("toolu_01"), use("toolu_01")), u(result("toolu_01"), result("toolu_01")))
    assert paths(body, "TL021") == ["/messages/1/content/1/id"]
    assert paths(body, "TL022") == ["/messages/2/content/1"]
    # BlockRunAI/ClawRouter#17 and ding113/claude-code-hub#470
    assert paths(conv(u("W?"), a(use("")), u(result(""))), "TL023") == ["/messages/1/content/0/id"]
    assert not paths(conv(u("W?"), a(use("call_abc-123")), u(result("call_abc-123"))), "TL023")
    server = {"type": "server_tool_use", "id": "srvtoolu_01AbC_9", "name": "web_search", "input": {"query": "x"}}
    ws = [{"type": "web_search_20250305", "name": "web_search"}]
    assert not paths(conv(u("Q"), a(server, {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_01AbC_9", "content": []}), u("ok"), tools=ws), "TL024")
    foreign = dict(server, id="srvtoolu-01")
    assert paths(conv(u("Q"), a(foreign, {"type": "web_search_tool_result", "tool_use_id": "srvtoolu-01", "content": []}), u("ok"), tools=ws), "TL024") == ["/messages/1/content/0/id"]


def test_server_results_within_merged_turn() -> None:
    # anthropics/claude-code#64383: an advisor result without its server_tool_use
    server = {"type": "server_tool_use", "id": "srvtoolu_01A", "name": "web_search", "input": {"query": "x"}}
    outcome = {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_01A", "content": []}
    ws = [{"type": "web_search_20250305", "name": "web_search"}]
    # a paused turn continued in a second assistant message: the same turn
    assert not paths(conv(u("Q"), a(server), a(outcome, {"type": "text", "text": "Found."}), u("ok"), tools=ws), "TL025")
    assert paths(conv(u("Q"), a(outcome, server), u("ok"), tools=ws), "TL025") == ["/messages/1/content/0/tool_use_id"]
    advisor = {"type": "advisor_tool_result", "tool_use_id": "srvtoolu_01Z", "content": {"type": "advisor_result", "text": "ok"}}
    assert paths(conv(u("Q"), a(advisor, {"type": "text", "text": "Done."}), u("ok")), "TL025") == ["/messages/1/content/0/tool_use_id"]


# ---------------------------------------------------------------------- strict schemas


def test_strict_only_applies_to_strict_tools_and_output_schemas() -> None:
    loose = tool("rate", {"type": "object", "properties": {"n": {"type": "integer", "minimum": 1}}})
    report = run(with_tools(loose))
    assert not [f for f in report.findings if f.code.startswith("TL02") or f.code.startswith("TL03")]
    legacy = minimal(output_format={"type": "json_schema", "schema": {"type": "object", "properties": {"n": {"type": "integer", "minimum": 1}}}})
    assert "/output_format/schema/properties/n/minimum" in paths(legacy, "TL027")
    assert "/output_format/schema" in paths(legacy, "TL026")


def test_additional_properties_everywhere() -> None:
    # ax-llm/ax#458 and BerriAI/litellm#35808
    schema_tool = strict_tool("save", {
        "meta": {"type": "object", "properties": {"k": {"type": "string"}}, "additionalProperties": True},
        "items": {"type": "array", "items": {"$ref": "#/$defs/item"}},
    })
    schema_tool["input_schema"]["$defs"] = {"item": {"type": ["object", "null"], "properties": {}}}
    found = paths(with_tools(schema_tool), "TL026")
    assert sorted(found) == ["/tools/0/input_schema/$defs/item", "/tools/0/input_schema/properties/meta/additionalProperties"]


def test_keywords_in_schema_position_only() -> None:
    # a property named "minimum" or "format" is not a keyword
    schema_tool = strict_tool("range", {"minimum": {"type": "number"}, "format": {"type": "string"}, "pattern": {"type": "string"}})
    report = run(with_tools(schema_tool))
    assert not [f for f in report.findings if f.code in ("TL027", "TL029", "TL031")]
    nested = strict_tool("nested", {"list": {"type": "array", "items": {"anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}]}, "minItems": 2}})
    assert paths(with_tools(nested), "TL027") == ["/tools/0/input_schema/properties/list/items/anyOf/0/maxLength"]
    assert paths(with_tools(nested), "TL028") == ["/tools/0/input_schema/properties/list/minItems"]
    assert not paths(with_tools(strict_tool("ok", {"list": {"type": "array", "items": {"type": "string"}, "minItems": 1}})), "TL028")
    assert paths(with_tools(strict_tool("bool", {"list": {"type": "array", "items": {"type": "string"}, "minItems": True}})), "TL028")


@pytest.mark.parametrize(
    ("pattern", "construct"),
    [
        ("^(a)\\1$", "backreference"),
        ("^(?<y>a)\\k<y>$", "named backreference"),
        ("\\bword\\b", "word boundary"),
        ("^(?!admin).*$", "negative lookahead"),
        ("(?<=\\$)[0-9]+", "lookbehind"),
        ("(?<!x)y", "negative lookbehind"),
    ],
)
def test_regex_constructs_refused(pattern: str, construct: str) -> None:
    found = subset.unsupported_regex(pattern)
    assert found is not None and found.startswith(construct)


@pytest.mark.parametrize("pattern", ["^[A-Z]{3}-[0-9]{4}$", "\\\\b", "[\\b]", "(?:ab)+", "(?<name>x)", "[]b]", "[^]\\b]", "\\d+\\.\\d+", "a\\"])
def test_regex_constructs_allowed(pattern: str) -> None:
    assert subset.unsupported_regex(pattern) is None


def test_enum_and_format() -> None:
    schema_tool = strict_tool("pick", {"size": {"enum": ["s", 1, True, None, [1, 2]]}, "when": {"type": "string", "format": "date-time"}, "site": {"type": "string", "format": "url"}})
    assert paths(with_tools(schema_tool), "TL030") == ["/tools/0/input_schema/properties/size/enum/4"]
    assert paths(with_tools(schema_tool), "TL029") == ["/tools/0/input_schema/properties/site/format"]


def test_references() -> None:
    def with_defs(props: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
        found = strict_tool("tree", props)
        found["input_schema"]["$defs"] = defs
        return with_tools(found)

    closed = {"additionalProperties": False}
    mutual = with_defs({"a": {"$ref": "#/$defs/A"}}, {
        "A": {"type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}, "required": ["b"], **closed},
        "B": {"type": "object", "properties": {"a": {"$ref": "#/$defs/A"}}, "required": ["a"], **closed},
    })
    assert sorted(paths(mutual, "TL032")) == ["/tools/0/input_schema/$defs/A/properties/b", "/tools/0/input_schema/$defs/B/properties/a"]
    shared = with_defs({"a": {"$ref": "#/$defs/A"}, "b": {"$ref": "#/$defs/A"}}, {"A": {"type": "string"}})
    assert not paths(shared, "TL032")
    chain = with_defs({"a": {"$ref": "#/$defs/A"}}, {"A": {"type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}, "required": ["b"], **closed}, "B": {"type": "string"}})
    assert not paths(chain, "TL032")
    root = strict_tool("r", {"child": {"$ref": "#"}})
    assert paths(with_tools(root), "TL032") == ["/tools/0/input_schema/properties/child"]
    external = strict_tool("e", {"x": {"$ref": "https://example.com/schema.json"}})
    assert paths(with_tools(external), "TL032") == ["/tools/0/input_schema/properties/x"]
    wrapped = with_defs({"x": {"allOf": [{"$ref": "#/$defs/A"}]}}, {"A": {"type": "string"}})
    assert paths(wrapped, "TL032") == ["/tools/0/input_schema/properties/x"]


def test_complexity_limits_count_across_schemas() -> None:
    tools = [strict_tool(f"t{i:02}", {}) for i in range(20)]
    assert not paths(with_tools(*tools), "TL033")
    assert paths(with_tools(*tools, strict_tool("t20", {})), "TL033") == ["/tools/20/strict"]
    # optional properties: 12 in a tool plus 13 in the output schema
    optional_tool = strict_tool("form", {f"f{i}": {"type": "string"} for i in range(12)}, required=[])
    output = {"type": "object", "additionalProperties": False, "properties": {f"g{i}": {"type": "string"} for i in range(13)}}
    body = with_tools(optional_tool, output_config={"format": {"type": "json_schema", "schema": output}})
    assert paths(body, "TL034") == ["/output_config/format/schema"]
    output["required"] = ["g0"]
    assert not paths(body, "TL034")
    # union properties: anyOf and type arrays count, a single-type array does not
    unions = {f"u{i}": {"anyOf": [{"type": "string"}, {"type": "integer"}]} for i in range(10)}
    unions.update({f"n{i}": {"type": ["string", "null"]} for i in range(6)})
    unions["single"] = {"type": ["string"]}
    assert not paths(with_tools(strict_tool("u", unions)), "TL035")
    unions["more"] = {"type": ["integer", "null"]}
    assert paths(with_tools(strict_tool("u", unions)), "TL035") == ["/tools/0/input_schema/properties/more"]


def test_strict_with_programmatic_calling() -> None:
    direct = strict_tool("d", {}, allowed_callers=["direct"])
    assert not paths(with_tools(direct), "TL036")
    both = strict_tool("d", {}, allowed_callers=["direct", "code_execution_20260120"])
    found = hits(with_tools(both), "TL036")
    assert found and "code_execution_20260120" in found[0].message


def test_pathological_schemas_are_bounded() -> None:
    wide = {f"p{i}": {"type": "object", "properties": {}} for i in range(500)}
    body = with_tools(strict_tool("wide", wide))
    assert len(hits(body, "TL026")) == subset.MAX_HITS
    deep: Any = {"type": "object", "properties": {}}
    for _ in range(3_000):
        deep = {"type": "object", "properties": {"p": deep}, "required": ["p"]}
    started = time.perf_counter()
    report = run(with_tools(strict_tool("deep", {"p": deep})))
    assert time.perf_counter() - started < 5.0
    assert "PF900" not in report.codes()
    assert 0 < len([f for f in report.findings if f.code == "TL026"]) <= subset.MAX_HITS


# ---------------------------------------------------------------------- TL041 server tool results dropped


def test_tl041_paused_turn_is_not_judged() -> None:
    call = {"type": "server_tool_use", "id": "srvtoolu_01A", "name": "web_search", "input": {"query": "release notes"}}
    result = {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_01A", "content": []}
    text = {"type": "text", "text": "Three features."}
    def body(assistant: list[Any], after: list[Any]) -> dict[str, Any]:
        return {"model": "claude-sonnet-4-6", "max_tokens": 1024, "tools": [{"type": "web_search_20250305", "name": "web_search"}],
                "messages": [{"role": "user", "content": "What changed?"}, {"role": "assistant", "content": assistant}, *after]}
    follow = [{"role": "user", "content": "Which matters most?"}]
    assert [f.path for f in run(body([call, text], follow)).findings if f.code == "TL041"] == ["/messages/1/content/0"]
    assert not [f for f in run(body([call, result, text], follow)).findings if f.code == "TL041"]
    assert not [f for f in run(body([call], [])).findings if f.code == "TL041"]  # paused: resumed as the last message
    assert not [f for f in run(body([text, call], follow)).findings if f.code == "TL041"]  # paused on the call


def test_tl041_in_flight_call_followed_by_client_calls_is_not_judged() -> None:
    # pydantic-ai's recorded 200: [server_tool_use, tool_use], then the client tool's result only
    body = {"model": "claude-sonnet-4-5", "max_tokens": 1024,
            "tools": [{"type": "web_search_20250305", "name": "web_search"},
                      {"name": "add", "description": "Add two numbers", "input_schema": {"type": "object", "properties": {"a": {"type": "number"}}}}],
            "messages": [{"role": "user", "content": "Search, then add."},
                         {"role": "assistant", "content": [
                             {"type": "server_tool_use", "id": "srvtoolu_01Eo", "name": "web_search", "input": {"query": "x"}},
                             {"type": "tool_use", "id": "toolu_01Ad", "name": "add", "input": {"a": 1}}]},
                         {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01Ad", "content": "2"}]}]}
    assert "TL041" not in run(body).codes()
