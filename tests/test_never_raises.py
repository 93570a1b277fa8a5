"""validate() turns any input value into findings; it never raises on request data."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_preflight import validate
from conftest import minimal

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


def _assert_clean_run(body: Any, **kwargs: Any) -> None:
    report = validate(body, as_of="2026-11-24", **kwargs)
    assert NO_INTERNAL not in report.codes(), report.summary_text()
    for finding in report.findings:
        assert finding.path == "" or finding.path.startswith("/")
        assert finding.severity in ("error", "warning", "info")


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_arbitrary_json_bodies(body: Any) -> None:
    _assert_clean_run(body)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(request_like)
def test_request_shaped_bodies(body: Any) -> None:
    _assert_clean_run(body)


@settings(max_examples=200)
@given(st.dictionaries(st.sampled_from(KEYS), request_like, max_size=8), st.sampled_from(MODELS))
def test_mutated_requests(extra: dict[str, Any], model: str) -> None:
    body = minimal(model)
    body.update(extra)
    _assert_clean_run(body)


@settings(max_examples=200)
@given(json_values, json_values, st.text(max_size=30))
def test_arbitrary_headers_surface_endpoint(headers: Any, surface: Any, endpoint: str) -> None:
    _assert_clean_run(minimal(), headers=headers, surface=surface if isinstance(surface, str) else None, endpoint=endpoint)


def test_deep_nesting_does_not_recurse() -> None:
    deep: Any = "leaf"
    for _ in range(100_000):
        deep = {"content": [deep]}
    body = minimal(metadata=deep)
    body["messages"] = [{"role": "user", "content": [deep]}]
    _assert_clean_run(body)


def test_huge_strings_and_arrays() -> None:
    body = minimal()
    body["messages"] = [{"role": "user", "content": "x" * 5_000_000}] + [{"role": "assistant", "content": "ok"}, {"role": "user", "content": "y"}] * 20_000
    _assert_clean_run(body)
