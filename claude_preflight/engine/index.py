"""Declaring what a check looks at, so the runner can skip it when a request cannot trigger it.

Most rules can only fire when the request has a particular top-level field (``thinking``,
``temperature``, ``tools``...) or a particular kind of content block (``image``,
``document``, ``tool_result``...). A check that declares this::

    from claude_preflight.checks.base import Hit, check
    from claude_preflight.engine.index import inspects

    @check
    @inspects(fields=("temperature", "top_p", "top_k"))
    def rejected_by_model(ctx, params): ...

is not even called for requests that have none of those fields: with a few hundred
rules, most of them are skipped on a typical request, which keeps ``validate()`` close
to the cost of parsing the JSON.

The declaration is a promise: *when the body is not an object with at least one of
``fields`` at its top level, and no message has a content block whose ``type`` is one
of ``blocks`` (string content counts as ``text``), the check yields nothing.* Declare
both to run when either is present. A check without a declaration always runs.

``CLAUDE_PREFLIGHT_NO_INDEX=1`` makes the runner ignore declarations (every selected
check runs), to verify that a declaration does not hide findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, TypeVar

ATTRIBUTE = "__preflight_inspects__"

_F = TypeVar("_F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Inspects:
    fields: frozenset[str]
    blocks: frozenset[str]


def inspects(*, fields: Iterable[str] = (), blocks: Iterable[str] = ()) -> Callable[[_F], _F]:
    """Mark a check as only able to fire when one of ``fields`` or ``blocks`` is present."""
    declared = Inspects(frozenset(_names(fields, "fields")), frozenset(_names(blocks, "blocks")))
    if not declared.fields and not declared.blocks:
        raise ValueError("inspects() needs at least one field or block type")

    def mark(fn: _F) -> _F:
        setattr(fn, ATTRIBUTE, declared)
        return fn

    return mark


def _names(values: Iterable[str], what: str) -> list[str]:
    if isinstance(values, str):
        values = (values,)
    found = list(values)
    if not all(isinstance(v, str) and v for v in found):
        raise TypeError(f"inspects({what}=...) takes non-empty strings")
    return found


def declared(fn: Any) -> Inspects | None:
    found = getattr(fn, ATTRIBUTE, None)
    return found if isinstance(found, Inspects) else None
