"""Requests/s of the Dask integration (1 and 2 local workers) against ``claude-preflight check --jobs``
on the same JSONL files. Ratios in one run matter, not absolute figures (shared machines vary).

    python benchmarks/distributed_bench.py [--lines 20000] [--files 4] [--as-of 2026-12-04]

The files are generated with ../shared/perf/make_payloads.py when it is there (--batch), else
with small Message Batches entries written here. Cluster start-up is reported separately and
excluded from the requests/s figures (a pipeline keeps its cluster).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
GENERATOR = HERE.parent.parent / "shared" / "perf" / "make_payloads.py"


def make_files(folder: Path, lines: int, files: int) -> list[Path]:
    per_file = max(1, lines // files)
    paths = []
    for index in range(files):
        path = folder / f"batch-{index}.jsonl"
        if GENERATOR.is_file():
            subprocess.run([sys.executable, str(GENERATOR), "--batch", "--batch-n", str(per_file), "--batch-out", str(path),
                            "--out", str(folder / "payloads")], check=True, capture_output=True)
        else:
            with path.open("w") as out:
                for i in range(per_file):
                    body = {"model": "claude-sonnet-4-6", "max_tokens": 1024,
                            "messages": [{"role": "user", "content": f"Summarise item {i} of file {index}."}]}
                    out.write(json.dumps({"custom_id": f"f{index}-r{i}", "params": body}) + "\n")
        paths.append(path)
    return paths


def run_cli(paths: list[Path], jobs: int, as_of: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "claude_preflight.cli.main", "check", *map(str, paths), "--no-config", "-q",
                    "--jobs", str(jobs), "--as-of", as_of, "--format", "json", "--output", os.devnull], check=False)
    return time.perf_counter() - start


def run_dask(folder: Path, workers: int, as_of: str) -> tuple[float, float, int]:
    from claude_preflight.distributed.cluster import check_directory, start_cluster
    from claude_preflight.distributed.core import Settings

    settings = Settings(as_of=as_of)
    began = time.perf_counter()
    client = start_cluster(workers, settings)
    started = time.perf_counter() - began
    try:
        begin = time.perf_counter()
        result = check_directory(folder, settings, client=client)
        return started, time.perf_counter() - begin, result.records
    finally:
        cluster = client.cluster
        client.close()
        cluster.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=20000)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--as-of", default="2026-12-04")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp) / "batches"
        folder.mkdir()
        paths = make_files(folder, args.lines, args.files)
        total = sum(1 for p in paths for line in p.open("rb") if line.strip())
        rows = []
        for jobs in (1, 2):
            seconds = run_cli(paths, jobs, args.as_of)
            rows.append({"runner": f"cli --jobs {jobs}", "startup_s": None, "seconds": round(seconds, 2), "req_per_s": round(total / seconds)})
        for workers in (1, 2):
            startup, seconds, records = run_dask(folder, workers, args.as_of)
            rows.append({"runner": f"dask {workers} worker(s)", "startup_s": round(startup, 2), "seconds": round(seconds, 2),
                         "req_per_s": round(records / seconds)})
    print(json.dumps({"requests": total, "files": args.files, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
