"""Thinking configuration: modes per model, budget limits, forced tool use, effort."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from claude_preflight.catalogue.model import EFFORT_ORDER
from claude_preflight.checks.base import Edit, Hit, check, is_int, show
from claude_preflight.dates import parse_moment
from claude_preflight.engine.index import inspects
from claude_preflight.files import pointer

if TYPE_CHECKING:
    from claude_preflight.engine.context import Context


def _model_name(ctx: Context) -> str:
    return ctx.model.id if ctx.model else show(ctx.model_written)


def _to_mode(ctx: Context, mode: Any) -> tuple[Edit, ...]:
    """Edits turning budget thinking into ``mode`` (e.g. adaptive): set the type and drop
    budget_tokens, keeping anything else the block carries (such as ``display``). Only when
    the model accepts ``mode``."""
    model = ctx.model
    thinking = ctx.get("thinking")
    if not isinstance(mode, str) or model is None or mode not in model.thinking_modes or not isinstance(thinking, dict):
        return ()
    edits = [Edit("replace", "/thinking/type", mode)]
    if "budget_tokens" in thinking:
        edits.append(Edit("remove", "/thinking/budget_tokens"))
    return tuple(edits)


@check
@inspects(fields=("thinking",))
def mode_unsupported(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """``thinking.type`` equal to ``params.type`` on a model that does not accept it.

    With ``params.no_thinking`` the rule covers models without any thinking;
    otherwise only models that think in some other mode.
    """
    model = ctx.model
    kind = ctx.thinking_type
    if model is None or kind is None or kind in model.thinking_modes:
        return
    if params.get("no_thinking"):
        if model.thinking_modes or kind == "disabled":
            return
    elif kind != params["type"] or not model.thinking_modes:
        return
    accepted = ", ".join(sorted(model.thinking_modes)) or "none"
    edits = _to_mode(ctx, params.get("replace_with")) if kind == "enabled" else ()
    yield Hit("/thinking/type", {"type": kind, "model": model.id, "accepted": accepted}, fix=params.get("fix"), edits=edits)


@check
@inspects(fields=("thinking",))
def budget_deprecated(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    model = ctx.model
    if model is not None and ctx.thinking_type == "enabled" and "enabled" in model.thinking_deprecated:
        edits = _to_mode(ctx, params.get("replace_with", "adaptive"))
        yield Hit("/thinking/type", {"model": model.id}, fix='use {"type": "adaptive"} with output_config.effort', edits=edits)


def _budget(ctx: Context) -> Any:
    thinking = ctx.get("thinking")
    return thinking.get("budget_tokens") if isinstance(thinking, dict) else None


@check
@inspects(fields=("thinking",))
def budget_missing(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    thinking = ctx.get("thinking")
    if ctx.thinking_type == "enabled" and isinstance(thinking, dict) and "budget_tokens" not in thinking:
        yield Hit("/thinking", {})


@check
@inspects(fields=("thinking",))
def budget_minimum(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    budget = _budget(ctx)
    if ctx.thinking_type != "enabled" or budget is None:
        return
    minimum = params["minimum"]
    if not is_int(budget) or budget < minimum:
        yield Hit("/thinking/budget_tokens", {"value": show(budget), "minimum": minimum})


@check
@inspects(fields=("thinking",))
def budget_below_max_tokens(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    budget, max_tokens = _budget(ctx), ctx.get("max_tokens")
    if ctx.thinking_type != "enabled" or not is_int(budget) or not is_int(max_tokens):
        return
    if budget >= max_tokens and not ctx.has_beta(*params.get("exempt_betas", ())):
        yield Hit("/thinking/budget_tokens", {"budget": budget, "max_tokens": max_tokens})


@check
@inspects(fields=("tool_choice",))
def forced_tool_choice(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Thinking (explicit or the model's default) with tool_choice any/tool. Adaptive thinking
    takes forced tool use on models launched from ``params.adaptive_allows_from`` on, and on
    every model from ``params.adaptive_allows_all_from``, unless the model refuses forced tool
    use altogether (``forced_tool_choice: false``)."""
    if ctx.tool_choice_type not in ("any", "tool") or not ctx.thinking_on:
        return
    model = ctx.model
    if ctx.thinking_type != "enabled" and model is not None and model.forced_tool_choice and (
            _launched_from(model, params) or _from(ctx, params.get("adaptive_allows_all_from"))):
        return
    origin = "thinking is on" if ctx.thinking_type else f"{_model_name(ctx)} thinks by default"
    can_disable = model is None or "disabled" in model.thinking_modes
    fix = 'use tool_choice {"type": "auto"}' + (' or set thinking {"type": "disabled"}' if can_disable else "")
    yield Hit("/tool_choice/type", {"choice": ctx.tool_choice_type, "origin": origin}, fix=fix)


def _from(ctx: Context, moment: Any) -> bool:
    """Whether the request date is on or after ``moment`` (false when it is not set)."""
    return bool(moment) and ctx.as_of >= parse_moment(str(moment), what="date")


def _launched_from(model: Any, params: Mapping[str, Any]) -> bool:
    """Whether the model launched on or after ``params.adaptive_allows_from``."""
    cutoff = params.get("adaptive_allows_from")
    if not cutoff:
        return False
    launched = model.launched
    return launched is not None and launched >= parse_moment(str(cutoff), what="adaptive_allows_from")


@check
@inspects(fields=("thinking",))
def config_unknown_key(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A key the thinking object of its type does not take (``params.keys``: type -> keys)."""
    thinking = ctx.get("thinking")
    if not isinstance(thinking, dict) or not isinstance(thinking.get("type"), str):
        return
    allowed = (params.get("keys") or {}).get(thinking["type"])
    if allowed is None:
        return  # a type this catalogue does not know: TH-rules on the type say so
    for key in thinking:
        if key in allowed:
            continue
        name = str(key)
        close = difflib.get_close_matches(name, list(allowed), n=1, cutoff=0.75)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        edits = (Edit("remove", pointer.join("/thinking", name)),) if isinstance(key, str) else ()
        yield Hit(pointer.join("/thinking", name), {"key": show(name), "type": thinking["type"], "allowed": ", ".join(allowed), "hint": hint},
                  fix=f"remove {name!r}", edits=edits)


@check
@inspects(fields=("thinking",))
def effort_with_thinking_disabled(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    model = ctx.model
    config = ctx.get("output_config")
    if model is None or model.disabled_max_effort is None or ctx.thinking_type != "disabled":
        return
    effort = config.get("effort") if isinstance(config, dict) else None
    if effort not in EFFORT_ORDER:
        return
    if EFFORT_ORDER.index(effort) > EFFORT_ORDER.index(model.disabled_max_effort):
        args = {"effort": effort, "model": model.id, "highest": model.disabled_max_effort}
        yield Hit("/output_config/effort", args, fix=f"lower effort to {model.disabled_max_effort!r} or enable thinking")
