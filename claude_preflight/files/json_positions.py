"""Map JSON Pointers to line/column positions in JSON text, and find duplicate keys.

The scanner is iterative (no recursion limit) and only runs when a file has
findings to place, so the common clean path pays nothing for it.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from claude_preflight.files import pointer

_WS = re.compile(r"[ \t\r\n]*")
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\.)*"', re.DOTALL)
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|NaN|-?Infinity")


@dataclass
class JsonLayout:
    """Positions of values (``ptr``) and keys (``ptr + '#key'``), 1-based, and duplicate keys."""

    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)


class _Lines:
    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def at(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1


def _decode_key(raw: str) -> str:
    import json

    try:
        return str(json.loads(raw))
    except ValueError:
        return raw[1:-1]


def layout(text: str, line_offset: int = 0) -> JsonLayout:
    """Scan ``text``; stops quietly at the first syntax error (positions so far are kept)."""
    result = JsonLayout()
    lines = _Lines(text)
    pos = _WS.match(text, 0).end()  # type: ignore[union-attr]
    if text.startswith("\ufeff"):
        pos = _WS.match(text, 1).end()  # type: ignore[union-attr]

    def mark(ptr: str, offset: int) -> None:
        line, col = lines.at(offset)
        result.positions.setdefault(ptr, (line + line_offset, col))

    # Each frame: [kind, pointer, next index, keys seen]
    stack: list[list[object]] = []
    current = ""
    expect_value = True
    n = len(text)
    while pos < n:
        if expect_value:
            mark(current, pos)
            ch = text[pos]
            if ch == "{":
                stack.append(["o", current, 0, set()])
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
                current = pointer.join(str(stack[-1][1]), 0)
                continue
            token = _STRING.match(text, pos) if ch == '"' else _SCALAR.match(text, pos)
            if token is None:
                return result
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
                current = pointer.join(str(frame[1]), frame[2])
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
    ptr = pointer.join(str(frame[1]), key)
    seen = frame[3]
    assert isinstance(seen, set)
    if key in seen:
        result.duplicates.append(ptr)
        # the API (like json.loads) keeps the last value: point at the last occurrence
        result.positions.pop(ptr, None)
        result.positions.pop(ptr + "#key", None)
    seen.add(key)
    line, col = lines.at(key_match.start())
    result.positions.setdefault(ptr + "#key", (line + line_offset, col))
    return ptr
