"""``claude-preflight``: check request fixtures, explain rules, list rules and models.

Exit status: 0 clean, 1 findings at or above the failing severity, 2 usage or input errors.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from claude_preflight import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_ERROR)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="claude-preflight", description="Check Claude API requests before they are sent.")
    parser.add_argument("--version", action="version", version=f"claude-preflight {__version__}")
    parser.add_argument("--catalogue", action="append", default=[], metavar="PATH", help="extra catalogue file or directory (repeatable)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = sub.add_parser("check", help="check request fixture files (JSON, YAML, JSONL)")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: 'paths' from the configuration)")
    check.add_argument("--as-of", metavar="DATE", help="when the requests will be sent (default: now, UTC)")
    check.add_argument("--surface", help="default surface (anthropic, aws-platform, bedrock, vertex, google-cloud, foundry, ...)")
    check.add_argument("--api-version", metavar="VERSION", help="API version when a request has no anthropic-version header")
    check.add_argument("--format", choices=("pretty", "json", "sarif", "github"), default=None,
                       help="report format (default: github inside GitHub Actions, else pretty)")
    check.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of standard output")
    check.add_argument("--known-suffixes-only", action="store_true",
                       help="skip given files that are not .json, .yaml, .yml, .jsonl or .ndjson (used by the pre-commit hook)")
    check.add_argument("--fail-on", choices=("error", "warning", "info"), help="lowest severity that fails (default: the configuration's, else error)")
    check.add_argument("--jobs", "-j", type=int, default=0, metavar="N", help="worker processes for large JSONL batch files (default: one per core)")
    check.add_argument("--fix", action="store_true", help="apply safe fixes to the files in place")
    check.add_argument("--unsafe-fixes", action="store_true", help="also apply fixes that change what the request does (implies --fix)")
    check.add_argument("--diff", action="store_true", help="print the fixes as a unified diff and write nothing")
    check.add_argument("--config", metavar="PYPROJECT", help="read [tool.claude-preflight] from this file instead of searching upwards")
    check.add_argument("--no-config", action="store_true", help="ignore any [tool.claude-preflight] configuration")
    check.add_argument("--quiet", "-q", action="store_true", help="print findings only, no summary")

    explain = sub.add_parser("explain", help="explain a rule")
    explain.add_argument("rule", metavar="CODE", help="rule code or name, e.g. SP002 or sampling-rejected-by-model")

    rules = sub.add_parser("rules", help="list the rules")
    rules.add_argument("--format", choices=("pretty", "json"), default="pretty")

    models = sub.add_parser("models", help="list models and their status on a date")
    models.add_argument("--as-of", metavar="DATE", help="date to evaluate (default: now, UTC)")
    models.add_argument("--surface", default="anthropic")
    models.add_argument("--format", choices=("pretty", "json"), default="pretty")
    models.add_argument("--all", action="store_true", help="include models retired before the date")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    from claude_preflight.cli import commands
    from claude_preflight.config import ConfigError
    from claude_preflight.errors import CatalogueError

    try:
        return int(getattr(commands, f"cmd_{args.command}")(args))
    except (CatalogueError, ConfigError) as exc:
        sys.stderr.write(f"claude-preflight: {exc}\n")
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:
        sys.stderr.write(f"claude-preflight: error: {exc}\n")
        return EXIT_ERROR
    except (ValueError, TypeError) as exc:
        sys.stderr.write(f"claude-preflight: error: {exc}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
