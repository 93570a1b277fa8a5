"""Run the fuzz targets for a number of examples or minutes.

    python -m fuzz                         # every target, 1 minute in all
    python -m fuzz --minutes 30            # the long run (see docs/robustness.md)
    python -m fuzz --target reader --examples 5000 --seed 7
    python -m fuzz --atheris --target reader -- -max_total_time=600   # coverage-guided, if atheris is installed

Hypothesis generates the inputs (mutations of valid requests and fixture files, plus
arbitrary and hostile values), checks the invariants of :mod:`fuzz.targets` and, on a
failure, shrinks the input and prints it. The exit status is 0 when nothing broke.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from fuzz import mutations, targets

TARGETS = ("engine", "mutations", "reader", "yaml", "catalogue", "python", "secrets", "overlay")


@dataclass
class Stats:
    """Examples tried per target, and the failures found (their text)."""

    examples: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.examples.values())


def _tests(counter: dict[str, int], folder: Path) -> dict[str, Callable[..., Any]]:
    def count(name: str) -> None:
        counter[name] = counter.get(name, 0) + 1

    @given(mutations.any_json, st.sampled_from(["/v1/messages", "/v1/messages/count_tokens", "/v1/messages/batches", "/v1/nope", 42]),
           mutations.any_json, st.one_of(st.none(), st.sampled_from(["anthropic", "bedrock", "vertex", "foundry", "??"])))
    def engine(body: Any, endpoint: Any, headers: Any, surface: Any) -> None:
        count("engine")
        targets.engine(body, endpoint=endpoint, headers=headers if isinstance(headers, (dict, list)) else None, surface=surface)

    @given(mutations.mutated_requests())
    def mutated(case: Any) -> None:
        count("mutations")
        found_seed, body, _ = case
        targets.engine(body, **found_seed.kwargs())

    @given(mutations.mutated_files())
    def reader(case: Any) -> None:
        count("reader")
        suffix, content, _ = case
        targets.reader(suffix, content)

    @given(mutations.hostile_yaml_texts | st.text(max_size=200), st.sampled_from([".yaml", ".json", ".jsonl"]))
    def yaml_text(text: str, suffix: str) -> None:
        count("yaml")
        targets.reader(suffix, text.encode("utf-8", "surrogatepass"))
        targets.catalogue_text(text)

    @given(mutations.hostile_yaml_texts | st.sampled_from([t.decode("utf-8", "replace") for s, t in mutations.texts() if s != ".jsonl"][:6]))
    def catalogue(text: str) -> None:
        count("catalogue")
        targets.catalogue_text(text, folder)

    @given(mutations.python_values())
    def python(case: Any) -> None:
        count("python")
        found_seed, body, _ = case
        targets.python_value(body, **found_seed.kwargs())

    @given(mutations.hidden_keys())
    def secrets(case: Any) -> None:
        count("secrets")
        place, arguments = case
        targets.secrets(place, arguments, mutations.FAKE_KEY)

    @given(mutations.hostile_params)
    def overlay(case: Any) -> None:
        count("overlay")
        code, params = case
        targets.overlay(code, params, folder)

    return {"engine": engine, "mutations": mutated, "reader": reader, "yaml": yaml_text, "catalogue": catalogue,
            "python": python, "secrets": secrets, "overlay": overlay}


# Loading a user catalogue re-reads the shipped one: it gets a small share of the budget.
_WEIGHT = {"engine": 4, "mutations": 6, "reader": 6, "yaml": 3, "catalogue": 1, "python": 3, "secrets": 2, "overlay": 1}


def run(names: Sequence[str] = TARGETS, *, examples: int | None = None, seconds: float | None = None,
        random_seed: int | None = None, batch: int = 100, out: Any = None) -> Stats:
    """Run the targets until ``examples`` inputs have been tried or ``seconds`` have passed.

    Targets take turns in batches (weighted: cheap targets get more inputs); a failure
    is recorded and that target is not run again.
    """
    out = out or sys.stdout
    if examples is None and seconds is None:
        seconds = 60.0
    stats = Stats()
    deadline = time.monotonic() + seconds if seconds is not None else None
    with tempfile.TemporaryDirectory(prefix="preflight-fuzz-") as folder:
        active = [n for n in names if n in _WEIGHT]
        total_weight = sum(_WEIGHT[n] for n in active) or 1
        round_number = 0
        while active:
            for name in list(active):
                share = max(1, batch * _WEIGHT[name] // total_weight)
                if examples is not None:
                    share = min(share, max(0, examples * _WEIGHT[name] // total_weight - stats.examples.get(name, 0)))
                    if share == 0:
                        active.remove(name)
                        continue
                configured = settings(
                    max_examples=share, deadline=None, database=None, derandomize=False, print_blob=True,
                    suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink],
                )
                test = configured(_tests(stats.examples, Path(folder))[name])  # fresh: settings apply once
                if random_seed is not None:
                    test = seed(random_seed * 1000 + round_number)(test)
                try:
                    test()
                except Exception as exc:  # noqa: BLE001 - report every failure the same way
                    detail = "".join(traceback.format_exception(exc))[-6000:]
                    stats.failures.append(f"[{name}] {detail}")
                    out.write(f"FAILED {name}:\n{detail}\n")
                    active.remove(name)
                if deadline is not None and time.monotonic() > deadline:
                    active = []
                    break
            round_number += 1
    for name in names:
        out.write(f"{name:<10} {stats.examples.get(name, 0):>8} inputs\n")
    out.write(f"{'total':<10} {stats.total:>8} inputs, {len(stats.failures)} failure(s)\n")
    return stats


def _atheris(names: Sequence[str], argv: list[str]) -> int:  # pragma: no cover - needs atheris
    try:
        import atheris  # type: ignore[import-not-found]
    except ImportError:
        sys.stderr.write("atheris is not installed (pip install atheris); use the Hypothesis runner instead\n")
        return 2
    with atheris.instrument_imports():
        from claude_preflight.files import documents, yaml_source  # noqa: F401

    suffixes = [".json", ".yaml", ".jsonl"]

    def one_input(data: bytes) -> None:
        if not data:
            return
        suffix = suffixes[data[0] % len(suffixes)]
        if "catalogue" in names and data[0] % 7 == 0:
            targets.catalogue_text(data[1:].decode("utf-8", "replace"))
        else:
            targets.reader(suffix, data[1:], run_engine="engine" in names or "reader" in names)

    atheris.Setup([sys.argv[0], *argv], one_input)
    atheris.Fuzz()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz", description="Fuzz claude-preflight's file readers, catalogue loader and engine.")
    parser.add_argument("--minutes", type=float, help="time budget (default: 1 minute unless --examples is given)")
    parser.add_argument("--examples", type=int, help="stop after this many inputs in all")
    parser.add_argument("--target", action="append", choices=[*TARGETS, "all"], help="target (repeatable; default all)")
    parser.add_argument("--seed", type=int, help="make the run reproducible")
    parser.add_argument("--atheris", action="store_true", help="coverage-guided fuzzing of the readers with atheris")
    parser.add_argument("rest", nargs="*", help="arguments passed to libFuzzer (after --) with --atheris")
    args = parser.parse_args(argv)
    names = TARGETS if not args.target or "all" in args.target else tuple(args.target)
    if args.atheris:
        return _atheris(names, list(args.rest))
    seconds = args.minutes * 60 if args.minutes is not None else None
    stats = run(names, examples=args.examples, seconds=seconds, random_seed=args.seed)
    return 1 if stats.failures else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
