"""``claude-preflight check``: discover the files, check (or fix) them, report, exit status."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

from claude_preflight.cli.common import (
    check_api_version,
    check_surface,
    load_args_catalogue,
    load_args_config,
    with_selectors,
)
from claude_preflight.cli.main import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, UsageError
from claude_preflight.config import Config
from claude_preflight.dates import parse_moment
from claude_preflight.files.checking import FileResult, Options
from claude_preflight.files.discovery import Discovery, display
from claude_preflight.report import SEVERITY_RANK

STDIN = "-"


@dataclass
class Run:
    """What one ``check`` run found and did."""

    results: list[FileResult] = field(default_factory=list)
    fixed: list[Any] = field(default_factory=list)  # fixing.files.FileFixResult
    sources: dict[str, str] = field(default_factory=dict)  # texts not on disk (standard input)


def cmd_check(args: argparse.Namespace) -> int:
    first = next((p for p in args.paths if p != STDIN), args.stdin_filename)
    config = load_args_config(args, first)
    catalogue = load_args_catalogue(args, config)
    config = with_selectors(config, args, catalogue)
    if args.jobs < 0:
        raise UsageError("--jobs must be 0 (one per core) or more")
    as_of = parse_moment(args.as_of, what="--as-of") if args.as_of else None
    surface = check_surface("--surface", args.surface, catalogue) or config.surface
    api_version = check_api_version("--api-version", args.api_version, catalogue) or config.api_version
    options = Options(catalogue=catalogue, as_of=as_of, surface=surface, api_version=api_version, config=config)
    fixing = bool(args.fix or args.diff or args.unsafe_fixes)
    if STDIN in args.paths and fixing:
        raise UsageError("--fix, --unsafe-fixes and --diff work on files, not on standard input")

    found = _discover(args, config)
    if args.verbose:
        from claude_preflight.redact import redact

        for skipped in found.skipped:
            sys.stderr.write(redact(f"claude-preflight: skipped {skipped.path}: {skipped.reason}") + "\n")
    run = Run()
    results: Iterable[FileResult]
    if fixing:
        results = _fix(run, found, options, args)
    else:
        results = _check(run, found, options, args)
    results = _then_staleness(results, options)

    report_stream: IO[str] = sys.stderr if args.diff else sys.stdout
    if args.output:
        try:
            stream = open(args.output, "w", encoding="utf-8", newline="\n")
        except OSError as exc:
            raise UsageError(f"--output {args.output}: {exc.strerror or exc}") from None
        with stream:
            counts = _write(results, stream, args, catalogue, run)
    else:
        counts = _write(results, report_stream, args, catalogue, run)
    if fixing and not args.quiet:
        from claude_preflight.fixing.files import summarize

        sys.stderr.write(summarize(run.fixed, unsafe=args.unsafe_fixes, diff=args.diff) + "\n")
        if args.show_fixes:
            _show_applied(run.fixed, sys.stderr, diff=args.diff)
    return _status(counts, args, config, run)


def _status(counts: dict[str, int], args: argparse.Namespace, config: Config, run: Run) -> int:
    if counts["problems"]:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_OK
    if args.diff and any(item.diff for item in run.fixed):
        return EXIT_FINDINGS
    failing = SEVERITY_RANK[args.fail_on or config.fail_on]
    if any(counts[s] for s, rank in SEVERITY_RANK.items() if rank >= failing):
        return EXIT_FINDINGS
    return EXIT_OK


# ----------------------------------------------------------------------------- discovery


def _discover(args: argparse.Namespace, config: Config) -> Discovery:
    from claude_preflight.files.checking import discover_for
    from claude_preflight.files.documents import SUFFIXES
    from claude_preflight.source import SOURCE_SUFFIXES

    named = [p for p in args.paths if p != STDIN]
    if args.known_suffixes_only:
        named = [p for p in named if Path(p).is_dir() or Path(p).suffix.lower() in SUFFIXES + SOURCE_SUFFIXES]
    if not args.paths:
        named = _config_paths(config)
        if not named and not config.paths:
            raise UsageError("no paths given and no 'paths' in [tool.claude-preflight]")
    if args.no_respect_gitignore:
        from dataclasses import replace

        config = replace(config, respect_gitignore=False)
    exclude = tuple(args.exclude) if args.exclude else None
    return discover_for(named, config, force_exclude=args.force_exclude, exclude=exclude,
                        extend_exclude=tuple(args.extend_exclude or ()))


def _config_paths(config: Config) -> list[str]:
    """The files matching the configured ``paths`` globs (relative to the configuration's folder)."""
    root = config.root or Path.cwd()
    found: list[str] = []
    for pattern in config.paths:
        try:
            matches = sorted(display(p) for p in root.glob(pattern) if p.is_file())
        except (ValueError, OSError) as exc:
            raise UsageError(f"{config.where('paths', pattern)}: paths: invalid pattern {pattern!r}: {exc}") from None
        found.extend(matches)
    return found


# ----------------------------------------------------------------------------- checking and fixing


def _stdin(args: argparse.Namespace, options: Options) -> tuple[FileResult, str]:
    from claude_preflight.files.checking import Checker

    name = display(args.stdin_filename) if args.stdin_filename else "<stdin>"
    suffix = Path(args.stdin_filename).suffix if args.stdin_filename else ".json"
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode("utf-8")
    return Checker(options).check_data(name, data, suffix or ".json"), data.decode("utf-8", errors="replace")


def _check(run: Run, found: Discovery, options: Options, args: argparse.Namespace) -> Iterator[FileResult]:
    from claude_preflight.files.checking import check_discovered

    if STDIN in args.paths:
        result, text = _stdin(args, options)
        run.sources[result.path] = text
        yield result
    yield from check_discovered(found, options, jobs=args.jobs or None)


def _then_staleness(results: Iterable[FileResult], options: Options) -> Iterator[FileResult]:
    """The results, then (once per run, in no file) CF003 when the catalogue is old for the date."""
    yield from results
    from claude_preflight.dates import now_utc
    from claude_preflight.files.checking import Checker

    stale = Checker(options).staleness(options.as_of or now_utc())
    if stale:
        yield FileResult("", findings=stale)


def _fix(run: Run, found: Discovery, options: Options, args: argparse.Namespace) -> Iterator[FileResult]:
    from claude_preflight.fixing.files import fix_paths

    for problem in found.problems:
        yield FileResult(problem.file, problems=[problem])
    files = [candidate.name for candidate in found.candidates]
    if not files:
        return
    for item in fix_paths(files, options, unsafe=args.unsafe_fixes, diff=args.diff):
        run.fixed.append(item)
        if args.diff and item.diff:
            sys.stdout.write(item.diff)
            sys.stdout.flush()
        yield item.result


# ----------------------------------------------------------------------------- reporting


def _write(results: Iterable[FileResult], stream: IO[str], args: argparse.Namespace, catalogue: Any, run: Run) -> dict[str, int]:
    from claude_preflight.output import OutputOptions, default_format, writer

    name = args.format or default_format()
    options = OutputOptions(stream=stream, catalogue=catalogue, quiet=args.quiet)
    if args.statistics:
        from claude_preflight.output.text import write_statistics

        return write_statistics(results, options, as_json=name in ("json", "sarif"))
    write: Callable[..., dict[str, int]]
    if name in ("pretty", "concise"):
        from claude_preflight.output.text import write_report

        def write(results: Iterable[FileResult], options: OutputOptions) -> dict[str, int]:
            return write_report(results, options, context=name == "pretty", sources=run.sources, show_fixes=args.show_fixes)
    else:
        write = writer(name)
    return write(results, options)


def _show_applied(fixed: Iterable[Any], stream: IO[str], *, diff: bool) -> None:
    lines = []
    for item in fixed:
        for applied in item.applied:
            if item.written or (diff and item.diff):
                lines.append(f"  {display(item.path)}: {applied.describe()}")
    if lines:
        stream.write("Fixes in the diff:\n" if diff else "Fixes applied:\n")
        stream.write("\n".join(lines) + "\n")
