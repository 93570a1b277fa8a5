"""Map JSON Pointers to line/column positions in JSON text, and find duplicate keys
and non-finite numbers.

The scanner is iterative (no recursion limit), linear in the text, and only runs
when a file has findings to place or the parser flagged something to locate,
so the common clean path pays nothing for it.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from typing import Collection

from claude_preflight.files import pointer

_WS = re.compile(r"[ \t\r\n]*")
# "unrolled loop" form: linear and fast even on a string of many megabytes
STRING = r'"[^"\\\x00-\x1f]*(?:\\.[^"\\\x00-\x1f]*)*"'  # a JSON string (the regular expression)
_STRING = re.compile(STRING, re.DOTALL)
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|NaN|-?Infinity")
_NONFINITE = frozenset({"NaN", "Infinity", "-Infinity"})


@dataclass(frozen=True)
class Duplicate:
    """A key written twice in one object: ``line``/``column`` of the later key (whose
    value is the one kept) and ``first`` the position of the earlier one."""

    path: str
    key: str
    line: int
    column: int
    first: tuple[int, int]


@dataclass(frozen=True)
class NonFinite:
    """``NaN``, ``Infinity`` or ``-Infinity`` written as a value."""

    path: str
    text: str
    line: int
    column: int


@dataclass
class JsonLayout:
    """Positions of values (``ptr``) and keys (``ptr + '#key'``), 1-based; duplicate keys;
    non-finite numbers."""

    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    duplicates: list[Duplicate] = field(default_factory=list)
    nonfinite: list[NonFinite] = field(default_factory=list)


class _Lines:
    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in _NEWLINES(text)] if "\n" in text else None

    def at(self, offset: int) -> tuple[int, int]:
        if self.starts is None:  # one line (a JSONL record)
            return 1, offset + 1
        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1


_NEWLINES = re.compile("\n").finditer


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    offset = min(max(offset, 0), len(text))
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _decode_key(raw: str) -> str:
    if "\\" not in raw:
        return raw[1:-1]  # what json.loads gives (or, for a control character, the fallback below)
    try:
        return str(json.loads(raw))
    except ValueError:
        return raw[1:-1]


def layout(text: str, line_offset: int = 0, wanted: Collection[str] | None = None) -> JsonLayout:
    """Scan ``text``; stops quietly at the first syntax error (positions so far are kept).

    With ``wanted`` (JSON Pointers), the scan stops as soon as each of them has been
    positioned, so ``positions`` may be partial and ``duplicates``/``nonfinite``
    incomplete: use it only to place findings in text without duplicate keys.
    """
    result = JsonLayout()
    lines = _Lines(text)
    remaining = set(wanted) if wanted is not None else None
    pos = _WS.match(text, 0).end()  # type: ignore[union-attr]
    if text.startswith("\ufeff"):
        pos = _WS.match(text, 1).end()  # type: ignore[union-attr]

    def mark(ptr: str, offset: int) -> bool:
        """Record the position; True when every wanted pointer has been found."""
        line, col = lines.at(offset)
        # plain assignment: for a duplicated key the last value (the one kept) wins
        result.positions[ptr] = (line + line_offset, col)
        if remaining is None:
            return False
        remaining.discard(ptr)
        return not remaining

    # Each frame: [kind, pointer, next index, keys seen (key -> offset of its first occurrence)]
    stack: list[list[object]] = []
    current = ""
    expect_value = True
    n = len(text)
    while pos < n:
        if expect_value:
            if mark(current, pos):
                return result
            ch = text[pos]
            if ch == "{":
                stack.append(["o", current, 0, {}])
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
                if pos < n and text[pos] == "}":
                    stack.pop()
                    pos += 1
                    expect_value = False
                    continue
                key_match = _STRING.match(text, pos)
                if key_match is None:
                    return result
                current = _object_key(stack[-1], key_match, lines, result, line_offset)
                pos = _WS.match(text, key_match.end()).end()  # type: ignore[union-attr]
                if pos >= n or text[pos] != ":":
                    return result
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
                continue
            if ch == "[":
                stack.append(["a", current, 0, None])
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
                if pos < n and text[pos] == "]":
                    stack.pop()
                    pos += 1
                    expect_value = False
                    continue
                current = f"{stack[-1][1]}/0"
                continue
            token = _STRING.match(text, pos) if ch == '"' else _SCALAR.match(text, pos)
            if token is None:
                return result
            if ch != '"' and token.group() in _NONFINITE:
                line, col = lines.at(pos)
                result.nonfinite.append(NonFinite(current, token.group(), line + line_offset, col))
            pos = token.end()
            expect_value = False
            continue
        pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
        if not stack or pos >= n:
            return result
        frame = stack[-1]
        ch = text[pos]
        if ch == ",":
            pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
            if frame[0] == "a":
                frame[2] = int(frame[2]) + 1  # type: ignore[call-overload]
                current = f"{frame[1]}/{frame[2]}"
            else:
                key_match = _STRING.match(text, pos)
                if key_match is None:
                    return result
                current = _object_key(frame, key_match, lines, result, line_offset)
                pos = _WS.match(text, key_match.end()).end()  # type: ignore[union-attr]
                if pos >= n or text[pos] != ":":
                    return result
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
            expect_value = True
        elif ch in "}]":
            stack.pop()
            pos += 1
        else:
            return result
    return result


def _object_key(frame: list[object], key_match: re.Match[str], lines: _Lines, result: JsonLayout, line_offset: int) -> str:
    key = _decode_key(key_match.group())
    ptr = f"{frame[1]}/{key}" if "~" not in key and "/" not in key else pointer.join(str(frame[1]), key)
    seen = frame[3]
    assert isinstance(seen, dict)
    line, col = lines.at(key_match.start())
    here = (line + line_offset, col)
    if key in seen:
        # the API (like json.loads) keeps the last value: positions are overwritten by it
        result.duplicates.append(Duplicate(ptr, key, here[0], here[1], seen[key]))
    else:
        seen[key] = here
    result.positions[ptr + "#key"] = here
    return ptr


def deepest(text: str, limit: int) -> int | None:
    """Offset of the first bracket nested more than ``limit`` deep (outside strings), if any."""
    depth = 0
    for match in re.finditer(_STRING.pattern + r"|[\[\]{}]", text):
        ch = match.group()
        if ch[0] == '"':
            continue
        if ch in "[{":
            depth += 1
            if depth > limit:
                return match.start()
        else:
            depth -= 1
    return None


def first_long_integer(text: str, digits: int) -> int | None:
    """Offset of the first integer literal with more than ``digits`` digits, if any."""
    found = re.search(r"(?<![\w.])-?\d{%d,}" % (digits + 1), text)
    return found.start() if found else None
