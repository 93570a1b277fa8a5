"""Hostile source files give a per-file problem, never a traceback; other files are still checked."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_preflight.files.checking import Checker, Options
from claude_preflight.files.documents import Document, FileProblem
from claude_preflight.source import MAX_SOURCE_CHARS, check_source_file, inline_suppressions, read_source

PY = "import anthropic\nclient = anthropic.Anthropic()\n"
TS = "import Anthropic from '@anthropic-ai/sdk';\nconst client = new Anthropic();\n"
CALL_PY = "client.messages.create(model='claude-opus-4-8', max_tokens=5, temperature=1, messages=[{'role': 'user', 'content': 'x'}])\n"

HOSTILE = {
    "syntax.py": (PY + "def (:\n", (3, 5)),
    "syntax.ts": (TS + "const x = {{{;\n", None),
    "nested_brackets.py": (PY + "x = " + "[" * 50_000 + "]" * 50_000 + "\n", None),
    "long_sum.py": (PY + "x = 1" + "+1" * 200_000 + "\n", None),
    "nul.py": (PY + "x = 1\x00\n", None),
    "surrogate.py": (PY + "s = '\ud800'\n", None),
    "huge.py": (PY + "#" * (MAX_SOURCE_CHARS + 1) + "\n", None),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_text_is_a_problem_with_a_position(name: str) -> None:
    text, position = HOSTILE[name]
    items = list(read_source(name, text))
    assert len(items) == 1 and isinstance(items[0], FileProblem), items
    problem = items[0]
    assert problem.file == name and problem.line >= 1 and problem.column >= 1 and problem.message
    if position is not None:
        assert (problem.line, problem.column) == position


def test_deeply_nested_typescript_is_read_without_recursion() -> None:
    deep_array = TS + "const x = " + "[" * 100_000 + "]" * 100_000 + ";\n"
    deep_argument = TS + "client.messages.create(" + "{a:" * 20_000 + "1" + "}" * 20_000 + ");\n"
    assert list(read_source("a.ts", deep_array)) == []
    items = list(read_source("b.ts", deep_argument))
    assert len(items) == 1 and isinstance(items[0], Document)  # the too-deep part is simply unknown


def test_files_without_the_sdk_are_not_parsed() -> None:
    assert list(read_source("big.py", "x = (" * 10 + "\n")) == []  # a syntax error, but no SDK import
    assert list(read_source("big.ts", "const = ;")) == []


def test_one_bad_file_does_not_stop_the_others(tmp_path: Path, catalogue: object) -> None:
    (tmp_path / "a_bad.py").write_bytes(PY.encode() + b"x = '\xff\xfe'\n")
    (tmp_path / "b_syntax.ts").write_text(TS + "client.messages.create({ model: 'x', ")
    (tmp_path / "c_good.py").write_text(PY + CALL_PY)
    checker = Checker(Options(catalogue=catalogue, as_of=None))  # type: ignore[arg-type]
    results = [check_source_file(checker, p) for p in sorted(tmp_path.iterdir())]
    assert [bool(r.problems) for r in results] == [True, True, False]
    assert [f.code for f in results[2].findings] == ["SP002"]


def test_a_directory_or_missing_file_is_a_problem(tmp_path: Path, catalogue: object) -> None:
    checker = Checker(Options(catalogue=catalogue, as_of=None))  # type: ignore[arg-type]
    assert check_source_file(checker, tmp_path / "missing.py").problems
    (tmp_path / "dir.py").mkdir()
    assert check_source_file(checker, tmp_path / "dir.py").problems


_SNIPPETS = st.sampled_from([
    "client.messages.create(", "client.beta.messages.create(", "client.messages.batches.create(requests=[",
    "model=", "'claude-opus-4-8'", "temperature=0.5", "**kw", "*a", "{", "}", "[", "]", "(", ")", ",", ":",
    "...rest", "{model: 'm'", "extra_body=", "betas=[", "'x'", "1e309", "-0", "None", "undefined", "`t${x}`",
    "# claude-preflight: ignore[SP002]\n", "// claude-preflight: ignore\n", "\n", "    ", "\t", "\\", "\"", "'",
    "f'{x}'", "b'x'", "\u00e9", "\ud800", "\x00", "/*", "*/", "lambda: 0", "async ", "await ",
])
_TEXT = st.one_of(st.text(max_size=300), st.lists(_SNIPPETS, max_size=40).map("".join))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_TEXT, suffix=st.sampled_from([".py", ".ts", ".tsx", ".js"]))
def test_arbitrary_text_never_raises(text: str, suffix: str) -> None:
    head = PY if suffix == ".py" else TS
    for candidate in (text, head + text):
        for item in read_source("f" + suffix, candidate):
            assert isinstance(item, (Document, FileProblem))
            assert not isinstance(item, FileProblem) or "internal error" not in item.message
        inline_suppressions("f" + suffix, candidate)
