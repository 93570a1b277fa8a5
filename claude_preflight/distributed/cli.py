"""``python -m claude_preflight.distributed DIR``: check JSONL batch files on a Dask cluster.

Exit status: 0 no error finding, 1 error findings (or input problems), 2 usage or setup errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", metavar="DIR", help="a directory of .jsonl/.ndjson batch files (searched recursively), or one file")
    parser.add_argument("--workers", "-w", type=int, default=2, metavar="N", help="local worker processes (default: 2)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="use this running Dask scheduler instead of a local cluster")
    parser.add_argument("--as-of", metavar="DATE", help="when the requests will be sent (default: now, UTC)")
    parser.add_argument("--surface", help="default surface (anthropic, bedrock, vertex, ...)")
    parser.add_argument("--api-version", metavar="VERSION", help="API version when a request does not say")
    parser.add_argument("--format", choices=("pretty", "jsonl"), default="pretty", help="pretty text or one JSON row per line")
    if not any(a.dest == "catalogue" for a in parser._actions):
        parser.add_argument("--catalogue", action="append", default=[], metavar="PATH", help="extra catalogue file (repeatable)")


def run(args: argparse.Namespace) -> int:
    from claude_preflight.redact import redact

    try:
        settings = _settings(args)
        try:
            from claude_preflight.distributed import cluster
        except ImportError:
            raise ValueError("Dask is not installed: pip install 'claude-preflight[dask]'") from None
        client: Any = None
        if args.scheduler:
            import distributed

            dask: Any = distributed  # its functions are untyped
            client = dask.Client(args.scheduler)
            client.register_plugin(cluster.CatalogueOnStart(settings))
        try:
            result = cluster.check_directory(args.directory, settings, client=client, workers=args.workers)
        finally:
            if client is not None:
                client.close()
    except Exception as exc:  # a bad argument, an unreadable directory, a cluster that fails to start
        sys.stderr.write(redact(f"claude-preflight: {type(exc).__name__}: {exc}") + "\n")
        return EXIT_ERROR
    out = sys.stdout
    if args.format == "jsonl":
        for row in result.rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    else:
        for row in result.rows:
            where = f"{row['file']}:{row['line']}"
            ident = f" [{row['custom_id']}]" if row["custom_id"] else ""
            out.write(f"{where}{ident} {row['code']} {row['severity']} {row['path'] or '/'}: {row['message']}\n")
        out.write(f"{result.records} records in {len(result.files)} files: {len(result.rows)} findings, {result.errors} errors\n")
    return EXIT_FINDINGS if result.errors else EXIT_OK


def _settings(args: argparse.Namespace) -> Any:
    from claude_preflight.dates import parse_moment
    from claude_preflight.distributed.core import Settings

    if args.workers < 1:
        raise ValueError("--workers must be at least 1")
    if args.as_of:
        parse_moment(args.as_of, what="--as-of")
    from pathlib import Path

    files = tuple(str(Path(p).resolve()) for p in getattr(args, "catalogue", None) or ())  # workers may have another cwd
    settings = Settings(files, args.as_of, args.surface, args.api_version)
    catalogue = settings.catalogue()  # fail here, once, on a bad catalogue or API version
    if args.api_version and args.api_version not in catalogue.api_versions:
        raise ValueError(f"unknown API version {args.api_version!r}")
    return settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m claude_preflight.distributed",
                                     description="Check JSONL batch files on a Dask cluster.")
    add_arguments(parser)
    return run(parser.parse_args(argv))
