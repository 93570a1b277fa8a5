"""Source fixes: remove the offending item, replace a literal; keep everything else as written."""

from __future__ import annotations

import ast
import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from claude_preflight.source import check_source, fix_source

AS_OF = "2026-12-04"
HEAD = "import anthropic\nclient = anthropic.Anthropic()\n"
TS_HEAD = "import Anthropic from '@anthropic-ai/sdk';\nconst client = new Anthropic();\n"


def fixed(text: str, path: str = "a.py", **kwargs: object) -> str:
    return fix_source(path, text, as_of=AS_OF, **kwargs).text  # type: ignore[arg-type]


def test_removes_a_keyword_argument_line() -> None:
    before = HEAD + textwrap.dedent("""\
        reply = client.messages.create(
            model="claude-opus-4-8",
            max_tokens=1024,
            temperature=0.7,  # creative
            messages=[{"role": "user", "content": "Hello"}],
        )
        """)
    after = HEAD + textwrap.dedent("""\
        reply = client.messages.create(
            model="claude-opus-4-8",
            max_tokens=1024,
            messages=[{"role": "user", "content": "Hello"}],
        )
        """)
    result = fix_source("a.py", before, as_of=AS_OF)
    assert result.text == after
    assert [a.code for a in result.applied] == ["SP002"]


def test_removes_the_last_argument_with_and_without_trailing_comma() -> None:
    one_line = HEAD + 'client.messages.create(model="claude-opus-4-8", max_tokens=5, messages=[], temperature=1)\n'
    trailing = HEAD + 'client.messages.create(\n    model="claude-opus-4-8",\n    max_tokens=5,\n    messages=[],\n    temperature=1,\n)\n'
    assert fixed(one_line) == HEAD + 'client.messages.create(model="claude-opus-4-8", max_tokens=5, messages=[])\n'
    assert fixed(trailing) == HEAD + 'client.messages.create(\n    model="claude-opus-4-8",\n    max_tokens=5,\n    messages=[],\n)\n'


def test_removes_neighbouring_items_and_the_only_item_of_a_dict() -> None:
    before = HEAD + 'client.messages.create(model="claude-opus-4-8", temperature=1, top_p=0.9, top_k=5, max_tokens=5, messages=M, extra_body={"top_k": 3})\n'
    after = HEAD + 'client.messages.create(model="claude-opus-4-8", max_tokens=5, messages=M, extra_body={})\n'
    assert fixed(before) == after


def test_typescript_property_removal() -> None:
    before = TS_HEAD + textwrap.dedent("""\
        await client.messages.create({
          model: 'claude-opus-4-8',
          temperature: 0.2,
          max_tokens: 5,
          messages: [{ role: 'user', content: 'x' }],
          top_p: 0.5
        });
        """)
    after = TS_HEAD + textwrap.dedent("""\
        await client.messages.create({
          model: 'claude-opus-4-8',
          max_tokens: 5,
          messages: [{ role: 'user', content: 'x' }]
        });
        """)
    assert fixed(before, "a.ts") == after


def test_fixing_is_idempotent_and_leaves_no_fixable_finding() -> None:
    before = HEAD + 'client.messages.create(model="claude-opus-4-8", max_tokens=5, temperature=0, top_k=1, messages=M)\n'
    once = fixed(before)
    assert fixed(once) == once
    assert not [f for f in check_source("a.py", once, as_of=AS_OF) if f.fix_safety == "safe"]


def test_suppressed_findings_are_not_fixed() -> None:
    before = HEAD + 'client.messages.create(model="claude-opus-4-8", max_tokens=5, messages=M, temperature=1)  # claude-preflight: ignore[SP002]\n'
    assert fixed(before) == before


def test_unknown_values_are_never_edited() -> None:
    before = HEAD + "def go(t, **kw):\n    client.messages.create(model='claude-opus-4-8', temperature=t, **kw)\n"
    # t may be anthropic.omit (or undefined in TypeScript): even its presence is not known.
    assert check_source("a.py", before, as_of=AS_OF) == []
    assert fixed(before) == before


def test_retired_model_string_is_replaced_only_when_unsafe_fixes_are_allowed() -> None:
    before = HEAD + 'MODEL = "claude-sonnet-4-20250514"\nclient.messages.create(model=MODEL, max_tokens=5, messages=M)\n'
    assert fixed(before) == before  # the replacement is an unsafe fix in the catalogue
    result = fix_source("a.py", before, as_of=AS_OF, unsafe=True)
    assert [a.code for a in result.applied] == ["LC002"]
    changed = [line for line in result.text.splitlines() if line not in before.splitlines()]
    assert len(changed) == 1 and changed[0].startswith('MODEL = "claude-') and "20250514" not in changed[0]
    assert not [f for f in check_source("a.py", result.text, as_of=AS_OF) if f.code == "LC002"]


# ----------------------------------------------------------------------------- property


_ITEMS = {
    "model": '"claude-opus-4-8"',
    "max_tokens": "1024",
    "messages": '[{"role": "user", "content": "hi"}]',
    "temperature": "0.7",
    "top_k": "4",
    "system": '"be brief"',
}


@st.composite
def calls(draw: st.DrawFn) -> tuple[str, set[str]]:
    names = draw(st.permutations(list(_ITEMS)))
    keep = [n for n in names if n in ("model", "max_tokens", "messages") or draw(st.booleans())]
    separator = draw(st.sampled_from([", ", ",\n    ", " ,  ", ",\n\n        "]))
    opening = draw(st.sampled_from(["", "\n    "]))
    closing = draw(st.sampled_from(["", ",", ",\n", "\n"]))
    comment = draw(st.sampled_from(["", "  # note"]))
    items = [f"{n}={_ITEMS[n]}" for n in keep]
    body = "client.messages.create(" + opening + separator.join(items) + closing + ")" + comment + "\n"
    return HEAD + body, set(keep)


@settings(max_examples=60, deadline=None)
@given(calls())
def test_fix_keeps_valid_python_and_only_removes_rejected_items(case: tuple[str, set[str]]) -> None:
    text, written = case
    once = fixed(text)
    tree = ast.parse(once)
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "create")
    assert {k.arg for k in call.keywords} == written - {"temperature", "top_k"}
    assert fixed(once) == once


def test_fix_source_file_writes_atomically_keeps_a_bom_and_diff_writes_nothing(tmp_path, catalogue) -> None:  # type: ignore[no-untyped-def]
    from claude_preflight.files.checking import Options
    from claude_preflight.source import fix_source_file

    options = Options(catalogue=catalogue, as_of=None)
    path = tmp_path / "agent.py"
    original = b"\xef\xbb\xbf" + (HEAD + 'client.messages.create(model="claude-opus-4-8", max_tokens=5, messages=M, top_k=3)\n').encode()
    path.write_bytes(original)
    preview = fix_source_file(path, options, diff=True)
    assert preview.diff and "-client.messages.create" in preview.diff and not preview.written
    assert path.read_bytes() == original
    done = fix_source_file(path, options)
    assert done.written and [a.code for a in done.applied] == ["SP002"] and done.remaining == []
    assert path.read_bytes() == b"\xef\xbb\xbf" + (HEAD + 'client.messages.create(model="claude-opus-4-8", max_tokens=5, messages=M)\n').encode()
    again = fix_source_file(path, options)
    assert not again.written and not again.applied


def test_fix_source_file_never_touches_a_file_that_does_not_parse(tmp_path, catalogue) -> None:  # type: ignore[no-untyped-def]
    from claude_preflight.files.checking import Options
    from claude_preflight.source import fix_source_file

    path = tmp_path / "broken.py"
    text = HEAD + 'client.messages.create(model="claude-opus-4-8", top_k=3\n'
    path.write_text(text)
    outcome = fix_source_file(path, Options(catalogue=catalogue, as_of=None))
    assert outcome.problems and not outcome.written and path.read_text() == text


_TS_ITEMS = {
    "model": "'claude-opus-4-8'",
    "max_tokens": "1024",
    "messages": "[{ role: 'user', content: 'hi' }]",
    "temperature": "0.7",
    "top_p": "0.9",
    "system": "`be brief`",
}


@st.composite
def ts_calls(draw: st.DrawFn) -> tuple[str, set[str]]:
    names = draw(st.permutations(list(_TS_ITEMS)))
    keep = [n for n in names if n in ("model", "max_tokens", "messages") or draw(st.booleans())]
    separator = draw(st.sampled_from([", ", ",\n  ", " , ", ",\n  // note\n  "]))
    closing = draw(st.sampled_from(["", ",", ",\n", "\n"]))
    items = [f"{n}: {_TS_ITEMS[n]}" for n in keep]
    newline = "\r\n" if draw(st.booleans()) else "\n"
    body = "await client.messages.create({" + separator.join(items) + closing + "});" + newline
    return TS_HEAD.replace("\n", newline) + body, set(keep)


@settings(max_examples=60, deadline=None)
@given(ts_calls())
def test_typescript_fix_keeps_valid_source_and_only_removes_rejected_items(case: tuple[str, set[str]]) -> None:
    from claude_preflight.source.model import SourceDocument
    from claude_preflight.source import read_source

    text, written = case
    once = fixed(text, "a.ts")
    docs = [d for d in read_source("a.ts", once) if isinstance(d, SourceDocument)]
    assert len(docs) == 1 and docs[0].call is not None
    assert set(docs[0].call.body) == written - {"temperature", "top_p"}
    assert fixed(once, "a.ts") == once
    assert once.endswith(text[-2:])  # the line ending after the call is kept
