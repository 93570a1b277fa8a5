"""validate() turns any input value into findings; it never raises on request data, and no
check fails internally (PF900) on any JSON value - NaN and infinities included, since a
Python caller can hold them.

The property tests start from arbitrary values and from *mutations of realistic requests*
(the examples, every rule's good examples and the performance payload shapes; see
fuzz/mutations.py). Example counts follow the ``ci`` profile; set
``PREFLIGHT_HYPOTHESIS_PROFILE=fuzz`` for a long run (fuzz/profiles.py). The figures are
summed in docs/robustness.md.
"""

from __future__ import annotations

import copy
import math
import sys
import time
import tracemalloc
from collections import OrderedDict
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claude_preflight import validate
from conftest import REPO, minimal

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from fuzz import mutations, targets  # noqa: E402
from fuzz.corpus import agent_request, seeds, small_request  # noqa: E402
from fuzz.profiles import property_settings  # noqa: E402

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=6),
    max_leaves=40,
)

KEYS = ["model", "max_tokens", "messages", "system", "thinking", "tool_choice", "tools", "temperature", "top_p",
        "top_k", "output_config", "stop_sequences", "metadata", "speed", "service_tier", "role", "content", "type",
        "budget_tokens", "effort", "anthropic_version"]
MODELS = ["claude-opus-4-8", "claude-sonnet-4-6", "claude-haiku-4-5", "claude-opus-5-5", "claude-fable-5", "x", ""]

request_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.sampled_from(MODELS + ["user", "assistant", "system", "adaptive", "enabled", "disabled", "any", "tool"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(KEYS), children, max_size=6),
    max_leaves=50,
)

NO_INTERNAL = "PF900"

# Example counts of the property tests below under the ci profile (docs/robustness.md sums them).
EXAMPLES = {
    "test_arbitrary_json_bodies": 200,
    "test_request_shaped_bodies": 200,
    "test_mutated_requests": 200,
    "test_arbitrary_headers_surface_endpoint": 200,
    "test_mutations_of_realistic_requests": 200,
    "test_mutations_of_the_agent_loop": 200,
    "test_nonfinite_numbers_anywhere": 150,
    "test_python_values_that_are_not_json": 100,
}


def _assert_clean_run(body: Any, **kwargs: Any) -> None:
    report = validate(body, as_of="2026-11-24", **kwargs)
    assert NO_INTERNAL not in report.codes(), report.summary_text()
    for finding in report.findings:
        assert finding.path == "" or finding.path.startswith("/")
        assert finding.severity in ("error", "warning", "info")


@property_settings(EXAMPLES["test_arbitrary_json_bodies"])
@given(json_values)
def test_arbitrary_json_bodies(body: Any) -> None:
    _assert_clean_run(body)


@property_settings(EXAMPLES["test_request_shaped_bodies"])
@given(request_like)
def test_request_shaped_bodies(body: Any) -> None:
    _assert_clean_run(body)


@property_settings(EXAMPLES["test_mutated_requests"])
@given(st.dictionaries(st.sampled_from(KEYS), request_like, max_size=8), st.sampled_from(MODELS))
def test_mutated_requests(extra: dict[str, Any], model: str) -> None:
    body = minimal(model)
    body.update(extra)
    _assert_clean_run(body)


@property_settings(EXAMPLES["test_arbitrary_headers_surface_endpoint"])
@given(json_values, json_values, json_values | st.text(max_size=30))
def test_arbitrary_headers_surface_endpoint(headers: Any, surface: Any, endpoint: Any) -> None:
    _assert_clean_run(minimal(), headers=headers, surface=surface, endpoint=endpoint)


@property_settings(EXAMPLES["test_mutations_of_realistic_requests"])
@given(mutations.mutated_requests())
def test_mutations_of_realistic_requests(case: Any) -> None:
    """Drop, replace, nest, duplicate, retype, swap or hoist fields and blocks of valid requests."""
    seed, body, _ = case
    targets.engine(body, **seed.kwargs())


AGENT = [s for s in seeds() if s.name == "perf/agent"]


@property_settings(EXAMPLES["test_mutations_of_the_agent_loop"])
@given(st.data())
def test_mutations_of_the_agent_loop(data: st.DataObject) -> None:
    """The largest seed (tools, signed thinking, tool results, an image, cache breakpoints), mutated."""
    body = AGENT[0].fresh()
    for _ in range(data.draw(st.integers(1, 6))):
        body, _ = mutations._apply(body, data)
    targets.engine(body, **AGENT[0].kwargs())


@property_settings(EXAMPLES["test_nonfinite_numbers_anywhere"])
@given(mutations.any_json, st.sampled_from(KEYS), st.sampled_from([math.nan, math.inf, -math.inf]))
def test_nonfinite_numbers_anywhere(value: Any, key: str, number: float) -> None:
    body = small_request()
    body["messages"][0] = {"role": "user", "content": [{"type": "text", "text": "x", key: number}]}
    _assert_clean_run(body)
    _assert_clean_run({**body, key: value})
    _assert_clean_run({**body, "temperature": number, "max_tokens": number, "top_k": number})


class Odd:
    """An object no check can know."""

    def __repr__(self) -> str:
        return "<Odd>"


PYTHON_VALUES = [(1, 2), ("user", "assistant"), b"bytes", bytearray(b"x"), {1, 2}, frozenset({"a"}), Odd(), Decimal("1.5"),
                 Decimal("NaN"), True, 1 + 2j, OrderedDict(model="claude-opus-4-8"), {1: "int key"}, {(1, 2): "tuple key"},
                 {None: None}, range(3), iter([1]), memoryview(b"m"), 10**4000, 10**5000]


def _with_value(value: Any, key: str, in_block: bool) -> dict[str, Any]:
    body = small_request()
    if in_block:
        body["messages"][0] = {"role": "user", "content": [{"type": "text", "text": "x", key: value}]}
    else:
        body[key] = value
    return body


@property_settings(EXAMPLES["test_python_values_that_are_not_json"])
@given(st.sampled_from(range(len(PYTHON_VALUES))), st.sampled_from(KEYS), st.booleans())
def test_python_values_that_are_not_json(index: int, key: str, in_block: bool) -> None:
    """Values a Python caller might pass by mistake (tuples are even accepted by the SDK):
    validate() must not raise, and no check may fail on them."""
    _assert_clean_run(_with_value(PYTHON_VALUES[index], key, in_block))


@pytest.mark.parametrize(("key", "in_block"), [("temperature", False), ("type", True)])
def test_integer_too_long_to_print(key: str, in_block: bool) -> None:
    """str() of an int of more than 4,300 digits raises ValueError: checks must not print it raw."""
    _assert_clean_run(_with_value(10**5000, key, in_block))


@pytest.mark.parametrize("seed", ["perf/small", "perf/agent"])
def test_every_hostile_value_in_every_field(seed: str) -> None:
    """Deterministic sweep: each hostile value (huge, non-finite, wrong-typed, deeply nested, ...)
    at every top-level field and in the first content block."""
    base = next(s for s in seeds() if s.name == seed)
    fields = sorted(set(base.body) | {"temperature", "tool_choice", "thinking", "tools", "stop_sequences"})
    for value in mutations.HOSTILE:
        for field in fields:
            body = base.fresh()
            body[field] = copy.deepcopy(value)
            _assert_clean_run(body, **{k: v for k, v in base.kwargs().items() if k != "as_of"})
        body = base.fresh()
        body["messages"][0]["content"] = [value] if not isinstance(value, list) else value
        _assert_clean_run(body)


HOSTILE_SWEEP = len(mutations.HOSTILE) * 2  # rough count per field, for the documentation


def test_deep_nesting_does_not_recurse() -> None:
    deep: Any = "leaf"
    for _ in range(100_000):
        deep = {"content": [deep]}
    body = minimal(metadata=deep)
    body["messages"] = [{"role": "user", "content": [deep]}]
    _assert_clean_run(body)


def test_deep_nesting_everywhere() -> None:
    deep: Any = "leaf"
    for _ in range(100_000):
        deep = [deep]
    body = agent_request(2)
    for key in ("system", "tools", "tool_choice", "thinking", "output_config", "stop_sequences"):
        _assert_clean_run({**body, key: deep})
    body["messages"][1]["content"][2]["input"] = {"nested": deep}
    body["tools"][0]["input_schema"]["properties"]["path"] = {"type": "object", "properties": {"x": deep}}
    _assert_clean_run(body)


def test_huge_strings_and_arrays() -> None:
    body = minimal()
    body["messages"] = [{"role": "user", "content": "x" * 5_000_000}] + [{"role": "assistant", "content": "ok"}, {"role": "user", "content": "y"}] * 20_000
    _assert_clean_run(body)


def _grown(shape: str, n: int) -> dict[str, Any]:
    body = agent_request(2)
    if shape == "tools":
        body["tools"] = [dict(body["tools"][0], name=f"tool_{i}") for i in range(n)]
    elif shape == "blocks":
        body["messages"][0]["content"] = [{"type": "text", "text": f"part {i}"} for i in range(n)]
    elif shape == "messages":
        body["messages"] = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"turn {i}"} for i in range(2 * n + 1)]
    elif shape == "tool_results":
        turns = agent_request(n)
        body["messages"] = turns["messages"]
    elif shape == "stop_sequences":
        body["stop_sequences"] = ["stop"] * (10 * n)
    else:
        body["metadata"] = {f"k{i}": i for i in range(n)}
    return body


def _seconds(body: Any) -> float:
    """Wall time of one check, with the garbage collector paused: the property under test is
    algorithmic growth, and a full collection landing in one run is noise, not complexity."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        started = time.perf_counter()
        _assert_clean_run(body)
        return time.perf_counter() - started
    finally:
        if enabled:
            gc.enable()


@pytest.mark.parametrize("shape", ["tools", "blocks", "messages", "tool_results", "stop_sequences", "metadata"])
def test_time_grows_linearly(shape: str) -> None:
    """Four times the input may not take much more than four times as long (a quadratic check would take 16x)."""
    sizes = (250, 1_000) if shape == "tool_results" else (2_500, 10_000)
    small, large = (_grown(shape, n) for n in sizes)
    _seconds(small)  # warm caches
    best_small = min(_seconds(small) for _ in range(3))
    best_large = min(_seconds(large) for _ in range(3))
    assert best_large < max(10 * best_small, 0.5), f"{shape}: {best_small:.3f}s for n, {best_large:.3f}s for 4n"


@pytest.mark.parametrize("shape", ["system", "blocks", "tools"])
def test_memory_is_bounded(shape: str) -> None:
    body = _grown(shape, 5_000 if shape == "tools" else 20_000) if shape != "system" else {**agent_request(2), "system": [{"type": "text", "text": "s" * 10_000_000}]}
    tracemalloc.start()
    try:
        _assert_clean_run(body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 200 * 1024 * 1024, f"{shape}: {peak / 1e6:.0f} MB at peak"


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"as_of": "soon"}, ValueError),
    ({"as_of": object()}, TypeError),
    ({"as_of": math.nan}, TypeError),
    ({"as_of": ["2026-11-24"]}, TypeError),
    ({"api_version": 20230601}, TypeError),
    ({"api_version": "1999-01-01"}, ValueError),
    ({"catalogue": 5}, TypeError),
    ({"catalogue": [object()]}, TypeError),
])
def test_invalid_arguments_raise_cleanly_at_the_call(kwargs: dict[str, Any], error: type) -> None:
    with pytest.raises(error) as info:
        validate(minimal(), **kwargs)
    assert info.traceback[-1].path.name not in ("runner.py", "context.py"), "raised deep inside instead of at the call"
