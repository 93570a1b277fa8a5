"""The informational subcommands (explain, rules, models); each takes the parsed arguments
and returns an exit status. ``check`` lives in ``cli/check.py``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from claude_preflight.catalogue import Catalogue
from claude_preflight.cli.main import EXIT_ERROR, EXIT_OK
from claude_preflight.dates import now_utc, parse_moment
from claude_preflight.redact import redact


def _catalogue(args: argparse.Namespace) -> Catalogue:
    from claude_preflight.cli.common import load_args_catalogue, load_args_config

    return load_args_catalogue(args, load_args_config(args))


def cmd_explain(args: argparse.Namespace) -> int:
    catalogue = _catalogue(args)
    rule = catalogue.rule(args.rule)
    if rule is None:
        from claude_preflight.config import did_you_mean

        guess = did_you_mean(args.rule, (r.code for r in catalogue.rules), (r.name for r in catalogue.rules))
        hint = f"; did you mean {guess!r}?" if guess else ""
        sys.stderr.write(redact(f"claude-preflight: unknown rule {args.rule!r}{hint} (see 'claude-preflight rules')\n"))
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
    if rule.conflicts:
        out.write("")
        out.write("Sources disagree:")
        for conflict in rule.conflicts:
            for line in conflict.describe(catalogue.sources).splitlines():
                out.write(line)
    for label, key in (("Example it flags", "bad"), ("Example it passes", "good")):
        examples = rule.examples.get(key) or ()
        if examples:
            out.write("")
            out.write(f"{label}:")
            for line in _example_text(examples[0]).splitlines():
                out.write(line)  # one line at a time: each write escapes control characters
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
    from claude_preflight.cli.common import check_surface, load_args_catalogue, load_args_config

    if getattr(args, "models_action", None) == "sync":
        from claude_preflight.sync.cli import run_sync

        return run_sync(args)
    if getattr(args, "diff", False):
        from claude_preflight.sync.cli import run_diff

        return run_diff(args)
    config = load_args_config(args)
    catalogue = load_args_catalogue(args, config)
    moment = parse_moment(args.as_of, what="--as-of") if args.as_of else now_utc()
    key = check_surface("--surface", args.surface, catalogue) or config.surface or "anthropic"
    surface = catalogue.surfaces[key]
    from claude_preflight.checks.lifecycle import when

    rows: list[dict[str, Any]] = []
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
        ids = _surface_ids(model, surface)
        profiles = [prefix + i for i in ids for prefix in surface.profile_prefixes]
        rows.append({"model": model.id, "state": status.state, "detail": detail.strip(),
                     "access": model.access, "aliases": list(model.aliases), "replacement": model.replacement,
                     "ids": ids, "profiles": profiles})
    from claude_preflight.catalogue.overlay import overlay_date, synced_overlay

    overlay = synced_overlay()
    dates = {"catalogue_verified": catalogue.settings.get("catalogue_verified"),
             "overlay_synced": overlay_date(overlay) if overlay is not None else None}
    if args.format == "json":
        json.dump({"as_of": moment.isoformat(), "surface": surface.key, **dates, "models": rows}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    from claude_preflight.output.text import TextWriter

    out = TextWriter()
    synced = f"; models synced from the Models API on {dates['overlay_synced']}" if dates["overlay_synced"] else ""
    out.write(f"Catalogue last checked on {dates['catalogue_verified'] or 'an unknown date'}{synced}.")
    out.write(f"Models on {surface.key} as of {moment.date().isoformat()}:", "bold")
    for row in rows:
        extra = " (restricted)" if row["access"] == "restricted" else ""
        out.write(f"  {row['model']:<32} {row['state']:<11} {row['detail']}{extra}")
        if row["ids"] != [row["model"]]:
            out.write(f"      IDs: {', '.join(row['ids']) or '(not offered on this surface)'}")
        if row["profiles"]:
            prefixes = ", ".join(p.rstrip(".") for p in surface.profile_prefixes)
            out.write(f"      inference profiles ({prefixes}): e.g. {row['profiles'][0]}")
    return EXIT_OK


def _surface_ids(model: Any, surface: Any) -> list[str]:
    """The model IDs ``surface`` takes for ``model`` (first-party IDs on first-party-ID surfaces)."""
    if surface.model_ids == "first-party":
        return [model.id, *model.aliases]
    return list(model.surface_ids.get(surface.model_ids, ()))


def _model_sort_key(model: Any) -> tuple[Any, ...]:
    launch = model.launched
    return (-(launch.timestamp() if launch else 0), model.id)
