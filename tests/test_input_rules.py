"""Input family (IN) request rules: unpaired UTF-16 surrogates (IN003).

The bad examples live here because YAML cannot hold a lone surrogate (libyaml refuses the
escape), so the rule's catalogue entry has only its good example.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from claude_preflight import validate
from conftest import minimal

DATE = "2026-11-24"


def in003(body: Any, **kwargs: Any) -> list[Any]:
    return [f for f in validate(body, as_of=DATE, **kwargs).findings if f.code == "IN003"]


def test_lone_high_surrogate_in_a_tool_result_is_an_error() -> None:
    """anthropics/claude-code#31066: text cut in the middle of an emoji."""
    body = minimal("claude-opus-4-6")
    body["messages"] = [
        {"role": "user", "content": "Parse the JSON from the site."},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_01A", "name": "fetch", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01A", "content": '{"title": "Caf\ud83d'}]},
    ]
    found = in003(body)
    assert [(f.path, f.severity) for f in found] == [("/messages/2/content/0/content", "error")]
    assert "high surrogate (U+D83D) at character 14" in found[0].message


def test_lone_low_surrogate_in_system_is_an_error() -> None:
    """anthropics/claude-code#3276: "invalid high surrogate in string"."""
    body = minimal("claude-sonnet-4-6", system="\udca9 then more text")
    found = in003(body)
    assert [f.path for f in found] == ["/system"] and "low surrogate (U+DCA9) at character 0" in found[0].message


def test_a_key_with_a_lone_surrogate_is_reported_with_a_printable_path() -> None:
    body = minimal("claude-sonnet-4-6", metadata={"user\ud800": "x"})
    found = in003(body)
    assert [f.path for f in found] == ["/metadata/user\\ud800"]
    found[0].path.encode("utf-8")  # printable


def test_complete_pairs_and_plain_text_pass() -> None:
    # a pair kept as two code points (as some decoders produce) is written back as a valid escape pair
    assert not in003(minimal("claude-sonnet-4-6", system="ok \ud83d\ude00 and \U0001F600 and café"))
    assert not in003(json.loads('{"model": "claude-sonnet-4-6", "max_tokens": 8, "messages": [{"role": "user", "content": "\\ud83d\\ude00"}]}'))


def test_lone_surrogate_read_from_json_text_is_found_in_a_batch_entry() -> None:
    body = json.loads('{"requests": [{"custom_id": "a", "params": {"model": "claude-sonnet-4-6", "max_tokens": 8,'
                      ' "messages": [{"role": "user", "content": "cut \\ud83d"}]}}]}')
    found = in003(body, endpoint="/v1/messages/batches")
    assert found and found[0].severity == "error"


def test_many_damaged_strings_are_capped() -> None:
    body = minimal("claude-sonnet-4-6")
    body["messages"] = [{"role": "user", "content": f"part {i} \ud83d"} for i in range(0, 99, 2)]
    assert 1 <= len(in003(body)) <= 20


_SURROGATE = st.integers(0xD800, 0xDFFF).map(chr)


@settings(max_examples=200, deadline=None)
@given(text=st.lists(st.one_of(st.characters(), _SURROGATE), max_size=12).map("".join))
def test_property_fires_exactly_when_json_text_would_hold_an_unpaired_escape(text: str) -> None:
    """The rule agrees with a reference: json.dumps the string, decode the JSON strictly as UTF-16
    pairs (what the API's parser does), and see whether it fails."""
    encoded = json.dumps(text)  # ensure_ascii: surrogates become \\uXXXX escapes
    units = json.loads(encoded)
    try:
        units.encode("utf-16", "strict")
        unpaired = False
    except UnicodeEncodeError:
        unpaired = True
    assert bool(in003(minimal("claude-sonnet-4-6", system=text or "x"))) == unpaired
