"""Select the rules that can apply to a request and run them.

Per request the work is: one cached lookup of the *plan* for (catalogue, body kind,
surface, API version, model) - the rules whose ``applies`` fit, as ready-to-call steps -
then, if some checks declared what they inspect (:mod:`claude_preflight.engine.index`),
one cached lookup of the steps the request's top-level fields and block types can
trigger, then the calls. Rules that cannot apply cost nothing.
"""

from __future__ import annotations

import os
import threading
from dataclasses import replace
from typing import Any, Iterator, Mapping

from claude_preflight.catalogue import Catalogue
from claude_preflight.catalogue.model import Rule
from claude_preflight.checks.base import Hit, render
from claude_preflight.engine.context import Context
from claude_preflight.engine.index import declared
from claude_preflight.redact import PREFIX as _SECRET_PREFIX
from claude_preflight.redact import redact
from claude_preflight.report import Finding

_SELECTION: dict[tuple[int, str, str, str, str | None], tuple[Rule, ...]] = {}
_PLANS: dict[tuple[int, str, str, str, str | None], _Plan] = {}
_SELECTION_LIMIT = 4096
_LOCK = threading.Lock()

INTERNAL_CODE = "PF900"

Step = tuple[Rule, Any, Mapping[str, Any]]  # rule, check function, params


def _selection_key(ctx: Context) -> tuple[int, str, str, str, str | None]:
    model = ctx.model
    return (id(ctx.catalogue), ctx.body_kind, ctx.surface_name, ctx.api_version, model.id if model else None)


def select_rules(ctx: Context) -> tuple[Rule, ...]:
    """Rules whose body kind, surface, API version and model predicate fit (cached)."""
    key = _selection_key(ctx)
    found = _SELECTION.get(key)
    if found is not None:
        return found
    model = ctx.model
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


class _Plan:
    """The selected rules as steps, and an index of the ones that declared triggers."""

    __slots__ = ("steps", "always", "by_field", "by_block", "fields", "blocks", "chosen")

    def __init__(self, rules: tuple[Rule, ...], use_index: bool) -> None:
        self.steps: tuple[Step, ...] = tuple((rule, rule.fn, rule.params) for rule in rules if rule.fn is not None)
        self.always: list[int] = []
        self.by_field: dict[str, list[int]] = {}
        self.by_block: dict[str, list[int]] = {}
        for position, (_, fn, _) in enumerate(self.steps):
            found = declared(fn) if use_index else None
            if found is None:
                self.always.append(position)
                continue
            for name in found.fields:
                self.by_field.setdefault(name, []).append(position)
            for kind in found.blocks:
                self.by_block.setdefault(kind, []).append(position)
        self.fields = frozenset(self.by_field)
        self.blocks = frozenset(self.by_block)
        self.chosen: dict[tuple[frozenset[str], frozenset[Any]], tuple[Step, ...]] = {}

    @property
    def indexed(self) -> bool:
        return bool(self.fields or self.blocks)

    def steps_for(self, ctx: Context) -> tuple[Step, ...]:
        if not (self.fields or self.blocks):
            return self.steps
        fields = self.fields & ctx.body_keys if self.fields else frozenset()
        blocks = self.blocks & ctx.block_types if self.blocks else frozenset()
        key = (fields, blocks)
        found = self.chosen.get(key)
        if found is None:
            positions = set(self.always)
            for name in fields:
                positions.update(self.by_field[name])
            for kind in blocks:
                positions.update(self.by_block[kind])
            found = tuple(self.steps[i] for i in sorted(positions))
            if len(self.chosen) >= 512:
                self.chosen.clear()
            self.chosen[key] = found
        return found


def _index_enabled() -> bool:
    return os.environ.get("CLAUDE_PREFLIGHT_NO_INDEX", "").strip().lower() in ("", "0", "false", "no")


def plan(ctx: Context) -> _Plan:
    key = _selection_key(ctx)
    found = _PLANS.get(key)
    if found is None:
        found = _Plan(select_rules(ctx), _index_enabled())
        with _LOCK:
            if len(_PLANS) >= _SELECTION_LIMIT:
                _PLANS.clear()
            _PLANS[key] = found
    return found


def steps_for(ctx: Context) -> tuple[Step, ...]:
    """The checks to call for this request, in catalogue order."""
    return plan(ctx).steps_for(ctx)


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


def run(ctx: Context, base: str = "") -> list[Finding]:
    """Run the checks that can fire on this request; findings in catalogue order."""
    findings: list[Finding] = []
    for rule, fn, params in steps_for(ctx):
        try:
            hits = list(fn(ctx, params))
        except Exception as exc:  # a bug in one check must never break validate()
            findings.append(internal_finding(rule, exc, base))
            continue
        for hit in hits:
            findings.append(to_finding(rule, hit, base))
    return findings


class _Args(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render_message(template: str, args: Mapping[str, Any]) -> str:
    """:func:`claude_preflight.checks.base.render`, without its cost in the common cases.

    A template without braces is returned as is; otherwise ``str.format_map`` (C) fills
    it, and anything unusual goes through ``render`` itself, so results are identical.
    """
    if "{" not in template and "}" not in template:
        return template
    try:
        return template.format_map(_Args(args))
    except Exception:
        return render(template, args)


def _clean(text: str) -> str:
    return redact(text) if _SECRET_PREFIX in text else text


def to_finding(rule: Rule, hit: Hit, base: str = "") -> Finding:
    severity: Any = hit.severity or rule.severity
    edits = tuple(replace(e, path=base + e.path) for e in hit.edits) if base and hit.edits else hit.edits
    fix = hit.fix
    return Finding(
        code=rule.code,
        name=rule.name,
        severity=severity,
        message=_clean(render_message(rule.message, hit.args)),
        path=base + hit.path,
        fix=_clean(fix) if isinstance(fix, str) else fix,
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


def params_of(rule: Rule) -> Mapping[str, Any]:
    return rule.params


def clear_caches() -> None:
    """Forget the selection caches (tests that swap checks or the index setting use this)."""
    with _LOCK:
        _SELECTION.clear()
        _PLANS.clear()


__all__ = ["Catalogue", "INTERNAL_CODE", "clear_caches", "internal_finding", "plan", "run", "run_rules",
           "select_rules", "steps_for", "to_finding", "render_message"]
