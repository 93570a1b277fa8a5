"""The user overlay catalogue that ``claude-preflight models sync`` writes, and where it lives.

The overlay sits in the same user cache folder as the compiled-catalogue cache
(:func:`claude_preflight.catalogue.cache.cache_dir`), and the loader adds it before the user's
own catalogue files, so that those still override it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from claude_preflight.catalogue.cache import cache_dir as user_cache_dir

OVERLAY_NAME = "models-overlay.yaml"
_OFF = ("", "0", "false", "no")


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
