"""Generated documentation stays in step with the catalogue."""

from __future__ import annotations

from claude_preflight.catalogue import Catalogue
from claude_preflight.catalogue.reference import render
from conftest import REPO


def test_rules_reference_is_up_to_date(catalogue: Catalogue) -> None:
    committed = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == render(catalogue), "docs/rules.md is stale: run python -m claude_preflight.catalogue.reference > docs/rules.md"
