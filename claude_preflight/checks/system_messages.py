"""Mid-conversation system messages (``role: "system"`` inside ``messages``)."""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from claude_preflight.checks.base import Hit, check, show
from claude_preflight.engine.context import Context
from claude_preflight.files import pointer

# Block types that end an assistant turn with a server-side tool call (a paused turn).
SERVER_TOOL_CALLS = ("server_tool_use", "mcp_tool_use")


def _system_indices(ctx: Context) -> list[int]:
    return [i for i, m in ctx.messages if m.get("role") == "system"]


def _roles(ctx: Context) -> dict[int, Any]:
    return {i: m.get("role") for i, m in ctx.messages}


def _message(ctx: Context, index: int) -> Mapping[str, Any] | None:
    raw = ctx.get("messages")
    if isinstance(raw, list) and 0 <= index < len(raw) and isinstance(raw[index], dict):
        return raw[index]  # type: ignore[no-any-return]
    return None


def _ends_with_server_tool_call(ctx: Context, message: Mapping[str, Any]) -> bool:
    blocks = ctx.message_blocks(message)
    return bool(blocks) and blocks[-1].get("type") in SERVER_TOOL_CALLS


def _has_client_tool_use(ctx: Context, message: Mapping[str, Any]) -> bool:
    return any(b.get("type") == "tool_use" for b in ctx.message_blocks(message))


def _fix_hint(index: int) -> str:
    if index == 0:
        return "move this message's text into the top-level 'system' field"
    return "move the instruction into the top-level 'system' field or a user turn"


@check
def unsupported_model(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    model = ctx.model
    if model is None or model.mid_conversation_system:
        return
    for index in _system_indices(ctx):
        yield Hit(f"/messages/{index}/role", {"model": model.id}, fix=_fix_hint(index))


@check
def unsupported_surface(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    if not ctx.surface_lacks(params["feature"]):
        return
    model = ctx.model
    if model is not None and not model.mid_conversation_system:
        return  # the model rule already says it
    for index in _system_indices(ctx):
        yield Hit(f"/messages/{index}/role", {"surface": ctx.surface_name}, fix=_fix_hint(index))


def _supported(ctx: Context) -> bool:
    """Placement rules only matter where system messages are accepted at all."""
    model = ctx.model
    return model is None or model.mid_conversation_system


@check
def first(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    roles = _roles(ctx)
    if _supported(ctx) and roles.get(0) == "system":
        yield Hit("/messages/0/role", {}, fix=_fix_hint(0))


@check
def after_tool_use(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Between an assistant ``tool_use`` and the user turn with its ``tool_result``."""
    if not _supported(ctx):
        return
    for index in _system_indices(ctx):
        previous = _message(ctx, index - 1)
        if index > 0 and previous is not None and previous.get("role") == "assistant" and _has_client_tool_use(ctx, previous):
            yield Hit(f"/messages/{index}", {"index": index - 1})


@check
def placement_after(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Must follow a user turn, or an assistant turn ending in a server tool call."""
    if not _supported(ctx):
        return
    for index in _system_indices(ctx):
        if index == 0:
            continue
        previous = _message(ctx, index - 1)
        if previous is None:
            continue
        role = previous.get("role")
        if role == "user" or role == "system":
            continue  # consecutive system messages have their own rule
        if role == "assistant" and (_ends_with_server_tool_call(ctx, previous) or _has_client_tool_use(ctx, previous)):
            continue  # allowed, or reported by the tool_use rule
        yield Hit(f"/messages/{index}", {"previous": show(role)})


@check
def followed_by(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Must be last, or followed directly by an assistant turn."""
    if not _supported(ctx):
        return
    raw = ctx.get("messages")
    for index in _system_indices(ctx):
        following = _message(ctx, index + 1)
        if following is None or following.get("role") in ("assistant", "system"):
            continue
        previous = _message(ctx, index - 1)
        if previous is not None and previous.get("role") == "assistant" and _has_client_tool_use(ctx, previous):
            continue  # the tool_use rule explains this placement better
        if isinstance(raw, list) and index + 1 < len(raw):
            yield Hit(f"/messages/{index + 1}", {"role": show(following.get("role"))})


@check
def consecutive(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    if not _supported(ctx):
        return
    indices = _system_indices(ctx)
    for index in indices:
        if index - 1 in indices:
            yield Hit(f"/messages/{index}", {}, fix="merge the two system messages into one")


@check
def content(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Content is a string or a list of text blocks only."""
    if not _supported(ctx):
        return
    for index, message in ctx.messages:
        if message.get("role") != "system":
            continue
        value = message.get("content")
        if isinstance(value, str) or value is None:
            continue
        if not isinstance(value, list):
            yield Hit(f"/messages/{index}/content", {"found": show(value)})
            continue
        for j, block in enumerate(value):
            kind = block.get("type") if isinstance(block, dict) else None
            if kind not in params["allowed_blocks"]:
                yield Hit(f"/messages/{index}/content/{j}", {"found": show(kind if kind is not None else block)})


@check
def fields(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Only the allowed keys; beta keys need their beta header."""
    if not _supported(ctx):
        return
    allowed = set(params["allowed"])
    beta_fields: Mapping[str, str] = params.get("beta_fields") or {}
    for index, message in ctx.messages:
        if message.get("role") != "system":
            continue
        for key in message:
            if key in allowed:
                continue
            beta = beta_fields.get(key)
            if beta is not None and ctx.has_beta(beta):
                continue
            needs = f" (needs anthropic-beta: {beta})" if beta else ""
            yield Hit(pointer.join(f"/messages/{index}", key), {"field": show(key), "needs": needs})
