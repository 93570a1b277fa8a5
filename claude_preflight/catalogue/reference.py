"""Render the rules reference (docs/rules.md) from the catalogue.

Regenerate with ``python -m claude_preflight.catalogue.reference > docs/rules.md``;
a test fails when the committed file is out of date.
"""

from __future__ import annotations

import sys
from itertools import groupby

from claude_preflight.catalogue import Catalogue, load_catalogue


def render(catalogue: Catalogue) -> str:
    lines = [
        "# Rules reference",
        "",
        "Generated from the catalogue (`rules/families/*.yaml`) by",
        "`python -m claude_preflight.catalogue.reference`; do not edit by hand.",
        "",
        f"{len(catalogue.rules)} rules. Severity: **error** = the API rejects the request;",
        "**warning** = it is accepted but mishandled, or the sources disagree; **info** = a hint.",
        "",
        "| Code | Name | Severity | Checks | Fix |",
        "|---|---|---|---|---|",
    ]
    for rule in catalogue.rules:
        fix = rule.fix["safety"] if rule.fix else ""
        lines.append(f"| [{rule.code}](#{rule.code.lower()}) | {rule.name} | {rule.severity} | {_cell(rule.summary)} | {fix} |")
    by_family = sorted(catalogue.rules, key=lambda r: (r.family, r.code))
    for family, rules in groupby(by_family, key=lambda r: r.family):
        lines += ["", f"## {family}"]
        for rule in rules:
            lines += ["", f"### {rule.code}", "", f"**{rule.name}** ({rule.severity}) - {rule.summary}", "", rule.explanation, ""]
            if rule.fix:
                lines += [f"Fix ({rule.fix['safety']}): {rule.fix['description']}", ""]
            lines.append("Sources:")
            for key in rule.sources:
                source = catalogue.sources[key]
                marker = " (secondary)" if source.kind == "secondary" else ""
                lines.append(f"- [{source.title}]({source.url}){marker}")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def main() -> int:
    sys.stdout.write(render(load_catalogue()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
