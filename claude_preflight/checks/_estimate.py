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

    Upper bounds of rising cost are tried first; while one stays below ``near`` the body
    cannot reach it and the cheap lower bound is returned (``exact=False``). Escaping turns
    an ASCII character into at most six bytes (``\\u00XX``) and any other character into at
    most twelve (a surrogate pair of ``\\uXXXX`` escapes): the free bound. The next ones
    count characters outside the BMP (:func:`wide_bound`), then escapable characters
    (:func:`size_bound`); the exact encoding is left for bodies near the limit.
    """
    chars, wide, other = found.size_parts
    # ``chars`` counts every key, so the free bound holds only while the keys are ASCII
    # (a key character outside the BMP takes twelve).
    free = 6 * chars + 12 * wide + other if found.keys_text.isascii() else near
    if free < near or wide_bound(found) < near or size_bound(found) < near:
        return Size(chars + wide + other, chars + wide + other, False)
    return exact_size(found)


_UTF16 = methodcaller("encode", "utf-16-le", "surrogatepass")

# Bytes that escaping lengthens (in both encodings), and those it turns into six characters
# (``\u00XX``) rather than two; DEL counts there too (six characters in ASCII mode, one
# raw byte in UTF-8 mode: an upper bound either way).
_ESCAPED = bytes(range(0x20)) + b'"\\\x7f'
_LONG_ESCAPED = bytes(c for c in range(0x20) if c not in b"\b\t\n\f\r") + b"\x7f"
_HIGH = bytes(range(0x80, 0x100))


def wide_utf8(found: Scan) -> int | None:
    """UTF-8 bytes of the non-ASCII strings (keys aside), or None when one holds a surrogate
    code point (which strict UTF-8 cannot encode). One C encoding pass, shared by the size
    bound and the surrogate rule."""
    memo = found.memo
    if "wide_utf8" not in memo:
        try:
            memo["wide_utf8"] = sum(map(len, map(str.encode, filterfalse(str.isascii, found.strings))))
        except UnicodeEncodeError:
            memo["wide_utf8"] = None
    return memo["wide_utf8"]  # type: ignore[no-any-return]


def wide_bound(found: Scan) -> int:
    """An upper bound on both compact JSON sizes: six characters per UTF-16 code unit.

    Escaping gives every character at most six characters per UTF-16 code unit (ASCII too),
    so beyond the scan's counts only the characters outside the BMP are needed, and only
    the non-ASCII strings (and keys) can hold them: one C encoding pass over those. From
    UTF-8, such a character has three bytes more than it has characters (the others at most
    two, so at least one), so there are at most ``(bytes - characters) / 3`` of them.
    """
    cached = found.memo.get("wide_bound")
    if cached is None:
        utf8 = wide_utf8(found)
        if utf8 is not None:
            units = found.wide + (utf8 - found.wide) // 3
        else:
            units = sum(map(len, map(_UTF16, filterfalse(str.isascii, found.strings)))) // 2
        if not found.keys_text.isascii():  # keys are all in ``chars`` already: add their extra units
            units += len(_UTF16(found.keys_text)) // 2 - len(found.keys_text)
        cached = found.memo["wide_bound"] = 6 * found.chars + 6 * units + found.other
    return cached


def _escapes(data: bytes) -> int:
    """Characters escaping adds to UTF-8 (or ASCII) ``data``, at most."""
    return len(data) - len(data.translate(None, _ESCAPED)) + 4 * (len(data) - len(data.translate(None, _LONG_ESCAPED)))


def size_bound(found: Scan) -> int:
    """An upper bound on both compact JSON sizes (UTF-8 and ASCII-escaped), tight in practice.

    Every string and key is counted from its bytes, escapable characters by
    ``bytes.translate`` over the joined text (a few C passes, several times cheaper than
    encoding each string as :func:`exact_size` does). In ASCII mode a non-ASCII character
    of ``b`` UTF-8 bytes becomes at most ``3 * b`` characters (6 for 2 or 3 bytes, 12 for 4).
    """
    cached = found.memo.get("size_bound")
    if cached is None:
        texts = [*found.strings, found.keys_text]
        narrow = "".join(filter(str.isascii, texts)).encode("ascii")
        wide = "".join(filterfalse(str.isascii, texts)).encode("utf-8", "surrogatepass")
        high = len(wide) - len(wide.translate(None, _HIGH))
        cached = found.memo["size_bound"] = found.other + len(narrow) + _escapes(narrow) + len(wide) + _escapes(wide) + 2 * high
    return cached


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
