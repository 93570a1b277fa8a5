"""Cost guards: checking grows linearly with the request, batch files stream, and the
engine's fast paths give the same results as the plain ones.

Linearity is measured in *operations* (Python lines and calls executed, counted with
``sys.settrace``), which is deterministic, plus one generous wall-clock ratio that also
catches quadratic work hidden in C (``x in some_list`` inside a loop). No test asserts an
absolute time.
"""

from __future__ import annotations

import json
import os
import random
import string
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import pytest

from claude_preflight import validate
from claude_preflight.catalogue import Catalogue, load_catalogue
from claude_preflight.checks.base import Hit, check, render
from claude_preflight.engine import runner
from claude_preflight.engine.context import Block, Context
from claude_preflight.engine.index import inspects
from claude_preflight.files import batch
from claude_preflight.files.checking import Checker, Options

AS_OF = "2026-11-24"

# ----------------------------------------------------------------------------- request builders


def _text(rng: random.Random, words: int) -> str:
    return " ".join("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(2, 9))) for _ in range(words))


def _tool(i: int) -> dict[str, Any]:
    return {
        "name": f"tool_{i}",
        "description": f"Tool number {i}: reads a record by id and returns it as JSON.",
        "input_schema": {
            "type": "object",
            "properties": {"id": {"type": "string", "pattern": "^[a-z0-9-]+$"}, "limit": {"type": "integer", "minimum": 1}},
            "required": ["id"],
            "additionalProperties": False,
        },
    }


def agent(round_trips: int, *, tools: int = 4, results_per_turn: int = 1, inner_blocks: int = 2, system_blocks: int = 2,
          seed: int = 7) -> dict[str, Any]:
    """A valid agent conversation: user task, then assistant tool calls and user results."""
    rng = random.Random(seed)
    messages: list[dict[str, Any]] = [{"role": "user", "content": [{"type": "text", "text": "Task: " + _text(rng, 40)}]}]
    for turn in range(round_trips):
        calls = [{"type": "tool_use", "id": f"toolu_{turn:05d}_{k}", "name": f"tool_{k % tools}", "input": {"id": f"r-{turn}-{k}"}}
                 for k in range(results_per_turn)]
        messages.append({"role": "assistant", "content": [{"type": "text", "text": _text(rng, 20)}, *calls]})
        results = [{"type": "tool_result", "tool_use_id": call["id"],
                    "content": [{"type": "text", "text": _text(rng, 30)} for _ in range(inner_blocks)]} for call in calls]
        messages.append({"role": "user", "content": results})
    return {
        "model": "claude-sonnet-4-6",
        "max_tokens": 4096,
        "system": [{"type": "text", "text": _text(rng, 30)} for _ in range(system_blocks)],
        "tools": [_tool(i) for i in range(tools)],
        "messages": messages,
    }


def batch_body(requests: int) -> dict[str, Any]:
    return {"requests": [{"custom_id": f"r{i}", "params": agent(2, seed=i)} for i in range(requests)]}


def operations(fn: Callable[[], Any]) -> int:
    """Python lines and calls executed by ``fn()`` (deterministic)."""
    count = 0

    def local(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        count += 1
        return local

    def calls(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        count += 1
        return local

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        fn()
    finally:
        sys.settrace(previous)
    return count


@pytest.fixture(scope="module", autouse=True)
def _warm(catalogue: Catalogue) -> None:
    validate(agent(2), as_of=AS_OF)  # selection caches, lazy imports


# ----------------------------------------------------------------------------- linear growth

GROWTH = {
    "messages": lambda n: agent(n),
    "tools": lambda n: agent(2, tools=n),
    "blocks per message": lambda n: agent(2, results_per_turn=n),
    "blocks inside tool results": lambda n: agent(2, inner_blocks=n),
    "system blocks": lambda n: agent(2, system_blocks=n),
}


@pytest.mark.parametrize("dimension", sorted(GROWTH))
def test_doubling_a_dimension_at_most_doubles_the_work(dimension: str) -> None:
    make = GROWTH[dimension]
    counts = []
    for n in (12, 24, 48):
        body = make(n)
        report = validate(body, as_of=AS_OF)
        assert report.ok, report.summary_text()  # time the clean path, not error paths
        counts.append(operations(lambda body=body: validate(body, as_of=AS_OF)))
    growth = [b / a for a, b in zip(counts, counts[1:])]
    assert max(growth) <= 2.1, f"{dimension}: operations {counts} grow by {growth}"


def test_batch_body_is_linear_in_its_requests() -> None:
    counts = [operations(lambda n=n: validate(batch_body(n), endpoint="/v1/messages/batches", as_of=AS_OF)) for n in (6, 12, 24)]
    growth = [b / a for a, b in zip(counts, counts[1:])]
    assert max(growth) <= 2.1, f"operations {counts} grow by {growth}"


def test_wall_time_grows_linearly_with_messages() -> None:
    """Generous: 4x the messages may cost at most 8x the time (linear gives about 4)."""
    small, large = agent(60), agent(240)

    def best(body: dict[str, Any]) -> float:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            validate(body, as_of=AS_OF)
            times.append(time.perf_counter() - start)
        return min(times)

    ratio = best(large) / best(small)
    if ratio > 8:  # one retry: a shared machine can stall a whole measurement
        ratio = best(large) / best(small)
    assert ratio <= 8, f"4x messages took {ratio:.1f}x the time"


def test_deep_nesting_is_linear_and_never_raises() -> None:
    def nested(depth: int) -> dict[str, Any]:
        value: Any = "leaf"
        for _ in range(depth):
            value = {"a": [value]}
        return {"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}], "metadata": value}

    counts = [operations(lambda d=d: validate(nested(d), as_of=AS_OF)) for d in (2_000, 4_000)]
    assert counts[1] / counts[0] <= 2.1, counts
    validate(nested(100_000), as_of=AS_OF)  # must not hit the recursion limit


# ----------------------------------------------------------------------------- batch files stream


def _jsonl_lines(n: int, *, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    models = ["claude-sonnet-4-6", "claude-opus-4-8", "claude-haiku-4-5"]
    lines = []
    for i in range(n):
        params: dict[str, Any] = {"model": rng.choice(models), "max_tokens": 1024,
                                  "messages": [{"role": "user", "content": _text(rng, 30)}]}
        if i % 7 == 3:
            params["temperature"] = 0.5  # rejected by some models: findings on some lines
        lines.append(json.dumps({"custom_id": f"req-{i}", "params": params}))
    return lines


TRICKY = [
    '{"custom_id": "a", "params": {"model": "claude-opus-4-8", "max_tokens": 10, "temperature": 0.5, "messages": [{"role": "user", "content": "hi"}]}}',
    "",
    "   ",
    "not json",
    '{"custom_id": "b", "params": {"model": "x", "model": "claude-sonnet-4-6", "max_tokens": NaN, "messages": []}}\r',
    "[1, 2]",
    '{"custom_id": "c", "params": {"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": [{"role": "user", "content": "a\u2028b"}]}}',
    '{"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": [{"role": "user", "content": "bare body"}]}',
    '{"body": {"model": "claude-opus-4-8", "max_tokens": 5, "top_k": 3, "messages": [{"role": "user", "content": "envelope"}]}, "as_of": "2026-11-24"}',
    '{"body": {}, "as_of": 7}',
    '{"custom_id": "a", "params": {"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": [{"role": "user", "content": "dup"}]}}',
    '{"custom_id": "not valid!", "params": {"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}}',
    '{"custom_id": 12, "params": {"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}}',
    '{"custom_id": "req-3", "params": {"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}}',
]


@pytest.fixture()
def options(catalogue: Catalogue) -> Options:
    from claude_preflight.dates import parse_moment

    return Options(catalogue=catalogue, as_of=parse_moment(AS_OF))


def _same(a: Any, b: Any) -> None:
    assert (a.requests, a.problems) == (b.requests, b.problems)
    assert a.findings == b.findings


@pytest.mark.parametrize("jobs", [1, 2])
def test_streamed_batch_equals_the_whole_file_reader(tmp_path: Path, options: Options, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    monkeypatch.setattr(batch, "MIN_PARALLEL_BYTES", 0)  # use the pool even for a small file
    monkeypatch.setattr(batch, "RANGE_BYTES", 2048)  # and many ranges
    path = tmp_path / "requests.jsonl"
    lines = _jsonl_lines(120)
    lines[40:40] = TRICKY
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = Checker(options).check_whole_file(path)
    assert expected.findings and expected.problems
    assert {"EP004", "EP005"} <= {f.code for f in expected.findings}
    result = batch.check_jsonl(path, options, jobs, whole_file=Checker(options).check_whole_file, progress=False)
    _same(result, expected)
    lines_of = [f.line for f in result.findings]
    assert lines_of == sorted(lines_of)  # input order


@pytest.mark.parametrize(
    "content",
    [b"", b"\n \n", b"\xef\xbb\xbf" + _jsonl_lines(1)[0].encode() + b"\n", _jsonl_lines(2)[1].encode(),
     b"\x00\x01binary" * 10, "\ufeff".encode("utf-16") + _jsonl_lines(1)[0].encode("utf-16-le")],
    ids=["empty", "blank", "bom", "no-newline", "binary", "utf16"],
)
def test_streamed_batch_edge_files(tmp_path: Path, options: Options, content: bytes) -> None:
    path = tmp_path / "edge.jsonl"
    path.write_bytes(content)
    _same(batch.check_jsonl(path, options, 1, whole_file=Checker(options).check_whole_file, progress=False), Checker(options).check_whole_file(path))


def test_streamed_batch_unreadable_paths(tmp_path: Path, options: Options) -> None:
    for path in (tmp_path / "missing.jsonl", tmp_path):
        _same(batch.check_jsonl(path, options, 1, whole_file=Checker(options).check_whole_file, progress=False), Checker(options).check_whole_file(path))


def test_invalid_utf8_line_is_reported_and_the_rest_checked(tmp_path: Path, options: Options) -> None:
    lines = [line.encode() for line in _jsonl_lines(3)]
    lines[1] = b'{"custom_id": "x\xff"}'
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = batch.check_jsonl(path, options, 1, whole_file=Checker(options).check_whole_file, progress=False)
    assert result.requests == 2
    assert [(p.line, p.column) for p in result.problems] == [(2, 17)]
    assert "invalid UTF-8" in result.problems[0].message


def test_streamed_batch_memory_does_not_grow_with_the_file(tmp_path: Path, options: Options) -> None:
    clean = [json.dumps({"custom_id": f"r{i}", "params": {"model": "claude-sonnet-4-6", "max_tokens": 64,
                                                          "messages": [{"role": "user", "content": "x" * 2000}]}})
             for i in range(600)]
    peaks, sizes = [], []
    for n in (150, 600):
        path = tmp_path / f"clean{n}.jsonl"
        path.write_text("\n".join(clean[:n]) + "\n", encoding="utf-8")
        tracemalloc.start()
        try:
            result = batch.check_jsonl(path, options, 1, whole_file=Checker(options).check_whole_file, progress=False)
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        assert result.requests == n and not result.problems
        sizes.append(path.stat().st_size)
    # Only each entry's custom_id is remembered (for the duplicate-id rule): a few hundred
    # bytes per line at most, against more than 2 KB of file per line.
    per_line = (peaks[1] - peaks[0]) / (600 - 150)
    assert per_line < 400, f"peak traced memory {peaks} grows by {per_line:.0f} bytes per line"
    assert peaks[1] < sizes[1] / 4, (peaks, sizes)


def test_configuration_is_applied_and_overrides_are_recorded(tmp_path: Path, options: Options) -> None:
    from claude_preflight.config import config_from_mapping

    path = tmp_path / "cfg.jsonl"
    path.write_text("\n".join(_jsonl_lines(30)) + "\n", encoding="utf-8")
    codes = {f.code for f in batch.check_jsonl(path, options, 1, whole_file=Checker(options).check_whole_file, progress=False).findings}
    assert codes
    code = sorted(codes)[0]
    config = config_from_mapping({"ignore": [code]}, root=tmp_path)
    ignoring = Options(catalogue=options.catalogue, as_of=options.as_of, config=config)
    used: set[int] = set()
    result = batch.check_jsonl(path, ignoring, 1, whole_file=Checker(ignoring).check_whole_file, used=used, progress=False)
    assert code not in {f.code for f in result.findings}
    _same(result, Checker(ignoring).check_whole_file(path))


def test_progress_bar_only_on_terminals(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, options: Options,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CI", "true")
    assert not batch._terminal()
    monkeypatch.delenv("CI")
    assert not batch._terminal()  # pytest captures stderr: not a terminal
    monkeypatch.setattr(batch, "PROGRESS_AFTER_S", 0.0)
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(_jsonl_lines(600)) + "\n", encoding="utf-8")
    result = batch.check_jsonl(path, options, 1, whole_file=Checker(options).check_whole_file, progress=True)  # forced: must not disturb results
    assert result.requests == 600


# ----------------------------------------------------------------------------- engine fast paths


@check
def temperature_probe(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    PROBE_CALLS.append("temperature")
    if ctx.has("temperature"):
        yield Hit("/temperature", {"value": ctx.get("temperature")})


@check
def image_probe(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    PROBE_CALLS.append("image")
    for block in ctx.blocks:
        if block.type == "image":
            yield Hit(block.path, {"value": "image"})


inspects(fields=("temperature",))(temperature_probe)
inspects(blocks=("image",))(image_probe)
PROBE_CALLS: list[str] = []


@pytest.fixture()
def probe_catalogue(tmp_path: Path) -> Catalogue:
    rules = []
    for code, name, fn in (("ZZ901", "temperature-probe", "temperature_probe"), ("ZZ902", "image-probe", "image_probe")):
        rules.append(
            f"  - code: {code}\n    name: {name}\n    severity: info\n    summary: Probe.\n    message: 'probe {{value}}'\n"
            f"    explanation: A rule that only exists in the tests to watch which checks the runner calls.\n"
            f"    sources: [zz-probe]\n    check: test_complexity.{fn}\n"
        )
    path = tmp_path / "probe.yaml"
    path.write_text('sources:\n  zz-probe: {title: Test probe, url: "https://example.com/probe"}\nrules:\n' + "".join(rules),
                    encoding="utf-8")
    return load_catalogue([path])


@pytest.mark.no_index_audit
def test_checks_that_declare_triggers_are_skipped_when_absent(probe_catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch) -> None:
    body = {"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": [{"role": "user", "content": "hello"}]}
    PROBE_CALLS.clear()
    assert "ZZ901" not in validate(body, as_of=AS_OF, catalogue=probe_catalogue).codes()
    assert PROBE_CALLS == []  # neither probe was even called
    assert "ZZ901" in validate({**body, "temperature": 0.3}, as_of=AS_OF, catalogue=probe_catalogue).codes()
    assert PROBE_CALLS == ["temperature"]
    image = {"role": "user", "content": [{"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}}]}
    PROBE_CALLS.clear()
    assert "ZZ902" in validate({**body, "messages": [image]}, as_of=AS_OF, catalogue=probe_catalogue).codes()
    assert PROBE_CALLS == ["image"]
    # With the index off, every selected check runs and the findings are the same.
    monkeypatch.setenv("CLAUDE_PREFLIGHT_NO_INDEX", "1")
    runner.clear_caches()
    try:
        PROBE_CALLS.clear()
        assert "ZZ901" not in validate(body, as_of=AS_OF, catalogue=probe_catalogue).codes()
        assert sorted(PROBE_CALLS) == ["image", "temperature"]
    finally:
        monkeypatch.delenv("CLAUDE_PREFLIGHT_NO_INDEX")
        runner.clear_caches()


def test_inspects_needs_something_to_inspect() -> None:
    with pytest.raises(ValueError):
        inspects()
    with pytest.raises(TypeError):
        inspects(fields=("",))
    assert inspects(fields="temperature")(lambda ctx, params: iter(())).__preflight_inspects__.fields == {"temperature"}  # type: ignore[attr-defined]


def test_shipped_examples_are_the_same_with_and_without_the_index(catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever checks declare, skipping them must never hide a finding."""
    examples = [(rule.code, ex) for rule in catalogue.rules for kind in ("bad", "good") for ex in rule.examples.get(kind, ())]

    def outcomes() -> list[Any]:
        found = []
        for _, example in examples:
            report = validate(example["body"], endpoint=example.get("endpoint", "/v1/messages"), headers=example.get("headers"),
                              surface=example.get("surface"), as_of=example.get("as_of", AS_OF), api_version=example.get("api_version"))
            found.append([(f.code, f.path, f.message) for f in report.findings])
        return found

    indexed = outcomes()
    monkeypatch.setenv("CLAUDE_PREFLIGHT_NO_INDEX", "1")
    runner.clear_caches()
    try:
        assert outcomes() == indexed
    finally:
        monkeypatch.delenv("CLAUDE_PREFLIGHT_NO_INDEX")
        runner.clear_caches()


def test_fast_message_rendering_matches_render(catalogue: Catalogue) -> None:
    formatter = string.Formatter()
    for rule in catalogue.rules:
        try:
            names = {name for _, name, _, _ in formatter.parse(rule.message) if name}
        except ValueError:
            names = set()
        for args in ({}, {n: "v" for n in names}, {n: 7 for n in names}, {n: None for n in names}, {"unrelated": 1}):
            try:
                expected: Any = render(rule.message, args)
            except Exception as exc:  # render may raise (e.g. a format spec on None): so must the fast path
                with pytest.raises(type(exc)):
                    runner.render_message(rule.message, args)
                continue
            assert runner.render_message(rule.message, args) == expected, rule.code
    for template in ("{}", "{0}", "a } b", "{{literal}}", "{x!r:>8}", "{x.real}", "{x[0]}", "{x:{y}}", "{x:{y:{z}}}", "{"):
        for args in ({}, {"x": 5, "y": "3", "z": "1"}, {"x": "ab"}):
            try:
                expected = render(template, args)
            except Exception as exc:
                with pytest.raises(type(exc)):
                    runner.render_message(template, args)
                continue
            assert runner.render_message(template, args) == expected, (template, args)


def test_findings_never_carry_an_api_key(catalogue: Catalogue) -> None:
    rule = next(r for r in catalogue.rules if "{" in r.message)
    name = next(n for _, n, _, _ in string.Formatter().parse(rule.message) if n)
    secret = "sk-ant-api03-" + "A1b2C3d4" * 6
    finding = runner.to_finding(rule, Hit("/x", {name: f"value {secret} end"}, fix=f"remove {secret}"))
    assert secret not in finding.message and secret not in (finding.fix or "")
    assert "sk-ant-api03-\u2026" in finding.message
    plain = runner.to_finding(rule, Hit("/x", {name: "nothing secret"}, fix="keep"))
    assert plain.message == render(rule.message, {name: "nothing secret"}) and plain.fix == "keep"


def test_blocks_keep_their_interface(catalogue: Catalogue) -> None:
    from claude_preflight.engine.resolve import build_context
    from claude_preflight.dates import parse_moment

    body = agent(3)
    body["messages"].append({"role": "user", "content": "plain string"})
    ctx = build_context(catalogue, body, endpoint="/v1/messages", headers=None, surface=None, as_of=parse_moment(AS_OF), api_version=None)
    blocks = ctx.blocks
    for block in blocks:
        expected = f"/messages/{block.message}/content" + (f"/{block.index}" if block.index >= 0 else "")
        assert block.path == expected and block.type == block.data.get("type")
        assert body["messages"][block.message]["role"] == block.role
    assert blocks[-1].data == {"type": "text", "text": "plain string"} and blocks[-1].index == -1
    assert Block(1, 2, "user", {"type": "text"}) == Block(1, 2, "user", {"type": "text"}, "/messages/1/content/2")
    assert ctx.block_types == {"text", "tool_use", "tool_result"}
    assert ctx.body_keys == set(body)
    calls: list[int] = []
    assert ctx.memo("k", lambda c: calls.append(1) or 42) == 42
    assert ctx.memo("k", lambda c: calls.append(1) or 43) == 42 and calls == [1]


def test_selection_and_plans_are_cached(catalogue: Catalogue) -> None:
    from claude_preflight.engine.resolve import build_context
    from claude_preflight.dates import parse_moment

    body = agent(1)
    one = build_context(catalogue, body, endpoint="/v1/messages", headers=None, surface=None, as_of=parse_moment(AS_OF), api_version=None)
    two = build_context(catalogue, dict(body), endpoint="POST https://api.anthropic.com/v1/messages", headers=None, surface=None,
                        as_of=parse_moment(AS_OF), api_version=None)
    assert runner.plan(one) is runner.plan(two)
    assert runner.steps_for(one) is runner.steps_for(two)
    everything = [r for r in runner.select_rules(one) if r.fn is not None]
    assert [step[0] for step in runner.steps_for(one, use_index=False)] == everything
    chosen = [step[0] for step in runner.steps_for(one)]
    assert chosen == [r for r in everything if r in chosen]  # a subset, in catalogue order


@pytest.mark.skipif(not os.environ.get("CLAUDE_PREFLIGHT_SLOW_TESTS"), reason="set CLAUDE_PREFLIGHT_SLOW_TESTS=1")
def test_large_batch_file_in_parallel(tmp_path: Path, options: Options) -> None:  # pragma: no cover - manual
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(_jsonl_lines(20_000)) + "\n", encoding="utf-8")
    _same(batch.check_jsonl(path, options, 2, whole_file=Checker(options).check_whole_file, progress=False), batch.check_jsonl(path, options, 1, whole_file=Checker(options).check_whole_file, progress=False))
