"""Benchmark the source front end (claude_preflight.source) on real code.

The corpus is the official SDK repositories' source trees, read at run time from local git
mirrors (nothing is committed): every .py/.ts/.tsx/.js/.mjs file of HEAD is written to a temp
directory. Run from the repository root:

    python benchmarks/source_bench.py --repo /path/to/anthropic-sdk-python.git \\
                                      --repo /path/to/anthropic-sdk-typescript.git

Reported:

``throughput``  files/s and MB/s of ``check_source_file`` (read, find calls, the three engine
                runs of the certainty filter, suppressions) over every file (one process,
                catalogue loaded first), split by language, with the number of call sites found;
                the reading alone; and, as the baseline, a bare parse of every file (``ast.parse``
                / tree-sitter), which the reader skips for files that never name the SDK.
``commit``      whole-process time of a 20-file "commit" (10 files with SDK calls, 10 without)
                checked through ``check_source_file``, against the same process checking the 20
                request fixtures of examples/ the existing way, and against ``python -c pass``
                (medians of interleaved runs; the ratio is the figure to compare between runs).
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

SUFFIXES = (".py", ".ts", ".tsx", ".js", ".mjs")


def export(repo: str, into: Path) -> list[Path]:
    """Write the source files of a git mirror's HEAD under ``into``."""
    data = subprocess.run(["git", "--git-dir", repo, "archive", "--format=tar", "HEAD"], check=True,
                          capture_output=True).stdout
    target = into / Path(repo).parent.name
    found = []
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        for member in archive.getmembers():
            if member.isfile() and member.name.endswith(SUFFIXES):
                source = archive.extractfile(member)
                if source is None:
                    continue
                path = target / member.name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(source.read())
                found.append(path)
    return found


def throughput(files: list[Path]) -> dict[str, object]:
    from claude_preflight.catalogue import load_catalogue
    from claude_preflight.files.checking import Checker, Options
    from claude_preflight.source import check_source_file, read_source

    catalogue = load_catalogue()
    checker = Checker(Options(catalogue=catalogue))
    texts = [(p, p.read_text(encoding="utf-8", errors="replace")) for p in files]
    check_source_file(checker, files[0])  # warm the parsers
    results: dict[str, object] = {}
    for language, suffixes in (("python", (".py",)), ("typescript/javascript", (".ts", ".tsx", ".js", ".mjs"))):
        chosen = [(p, t) for p, t in texts if p.suffix in suffixes]
        size = sum(len(t.encode("utf-8", "surrogatepass")) for _, t in chosen)
        start = time.perf_counter()
        calls = problems = findings = 0
        for path, _ in chosen:
            result = check_source_file(checker, path)
            calls += result.requests
            problems += len(result.problems)
            findings += len(result.findings)
        checked = time.perf_counter() - start
        start = time.perf_counter()
        for path, text in chosen:
            for _ in read_source(str(path), text):
                pass
        read = time.perf_counter() - start
        start = time.perf_counter()
        for path, text in chosen:  # the floor: parsing every file, whatever it holds
            _parse_only(path, text)
        parsed = time.perf_counter() - start
        results[language] = {
            "files": len(chosen), "megabytes": round(size / 1e6, 2), "call_sites": calls, "findings": findings,
            "problems": problems, "seconds": round(checked, 3), "files_per_second": round(len(chosen) / checked, 1),
            "megabytes_per_second": round(size / 1e6 / checked, 2), "read_only_seconds": round(read, 3),
            "parse_every_file_seconds": round(parsed, 3), "check / parse_every_file": round(checked / parsed, 2),
        }
    return results


def _parse_only(path: Path, text: str) -> None:
    if path.suffix == ".py":
        import ast

        try:
            ast.parse(text)
        except (SyntaxError, ValueError, RecursionError):
            pass
    else:
        from claude_preflight.source import typescript

        typescript._parser(typescript.dialect_of(path.suffix)).parse(text.encode("utf-8", "surrogatepass"))


_CHECK = """
import sys
from pathlib import Path
from claude_preflight.catalogue import load_catalogue
from claude_preflight.config import Config
from claude_preflight.files.checking import Checker, Options, check_paths
paths = sys.argv[2:]
options = Options(catalogue=load_catalogue(), config=Config())
if sys.argv[1] == "source":
    from claude_preflight.source import check_source_file
    checker = Checker(options)
    for p in paths:
        check_source_file(checker, Path(p))
else:
    for _ in check_paths(paths, options):
        pass
"""


def commit(files: list[Path], fixtures: list[Path], rounds: int) -> dict[str, object]:
    with_calls = [p for p in files if "messages.create" in p.read_text(errors="replace") and "examples" in str(p)]
    without = [p for p in files if p not in with_calls]
    chosen = (with_calls[:10] + without[: 20 - min(10, len(with_calls))])[:20]
    runs: dict[str, list[float]] = {"python -c pass": [], "20 fixtures": [], "20 source files": []}
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "20 fixtures": [sys.executable, "-c", _CHECK, "fixtures", *map(str, fixtures[:20])],
        "20 source files": [sys.executable, "-c", _CHECK, "source", *map(str, chosen)],
    }
    for _ in range(rounds):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            runs[name].append(time.perf_counter() - start)
    medians = {name: round(statistics.median(times), 3) for name, times in runs.items()}
    return {
        "seconds (median)": medians,
        "files with SDK calls": min(10, len(with_calls)),
        "source / fixtures": round(medians["20 source files"] / medians["20 fixtures"], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", action="append", required=True, help="a git directory (bare mirror) to read HEAD from")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    fixtures = sorted(p for p in Path("examples").rglob("*") if p.suffix in (".json", ".yaml", ".jsonl"))
    fixtures = (fixtures * 20)[:20]
    with tempfile.TemporaryDirectory() as tmp:
        files = [f for repo in args.repo for f in export(repo, Path(tmp))]
        print(f"{len(files)} source files exported")
        for language, figures in throughput(files).items():
            print(f"throughput {language}: {figures}")
        print(f"commit: {commit(files, fixtures, args.rounds)}")


if __name__ == "__main__":
    main()
