"""The one-pass acceptor (claude_preflight.engine.acceptor): it accepts only what the full
engine finds nothing in, on the corpus, the rule examples, their text-swapped variants and
generated requests of the accepted shape and near misses."""

from __future__ import annotations

import copy
from datetime import date, datetime, timezone
from typing import Any, Callable

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atlas_counts import build_request, load_cases
from claude_preflight import api
from claude_preflight.catalogue import Catalogue, load_catalogue
from claude_preflight.dates import parse_moment
from claude_preflight.engine import acceptor, runner
from conftest import CATALOGUE_DATE, REPO, minimal

CAT = load_catalogue()
_PLAIN = api.run_request  # the undecorated function (the audit fixture patches the module attribute later)


def _kwargs(request: dict[str, Any], default_date: str = CATALOGUE_DATE) -> dict[str, Any]:
    return {
        "endpoint": request.get("endpoint", "/v1/messages"),
        "headers": request.get("headers"),
        "surface": request.get("surface"),
        "as_of": parse_moment(str(request.get("as_of", default_date))),
        "api_version": request.get("api_version"),
        "headers_complete": bool(request.get("headers_complete", False)),
    }


def _keys(report: Any) -> tuple[Any, ...]:
    return ([(f.code, f.path, f.severity, f.message) for f in report.findings], report.model, report.surface,
            report.api_version, report.as_of, report.endpoint)


def _agree(body: Any, kwargs: dict[str, Any], cat: Catalogue = CAT, *, first_runs: bool = False) -> bool:
    """Whether the acceptor answered; fails when its answer differs from the reference path.
    ``first_runs``: also answer a new signature with the engine run it learns from."""
    fast = acceptor.accept(cat, body, **kwargs, sort=api.sort_findings if first_runs else None)
    if fast is not None:
        reference = acceptor.reference_report(_PLAIN, cat, body, **kwargs)
        assert _keys(fast) == _keys(reference) and fast == reference, (body, _keys(reference))
    return fast is not None


def _map_texts(body: Any, fn: Callable[[str], str]) -> Any:
    """``body`` with every message, system and stop-sequence text replaced by ``fn(text)``."""
    if not isinstance(body, dict):
        return body
    out = copy.deepcopy(body)
    messages = out.get("messages")
    for message in messages if isinstance(messages, list) else ():
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        if isinstance(content, str):
            message["content"] = fn(content)
        elif isinstance(content, list):
            for block in content:
                if isinstance(block, dict) and isinstance(block.get("text"), str):
                    block["text"] = fn(block["text"])
    system = out.get("system")
    if isinstance(system, str):
        out["system"] = fn(system)
    elif isinstance(system, list):
        for block in system:
            if isinstance(block, dict) and isinstance(block.get("text"), str):
                block["text"] = fn(block["text"])
    if isinstance(out.get("stop_sequences"), list):
        out["stop_sequences"] = [fn(s) if isinstance(s, str) else s for s in out["stop_sequences"]]
    return out


def _same_class(core: str) -> Callable[[str], str]:
    """Replace a text by another of the same class (empty, blank, edges kept)."""
    def swap(text: str) -> str:
        if not text or text.isspace():
            return text
        return text[0] + core + text[-1] if len(text) > 1 else core[:1] if not core[:1].isspace() else text
    return swap


_CORES = ["", "x", 'He said "hi" \\ there\n\x01\t', "déjà vu 北京 🚀 " * 40, "sk-ant-api03-" + "A" * 20, "cut \ud83d",
          "claude-opus-4-8", "\n\nHuman: hi\n\nAssistant:", "word " * 3000]


def _requests() -> list[tuple[str, Any, dict[str, Any]]]:
    found: list[tuple[str, Any, dict[str, Any]]] = []
    for stem, case in load_cases():
        if case.get("kind") in ("rejected", "valid") and isinstance(case.get("request"), dict):
            request = build_request(case)
            found.append((f"atlas:{case.get('id')}", request["body"], _kwargs(request, str(case.get("reported", CATALOGUE_DATE)))))
    for index, case in enumerate(yaml.safe_load((REPO / "tests/corpus/foundation.yaml").read_text(encoding="utf-8"))):
        found.append((f"foundation:{index}", case["request"]["body"], _kwargs(case["request"], "2026-11-24")))
    for rule in CAT.rules:
        for way in ("good", "bad"):
            for index, example in enumerate(rule.examples.get(way, ())):
                found.append((f"{rule.code}-{way}{index}", example["body"], _kwargs(example)))
    return found


REQUESTS = _requests()


def test_corpus_examples_and_their_variants_agree_with_the_reference() -> None:
    # Start from no learned signatures, whatever other tests of this process taught the plans
    # (their memory is capped, so the counts below would otherwise depend on test order).
    CAT.derived.pop(acceptor._CACHE, None)
    accepted = variants_accepted = 0
    for _, body, kwargs in REQUESTS:
        accepted += _agree(body, kwargs, first_runs=True)
        for core in _CORES:
            variants_accepted += _agree(_map_texts(body, _same_class(core)), kwargs)
    # The fast path is really taken, also for bodies it learned from another request.
    assert accepted >= 150, accepted
    assert variants_accepted >= 100, variants_accepted


def test_plain_requests_are_accepted_and_reported_like_the_reference() -> None:
    kwargs = {"endpoint": "/v1/messages", "headers": None, "surface": None, "as_of": parse_moment(CATALOGUE_DATE),
              "api_version": None}
    body = minimal(system=[{"type": "text", "text": "Be brief."}], stream=True, temperature=0.5,
                   stop_sequences=["END"])
    body["messages"] = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": [{"type": "text", "text": "Hello."}]},
                        {"role": "user", "content": [{"type": "text", "text": "Tell me more."}]}]
    # A new check that can run on this shape keeps the fast path off until it is read and
    # listed in acceptor.VERIFIED (with the conditions in docs/performance.md).
    assert not acceptor.unverified(CAT, body, **kwargs), acceptor.unverified(CAT, body, **kwargs)
    assert _agree(body, kwargs, first_runs=True)
    assert _agree(_map_texts(body, _same_class("another text")), kwargs)


@pytest.mark.parametrize("change", [
    lambda b: b.update(metadata={"user_id": "u", "session": "s"}),       # not in the accepted shape
    lambda b: b.update(metadata={"user_id": "jane@example.com"}),       # could be personal data
    lambda b: b.update(metadata={"user_id": "+1 (555) 010-9999"}),
    lambda b: b.update(metadata={"user_id": None}),
    lambda b: b.update(max_tokens=True),                                # bool is not a number here
    lambda b: b.update(max_tokens=10**20),                              # beyond the bounded numbers
    lambda b: b.update(temperature=float("nan")),
    lambda b: b["messages"][0].update(content="key sk-ant-api03-abc"),  # the credential prefix
    lambda b: b["messages"][0].update(content="cut \ud83d here"),       # a surrogate (IN003)
    lambda b: b.update(system="pair \ud83d\ude80"),
    lambda b: b["messages"][0].update(name="x"),                        # unknown message key
    lambda b: b["messages"][0].update(content=[{"type": "image", "text": "x"}]),
    lambda b: b["messages"][0].update(role="system"),
    lambda b: b.update(system=[{"type": "text", "text": "x", "cache_control": {"type": "ephemeral"}}]),
    lambda b: b.update(stop_sequences="END"),
], ids=["metadata", "email", "phone", "null-user", "bool", "huge", "nan", "secret", "lone-surrogate", "pair", "message-key", "image", "role", "cache", "stop-type"])
def test_refuses_everything_outside_the_shape(change: Callable[[dict[str, Any]], None]) -> None:
    body = minimal()
    change(body)
    assert acceptor.signature(body) is None
    assert acceptor.accept(CAT, body, endpoint="/v1/messages", headers=None, surface=None,
                           as_of=parse_moment(CATALOGUE_DATE), api_version=None) is None


@pytest.mark.parametrize("text", ["é \ud800", "\udfff", "Ελλάδα \udc00 x", "🚀\ud83d", "sk-ant-api03-x é"])
@pytest.mark.parametrize("where", ["content", "block", "system", "system-block", "stop"])
def test_refuses_a_surrogate_or_the_key_prefix_in_any_text(text: str, where: str) -> None:
    body = minimal()
    place = {
        "content": lambda b, t: b["messages"][0].update(content=t),
        "block": lambda b, t: b["messages"][0].update(content=[{"type": "text", "text": t}]),
        "system": lambda b, t: b.update(system=t),
        "system-block": lambda b, t: b.update(system=[{"type": "text", "text": t}]),
        "stop": lambda b, t: b.update(stop_sequences=[t]),
    }[where]
    place(body, text)
    assert acceptor.signature(body) is None
    place(body, text.replace("sk-ant-", "sk-").encode("utf-8", "replace").decode("utf-8"))  # the same without them
    assert acceptor.signature(body) is not None


def test_refuses_subclasses_headers_and_other_endpoints() -> None:
    class Text(str):
        pass

    moment = parse_moment(CATALOGUE_DATE)
    base = {"endpoint": "/v1/messages", "headers": None, "surface": None, "as_of": moment, "api_version": None}
    assert acceptor.accept(CAT, minimal(), **base) is not None
    assert acceptor.signature(minimal(model=Text("claude-sonnet-4-6"))) is None
    assert acceptor.accept(CAT, minimal(), **{**base, "headers": {"x-api-key": "k"}}) is None
    assert _agree(minimal(stream=True), {**base, "in_batch": True}) is False  # streaming is refused in a batch
    assert acceptor.accept(CAT, minimal(), **{**base, "endpoint": "/v1/messages/count_tokens"}) is None


def test_length_bounds_hand_over_near_the_caching_hint() -> None:
    """CA006 (a large system prompt without a breakpoint) reads a length: the acceptor hands
    over before its threshold, and the reference does report it past the threshold."""
    kwargs = {"endpoint": "/v1/messages", "headers": None, "surface": None, "as_of": parse_moment(CATALOGUE_DATE),
              "api_version": None}
    sizes = [10, 1000, 4000, 8000, 20000, 100000]
    accepted = [n for n in sizes if _agree(minimal(system="word " * n), kwargs)]
    assert accepted and accepted != sizes
    large = acceptor.reference_report(_PLAIN, CAT, minimal(system="word " * 100000), **kwargs)
    assert "CA006" in [f.code for f in large.findings]


def test_an_unverified_check_turns_the_fast_path_off(monkeypatch: pytest.MonkeyPatch) -> None:
    cat = load_catalogue([])  # same files; its own plan cache is separate from CAT's only by key
    cat.derived.pop("engine.acceptor", None)
    monkeypatch.setattr(acceptor, "VERIFIED", acceptor.VERIFIED - {"claude_preflight.checks.messages.text_empty"})
    assert acceptor.accept(cat, minimal(), endpoint="/v1/messages", headers=None, surface=None,
                           as_of=parse_moment("2026-11-25"), api_version=None) is None
    cat.derived.pop("engine.acceptor", None)


def test_switched_off_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_PREFLIGHT_NO_FAST_PATH", "1")
    acceptor.clear()
    try:
        assert acceptor.accept(CAT, minimal(), endpoint="/v1/messages", headers=None, surface=None,
                               as_of=parse_moment(CATALOGUE_DATE), api_version=None) is None
    finally:
        monkeypatch.delenv("CLAUDE_PREFLIGHT_NO_FAST_PATH")
        acceptor.clear()


# ------------------------------------------------------------------ property: accepts => silent

_MODELS = sorted({m.id for m in CAT.models.values()} if isinstance(CAT.models, dict) else {m.id for m in CAT.models})
_WORDS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12).map(lambda t: f"a{t}b")
_CURRENT = ["claude-sonnet-4-6", "claude-opus-4-8", "claude-haiku-4-5", "claude-opus-4-7", "claude-fable-5"]
_NEAR_TEXT = st.sampled_from(["", " ", "\n", "Hi ", " Hi", "\tx\n", "\u3000"])


@st.composite
def _bodies(draw: st.DrawFn) -> dict[str, Any]:
    """A clean request of the accepted shape, then 0-2 near misses (each a known way to fire a rule)."""
    turns = draw(st.integers(0, 3)) * 2 + 1
    messages: list[dict[str, Any]] = [
        {"role": "user" if i % 2 == 0 else "assistant",
         "content": draw(st.one_of(_WORDS, st.lists(st.fixed_dictionaries({"type": st.just("text"), "text": _WORDS}),
                                                    min_size=1, max_size=3)))}
        for i in range(turns)]
    body: dict[str, Any] = {"model": draw(st.sampled_from(_CURRENT)), "max_tokens": draw(st.sampled_from([1, 256, 1024, 4096, 32000])),
                            "messages": messages}
    for name, value in draw(st.lists(st.sampled_from([
            ("system", _WORDS), ("system", st.lists(st.fixed_dictionaries({"type": st.just("text"), "text": _WORDS}), max_size=2)),
            ("stream", st.booleans()), ("temperature", st.floats(0, 1)), ("top_p", st.floats(0, 1)), ("top_k", st.integers(1, 500)),
            ("stop_sequences", st.lists(_WORDS, max_size=3)), ("metadata", st.fixed_dictionaries({"user_id": _WORDS}))]),
            max_size=3)):
        body[name] = draw(value)
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
        miss = draw(st.integers(0, 12))
        target = messages[draw(st.integers(0, len(messages) - 1))] if messages else {}
        if miss == 0:
            target["role"] = draw(st.sampled_from(["user", "assistant", "system"]))
        elif miss == 1:
            target["content"] = draw(_NEAR_TEXT)
        elif miss == 2:
            target["content"] = draw(st.lists(st.fixed_dictionaries({"type": st.just("text"), "text": _NEAR_TEXT}), max_size=2))
        elif miss == 3:
            messages.append({"role": "assistant", "content": draw(st.one_of(_NEAR_TEXT, _WORDS))})
        elif miss == 4:
            body["model"] = draw(st.sampled_from(_MODELS + ["claude-3-opus-latest", "claude-sonnet-4", "gpt-4o",
                                                            "anthropic.claude-opus-4-8", "claude-opus-4-8-20990101"]))
        elif miss == 5:
            body["max_tokens"] = draw(st.one_of(st.integers(-1, 1), st.integers(32000, 10**6)))
        elif miss == 6:
            body[draw(st.sampled_from(["temperature", "top_p", "top_k"]))] = draw(st.one_of(st.floats(-1, 3), st.integers(-1, 3)))
        elif miss == 7:
            body["system"] = draw(st.one_of(_NEAR_TEXT, st.lists(st.fixed_dictionaries({"type": st.just("text"), "text": _NEAR_TEXT}),
                                                                 max_size=2)))
        elif miss == 8:
            body["stop_sequences"] = draw(st.lists(_NEAR_TEXT, max_size=2))
        elif miss == 9:
            body.pop(draw(st.sampled_from(["model", "max_tokens", "messages"])), None)
        elif miss == 10:
            messages.clear()
        elif miss == 11:
            body["metadata"] = {"user_id": draw(st.one_of(st.just("a" * 300), st.just("123456789"), st.just("user-1"),
                                                          st.from_regex(r"[a-z0-9]{1,8}-?[0-9]{1,12}", fullmatch=True)))}
        else:
            body["temperature"], body["top_p"] = draw(st.floats(0, 1)), draw(st.floats(0, 1))
    return body


_BODY = _bodies()
_DAY = st.one_of(st.dates(date(2026, 11, 1), date(2027, 1, 31)), st.dates(date(2026, 11, 1), date(2027, 1, 31)),
                 st.dates(date(2024, 1, 1), date(2027, 12, 31))).map(lambda d: datetime(d.year, d.month, d.day, 12, tzinfo=timezone.utc))


@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=_BODY, as_of=_DAY, surface=st.sampled_from([None, "anthropic", "bedrock", "vertex"]),
       endpoint=st.sampled_from(["/v1/messages", "POST /v1/messages", "https://api.anthropic.com/v1/messages"]),
       in_batch=st.sampled_from([False, False, True]))
def test_property_accepts_only_what_the_engine_finds_nothing_in(body: dict[str, Any], as_of: datetime,
                                                                 surface: str | None, endpoint: str, in_batch: bool) -> None:
    kwargs = {"endpoint": endpoint, "headers": None, "surface": surface, "as_of": as_of, "api_version": None,
              "in_batch": in_batch}
    _agree(body, kwargs, first_runs=True)
    for core in ("z", "longer text here", "北"):
        _agree(_map_texts(body, _same_class(core)), kwargs)


def test_runner_is_untouched_by_the_acceptor() -> None:
    """The acceptor only reads the plan (it never changes what the runner selects)."""
    before = runner.plan
    acceptor.accept(CAT, minimal(), endpoint="/v1/messages", headers=None, surface=None,
                    as_of=parse_moment(CATALOGUE_DATE), api_version=None)
    assert runner.plan is before


def test_plan_level_findings_are_answered_like_the_reference() -> None:
    """A model alias (LC009, info) depends on the model and the day only: the acceptor answers
    it too, with the reference's finding, also for another request of the same signature."""
    kwargs = {"endpoint": "/v1/messages", "headers": None, "surface": None, "as_of": parse_moment(CATALOGUE_DATE),
              "api_version": None}
    first, second = minimal("claude-haiku-4-5"), minimal("claude-haiku-4-5")
    second["messages"] = [{"role": "user", "content": "Something else entirely."}]
    for body in (first, second):
        assert _agree(body, kwargs)
        report = acceptor.accept(CAT, body, **kwargs)  # without sort: only learned answers
        assert report is not None and [f.code for f in report.findings] == ["LC009"]


def test_long_conversations_are_not_remembered() -> None:
    """A signature is kept only up to a few hundred entries (memory stays bounded)."""
    body = minimal()
    body["messages"] = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"turn {i}"} for i in range(301)]
    kwargs = {"endpoint": "/v1/messages", "headers": None, "surface": None, "as_of": parse_moment(CATALOGUE_DATE),
              "api_version": None}
    assert acceptor.accept(CAT, body, **kwargs) is None
    body["messages"] = body["messages"][:5]
    assert _agree(body, kwargs, first_runs=True)


def test_checks_aimed_at_a_text_by_their_params_turn_the_plan_off() -> None:
    """batch_entry_value compares the value its params name: a user rule aimed at a text
    (whose content the signature does not keep) must disable the plan."""
    name = "claude_preflight.checks.endpoints.batch_entry_value"
    assert acceptor._params_sound(CAT, name, {"field": "stream", "values": [True]})
    assert not acceptor._params_sound(CAT, name, {"field": "system", "values": ["x"]})
    assert not acceptor._params_sound(CAT, name, {"field": "metadata.user_id"})
    assert acceptor._params_sound(CAT, "claude_preflight.checks.surfaces.feature_missing", {})
