"""Thinking blocks in the conversation: their fields, their place in assistant messages,
the thinking-first rule of tool loops, and the interleaved-thinking beta header.

"Thinking on" means ``ctx.thinking_on``: an explicit enabled/adaptive/between_tools
setting, or a model that thinks by default.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Mapping

from claude_preflight.checks.base import Edit, Hit, check, show
from claude_preflight.checks.messages import conversation_turns, final_assistant, final_message
from claude_preflight.engine.index import inspects

if TYPE_CHECKING:
    from claude_preflight.engine.context import Context

THINKING_TYPES = ("thinking", "redacted_thinking")


def _assistant_blocks(ctx: Context, index: int) -> list[Mapping[str, Any]]:
    raw = ctx.get("messages")
    if isinstance(raw, list) and 0 <= index < len(raw) and isinstance(raw[index], dict):
        return ctx.message_blocks(raw[index])
    return []


def _first_block_path(ctx: Context, index: int) -> str:
    raw = ctx.get("messages")
    message = raw[index] if isinstance(raw, list) and 0 <= index < len(raw) else None
    if isinstance(message, dict) and isinstance(message.get("content"), list):
        return f"/messages/{index}/content/0"
    return f"/messages/{index}/content"


@check
@inspects(blocks_from="required")
def block_incomplete(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    required: Mapping[str, list[str]] = params.get("required") or {}
    # One block type at a time: a block's findings keep their order; other blocks' have other paths.
    for kind, blocks in ctx.blocks_by_type.items():
        fields = required.get(kind) if isinstance(kind, str) else None
        if not fields:
            continue
        for block in blocks:
            for name in fields:
                value = block.data.get(name)
                if not isinstance(value, str):
                    problem = "is missing" if name not in block.data else f"must be a string, not {show(value)}"
                    yield Hit(block.path, {"type": block.type, "field": name, "problem": problem})


@check
@inspects(blocks=THINKING_TYPES)
def not_first(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """An assistant message with thinking blocks must start with one. Server tool calls and
    their results may come first: the API itself answers in that order (code execution before
    thinking) and accepts the message replayed as it came."""
    for index, message in ctx.messages:
        if message.get("role") != "assistant":
            continue
        blocks = ctx.message_blocks(message)
        if not blocks or blocks[0].get("type") in THINKING_TYPES:
            continue
        first = next((i for i, b in enumerate(blocks) if b.get("type") in THINKING_TYPES), None)
        if first is not None and not all(_server_tool_block(b) for b in blocks[:first]):
            yield Hit(_first_block_path(ctx, index), {"found": show(blocks[0].get("type"))})


def _server_tool_block(block: Mapping[str, Any]) -> bool:
    kind = block.get("type")
    return kind == "server_tool_use" or (isinstance(kind, str) and kind.endswith("_tool_result") and kind != "tool_result")


@check
@inspects(blocks=("thinking",))
def last_block(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A final assistant message must not end with a thinking block (thinking on; the
    thinking-off case has its own rule)."""
    found = final_assistant(ctx)
    if found is None or not ctx.thinking_on:
        return
    index, message = found
    content = message.get("content")
    if isinstance(content, list) and content and isinstance(content[-1], dict) and content[-1].get("type") == "thinking":
        yield Hit(f"/messages/{index}/content/{len(content) - 1}", {})


def _final_assistant_turn(ctx: Context) -> tuple[int, str] | None:
    """The assistant message that must start with thinking, and why.

    Either the conversation ends on an assistant message, or it ends on a user turn
    carrying tool results: then the assistant turn with those tool calls counts (its
    first message, as consecutive assistant messages are merged).
    """
    found = final_message(ctx)
    if found is None:
        return None
    index, message = found
    if message.get("role") == "assistant":
        return index, "the final assistant message"
    if message.get("role") != "user":
        return None
    if not any(b.get("type") == "tool_result" for b in ctx.message_blocks(message)):
        return None
    turns = conversation_turns(ctx)
    for t in range(len(turns) - 1, 0, -1):
        if index in turns[t].messages and turns[t].role == "user":
            previous = turns[t - 1]
            if previous.role == "assistant":
                return previous.first, "the assistant turn before the last tool results"
            return None
    return None


@check
def missing_in_tool_loop(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """With thinking on, the final assistant turn must start with a thinking block.

    An error with manual (enabled) thinking, where every assistant turn starts with
    thinking; a hint with adaptive thinking, where the model may legitimately skip it.
    """
    if not ctx.thinking_on:
        return
    found = _final_assistant_turn(ctx)
    if found is None:
        return
    index, which = found
    model = ctx.model
    raw = ctx.get("messages")
    if model is not None and not model.prefill and isinstance(raw, list) and index == len(raw) - 1:
        return  # a final assistant message is refused as prefill on this model (another rule)
    blocks = _assistant_blocks(ctx, index)
    if not blocks or any(b.get("type") in THINKING_TYPES for b in blocks):
        return  # starts with thinking, or thinking is misplaced (rule TC002)
    manual = ctx.thinking_type == "enabled"
    args = {"which": which, "found": show(blocks[0].get("type"))}
    yield Hit(_first_block_path(ctx, index), args, severity=None if manual else "info",
              fix="pass back the thinking blocks from the response unchanged, first in the message")


@check
@inspects(blocks=THINKING_TYPES)
def present_while_off(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Thinking off, and the final assistant message carries thinking blocks."""
    found = final_assistant(ctx)
    if found is None or ctx.thinking_on:
        return
    index, message = found
    content = message.get("content")
    if not isinstance(content, list):
        return
    for j, block in enumerate(content):
        if isinstance(block, dict) and block.get("type") in THINKING_TYPES:
            severity = None if block.get("type") == "thinking" else "warning"
            yield Hit(f"/messages/{index}/content/{j}", {"type": block.get("type")}, severity=severity,
                      fix="enable thinking, or drop the thinking blocks from the final assistant message")
            return


@check
@inspects(blocks=THINKING_TYPES)
def cache_control(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    for block in ctx.blocks:
        if block.type in THINKING_TYPES and "cache_control" in block.data:
            path = block.path + "/cache_control"
            yield Hit(path, {"type": block.type}, fix="remove cache_control from the thinking block",
                      edits=(Edit("remove", path),))


@check
@inspects(fields=("thinking",))
def interleaved_beta_missing(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    model = ctx.model
    beta = str(params["beta"])
    if model is None or ctx.thinking_type != "enabled" or not ctx.tools or ctx.has_beta(beta):
        return
    if model.id in (params.get("models") or ()):
        yield Hit("/thinking/type", {"model": model.id, "beta": beta})


@check
def interleaved_beta_unsupported(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    model = ctx.model
    beta = str(params["beta"])
    if model is None or ctx.in_batch or not ctx.has_beta(beta) or ctx.surface_name not in (params.get("surfaces") or ()):
        return
    models: Mapping[str, str] = params.get("models") or {}
    if model.id in models:
        severity = models[model.id]
        surface = ctx.surface.display_name if ctx.surface is not None else ctx.surface_name
        yield Hit("", {"model": model.id, "surface": surface, "beta": beta},
                  severity=severity if severity in ("error", "warning", "info") else None,
                  fix=f"do not send {beta} for this model")
