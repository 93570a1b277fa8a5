"""Command-line entry points: ``models sync`` and ``models --diff``.

Exit status: 0 done (sync) or no difference (diff), 1 differences found (diff),
2 any error (no credential, HTTP or network failure, a bad response, an unwritable file).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from claude_preflight.sync.limits import DEFAULT_TIMEOUT, PAGE_SIZE

if TYPE_CHECKING:
    from claude_preflight.sync.client import Listing

EXIT_OK, EXIT_DIFF, EXIT_ERROR = 0, 1, 2


def add_sync_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``models sync`` (and the network options ``models --diff`` shares)."""
    parser.add_argument("--output", "-o", metavar="FILE",
                        help="write the overlay here (default: models-overlay.yaml in the user cache folder, loaded automatically)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS", help="per request (default: 30)")
    parser.add_argument("--page-size", type=int, default=PAGE_SIZE, metavar="N", help="models per page, 1-1000 (default: 1000)")


def run_sync(args: argparse.Namespace) -> int:
    """List the Models API and write the overlay; never raises, never prints the credential."""
    from claude_preflight.dates import now_utc
    from claude_preflight.sync.client import SyncError

    secret: str | None = None
    try:
        listing, secret = _fetch(args)
        catalogue = _catalogue(args)
        from claude_preflight.sync import overlay
        from claude_preflight.catalogue.overlay import default_overlay_path

        target = Path(args.output) if getattr(args, "output", None) else default_overlay_path()
        if target is None:
            raise SyncError("no user cache folder to write to (no home folder, or CLAUDE_PREFLIGHT_NO_OVERLAY is set); use --output FILE")
        document = overlay.build_overlay(listing, catalogue, now_utc(), secret)
        text = overlay.dump(document)
        _check_loads(text, target)
        overlay.write_atomic(target, text)
    except SyncError as exc:
        return _fail(str(exc), secret)
    except Exception as exc:  # an unwritable folder, a catalogue problem...: a message, never a traceback
        return _fail(f"{type(exc).__name__}: {exc}", secret)
    out = sys.stdout
    for note in listing.skipped:
        _say(sys.stderr, f"claude-preflight: warning: {note}", secret)
    added = document["models"]
    new = sum(1 for entry in added.values() if "display_name" in entry)
    _say(out, f"Listed {len(listing.models)} models from {listing.endpoint}.", secret)
    if not listing.includes_retired:
        _say(out, "The server does not filter by lifecycle: retired models were not listed.", secret)
    _say(out, f"Wrote {target}: {new} new models, {len(added) - new} updated.", secret)
    return EXIT_OK


def run_diff(args: argparse.Namespace) -> int:
    """Print what the live listing says that the catalogue does not (exit 1 when anything)."""
    from claude_preflight.sync.client import SyncError
    from claude_preflight.sync.diff import diff

    secret: str | None = None
    try:
        listing, secret = _fetch(args)
        catalogue = _catalogue(args)
        found = diff(catalogue, listing.models, includes_retired=listing.includes_retired)
    except SyncError as exc:
        return _fail(str(exc), secret)
    except Exception as exc:
        return _fail(f"{type(exc).__name__}: {exc}", secret)
    if getattr(args, "format", None) == "json":
        text = json.dumps({"endpoint": listing.endpoint, **found.as_dict()}, indent=2, default=str)
        _say(sys.stdout, text, secret)
    else:
        _say(sys.stdout, f"Live models at {listing.endpoint} against the shipped catalogue:", secret)
        for line in found.lines():
            _say(sys.stdout, line, secret)
    return EXIT_OK if found.empty else EXIT_DIFF


def _fetch(args: argparse.Namespace) -> tuple[Listing, str]:
    from claude_preflight.sync.client import SyncError, credentials_from_env, list_models, scrub

    creds = credentials_from_env()
    timeout = float(getattr(args, "timeout", DEFAULT_TIMEOUT) or DEFAULT_TIMEOUT)
    page_size = int(getattr(args, "page_size", PAGE_SIZE) or PAGE_SIZE)
    if not 0 < timeout <= 3600:
        raise SyncError("--timeout must be between 0 and 3600 seconds")
    if not 1 <= page_size <= 1000:
        raise SyncError("--page-size must be between 1 and 1000")
    try:
        return list_models(creds, timeout=timeout, page_size=page_size), creds.secret
    except SyncError as exc:
        raise SyncError(scrub(str(exc), creds.secret)) from None
    except Exception as exc:  # anything unforeseen still ends as a message
        raise SyncError(scrub(f"{type(exc).__name__}: {exc}", creds.secret)) from None


def _catalogue(args: argparse.Namespace) -> Any:
    """The catalogue to compare with: shipped plus ``--catalogue`` files, never the synced overlay."""
    from claude_preflight.catalogue import Catalogue
    from claude_preflight.catalogue.loader import read_and_merge
    from claude_preflight.catalogue.overlay import default_overlay_path

    extra = [str(p) for p in getattr(args, "catalogue", None) or ()]
    own = default_overlay_path()
    extra = [p for p in extra if own is None or Path(p).resolve() != own.resolve()]
    return Catalogue(read_and_merge(extra))


def _check_loads(text: str, target: Path) -> None:
    """Refuse to write an overlay that the loader would reject (it would break every later run)."""
    import os
    import tempfile

    from claude_preflight.catalogue.loader import read_and_merge
    from claude_preflight.errors import CatalogueError
    from claude_preflight.sync.client import SyncError

    handle, temp = tempfile.mkstemp(suffix=".yaml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        from claude_preflight.catalogue import Catalogue

        Catalogue(read_and_merge([temp]))
    except CatalogueError as exc:
        raise SyncError(f"the overlay for {target} would not load, so it was not written: {exc}") from None
    finally:
        os.unlink(temp)


def _say(stream: TextIO, text: str, secret: str | None) -> None:
    import os

    from claude_preflight.sync.client import scrub

    for known in (secret, os.environ.get("ANTHROPIC_API_KEY"), os.environ.get("ANTHROPIC_AUTH_TOKEN")):
        text = scrub(text, known)
    stream.write(text + "\n")


def _fail(message: str, secret: str | None) -> int:
    _say(sys.stderr, f"claude-preflight: models sync: {message}", secret)
    return EXIT_ERROR
