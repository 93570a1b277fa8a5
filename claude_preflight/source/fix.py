"""Format-preserving fixes of source code: remove a ``key=value`` item, replace a string literal.

Only findings whose every edit maps to such a change are applied (``remove`` of an item
written in the call or one of its literal objects; ``replace`` of a plain one-piece string
literal by another string). Everything else is left for a person. Fixing runs until
nothing more changes, so running it again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from claude_preflight.files.documents import FileProblem
from claude_preflight.fixing.body import AppliedFix
from claude_preflight.fixing.engine import allowed
from claude_preflight.report import Finding
from claude_preflight.source.model import Call, Entry, Literal

if TYPE_CHECKING:
    from claude_preflight.files.checking import Options
    from claude_preflight.fixing.files import FileFixResult

MAX_ROUNDS = 8


@dataclass(frozen=True)
class TextEdit:
    start: int
    end: int
    text: str


@dataclass
class SourceFixResult:
    text: str
    applied: list[AppliedFix] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.applied)


def removal(text: str, entry: Entry) -> TextEdit:
    """The edit that removes one item and the separator that belongs to it."""
    if entry.after is not None:
        return TextEdit(entry.span.start, entry.after, "")
    start, end = entry.before, entry.span.end
    # The last item: drop the separator before it, keep a trailing comma's layout.
    between = text[start:entry.span.start]
    if "," not in between:  # the only item: remove it and its trailing comma, if any
        start = entry.span.start
        rest = text[end:]
        stripped = rest.lstrip(" \t")
        if stripped.startswith(","):
            end += len(rest) - len(stripped) + 1
    return TextEdit(start, end, "")


def quoted(value: str, literal: Literal) -> str | None:
    """``value`` written with the literal's quote, or None when it would need escapes."""
    if literal.quote in value or "\\" in value or "\n" in value or (literal.quote == "`" and "${" in value):
        return None
    if not value.isprintable():
        return None
    return literal.quote + value + literal.quote


def edits_for(finding: Finding, call: Call, text: str) -> list[TextEdit] | None:
    """The text edits of a finding's machine edits, or None when one has no safe source form."""
    found: list[TextEdit] = []
    for edit in finding.edits:
        op, path, value = getattr(edit, "op", None), getattr(edit, "path", None), getattr(edit, "value", None)
        if op == "remove" and path in call.entries:
            found.append(removal(text, call.entries[path]))
        elif op == "replace" and path in call.literals and isinstance(value, str):
            literal = call.literals[path]
            written = quoted(value, literal)
            if written is None:
                return None
            found.append(TextEdit(literal.span.start, literal.span.end, written))
        else:
            return None
    return found or None


def _applied(finding: Finding, edits: list[TextEdit], before: str) -> AppliedFix:
    changes = tuple(f"{before[e.start:e.end].strip()!s} -> {e.text or '(removed)'}" for e in edits)
    return AppliedFix(finding.code, finding.name, finding.severity, finding.message, finding.path,
                      finding.fix_safety or "safe", finding.fix or "", tuple(finding.edits), changes,
                      file=finding.file, line=finding.line, column=finding.column)


def fix_text(text: str, check: Callable[[str], list[tuple[Call, list[Finding]]] | FileProblem], *,
             unsafe: bool = False) -> SourceFixResult:
    """Apply the safe (or, with ``unsafe``, also the unsafe) fixes to a source text.

    ``check`` gives, for a text, each call site with its certain findings.
    """
    result = SourceFixResult(text)
    for _ in range(MAX_ROUNDS):
        checked = check(result.text)
        if isinstance(checked, FileProblem):
            result.problems.append(checked)
            return result
        planned: list[tuple[Finding, list[TextEdit]]] = []
        taken: list[tuple[int, int]] = []
        for call, findings in checked:
            for finding in findings:
                if not allowed(finding, unsafe):
                    continue
                edits = edits_for(finding, call, result.text)
                if edits is None or any(_overlaps(e, taken) for e in edits):
                    continue
                taken.extend((e.start, e.end) for e in edits)
                planned.append((finding, edits))
        if not planned:
            break
        before = result.text
        for finding, edits in planned:
            result.applied.append(_applied(finding, edits, before))
        text = before
        for edit in sorted((e for _, edits in planned for e in edits), key=lambda e: e.start, reverse=True):
            text = text[:edit.start] + edit.text + text[edit.end:]
        result.text = text
    return result


def _overlaps(edit: TextEdit, taken: list[tuple[int, int]]) -> bool:
    return any(edit.start < end and start < edit.end or (edit.start == start and edit.end == end) for start, end in taken)


def fix_file(path: Path, options: Options, *, unsafe: bool, diff: bool, used: set[int] | None) -> FileFixResult:
    """Fix one source file in place (or only compute the diff); never writes a text that no
    longer parses or that has findings the original did not have."""
    from claude_preflight.dates import now_utc
    from claude_preflight.files.checking import Checker, FileResult
    from claude_preflight.files.documents import decode, read_bytes
    from claude_preflight.fixing.files import FileFixResult, ChangedOnDisk, unified_diff, split_encoding, atomic_write
    from claude_preflight.source import check_source_text, fix_source

    name = str(path)
    if options.as_of is None:
        options = replace(options, as_of=now_utc())  # one moment for the whole run
    checker = Checker(options)
    if used is not None:
        checker.used_overrides = used
    data, problem = read_bytes(path)
    text = None
    if problem is None and data is not None:
        text, problem = decode(data, name)
    if problem is not None or text is None or data is None:
        return FileFixResult(name, result=FileResult(name, problems=[problem] if problem else []))
    before = check_source_text(checker, name, text)
    if before.problems or not any(allowed(f, unsafe) for f in before.findings):
        return FileFixResult(name, result=before)
    fixed = fix_source(name, text, options, unsafe=unsafe)
    if not fixed.applied or fixed.text == text:
        return FileFixResult(name, result=before)
    after = check_source_text(checker, name, fixed.text)
    old = {(f.code, f.message) for f in before.findings}
    if after.problems or any(f.severity == "error" and (f.code, f.message) not in old for f in after.findings):
        return FileFixResult(name, applied=fixed.applied, result=before, refused="the fix would make the file worse")
    outcome = FileFixResult(name, applied=fixed.applied, result=after, diff=unified_diff(name, text, fixed.text))
    if diff:
        return outcome
    mark, codec = split_encoding(data)
    try:
        atomic_write(path, mark + fixed.text.encode(codec), expect=data)
    except UnicodeEncodeError:
        return FileFixResult(name, applied=fixed.applied, result=before, refused=f"the fixed text cannot be written as {codec}")
    except (OSError, ChangedOnDisk) as exc:
        reason = str(exc) if isinstance(exc, ChangedOnDisk) else f"cannot write: {exc.strerror or exc}"
        return FileFixResult(name, applied=fixed.applied, result=before, refused=reason)
    outcome.written = True
    return outcome
