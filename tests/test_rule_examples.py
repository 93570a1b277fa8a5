"""Every rule's catalogue examples, both ways: each bad example is flagged by that rule
(at the stated JSON Pointer), each good example is not flagged by it and has no errors at all.
"""

from __future__ import annotations

import pytest

from claude_preflight.catalogue import load_catalogue
from helpers import describe, run_example

CATALOGUE = load_catalogue()
BAD = [(r.code, i, ex) for r in CATALOGUE.rules for i, ex in enumerate(r.examples.get("bad", ()))]
GOOD = [(r.code, i, ex) for r in CATALOGUE.rules for i, ex in enumerate(r.examples.get("good", ()))]


@pytest.mark.parametrize(("code", "index", "example"), BAD, ids=[f"{c}-bad{i}" for c, i, _ in BAD])
def test_bad_example_is_flagged(code: str, index: int, example: dict) -> None:
    report = run_example(example)
    hits = [f for f in report.findings if f.code == code]
    assert hits, f"{code} did not fire on its bad example {index}:\n{describe(report)}"
    # issue 12: a finding that carries machine edits also says in words what to change
    assert all(f.fix for f in report.findings if f.edits), [f.code for f in report.findings if f.edits and not f.fix]
    if "path" in example:
        assert example["path"] in [f.path for f in hits], f"{code} fired at {[f.path for f in hits]}, expected {example['path']!r}"
    assert not [f for f in report.findings if f.code == "PF900"], describe(report)


@pytest.mark.parametrize(("code", "index", "example"), GOOD, ids=[f"{c}-good{i}" for c, i, _ in GOOD])
def test_good_example_passes(code: str, index: int, example: dict) -> None:
    report = run_example(example)
    assert code not in [f.code for f in report.findings], f"{code} fired on its good example {index}:\n{describe(report)}"
    assert report.ok, f"good example {index} of {code} has errors:\n{describe(report)}"


# Rules whose bad examples YAML cannot hold, with the test file that holds them instead.
BAD_EXAMPLES_ELSEWHERE = {
    "IN003": "tests/test_input_rules.py (a lone UTF-16 surrogate: libyaml refuses the escape)",
}


def test_every_rule_has_examples_both_ways() -> None:
    # Rules with no body kinds are reported by the front ends and tested there (tests/test_config.py).
    request_rules = [r for r in CATALOGUE.rules if r.applies.bodies]
    missing = [r.code for r in request_rules if not r.examples.get("good")
               or not (r.examples.get("bad") or r.code in BAD_EXAMPLES_ELSEWHERE)]
    assert not missing, f"rules without a bad and a good example: {missing}"
    assert all(not CATALOGUE.rule_by_code[code].examples.get("bad") for code in BAD_EXAMPLES_ELSEWHERE)
