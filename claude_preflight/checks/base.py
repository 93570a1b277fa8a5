"""What a check is: a small pure function ``(ctx, params) -> Iterator[Hit]``.

Checks are registered by name (``module.function``) and referred to from the
catalogue's rules. They never raise on request data; the engine still guards them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping

from claude_preflight.rendering import render as render  # re-exported for the checks
from claude_preflight.rendering import show as show

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


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_string(value: Any) -> bool:
    return isinstance(value, str)


def _is_boolean(value: Any) -> bool:
    return isinstance(value, bool)


def _is_object(value: Any) -> bool:
    return isinstance(value, dict)


def _is_array(value: Any) -> bool:
    return isinstance(value, list)


def _is_null(value: Any) -> bool:
    return value is None


# Named functions, not lambdas, so that rules and their params stay picklable.
JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": _is_string,
    "integer": is_int,
    "number": is_number,
    "boolean": _is_boolean,
    "object": _is_object,
    "array": _is_array,
    "null": _is_null,
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
