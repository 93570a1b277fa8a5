"""Select the rules that can apply to a request and run them."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any, Iterator, Mapping

from claude_preflight.catalogue import Catalogue
from claude_preflight.catalogue.model import Rule
from claude_preflight.checks.base import Hit, render
from claude_preflight.engine.context import Context
from claude_preflight.report import Finding

_SELECTION: dict[tuple[int, str, str, str, str | None], tuple[Rule, ...]] = {}
_SELECTION_LIMIT = 4096
_LOCK = threading.Lock()

INTERNAL_CODE = "PF900"


def select_rules(ctx: Context) -> tuple[Rule, ...]:
    """Rules whose body kind, surface, API version and model predicate fit (cached)."""
    model = ctx.model
    key = (id(ctx.catalogue), ctx.body_kind, ctx.surface_name, ctx.api_version, model.id if model else None)
    found = _SELECTION.get(key)
    if found is not None:
        return found
    chosen = tuple(
        rule
        for rule in ctx.catalogue.rules
        if (ctx.body_kind in rule.applies.bodies or "*" in rule.applies.bodies)
        and (rule.applies.surfaces is None or ctx.surface_name in rule.applies.surfaces)
        and (rule.applies.api_versions is None or ctx.api_version in rule.applies.api_versions)
        and rule.applies.model_matches(model)
    )
    with _LOCK:
        if len(_SELECTION) >= _SELECTION_LIMIT:
            _SELECTION.clear()
        _SELECTION[key] = chosen
    return chosen


def run_rules(ctx: Context, rules: tuple[Rule, ...], base: str = "") -> Iterator[Finding]:
    for rule in rules:
        if rule.fn is None:  # pragma: no cover - the catalogue refuses this
            continue
        try:
            hits = list(rule.fn(ctx, rule.params))
        except Exception as exc:  # a bug in one check must never break validate()
            yield internal_finding(rule, exc, base)
            continue
        for hit in hits:
            yield to_finding(rule, hit, base)


def to_finding(rule: Rule, hit: Hit, base: str = "") -> Finding:
    severity: Any = hit.severity or rule.severity
    edits = tuple(replace(e, path=base + e.path) for e in hit.edits) if base else hit.edits
    return Finding(
        code=rule.code,
        name=rule.name,
        severity=severity,
        message=render(rule.message, hit.args),
        path=base + hit.path,
        fix=hit.fix,
        edits=edits,
        fix_safety=rule.fix["safety"] if rule.fix and edits else None,
    )


def internal_finding(rule: Rule, exc: BaseException, base: str = "") -> Finding:
    return Finding(
        code=INTERNAL_CODE,
        name="internal-check-error",
        severity="warning",
        message=f"check {rule.code} ({rule.name}) failed on this request: {type(exc).__name__}; "
        "please report it. Other checks ran normally.",
        path=base,
    )


def run(ctx: Context, base: str = "") -> list[Finding]:
    return list(run_rules(ctx, select_rules(ctx), base))


def params_of(rule: Rule) -> Mapping[str, Any]:
    return rule.params
