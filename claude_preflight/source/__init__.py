"""Check Claude API requests where they are written: SDK call sites in Python and TypeScript/JavaScript.

- :func:`read_source` finds the call sites of a source text and yields one
  :class:`~claude_preflight.source.model.SourceDocument` per call (a ``Document`` whose
  positions are the file/line/column of each argument), or a ``FileProblem``.
- :func:`~claude_preflight.source.model.certain` checks a source document and keeps only
  the findings that hold whatever its non-literal parts turn out to be.
- :func:`check_source` does both for one text; :func:`check_source_file` is the whole
  per-file step of the CLI (configuration, inline suppressions); :func:`fix_source` and
  :func:`fix_source_file` apply the safe literal fixes.

Modules: ``python``/``typescript`` find the calls, ``model`` rebuilds the wire request and
decides what is certain, ``comments`` reads inline suppressions, ``fix`` edits source text,
``checking`` is the front end. Nothing imports tree-sitter until a TypeScript/JavaScript file
is read, nor the engine until something is checked. See docs/source.md.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from claude_preflight.files.documents import Document, FileProblem
from claude_preflight.source.model import UNSENDABLE, SourceDocument, certain, to_document

if TYPE_CHECKING:
    from claude_preflight.source.checking import (
        SourceProblem,
        candidate_surfaces,
        certain_on_surfaces,
        check_source,
        check_source_file,
        check_source_text,
        fix_source,
        fix_source_file,
    )
    from claude_preflight.source.comments import inline_suppressions

__all__ = [
    "PYTHON_SUFFIXES", "SCRIPT_SUFFIXES", "SOURCE_SUFFIXES", "SourceDocument", "SourceProblem", "candidate_surfaces",
    "certain", "certain_on_surfaces", "check_source", "check_source_file", "check_source_text", "fix_source",
    "fix_source_file", "inline_suppressions", "read_source", "sniff_source_file", "source_kind",
]
_LAZY = {
    "SourceProblem": "checking", "candidate_surfaces": "checking", "certain_on_surfaces": "checking",
    "check_source": "checking", "check_source_file": "checking", "check_source_text": "checking",
    "fix_source": "checking", "fix_source_file": "checking", "inline_suppressions": "comments",
}

PYTHON_SUFFIXES = (".py", ".pyi")
SCRIPT_SUFFIXES = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")
SOURCE_SUFFIXES = PYTHON_SUFFIXES + SCRIPT_SUFFIXES
# Larger source files are generated bundles, not code a person writes calls in.
MAX_SOURCE_CHARS = 4 * 1024 * 1024


def is_source(path: str | Path) -> bool:
    return Path(path).suffix.lower() in SOURCE_SUFFIXES


def sniff_source_file(path: Path) -> bool:
    """Whether a source file found in a directory walk may hold SDK calls (it names the SDK:
    ``anthropic`` in Python, ``@anthropic-ai/`` in TypeScript/JavaScript). Unreadable files
    are taken, so that reading them reports why."""
    from claude_preflight.files.documents import read_bytes

    data, problem = read_bytes(path)
    if problem is not None or data is None:
        return True
    marker = b"@anthropic-ai/" if path.suffix.lower() in SCRIPT_SUFFIXES else b"anthropic"
    return marker in data or b"\x00" in data[:4]  # UTF-16/32 text is decoded (and judged) by the reader


def source_kind() -> Any:
    """The ``files.discovery.FileKind`` of source files, for ``discover(kinds=...)``."""
    from claude_preflight.files.discovery import FileKind

    return FileKind("source", SOURCE_SUFFIXES, sniff_source_file)


def read_source(path: str, text: str, *, surface: str | None = None) -> Iterator[Document | FileProblem]:
    """One document per recognised SDK call site of ``text``, or a FileProblem; never raises.

    ``surface`` is used where the client's class cannot be found in the file.
    """
    try:
        yield from _read(path, text, surface)
    except Exception as exc:  # pragma: no cover - a reader bug must not end the run
        yield FileProblem(path, 1, 1, f"internal error while reading this source file ({type(exc).__name__}); please report it")


def _read(path: str, text: str, surface: str | None) -> Iterator[Document | FileProblem]:
    suffix = Path(path).suffix.lower()
    if len(text) > MAX_SOURCE_CHARS and "anthropic" in text:
        yield FileProblem(path, 1, 1, f"source file larger than {MAX_SOURCE_CHARS // (1024 * 1024)} MiB; not checked")
        return
    if "\x00" in text and "anthropic" in text:
        yield FileProblem(path, 1, 1, "source file holds NUL characters; not checked")
        return
    if suffix in SCRIPT_SUFFIXES:
        from claude_preflight.source import typescript

        try:
            calls = typescript.read_calls(text, suffix)
        except typescript.MissingParser as exc:
            yield FileProblem(path, 1, 1, str(exc))
            return
        except typescript.ParseFailure as exc:
            yield FileProblem(path, exc.line, exc.column, exc.message)
            return
        except (RecursionError, MemoryError):
            yield FileProblem(path, 1, 1, "source nested too deeply or too large to read")
            return
    else:
        from claude_preflight.source import python

        try:
            calls = python.read_calls(text)
        except python.ParseFailure as exc:
            yield FileProblem(path, exc.line, exc.column, exc.message)
            return
        except (RecursionError, MemoryError):
            yield FileProblem(path, 1, 1, "source nested too deeply or too large to read")
            return
    for call in calls:
        if (call.surface or surface, call.kind) not in UNSENDABLE:
            yield to_document(path, call, surface)


def __getattr__(name: str) -> Any:
    """The checking front end, imported on first use (it needs the engine)."""
    if name in _LAZY:
        return getattr(importlib.import_module(f"claude_preflight.source.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'claude_preflight.source' has no attribute {name!r}")
