"""Mid-conversation system messages (``role: "system"`` inside ``messages``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Mapping

from claude_preflight.checks.base import Edit, Hit, check, show
from claude_preflight.engine.index import inspects
from claude_preflight.files import pointer

if TYPE_CHECKING:
    from claude_preflight.engine.context import Context

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


def _text_blocks(value: Any) -> bool:
    """A list of plain text blocks (type and text only, no cache_control or citations)."""
    return isinstance(value, list) and all(
        isinstance(b, dict) and b.get("type") == "text" and isinstance(b.get("text"), str) and set(b) == {"type", "text"}
        for b in value
    )


def move_to_system(ctx: Context, index: int) -> tuple[Edit, ...]:
    """Edits moving a LEADING system message into the top-level ``system`` field.

    Only when the result means the same to the API: the message is first, holds only role
    and content, its content is a string or plain text blocks, the next message is a user
    turn (so the conversation still opens with one), and any existing ``system`` is a string
    or a list of blocks. A string system gets the text appended after a blank line, a block
    list gets the blocks appended. Later system messages have no equivalent: no edits.
    """
    raw = ctx.get("messages")
    if index != 0 or not isinstance(raw, list) or len(raw) < 2:
        return ()
    message, following = raw[0], raw[1]
    if not isinstance(message, dict) or set(message) != {"role", "content"} or message.get("role") != "system":
        return ()
    if not isinstance(following, dict) or following.get("role") != "user":
        return ()
    text = message["content"]
    if not isinstance(text, str) and not _text_blocks(text):
        return ()
    blocks = [{"type": "text", "text": text}] if isinstance(text, str) else [dict(b) for b in text]
    blocks = [b for b in blocks if b["text"]]  # empty text adds nothing (and the API rejects empty blocks)
    remove = Edit("remove", "/messages/0")
    if not blocks:
        return (remove,)
    if not ctx.has("system"):
        value: Any = text if isinstance(text, str) else blocks
        return (Edit("add", "/system", value), remove)
    system = ctx.get("system")
    if isinstance(system, str):
        if not system:
            return (Edit("replace", "/system", text if isinstance(text, str) else blocks), remove)
        if isinstance(text, str):
            return (Edit("replace", "/system", system + "\n\n" + text), remove)
        return (Edit("replace", "/system", [{"type": "text", "text": system}, *blocks]), remove)
    if isinstance(system, list):
        return (*(Edit("add", "/system/-", b) for b in blocks), remove)
    return ()


def _fix_hint(index: int) -> str:
    if index == 0:
        return "move this message's text into the top-level 'system' field"
    return "move the instruction into the top-level 'system' field or a user turn"


@check
@inspects(roles=("system",))
def unsupported_model(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    model = ctx.model
    if model is None or model.mid_conversation_system:
        return
    for index in _system_indices(ctx):
        yield Hit(f"/messages/{index}/role", {"model": model.id}, fix=_fix_hint(index), edits=move_to_system(ctx, index))


@check
@inspects(roles=("system",))
def unsupported_surface(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """The surface lacks the feature (error), or sources dispute that it offers it (warning)."""
    feature = params["feature"]
    surface = ctx.surface
    disputed = surface is not None and feature in surface.disputed
    if not disputed and not ctx.surface_lacks(feature):
        return
    model = ctx.model
    if model is not None and not model.mid_conversation_system:
        return  # the model rule already says it
    leading = _leading(ctx) if disputed else 0  # placement rules apply there: SM003 has the opening run
    for index in _system_indices(ctx):
        if index < leading:
            continue
        args = {"surface": ctx.surface_name, "doubt": str(params.get("doubt", "")) if disputed else ""}
        hint, edits = _fix_hint(index), move_to_system(ctx, index)
        yield Hit(f"/messages/{index}/role", args, fix=hint, edits=edits, severity="warning" if disputed else None)


def _supported(ctx: Context) -> bool:
    """Placement rules only matter where system messages are accepted at all (the model
    and the surface: otherwise SM001/SM002 report each system message once)."""
    model = ctx.model
    if ctx.surface_lacks("mid-conversation-system"):
        return False
    return model is None or model.mid_conversation_system


def _leading(ctx: Context) -> int:
    """How many system messages open the conversation: one cause, reported once by SM003."""
    roles = _roles(ctx)
    count = 0
    while roles.get(count) == "system":
        count += 1
    return count


@check
@inspects(roles=("system",))
def first(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    roles = _roles(ctx)
    if _supported(ctx) and roles.get(0) == "system":
        yield Hit("/messages/0/role", {}, fix=_fix_hint(0), edits=move_to_system(ctx, 0))


@check
@inspects(roles=("system",))
def after_tool_use(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Between an assistant ``tool_use`` and the user turn with its ``tool_result``."""
    if not _supported(ctx):
        return
    for index in _system_indices(ctx):
        previous = _message(ctx, index - 1)
        if index > 0 and previous is not None and previous.get("role") == "assistant" and _has_client_tool_use(ctx, previous):
            yield Hit(f"/messages/{index}", {"index": index - 1})


@check
@inspects(roles=("system",))
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
@inspects(roles=("system",))
def followed_by(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Must be last, or followed directly by an assistant turn."""
    if not _supported(ctx):
        return
    raw = ctx.get("messages")
    leading = _leading(ctx)
    for index in _system_indices(ctx):
        if index < leading:
            continue  # a system message opening the conversation: SM003
        following = _message(ctx, index + 1)
        if following is None or following.get("role") in ("assistant", "system"):
            continue
        previous = _message(ctx, index - 1)
        if previous is not None and previous.get("role") == "assistant" and _has_client_tool_use(ctx, previous):
            continue  # the tool_use rule explains this placement better
        if isinstance(raw, list) and index + 1 < len(raw):
            yield Hit(f"/messages/{index + 1}", {"role": show(following.get("role"))})


@check
@inspects(roles=("system",))
def consecutive(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    if not _supported(ctx):
        return
    indices = _system_indices(ctx)
    leading = _leading(ctx)
    for index in indices:
        if index - 1 in indices and index >= leading:  # the opening run is SM003's
            yield Hit(f"/messages/{index}", {}, fix="merge the two system messages into one")


@check
@inspects(roles=("system",))
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
@inspects(roles=("system",))
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
