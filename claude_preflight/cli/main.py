"""``claude-preflight``: check request fixtures, explain rules, list rules and models.

Exit status: 0 clean, 1 findings at or above the failing severity, 2 usage or input errors.

Each subcommand is one entry of :data:`COMMANDS`: a function that adds its arguments to a
parser, and the ``module:function`` that runs it (imported only when that subcommand runs).
Adding a subcommand is adding one entry.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Callable, Sequence

from claude_preflight import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

EXIT_CODES = """\
exit status:
  0  no finding at or above the failing severity (or --exit-zero)
  1  findings at or above the failing severity (--fail-on; default error)
  2  usage error, invalid configuration or catalogue, or a file that cannot be read or parsed
"""


class UsageError(ValueError):
    """A wrong argument or option value: exit status 2 with the message."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_ERROR)


class _Help(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32, width=100)


def _common(parser: argparse.ArgumentParser, top: bool) -> None:
    """Options every subcommand takes, before or after its name (``--config`` works in both places)."""
    suffix = "_top" if top else ""
    default = None if top else argparse.SUPPRESS
    group = parser.add_argument_group("global options")
    group.add_argument("--catalogue", action="append", dest="catalogue" + suffix, default=[] if top else argparse.SUPPRESS,
                       metavar="PATH", help="extra catalogue file or directory (repeatable)")
    group.add_argument("--config", dest="config" + suffix, default=default, metavar="PYPROJECT",
                       help="read [tool.claude-preflight] from this file instead of searching upwards")
    group.add_argument("--no-config", action="store_true", dest="no_config" + suffix, default=False if top else argparse.SUPPRESS,
                       help="ignore any [tool.claude-preflight] configuration")
    group.add_argument("--verbose", "-v", action="store_true", dest="verbose" + suffix, default=False if top else argparse.SUPPRESS,
                       help="also list the files skipped by discovery (check)")


def _add_check(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    from claude_preflight.cli import help_text

    check = sub.add_parser("check", help="check request files (JSON, YAML, JSONL)", description=help_text.CHECK,
                           epilog=help_text.CHECK_EPILOG + EXIT_CODES + help_text.CONFIG_KEYS, formatter_class=_Help)
    check.add_argument("paths", nargs="*", metavar="PATH",
                       help="files or directories; '-' reads one request (or JSONL) from standard input "
                            "(default: 'paths' from the configuration)")
    rules = check.add_argument_group("rule selection (codes, code prefixes or rule names; comma-separated, repeatable)")
    rules.add_argument("--select", action="append", metavar="RULES", help="check only these rules (replaces 'select')")
    rules.add_argument("--extend-select", action="append", metavar="RULES", help="add to 'select'")
    rules.add_argument("--ignore", action="append", metavar="RULES", help="do not report these rules (replaces 'ignore')")
    rules.add_argument("--extend-ignore", action="append", metavar="RULES", help="add to 'ignore'")
    request = check.add_argument_group("request defaults (an envelope's own values win)")
    request.add_argument("--as-of", metavar="DATE", help="when the requests will be sent (default: now, UTC)")
    request.add_argument("--surface", help="default surface (anthropic, aws-platform, bedrock, bedrock-invoke, vertex, google-cloud, foundry)")
    request.add_argument("--api-version", metavar="VERSION", help="API version when a request has no anthropic-version header")
    files = check.add_argument_group("file discovery")
    files.add_argument("--exclude", action="append", metavar="PATTERN",
                       help="gitignore-style patterns to skip, replacing the defaults and 'exclude' (repeatable)")
    files.add_argument("--extend-exclude", action="append", metavar="PATTERN", help="patterns to skip besides the others (repeatable)")
    files.add_argument("--force-exclude", action="store_true",
                       help="treat named files like files found in a directory: exclusions, .gitignore and the "
                            "looks-like-a-request test apply to them too (used by the pre-commit hook)")
    files.add_argument("--no-respect-gitignore", action="store_true", help="do not skip files matched by .gitignore")
    files.add_argument("--known-suffixes-only", action="store_true",
                       help="skip named files that are not .json, .yaml, .yml, .jsonl or .ndjson")
    files.add_argument("--stdin-filename", metavar="NAME",
                       help="the name of the file read from standard input (for positions, format and configuration)")
    out = check.add_argument_group("output")
    out.add_argument("--format", choices=("pretty", "concise", "json", "sarif", "github"), default=None,
                     help="report format (default: github inside GitHub Actions, else pretty)")
    out.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of standard output")
    out.add_argument("--statistics", action="store_true", help="print the number of findings per rule instead of the findings")
    out.add_argument("--show-fixes", action="store_true", help="list the fixes applied (with --fix) or available")
    out.add_argument("--quiet", "-q", action="store_true", help="print findings only, no summary")
    status = check.add_argument_group("exit status")
    status.add_argument("--fail-on", choices=("error", "warning", "info"), help="lowest severity that fails (default: the configuration's, else error)")
    status.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings fail (usage and file errors still exit 2)")
    fixing = check.add_argument_group("fixes")
    fixing.add_argument("--fix", action="store_true", help="apply safe fixes to the files in place")
    fixing.add_argument("--unsafe-fixes", action="store_true", help="also apply fixes that change what the request does (implies --fix)")
    fixing.add_argument("--diff", action="store_true",
                        help="print the fixes as a unified diff on standard output (the report goes to standard error) and write nothing")
    check.add_argument("--jobs", "-j", type=int, default=0, metavar="N", help="worker processes for large JSONL batch files (default: one per core)")
    return check


def _add_explain(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    from claude_preflight.cli import help_text

    explain = sub.add_parser("explain", help="explain a rule", description="Explain a rule: what the API does, why, the fix, sources and examples.",
                             epilog=help_text.EXPLAIN_EPILOG + EXIT_CODES, formatter_class=_Help)
    explain.add_argument("rule", metavar="CODE", help="rule code or name, e.g. SP002 or sampling-rejected-by-model")
    return explain


def _add_rules(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    from claude_preflight.cli import help_text

    rules = sub.add_parser("rules", help="list the rules", description="List every rule of the catalogue (with --catalogue files merged).",
                           epilog=help_text.RULES_EPILOG + EXIT_CODES, formatter_class=_Help)
    rules.add_argument("--format", choices=("pretty", "json"), default="pretty",
                       help="json: a list of {code, name, family, severity, summary, fix} (fix: safe, unsafe or null)")
    return rules


def _add_models(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    from claude_preflight.cli import help_text

    models = sub.add_parser("models", help="list models and their status on a date",
                            description="List the models of the catalogue and their lifecycle state on a date and surface, "
                                        "with the model IDs that surface takes.",
                            epilog=help_text.MODELS_EPILOG + EXIT_CODES, formatter_class=_Help)
    models.add_argument("--as-of", metavar="DATE", help="date to evaluate (default: now, UTC)")
    models.add_argument("--surface", default=None, help="surface whose IDs and schedule to show (default: the configuration's, else anthropic)")
    models.add_argument("--format", choices=("pretty", "json"), default="pretty")
    models.add_argument("--all", action="store_true", help="include models retired before the date")
    models.add_argument("--diff", action="store_true",
                        help="compare the live Models API (GET /v1/models with ANTHROPIC_API_KEY) with the catalogue; "
                             "exit 1 when they differ")
    actions = models.add_subparsers(dest="models_action", metavar="ACTION", parser_class=_Parser)
    from claude_preflight.sync.cli import add_sync_arguments

    sync = actions.add_parser("sync", help="read GET /v1/models with your key into a user overlay catalogue",
                              description="Read the live Models API (ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN, "
                                          "ANTHROPIC_BASE_URL) into a dated user overlay catalogue that is loaded "
                                          "automatically. Never edits the shipped catalogue; never runs by itself.",
                              epilog=EXIT_CODES, formatter_class=_Help)
    add_sync_arguments(sync)
    return models


def _add_proxy(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    from claude_preflight.proxy.cli import add_arguments

    proxy = sub.add_parser("proxy", help="a local gateway that checks every request before it leaves the machine",
                           description="Run a local HTTP proxy: point ANTHROPIC_BASE_URL at it and every client, in any "
                                       "language, is checked on the exact bytes it sends. Needs "
                                       "'pip install claude-preflight[proxy]'. See docs/proxy.md.",
                           epilog=EXIT_CODES, formatter_class=_Help, conflict_handler="resolve")
    add_arguments(proxy)  # its own --config/--no-config give way to the global options (same destinations)
    return proxy


def _add_distributed(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    from claude_preflight.distributed.cli import add_arguments

    dist = sub.add_parser("distributed", help="check a directory of JSONL batch files on a Dask cluster",
                          description="Check Message Batches JSONL files on a local Dask cluster (or --scheduler). "
                                      "Needs 'pip install claude-preflight[dask]'. See docs/distributed.md.",
                          epilog=EXIT_CODES, formatter_class=_Help, conflict_handler="resolve")
    add_arguments(dist)  # its own --catalogue gives way to the global option (same destination)
    return dist


Builder = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], argparse.ArgumentParser]

COMMANDS: dict[str, tuple[Builder, str]] = {
    "check": (_add_check, "claude_preflight.cli.check:cmd_check"),
    "explain": (_add_explain, "claude_preflight.cli.commands:cmd_explain"),
    "rules": (_add_rules, "claude_preflight.cli.commands:cmd_rules"),
    "models": (_add_models, "claude_preflight.cli.commands:cmd_models"),
    "proxy": (_add_proxy, "claude_preflight.proxy.cli:run"),
    "distributed": (_add_distributed, "claude_preflight.distributed.cli:run"),
}


def build_parser() -> argparse.ArgumentParser:
    from claude_preflight.cli import help_text

    parser = _Parser(prog="claude-preflight", description="Check Claude API requests before they are sent.",
                     epilog=help_text.MAIN_EPILOG + EXIT_CODES, formatter_class=_Help)
    parser.add_argument("--version", action="version", version=f"claude-preflight {__version__}")
    _common(parser, top=True)
    sub: argparse._SubParsersAction[argparse.ArgumentParser] = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_Parser)
    for build, _ in COMMANDS.values():
        _common(build(sub), top=False)
    return parser


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse ``argv``; global options given before and after the subcommand are merged."""
    args = build_parser().parse_args(argv)
    args.catalogue = [*args.catalogue_top, *getattr(args, "catalogue", [])]
    args.config = getattr(args, "config", None) or args.config_top
    args.no_config = getattr(args, "no_config", False) or args.no_config_top
    args.verbose = getattr(args, "verbose", False) or args.verbose_top
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    if args.command is None:
        build_parser().print_help(sys.stderr)
        return EXIT_ERROR
    from claude_preflight.config import ConfigError
    from claude_preflight.errors import CatalogueError

    module, _, function = COMMANDS[args.command][1].partition(":")
    try:
        return int(getattr(importlib.import_module(module), function)(args))
    except (CatalogueError, ConfigError) as exc:
        sys.stderr.write(f"claude-preflight: {_redacted(str(exc))}\n")
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:
        sys.stderr.write(f"claude-preflight: error: {_redacted(str(exc))}\n")
        return EXIT_ERROR
    except (ValueError, TypeError) as exc:
        sys.stderr.write(f"claude-preflight: error: {_redacted(str(exc))}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


def _redacted(text: str) -> str:
    from claude_preflight.redact import redact

    return redact(text)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
