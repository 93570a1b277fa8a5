"""Inline suppressions in YAML fixtures: ``# claude-preflight: ignore[SP002, LC001]``.

A directive at the end of a line applies to findings on that line; a directive on a
line of its own applies to the next line. ``ignore`` without a list suppresses every
finding there. Directives that suppress nothing are reported (rule CF002).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from claude_preflight.config import matches
from claude_preflight.report import Finding

_DIRECTIVE = re.compile(r"#\s*claude-preflight:\s*ignore(?:\[(?P<codes>[^\]]*)\])?")


@dataclass
class Directive:
    line: int  # 1-based line the directive sits on
    target: int  # 1-based line it applies to
    column: int
    selectors: tuple[str, ...]
    used: bool = False


@dataclass
class InlineSuppressions:
    directives: list[Directive] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> InlineSuppressions:
        found = cls()
        if "claude-preflight:" not in text:
            return found
        for number, line in enumerate(text.splitlines(), start=1):
            match = _DIRECTIVE.search(line)
            if match is None:
                continue
            own_line = not line[: match.start()].strip()
            codes = match.group("codes")
            selectors = tuple(s.strip() for s in codes.split(",") if s.strip()) if codes is not None else ()
            found.directives.append(Directive(number, number + 1 if own_line else number, match.start() + 1, selectors))
        return found

    def filter(self, findings: list[Finding]) -> list[Finding]:
        if not self.directives:
            return findings
        kept = []
        for finding in findings:
            directive = next(
                (d for d in self.directives if d.target == finding.line and (not d.selectors or any(matches(s, finding) for s in d.selectors))),
                None,
            )
            if directive is None:
                kept.append(finding)
            else:
                directive.used = True
        return kept

    def unused(self) -> list[Directive]:
        return [d for d in self.directives if not d.used]
