"""What the subcommands share: the configuration, the catalogue, and checked option values."""

from __future__ import annotations

import argparse
import difflib
from dataclasses import replace
from pathlib import Path
from typing import Iterable, Sequence

from claude_preflight.catalogue import Catalogue, load_catalogue
from claude_preflight.cli.main import UsageError
from claude_preflight.config import Config, ConfigError, selector_problem


def load_args_config(args: argparse.Namespace, start: str | None = None) -> Config:
    """The configuration ``--config``/``--no-config`` ask for, else the one found above ``start``."""
    from claude_preflight.config import load_config, load_config_file

    if args.no_config:
        return Config()
    if args.config:
        path = Path(args.config)
        if not path.is_file():
            raise UsageError(f"--config {args.config}: no such file")
        return load_config_file(path)
    begin = Path(start) if start and start != "-" else Path.cwd()
    try:
        exists = begin.exists()
    except (OSError, ValueError):  # e.g. a name too long for the file system: discovery reports it
        exists = False
    return load_config(begin if exists else Path.cwd())


def load_args_catalogue(args: argparse.Namespace, config: Config) -> Catalogue:
    """The catalogue with the configured and ``--catalogue`` files merged; the configuration's
    selectors and default surface/version are checked against it."""
    catalogue = load_catalogue([*config.catalogue, *args.catalogue])
    config.check_selectors(catalogue)
    if config.surface is not None and config.surface not in catalogue.surfaces:
        raise ConfigError(f"{config.where('surface', config.surface)}: surface: {unknown('surface', config.surface, catalogue.surfaces)}")
    if config.api_version is not None and config.api_version not in catalogue.api_versions:
        raise ConfigError(f"{config.where('api-version', config.api_version)}: api-version: "
                          f"{unknown('API version', config.api_version, catalogue.api_versions)}")
    return catalogue


def unknown(what: str, value: str, known: Iterable[str]) -> str:
    """``unknown surface 'bedrok'; did you mean 'bedrock'? (known: ...)``"""
    known = sorted(known)
    guess = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    hint = f"; did you mean {guess[0]!r}?" if guess else ""
    return f"unknown {what} {value!r}{hint} (known: {', '.join(known)})"


def check_surface(option: str, value: str | None, catalogue: Catalogue) -> str | None:
    if value is not None and value not in catalogue.surfaces:
        raise UsageError(f"{option}: {unknown('surface', value, catalogue.surfaces)}")
    return value


def check_api_version(option: str, value: str | None, catalogue: Catalogue) -> str | None:
    if value is not None and value not in catalogue.api_versions:
        raise UsageError(f"{option}: {unknown('API version', value, catalogue.api_versions)}")
    return value


def split_selectors(values: Sequence[str] | None) -> tuple[str, ...]:
    """``["SP,TH", "LC001"]`` -> ``("SP", "TH", "LC001")``."""
    return tuple(part.strip() for value in values or () for part in value.split(",") if part.strip())


def with_selectors(config: Config, args: argparse.Namespace, catalogue: Catalogue) -> Config:
    """``config`` with ``--select``/``--ignore`` (replacing) and ``--extend-*`` (adding) applied;
    an unknown selector is a usage error naming the option."""
    options = {name: split_selectors(getattr(args, name.replace("-", "_"), None))
               for name in ("select", "extend-select", "ignore", "extend-ignore")}
    for name, selectors in options.items():
        for selector in selectors:
            problem = selector_problem(selector, catalogue)
            if problem is not None:
                raise UsageError(f"--{name}: {problem}")
    select = options["select"] if args.select else config.select
    ignore = options["ignore"] if args.ignore else config.ignore
    if options["extend-select"] and select:
        select = (*select, *options["extend-select"])
    return replace(config, select=select, ignore=(*ignore, *options["extend-ignore"]))
