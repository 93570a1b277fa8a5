"""What a check is: a small pure function ``(ctx, params) -> Iterator[Hit]``.

Checks are registered by name (``module.function``) and referred to from the
catalogue's rules. They never raise on request data; the engine still guards them.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping

if TYPE_CHECKING:
    from claude_preflight.engine.context import Context

Check = Callable[["Context", Mapping[str, Any]], Iterator["Hit"]]
REGISTRY: dict[str, Check] = {}


@dataclass(frozen=True)
class Edit:
    """One machine-applicable change, JSON Patch style (RFC 6902 subset).

    ``op`` is ``remove``, ``replace`` or ``add``; ``path`` is a JSON Pointer relative to
    the checked body; ``value`` is the new value for ``replace``/``add``.
    """

    op: str
    path: str
    value: Any = None


@dataclass(frozen=True)
class Hit:
    """One place a check fired: a JSON Pointer, message arguments, an optional fix hint,
    and optionally the edits that repair it (their safety is the rule's ``fix.safety``)."""

    path: str
    args: Mapping[str, Any] = field(default_factory=dict)
    fix: str | None = None
    severity: str | None = None
    edits: tuple[Edit, ...] = ()


def check(fn: Check) -> Check:
    """Register ``fn`` as ``<module>.<function>``."""
    module = fn.__module__.rsplit(".", 1)[-1]
    REGISTRY[f"{module}.{fn.__name__}"] = fn
    return fn


def show(value: Any, limit: int = 60) -> str:
    """A short, safe rendering of a request value for messages."""
    if isinstance(value, str):
        text = value if len(value) <= limit else value[: limit - 1] + "…"
        return repr(text)
    if isinstance(value, (dict, list)):
        kind = "object" if isinstance(value, dict) else "array"
        return f"<{kind} of {len(value)}>"
    try:
        text = repr(value)
    except ValueError:  # an integer too long to print (sys.set_int_max_str_digits)
        return f"<integer of about {value.bit_length() * 3 // 10} digits>" if isinstance(value, int) else "<value>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Args(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


_FORMATTER = string.Formatter()


def render(template: str, args: Mapping[str, Any]) -> str:
    """Fill ``{name}`` placeholders; unknown placeholders stay as written."""
    try:
        return _FORMATTER.vformat(template, (), _Args(args))
    except (ValueError, IndexError, KeyError, AttributeError):
        return template


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": is_int,
    "number": is_number,
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
