"""A fast-loading cache of the shipped catalogue, so start-up skips YAML and jsonschema.

The shipped catalogue (``rules/``) is read, validated against the schema and merged once;
the merged raw data is then written as one JSON file in the user's cache folder. Later
processes load that file (a few milliseconds) instead of parsing and validating every
YAML file (hundreds of milliseconds, most of it importing and running jsonschema).

Safety:

* The cache is keyed by a hash of the *contents* of every shipped catalogue file and of
  the schema, their paths, the package version and the cache format. A cache whose key
  does not match is never used; it is rebuilt.
* Only the shipped files are cached; user catalogue files are always read and validated.
* The file is written atomically (temporary file in the same folder, then rename), so a
  concurrent reader sees the old file or the new one, never half of one.
* Any problem (no cache folder, read-only folder, unreadable or corrupt file, unexpected
  content) silently falls back to the normal load. Nothing here raises.

Where: ``$CLAUDE_PREFLIGHT_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/claude-preflight``,
else the platform's user cache folder (``~/.cache``, ``~/Library/Caches``,
``%LOCALAPPDATA%``). ``CLAUDE_PREFLIGHT_NO_CACHE=1`` turns the cache off.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Iterable

FORMAT = 1
_FILE_PREFIX = "catalogue-"

try:  # the C module behind hashlib.blake2b; importing it directly avoids loading OpenSSL
    from _blake2 import blake2b as _blake2b
except ImportError:  # pragma: no cover - other Python implementations
    from hashlib import blake2b as _blake2b


def enabled() -> bool:
    return os.environ.get("CLAUDE_PREFLIGHT_NO_CACHE", "").strip().lower() in ("", "0", "false", "no")


def cache_dir() -> Path | None:
    """The folder for cache files, or None when no sensible one exists."""
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


def fingerprint(root: Path, files: Iterable[Path], version: str) -> str | None:
    """Hash of the files' paths and contents plus the package version; None if unreadable."""
    digest = _blake2b(digest_size=32)
    digest.update(f"claude-preflight {version} cache format {FORMAT}\0{root}\0".encode("utf-8", "surrogateescape"))
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            return None
        name = str(path).encode("utf-8", "surrogateescape")
        digest.update(len(name).to_bytes(8, "little") + name + len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def _file_for(root: Path) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    # One file per installed catalogue location, so that several environments sharing a
    # cache folder do not keep overwriting each other's cache.
    where = _blake2b(str(root).encode("utf-8", "surrogateescape"), digest_size=8).hexdigest()
    return folder / f"{_FILE_PREFIX}{where}.json"


def load(root: Path, key: str) -> dict[str, Any] | None:
    """The cached payload for ``key``, or None (missing, stale, corrupt: all the same)."""
    path = _file_for(root)
    if path is None:
        return None
    try:
        with open(path, "rb") as handle:
            document = json.loads(handle.read())
    except (OSError, ValueError, RecursionError, MemoryError):
        return None
    if not isinstance(document, dict) or document.get("format") != FORMAT or document.get("key") != key:
        return None
    payload = document.get("payload")
    return payload if isinstance(payload, dict) else None


def store(root: Path, key: str, payload: dict[str, Any]) -> bool:
    """Write the payload atomically; False (and no file) on any problem."""
    path = _file_for(root)
    if path is None:
        return False
    try:
        text = json.dumps({"format": FORMAT, "key": key, "payload": payload}, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return False
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{id(payload):x}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(text.encode("utf-8"))
        os.replace(temporary, path)
        return True
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        return False


def round_trips(value: Any) -> bool:
    """Whether JSON gives back exactly this value (no non-string keys, NaN, tuples...)."""
    try:
        return bool(json.loads(json.dumps(value, ensure_ascii=False)) == value) and _no_tuples(value)
    except (TypeError, ValueError, RecursionError):
        return False


def _no_tuples(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, tuple):
            return False
    return True
