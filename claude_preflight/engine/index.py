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
``fields`` at its top level, no message has a content block whose ``type`` is one of
``blocks`` (string content counts as ``text``; blocks nested inside other blocks do not
count), no message (object) has a ``role`` in ``roles``, no object anywhere in the body
has a key in ``keys``, and (with ``headers=True``) the request's own headers are not
known, the check yields nothing.* Any one of them present is enough for the check to
run. A check without a declaration always runs.

When the block types a check looks at come from its rule's params (which user
catalogue files may override), name the param instead of copying its value::

    @inspects(blocks=("tool_use",), blocks_from="types")

The triggers are then ``blocks`` plus the items (for a mapping, the keys; for a string,
the string itself) of ``params["types"]`` of each rule that uses the check; ``blocks`` must hold what the
check uses when the param is absent.

``CLAUDE_PREFLIGHT_NO_INDEX=1`` makes the runner ignore declarations (every selected
check runs), to verify that a declaration does not hide findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, TypeVar

ATTRIBUTE = "__preflight_inspects__"

_F = TypeVar("_F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Inspects:
    fields: frozenset[str]
    blocks: frozenset[str]
    fields_from: str | None = None
    blocks_from: str | None = None
    roles: frozenset[str] = frozenset()
    headers: bool = False
    keys: frozenset[str] = frozenset()

    def for_params(self, params: Mapping[str, Any]) -> Inspects | None:
        """The triggers for one rule's params; None when they cannot be known (the check
        must then always run)."""
        fields, blocks = set(self.fields), set(self.blocks)
        for key, into in ((self.fields_from, fields), (self.blocks_from, blocks)):
            if key is None or key not in params:
                continue
            value = params[key]
            names = [value] if isinstance(value, str) else list(value) if isinstance(value, (list, tuple, Mapping)) else None
            if names is None or not all(isinstance(n, str) for n in names):
                return None
            into.update(names)
        if not (fields or blocks or self.roles or self.headers or self.keys):
            return None
        return Inspects(frozenset(fields), frozenset(blocks), roles=self.roles, headers=self.headers, keys=self.keys)


def inspects(
    *,
    fields: Iterable[str] = (),
    blocks: Iterable[str] = (),
    roles: Iterable[str] = (),
    headers: bool = False,
    keys: Iterable[str] = (),
    fields_from: str | None = None,
    blocks_from: str | None = None,
) -> Callable[[_F], _F]:
    """Mark a check as only able to fire when one of its triggers is present."""
    declared = Inspects(frozenset(_names(fields, "fields")), frozenset(_names(blocks, "blocks")), fields_from, blocks_from,
                        frozenset(_names(roles, "roles")), bool(headers), frozenset(_names(keys, "keys")))
    if not (declared.fields or declared.blocks or declared.roles or headers or declared.keys or fields_from or blocks_from):
        raise ValueError("inspects() needs at least one trigger")

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


def declared(fn: Any, params: Mapping[str, Any] | None = None) -> Inspects | None:
    """What ``fn`` declared it inspects, resolved against a rule's ``params``."""
    found = getattr(fn, ATTRIBUTE, None)
    if not isinstance(found, Inspects):
        return None
    return found.for_params(params or {})
