"""Where ``validate()`` spends its time on the benchmark's agent and long payloads, rule by rule.

    python benchmarks/profile_rules.py [TOP]   # TOP: how many checks to list (default 8)

Each check is wrapped and timed (the wrapping adds its own cost, so the totals run higher than
in ``run.py``); every figure is divided by ``json.loads`` of the same body in the same run.
"""

from __future__ import annotations

import collections
import json
import sys
import time
from pathlib import Path
from typing import Any, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent))

import payloads  # noqa: E402

from claude_preflight import validate  # noqa: E402
from claude_preflight.engine import runner  # noqa: E402
from claude_preflight.engine.scan import scan  # noqa: E402
from claude_preflight.redact import PREFIX as SECRET_PREFIX  # noqa: E402

AS_OF = "2026-12-04"


def main() -> None:
    bodies = payloads.fixed()
    original = runner.steps_for
    cost: collections.Counter[str] = collections.Counter()

    def timed_steps(ctx: Any, use_index: Any) -> Iterator[Any]:
        for rule, fn, params in original(ctx, use_index):
            def wrapped(c: Any, p: Any, fn: Any = fn, code: str = rule.code) -> list[Any]:
                start = time.perf_counter()
                hits = list(fn(c, p))
                cost[code] += time.perf_counter() - start
                return hits
            yield rule, wrapped, params

    top = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    for name, rounds in (("agent", 20), ("long", 3)):
        body = bodies[name]
        validate(body, as_of=AS_OF)
        cost.clear()
        runner.steps_for = timed_steps  # type: ignore[assignment]
        start = time.perf_counter()
        for _ in range(rounds):
            validate(body, as_of=AS_OF)
        total = (time.perf_counter() - start) / rounds
        runner.steps_for = original
        text = json.dumps(body)
        start = time.perf_counter()
        for _ in range(rounds):
            json.loads(text)
        loads = (time.perf_counter() - start) / rounds
        start = time.perf_counter()
        for _ in range(rounds):
            scan(body, SECRET_PREFIX)
        shared = (time.perf_counter() - start) / rounds
        checks = sum(cost.values()) / rounds
        print(f"{name}: validate {total / loads:.2f}x json.loads; checks {checks / loads:.2f}x; "
              f"context and scan {(total - checks) / loads:.2f}x (the shared body scan alone {shared / loads:.2f}x)")
        for code, spent in cost.most_common(top):
            print(f"   {code} {spent / rounds / loads:.2f}x")


if __name__ == "__main__":
    main()
