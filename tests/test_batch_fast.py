"""The fast batch path: orjson reads (``documents.fast_loads``) and the direct batch-entry path
of ``files.batch`` give exactly what the standard library path gives, both ways."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_preflight.catalogue import Catalogue, load_catalogue
from claude_preflight.files import batch, documents
from claude_preflight.files.checking import Checker, FileResult, Options

orjson = pytest.importorskip("orjson")

AS_OF = "2026-11-24T12:00:00Z"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture()
def options(catalogue: Catalogue) -> Options:
    from claude_preflight.dates import parse_moment

    return Options(catalogue=catalogue, as_of=parse_moment(AS_OF))


@pytest.fixture()
def stdlib_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The standard-library path only (as without the ``fast`` extra)."""
    monkeypatch.setattr(documents, "_FAST", [None])
    yield


def _plain(text: str) -> tuple[Any, bool, bool]:
    """The standard library's value, and whether the text has duplicate keys or NaN/Infinity."""
    reader = documents.JsonReader()
    data = reader.loads_plain(text)
    return data, reader.duplicates, reader.nonfinite


def _exact(value: Any) -> Any:
    """A form of ``value`` that tells apart what ``==`` does not (int/float/bool, -0.0, NaN, key order)."""
    kind = type(value)
    if kind is dict:
        return ("dict", [(k, _exact(v)) for k, v in value.items()])
    if kind is list:
        return ("list", [_exact(v) for v in value])
    if kind is float:
        return ("float", value.hex() if math.isfinite(value) else repr(value))
    return (kind.__name__, value)


def _agrees(raw: bytes) -> None:
    """``fast_loads`` is UNSURE, or the standard library reads the same value with no reader finding."""
    fast = documents.fast_loads(raw)
    try:
        text = raw.decode("utf-8")
        expected = _plain(text)
    except (ValueError, RecursionError):
        assert fast is documents.UNSURE, raw[:200]
        return
    if fast is documents.UNSURE:
        return
    data, duplicates, nonfinite = expected
    assert not duplicates and not nonfinite, raw[:200]
    assert _exact(fast) == _exact(data), raw[:200]


# ----------------------------------------------------------------------------- arbitrary JSON text

_NUMBERS = st.one_of(
    st.integers().map(str),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.from_regex(r"-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,25})?([eE][+-]?[0-9]{1,3})?", fullmatch=True),
    st.sampled_from(["-0", "-0.0", "1e400", "-1e400", "1e-400", "18446744073709551615", "18446744073709551616",
                     "-9223372036854775808", "-9223372036854775809", "2.4703282292062328e-324", "1.7976931348623159e308",
                     "NaN", "Infinity", "-Infinity", "01", "1.", ".5", "+1"]),
)
_ESCAPES = st.sampled_from(["\\u003a", "\\u003A", "\\ud800", "\\udc00", "\\ud83d\\ude80", "\\ud83d", "\\n", "\\\\", "\\/",
                            "\\\"", "\\u0000", "\\x", "\\u12"])
_CHUNKS = st.one_of(st.text(max_size=6), _ESCAPES, st.sampled_from([":", "::", "\t", "\x00", "\x7f", "\u2028", "é", "🚀"]))
_STRINGS = st.lists(_CHUNKS, max_size=4).map(lambda parts: '"' + "".join(parts) + '"')
_KEYS = st.one_of(st.sampled_from(['"a"', '"b"', '"a:"', '":"', '"\\u003a"', '"k"', '"model"']), _STRINGS)
_SPACE = st.sampled_from(["", " ", "\n", "\r\n", "\t", "  ", "\x0c"])
_JSON = st.recursive(
    st.one_of(_NUMBERS, _STRINGS, st.sampled_from(["true", "false", "null", "[]", "{}"])),
    lambda inner: st.lists(st.tuples(_SPACE, inner), max_size=4).map(lambda xs: "[" + ",".join(s + v for s, v in xs) + "]")
    | st.lists(st.tuples(_KEYS, _SPACE, inner), max_size=5).map(
        lambda kv: "{" + ",".join(f"{k}{s}:{s}{v}" for k, s, v in kv) + "}"),
    max_leaves=16,
)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_SPACE, _JSON, _SPACE)
def test_fast_and_standard_readers_agree_on_arbitrary_json_text(before: str, text: str, after: str) -> None:
    raw = (before + text + after).encode("utf-8", "surrogatepass")
    _agrees(raw)


@settings(max_examples=800, deadline=None)
@given(st.binary(max_size=60) | st.text(max_size=40).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_fast_and_standard_readers_agree_on_arbitrary_bytes(raw: bytes) -> None:
    _agrees(raw)


@settings(max_examples=1500, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False) | st.from_regex(r"-?[0-9]{1,20}(\.[0-9]{1,30})?([eE][+-]?[0-9]{1,3})?",
                                                                         fullmatch=True))
def test_numbers_read_exactly(number: Any) -> None:
    text = repr(number) if isinstance(number, float) else number
    _agrees(text.encode())
    _agrees(f'{{"temperature": {text}}}'.encode())


@pytest.mark.parametrize("raw", [
    b'{"a": 1, "a": 2}', b'{"a": {"b": 1, "b": 1}}', b'{"a": NaN}', b'[Infinity]', b'[1e400]', b'[18446744073709551616]',
    b'[-9223372036854775809]', b'["\\ud800"]', b'["\\udc00\\ud83d\\ude80"]', b'{"a\\u003a": 1, "a:": 2}', b'[' * 300 + b']' * 300,
    b'[' * 2000 + b']' * 2000, b'{"x": 1}\r', b'\xef\xbb\xbf{}', b'"\xed\xa0\x80"', b'["\xff"]', b'{"user_id": "1234567890123456789012"}',
])
def test_hard_cases_are_left_to_the_standard_library(raw: bytes) -> None:
    _agrees(raw)


def test_what_the_fast_reader_refuses() -> None:
    assert documents.fast_loads(b'{"a": 1, "a": 2}') is documents.UNSURE  # duplicate key
    assert documents.fast_loads(b"[NaN]") is documents.UNSURE
    assert documents.fast_loads(b"[18446744073709551616]") is documents.UNSURE  # a float for orjson
    assert documents.fast_loads(b'["\\u003a", {"a": 1}]') is documents.UNSURE  # an escaped colon: no proof
    assert documents.fast_loads(b"[" * 300 + b"]" * 300) is documents.UNSURE  # deeper than orjson.dumps goes
    assert documents.fast_loads(b'{"a": [1, 2.5, "x:y"], "b": {"c": null}}') == {"a": [1, 2.5, "x:y"], "b": {"c": None}}


def test_json_reader_flags_match_with_and_without_orjson(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = ['{"a": 1, "a": 2}', '{"a": NaN}', '{"a": 1}', '{"a\\u003a": 1, "a:": 2}', '[1e400]']
    fast = []
    for text in texts:
        reader = documents.JsonReader()
        fast.append((_exact(reader.loads(text)), reader.duplicates, reader.nonfinite))
    monkeypatch.setattr(documents, "_FAST", [None])
    for text, got in zip(texts, fast):
        reader = documents.JsonReader()
        assert (_exact(reader.loads(text)), reader.duplicates, reader.nonfinite) == got


# ----------------------------------------------------------------------------- whole batch files


def _lines(n: int, seed: int = 7) -> list[str]:
    """Realistic batch lines: plain chats (some with findings), tool use, odd ones."""
    rng = random.Random(seed)
    models = ["claude-sonnet-4-6", "claude-opus-4-8", "claude-haiku-4-5", "claude-3-5-sonnet-latest", "claude-sonnet-4-0"]
    found = []
    for i in range(n):
        params: dict[str, Any] = {"model": rng.choice(models), "max_tokens": rng.choice([256, 1024, 64000, 0]),
                                  "messages": [{"role": "user", "content": rng.choice(["hi", "Ελλάδα: ok", " lead", "trail ", "a:b"])}]}
        if i % 5 == 1:
            params["system"] = [{"type": "text", "text": "You help."}]
        if i % 7 == 3:
            params["temperature"] = rng.choice([0.5, 1.7, 0.30000000000000004])
        if i % 11 == 4:
            params["messages"].append({"role": "assistant", "content": [{"type": "text", "text": "ok "}]})
        if i % 13 == 6:
            params["tools"] = [{"name": "get", "description": "x", "input_schema": {"type": "object", "properties": {}}}]
        if i % 17 == 8:
            params["metadata"] = {"user_id": f"user-{i}"}
        custom_id = f"req-{i}" if i % 19 != 9 else f"bad id {i}"
        found.append(json.dumps({"custom_id": custom_id, "params": params}, ensure_ascii=bool(i % 2)))
    return found


HARD = [
    '{"custom_id": "d1", "params": {"model": "claude-sonnet-4-6", "model": "claude-opus-4-8", "max_tokens": 5, "messages": []}}',
    '{"custom_id": "d2", "params": {"model": "claude-sonnet-4-6", "max_tokens": 18446744073709551616, "messages": []}}',
    '{"custom_id": "d3", "params": {"model": "claude-sonnet-4-6", "max_tokens": 5, "temperature": NaN, "messages": []}}',
    '{"custom_id": "d4", "params": {"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": [{"role": "user", "content": "\\ud800"}]}}',
    '{"custom_id": "d5", "params": {"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": [{"role": "user", "content": "\\u003a"}]}}',
    '{"custom_id": "d6", "params": {"model": "claude-sonnet-4-6", "max_tokens": 5, "temperature": 1e400, "messages": []}}',
    '{"params": {"model": "claude-opus-4-8", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}, "custom_id": "d7"}',
    '{"custom_id": "sk-ant-api03-' + "A" * 93 + 'AA", "params": {"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": []}}',
    '{"custom_id": 7, "params": {"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}}',
    '{"custom_id": "d9", "params": {"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}, "extra": 1}',
    '{"custom_id": "req-3", "params": {"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": [{"role": "user", "content": "dup id"}]}}',
    '{"custom_id": "d10", "params": {"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}], "tools": 3}}',
    '{"custom_id": "d11", "params": "not an object"}',
    '{"custom_id": "d12", "params": {"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}}   \r',
    '{"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": [{"role": "user", "content": "bare"}]}',
    '{"body": {"model": "claude-opus-4-8", "max_tokens": 5, "top_k": 3, "messages": [{"role": "user", "content": "e"}]}, "as_of": "2026-11-24"}',
    "[" * 300 + "]" * 300,
    "not json",
    "",
    "  \u00a0 ",
    "[1, 2]",
]


# Too deep for the standard library: "nested more than about N levels" depends on the stack
# depth, which differs between the stream and the whole-file reader (as before orjson).
DEEP = "[" * 3000 + "]" * 3000


def _same(a: FileResult, b: FileResult) -> None:
    assert (a.requests, a.problems) == (b.requests, b.problems)
    assert [(f, f.line, f.column, f.file) for f in a.findings] == [(f, f.line, f.column, f.file) for f in b.findings]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"))
    return path


def _check(path: Path, options: Options, jobs: int) -> FileResult:
    return batch.check_jsonl(path, options, jobs, whole_file=Checker(options).check_whole_file, progress=False)


@pytest.mark.parametrize("jobs", [1, 2])
def test_fast_batch_path_equals_the_standard_library_path(tmp_path: Path, options: Options, monkeypatch: pytest.MonkeyPatch,
                                                          jobs: int) -> None:
    monkeypatch.setattr(batch, "MIN_PARALLEL_BYTES", 0)
    monkeypatch.setattr(batch, "RANGE_BYTES", 4096)
    lines = _lines(160)
    for index, line in enumerate(HARD):
        lines.insert(7 + 9 * index, line)
    path = _write(tmp_path / "requests.jsonl", lines)
    deep = _write(tmp_path / "deep.jsonl", lines[:50] + [DEEP] + lines[50:])
    fast, fast_deep = _check(path, options, jobs), _check(deep, options, jobs)
    whole_fast, whole_fast_deep = Checker(options).check_whole_file(path), Checker(options).check_whole_file(deep)
    monkeypatch.setattr(documents, "_FAST", [None])
    plain, plain_deep = _check(path, options, 1), _check(deep, options, jobs)  # depth: see DEEP
    whole_plain, whole_plain_deep = Checker(options).check_whole_file(path), Checker(options).check_whole_file(deep)
    assert fast.findings and fast.problems
    codes = {f.code for f in fast.findings}
    assert {"EP004", "EP005", "IN001", "IN002"} <= codes, codes
    _same(fast, plain)
    _same(whole_plain, plain)
    _same(whole_fast, plain)
    _same(fast_deep, plain_deep)
    _same(whole_fast_deep, whole_plain_deep)


def test_fast_batch_path_with_the_acceptor_off(tmp_path: Path, options: Options, monkeypatch: pytest.MonkeyPatch) -> None:
    from claude_preflight.engine import acceptor

    path = _write(tmp_path / "requests.jsonl", _lines(60) + HARD)
    on = _check(path, options, 1)
    monkeypatch.setattr(acceptor, "_ENABLED", [False])
    _same(_check(path, options, 1), on)
    monkeypatch.setattr(documents, "_FAST", [None])
    _same(_check(path, options, 1), on)


def test_repeated_findings_are_placed_on_each_line(tmp_path: Path, options: Options) -> None:
    line = '{"custom_id": "r%d", %s"params": {"model": "claude-3-5-sonnet-latest", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}}'
    lines = [line % (i, " " * i) for i in range(40)]
    result = _check(_write(tmp_path / "same.jsonl", lines), options, 1)
    model_findings = [f for f in result.findings if f.path == "/params/model"]
    assert model_findings
    for finding in model_findings:
        text = lines[finding.line - 1]  # type: ignore[operator]
        assert text[finding.column - 1:].startswith('"claude-3-5-sonnet-latest"')  # type: ignore[operator]


def test_a_secret_in_the_file_name_is_redacted_in_placed_findings(tmp_path: Path, options: Options) -> None:
    secret = "sk-ant-api03-" + "B" * 93 + "AA"
    path = _write(tmp_path / f"{secret}.jsonl", [
        '{"custom_id": "r1", "params": {"model": "claude-3-5-sonnet-latest", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}}'] * 3)
    result = _check(path, options, 1)
    assert result.findings
    assert all(secret not in (f.file or "") for f in result.findings)
