"""Messages and content blocks: roles, block types per role, empty and whitespace text,
unknown block fields, assistant prefill, stop sequences and conversation shape.

Role "system" entries inside ``messages`` belong to the system-messages family and are
skipped here. Block facts (types, the roles they belong to, their fields) come from the
rules' ``params``.

``conversation_turns`` is shared with the tools and conversation-thinking families: it
groups the user/assistant messages into turns the way the API merges consecutive
same-role messages.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, NamedTuple, TypeVar

from claude_preflight.checks.base import Edit, Hit, check, json_type, show
from claude_preflight.dates import parse_moment
from claude_preflight.engine.index import inspects
from claude_preflight.files import pointer

if TYPE_CHECKING:
    from claude_preflight.engine.context import Block, Context

_T = TypeVar("_T")

ROLES = ("user", "assistant")
# Blocks that mark an assistant turn paused on a server-side tool call (pause_turn):
# such a turn is sent back as the last message to let the model continue.
PAUSED_TURN_BLOCKS = ("server_tool_use", "mcp_tool_use")


# ---------------------------------------------------------------------- shared helpers


class Turn(NamedTuple):
    """Consecutive messages of one role (the API merges them), with their blocks in order
    (a named tuple: an agent conversation has hundreds of turns, made on every request)."""

    role: Any
    messages: tuple[int, ...]
    blocks: tuple[Block, ...]

    @property
    def first(self) -> int:
        return self.messages[0]


def raw_messages(ctx: Context) -> list[Any]:
    raw = ctx.get("messages")
    return raw if isinstance(raw, list) else []


def conversation_turns(ctx: Context) -> list[Turn]:
    """User/assistant messages grouped into turns; system messages are transparent.

    A message with any other role is a turn of its own, so it separates its neighbours.
    Computed once per request.
    """
    cached = ctx.extra.get("messages.turns")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    blocks = ctx.blocks  # in message order, as ctx.messages
    end, at = len(blocks), 0
    make = Turn._make  # tuple.__new__, without the generated __new__'s Python frame
    turns: list[Turn] = []
    merged: dict[int, tuple[list[int], list[Block]]] = {}  # turns of several messages, grown in lists
    for index, message in ctx.messages:
        start = at
        while at < end and blocks[at].message == index:
            at += 1
        role = message.get("role")
        if role == "system":
            continue
        if turns and role in ROLES and turns[-1].role == role:
            last = len(turns) - 1
            if last not in merged:
                merged[last] = (list(turns[last].messages), list(turns[last].blocks))
            merged[last][0].append(index)
            merged[last][1].extend(blocks[start:at])
        else:
            turns.append(make((role, (index,), tuple(blocks[start:at]))))
    for t, (indexes, members) in merged.items():
        turns[t] = make((turns[t].role, tuple(indexes), tuple(members)))
    ctx.extra["messages.turns"] = turns
    return turns


def final_message(ctx: Context) -> tuple[int, Mapping[str, Any]] | None:
    """The last element of ``messages`` if it is an object."""
    raw = raw_messages(ctx)
    if raw and isinstance(raw[-1], dict):
        return len(raw) - 1, raw[-1]
    return None


def final_assistant(ctx: Context) -> tuple[int, Mapping[str, Any]] | None:
    found = final_message(ctx)
    if found is not None and found[1].get("role") == "assistant":
        return found
    return None


def is_paused_turn(ctx: Context, message: Mapping[str, Any]) -> bool:
    """An assistant message carrying a server-side tool call (a pause_turn continuation)."""
    return any(b.get("type") in PAUSED_TURN_BLOCKS for b in ctx.message_blocks(message))


def _block_table(params: Mapping[str, Any]) -> Mapping[str, Mapping[str, Any]]:
    table = params.get("blocks")
    return table if isinstance(table, dict) else {}


def per_params(ctx: Context, name: str, params: Mapping[str, Any], build: Callable[[Mapping[str, Any]], _T]) -> _T:
    """``build(params)`` once per rule's params (cached with the catalogue, by identity)."""
    cache = ctx.catalogue.derived.setdefault(name, {})
    found = cache.get(id(params))
    if found is None or found[0] is not params:
        found = cache[id(params)] = (params, build(params))
    return found[1]  # type: ignore[no-any-return]


def _field_sets(params: Mapping[str, Any]) -> dict[str, frozenset[Any]]:
    """Block type -> the keys it may carry without an MS011 finding (its fields, ``type``,
    and the keys reported elsewhere), for the types whose fields are known."""
    skip: Mapping[str, Any] = params.get("reported_elsewhere") or {}
    return {kind: frozenset(spec["fields"]) | {"type"} | frozenset(skip.get(kind) or ())
            for kind, spec in _block_table(params).items() if spec and spec.get("fields") is not None}


def _type_of(block: Mapping[str, Any]) -> Any:
    return block.get("type")


def _text_blocks(ctx: Context) -> Iterator[tuple[str, Any, int, bool]]:
    """``(path, text, message index, is list block)`` for text in user/assistant messages
    and in the top-level ``system`` list (message index -1)."""
    for block in ctx.blocks_of("text"):
        if block.role in ROLES and block.index >= 0:
            yield block.path + "/text", block.data.get("text"), block.message, True
    system = ctx.get("system")
    if isinstance(system, list):
        for j, item in enumerate(system):
            if isinstance(item, dict) and item.get("type") == "text":
                yield f"/system/{j}/text", item.get("text"), -1, True


# ---------------------------------------------------------------------- roles and shape


@check
def role_invalid(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A message role other than user, assistant or system (system has its own family)."""
    allowed = params.get("roles") or ("user", "assistant", "system")
    hints: Mapping[str, str] = params.get("hints") or {}
    for index, message in ctx.messages:
        if "role" not in message:
            yield Hit(f"/messages/{index}", {"role": "(missing)", "hint": "; every message needs a role"})
            continue
        role = message["role"]
        if role in allowed:
            continue
        hint = hints.get(role, "") if isinstance(role, str) else ""
        yield Hit(f"/messages/{index}/role", {"role": show(role), "hint": f"; {hint}" if hint else ""}, fix=hint or None)


@check
def message_malformed(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A message that is not an object, or whose content is missing or of the wrong type."""
    for index, message in enumerate(raw_messages(ctx)):
        if not isinstance(message, dict):
            yield Hit(f"/messages/{index}", {"problem": f"must be an object with role and content, not {json_type(message)}"})
            continue
        if message.get("role") == "system":
            continue
        if "content" not in message:
            yield Hit(f"/messages/{index}", {"problem": "has no content"})
            continue
        content = message["content"]
        if not isinstance(content, (str, list)):
            yield Hit(f"/messages/{index}/content", {"problem": f"content must be a string or an array of blocks, not {json_type(content)}"})


@check
def message_unknown_field(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    allowed = set(params.get("allowed") or ("role", "content"))
    hints: Mapping[str, str] = params.get("hints") or {}
    for index, message in ctx.messages:
        if message.get("role") == "system":
            continue
        for key in message:
            if key in allowed:
                continue
            hint = hints.get(key, "") if isinstance(key, str) else ""
            yield Hit(
                pointer.join(f"/messages/{index}", key),
                {"field": show(key), "hint": f"; {hint}" if hint else ""},
                fix=f"remove {key!r}" + (f" ({hint})" if hint else ""),
                edits=(Edit("remove", pointer.join(f"/messages/{index}", key)),),
            )


@check
def messages_empty(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    if ctx.get("messages") == []:
        yield Hit("/messages", {})


@check
def content_empty(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Empty content on any message except a final assistant message."""
    raw = raw_messages(ctx)
    last = len(raw) - 1
    for index, message in ctx.messages:
        role = message.get("role")
        if role not in ROLES or (index == last and role == "assistant"):
            continue
        content = message.get("content")
        if content == "" or content == []:
            yield Hit(f"/messages/{index}/content", {"index": index, "role": role})


@check
@inspects(fields=("system",), blocks=("text",))
def text_empty(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    for path, text, _, _ in _text_blocks(ctx):
        if text == "":
            yield Hit(path, {"where": path.split("/")[1]})


@check
@inspects(fields=("system",), blocks=("text",))
def text_not_string(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A text block whose ``text`` is there but not a string (null from a client with no prompt);
    a missing ``text`` is MS012's."""
    for block in ctx.blocks_of("text"):
        if block.role in ROLES and block.index >= 0 and "text" in block.data:
            if not isinstance(block.data["text"], str):
                yield Hit(block.path + "/text", {"found": json_type(block.data["text"])})
    system = ctx.get("system")
    if isinstance(system, list):
        for j, item in enumerate(system):
            if isinstance(item, dict) and item.get("type") == "text" and "text" in item and not isinstance(item["text"], str):
                yield Hit(f"/system/{j}/text", {"found": json_type(item["text"])})


@check
@inspects(fields=("system",), blocks=("text",))
def text_whitespace(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Whitespace-only text; a final assistant message is left to the prefill rules. Next to
    tool calls in an assistant turn it is a warning: the API accepted a recorded " " text block
    before two tool_use blocks (models emit it themselves)."""
    final = final_assistant(ctx)
    final_index = final[0] if final is not None else None
    calling = {block.message for block in ctx.blocks_of("tool_use")}
    for path, text, owner, _ in _text_blocks(ctx):
        if isinstance(text, str) and text and not text.strip() and owner != final_index:
            yield Hit(path, {"where": path.split("/")[1]}, severity="warning" if owner in calling else None)
    for index, message in ctx.messages:
        content = message.get("content")
        if message.get("role") in ROLES and isinstance(content, str) and content and not content.strip():
            if index != final_index:
                yield Hit(f"/messages/{index}/content", {"where": "messages"})


@check
@inspects(fields=("system",))
def system_block_invalid(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Top-level ``system`` as a list may hold text blocks only."""
    system = ctx.get("system")
    if not isinstance(system, list):
        return
    allowed = params.get("allowed") or ("text",)
    for j, item in enumerate(system):
        if not isinstance(item, dict):
            yield Hit(f"/system/{j}", {"found": json_type(item)})
        elif item.get("type") not in allowed:
            found = item.get("type")
            yield Hit(f"/system/{j}/type" if "type" in item else f"/system/{j}", {"found": show(found) if found is not None else "a block without type"})


# ---------------------------------------------------------------------- content blocks


@check
def block_type_invalid(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Content blocks that are not objects, lack a type, or have a type the API does not know."""
    table = _block_table(params)
    known = sorted(table)
    for index, message in ctx.messages:
        if message.get("role") == "system":
            continue
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for j, block in enumerate(content):
            if block.__class__ is dict:
                kind = block.get("type")
                if kind.__class__ is str and kind in table:
                    continue
            path = f"/messages/{index}/content/{j}"
            if not isinstance(block, dict):
                yield Hit(path, {"problem": f"is a {json_type(block)}, not a content block object"})
                continue
            if "type" not in block:
                yield Hit(path, {"problem": "has no type"})
                continue
            kind = block["type"]
            if isinstance(kind, str) and kind in table:
                continue
            close = difflib.get_close_matches(kind, known, n=1, cutoff=0.6) if isinstance(kind, str) else []
            hint = f"; did you mean {close[0]!r}?" if close else ""
            yield Hit(path + "/type", {"problem": f"has unknown type {show(kind)}{hint}"})


@check
def block_wrong_role(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Blocks in a role their type does not allow. Walked one block type at a time: the
    findings (one per block, each at its own path) sort into the same report."""
    table = _block_table(params)
    for kind, blocks in ctx.blocks_by_type.items():
        spec = table.get(kind) if isinstance(kind, str) else None
        roles = spec.get("roles") if spec else None
        if not roles:
            continue
        for block in blocks:
            if block.role in ROLES and block.index >= 0 and block.role not in roles:
                severity = spec.get("severity")  # type: ignore[union-attr]
                yield Hit(block.path, {"type": block.type, "role": block.role, "allowed": " or ".join(roles)},
                          severity=severity if severity in ("error", "warning", "info") else None)


@check
def block_unknown_field(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Keys a block type does not define. ``cache_control`` on thinking blocks is left to
    the conversation-thinking family, which explains it."""
    table = _block_table(params)
    skip: Mapping[str, list[str]] = params.get("reported_elsewhere") or {}
    known = per_params(ctx, "messages.field_sets", params, _field_sets)
    inner: Mapping[str, Any] = params.get("content_fields") or {}
    # Only blocks of a type with known fields can yield: those with an unknown key, or a
    # result ``content`` object to look into.
    candidates: list[tuple[str, Mapping[str, Any]]] = [
        (b.path, b.data) for b in ctx.blocks
        if isinstance(b.type, str) and b.type in known and b.role in ROLES and b.index >= 0
        and (not known[b.type].issuperset(b.data) or (b.type in inner and isinstance(b.data.get("content"), dict)))
    ]
    system = ctx.get("system")
    if isinstance(system, list):
        candidates += [(f"/system/{j}", item) for j, item in enumerate(system) if isinstance(item, dict)]
    for path, data in candidates:
        kind = data.get("type")
        spec = table.get(kind) if isinstance(kind, str) else None
        if not spec or spec.get("fields") is None:
            continue
        allowed = set(spec["fields"]) | {"type"}
        for key in data:
            if key in allowed or key in (skip.get(str(kind)) or ()):
                continue
            yield Hit(
                pointer.join(path, key),
                {"field": show(key), "type": kind, "allowed": ", ".join(sorted(allowed))},
                fix=f"remove {key!r}",
            )
        yield from _content_unknown_fields(ctx, params, str(kind), path, data)


def _content_unknown_fields(ctx: Context, params: Mapping[str, Any], kind: str, path: str,
                            data: Mapping[str, Any]) -> Iterator[Hit]:
    """Keys of a result block's ``content`` object its variant does not take (``params["content_fields"]``:
    block type -> content type -> {fields, until?}); ``until`` ends a refusal the API later dropped."""
    variants = (params.get("content_fields") or {}).get(kind)
    content = data.get("content")
    if not variants or not isinstance(content, dict):
        return
    spec = variants.get(content.get("type")) if isinstance(content.get("type"), str) else None
    if not spec:
        return
    until = spec.get("until")
    if until is not None and ctx.as_of >= parse_moment(str(until), what="until"):
        return
    allowed = set(spec.get("fields") or ()) | {"type"}
    for key in content:
        if key not in allowed:
            yield Hit(pointer.join(path + "/content", key),
                      {"field": show(key), "type": content["type"], "allowed": ", ".join(sorted(allowed))},
                      fix=f"remove {key!r}")


@check
def block_missing_field(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Required fields a block lacks. Walked one block type at a time: a block's findings keep
    their order, and findings of different blocks have different paths (the same report)."""
    table = _block_table(params)
    for kind, blocks in ctx.blocks_by_type.items():
        spec = table.get(kind) if isinstance(kind, str) else None
        required = spec.get("required") if spec else None
        if not required:
            continue
        for block in blocks:
            if block.role not in ROLES or block.index < 0:
                continue
            for name in required:
                if name not in block.data:
                    yield Hit(block.path, {"type": block.type, "field": name})


@check
@inspects(blocks=("tool_use",), blocks_from="types")
def tool_input_not_object(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    types = params.get("types") or ("tool_use",)
    for block in ctx.blocks:
        if block.type in types and "input" in block.data and not isinstance(block.data["input"], dict):
            value = block.data["input"]
            hint = "; it looks like JSON text: parse it into an object" if isinstance(value, str) and value.strip().startswith("{") else ""
            yield Hit(block.path + "/input", {"type": block.type, "found": json_type(value), "hint": hint})


@check
@inspects(blocks=("tool_result",))
def tool_result_content_invalid(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    allowed = params.get("allowed") or ()
    for block in ctx.blocks_of("tool_result"):
        if "content" not in block.data:
            continue
        content = block.data["content"]
        if isinstance(content, str):
            continue
        path = block.path + "/content"
        if not isinstance(content, list):
            yield Hit(path, {"problem": f"must be a string or an array of blocks, not {json_type(content)}"})
            continue
        for k, item in enumerate(content):
            if not isinstance(item, dict):
                yield Hit(f"{path}/{k}", {"problem": f"item is a {json_type(item)}, not a block object"})
            elif item.get("type") not in allowed:
                yield Hit(f"{path}/{k}", {"problem": f"block type {show(item.get('type'))} is not allowed (allowed: {', '.join(allowed)})"})


@check
@inspects(blocks_from="types")
def legacy_block(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    types = params.get("types") or ()
    for block in ctx.blocks:
        if block.type in types:
            yield Hit(block.path + "/type", {"type": block.type})


# ---------------------------------------------------------------------- prefill


@check
def prefill_unsupported(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A conversation ending on an assistant turn, on a model without prefill."""
    model = ctx.model
    found = final_assistant(ctx)
    if model is None or model.prefill or found is None:
        return
    index, message = found
    if is_paused_turn(ctx, message):
        return  # continuing a turn paused on a server tool is not prefill
    if any(ctx.get(name) is not None for name in params.get("authorised_by") or ()):
        return  # e.g. a fallback_credit_token authorises one appended-assistant prefill
    yield Hit(f"/messages/{index}", {"model": model.id},
              fix="end with a user message; steer the answer with the system prompt or output_config.format")


@check
@inspects(blocks=("text",))
def prefill_trailing_whitespace(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    model = ctx.model
    found = final_assistant(ctx)
    if found is None or (model is not None and not model.prefill):
        return  # models without prefill reject the whole message (another rule)
    index, message = found
    # the refusal is seen on /v1/messages; count_tokens generates nothing and may not check it
    severity = "warning" if ctx.body_kind == "count_tokens" else None
    content = message.get("content")
    if isinstance(content, str):
        if content and content[-1].isspace() and content.strip():
            path = f"/messages/{index}/content"
            yield Hit(path, {}, fix="strip the trailing whitespace", edits=(Edit("replace", path, content.rstrip()),), severity=severity)
        return
    if isinstance(content, list) and content and isinstance(content[-1], dict) and content[-1].get("type") == "text":
        text = content[-1].get("text")
        if isinstance(text, str) and text and text[-1].isspace() and text.strip():
            path = f"/messages/{index}/content/{len(content) - 1}/text"
            yield Hit(path, {}, fix="strip the trailing whitespace", edits=(Edit("replace", path, text.rstrip()),), severity=severity)


# ---------------------------------------------------------------------- stop sequences


@check
@inspects(fields=("stop_sequences",))
def stop_sequences_invalid(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    values = ctx.get("stop_sequences")
    if not isinstance(values, list):
        return
    for k, value in enumerate(values):
        if not isinstance(value, str):
            problem = f"must be a string, not {json_type(value)}"
        elif value == "":
            problem = "must not be empty"
        elif not value.strip():
            problem = "must contain a non-whitespace character"
        else:
            continue
        yield Hit(f"/stop_sequences/{k}", {"value": show(value), "problem": problem})


# ---------------------------------------------------------------------- conversation shape


@check
def consecutive_same_role(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    raw = raw_messages(ctx)
    for index in range(1, len(raw)):
        current, previous = raw[index], raw[index - 1]
        if not isinstance(current, dict) or not isinstance(previous, dict):
            continue
        role = current.get("role")
        if role in ROLES and previous.get("role") == role:
            refused = _alternation_refused(ctx, params)
            args = {"role": role, "index": index - 1}
            if refused is None:
                args["consequence"] = "the API merges them into one turn"
                yield Hit(f"/messages/{index}/role", args, fix="merge the two messages into one")
            else:
                args["consequence"] = f'{ctx.surface_name} refuses this ("roles must alternate"; last seen {refused})'
                yield Hit(f"/messages/{index}/role", args, fix="merge the two messages into one", severity="error")


def _alternation_refused(ctx: Context, params: Mapping[str, Any]) -> str | None:
    """The last date a refusal of consecutive same-role turns was seen on this surface, when
    the request is dated no later than that (before it the API did not merge them)."""
    for entry in params.get("refused") or ():
        if ctx.surface_name not in (entry.get("surfaces") or ()):
            continue
        last = str(entry.get("last_seen", ""))
        if last and ctx.as_of.date().isoformat() <= last:
            return last
    return None


@check
def first_not_user(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    raw = raw_messages(ctx)
    if not raw or not isinstance(raw[0], dict) or raw[0].get("role") != "assistant":
        return
    # an error where the surface rejects it, or for a request dated up to the last refusal seen
    strict = ctx.surface_name in (params.get("strict_surfaces") or ()) or _alternation_refused(ctx, params) is not None
    surface = ctx.surface.display_name if ctx.surface is not None else ctx.surface_name
    args = {"surface": surface, "consequence": "rejects" if strict else "may reject"}
    yield Hit("/messages/0/role", args, severity="error" if strict else None, fix="start the conversation with a user message")
