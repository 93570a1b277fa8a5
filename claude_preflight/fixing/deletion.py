"""Refuse fixes that would delete most of a document, whatever the flags.

A fix removes a field or a value the API rejects; it never empties a document. When the
edits of a run would leave a non-empty document empty, or take away more than half of its
JSON, the document was most likely not a request at all (a ``package.json`` read as one,
whose every field is "unknown"), so nothing is changed and the reason is reported.
``--unsafe-fixes`` does not override this.
"""

from __future__ import annotations

from typing import Any

from claude_preflight.engine.scan import scan

_KEPT_AT_LEAST = 0.5


def _size(value: Any) -> int:
    return sum(scan(value, "\0").size_parts)


def deletes_most(before: Any, after: Any) -> str | None:
    """Why fixing ``before`` into ``after`` deletes most of it, or None."""
    if isinstance(before, (dict, list)) and before and not after:
        return (f"the fixes would delete all {len(before)} top-level {'fields' if isinstance(before, dict) else 'items'} "
                "of the document; it does not look like a request, so it is left as it is (fix it by hand if that is "
                "really meant)")
    size_before = _size(before)
    if size_before >= 16 and _size(after) < size_before * _KEPT_AT_LEAST:
        return ("the fixes would delete most of the document; it does not look like a request, "
                "so it is left as it is (fix it by hand if that is really meant)")
    return None
