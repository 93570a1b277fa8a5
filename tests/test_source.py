"""Call sites in Python and TypeScript source: what is read, what is known, where findings point."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from claude_preflight.files.checking import Checker, Options
from claude_preflight.files.documents import FileProblem
from claude_preflight.report import Finding
from claude_preflight.source import SOURCE_SUFFIXES, check_source, check_source_file, read_source
from claude_preflight.source.model import SourceDocument

AS_OF = "2026-12-04"
PY_HEAD = "import anthropic\nclient = anthropic.Anthropic()\n"
TS_HEAD = "import Anthropic from '@anthropic-ai/sdk';\nconst client = new Anthropic();\n"


def py(body: str, **kwargs: object) -> list[Finding]:
    return check_source("app.py", PY_HEAD + textwrap.dedent(body), as_of=AS_OF, **kwargs)  # type: ignore[arg-type]


def ts(body: str, suffix: str = ".ts", **kwargs: object) -> list[Finding]:
    return check_source("app" + suffix, TS_HEAD + textwrap.dedent(body), as_of=AS_OF, **kwargs)  # type: ignore[arg-type]


def where(findings: list[Finding]) -> set[tuple[str, int, int]]:
    return {(f.code, f.line or 0, f.column or 0) for f in findings}


def codes(findings: list[Finding]) -> set[str]:
    return {f.code for f in findings}


# ----------------------------------------------------------------------------- positions and certainty


def test_literal_temperature_on_opus_48_is_flagged_at_the_argument() -> None:
    found = py("""\
        client.messages.create(
            model="claude-opus-4-8",
            max_tokens=1024,
            temperature=0.7,
            messages=[{"role": "user", "content": "Hello"}],
        )
        """)
    assert where(found) == {("SP002", 6, 17)}
    assert found[0].file == "app.py" and found[0].path == "/temperature"


def test_typescript_property_is_flagged_at_its_value() -> None:
    found = ts("""\
        await client.messages.create({
          model: 'claude-opus-4-8',
          max_tokens: 1024,
          temperature: 0.7,
          messages: [{ role: 'user', content: 'Hello' }],
        });
        """)
    assert where(found) == {("SP002", 6, 16)}


def test_columns_count_characters_not_utf8_bytes() -> None:
    found = py('client.messages.create(system="héllo wörld", model="claude-opus-4-8", max_tokens=5, temperature=1, messages=[])\n')
    sp002 = [f for f in found if f.code == "SP002"]
    line = ('client.messages.create(system="héllo wörld", model="claude-opus-4-8", max_tokens=5, temperature=1, messages=[])')
    assert sp002 and sp002[0].column == line.index("temperature=1") + len("temperature=") + 1


def test_kwargs_make_missing_fields_unknown_but_literals_still_count() -> None:
    found = py("""\
        def go(**params):
            client.messages.create(model="claude-opus-4-8", temperature=0.2, **params)
        """)
    assert codes(found) == {"SP002"}  # no "max_tokens/messages missing"


def test_missing_required_fields_are_certain_without_kwargs() -> None:
    found = py('client.messages.create(model="claude-opus-4-8", messages=[{"role": "user", "content": "x"}])\n')
    assert "SH002" in codes(found)


def test_variables_are_unknown_not_absent() -> None:
    found = py("""\
        def go(prompt, budget, limit):
            client.messages.create(
                model="claude-opus-4-6",
                max_tokens=limit,
                thinking={"type": "enabled", "budget_tokens": budget},
                messages=[{"role": "user", "content": prompt}],
            )
        """)
    # No "budget_tokens missing", no "message without content", no budget/max_tokens comparison.
    assert codes(found) <= {"TH009"}


def test_certain_part_of_a_partly_known_object_still_fires() -> None:
    found = py("""\
        def go(budget):
            client.messages.create(model="claude-opus-4-8", max_tokens=64000,
                                   thinking={"type": "enabled", "budget_tokens": budget},
                                   messages=[{"role": "user", "content": "x"}])
        """)
    assert "TH001" in codes(found)


def test_module_constant_is_resolved_and_reported_at_its_use() -> None:
    found = py("""\
        MODEL = "claude-opus-4-8"
        client.messages.create(model=MODEL, max_tokens=10, temperature=0.5,
                               messages=[{"role": "user", "content": "x"}])
        """)
    assert where(found) == {("SP002", 4, 64)}


def test_reassigned_module_name_is_not_a_constant() -> None:
    found = py("""\
        MODEL = "claude-3-opus-20240229"
        MODEL = pick_model()
        client.messages.create(model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "x"}])
        """)
    assert found == []


def test_typescript_spread_order_decides_what_is_known() -> None:
    overridden = ts("""\
        export async function go(rest: any) {
          await client.messages.create({ model: 'claude-opus-4-8', temperature: 1, ...rest });
        }
        """)
    written_after = ts("""\
        export async function go(rest: any) {
          await client.messages.create({ ...rest, model: 'claude-opus-4-8', temperature: 1 });
        }
        """)
    assert overridden == []
    assert codes(written_after) == {"SP002"}


def test_python_dict_spread_hides_the_keys_before_it() -> None:
    found = py("""\
        def go(extra):
            client.messages.create(model="claude-opus-4-8", max_tokens=64000,
                                   thinking={"type": "enabled", **extra},
                                   messages=[{"role": "user", "content": "x"}])
        """)
    assert found == []


def test_list_with_a_starred_element_is_unknown() -> None:
    found = py("""\
        def go(history):
            client.messages.create(model="claude-opus-4-8", max_tokens=10,
                                   messages=[*history, {"role": "assistant", "content": "Sure "}])
        """)
    assert found == []


def test_undefined_members_are_dropped_like_json_stringify_does() -> None:
    assert ts("await client.messages.create({ model: 'claude-opus-4-8', max_tokens: 5, temperature: undefined, messages: [{ role: 'user', content: 'x' }] });\n") == []


# ----------------------------------------------------------------------------- SDK merging


def test_extra_body_is_merged_into_the_body() -> None:
    found = py("""\
        client.messages.create(model="claude-opus-4-8", max_tokens=10,
                               messages=[{"role": "user", "content": "x"}],
                               extra_body={"top_k": 5})
        """)
    assert where(found) == {("SP002", 5, 45)}


def test_unknown_extra_body_opens_the_body() -> None:
    found = py("""\
        def go(extra):
            client.messages.create(model="claude-opus-4-8", extra_body=extra)
        """)
    assert found == []


def test_betas_become_the_beta_header() -> None:
    call = """\
        client.beta.messages.create(model="claude-opus-4-8", max_tokens=10,
                                    messages=[{{"role": "user", "content": "x"}}],
                                    context_management={{"edits": [{{"type": "clear_tool_uses_20250919"}}]}}{extra})
        """
    missing = py(call.format(extra=""))
    given = py(call.format(extra=', betas=["context-management-2025-06-27"]'))
    in_headers = py(call.format(extra=', extra_headers={"anthropic-beta": "context-management-2025-06-27"}'))
    unknown = py(call.format(extra=", betas=BETAS"))
    assert [f.severity for f in missing if f.code == "SH007"] == ["error"]
    assert "SH007" not in codes(given) | codes(in_headers)
    assert [f.severity for f in unknown if f.code == "SH007"] == ["warning"]  # may be in BETAS


def test_typescript_betas_and_request_option_headers() -> None:
    body = "{ model: 'claude-opus-4-8', max_tokens: 10, messages: [{ role: 'user', content: 'x' }], context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] }%s }"
    plain, with_betas = body % "", body % ", betas: ['context-management-2025-06-27']"
    missing = ts("await client.beta.messages.create(" + plain + ");\n")
    given = ts("await client.beta.messages.create(" + with_betas + ");\n")
    option = ts("await client.beta.messages.create(" + plain + ", { headers: { 'anthropic-beta': 'context-management-2025-06-27' } });\n")
    assert "SH007" in codes(missing)
    assert "SH007" not in codes(given) | codes(option)


def test_stream_count_tokens_and_batches() -> None:
    stream = py('client.messages.stream(model="claude-opus-4-8", max_tokens=10, messages=[{"role": "user", "content": "x"}])\n')
    counted = py('client.messages.count_tokens(model="claude-opus-4-8", messages=[{"role": "user", "content": "x"}])\n')
    batch = py("""\
        client.messages.batches.create(requests=[
            {"custom_id": "a", "params": {"model": "claude-opus-4-8", "max_tokens": 10,
                                          "temperature": 0.3,
                                          "messages": [{"role": "user", "content": "x"}]}},
        ])
        """)
    docs = [d for d in read_source("a.py", PY_HEAD + 'client.messages.stream(model="m", max_tokens=1, messages=[])\n')]
    assert isinstance(docs[0], SourceDocument) and docs[0].body["stream"] is True
    assert stream == [] and counted == []  # count_tokens takes no max_tokens
    assert where(batch) == {("SP002", 5, 50)}


def test_typed_dict_constructors_build_objects() -> None:
    found = check_source("b.py", textwrap.dedent("""\
        import anthropic
        from anthropic.types.message_create_params import MessageCreateParamsNonStreaming
        from anthropic.types.messages.batch_create_params import Request
        client = anthropic.Anthropic()
        client.messages.batches.create(requests=[
            Request(custom_id="a", params=MessageCreateParamsNonStreaming(
                model="claude-opus-4-8", max_tokens=10, top_p=0.5,
                messages=[{"role": "user", "content": "x"}])),
        ])
        """), as_of=AS_OF)
    assert where(found) == {("SP002", 7, 55)}


# ----------------------------------------------------------------------------- clients and surfaces


@pytest.mark.parametrize(("construct", "surface"), [
    ("anthropic.Anthropic()", "anthropic"),
    ("anthropic.AsyncAnthropic()", "anthropic"),
    ("anthropic.AnthropicBedrock()", "bedrock-invoke"),
    ("anthropic.AnthropicVertex(region='global', project_id='p')", "vertex"),
    ("anthropic.AnthropicFoundry()", "foundry"),
    ("anthropic.AnthropicAWS(workspace_id='w')", "aws-platform"),
])
def test_client_class_fixes_the_surface(construct: str, surface: str) -> None:
    text = f"import anthropic\nclient = {construct}\nclient.messages.create(model='m', max_tokens=1, messages=[])\n"
    docs = list(read_source("c.py", text))
    assert [d.surface for d in docs if isinstance(d, SourceDocument)] == [surface]


def test_bedrock_moves_the_model_into_the_route_and_reports_at_the_model() -> None:
    text = textwrap.dedent("""\
        from anthropic import AnthropicBedrock
        bedrock = AnthropicBedrock()
        bedrock.messages.create(
            model="anthropic.claude-3-opus-20240229-v1:0",
            max_tokens=10, messages=[{"role": "user", "content": "x"}])
        """)
    doc = next(d for d in read_source("d.py", text) if isinstance(d, SourceDocument))
    assert doc.endpoint == "POST /model/anthropic.claude-3-opus-20240229-v1:0/invoke"
    assert doc.body["anthropic_version"] == "bedrock-2023-05-31" and "model" not in doc.body
    lifecycle = [f for f in check_source("d.py", text, as_of=AS_OF) if f.code.startswith("LC")]
    assert lifecycle and {(f.line, f.column) for f in lifecycle} == {(4, 11)}


def test_unknown_model_on_a_route_surface_says_nothing_about_the_route() -> None:
    text = "from anthropic import AnthropicVertex\nv = AnthropicVertex()\ndef go(m):\n    v.messages.create(model=m, max_tokens=10, messages=[{'role': 'user', 'content': 'x'}])\n"
    assert check_source("e.py", text, as_of=AS_OF) == []


def test_typescript_bedrock_package() -> None:
    text = textwrap.dedent("""\
        import AnthropicBedrock from '@anthropic-ai/bedrock-sdk';
        const client = new AnthropicBedrock();
        await client.messages.create({ model: 'anthropic.claude-opus-4-7', max_tokens: 10, top_k: 3,
          messages: [{ role: 'user', content: 'x' }] });
        """)
    found = check_source("f.ts", text, as_of=AS_OF)
    assert ("SP002", 3, 91) in where(found)


def test_other_libraries_messages_create_is_ignored() -> None:
    twilio = textwrap.dedent("""\
        import anthropic
        from twilio.rest import Client
        client = Client("sid", "token")
        client.messages.create(to="+1555", from_="+1556", body="hi", temperature=3)
        """)
    no_import = 'client.messages.create(model="claude-opus-4-8", temperature=1)\n'
    assert list(read_source("t.py", twilio)) == []
    assert list(read_source("u.py", no_import)) == []
    assert list(read_source("v.ts", "client.messages.create({model: 'claude-opus-4-8', temperature: 1});\n")) == []


def test_commonjs_require_and_namespace_import() -> None:
    required = "const Anthropic = require('@anthropic-ai/sdk');\nconst c = new Anthropic();\nc.messages.create({ model: 'claude-opus-4-8', max_tokens: 5, temperature: 0, messages: [] });\n"
    namespace = "import * as sdk from '@anthropic-ai/sdk';\nconst c = new sdk.Anthropic();\nc.messages.create({ model: 'claude-opus-4-8', max_tokens: 5, temperature: 0, messages: [] });\n"
    assert "SP002" in codes(check_source("r.js", required, as_of=AS_OF))
    assert "SP002" in codes(check_source("n.mts", namespace, as_of=AS_OF))


def test_tsx_and_jsx_files_parse() -> None:
    tsx = TS_HEAD + "const C = () => <div>{String(client.messages.create({ model: 'claude-opus-4-8', max_tokens: 5, temperature: 1, messages: [] }))}</div>;\n"
    assert "SP002" in codes(check_source("c.tsx", tsx, as_of=AS_OF))
    assert "SP002" in codes(check_source("c.jsx", tsx.replace("<div>", "<div >"), as_of=AS_OF))


# ----------------------------------------------------------------------------- suppressions and the CLI step


def test_inline_suppressions_in_both_comment_styles() -> None:
    python = py("""\
        client.messages.create(model="claude-opus-4-8", max_tokens=5, messages=[],
                               temperature=1)  # claude-preflight: ignore[SP002]
        """)
    typescript = ts("""\
        await client.messages.create({
          model: 'claude-opus-4-8', max_tokens: 5, messages: [],
          // claude-preflight: ignore[SP002]
          temperature: 1,
        });
        """)
    other_code = py("""\
        client.messages.create(model="claude-opus-4-8", max_tokens=5, messages=[],
                               temperature=1)  # claude-preflight: ignore[LC002]
        """)
    assert "SP002" not in codes(python) | codes(typescript)
    assert "SP002" in codes(other_code)


def test_a_directive_inside_a_string_is_not_a_comment() -> None:
    found = py("""\
        client.messages.create(model="claude-opus-4-8", max_tokens=5, messages=[], temperature=1, system="# claude-preflight: ignore")
        """)
    assert "SP002" in codes(found)


def test_check_source_file_reports_unused_directives_and_problems(tmp_path: Path, catalogue: object) -> None:
    good = tmp_path / "agent.py"
    good.write_text(PY_HEAD + "client.messages.create(model='claude-opus-4-8', max_tokens=5, messages=M)  # claude-preflight: ignore[SP002]\n")
    bad = tmp_path / "broken.py"
    bad.write_bytes(b"import anthropic\nx = '\xff'\n")
    checker = Checker(Options(catalogue=catalogue, as_of=None))  # type: ignore[arg-type]
    unused = check_source_file(checker, good)
    broken = check_source_file(checker, bad)
    assert [f.code for f in unused.findings] == ["CF002"] and unused.requests == 1
    assert broken.problems and "UTF-8" in broken.problems[0].message


def test_source_suffixes_cover_python_and_scripts() -> None:
    assert {".py", ".ts", ".tsx", ".js", ".mjs", ".cjs", ".jsx"} <= set(SOURCE_SUFFIXES)


def test_importing_the_package_does_not_import_tree_sitter() -> None:
    code = "import sys, claude_preflight.source; assert 'tree_sitter' not in sys.modules and 'claude_preflight.engine.runner' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
    code = "import sys, claude_preflight; assert 'claude_preflight.source' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_tree_sitter_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from claude_preflight.source import typescript

    typescript._parser.cache_clear()
    monkeypatch.setitem(sys.modules, "tree_sitter", None)
    try:
        items = list(read_source("x.ts", TS_HEAD + "client.messages.create({});\n"))
    finally:
        typescript._parser.cache_clear()
    assert len(items) == 1 and isinstance(items[0], FileProblem)
    assert "claude-preflight[source]" in items[0].message


def test_size_bounds_hold_only_when_the_unknown_text_cannot_change_them() -> None:
    call = """\
        client.messages.create(model="claude-opus-4-8", max_tokens=10,
                               system=[{{"type": "text", "text": {text}, "cache_control": {{"type": "ephemeral"}}}}],
                               messages=[{{"role": "user", "content": "x"}}])
        """
    literal = py(call.format(text='"You are brief."'))
    unknown = py("def go(prompt):\n" + textwrap.indent(textwrap.dedent(call.format(text="prompt")), "    "))
    assert "CA005" in codes(literal)  # a short literal prefix is certainly below the minimum
    assert "CA005" not in codes(unknown)  # the prompt may be long enough


def test_user_profile_id_is_a_header_parameter_not_a_body_field() -> None:
    found = py('client.messages.create(model="claude-opus-4-8", max_tokens=5, messages=[{"role": "user", "content": "x"}], user_profile_id="u_1")\n')
    typescript = ts("await client.messages.create({ model: 'claude-opus-4-8', max_tokens: 5, messages: [{ role: 'user', content: 'x' }], user_profile_id: 'u_1' });\n")
    assert "SH003" not in codes(found) | codes(typescript)
    doc = next(d for d in read_source("a.py", PY_HEAD + 'client.messages.create(model="m", user_profile_id="u_1")\n') if isinstance(d, SourceDocument))
    assert doc.headers["anthropic-user-profile-id"] == "u_1" and "user_profile_id" not in doc.body


def test_a_client_from_a_local_factory_is_still_an_sdk_client() -> None:
    found = py("""\
        def _claude():
            return anthropic.Anthropic()
        def go():
            client = _claude()
            client.messages.create(model="claude-opus-4-8", max_tokens=5, temperature=0.1,
                                   messages=[{"role": "user", "content": "x"}])
        """)
    foreign_ts = check_source("o.ts", "import Anthropic from '@anthropic-ai/sdk';\nimport Twilio from 'twilio';\nconst client = new Twilio('a', 'b');\nclient.messages.create({ model: 'claude-opus-4-8', temperature: 1 });\n", as_of=AS_OF)
    assert codes(found) == {"SP002"}
    assert foreign_ts == []


def test_sniffing_takes_only_files_that_name_the_sdk(tmp_path: Path) -> None:
    from claude_preflight.source import sniff_source_file, source_kind

    (tmp_path / "a.py").write_text("import anthropic\n")
    (tmp_path / "b.py").write_text("import os\n")
    (tmp_path / "c.ts").write_text("import Anthropic from '@anthropic-ai/sdk';\n")
    (tmp_path / "d.ts").write_text("const anthropic = 1;\n")
    assert [sniff_source_file(tmp_path / n) for n in ("a.py", "b.py", "c.ts", "d.ts")] == [True, False, True, False]
    assert sniff_source_file(tmp_path / "missing.py")  # reading it reports why
    kind = source_kind()
    assert kind.name == "source" and ".py" in kind.suffixes


def test_a_constant_shadowed_by_a_parameter_is_not_resolved() -> None:
    python = py("""\
        MODEL = "claude-opus-4-8"
        def go(MODEL):
            client.messages.create(model=MODEL, max_tokens=5, temperature=1, messages=[{"role": "user", "content": "x"}])
        """)
    typescript = ts("""\
        const MODEL = 'claude-opus-4-8';
        export async function go(MODEL: string) {
          await client.messages.create({ model: MODEL, max_tokens: 5, temperature: 1, messages: [{ role: 'user', content: 'x' }] });
        }
        """)
    unshadowed = ts("""\
        const MODEL = 'claude-opus-4-8';
        export async function go(model: string) {
          await client.messages.create({ model: MODEL, max_tokens: 5, temperature: 1, messages: [{ role: 'user', content: 'x' }] });
        }
        """)
    assert python == [] and typescript == []
    assert codes(unshadowed) == {"SP002"}


def test_copied_clients_and_raw_response_wrappers_send_the_same_request() -> None:
    body = 'model="claude-opus-4-8", max_tokens=5, top_k=2, messages=[{"role": "user", "content": "x"}]'
    raw = py(f"client.messages.with_raw_response.create({body})\n")
    copied = py(f"client.with_options(timeout=5).messages.create({body})\n")
    bedrock = check_source("w.py", f"import anthropic\nb = anthropic.AnthropicBedrock()\nb.with_options(max_retries=1).messages.create({body.replace('claude-opus-4-8', 'global.anthropic.claude-opus-4-8')})\n", as_of=AS_OF)
    typescript = ts("await client.withOptions({ timeout: 5 }).messages.create({ model: 'claude-opus-4-8', max_tokens: 5, top_k: 2, messages: [{ role: 'user', content: 'x' }] });\n")
    assert codes(raw) == codes(copied) == codes(bedrock) == codes(typescript) == {"SP002"}


def test_type_annotations_name_the_client_class() -> None:
    python = check_source("p.py", textwrap.dedent("""\
        from anthropic import AnthropicBedrock, Anthropic
        a = Anthropic()
        def ask(client: "AnthropicBedrock | None"):
            client.messages.create(model="global.anthropic.claude-opus-4-8", max_tokens=5, top_k=1,
                                   messages=[{"role": "user", "content": "x"}])
        """), as_of=AS_OF)
    typescript = check_source("p.ts", textwrap.dedent("""\
        import Anthropic from '@anthropic-ai/sdk';
        import { AnthropicBedrock } from '@anthropic-ai/bedrock-sdk';
        const a = new Anthropic();
        class Agent {
          constructor(private client: AnthropicBedrock) {}
          ask() {
            return this.client.messages.create({ model: 'global.anthropic.claude-opus-4-8', max_tokens: 5, top_k: 1,
              messages: [{ role: 'user', content: 'x' }] });
          }
        }
        """), as_of=AS_OF)
    # On the Claude API a Bedrock model ID would be PF004; as a Bedrock call only top_k is wrong.
    assert codes(python) == codes(typescript) == {"SP002"}


def test_an_unknown_client_with_a_bedrock_model_id_is_checked_as_a_bedrock_call() -> None:
    call = "import anthropic\n\ndef ask(client):\n    client.messages.create(model={model!r}, max_tokens=5, top_k=1, messages=[{{'role': 'user', 'content': 'x'}}])\n"
    bedrock = check_source("u.py", call.format(model="global.anthropic.claude-opus-4-8"), as_of=AS_OF)
    first_party = check_source("u.py", call.format(model="claude-opus-4-8"), as_of=AS_OF)
    configured = check_source("u.py", call.format(model="global.anthropic.claude-opus-4-8"), as_of=AS_OF, surface="anthropic")
    assert codes(bedrock) == codes(first_party) == {"SP002"}  # no "Bedrock ID on the Claude API"
    assert "PF004" in codes(configured)  # a configured surface is taken at its word


def test_calls_the_sdk_refuses_to_send_are_not_requests() -> None:
    text = "import anthropic\nc = anthropic.AnthropicBedrock()\nc.messages.count_tokens(model='global.anthropic.claude-opus-4-8', messages=[])\n"
    assert list(read_source("b.py", text)) == []  # "Token counting is not supported in Bedrock yet"
