"""Cheap size and token estimates for request data.

Everything here walks request data with explicit stacks (never recursion), touches each
node once, and never raises on any value. Three estimates exist because the rules that
use them need different guarantees:

* :func:`json_size` - the size of the body on the wire. A cheap pass sums string lengths;
  only when that pass says the body may be near a limit does an exact pass measure the
  compact JSON encoding (UTF-8, and with non-ASCII escaped as ``json.dumps`` does by default).
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
from itertools import filterfalse, repeat
from operator import contains
from typing import TYPE_CHECKING, Any, Callable

from claude_preflight.redact import PREFIX as SECRET_PREFIX

if TYPE_CHECKING:
    from claude_preflight.engine.context import Context

# Compact separators: "," between items, ":" between key and value.
_ENCODE_UTF8: Callable[[str], str] = getattr(json.encoder, "c_encode_basestring", None) or json.encoder.py_encode_basestring
_ENCODE_ASCII: Callable[[str], str] = getattr(json.encoder, "c_encode_basestring_ascii", None) or json.encoder.py_encode_basestring_ascii

WHITESPACE = (" ", "\n", "\t", "\r")


def utf8_len(text: str) -> int:
    """UTF-8 length of ``text`` without copying ASCII strings."""
    if text.isascii():
        return len(text)
    try:
        return len(text.encode("utf-8", "surrogatepass"))
    except Exception:  # pragma: no cover - defensive
        return 4 * len(text)


def _number_len(value: Any) -> int:
    if isinstance(value, bool):
        return 4 if value else 5
    if isinstance(value, int):
        try:
            return len(str(value))
        except ValueError:  # very large ints refuse str(); estimate from bits
            return int(value.bit_length() * 0.30103) + 2
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return 9
        return len(repr(value))
    return 4


@dataclass(frozen=True)
class Size:
    """Compact JSON size of a value: with UTF-8 text, and with non-ASCII escaped."""

    utf8: int
    ascii: int
    exact: bool


def _cheap_size(value: Any) -> tuple[int, int, int]:
    """(characters of ASCII strings, of other strings, everything else) of the compact JSON."""
    chars = wide = other = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if item.isascii():
                chars += len(item)
            else:
                wide += len(item)
            other += 2
        elif isinstance(item, dict):
            other += 2 + max(len(item) - 1, 0) + len(item)  # braces, commas, colons
            for key, child in item.items():
                if isinstance(key, str):
                    chars += len(key)
                    other += 2
                else:
                    other += 2 + _number_len(key)
                stack.append(child)
        elif isinstance(item, (list, tuple)):
            other += 2 + max(len(item) - 1, 0)
            stack.extend(item)
        elif item is None:
            other += 4
        else:
            other += _number_len(item)
    return chars, wide, other


@dataclass(frozen=True)
class Scan:
    """What one pass over the whole body finds, shared by the rules that need the whole body.

    ``chars``/``wide``/``other`` are :func:`_cheap_size`'s figures. ``secret_maybe`` is true
    when some string (or the keys of some object, joined) contains the secret marker: a
    superset test, so a precise search is needed only then. ``images_at_most`` and
    ``documents_at_most`` bound from above the objects whose ``type`` is ``image`` /
    ``document`` (they count the string values equal to those words).
    """

    chars: int
    wide: int
    other: int
    secret_maybe: bool
    images_at_most: int
    documents_at_most: int

    @property
    def size_parts(self) -> tuple[int, int, int]:
        return self.chars, self.wide, self.other


def scan(value: Any, secret_marker: str) -> Scan:
    """One iterative pass over ``value``: sizes, a possible secret, bounds on media counts.

    The loop only sorts nodes (strings and joined keys into lists, structure into counts);
    the per-string work is then done by C functions mapped over the list.
    """
    strings: list[str] = []
    keys: list[str] = []
    other = 0
    stack = [value]
    pop, extend, add, add_keys = stack.pop, stack.extend, strings.append, keys.append
    while stack:
        item = pop()
        kind = type(item)
        if kind is str:
            add(item)
        elif kind is dict:
            n = len(item)
            try:
                add_keys("".join(item))
                other += 4 * n + 1 if n else 2  # braces, commas, colons, quotes around each key
            except TypeError:  # keys that are not strings (Python callers)
                other += 2 + max(n - 1, 0) + n
                for key in item:
                    if isinstance(key, str):
                        add_keys(key)
                        other += 2
                    else:
                        other += 2 + _number_len(key)
            extend(item.values())
        elif kind is list:
            other += len(item) + 1 if item else 2
            extend(item)
        elif item is None:
            other += 4
        elif kind is int or kind is float or kind is bool:
            other += _number_len(item)
        elif isinstance(item, str):
            add(item)
        elif isinstance(item, dict):
            stack.append(dict(item))  # the same keys and values, as a plain dict
        elif isinstance(item, (list, tuple)):
            other += len(item) + 1 if item else 2
            extend(item)
        else:
            other += _number_len(item)
    # Per-string work in C: the strings are left separate (joining ASCII with non-ASCII text
    # would widen the whole copy to the largest character size).
    text = sum(map(len, strings))
    wide = sum(map(len, filterfalse(str.isascii, strings)))
    joined_keys = "".join(keys)
    return Scan(
        chars=text - wide + len(joined_keys),
        wide=wide,
        other=other + 2 * len(strings),
        secret_maybe=secret_marker in joined_keys or any(map(contains, strings, repeat(secret_marker))),
        images_at_most=strings.count("image"),
        documents_at_most=strings.count("document"),
    )


def body_scan(ctx: Context) -> Scan:
    """:func:`scan` of the request body, once per request (shared by the size, context
    window and secrets rules)."""
    return ctx.memo("estimate.scan", _scan_body)


def _scan_body(ctx: Context) -> Scan:
    return scan(ctx.body, SECRET_PREFIX)


def _exact_size(value: Any) -> Size:
    utf8 = ascii_ = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            utf8 += utf8_len(_ENCODE_UTF8(item))
            ascii_ += len(_ENCODE_ASCII(item))
        elif isinstance(item, dict):
            n = 2 + max(len(item) - 1, 0) + len(item)
            utf8 += n
            ascii_ += n
            for key, child in item.items():
                text = key if isinstance(key, str) else str(key) if isinstance(key, (int, float)) else "?"
                utf8 += utf8_len(_ENCODE_UTF8(text))
                ascii_ += len(_ENCODE_ASCII(text))
                stack.append(child)
        elif isinstance(item, (list, tuple)):
            n = 2 + max(len(item) - 1, 0)
            utf8 += n
            ascii_ += n
            stack.extend(item)
        elif item is None:
            utf8 += 4
            ascii_ += 4
        else:
            n = _number_len(item)
            utf8 += n
            ascii_ += n
    return Size(utf8, ascii_, True)


def json_size(value: Any, near: int, cheap: tuple[int, int, int] | None = None) -> Size:
    """The compact JSON size of ``value``; exact only when it may reach ``near`` bytes.

    Escaping turns an ASCII character into at most six bytes (``\\u00XX``) and any other
    character into at most twelve (a surrogate pair of ``\\uXXXX`` escapes), so when that
    bound stays below ``near`` the body cannot reach it and the cheap lower bound is returned
    (``exact=False``). ``cheap`` is ``_cheap_size(value)`` when already known.
    """
    chars, wide, other = _cheap_size(value) if cheap is None else cheap
    if 6 * chars + 12 * wide + other < near:
        return Size(chars + wide + other, chars + wide + other, False)
    return _exact_size(value)


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
