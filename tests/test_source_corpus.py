"""Real call sites (tests/corpus/source): flagged exactly where the issues say, SDK examples clean."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from claude_preflight.source import check_source, read_source
from claude_preflight.source.model import SourceDocument

CORPUS = Path(__file__).parent / "corpus" / "source"
AS_OF = "2026-12-04"
EXPECT = re.compile(r"expect: ([A-Z]{2}\d{3}(?:, [A-Z]{2}\d{3})*)")
FLAGGED = sorted((CORPUS / "flagged").iterdir())
CLEAN = sorted((CORPUS / "clean").iterdir())


def expected(text: str) -> set[tuple[int, str]]:
    found = set()
    for number, line in enumerate(text.splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            found.update((number, code) for code in match.group(1).split(", "))
    return found


def test_every_corpus_file_cites_its_source() -> None:
    for path in FLAGGED + CLEAN:
        first = path.read_text().splitlines()[0]
        assert "Source: https://github.com/" in first, path.name


@pytest.mark.parametrize("path", FLAGGED, ids=lambda p: p.name)
def test_flagged_call_sites_are_reported_on_the_expected_lines(path: Path) -> None:
    text = path.read_text()
    wanted = expected(text)
    assert wanted, "a flagged corpus file must mark its findings"
    findings = check_source(str(path), text, as_of=AS_OF)
    got = {(f.line, f.code) for f in findings if f.severity in ("error", "warning")}
    assert got == wanted, "\n".join(f"{f.line}:{f.column} {f.code} {f.message}" for f in findings)


@pytest.mark.parametrize("path", CLEAN, ids=lambda p: p.name)
def test_official_sdk_examples_pass_clean(path: Path) -> None:
    text = path.read_text()
    calls = [d for d in read_source(str(path), text) if isinstance(d, SourceDocument)]
    findings = check_source(str(path), text, as_of=AS_OF)
    assert calls, "the example's call sites must be recognised"
    assert [f for f in findings if f.severity != "info"] == []
