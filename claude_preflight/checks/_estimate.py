"""Cheap size and token estimates for request data.

Everything here walks request data with explicit stacks (never recursion), touches each
node once, and never raises on any value. Three estimates exist because the rules that
use them need different guarantees:

* :func:`json_size` - the size of the body on the wire, from the shared body scan: string
  lengths first; only when they say the body may be near a limit is the compact JSON
  encoding measured (UTF-8, and with non-ASCII escaped as ``json.dumps`` does by default).
* :func:`prompt_upper_bound` - an upper bound on the tokens of a piece of the prompt, used
  where a warning must not fire on prompts that might be long enough (cache minimums).
  Claude's tokenizer works on bytes, so a token covers at least one UTF-8 byte: the number
  of bytes of all strings plus a per-node allowance bounds the tokens from above.
* :func:`prompt_text_stats` - characters of prompt text (without base64 media payloads and
  thinking blocks), used for context-window estimates from below and on average.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import filterfalse
from operator import methodcaller
from typing import TYPE_CHECKING, Any, Callable

from claude_preflight.engine.scan import Scan, scan

__all__ = ["Scan", "Size", "TextStats", "body_scan", "json_size", "prompt_text_stats", "prompt_upper_bound", "scan", "utf8_len"]

if TYPE_CHECKING:
    from claude_preflight.engine.context import Context

# Compact separators: "," between items, ":" between key and value.
_ENCODE_UTF8: Callable[[str], str] = getattr(json.encoder, "c_encode_basestring", None) or json.encoder.py_encode_basestring
_ENCODE_ASCII: Callable[[str], str] = getattr(json.encoder, "c_encode_basestring_ascii", None) or json.encoder.py_encode_basestring_ascii

_COUNT_DEL = methodcaller("count", "\x7f")

WHITESPACE = (" ", "\n", "\t", "\r")


def utf8_len(text: str) -> int:
    """UTF-8 length of ``text`` without copying ASCII strings."""
    if text.isascii():
        return len(text)
    try:
        return len(text.encode("utf-8", "surrogatepass"))
    except Exception:  # pragma: no cover - defensive
        return 4 * len(text)


@dataclass(frozen=True)
class Size:
    """Compact JSON size of a value: with UTF-8 text, and with non-ASCII escaped."""

    utf8: int
    ascii: int
    exact: bool


def body_scan(ctx: Context) -> Scan:
    """The shared scan of the request body (see :mod:`claude_preflight.engine.scan`)."""
    return ctx.body_scan


def exact_size(found: Scan) -> Size:
    """The exact compact JSON size of the scanned value, from the scan's strings and keys.

    The per-string work (escaping, UTF-8 length) is done by the C encoders that
    ``json.dumps`` uses, mapped over the lists: no Python-level walk. Keys that are not
    strings (only from Python callers) are counted as the scan counts them.
    """
    strings, keys = found.strings, found.keys
    structure = found.other - 2 * len(strings)  # the scan counts two quotes per string value
    utf8 = ascii_ = structure - 2 * len(keys)  # each keys entry is encoded with two quotes of its own
    for texts in (strings, keys):
        # An ASCII string escapes the same way in both encodings except DEL (U+007F: six
        # characters escaped, one byte raw), so only the others need the slower UTF-8 encoder.
        narrow = list(filter(str.isascii, texts))
        plain = sum(map(len, map(_ENCODE_ASCII, narrow)))
        dels = sum(map(_COUNT_DEL, narrow))
        wide = list(filterfalse(str.isascii, texts))
        utf8 += plain - 5 * dels + sum(map(utf8_len, map(_ENCODE_UTF8, wide)))
        ascii_ += plain + sum(map(len, map(_ENCODE_ASCII, wide)))
    return Size(utf8, ascii_, True)


def json_size(found: Scan, near: int) -> Size:
    """The compact JSON size of the scanned value; exact only when it may reach ``near`` bytes.

    Escaping turns an ASCII character into at most six bytes (``\\u00XX``) and any other
    character into at most twelve (a surrogate pair of ``\\uXXXX`` escapes), so when that
    bound stays below ``near`` the body cannot reach it and the cheap lower bound is returned
    (``exact=False``).
    """
    chars, wide, other = found.size_parts
    if 6 * chars + 12 * wide + other < near:
        return Size(chars + wide + other, chars + wide + other, False)
    return exact_size(found)


# ---------------------------------------------------------------------- prompt estimates

UNKNOWN = None
MEDIA_TYPES = frozenset({"image", "document", "container_upload"})


def prompt_upper_bound(value: Any, limit: int, node_bytes: int = 8) -> int | None:
    """An upper bound on the tokens ``value`` adds to the prompt, or ``None`` when unknown.

    Counts the UTF-8 bytes of every string (keys too) plus ``node_bytes`` per node. Media
    blocks (images, documents, container uploads) have no cheap bound and make the result
    unknown. Stops early once the total exceeds ``limit`` (the result is then > limit).
    """
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        total += node_bytes
        if isinstance(item, str):
            total += len(item) if len(item) > limit else utf8_len(item)
        elif isinstance(item, dict):
            kind = item.get("type")
            if isinstance(kind, str) and kind in MEDIA_TYPES:
                return UNKNOWN
            for key, child in item.items():
                if isinstance(key, str):
                    total += len(key) if len(key) > limit else utf8_len(key)
                stack.append(child)
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        if total > limit:
            return total
    return total


@dataclass
class TextStats:
    """Prompt text found in part of a request."""

    chars: int = 0
    non_space: int = 0
    images: int = 0
    documents: int = 0

    def add(self, other: TextStats) -> None:
        self.chars += other.chars
        self.non_space += other.non_space
        self.images += other.images
        self.documents += other.documents


_SKIP_BLOCKS = frozenset({"thinking", "redacted_thinking"})


def prompt_text_stats(value: Any, count_spaces: bool = True) -> TextStats:
    """Characters of the string values in ``value`` that reach the model as text.

    Keys are not counted; base64 payloads of media sources are counted as media items, not
    text; thinking blocks are skipped (earlier turns' thinking is usually dropped from the
    context). ``non_space`` is only counted when ``count_spaces`` is true.
    """
    stats = TextStats()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            n = len(item)
            stats.chars += n
            if n and count_spaces:
                stats.non_space += n - sum(item.count(c) for c in WHITESPACE)
        elif isinstance(item, dict):
            kind = item.get("type")
            if not isinstance(kind, str):
                kind = None
            if kind in _SKIP_BLOCKS:
                continue
            if kind == "image":
                stats.images += 1
            elif kind == "document":
                stats.documents += 1
            media_source = kind == "base64" or ("media_type" in item and "data" in item and kind != "text")
            for key, child in item.items():
                if media_source and key == "data":
                    continue
                if key in ("type", "media_type", "signature", "cache_control", "id", "tool_use_id"):
                    continue
                stack.append(child)
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return stats
