"""Where ``models sync`` writes its overlay by default (the user cache folder).

Standard library only and no import of the rest of the package, so that the catalogue
loader (the lowest layer) can import it without an import circle.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

OVERLAY_NAME = "models-overlay.yaml"
_OFF = ("", "0", "false", "no")


def user_cache_dir() -> Path | None:
    """The rule of :func:`claude_preflight.catalogue.cache.cache_dir` (kept identical).

    ``$CLAUDE_PREFLIGHT_CACHE_DIR``, else ``$XDG_CACHE_HOME/claude-preflight``, else
    ``~/Library/Caches/claude-preflight`` (macOS), ``%LOCALAPPDATA%\\claude-preflight\\Cache``
    (Windows) or ``~/.cache/claude-preflight``; None when there is no home folder.
    """
    explicit = os.environ.get("CLAUDE_PREFLIGHT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "claude-preflight"
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return Path(base) / "claude-preflight" / "Cache" if base else None
    home = os.path.expanduser("~")
    if not home or home == "~":
        return None
    if sys.platform == "darwin":
        return Path(home) / "Library" / "Caches" / "claude-preflight"
    return Path(home) / ".cache" / "claude-preflight"


def default_overlay_path() -> Path | None:
    """The synced overlay's default location, or None when there is none to use.

    ``CLAUDE_PREFLIGHT_NO_OVERLAY=1`` turns the automatic pick-up (and this default) off.
    """
    if os.environ.get("CLAUDE_PREFLIGHT_NO_OVERLAY", "").strip().lower() not in _OFF:
        return None
    folder = user_cache_dir()
    return folder / OVERLAY_NAME if folder is not None else None


def synced_overlay() -> Path | None:
    """The default overlay if a sync has written one (what the loader adds to the user files)."""
    path = default_overlay_path()
    try:
        return path if path is not None and path.is_file() else None
    except OSError:
        return None


_VERIFIED = re.compile(r"^  verified: '?\"?(\d{4}-\d{2}-\d{2})", re.MULTILINE)


def overlay_date(path: Path) -> str | None:
    """The ``verified`` date of an overlay written by ``models sync`` (for ``models``), or None."""
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            head = handle.read(4096)
    except OSError:
        return None
    found = _VERIFIED.search(head)
    return found.group(1) if found else None
