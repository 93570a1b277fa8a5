"""Inline suppressions in source code, read from the language's own comments."""

from __future__ import annotations

import re
import tokenize
from io import StringIO
from pathlib import Path
from typing import Iterator

from claude_preflight.files.suppress import Directive, InlineSuppressions
from claude_preflight.source import SCRIPT_SUFFIXES

_DIRECTIVE = re.compile(r"claude-preflight:\s*ignore(?:\[(?P<codes>[^\]]*)\])?")


def _comments(path: str, text: str) -> Iterator[tuple[int, int, str, bool]]:
    """``(line, column, comment text, alone on its line)`` of every comment."""
    if "claude-preflight:" not in text:
        return
    suffix = Path(path).suffix.lower()
    if suffix in SCRIPT_SUFFIXES:
        from claude_preflight.source import typescript

        try:
            parser = typescript._parser(typescript.dialect_of(suffix))
        except typescript.MissingParser:
            return
        data = text.encode("utf-8", "surrogatepass")
        root = parser.parse(data).root_node
        raw_lines = data.split(b"\n")
        for node in typescript._walk(root):
            if node.type == "comment":
                row, col = node.start_point
                line_text = raw_lines[row] if row < len(raw_lines) else b""
                column = len(line_text[:col].decode("utf-8", "replace"))
                yield row + 1, column + 1, typescript._text(node), not line_text[:col].strip()
        return
    try:
        for token in tokenize.generate_tokens(StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                row, col = token.start
                yield row, col + 1, token.string, not token.line[:col].strip()
    except (tokenize.TokenError, SyntaxError, IndentationError, RecursionError, MemoryError):
        return


def inline_suppressions(path: str, text: str) -> InlineSuppressions:
    """``# claude-preflight: ignore[...]`` (Python) and ``// ...`` / ``/* ... */`` (TS/JS)
    directives, read from the language's own comments: at the end of a line they apply to
    that line, on a line of their own to the next line."""
    found = InlineSuppressions()
    for line, column, comment, alone in _comments(path, text):
        match = _DIRECTIVE.search(comment)
        if match is None:
            continue
        codes = match.group("codes")
        selectors = tuple(s.strip() for s in codes.split(",") if s.strip()) if codes is not None else ()
        target = line + comment.count("\n") + 1 if alone else line
        found.directives.append(Directive(line, target, column, selectors))
    return found
