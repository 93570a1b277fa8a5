"""Generated documentation stays in step with the catalogue."""

from __future__ import annotations

from claude_preflight.catalogue import Catalogue
from claude_preflight.catalogue.reference import render
from conftest import REPO


def test_rules_reference_is_up_to_date(catalogue: Catalogue) -> None:
    committed = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == render(catalogue), "docs/rules.md is stale: run python -m claude_preflight.catalogue.reference > docs/rules.md"


def test_cli_reference_names_every_check_option_and_no_other() -> None:
    import argparse
    import re

    from claude_preflight.cli.main import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    options = {opt for action in sub.choices["check"]._actions for opt in action.option_strings if opt.startswith("--")}
    options |= {opt for name in ("models", "rules") for action in sub.choices[name]._actions for opt in action.option_strings if opt.startswith("--")}
    options -= {"--help"}
    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    mentioned = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", text))
    assert not options - mentioned, f"docs/cli.md does not describe {sorted(options - mentioned)}"
    assert not mentioned - options - {"--version", "--help"}, f"docs/cli.md names unknown options {sorted(mentioned - options)}"
