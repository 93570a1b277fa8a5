"""Shared helpers for the tests."""

from __future__ import annotations

from typing import Any, Mapping

from claude_preflight import validate
from claude_preflight.report import Report

CATALOGUE_DATE = "2026-11-24"


def run_example(example: Mapping[str, Any]) -> Report:
    return validate(
        example["body"],
        endpoint=example.get("endpoint", "/v1/messages"),
        headers=example.get("headers"),
        surface=example.get("surface"),
        as_of=example.get("as_of", CATALOGUE_DATE),
        api_version=example.get("api_version"),
        headers_complete=example.get("headers_complete", False),
    )


def codes(report: Report) -> list[str]:
    return [f.code for f in report.findings]


def describe(report: Report) -> str:
    return "\n".join(f"{f.code} {f.severity} {f.path}: {f.message}" for f in report.findings) or "(no findings)"
