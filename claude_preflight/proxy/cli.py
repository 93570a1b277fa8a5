"""Command-line front: ``claude-preflight proxy`` and ``python -m claude_preflight.proxy``.

``add_arguments(parser)`` adds the options to an argparse parser (the main CLI's
``proxy`` subcommand, or the standalone one); ``run(args)`` starts the proxy and returns
the exit status. Neither imports aiohttp until the proxy starts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from claude_preflight.config import Config
from claude_preflight.proxy.settings import DEFAULT_PORT, DEFAULT_UPSTREAM, LOG_FORMATS, MODES, ProxySettings

EXIT_OK, EXIT_ERROR = 0, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The proxy's options (``--catalogue`` is the main CLI's global option; the standalone
    entry point adds it itself)."""
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    parser.add_argument("--upstream", default=DEFAULT_UPSTREAM, metavar="URL",
                        help=f"where requests go (default {DEFAULT_UPSTREAM}; Bedrock, Vertex, Foundry and Claude Platform on AWS base URLs work too)")
    parser.add_argument("--mode", choices=MODES, default="block",
                        help="block: answer failing requests with a local 400; warn/log: forward and report; fix: apply safe fixes, forward, report (default block)")
    parser.add_argument("--fail-on", choices=("error", "warning", "info"), help="lowest severity that blocks (default: the configuration's, else error)")
    parser.add_argument("--as-of", metavar="DATE", help="check requests as if sent on DATE (default: the moment each request arrives)")
    parser.add_argument("--surface", help="force the surface (default: inferred from the upstream URL and path)")
    parser.add_argument("--api-version", metavar="VERSION", help="API version when a request has no anthropic-version header")
    parser.add_argument("--config", metavar="PYPROJECT", help="read [tool.claude-preflight] from this file (default: search upwards from the current directory)")
    parser.add_argument("--no-config", action="store_true", help="ignore any [tool.claude-preflight] configuration")
    parser.add_argument("--log-format", choices=LOG_FORMATS, default="pretty", help="one line per request on standard output: pretty or JSON lines")
    parser.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS", help="longest silence from the upstream before a 504 (default 600)")
    parser.add_argument("--connect-timeout", type=float, default=10.0, metavar="SECONDS", help="time to connect to the upstream (default 10)")
    parser.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                        help="also accept this Host header name (e.g. a CI service name); loopback names are always accepted")


def settings_from_args(args: argparse.Namespace) -> ProxySettings:
    from claude_preflight.dates import parse_moment

    return ProxySettings(
        upstream=args.upstream,
        host=args.host,
        port=args.port,
        mode=args.mode,
        fail_on=args.fail_on,
        as_of=parse_moment(args.as_of, what="--as-of") if args.as_of else None,
        surface=args.surface,
        api_version=args.api_version,
        log_format=args.log_format,
        connect_timeout=args.connect_timeout,
        read_timeout=args.timeout,
        allow_hosts=tuple(args.allow_host),
        catalogue=tuple(str(c) for c in (getattr(args, "catalogue", None) or ())),
    ).checked()


def config_from_args(args: argparse.Namespace) -> Config:
    from claude_preflight.config import config_from_mapping, load_config

    if args.no_config:
        return Config()
    if args.config:
        path = Path(args.config)
        if not path.is_file():
            raise ValueError(f"--config {args.config}: no such file")
        found = load_config(path)
        return found if found.source else config_from_mapping({}, root=path.parent)
    return load_config(Path.cwd())


def run(args: argparse.Namespace) -> int:
    """Start the proxy and serve until interrupted; the exit status."""
    from claude_preflight.config import ConfigError
    from claude_preflight.errors import CatalogueError

    try:
        settings = settings_from_args(args)
        config = config_from_args(args)
    except (ValueError, TypeError, ConfigError) as exc:
        sys.stderr.write(f"claude-preflight proxy: {exc}\n")
        return EXIT_ERROR
    try:
        import asyncio

        from claude_preflight.proxy.logs import EventLog
        from claude_preflight.proxy.server import serve
    except ImportError as exc:
        sys.stderr.write(f"claude-preflight proxy needs aiohttp: pip install 'claude-preflight[proxy]' ({exc})\n")
        return EXIT_ERROR
    try:
        asyncio.run(serve(settings, config, EventLog(settings.log_format)))
    except (CatalogueError, ConfigError, ValueError) as exc:
        sys.stderr.write(f"claude-preflight proxy: {exc}\n")
        return EXIT_ERROR
    except OSError as exc:  # e.g. the port is taken
        sys.stderr.write(f"claude-preflight proxy: cannot listen on {settings.host}:{settings.port}: {exc}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m claude_preflight.proxy", description="A local gateway that checks every Claude API request before it leaves the machine.")
    parser.add_argument("--catalogue", action="append", default=[], metavar="PATH", help="extra catalogue file or directory (repeatable)")
    add_arguments(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))
