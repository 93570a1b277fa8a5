"""Prompt caching: breakpoint count, cache_control shape, TTL order, empty text, minimums.

Breakpoints are collected once per request (in prompt order: tools, system, messages) and
shared by the rules through ``ctx.extra``. Thinking blocks are skipped entirely: whether
they may carry cache_control is another family's rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from claude_preflight.checks import _estimate
from claude_preflight.checks.base import Hit, check, show
from claude_preflight.engine.index import inspects
from claude_preflight.files import pointer

if TYPE_CHECKING:
    from claude_preflight.engine.context import Context

THINKING = frozenset({"thinking", "redacted_thinking"})
TTL_VALUES = ("5m", "1h")
_KEY = "caching.breakpoints"


@dataclass(frozen=True)
class Breakpoint:
    """One cache_control value in the request, where it sits and what carries it."""

    path: str  # pointer to the cache_control value
    value: Any
    section: str  # tools, system or messages
    owner: Any  # the tool, block or message carrying it
    element: int  # index into the prompt elements (see _elements)

    @property
    def ttl(self) -> str | None:
        """The effective TTL ("5m" for a bare ephemeral), or None when the value is malformed."""
        if not isinstance(self.value, dict) or self.value.get("type") != "ephemeral":
            return None
        ttl = self.value.get("ttl", "5m")
        if ttl is None:
            return "5m"
        return ttl if ttl in TTL_VALUES else None


@dataclass
class Prompt:
    elements: list[Any]  # prompt pieces in order; a breakpoint caches everything up to its element
    breakpoints: list[Breakpoint]
    automatic: Any  # top-level cache_control (None when absent)
    unknown_size: bool  # server tools or MCP servers add prompt text we cannot see


def collect_prompt(ctx: Context) -> Prompt:
    """The request's prompt elements and breakpoints (computed once per request)."""
    found = ctx.extra.get(_KEY)
    if isinstance(found, Prompt):
        return found
    elements: list[Any] = []
    points: list[Breakpoint] = []
    unknown = isinstance(ctx.get("mcp_servers"), list) and bool(ctx.get("mcp_servers"))

    def add(section: str, owner: Any, path: str) -> None:
        value = owner.get("cache_control") if isinstance(owner, dict) else None
        if value is not None:
            points.append(Breakpoint(pointer.join(path, "cache_control"), value, section, owner, len(elements) - 1))

    for i, tool in ctx.tools:
        elements.append(tool)
        if tool.get("type") not in (None, "custom"):
            unknown = True
        if tool.get("cache_control") is not None:
            add("tools", tool, f"/tools/{i}")
    system = ctx.get("system")
    if isinstance(system, str):
        elements.append(system)
    elif isinstance(system, list):
        for i, block in enumerate(system):
            elements.append(block)
            if isinstance(block, dict):
                add("system", block, f"/system/{i}")
    append = elements.append
    for i, message in ctx.messages:
        content = message.get("content")
        if isinstance(content, list):
            for j, block in enumerate(content):
                if not isinstance(block, dict):
                    continue
                kind = block.get("type")
                if isinstance(kind, str) and kind in THINKING:
                    continue
                append(block)
                if kind == "tool_result" and isinstance(inner := block.get("content"), list):
                    for k, item in enumerate(inner):
                        if isinstance(item, dict) and item.get("cache_control") is not None:
                            add("messages", item, f"/messages/{i}/content/{j}/content/{k}")
                if block.get("cache_control") is not None:  # what add() looks for, without the call
                    add("messages", block, f"/messages/{i}/content/{j}")
        else:
            append(content)
        if message.get("role") == "system":
            add("messages", message, f"/messages/{i}")
    automatic = ctx.get("cache_control")
    found = Prompt(elements, points, automatic, unknown)
    ctx.extra[_KEY] = found
    return found


def _dotted(path: str) -> str:
    return ".".join(pointer.split(path))


# ---------------------------------------------------------------------- CACHE-01


@check
@inspects(keys=("cache_control",))
def too_many_breakpoints(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    prompt = collect_prompt(ctx)
    limit = int(params["maximum"])
    explicit = len(prompt.breakpoints)
    automatic = prompt.automatic is not None
    total = explicit + (1 if automatic else 0)
    if total <= limit:
        return
    if explicit > limit:
        path = prompt.breakpoints[limit].path
        detail = f"{explicit} explicit" + (" plus the automatic (top-level) one" if automatic else "")
    else:
        path = "/cache_control"
        detail = f"{explicit} explicit plus the automatic (top-level) one, which takes a slot"
    where = ", ".join(_dotted(b.path) for b in prompt.breakpoints[:8])
    more = "" if explicit <= 8 else f", ... ({explicit - 8} more)"
    args = {"maximum": limit, "found": total, "detail": detail, "where": where + more}
    yield Hit(path, args, fix="remove cache_control from the breakpoints that protect the least stable content")


# ---------------------------------------------------------------------- CACHE-02


def _shape_problems(value: Any, path: str, allowed: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    if not isinstance(value, dict):
        yield path, f"must be an object like {{\"type\": \"ephemeral\"}}, not {show(value)}"
        return
    kind = value.get("type")
    if "type" not in value:
        yield path, 'is missing "type": "ephemeral"'
    elif kind != "ephemeral":
        yield pointer.join(path, "type"), f'type must be "ephemeral", not {show(kind)}'
    ttl = value.get("ttl")
    if "ttl" in value and ttl is not None and ttl not in TTL_VALUES:
        yield pointer.join(path, "ttl"), f'ttl must be "5m" or "1h", not {show(ttl)}'
    for key in value:
        if key not in allowed:
            yield pointer.join(path, str(key)), f"{show(str(key))} is not a cache_control field (Extra inputs are not permitted)"


@check
@inspects(keys=("cache_control",))
def invalid_shape(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    prompt = collect_prompt(ctx)
    allowed = tuple(params["fields"])
    values = [(b.path, b.value) for b in prompt.breakpoints]
    if prompt.automatic is not None:
        values.insert(0, ("/cache_control", prompt.automatic))
    for path, value in values:
        for where, problem in _shape_problems(value, path, allowed):
            yield Hit(where, {"field": _dotted(path), "problem": problem}, fix='use {"type": "ephemeral"} or {"type": "ephemeral", "ttl": "1h"}')


# ---------------------------------------------------------------------- CACHE-03


@check
@inspects(keys=("cache_control",))
def ttl_order(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    prompt = collect_prompt(ctx)
    first_short: Breakpoint | None = None
    for point in prompt.breakpoints:
        ttl = point.ttl
        if ttl == "5m" and first_short is None:
            first_short = point
        elif ttl == "1h" and first_short is not None:
            args = {"field": _dotted(point.path), "earlier": _dotted(first_short.path)}
            yield Hit(pointer.join(point.path, "ttl"), args, fix='give the earlier breakpoints ttl "1h" or this one ttl "5m"')
    auto = prompt.automatic
    if first_short is not None and isinstance(auto, dict) and auto.get("type") == "ephemeral" and auto.get("ttl") == "1h":
        args = {"field": "the automatic (top-level) breakpoint", "earlier": _dotted(first_short.path)}
        yield Hit("/cache_control/ttl", args, fix='use ttl "5m" for the automatic breakpoint or "1h" for the earlier ones', severity="warning")


@check
@inspects(fields=("cache_control",))
def automatic_ttl_conflict(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """The last block already has an explicit cache_control with another TTL than the top-level one."""
    prompt = collect_prompt(ctx)
    auto = prompt.automatic
    if not isinstance(auto, dict) or auto.get("type") != "ephemeral" or not ctx.messages:
        return
    auto_ttl = auto.get("ttl") or "5m"
    if auto_ttl not in TTL_VALUES:
        return
    index, message = ctx.messages[-1]
    content = message.get("content")
    if not isinstance(content, list) or not content or not isinstance(content[-1], dict):
        return
    block = content[-1]
    last = next((b for b in prompt.breakpoints if b.owner is block), None)
    if last is None or last.ttl is None or last.ttl == auto_ttl:
        return
    args = {"field": _dotted(last.path), "ttl": last.ttl, "auto": auto_ttl}
    yield Hit(last.path, args, fix="give both the same ttl, or drop one of them")


# ---------------------------------------------------------------------- CACHE-04


@check
@inspects(keys=("cache_control",))
def empty_text(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    for point in collect_prompt(ctx).breakpoints:
        owner = point.owner
        if isinstance(owner, dict) and owner.get("type") == "text" and owner.get("text") == "":
            yield Hit(point.path, {"field": _dotted(pointer.parent(point.path))}, fix="remove the empty block, or put cache_control on the previous block")


# ---------------------------------------------------------------------- CACHE-07


def _upper_bounds(ctx: Context, prompt: Prompt, ceiling: int, params: Mapping[str, Any]) -> list[int | None]:
    """Cumulative upper bounds on the prompt tokens up to each element (None: unknown)."""
    overhead = int(params.get("overhead_tokens", 0))
    if prompt.elements and ctx.tools:
        overhead += int(params.get("tools_overhead_tokens", 0))
    total: int | None = overhead
    bounds: list[int | None] = []
    for element in prompt.elements:
        if total is not None and total <= ceiling:
            size = _estimate.prompt_upper_bound(element, ceiling - total + 1)
            total = None if size is None else total + size
        bounds.append(total)
    return bounds


@check
@inspects(keys=("cache_control",))
def below_minimum(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    model = ctx.model
    minimum = model.cache_min_tokens if model is not None else None
    if not minimum:
        return
    prompt = collect_prompt(ctx)
    auto = prompt.automatic is not None
    if prompt.unknown_size or (not prompt.breakpoints and not auto):
        return
    bounds = _upper_bounds(ctx, prompt, minimum, params)
    for point in prompt.breakpoints:
        bound = bounds[point.element] if 0 <= point.element < len(bounds) else None
        if bound is not None and bound < minimum:
            args = {"field": _dotted(point.path), "bound": bound, "minimum": minimum, "model": model.id if model else ""}
            yield Hit(point.path, args, fix="move the breakpoint later in the prompt, or drop it")
    if auto and bounds and bounds[-1] is not None and bounds[-1] < minimum:
        args = {"field": "the whole prompt (automatic caching)", "bound": bounds[-1], "minimum": minimum, "model": model.id if model else ""}
        yield Hit("/cache_control", args, fix="drop the top-level cache_control until the prompt is longer")


@check
@inspects(fields=("system", "tools"))
def not_used(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A large system prompt or tool list without any breakpoint (a hint)."""
    if not isinstance(ctx.body, dict):
        return
    prompt = collect_prompt(ctx)
    if prompt.breakpoints or prompt.automatic is not None:
        return
    model = ctx.model
    threshold = max(int(params["min_tokens"]), (model.cache_min_tokens or 0) if model else 0)
    per_token = float(params["chars_per_token"])
    system = _estimate.prompt_text_stats(ctx.get("system"), count_spaces=False)
    tools = _estimate.prompt_text_stats([t for _, t in ctx.tools], count_spaces=False)
    estimate = int((system.chars + tools.chars) / per_token)
    if estimate < threshold or not (system.chars or tools.chars):
        return  # (no prompt text: nothing to cache, whatever min_tokens a catalogue sets)
    path = "/system" if system.chars >= tools.chars else "/tools"
    part = "the system prompt and tools" if system.chars and tools.chars else "the system prompt" if path == "/system" else "the tool list"
    yield Hit(path, {"part": part, "estimate": estimate}, fix='add "cache_control": {"type": "ephemeral"} to the last system block (or the last tool), or a top-level cache_control')


@check
@inspects(fields=("cache_control",))
def automatic_unsupported_surface(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    if ctx.get("cache_control") is not None:
        surface = ctx.surface.display_name if ctx.surface else ctx.surface_name
        yield Hit("/cache_control", {"surface": surface}, fix="put cache_control on the last block you want cached instead")
