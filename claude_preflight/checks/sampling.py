"""Sampling parameters: temperature, top_p and top_k per model, API version and thinking."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Mapping

from claude_preflight.checks.base import Edit, Hit, check, is_int, is_number, show
from claude_preflight.engine.index import inspects
from claude_preflight.files import pointer

if TYPE_CHECKING:
    from claude_preflight.engine.context import Context

SAMPLING = ("temperature", "top_p", "top_k")


def _remove(name: str) -> tuple[Edit, ...]:
    """The machine edit that drops a top-level field (its safety is the rule's)."""
    return (Edit("remove", pointer.join("", name)),)


def _present(ctx: Context) -> list[str]:
    """Sampling fields in the body that the API version still knows about."""
    if not ctx.is_object:
        return []
    removed = ctx.removed_fields
    return [name for name in SAMPLING if name in ctx.body and name not in removed]


def _args(ctx: Context, name: str) -> dict[str, Any]:
    model = ctx.model
    return {
        "field": name,
        "value": show(ctx.body[name]),
        "model": model.id if model else show(ctx.model_written),
    }


@check
def removed_by_version(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Fields the request's API version removed (e.g. sampling under 2026-10-21)."""
    if not ctx.is_object:
        return
    origin = {"header": "the anthropic-version header", "body": "the body's anthropic_version"}.get(
        ctx.api_version_origin, "the API version in use"
    )
    for name in sorted(ctx.removed_fields):
        if name in ctx.body:
            args = {"field": name, "version": ctx.api_version, "origin": origin, "value": show(ctx.body[name])}
            yield Hit(pointer.join("", name), args, fix=f"remove {name!r}", edits=_remove(name))


@check
@inspects(fields=SAMPLING)
def rejected_by_model(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """The model rejects sampling parameters by their presence, at any value; where a source
    saw one value tolerated (``params.tolerated``: model -> field -> value), that value is a
    warning naming the disagreement (the policy blocks nothing a credible source says works)."""
    tolerated = (params.get("tolerated") or {}).get(ctx.model.id if ctx.model else "") or {}
    for name in _present(ctx):
        args = _args(ctx, name)
        value = ctx.body[name]
        if name in tolerated and is_number(value) and value == tolerated[name]:
            args["doubt"] = str(params.get("doubt", ""))
            yield Hit(f"/{name}", args, fix=f"remove {name!r}", edits=_remove(name), severity="warning")
        else:
            args["doubt"] = ""
            yield Hit(f"/{name}", args, fix=f"remove {name!r}", edits=_remove(name))


@check
@inspects(fields=SAMPLING)
def default_only(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Models that tolerate at most ``temperature: 1``; anything else is rejected."""
    for name in _present(ctx):
        value = ctx.body[name]
        default = name == "temperature" and is_number(value) and value == 1
        if default == params.get("default_value", False):
            yield Hit(f"/{name}", _args(ctx, name), fix=f"remove {name!r}", edits=_remove(name))


@check
@inspects(fields=("temperature", "top_p"))
def exclusive(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """``temperature`` and ``top_p`` together."""
    present = _present(ctx)
    if "temperature" in present and "top_p" in present:
        yield Hit("/top_p", _args(ctx, "top_p"), fix="keep only one of 'temperature' and 'top_p'")


@check
@inspects(fields=SAMPLING)
def value_range(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """temperature and top_p in [0, 1], top_k a non-negative integer."""
    model = ctx.model
    if model is not None and model.sampling == "rejected":
        return
    for name in _present(ctx):
        value = ctx.body[name]
        if name == "top_k":
            ok = is_int(value) and value >= 0
            expected = "a non-negative integer"
        else:
            ok = is_number(value) and 0 <= value <= 1
            expected = "a number from 0 to 1"
        if not ok:
            yield Hit(f"/{name}", {"field": name, "value": show(value), "expected": expected})


@check
@inspects(fields=SAMPLING)
def with_thinking(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """With thinking on: temperature only 1, top_k unset, top_p from 0.95 to 1."""
    model = ctx.model
    if not ctx.thinking_on or (model is not None and model.sampling in ("rejected", "default-only")):
        return
    body = ctx.body
    for name in _present(ctx):
        value = body[name]
        if name == "temperature" and not (is_number(value) and value == 1):
            reason = "may only be 1 when thinking is on"
        elif name == "top_k":
            reason = "must be unset when thinking is on"
        elif name == "top_p" and not (is_number(value) and 0.95 <= value <= 1):
            reason = "must be between 0.95 and 1 when thinking is on"
        else:
            continue
        yield Hit(f"/{name}", {**_args(ctx, name), "reason": reason}, fix=f"remove {name!r}", edits=_remove(name))
