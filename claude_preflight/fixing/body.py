"""``fix()``: repair a request body in memory."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Sequence

from claude_preflight.fixing.deletion import deletes_most
from claude_preflight.fixing.engine import Located, Step, allowed, run
from claude_preflight.fixing.patch import PatchError, Record, apply_edits, deep_copy
from claude_preflight.redact import PREFIX, redact
from claude_preflight.report import Finding, Report


@dataclass(frozen=True)
class AppliedFix:
    """One fix that was applied: the finding it repaired and the edits it made.

    ``path`` and the edit paths are JSON Pointers in the document as it was when the fix was
    applied (fixes are applied one at a time). ``file``/``line``/``column`` are set by the
    file fixer and point at the finding in the file before the fix.
    """

    code: str
    name: str
    severity: str
    message: str
    path: str
    safety: str
    description: str
    edits: tuple[Any, ...]
    changes: tuple[str, ...]
    file: str | None = None
    line: int | None = None
    column: int | None = None

    def __post_init__(self) -> None:
        for name in ("message", "path", "description", "file"):
            value = getattr(self, name)
            if type(value) is str and PREFIX in value:
                object.__setattr__(self, name, redact(value))
        if any(PREFIX in change for change in self.changes):
            object.__setattr__(self, "changes", tuple(redact(change) for change in self.changes))

    def describe(self) -> str:
        """``CODE at /path: change; change (safety)``: one line for logs and summaries."""
        where = self.path or "/"
        return f"{self.code} at {where}: {'; '.join(self.changes)} ({self.safety})"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "path": self.path,
            "safety": self.safety,
            "description": self.description,
            "changes": list(self.changes),
            "edits": [_edit_dict(e) for e in self.edits],
        }
        if self.file is not None:
            data.update(file=self.file, line=self.line, column=self.column)
        return data


def _edit_dict(edit: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"op": edit.op, "path": edit.path}
    if edit.op != "remove":
        data["value"] = edit.value
    return data


@dataclass(frozen=True)
class FixResult:
    """What :func:`fix` returns: the repaired body, the fixes applied in order, and the
    report of the repaired body (what remains)."""

    body: Any
    applied: list[AppliedFix] = field(default_factory=list)
    remaining: Report = field(default_factory=Report)
    unsafe: bool = False
    refusal: str | None = None  # why no fix was applied at all (they would delete most of the body)

    @property
    def changed(self) -> bool:
        return bool(self.applied)

    @property
    def fixable(self) -> list[Finding]:
        """Remaining findings that carry edits (unsafe ones, or fixes that were refused)."""
        return [f for f in self.remaining.findings if f.edits]

    @property
    def refused(self) -> list[Finding]:
        """Remaining findings whose fix was allowed but not applied: applying it would have
        left a finding behind that was not there before (fix those by hand)."""
        return [f for f in self.remaining.findings if allowed(f, self.unsafe)]

    def summary_text(self) -> str:
        lines = [f"applied {len(self.applied)} fix(es)"] + [f"  {a.describe()}" for a in self.applied]
        return "\n".join(lines)


def _short(value: Any, limit: int = 60) -> str:
    from claude_preflight.rendering import show

    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        try:
            return show(value, limit)
        except (ValueError, RecursionError):  # e.g. an int too long to print
            return f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def change_texts(edits: Sequence[Any], records: Sequence[Record]) -> tuple[str, ...]:
    texts = []
    index = 0
    for record in records:
        if record.op == "rename":
            texts.append(f"rename {record.renamed_from} to {record.path}")
            index += 2
            continue
        edit = edits[index] if index < len(edits) else None
        index += 1
        if record.op == "remove":
            texts.append(f"remove {record.path}")
        elif record.op == "replace":
            texts.append(f"set {record.path} to {_short(edit.value if edit else None)}")
        else:
            texts.append(f"add {_short(edit.value if edit else None)} at {edit.path if edit else record.path}")
    return tuple(texts)


def applied_fix(step: Step[Any], rules: Any, base: str = "", where: tuple[Any, Any, Any] = (None, None, None)) -> AppliedFix:
    finding = step.item.finding
    rule = rules.get(finding.code) if rules is not None else None
    description = str(rule.fix.get("description", "")) if rule is not None and rule.fix else ""
    edits = tuple(_prefixed(finding.edits, base))
    return AppliedFix(
        code=finding.code,
        name=finding.name,
        severity=finding.severity,
        message=finding.message,
        path=finding.path,
        safety=finding.fix_safety or "",
        description=description,
        edits=edits,
        changes=change_texts(edits, step.records),
        file=where[0],
        line=where[1],
        column=where[2],
    )


def _prefixed(edits: Iterable[Any], base: str) -> Iterable[Any]:
    for edit in edits:
        yield replace(edit, path=base + edit.path) if base else edit


def fix(body: Any, *, unsafe: bool = False, config: Any = None, **validate_kwargs: Any) -> FixResult:
    """Repair what can be repaired in ``body`` and return a :class:`FixResult`.

    The input is never modified (the result is a deep copy). Fixes are applied one finding
    at a time, each followed by a fresh validation, so every edit uses current JSON
    Pointers. Only fixes marked ``safe`` in the catalogue are applied unless ``unsafe=True``.
    A fix is kept only if it resolves its finding without leaving a new one behind.

    ``validate_kwargs`` are those of :func:`claude_preflight.validate` (``endpoint``,
    ``headers``, ``surface``, ``as_of``, ``api_version``, ``catalogue``), checked the same
    way; ``as_of`` defaults to now, fixed for the whole run. ``config`` (a
    :class:`~claude_preflight.config.Config`) filters the findings as ``check`` does, so
    ignored rules are neither fixed nor reported, and supplies the default API version.
    """
    from claude_preflight.api import resolve_catalogue, check_api_version, run_request
    from claude_preflight.dates import now_utc, parse_moment
    from claude_preflight.engine.scan import guard

    allowed_keys = {"endpoint", "headers", "surface", "as_of", "api_version", "catalogue"}
    unknown = sorted(set(validate_kwargs) - allowed_keys)
    if unknown:
        raise TypeError(f"fix() got unexpected keyword argument(s): {', '.join(unknown)}")
    catalogue = resolve_catalogue(validate_kwargs.get("catalogue"))
    as_of = validate_kwargs.get("as_of")
    moment = now_utc() if as_of is None else parse_moment(as_of)
    api_version = validate_kwargs.get("api_version")
    check_api_version(catalogue, api_version)
    if config is not None and not callable(getattr(config, "apply", None)):
        raise TypeError("config must be a claude_preflight.config.Config")
    if config is not None:
        from claude_preflight.config import check_config

        check_config(config, catalogue)  # a typo in a selector must never silence a rule

    def check(state: Any) -> Report:
        report = run_request(
            catalogue,
            state,
            endpoint=validate_kwargs.get("endpoint", "/v1/messages"),
            headers=validate_kwargs.get("headers"),
            surface=validate_kwargs.get("surface"),
            as_of=moment,
            api_version=api_version,
            default_api_version=getattr(config, "api_version", None),
        )
        if config is not None:
            report = replace(report, findings=tuple(config.apply(report.findings)))
        return report

    def evaluate(state: Any) -> list[Located]:
        return [Located(0, f) for f in check(state).findings]

    def apply(state: Any, item: Located) -> tuple[Any, list[Record]] | None:
        try:
            return apply_edits(state, item.finding.edits)
        except (PatchError, RecursionError):
            return None

    plain, _, problems = guard(body, PREFIX)
    if problems:  # a cycle or an unreadable container: nothing is safe to change, say why
        try:
            kept = deep_copy(body)
        except Exception:  # a container that cannot be read: its normalised copy
            kept = plain
        return FixResult(body=kept, applied=[], remaining=check(kept), unsafe=unsafe)
    start = plain if plain is not body else deep_copy(body)  # a normalised body is already a copy
    outcome = run(start, evaluate, apply, unsafe=unsafe)
    applied = [applied_fix(step, catalogue.rule_by_code) for step in outcome.steps]
    final = outcome.state if applied else start
    refused = deletes_most(start, final) if applied else None
    if refused is not None:  # whatever the flag: a fix never empties a document
        return FixResult(body=start, applied=[], remaining=check(start), unsafe=unsafe, refusal=refused)
    return FixResult(body=final, applied=applied, remaining=check(final), unsafe=unsafe)
