"""Request shape: the body is an object, required fields, unknown fields, types and limits.

Field facts (types, enums, ranges, betas) come from the catalogue's ``request_fields``.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from claude_preflight.checks.base import JSON_TYPES, Edit, Hit, check, is_int, json_type, show
from claude_preflight.files import pointer

if TYPE_CHECKING:
    from claude_preflight.engine.context import Context


def _fields(ctx: Context) -> Mapping[str, Mapping[str, Any]]:
    return ctx.catalogue.request_fields.get(ctx.body_kind, {})


def _offered(spec: Mapping[str, Any], ctx: Context) -> bool:
    surfaces = spec.get("surfaces")
    return not surfaces or ctx.surface_name in surfaces


def _types(spec: Mapping[str, Any]) -> list[str]:
    kind = spec.get("type")
    if kind is None:
        return []
    return [kind] if isinstance(kind, str) else list(kind)


class _Offered:
    """The body kind's fields offered on the request's surface, prepared once per catalogue."""

    __slots__ = ("specs", "names", "required", "type_checks", "beta_fields")

    def __init__(self, ctx: Context) -> None:
        self.specs = {name: spec for name, spec in _fields(ctx).items() if _offered(spec, ctx)}
        self.names = list(self.specs)
        self.required = [name for name, spec in self.specs.items() if spec.get("required")]
        self.type_checks = {name: tuple(JSON_TYPES[t] for t in _types(spec)) for name, spec in self.specs.items()}
        # Beta-only fields need their header whether or not the surface offers them.
        self.beta_fields = [(name, spec["betas_any"]) for name, spec in _fields(ctx).items() if spec.get("betas_any")]


def _offered_fields(ctx: Context) -> _Offered:
    cache = ctx.catalogue.derived.setdefault("shape.offered", {})
    key = (ctx.body_kind, ctx.surface_name)
    found = cache.get(key)
    if found is None:
        found = cache[key] = _Offered(ctx)
    return found  # type: ignore[no-any-return]


def _present(ctx: Context) -> Iterator[tuple[str, Mapping[str, Any], Any]]:
    """``(name, spec, value)`` for each offered field the body has."""
    body = ctx.body
    offered = _offered_fields(ctx)
    specs = offered.specs
    names = [k for k in body if k in specs] if len(body) < len(specs) else [n for n in offered.names if n in body]
    for name in names:
        yield name, specs[name], body[name]


@check
def body_object(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    if not isinstance(ctx.body, dict):
        yield Hit("", {"found": json_type(ctx.body)})


@check
def required(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    if not isinstance(ctx.body, dict):
        return
    for name in _offered_fields(ctx).required:
        if name not in ctx.body:
            if name == "model" and ctx.model_path == "":
                continue  # the model is in the endpoint path
            yield Hit("", {"field": name})


@check
def unknown(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    if not isinstance(ctx.body, dict):
        return
    fields = _fields(ctx)
    if not fields:
        return
    specs = _offered_fields(ctx).specs
    for key in ctx.body:
        if key in specs:
            continue
        spec = fields.get(key) if isinstance(key, str) else None
        offered = _offered_fields(ctx).names
        name = str(key)
        if spec is not None:
            hint = f" (only on {', '.join(spec['surfaces'])})"
        else:
            close = difflib.get_close_matches(name, offered, n=1, cutoff=0.7)
            hint = f"; did you mean {close[0]!r}?" if close else ""
        fix = f"remove {name!r}" if spec is not None or not hint else f"rename to {hint.split(chr(39))[1]!r}"
        severity = None
        if spec is not None and ctx.surface_name in (spec.get("disputed_on") or ()):
            hint += "; official samples send it here too, so this is not certain"
            severity = "warning"
        if not isinstance(key, str):
            edits: tuple[Edit, ...] = ()  # not JSON: no pointer can name it
        elif spec is None:
            edits = _unknown_edits(ctx, key, fields, offered)
        else:
            edits = (Edit("remove", pointer.join("", key)),)
        yield Hit(pointer.join("", name), {"field": show(name), "hint": hint, "kind": ctx.body_kind}, fix=fix, edits=edits, severity=severity)


def _certain_rename(ctx: Context, name: str, fields: Mapping[str, Mapping[str, Any]], offered: list[str]) -> str | None:
    """The field ``name`` is certainly a misspelling of: one clear close match (ratio at least
    0.8 and no runner-up within 0.1), not already in the body, and the value has its type."""
    if len(name) > 64:
        return None  # no field name is that long; also keeps the comparison cheap
    scored = sorted(((difflib.SequenceMatcher(None, name, o).ratio(), o) for o in offered), reverse=True)
    if not scored or scored[0][0] < 0.8 or (len(scored) > 1 and scored[1][0] > scored[0][0] - 0.1):
        return None
    target = scored[0][1]
    if target in ctx.body or not _typed_ok(fields[target], ctx.body[name]):
        return None
    return target


def _unknown_edits(ctx: Context, name: str, fields: Mapping[str, Mapping[str, Any]], offered: list[str]) -> tuple[Edit, ...]:
    """Rename a certain misspelling (add the right key, remove the wrong one; appliers keep
    the key's place), else remove the field."""
    target = _certain_rename(ctx, name, fields, offered)
    remove = Edit("remove", pointer.join("", name))
    if target is None:
        return (remove,)
    return (Edit("add", pointer.join("", target), ctx.body[name]), remove)


@check
def field_type(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    if not isinstance(ctx.body, dict):
        return
    type_checks = _offered_fields(ctx).type_checks
    for name, spec, value in _present(ctx):
        checks = type_checks[name]
        if checks and not any(ok(value) for ok in checks):
            yield Hit(pointer.join("", name), {"field": name, "expected": " or ".join(_types(spec)), "found": json_type(value)})


def _typed_ok(spec: Mapping[str, Any], value: Any) -> bool:
    types = _types(spec)
    return not types or any(JSON_TYPES[t](value) for t in types)


@check
def field_enum(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    if not isinstance(ctx.body, dict):
        return
    for name, spec, value in _present(ctx):
        allowed = spec.get("enum")
        if not allowed:
            continue
        if _typed_ok(spec, value) and value not in allowed and value is not None:
            shown = ", ".join(repr(v) for v in allowed)
            yield Hit(pointer.join("", name), {"field": name, "value": show(value), "allowed": shown})


@check
def field_range(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    if not isinstance(ctx.body, dict):
        return
    for name, spec, value in _present(ctx):
        if spec.get("legacy"):
            continue  # legacy sampling fields have their own rules
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        low, high = spec.get("minimum"), spec.get("maximum")
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"from {low}" if low is not None else ""
            bounds += f" to {high}" if high is not None else " or more"
            yield Hit(pointer.join("", name), {"field": name, "value": show(value), "bounds": bounds.strip()})


@check
def field_beta(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Beta-only fields need one of their beta headers."""
    if not isinstance(ctx.body, dict):
        return
    for name, betas in _offered_fields(ctx).beta_fields:
        if name not in ctx.body or ctx.has_beta(*betas):
            continue
        args = {"field": name, "beta": betas[-1], "betas": ", ".join(betas)}
        if ctx.headers is None:
            args["known"] = "; the headers are not known here, so make sure the request carries it"
            yield Hit(pointer.join("", name), args, fix=f"send anthropic-beta: {betas[-1]}", severity="warning")
        else:
            args["known"] = ""
            yield Hit(pointer.join("", name), args, fix=f"send anthropic-beta: {betas[-1]}")


@check
def max_tokens_limit(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    model, value = ctx.model, ctx.get("max_tokens")
    if model is None or model.max_output_tokens is None or isinstance(value, bool) or not isinstance(value, int):
        return
    limit = model.max_output_tokens
    batch = params.get("batch_output") or {}
    if ctx.in_batch and model.id in (batch.get("models") or ()) and ctx.has_beta(batch.get("beta", "")):
        limit = int(batch["limit"])
    if value > limit:
        # Lowering max_tokens must not push it to or below a manual thinking budget (TH003).
        thinking = ctx.get("thinking")
        budget = thinking.get("budget_tokens") if isinstance(thinking, dict) and thinking.get("type") == "enabled" else None
        edits = () if is_int(budget) and isinstance(budget, int) and budget >= limit else (Edit("replace", "/max_tokens", limit),)
        yield Hit("/max_tokens", {"value": value, "limit": limit, "model": model.id}, fix=f"lower max_tokens to {limit}", edits=edits)
