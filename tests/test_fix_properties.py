"""Properties of fix(), with hypothesis: a fix never introduces a new finding, fixing twice
equals fixing once, content the fix does not target is preserved, the input is never
mutated; and on files, the in-place fixer agrees with fix() and is idempotent."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_preflight import fix, validate
from claude_preflight.catalogue import load_catalogue
from claude_preflight.dates import parse_moment
from claude_preflight.files import pointer
from claude_preflight.files.checking import Options
from claude_preflight.fixing import fix_file
from claude_preflight.fixing.patch import apply_edits, map_through
from conftest import CATALOGUE_DATE

MODELS = [
    "claude-opus-4-8",
    "claude-opus-4-6",
    "claude-opus-4-6-20260205",
    "claude-sonnet-4-6",
    "claude-sonnet-4-20250514",
    "claude-sonnet-4-5-20250929",
    "claude-haiku-4-5-20251001",
    "claude-opus-5-5",
    "claude-sonnet-5-5",
    "claude-3-7-sonnet-20250219",
    "opus",
]
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)
SAMPLING = st.fixed_dictionaries(
    {},
    optional={
        "temperature": st.sampled_from([0, 0.3, 1, 1.5]),
        "top_p": st.sampled_from([0.5, 0.97]),
        "top_k": st.sampled_from([0, 5]),
    },
)
THINKING = st.one_of(
    st.none(),
    st.just({"type": "adaptive"}),
    st.just({"type": "disabled"}),
    st.builds(lambda b, d: {"type": "enabled", "budget_tokens": b, **({"display": "summarized"} if d else {})},
              st.sampled_from([1024, 4000, 200000]), st.booleans()),
)
SYSTEM = st.one_of(st.none(), TEXT, st.lists(st.builds(lambda t: {"type": "text", "text": t}, TEXT.filter(bool)), min_size=1, max_size=2))
UNKNOWN = st.dictionaries(st.sampled_from(["temprature", "frequency_penalty", "max_token", "stop_sequence", "n"]), st.sampled_from([1, 0.5, "x"]), max_size=2)
UNTOUCHED = st.fixed_dictionaries(
    {},
    optional={
        "metadata": st.fixed_dictionaries({"user_id": TEXT}),
        "stop_sequences": st.lists(TEXT, max_size=2),
        "tools": st.just([{"name": "get_time", "description": "Current time", "input_schema": {"type": "object"}}]),
    },
)


@st.composite
def bodies(draw: st.DrawFn) -> dict[str, Any]:
    body: dict[str, Any] = {"model": draw(st.sampled_from(MODELS)), "max_tokens": draw(st.sampled_from([1024, 16000, 128001, 400000]))}
    body.update(draw(SAMPLING))
    thinking = draw(THINKING)
    if thinking is not None:
        body["thinking"] = thinking
    system = draw(SYSTEM)
    if system is not None:
        body["system"] = system
    messages: list[Any] = []
    if draw(st.booleans()):
        messages.append({"role": "system", "content": draw(st.one_of(TEXT, st.just([{"type": "text", "text": "Be terse."}])))})
    messages.append({"role": "user", "content": draw(TEXT.filter(lambda t: bool(t.strip())))})
    if draw(st.booleans()):
        messages += [{"role": "assistant", "content": "Hello."}, {"role": "user", "content": "More?"}]
        if draw(st.booleans()):
            messages.insert(2, {"role": "system", "content": "Answer in French."})
    body["messages"] = messages
    body.update(draw(UNKNOWN))
    body.update(draw(UNTOUCHED))
    return body


OPTIONS = {"as_of": CATALOGUE_DATE}
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _records(body: Any, result: Any) -> list[Any]:
    """Replay the applied edits to learn how pointers moved."""
    records: list[Any] = []
    current = body
    for applied in result.applied:
        current, step = apply_edits(current, applied.edits)
        records.extend(step)
    assert current == result.body
    return records


@SETTINGS
@given(bodies(), st.booleans())
def test_fix_never_introduces_a_finding(body: dict[str, Any], unsafe: bool) -> None:
    before = validate(body, **OPTIONS)
    result = fix(body, unsafe=unsafe, **OPTIONS)
    records = _records(body, result)
    expected = {(f.code, map_through(f.path, records)) for f in before.findings}
    after = {(f.code, f.path) for f in result.remaining.findings}
    assert after <= expected, sorted(after - expected)
    assert len(result.remaining.errors) <= len(before.errors)


@SETTINGS
@given(bodies(), st.booleans())
def test_fixing_twice_equals_fixing_once(body: dict[str, Any], unsafe: bool) -> None:
    once = fix(body, unsafe=unsafe, **OPTIONS)
    twice = fix(once.body, unsafe=unsafe, **OPTIONS)
    assert twice.body == once.body
    assert not twice.applied


@SETTINGS
@given(bodies(), st.booleans())
def test_untargeted_content_is_preserved_and_input_untouched(body: dict[str, Any], unsafe: bool) -> None:
    snapshot = copy.deepcopy(body)
    result = fix(body, unsafe=unsafe, **OPTIONS)
    assert body == snapshot
    targeted = {pointer.split(e.path)[0] for a in result.applied for e in a.edits}
    renamed = {pointer.split(e.path)[0] for a in result.applied for e in a.edits if e.op == "add"}
    for key, value in snapshot.items():
        if key not in targeted:
            assert result.body[key] == value, key
    for key in set(result.body) - set(snapshot):
        assert key in renamed
    # Messages: at most the leading system message goes; everything else is as it was.
    if "messages" in targeted:
        moved = snapshot["messages"][1:]
        assert result.body["messages"] == moved
        assert snapshot["messages"][0]["role"] == "system"


# ------------------------------------------------------------------ files

CATALOGUE = load_catalogue()
FILE_OPTIONS = Options(catalogue=CATALOGUE, as_of=parse_moment(CATALOGUE_DATE))
LAYOUTS = st.sampled_from([
    {"indent": None, "separators": (",", ":")},
    {"indent": None, "separators": (", ", ": ")},
    {"indent": 2},
    {"indent": 3, "separators": (",", " : ")},
    {"indent": "\t"},
])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(bodies(), LAYOUTS, st.booleans(), st.booleans())
def test_json_file_fix_agrees_with_fix_and_is_idempotent(tmp_path_factory: Any, body: dict[str, Any], layout: dict[str, Any], crlf: bool, unsafe: bool) -> None:
    path: Path = tmp_path_factory.mktemp("prop") / "req.json"
    text = json.dumps(body, ensure_ascii=False, **layout) + "\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    path.write_bytes(text.encode("utf-8"))
    expected = fix(body, unsafe=unsafe, **OPTIONS)
    result = fix_file(path, FILE_OPTIONS, unsafe=unsafe)
    assert result.refused is None or (expected.refusal is not None and result.refused == expected.refusal)
    assert json.loads(path.read_bytes().decode("utf-8")) == expected.body
    once = path.read_bytes()
    if crlf:
        assert b"\n" not in once.replace(b"\r\n", b"")
    again = fix_file(path, FILE_OPTIONS, unsafe=unsafe)
    assert not again.applied and path.read_bytes() == once


YAML_LAYOUTS = st.sampled_from([
    {"default_flow_style": False, "indent": 2},
    {"default_flow_style": False, "indent": 4},
    {"default_flow_style": None, "indent": 2},
])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(bodies(), YAML_LAYOUTS, st.booleans())
def test_yaml_file_fix_agrees_with_fix_keeps_comments_and_is_idempotent(tmp_path_factory: Any, body: dict[str, Any], layout: dict[str, Any], unsafe: bool) -> None:
    import yaml

    from claude_preflight.files.yaml_source import load_documents

    path: Path = tmp_path_factory.mktemp("prop") / "req.yaml"
    text = "# fixture: keep me\n" + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=10_000, **layout)
    path.write_text(text, encoding="utf-8")
    [parsed] = load_documents(text)
    expected = fix(parsed, unsafe=unsafe, **OPTIONS)
    result = fix_file(path, FILE_OPTIONS, unsafe=unsafe)
    fixed = path.read_text(encoding="utf-8")
    if result.refused is None:
        assert load_documents(fixed) == [expected.body]
    else:
        assert fixed == text
    assert fixed.startswith("# fixture: keep me\n")
    again = fix_file(path, FILE_OPTIONS, unsafe=unsafe)
    assert not again.applied and path.read_text(encoding="utf-8") == fixed
