"""Autofix: apply the machine edits that findings carry.

- :func:`fix` repairs a request body in memory (never mutating its input).
- :func:`fix_file` / :func:`fix_paths` repair request fixtures in place, keeping JSON
  formatting, YAML comments and layout, and untouched JSONL lines byte for byte.

Only fixes the catalogue marks ``safe`` are applied unless ``unsafe=True``; see
``docs/autofix.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from claude_preflight.fixing.body import AppliedFix, FixResult, fix

__all__ = ["AppliedFix", "FileFixResult", "FixResult", "fix", "fix_file", "fix_paths", "summarize"]

if TYPE_CHECKING:
    from claude_preflight.fixing.files import FileFixResult, fix_file, fix_paths, summarize


def __getattr__(name: str) -> Any:
    if name in ("FileFixResult", "fix_file", "fix_paths", "summarize"):
        from claude_preflight.fixing import files

        return getattr(files, name)
    raise AttributeError(f"module 'claude_preflight.fixing' has no attribute {name!r}")
