"""Hostile input, round two (issue 11): each test is built from the issue's reproducer.

Cycles and shared references, keys echoed through paths and error texts, places a key can
hide, control characters in names, hostile rule parameters, FIFOs, fixes of read-only,
hard-linked or mixed-newline files, null or non-base64 media sources, huge integers and
mappings whose methods raise. ``docs/robustness.md`` counts these tests.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Iterator

import pytest

from claude_preflight import validate
from claude_preflight.engine.scan import MAX_EXPANDED, guard, normalise
from claude_preflight.errors import PreflightError
from claude_preflight.fixing import fix
from claude_preflight.redact import PREFIX

AS_OF = "2026-11-24"
# A fake key, assembled at run time so no scanner mistakes this file for a leak.
KEY = PREFIX + "api03-" + "Zq7" * 14 + "wxyz"


def body(**extra: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"model": "claude-sonnet-4-6", "max_tokens": 256,
                             "messages": [{"role": "user", "content": "Summarise the ticket."}]}
    found.update(extra)
    return found


def run(value: Any, **kwargs: Any) -> Any:
    kwargs.setdefault("as_of", AS_OF)
    return validate(value, **kwargs)


def codes(report: Any) -> list[str]:
    return [f.code for f in report.findings]


# ---------------------------------------------------------------- 1. cycles and shared references


def test_a_body_that_contains_itself_is_a_finding() -> None:
    b = body()
    b["self"] = b
    report = run(b)
    cycle = [f for f in report.findings if f.code == "IN004"]
    assert [(f.path, f.severity) for f in cycle] == [("/self", "error")]
    assert "cycle" in cycle[0].message and not report.ok


def test_a_list_that_contains_itself_is_a_finding() -> None:
    loop: list[Any] = []
    loop.append(loop)
    report = run(body(metadata={"x": loop}))
    assert [f.path for f in report.findings if f.code == "IN004"] == ["/metadata/x/0"]


def test_a_cycle_deep_inside_messages() -> None:
    b = body()
    block: dict[str, Any] = {"type": "text", "text": "hi"}
    block["again"] = [block]
    b["messages"][0]["content"] = [block]
    assert [f.path for f in run(b).findings if f.code == "IN004"] == ["/messages/0/content/0/again/0"]


def test_shared_references_sixty_deep_are_bounded() -> None:
    x: list[Any] = []
    for _ in range(60):
        x = [x, x]  # 2**60 paths
    report = run(body(metadata=x))
    found = [f for f in report.findings if f.code == "IN004"]
    assert len(found) == 1 and f"{MAX_EXPANDED:,}" in found[0].message


def test_small_shared_references_are_ordinary_json() -> None:
    block = {"type": "text", "text": "the same block twice"}
    b = body()
    b["messages"][0]["content"] = [block, block]
    shared = run(b)
    assert "IN004" not in codes(shared)
    assert codes(shared) == codes(run(json.loads(json.dumps(b))))


def test_fix_of_a_cyclic_body_changes_nothing_and_says_why() -> None:
    b = body(model="claude-opus-4-8", temperature=0.5)
    b["self"] = b
    result = fix(b)
    assert result.applied == [] and "IN004" in codes(result.remaining)
    assert b["self"] is b  # the input is untouched


def test_the_guard_leaves_plain_bodies_alone() -> None:
    b = body()
    same, scanned, problems = guard(b, PREFIX)
    assert same is b and problems == [] and scanned.chars > 0


def test_normalise_never_recurses() -> None:
    deep: Any = []
    for _ in range(100_000):
        deep = (deep,)
    plain, problems = normalise(deep)
    assert problems == [] and isinstance(plain, list)


# ---------------------------------------------------------------- 10. foreign mappings and sequences


class RaisingGet(dict):  # type: ignore[type-arg]
    def get(self, *args: Any) -> Any:
        raise RuntimeError("get() refuses")

    def items(self) -> Any:
        raise RuntimeError("items() refuses")

    def __iter__(self) -> Iterator[Any]:
        raise RuntimeError("__iter__ refuses")


class Broken(Mapping):  # type: ignore[type-arg]
    def __getitem__(self, key: Any) -> Any:
        raise RuntimeError("no")

    def __iter__(self) -> Iterator[Any]:
        raise RuntimeError("no")

    def __len__(self) -> int:
        return 1


def test_a_dict_subclass_whose_methods_raise_is_read_as_stored() -> None:
    report = run(RaisingGet(body(temperature=0.5, model="claude-opus-4-8")))
    assert "SP002" in codes(report)  # the data were read and checked


def test_nested_dict_subclasses_and_tuples() -> None:
    b = body()
    b["messages"] = (RaisingGet(role="user", content=("not", "blocks")),)
    report = run(b)
    assert codes(report) == codes(run(body(messages=[{"role": "user", "content": ["not", "blocks"]}])))


def test_a_mapping_that_cannot_be_read_is_a_finding() -> None:
    report = run(body(metadata=Broken()))
    assert [f.path for f in report.findings if f.code == "IN004"] == ["/metadata"]


def test_hostile_headers_never_raise() -> None:
    assert run(body(), headers=Broken()) is not None
    assert run(body(), headers=RaisingGet({"anthropic-version": "2023-06-01"})) is not None


# ---------------------------------------------------------------- 2. keys echoed, keys hidden


def _texts(report: Any) -> str:
    return json.dumps(report.to_dict()) + report.summary_text()


def test_a_key_as_an_object_key_is_redacted_in_paths() -> None:
    report = run(body(metadata={KEY: 1}))
    assert "SC001" in codes(report)
    assert KEY not in _texts(report)
    assert any(f.path.startswith("/metadata/" + PREFIX) for f in report.findings)


def test_preflight_error_text_is_redacted() -> None:
    from claude_preflight import check

    with pytest.raises(PreflightError) as caught:
        check(body(metadata={KEY: 1}), as_of=AS_OF)
    assert KEY not in str(caught.value)


@pytest.mark.parametrize("argument", ["api_version", "as_of"])
def test_argument_errors_quote_no_key(argument: str) -> None:
    with pytest.raises(ValueError) as caught:
        validate(body(), **{argument: KEY})
    assert KEY not in str(caught.value) and "Zq7Zq7Zq7" not in str(caught.value)


def test_a_key_as_a_header_name_is_found() -> None:
    report = run(body(), headers={"anthropic-version": "2023-06-01", KEY: "x"})
    assert "SC002" in codes(report) and KEY not in _texts(report)


@pytest.mark.parametrize("where", ["endpoint", "surface"])
def test_a_key_in_the_endpoint_or_surface_is_found(where: str) -> None:
    value = "/v1/messages?key=" + KEY if where == "endpoint" else KEY
    report = run(body(), **{where: value})
    assert "SC001" in codes(report) and KEY not in _texts(report)


@pytest.mark.parametrize("kind", ["document", "image"])
def test_a_key_inside_base64_data_is_found(kind: str) -> None:
    payload = (f"config: {KEY}\n" if kind == "document" else "\x89PNG\r\n\x1a\n" + KEY).encode("latin-1")
    media = "text/plain" if kind == "document" else "image/png"
    block = {"type": kind, "source": {"type": "base64", "media_type": media, "data": base64.b64encode(payload).decode()}}
    report = run(body(messages=[{"role": "user", "content": [block]}]))
    found = [f for f in report.findings if f.code == "SC001"]
    assert [f.path for f in found] == ["/messages/0/content/0/source/data"]


def test_base64_without_a_key_is_quiet() -> None:
    block = {"type": "document", "source": {"type": "base64", "media_type": "application/pdf",
                                            "data": base64.b64encode(b"%PDF-1.4 sk-ant- but no key").decode()}}
    assert "SC001" not in codes(run(body(messages=[{"role": "user", "content": [block]}])))


def test_a_key_in_a_batch_custom_id_is_found(tmp_path: Path) -> None:
    from claude_preflight.catalogue import load_catalogue
    from claude_preflight.files.checking import Options, check_file

    path = tmp_path / "batch.jsonl"
    path.write_text(json.dumps({"custom_id": KEY, "params": body()}) + "\n", encoding="utf-8")
    result = check_file(path, Options(catalogue=load_catalogue()))
    found = [f for f in result.findings if f.code == "SC001"]
    assert [(f.path, f.line) for f in found] == [("/custom_id", 1)]
    assert KEY not in json.dumps([f.to_dict() for f in result.findings])


def test_a_key_as_an_object_key_in_a_file_keeps_its_position(tmp_path: Path) -> None:
    from claude_preflight.catalogue import load_catalogue
    from claude_preflight.files.checking import Options, check_file

    path = tmp_path / "leak.json"
    path.write_text(json.dumps(body(metadata={KEY: 1}), indent=2), encoding="utf-8")
    result = check_file(path, Options(catalogue=load_catalogue()))
    found = [f for f in result.findings if f.code == "SC001"]
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if KEY in text)
    assert [f.line for f in found] == [line]
    assert KEY not in json.dumps([f.to_dict() for f in result.findings])


# ---------------------------------------------------------------- 8. media sources


def test_a_null_image_source_is_reported() -> None:
    report = run(body(messages=[{"role": "user", "content": [{"type": "image", "source": None}]}]))
    assert [f.path for f in report.findings if f.code == "MD001"] == ["/messages/0/content/0/source"]


def test_a_null_document_source_is_reported() -> None:
    report = run(body(messages=[{"role": "user", "content": [{"type": "document", "source": None}]}]))
    assert "/messages/0/content/0/source" in [f.path for f in report.findings if f.severity == "error"]


@pytest.mark.parametrize("kind,media", [("image", "image/png"), ("document", "application/pdf")])
def test_base64_data_that_is_not_base64_is_reported(kind: str, media: str) -> None:
    block = {"type": kind, "source": {"type": "base64", "media_type": media, "data": "!!!"}}
    report = run(body(messages=[{"role": "user", "content": [block]}]))
    found = [f for f in report.findings if f.path == "/messages/0/content/0/source/data"]
    assert found and "not base64" in found[0].message


def test_real_base64_is_not_reported() -> None:
    data = base64.b64encode(b"%PDF-1.4\n" + bytes(range(256))).decode()
    block = {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": data}}
    report = run(body(messages=[{"role": "user", "content": [block]}]))
    assert not [f for f in report.findings if "not base64" in f.message]


def test_shared_containers_in_a_large_body_are_never_cut() -> None:
    tools = [{"name": f"tool_{i}", "description": "d" * 20, "input_schema": {"type": "object", "properties": {}}}
             for i in range(20)]
    cache = {"type": "ephemeral"}
    content = [{"type": "text", "text": f"turn {i}", "cache_control": cache} for i in range(2)]
    requests = [{"custom_id": f"r{i}", "params": body(tools=tools, messages=[{"role": "user", "content": content}])}
                for i in range(300)]
    shared = run({"requests": requests}, endpoint="/v1/messages/batches")
    plain = run(json.loads(json.dumps({"requests": requests})), endpoint="/v1/messages/batches")
    assert "IN004" not in codes(shared)
    assert [(f.code, f.path) for f in shared.findings] == [(f.code, f.path) for f in plain.findings]


# ---------------------------------------------------------------- 5. hostile rule parameters


def _overlay(tmp_path: Path, params: str) -> Path:
    path = tmp_path / "overlay.yaml"
    path.write_text(f"rules:\n  - code: SC001\n    params:\n      {params}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("params", ['max_findings: "lots"', "max_findings: 0", "max_findings: -1", "max_finding: 5", "{}"])
def test_an_overlay_cannot_switch_a_security_rule_off(tmp_path: Path, params: str) -> None:
    from claude_preflight.catalogue import load_catalogue
    from claude_preflight.errors import CatalogueError

    path = _overlay(tmp_path, params)
    with pytest.raises(CatalogueError) as caught:
        load_catalogue([path])
    assert caught.value.problems and all(p.startswith(f"{path}:") for p in caught.value.problems)
    assert "SC001" in caught.value.problems[0]


def test_a_valid_overlay_still_loads(tmp_path: Path) -> None:
    from claude_preflight.catalogue import load_catalogue

    catalogue = load_catalogue([_overlay(tmp_path, "max_findings: 1")])
    report = run(body(metadata={"a": KEY, "b": KEY}), catalogue=catalogue)
    assert codes(report).count("SC001") == 1


def test_every_shipped_rule_has_params_its_check_accepts() -> None:
    from jsonschema import Draft202012Validator

    from claude_preflight.catalogue import load_catalogue
    from claude_preflight.catalogue.loader import params_schema_path

    schemas = json.loads(params_schema_path().read_text(encoding="utf-8"))["checks"]
    checked = 0
    for rule in load_catalogue().rules:
        schema = schemas.get(rule.check)
        if schema is not None:
            assert not list(Draft202012Validator(schema).iter_errors(dict(rule.params))), rule.code
            checked += 1
    assert checked >= 100


def test_a_check_that_raises_is_an_error_not_a_silent_pass(tmp_path: Path) -> None:
    import hostile_probes  # noqa: F401  (registers the check that always raises)

    from claude_preflight.catalogue import load_catalogue

    path = tmp_path / "probe.yaml"
    path.write_text(
        'sources:\n  zz-probe: {title: Test probe, url: "https://example.com/probe"}\nrules:\n'
        "  - code: ZZ903\n    name: raising-probe\n    severity: warning\n    summary: Probe.\n    message: probe\n"
        "    explanation: A rule that only exists in the tests and always fails.\n"
        "    sources: [zz-probe]\n    check: hostile_probes.raising_probe\n", encoding="utf-8")
    report = run(body(), catalogue=load_catalogue([path]))
    failed = [f for f in report.findings if f.code == "PF900"]
    assert [f.severity for f in failed] == ["error"] and "ZZ903" in failed[0].message and not report.ok


# ---------------------------------------------------------------- 4. terminal and CI-annotation injection

INJECTED_KEY = "x\n::error file=evil.py,line=1::INJECTED\n"


def _written(fmt: str, tmp_path: Path, name: str, content: Any) -> str:
    import io

    from claude_preflight.catalogue import load_catalogue
    from claude_preflight.files.checking import Options, check_file
    from claude_preflight.output import OutputOptions, writer

    folder = tmp_path / "dir\nname\x1b[2J"
    folder.mkdir()
    path = folder / name
    path.write_text(json.dumps(content), encoding="utf-8")
    result = check_file(path, Options(catalogue=load_catalogue()))
    stream = io.StringIO()
    writer(fmt)([result], OutputOptions(stream=stream, root=tmp_path))
    return stream.getvalue()


def test_a_key_cannot_write_a_workflow_command(tmp_path: Path) -> None:
    out = _written("github", tmp_path, "a.json", body(metadata={INJECTED_KEY: 1}))
    lines = out.splitlines()
    assert not [line for line in lines if line.startswith("::error file=evil.py")]
    assert all(line.startswith("::") or line.startswith("claude-preflight:") for line in lines)
    assert "\x1b" not in out


@pytest.mark.parametrize("fmt", ["pretty", "github"])
def test_control_characters_never_reach_the_terminal(tmp_path: Path, fmt: str) -> None:
    out = _written(fmt, tmp_path, "b\x07.json", body(metadata={"k\x1b]0;title\x07\u202e": 1}))
    assert not any(c in out for c in "\x1b\x07\u202e\r")
    findings = [line for line in out.splitlines() if "LM013" in line]
    assert len(findings) == 1 and "\\x1b" in findings[0]  # one line, the escape shown


def test_printable_escapes_and_keeps_text() -> None:
    from claude_preflight.output import printable

    assert printable("plain é \u4e2d\ttab") == "plain é \u4e2d\ttab"
    assert printable("a\nb\x1b[31m\x9b\u2028\u202e") == "a\\x0ab\\x1b[31m\\x9b\\u2028\\u202e"


# ---------------------------------------------------------------- 9. integers beyond the digit limit


def test_a_huge_integer_is_shortened_in_messages() -> None:
    report = run(body(model="claude-opus-4-8", max_tokens=10**5000))
    messages = " ".join(f.message for f in report.findings)
    assert "{" not in messages and "10^5000" in messages


def test_a_huge_integer_in_yaml_gives_no_python_advice(tmp_path: Path) -> None:
    from claude_preflight.catalogue import load_catalogue
    from claude_preflight.files.checking import Options, check_file

    path = tmp_path / "big.yaml"
    path.write_text("model: claude-opus-4-8\nmax_tokens: 1" + "0" * 5000 + "\nmessages: [{role: user, content: hi}]\n")
    result = check_file(path, Options(catalogue=load_catalogue()))
    assert [(p.line, p.message) for p in result.problems] == [(2, "invalid YAML: an integer of 5,001 digits cannot be read")]


# ---------------------------------------------------------------- 6. named pipes (FIFOs)

needs_fifo = pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="no FIFOs here")


def _check(path: Path) -> Any:
    from claude_preflight.catalogue import load_catalogue
    from claude_preflight.files.checking import Options, check_file

    return check_file(path, Options(catalogue=load_catalogue()))


@needs_fifo
def test_a_pipe_whose_writer_sends_nothing_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.setenv("CLAUDE_PREFLIGHT_PIPE_WAIT", "0.3")
    fifo = tmp_path / "silent.json"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR)  # a writer holds the pipe open and never writes
    try:
        result = _check(fifo)
    finally:
        os.close(writer)
    assert [p.message for p in result.problems] == ["the pipe sent nothing within 0.3 s (no writer, or a writer that sends nothing)"]


@needs_fifo
def test_a_pipe_whose_writer_opens_late_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import threading
    import time

    monkeypatch.setenv("CLAUDE_PREFLIGHT_PIPE_WAIT", "5")
    fifo = tmp_path / "late.json"
    os.mkfifo(fifo)

    def write_late() -> None:
        time.sleep(0.3)
        with open(fifo, "w", encoding="utf-8") as stream:
            stream.write(json.dumps(body(model="claude-opus-4-8", top_k=5)))

    thread = threading.Thread(target=write_late)
    thread.start()
    result = _check(fifo)
    thread.join()
    assert not result.problems and "SP002" in [f.code for f in result.findings]


@needs_fifo
def test_a_pipe_in_a_directory_walk_is_skipped(tmp_path: Path) -> None:
    import os

    from claude_preflight.files.documents import discover

    os.mkfifo(tmp_path / "pipe.json")
    (tmp_path / "real.json").write_text(json.dumps(body()), encoding="utf-8")
    assert [p.name for p in discover([str(tmp_path)]) if isinstance(p, Path)] == ["real.json"]


# ---------------------------------------------------------------- 7. fixing files safely

FIXABLE = {"model": "claude-opus-4-8", "max_tokens": 256, "temperature": 0.5,
           "messages": [{"role": "user", "content": "Summarise the ticket."}]}


def _options() -> Any:
    from claude_preflight.catalogue import load_catalogue
    from claude_preflight.dates import parse_moment
    from claude_preflight.files.checking import Options

    return Options(catalogue=load_catalogue(), as_of=parse_moment(AS_OF))


def test_a_read_only_file_is_reported_not_replaced(tmp_path: Path) -> None:
    from claude_preflight.fixing.files import fix_file

    path = tmp_path / "req.json"
    path.write_text(json.dumps(FIXABLE, indent=2), encoding="utf-8")
    path.chmod(0o444)
    before = path.stat()
    result = fix_file(path, _options())
    assert not result.written and "read-only" in (result.refused or "")
    after = path.stat()
    assert (after.st_ino, after.st_mode, after.st_mtime_ns) == (before.st_ino, before.st_mode, before.st_mtime_ns)


@pytest.mark.parametrize("name", ["req.json", "batch.jsonl"])
def test_a_hard_linked_file_is_not_split_from_its_links(tmp_path: Path, name: str) -> None:
    import os

    from claude_preflight.fixing.files import fix_file

    path = tmp_path / name
    text = json.dumps({"custom_id": "a", "params": FIXABLE}) + "\n" if name.endswith("l") else json.dumps(FIXABLE)
    path.write_text(text, encoding="utf-8")
    os.link(path, tmp_path / "other-name")
    result = fix_file(path, _options())
    assert not result.written and "hard links" in (result.refused or "")
    assert path.stat().st_nlink == 2 and path.read_text() == text


def test_a_stale_temporary_file_is_cleaned_and_a_live_one_kept(tmp_path: Path) -> None:
    import fcntl
    import os

    from claude_preflight.fixing.files import fix_file

    path = tmp_path / "req.json"
    path.write_text(json.dumps(FIXABLE), encoding="utf-8")
    stale = tmp_path / ".req.json.k9dead.fix.tmp"  # left by a fix killed with kill -9
    stale.write_bytes(b"{half")
    live = tmp_path / ".req.json.inuse.fix.tmp"  # another fix, still writing
    live.write_bytes(b"{")
    holder = os.open(live, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        result = fix_file(path, _options())
    finally:
        os.close(holder)
    assert result.written and not stale.exists() and live.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [live.name, "req.json"]


def test_mixed_line_endings_in_yaml_are_kept_line_by_line(tmp_path: Path) -> None:
    from claude_preflight.fixing.files import fix_file

    path = tmp_path / "req.yaml"
    text = ("model: claude-opus-4-8\r\nmax_tokens: 256\ntemperature: 0.5\r\n"
            "messages:\n  - role: user\r\n    content: Summarise the ticket.\n")
    path.write_bytes(text.encode())
    result = fix_file(path, _options())
    assert result.written
    assert path.read_bytes().decode() == ("model: claude-opus-4-8\r\nmax_tokens: 256\n"
                                          "messages:\n  - role: user\r\n    content: Summarise the ticket.\n")


def test_restore_endings_keeps_each_line_its_own() -> None:
    from claude_preflight.fixing.files import restore_endings

    assert restore_endings("a\r\nb\nc\r\nd\n", "a\nc\nd2\n") == "a\r\nc\r\nd2\n"
    assert restore_endings("a\r\nb\r\n", "a\nb\nnew\n") == "a\r\nb\r\nnew\r\n"


# ---------------------------------------------------------------- 3. fixing in memory proportional to the file


def test_a_jsonl_fix_streams_line_by_line(tmp_path: Path) -> None:
    import tracemalloc

    from claude_preflight.fixing.files import fix_file

    path = tmp_path / "batch.jsonl"
    lines = [json.dumps({"custom_id": f"r{i}", "params": {**FIXABLE, "system": "policy " * 400}}) for i in range(200)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    size = path.stat().st_size
    options = _options()
    fix_file(tmp_path / "warm.jsonl", options)  # imports and caches outside the measurement
    tracemalloc.start()
    try:
        result = fix_file(path, options)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.written and len(result.applied) == 200
    assert "temperature" not in path.read_text()
    assert peak < 5 * size, (peak, size)  # the target; it grows with the fixes made, not the file


def test_a_streamed_jsonl_fix_keeps_other_lines_byte_for_byte(tmp_path: Path) -> None:
    from claude_preflight.fixing.files import fix_file

    path = tmp_path / "batch.jsonl"
    good = json.dumps({"custom_id": "ok", "params": body()}, indent=None, separators=(", ", ":  "))
    bad = json.dumps({"custom_id": "fix", "params": FIXABLE})
    text = good + "\r\n" + "{not json\n" + bad + "\r\n\n" + good
    path.write_bytes(text.encode())
    result = fix_file(path, _options(), diff=True)
    assert result.diff.count("\n-") == 1 and "@@ -1,5 +1,5 @@" in result.diff
    result = fix_file(path, _options())
    lines = path.read_bytes().decode().split("\n")
    assert lines[0] == good + "\r" and lines[1] == "{not json" and lines[3] == "" and lines[4] == good
    assert "temperature" not in lines[2] and lines[2].endswith("\r")
    assert [p.line for p in result.problems] == [2]


# ---------------------------------------------------------------- issue 12: a fix never empties a document


PACKAGE = {"name": "web", "version": "1.0.0", "private": True, "scripts": {"build": "vite build"},
           "dependencies": {"react": "^19.0.0"}}


def test_fix_refuses_to_empty_a_document_whatever_the_flag() -> None:
    result = fix(PACKAGE, unsafe=True, as_of=AS_OF)
    assert result.applied == [] and result.body == PACKAGE and "delete all 5" in (result.refusal or "")


@pytest.mark.parametrize("name", ["package.json", "package.jsonl"])
def test_a_file_fix_that_would_empty_the_document_is_refused(tmp_path: Path, name: str) -> None:
    from claude_preflight.fixing.files import fix_file

    path = tmp_path / name
    text = json.dumps(PACKAGE, indent=2) if name.endswith("json") else json.dumps(PACKAGE) + "\n"
    path.write_text(text, encoding="utf-8")
    result = fix_file(path, _options(), unsafe=True)
    assert not result.written and "it does not look like a request" in (result.refused or "")
    assert path.read_text() == text


def test_fixes_that_remove_a_few_fields_still_apply() -> None:
    many = {**FIXABLE, "top_k": 5, "top_p": 0.5, "temprature": 1}
    result = fix(many, unsafe=True, as_of=AS_OF)
    assert result.refusal is None and result.applied and "messages" in result.body


@pytest.mark.parametrize("text", [
    f"model: !{KEY} claude-sonnet-4-6\nmax_tokens: 5\nmessages: [{{role: user, content: hi}}]\n",
    f"model: claude-sonnet-4-6\nmax_tokens: 5  # claude-preflight: ignore[{KEY}]\nmessages: [{{role: user, content: hi}}]\n",
    f"as_of: {KEY}\nbody: {{model: claude-sonnet-4-6, max_tokens: 5, messages: [{{role: user, content: hi}}]}}\n",
])
def test_file_errors_that_quote_input_never_show_a_key(tmp_path: Path, text: str) -> None:
    from claude_preflight.catalogue import load_catalogue
    from claude_preflight.files.checking import Options, check_file

    path = tmp_path / "req.yaml"
    path.write_text(text, encoding="utf-8")
    result = check_file(path, Options(catalogue=load_catalogue()))
    shown = " ".join(p.message for p in result.problems) + json.dumps([f.to_dict() for f in result.findings])
    assert result.problems or result.findings
    assert KEY not in shown and "Zq7Zq7Zq7" not in shown


def test_spans_along_a_path_match_the_full_scan() -> None:
    """The fixer's path-only span scan (memory per edit follows the path, not the document)."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from claude_preflight.files import pointer
    from claude_preflight.fixing import json_text

    def paths(value: Any, prefix: str = "") -> list[str]:
        found = [prefix]
        if isinstance(value, dict):
            for key, item in value.items():
                found += paths(item, pointer.join(prefix, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                found += paths(item, pointer.join(prefix, index))
        return found

    docs = st.recursive(st.none() | st.integers() | st.text(max_size=5),
                        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(alphabet='ab/~"', max_size=3), inner, max_size=4),
                        max_leaves=20)

    @settings(max_examples=150, deadline=None)
    @given(docs, st.sampled_from([None, 2]), st.data())
    def check(value: Any, indent: Any, data: Any) -> None:
        text = json.dumps(value, indent=indent)
        path = data.draw(st.sampled_from(paths(value)))
        full, partial = json_text.scan(text), json_text.scan_path(text, path)
        for probe in {path, pointer.parent(path)}:
            a, b = json_text.locate(full, probe), json_text.locate(partial, probe)
            assert (a.start, a.end, a.kind) == (b.start, b.end, b.kind)  # type: ignore[union-attr]
            assert json_text._children(a) == json_text._children(b)  # type: ignore[arg-type]

    check()
