"""Check one JSONL batch file the way ``claude-preflight check FILE --jobs N`` does, and print
a one-line JSON summary (used by ``benchmarks/run.py``; handy on its own too).

    python benchmarks/batch_check.py FILE [--jobs N] [--as-of DATE] [--fast-path on|off] [--orjson on|off]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file")
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (0: number of cores)")
    parser.add_argument("--as-of", default=None)
    parser.add_argument("--fast-path", choices=("on", "off"), default="on", help="the acceptor (claude_preflight.engine.acceptor)")
    parser.add_argument("--orjson", choices=("on", "off"), default="on",
                        help="read JSON with orjson where exact (claude-preflight[fast]; off: the standard library only)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import fast_hook

    fast_hook.install(args.fast_path == "on")
    if args.orjson == "off":
        from claude_preflight.files import documents

        documents._FAST[:] = [None]
    from claude_preflight.catalogue import load_catalogue
    from claude_preflight.config import load_config
    from claude_preflight.dates import parse_moment
    from claude_preflight.files.batch import check_jsonl
    from claude_preflight.files.checking import Checker, Options

    options = Options(catalogue=load_catalogue(), as_of=parse_moment(args.as_of) if args.as_of else None, config=load_config(args.file))
    result = check_jsonl(args.file, options, args.jobs or None, whole_file=Checker(options).check_whole_file)
    seconds = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024
    print(json.dumps({"requests": result.requests, "findings": len(result.findings), "problems": len(result.problems),
                      "seconds": seconds, "maxrss_self_mb": own * scale / 1e6, "maxrss_child_mb": children * scale / 1e6}))
    return 1 if result.problems or any(f.severity == "error" for f in result.findings) else 0


if __name__ == "__main__":
    sys.exit(main())
