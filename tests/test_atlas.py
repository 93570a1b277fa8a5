"""The atlas of real API errors (tests/corpus/atlas): rejected requests are flagged by the rule
their class names, official examples pass with no error, unpredictable errors say why."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from atlas_counts import DOC, KINDS, build_request, compute, documented_block, load_cases, message_key, render
from claude_preflight import validate
from claude_preflight.catalogue import load_catalogue
from claude_preflight.report import Report
from helpers import describe

# Cases the catalogue does not get right yet: rejected cases whose expected rule is missing or does
# not fire, valid examples it still blocks. Each is a strict xfail (it must fail today); remove its
# ID here when the catalogue learns it, then run `python tests/atlas_counts.py --write`.
PENDING_IDS: list[str] = []

CASES = load_cases()
IDS = [str(case.get("id")) for _, case in CASES]
RULE_CODES = set(load_catalogue().rule_by_code)
RUNNABLE = [(stem, case) for stem, case in CASES if case.get("kind") in ("rejected", "valid")]


def _check(case: dict[str, Any]) -> Report:
    request = build_request(case)
    return validate(
        request["body"],
        endpoint=request.get("endpoint", "/v1/messages"),
        headers=request.get("headers"),
        surface=request.get("surface"),
        as_of=str(request.get("as_of", case.get("reported"))),
        api_version=request.get("api_version"),
        headers_complete=bool(request.get("headers_complete", False)),
    )


def test_case_ids_are_unique_and_pending_ids_exist() -> None:
    assert CASES
    duplicates = sorted({i for i in IDS if IDS.count(i) > 1})
    assert not duplicates, duplicates
    assert not set(PENDING_IDS) - set(IDS), sorted(set(PENDING_IDS) - set(IDS))
    assert len(PENDING_IDS) == len(set(PENDING_IDS))
    runnable = {str(case.get("id")) for _, case in RUNNABLE}
    assert not set(PENDING_IDS) - runnable, "only rejected and valid cases can be pending"


@pytest.mark.parametrize(("stem", "case"), CASES, ids=IDS)
def test_case_is_well_formed(stem: str, case: dict[str, Any]) -> None:
    kind = case.get("kind")
    assert kind in KINDS, kind
    assert stem.startswith(kind) or (kind == "unpredictable" and stem == "unpredictable"), (stem, kind)
    assert re.fullmatch(r"[a-z0-9][a-z0-9.-]*", str(case.get("id"))), case.get("id")
    assert str(case.get("source", "")).startswith("https://")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(case.get("reported", "")))
    if kind == "valid":
        assert "expect" not in case and "request" in case
    else:
        assert str(case.get("message", "")).strip()
    if kind == "rejected":
        assert "request" in case and case.get("expect"), "a rejected case names the rules that must flag it"
        unknown = set(case["expect"]) - RULE_CODES - {"NEW"}
        assert not unknown, f"expect names codes the catalogue does not have: {sorted(unknown)}"
        if "NEW" in case["expect"]:
            assert str(case.get("proposed", "")).strip(), "a NEW placeholder describes the proposed rule"
            assert case["id"] in PENDING_IDS
        if "severity" in case:
            # flagged below error on purpose: the rule cannot be certain (an estimate), or sources conflict
            assert case["severity"] == "warning" and str(case.get("why", "")).strip(), "a warning-level case says why"
    if kind == "unpredictable":
        assert str(case.get("reason", "")).strip(), "an unpredictable case says why"


def _marks(case: dict[str, Any]) -> list[Any]:
    if case.get("id") in PENDING_IDS:
        return [pytest.mark.xfail(strict=True, reason="rule pending in the catalogue")]
    return []


@pytest.mark.parametrize(
    "case", [pytest.param(case, id=str(case.get("id")), marks=_marks(case)) for _, case in RUNNABLE]
)
def test_case(case: dict[str, Any]) -> None:
    report = _check(case)
    if case["kind"] == "valid":
        assert report.ok, f"{case['id']} ({case['source']}):\n{describe(report)}"
        return
    severity = case.get("severity", "error")
    flagged = {f.code for f in report.findings if f.severity == severity}
    missing = set(case["expect"]) - flagged
    assert not missing, f"{case['id']}: expected {sorted(missing)} at {severity} severity:\n{describe(report)}"


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=str(c.get("id"))) for _, c in CASES if c.get("kind") == "unpredictable" and "request" in c],
)
def test_unpredictable_case_does_not_raise(case: dict[str, Any]) -> None:
    assert isinstance(_check(case), Report)


def test_docs_counts_match_the_atlas() -> None:
    expected = render(compute(CASES, PENDING_IDS))
    assert documented_block(DOC.read_text(encoding="utf-8")) == expected, (
        "docs/atlas.md is out of date: run `python tests/atlas_counts.py --write`"
    )


def test_message_key_merges_reports_of_one_message_only() -> None:
    one = {"message": "messages.22: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_01A."}
    two = {"message": "messages.7: tool_use ids were found without tool_result blocks immediately after: call_x9."}
    wrapped = {"message": "The model returned the following errors: temperature is deprecated for this model."}
    plain = {"message": "`temperature` is deprecated for this model."}
    other = {"message": "`top_p` is deprecated for this model."}
    assert message_key(one) == message_key(two)
    assert message_key(wrapped) == message_key(plain)
    assert message_key(plain) != message_key(other)


def test_payload_directives_expand_to_real_payloads() -> None:
    request = build_request(
        {"request": {"body": {"a": "$png(width=3,height=2,bytes=100)", "b": ["$text(chars=7)", "$pdf(pages=2)"], "c": "$png"}}}
    )
    png = base64.b64decode(request["body"]["a"])
    assert png.startswith(b"\x89PNG") and len(png) == 100
    assert int.from_bytes(png[16:20], "big") == 3 and int.from_bytes(png[20:24], "big") == 2
    assert len(request["body"]["b"][0]) == 7
    assert base64.b64decode(request["body"]["b"][1]).count(b"/Type /Page ") == 2
    assert request["body"]["c"] == "$png"
