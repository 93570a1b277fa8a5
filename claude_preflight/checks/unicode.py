"""Strings the API's JSON parser cannot read: unpaired UTF-16 surrogates.

A Python string can hold a lone surrogate (U+D800..U+DFFF) - text cut in the middle of an
emoji, or ``\\ud83d`` read from JSON. ``json.dumps`` and ``JSON.stringify`` write it as an
escape, which the API's parser refuses ("no low surrogate in string"). A high surrogate
followed by a low one is a valid pair once escaped, so only unpaired ones are reported.

The test reads the shared body scan: requests without non-ASCII text cost one comparison.
"""

from __future__ import annotations

import re
from itertools import filterfalse
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from claude_preflight.checks import _estimate
from claude_preflight.checks.base import Hit, check
from claude_preflight.files import pointer

if TYPE_CHECKING:
    from claude_preflight.engine.context import Context

_LONE = re.compile("[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]")
_ANY = re.compile("[\ud800-\udfff]")
_LIMIT = 20  # findings per request; the first few locate the damage


def _no_surrogate(text: str) -> bool:
    """True when ``text`` holds no surrogate code point at all (UTF-8 cannot encode one)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _lone(text: str) -> re.Match[str] | None:
    return _LONE.search(text)


@check
def unpaired_surrogate(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    found = ctx.body_scan
    if not found.wide and found.keys_text.isascii():
        return
    if _estimate.wide_utf8(found) is not None and _no_surrogate(found.keys_text):
        return  # the common case, proven by one C-speed encode of the non-ASCII text
    if not any(map(_lone, filter(_ANY.search, filterfalse(str.isascii, found.strings)))) and not _lone(found.keys_text):
        return
    yield from _locate(ctx.body)


def _locate(body: Any) -> Iterator[Hit]:
    """The JSON Pointer of each string (value or key) holding an unpaired surrogate; only
    reached when the scan has seen one."""
    shown = 0
    seen: set[int] = set()
    stack: list[tuple[str, Any]] = [("", body)]
    while stack and shown < _LIMIT:
        path, node = stack.pop()
        if isinstance(node, (dict, list)):
            if id(node) in seen:  # a shared or cyclic container from a Python caller
                continue
            seen.add(id(node))
        if isinstance(node, str):
            match = _lone(node)
            if match:
                shown += 1
                yield _hit(path, "this string", node, match)
        elif isinstance(node, dict):
            children = []
            for key, value in node.items():
                where = pointer.join(path, str(key))
                if isinstance(key, str) and (match := _lone(key)):
                    shown += 1
                    yield _hit(where, "this key", key, match)
                children.append((where, value))
            stack.extend(reversed(children))
        elif isinstance(node, list):
            stack.extend(reversed([(f"{path}/{i}", v) for i, v in enumerate(node)]))


def _hit(path: str, what: str, text: str, match: re.Match[str]) -> Hit:
    code = ord(match.group())
    kind = "high" if code < 0xDC00 else "low"
    # the pointer itself may hold the surrogate (a key): written as an escape, so printing it is safe
    shown = _ANY.sub(lambda m: f"\\u{ord(m.group()):04x}", path)
    return Hit(shown, {"what": what, "code": f"U+{code:04X}", "kind": kind, "at": match.start()})
