"""The example corpus: known-bad cases are flagged by the expected rules, known-good cases pass clean."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from claude_preflight import validate
from helpers import describe

CORPUS = Path(__file__).parent / "corpus"
CASES: list[tuple[str, dict[str, Any]]] = [
    (f"{path.stem}:{index}", case)
    for path in sorted(CORPUS.glob("*.yaml"))
    for index, case in enumerate(yaml.safe_load(path.read_text(encoding="utf-8")))
]


def test_every_case_cites_a_source() -> None:
    assert CASES
    for name, case in CASES:
        assert str(case.get("source", "")).startswith("https://"), name
        assert ("expect" in case) != bool(case.get("clean")), name


@pytest.mark.parametrize(("name", "case"), CASES, ids=[n for n, _ in CASES])
def test_case(name: str, case: dict[str, Any]) -> None:
    request = case["request"]
    report = validate(
        request["body"],
        endpoint=request.get("endpoint", "/v1/messages"),
        headers=request.get("headers"),
        surface=request.get("surface"),
        as_of=request.get("as_of", "2026-11-24"),
        api_version=request.get("api_version"),
    )
    if case.get("clean"):
        assert report.ok, f"{case['title']}:\n{describe(report)}"
    else:
        missing = set(case["expect"]) - set(report.codes())
        assert not missing, f"{case['title']}: expected {sorted(missing)}:\n{describe(report)}"
