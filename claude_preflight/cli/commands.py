"""The subcommands; each takes the parsed arguments and returns an exit status."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from claude_preflight.catalogue import Catalogue, load_catalogue
from claude_preflight.cli.main import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from claude_preflight.config import Config
from claude_preflight.dates import now_utc, parse_moment
from claude_preflight.report import SEVERITY_RANK


def _catalogue(args: argparse.Namespace) -> Catalogue:
    return load_catalogue(args.catalogue)


def _config(args: argparse.Namespace) -> Config:
    from claude_preflight.config import config_from_mapping, load_config

    if args.no_config:
        return Config()
    if args.config:
        path = Path(args.config)
        if not path.is_file():
            raise ValueError(f"--config {args.config}: no such file")
        found = load_config(path)
        return found if found.source else config_from_mapping({}, root=path.parent)
    start = Path(args.paths[0]) if args.paths else Path.cwd()
    try:
        exists = start.exists()
    except OSError:  # e.g. a name too long for the file system: discover() reports it
        exists = False
    return load_config(start if exists else Path.cwd())


def _config_paths(config: Config) -> list[str]:
    root = config.root or Path.cwd()
    found: list[str] = []
    for pattern in config.paths:
        matches = sorted(str(p) for p in root.glob(pattern) if p.is_file())
        found.extend(matches)
    return found


def cmd_check(args: argparse.Namespace) -> int:
    from claude_preflight.files.checking import Options, check_paths
    from claude_preflight.output import OutputOptions, default_format, writer

    config = _config(args)
    paths = list(args.paths)
    if paths and args.known_suffixes_only:
        from claude_preflight.files.documents import SUFFIXES

        paths = [p for p in paths if Path(p).is_dir() or Path(p).suffix.lower() in SUFFIXES]
        explicit = True
    else:
        explicit = bool(paths)
        paths = paths or _config_paths(config)
    if not paths and not explicit:
        raise ValueError("no paths given and no 'paths' in [tool.claude-preflight]")
    catalogue = load_catalogue([*config.catalogue, *args.catalogue])
    as_of = parse_moment(args.as_of, what="--as-of") if args.as_of else None
    api_version = args.api_version or config.api_version
    if api_version and api_version not in catalogue.api_versions:
        raise ValueError(f"api version {api_version!r} is not one of {', '.join(sorted(catalogue.api_versions))}")
    options = Options(catalogue=catalogue, as_of=as_of, surface=args.surface or config.surface, api_version=api_version, config=config)
    write = writer(args.format or default_format())
    fixing = args.fix or args.diff or args.unsafe_fixes
    fixed: list[Any] = []
    if fixing:
        from claude_preflight.fixing.files import fix_paths

        fixed = list(fix_paths(paths, options, unsafe=args.unsafe_fixes, diff=args.diff))
        results: Any = [item.result for item in fixed]
        if args.diff:
            for item in fixed:
                if item.diff:
                    sys.stdout.write(item.diff)
    else:
        if args.jobs < 0:
            raise ValueError("--jobs must be 0 (one per core) or more")
        results = check_paths(paths, options, jobs=args.jobs or None)
    if args.output:
        try:
            stream = open(args.output, "w", encoding="utf-8", newline="\n")
        except OSError as exc:
            raise ValueError(f"--output {args.output}: {exc.strerror or exc}") from None
        with stream:
            counts = write(results, OutputOptions(stream=stream, catalogue=catalogue, quiet=args.quiet))
    else:
        counts = write(results, OutputOptions(stream=sys.stdout, catalogue=catalogue, quiet=args.quiet))
    if fixing and not args.quiet:
        from claude_preflight.fixing.files import summarize

        sys.stderr.write(summarize(fixed, unsafe=args.unsafe_fixes, diff=args.diff) + "\n")
    if counts["problems"]:
        return EXIT_ERROR
    if args.diff and any(item.diff for item in fixed):
        return EXIT_FINDINGS
    failing = SEVERITY_RANK[args.fail_on or config.fail_on]
    if any(counts[s] for s, rank in SEVERITY_RANK.items() if rank >= failing):
        return EXIT_FINDINGS
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    catalogue = _catalogue(args)
    rule = catalogue.rule(args.rule)
    if rule is None:
        sys.stderr.write(f"claude-preflight: unknown rule {args.rule!r}; see 'claude-preflight rules'\n")
        return EXIT_ERROR
    from claude_preflight.output.text import TextWriter

    out = TextWriter()
    out.write(f"{rule.code} {rule.name} ({rule.severity}, family {rule.family})", "bold")
    out.write("")
    out.write(rule.summary)
    out.write("")
    out.write(rule.explanation)
    if rule.fix:
        out.write("")
        out.write(f"Fix ({rule.fix['safety']}): {rule.fix['description']}")
    out.write("")
    out.write("Sources:")
    for key in rule.sources:
        source = catalogue.sources[key]
        out.write(f"  - {source.title}: {source.url}" + (" (secondary)" if source.kind == "secondary" else ""))
    for label, key in (("Example it flags", "bad"), ("Example it passes", "good")):
        examples = rule.examples.get(key) or ()
        if examples:
            out.write("")
            out.write(f"{label}:")
            out.write(_example_text(examples[0]))
    return EXIT_OK


def _example_text(example: Any) -> str:
    context = {k: example[k] for k in ("endpoint", "surface", "as_of", "api_version", "headers") if k in example}
    text = ""
    if context:
        text += "  # " + ", ".join(f"{k}: {v}" for k, v in context.items()) + "\n"
    lines = json.dumps(_shorten(example["body"]), indent=2, ensure_ascii=False).splitlines()
    if len(lines) > EXAMPLE_LINES:
        lines = lines[:EXAMPLE_LINES] + [f"... ({len(lines) - EXAMPLE_LINES} more lines)"]
    return text + "\n".join("  " + line for line in lines)


EXAMPLE_LINES = 60


def _shorten(value: Any, depth: int = 0) -> Any:
    """A readable stand-in for huge example bodies (long strings and lists are cut)."""
    if isinstance(value, str):
        return value if len(value) <= 200 else value[:200] + f"... ({len(value)} characters)"
    if depth > 12:
        return "..."
    if isinstance(value, list):
        head = [_shorten(v, depth + 1) for v in value[:8]]
        return head + ([f"... ({len(value) - 8} more items)"] if len(value) > 8 else [])
    if isinstance(value, dict):
        return {k: _shorten(v, depth + 1) for k, v in value.items()}
    return value


def cmd_rules(args: argparse.Namespace) -> int:
    catalogue = _catalogue(args)
    if args.format == "json":
        data = [
            {"code": r.code, "name": r.name, "family": r.family, "severity": r.severity, "summary": r.summary,
             "fix": r.fix["safety"] if r.fix else None}
            for r in catalogue.rules
        ]
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    from claude_preflight.output.text import TextWriter

    out = TextWriter()
    for rule in catalogue.rules:
        fix = f" [fix: {rule.fix['safety']}]" if rule.fix else ""
        out.write(f"{rule.code}  {rule.severity:<7}  {rule.name:<44} {rule.summary}{fix}")
    out.write(f"{len(catalogue.rules)} rules")
    return EXIT_OK


def cmd_models(args: argparse.Namespace) -> int:
    catalogue = _catalogue(args)
    moment = parse_moment(args.as_of, what="--as-of") if args.as_of else now_utc()
    surface = catalogue.surfaces.get(args.surface)
    if surface is None:
        raise ValueError(f"unknown surface {args.surface!r}; known: {', '.join(sorted(catalogue.surfaces))}")
    from claude_preflight.checks.lifecycle import when

    rows = []
    for model in sorted(catalogue.models.values(), key=_model_sort_key):
        status = model.status(moment, surface.key, surface.lifecycle_authority)
        if status.state == "retired" and not args.all:
            continue
        detail = ""
        if status.state in ("retired", "disabled") and status.since:
            detail = f"since {when(status.since)}"
        elif status.state == "unreleased" and status.launches:
            detail = f"launches {when(status.launches)}"
        elif status.retires:
            detail = f"retires {when(status.retires)}"
        if not status.authoritative:
            detail += " (Claude API schedule)"
        rows.append({"model": model.id, "state": status.state, "detail": detail.strip(),
                     "access": model.access, "aliases": list(model.aliases), "replacement": model.replacement})
    if args.format == "json":
        json.dump({"as_of": moment.isoformat(), "surface": surface.key, "models": rows}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    from claude_preflight.output.text import TextWriter

    out = TextWriter()
    out.write(f"Models on {surface.key} as of {moment.date().isoformat()}:", "bold")
    for row in rows:
        extra = " (restricted)" if row["access"] == "restricted" else ""
        out.write(f"  {row['model']:<32} {row['state']:<11} {row['detail']}{extra}")
    return EXIT_OK


def _model_sort_key(model: Any) -> tuple[Any, ...]:
    launch = next((e.at for e in model.lifecycle if e.event == "launched"), None)
    return (-(launch.timestamp() if launch else 0), model.id)
