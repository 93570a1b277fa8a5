"""The fix loop, shared by :func:`claude_preflight.fix` and the file fixer.

validate -> apply the edits of ONE finding -> validate again, so the JSON Pointers of the
next edits always come from a fresh report. (As a shortcut, fixes that only touch distinct
object members - which cannot move each other's pointers - are first tried together with
one validation; if any of them misbehaves, they are applied one at a time.) A step is kept only if the fix resolves its
own finding and every finding that was not there before (compared by document, code and
path, with pointers mapped through the applied edits) can itself be fixed by a later step;
otherwise the loop returns to the last clean state (one without new findings) and never
tries that fix again from there. So a fix never leaves a new finding behind, and running
the loop on its own output changes nothing: every fix still offered was already refused
from that very state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Generic, TypeVar

from claude_preflight.fixing.patch import Record, map_path
from claude_preflight.report import Finding

State = TypeVar("State")
Key = tuple[int, str, str]  # (document, code, path)

# Upper bounds: validations per run, and steps taken away from a clean state before giving up.
MAX_STEPS = 200
MAX_DETOUR = 8


@dataclass(frozen=True)
class Located:
    """A finding of one document (``doc`` numbers the documents of a file; 0 for a body)."""

    doc: int
    finding: Finding

    @property
    def key(self) -> Key:
        return (self.doc, self.finding.code, self.finding.path)


@dataclass
class Step(Generic[State]):
    item: Located
    records: list[Record]


@dataclass
class Outcome(Generic[State]):
    state: State
    steps: list[Step[State]]
    findings: list[Located]
    initial: list[Located]
    refused: list[Located] = field(default_factory=list)


def allowed(finding: Finding, unsafe: bool) -> bool:
    """Whether the loop may apply this finding's edits."""
    if not finding.edits:
        return False
    return finding.fix_safety == "safe" or (unsafe and finding.fix_safety == "unsafe")


def _related(a: str, b: str) -> bool:
    """One pointer is the other or lies inside it."""
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


def _mapped(keys: set[Key], records_by_doc: dict[int, list[Record]]) -> set[Key]:
    result: set[Key] = set()
    for doc, code, path in keys:
        current: str | None = path
        for record in records_by_doc.get(doc, ()):
            current = map_path(current, record)  # type: ignore[arg-type]  # None ends the loop
            if current is None:
                break
        if current is not None:
            result.add((doc, code, current))
    return result


def run(
    state: State,
    evaluate: Callable[[State], list[Located]],
    apply: Callable[[State, Located], tuple[State, list[Record]] | None],
    *,
    unsafe: bool,
    max_steps: int = MAX_STEPS,
) -> Outcome[State]:
    """Fix ``state`` step by step. ``evaluate`` lists the (allowed-to-report) findings of a
    state; ``apply`` returns the next state and its edit records, or None when the edits do
    not apply (the finding is then skipped)."""
    initial = evaluate(state)
    original = {item.key for item in initial}
    findings = initial
    steps: list[Step[State]] = []
    # checkpoint: (state, number of steps, findings)
    checkpoint: tuple[State, int, list[Located]] = (state, 0, findings)
    blocked: set[Key] = set()  # refused from the checkpoint state
    detour_blocked: set[Key] = set()  # refused on the way from it (forgotten on rollback)
    batch_failed = False

    def block(key: Key) -> None:
        (detour_blocked if len(steps) > checkpoint[1] else blocked).add(key)

    def records_by_doc(upto: int) -> dict[int, list[Record]]:
        grouped: dict[int, list[Record]] = {}
        for step in steps[:upto]:
            grouped.setdefault(step.item.doc, []).extend(step.records)
        return grouped

    def rollback() -> None:
        nonlocal state, findings, batch_failed
        back_state, count, back_findings = checkpoint
        first = steps[count].item if count < len(steps) else None
        del steps[count:]
        state, findings = back_state, back_findings
        detour_blocked.clear()
        batch_failed = True  # the checkpoint's batch was tried when it was first reached
        if first is not None:
            blocked.add(first.key)

    def try_batch(pool: list[Located]) -> bool:
        """Apply several independent fixes (object members only, no path inside another's)
        and validate once; False (nothing changed) unless every one resolves its finding
        and nothing new appears."""
        nonlocal state, findings
        current = state
        members: list[tuple[Located, list[Record]]] = []
        touched: list[tuple[int, str]] = []
        for item in pool:
            result = apply(current, item)
            if result is None:
                continue
            following, records = result
            if any(r.index is not None or r.appended for r in records):
                continue  # array edits move other pointers: one at a time
            paths = [(item.doc, p) for r in records for p in (r.path, r.renamed_from) if p is not None]
            if any(d == e and _related(p, q) for d, p in paths for e, q in touched):
                continue
            members.append((item, records))
            touched.extend(paths)
            current = following
        if len(members) < 2:
            return False
        after = evaluate(current)
        keys = {item.key for item in after}
        for item, records in members:
            if _mapped({item.key}, {item.doc: records}) & keys:
                return False
        grouped = records_by_doc(len(steps))
        for item, records in members:
            grouped.setdefault(item.doc, []).extend(records)
        if keys - _mapped(original, grouped):
            return False
        steps.extend(Step(item, records) for item, records in members)
        state, findings = current, after
        return True

    batch_failed = False
    for _ in range(max_steps):
        expected = _mapped(original, records_by_doc(len(steps)))
        introduced = {item.key for item in findings} - expected
        if not introduced and len(steps) != checkpoint[1]:
            checkpoint = (state, len(steps), findings)
            blocked.clear()
            detour_blocked.clear()
        refused = blocked | detour_blocked
        pool = [item for item in findings if allowed(item.finding, unsafe) and item.key not in refused]
        if introduced:
            pool = [item for item in pool if item.key in introduced]
            if not pool or len(steps) - checkpoint[1] >= MAX_DETOUR:
                rollback()
                continue
        if not pool:
            break
        if not introduced and len(pool) > 1 and not batch_failed:
            if try_batch(pool):
                continue
            batch_failed = True
        candidate = pool[0]
        result = apply(state, candidate)
        if result is None:
            block(candidate.key)
            continue
        new_state, records = result
        new_findings = evaluate(new_state)
        # The fix must resolve its own finding.
        grouped = {candidate.doc: records}
        still = _mapped({candidate.key}, grouped)
        if still & {item.key for item in new_findings}:
            block(candidate.key)
            continue
        steps.append(Step(candidate, records))
        state, findings = new_state, new_findings
        batch_failed = False
    # Out of steps or out of candidates: never end away from a clean state.
    expected = _mapped(original, records_by_doc(len(steps)))
    if {item.key for item in findings} - expected:
        back_state, count, back_findings = checkpoint
        del steps[count:]
        state, findings = back_state, back_findings
    left = [item for item in findings if allowed(item.finding, unsafe)]
    return Outcome(state, steps, findings, initial, left)
