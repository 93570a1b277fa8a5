"""Select the rules that can apply to a request and run them.

Per request the work is: one cached lookup of the *plan* for (catalogue, body kind,
surface, API version, model) - the rules whose ``applies`` fit, as ready-to-call steps -
then, if some checks declared what they inspect (:mod:`claude_preflight.engine.index`),
one cached lookup of the steps the request's top-level fields and block types can
trigger, then the calls. Rules that cannot apply cost nothing.
"""

from __future__ import annotations

import math
import os
import threading
from dataclasses import replace
from typing import Any, Iterator, Mapping

from claude_preflight.catalogue import Catalogue
from claude_preflight.catalogue.model import Rule
from claude_preflight.checks.base import Hit, render
from claude_preflight.engine.context import Context
from claude_preflight.engine.index import declared
from claude_preflight.engine.scan import BODY_PROBLEMS
from claude_preflight.redact import PREFIX as _SECRET_PREFIX
from claude_preflight.redact import redact
from claude_preflight.report import Finding

_SELECTION_LIMIT = 4096
_LOCK = threading.Lock()
_GENERATION = [0]  # bumped by clear_caches(): cached selections of older generations are ignored

INTERNAL_CODE = "PF900"
UNSENDABLE_CODE = "IN004"
_UNSENDABLE_NAME = "unserialisable-value"
_UNSENDABLE_MESSAGE = "{problem}: the value cannot be serialised as JSON, so the request cannot be sent"

Step = tuple[Rule, Any, Mapping[str, Any]]  # rule, check function, params


def _selection_key(ctx: Context) -> tuple[int, str, str, str, str | None]:
    model = ctx.model
    return (_GENERATION[0], ctx.body_kind, ctx.surface_name, ctx.api_version, model.id if model else None)


def _cache(ctx: Context, name: str) -> dict[Any, Any]:
    """A per-catalogue cache (it lives and dies with the catalogue object)."""
    derived = ctx.catalogue.derived
    found = derived.get(name)
    if found is None:
        found = derived.setdefault(name, {})
    return found  # type: ignore[no-any-return]


def select_rules(ctx: Context) -> tuple[Rule, ...]:
    """Rules whose body kind, surface, API version and model predicate fit (cached)."""
    key = _selection_key(ctx)
    cache = _cache(ctx, "runner.selection")
    found = cache.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
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
        if len(cache) >= _SELECTION_LIMIT:
            cache.clear()
        cache[key] = chosen
    return chosen


class _Plan:
    """The selected rules as steps, and an index of the ones that declared triggers."""

    __slots__ = ("steps", "always", "by_field", "by_block", "by_role", "by_key", "on_headers", "fields", "blocks", "roles",
                 "keys", "chosen")

    def __init__(self, rules: tuple[Rule, ...]) -> None:
        self.steps: tuple[Step, ...] = tuple((rule, rule.fn, rule.params) for rule in rules if rule.fn is not None)
        self.always: list[int] = []
        self.by_field: dict[str, list[int]] = {}
        self.by_block: dict[str, list[int]] = {}
        self.by_role: dict[str, list[int]] = {}
        self.by_key: dict[str, list[int]] = {}
        self.on_headers: list[int] = []
        for position, (_, fn, params) in enumerate(self.steps):
            found = declared(fn, params)
            if found is None:
                self.always.append(position)
                continue
            for name in found.fields:
                self.by_field.setdefault(name, []).append(position)
            for kind in found.blocks:
                self.by_block.setdefault(kind, []).append(position)
            for role in found.roles:
                self.by_role.setdefault(role, []).append(position)
            for name in found.keys:
                self.by_key.setdefault(name, []).append(position)
            if found.headers:
                self.on_headers.append(position)
        self.fields = frozenset(self.by_field)
        self.blocks = frozenset(self.by_block)
        self.roles = frozenset(self.by_role)
        self.keys = tuple(self.by_key)
        self.chosen: dict[tuple[frozenset[str], frozenset[Any], frozenset[Any], frozenset[str], bool], tuple[Step, ...]] = {}

    @property
    def indexed(self) -> bool:
        return len(self.always) < len(self.steps)

    def steps_for(self, ctx: Context, use_index: bool = True) -> tuple[Step, ...]:
        if not use_index or len(self.always) == len(self.steps):
            return self.steps
        fields = self.fields & ctx.body_keys if self.fields else frozenset()
        blocks = self.blocks & ctx.block_types if self.blocks else frozenset()
        roles = self.roles & ctx.roles if self.roles else frozenset()
        keys = frozenset(k for k in self.keys if ctx.body_scan.may_have_key(k)) if self.keys else frozenset()
        headers = bool(self.on_headers) and ctx.headers is not None and not ctx.in_batch
        key = (fields, blocks, roles, keys, headers)
        found = self.chosen.get(key)
        if found is None:
            positions = set(self.always)
            for name in fields:
                positions.update(self.by_field[name])
            for kind in blocks:
                positions.update(self.by_block[kind])
            for role in roles:
                positions.update(self.by_role[role])
            for name in keys:
                positions.update(self.by_key[name])
            if headers:
                positions.update(self.on_headers)
            found = tuple(self.steps[i] for i in sorted(positions))
            if len(self.chosen) >= 512:
                self.chosen.clear()
            self.chosen[key] = found
        return found


_INDEX_ON: list[bool] = []  # read from the environment once (clear_caches() forgets it)


def _index_enabled() -> bool:
    if not _INDEX_ON:
        _INDEX_ON.append(os.environ.get("CLAUDE_PREFLIGHT_NO_INDEX", "").strip().lower() in ("", "0", "false", "no"))
    return _INDEX_ON[0]


def plan(ctx: Context) -> _Plan:
    key = _selection_key(ctx)
    cache = _cache(ctx, "runner.plans")
    found = cache.get(key)
    if found is None:
        found = _Plan(select_rules(ctx))
        with _LOCK:
            if len(cache) >= _SELECTION_LIMIT:
                cache.clear()
            cache[key] = found
    return found


def steps_for(ctx: Context, use_index: bool | None = None) -> tuple[Step, ...]:
    """The checks to call for this request, in catalogue order.

    ``use_index=False`` calls every selected check, ignoring what they declared they
    inspect; the default follows ``CLAUDE_PREFLIGHT_NO_INDEX``.
    """
    return plan(ctx).steps_for(ctx, _index_enabled() if use_index is None else use_index)


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


def run(ctx: Context, base: str = "", *, use_index: bool | None = None) -> list[Finding]:
    """Run the checks that can fire on this request; findings in catalogue order."""
    findings: list[Finding] = body_problems(ctx, base) if BODY_PROBLEMS in ctx.extra else []
    for rule, fn, params in steps_for(ctx, use_index):
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
        return render(template, {k: short_number(v) if type(v) is int else v for k, v in args.items()})


def short_number(value: int) -> Any:
    """``value`` itself, or ``10^5000``-style text for an integer too long to print
    (``sys.get_int_max_str_digits()``): a message never shows its placeholders instead."""
    try:
        str(value)
    except ValueError:
        exponent = int(math.log10(abs(value)))
        return f"{'-' if value < 0 else ''}10^{exponent}" if abs(value) == 10**exponent else \
            f"{'-' if value < 0 else ''}about 10^{exponent}"
    return value


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
    """A check that raised: an error, so a failing check (a security rule with broken
    parameters, a bug) can never pass silently."""
    return Finding(
        code=INTERNAL_CODE,
        name="internal-check-error",
        severity="error",
        message=f"check {rule.code} ({rule.name}) failed on this request: {type(exc).__name__}, so it "
        "was not applied; please report it. Other checks ran normally.",
        path=base,
    )


def body_problems(ctx: Context, base: str = "") -> list[Finding]:
    """``IN004`` findings for what the door (:func:`engine.scan.guard`) had to cut from the body.

    The catalogue's entry gives the message and severity once it has one of that name;
    until then (and if the code were ever taken by another rule) these defaults apply."""
    rule = ctx.catalogue.rule_by_code.get(UNSENDABLE_CODE)
    if rule is not None and rule.name != _UNSENDABLE_NAME:
        rule = None
    template = rule.message if rule is not None else _UNSENDABLE_MESSAGE
    return [
        Finding(
            code=UNSENDABLE_CODE,
            name=rule.name if rule is not None else _UNSENDABLE_NAME,
            severity=rule.severity if rule is not None else "error",  # type: ignore[arg-type]
            message=_clean(render_message(template, {"problem": problem})),
            path=base + path,
        )
        for path, problem in ctx.extra[BODY_PROBLEMS]
    ]


def params_of(rule: Rule) -> Mapping[str, Any]:
    return rule.params


def clear_caches() -> None:
    """Forget the selection caches and the index setting (tests that swap checks or set
    ``CLAUDE_PREFLIGHT_NO_INDEX`` use this)."""
    with _LOCK:
        _GENERATION[0] += 1
        _INDEX_ON.clear()


__all__ = ["Catalogue", "INTERNAL_CODE", "clear_caches", "internal_finding", "plan", "run", "run_rules",
           "select_rules", "steps_for", "to_finding", "render_message"]
