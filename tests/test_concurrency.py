"""validate() from many threads and from asyncio at once: the same results as one at a time,
shared request objects left untouched, and one catalogue per set of files even when the
first loads race."""

from __future__ import annotations

import asyncio
import json
import random
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator

import pytest

from claude_preflight import validate
from claude_preflight.catalogue import load_catalogue
from claude_preflight.engine import runner
from claude_preflight.files.checking import Options, check_paths
from claude_preflight.report import Report
from conftest import REPO

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from fuzz.corpus import Seed, seeds  # noqa: E402

WORKERS = 8
ROUNDS = 3


def outcome(report: Report) -> tuple[tuple[str, str, str, str], ...]:
    return tuple((f.code, f.severity, f.path, f.message) for f in report.findings)


def fingerprint(body: Any) -> str:
    return json.dumps(body, sort_keys=False, default=repr)


@pytest.fixture
def busy_switching() -> Iterator[None]:
    """Switch threads as often as possible, so that races have every chance to show."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


def requests() -> list[Seed]:
    found = list(seeds())
    assert len(found) > 20, "the seed corpus should hold the examples and the catalogue's good examples"
    return found


def test_thread_pool_over_shared_requests(busy_switching: None) -> None:
    corpus = requests()
    expected = [outcome(validate(s.body, **s.kwargs())) for s in corpus]
    before = [fingerprint(s.body) for s in corpus]
    jobs = [i for i in range(len(corpus)) for _ in range(ROUNDS)]
    random.Random(20261124).shuffle(jobs)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(lambda i: (i, outcome(validate(corpus[i].body, **corpus[i].kwargs()))), jobs))
    mismatched = [corpus[i].name for i, got in results if got != expected[i]]
    assert not mismatched, f"results differ from the sequential run for {sorted(set(mismatched))}"
    assert [fingerprint(s.body) for s in corpus] == before, "a request object was modified"


def test_asyncio_gather(busy_switching: None) -> None:
    corpus = requests()[:60]
    expected = [outcome(validate(s.body, **s.kwargs())) for s in corpus]

    async def direct(seed: Seed) -> tuple[Any, ...]:
        await asyncio.sleep(0)
        return outcome(validate(seed.body, **seed.kwargs()))

    async def in_thread(seed: Seed) -> tuple[Any, ...]:
        return outcome(await asyncio.to_thread(validate, seed.body, **seed.kwargs()))

    async def everything() -> list[tuple[Any, ...]]:
        jobs = [direct(s) for s in corpus] + [in_thread(s) for s in corpus] * 2
        return list(await asyncio.gather(*jobs))

    results = asyncio.run(everything())
    assert results == expected * 3


def test_racing_first_loads_share_one_catalogue(tmp_path: Path, busy_switching: None) -> None:
    path = tmp_path / "org.yaml"
    path.write_text("rules:\n  - code: LC001\n    severity: error\n", encoding="utf-8")
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        loaded = list(pool.map(lambda _: load_catalogue([path]), range(WORKERS * 4)))
    assert all(c is loaded[0] for c in loaded)
    body = {"model": "not-a-model", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        severities = set(pool.map(lambda c: next(f.severity for f in validate(body, catalogue=c, as_of="2026-11-24") if f.code == "LC001"),
                                  loaded))
    assert severities == {"error"}


def test_rule_selection_cache_cleared_under_contention(monkeypatch: pytest.MonkeyPatch, busy_switching: None) -> None:
    """A tiny selection cache is cleared constantly while other threads read it."""
    monkeypatch.setattr(runner, "_SELECTION_LIMIT", 2)
    contexts = [{"surface": s, "api_version": v} for s in ("anthropic", "bedrock", "vertex", "foundry") for v in (None, "2023-06-01")]
    models = ["claude-opus-4-8", "claude-sonnet-4-6", "claude-haiku-4-5-20251001", "claude-opus-5-5"]
    cases = [(m, c) for m in models for c in contexts]

    def run(case: tuple[str, dict[str, Any]]) -> tuple[Any, ...]:
        model, context = case
        body = {"model": model, "max_tokens": 64, "messages": [{"role": "user", "content": "hello"}]}
        return outcome(validate(body, as_of="2026-11-24", **context))

    expected = [run(c) for c in cases]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(run, cases * 4))
    assert results == expected * 4


def test_file_checking_in_parallel(tmp_path: Path, busy_switching: None) -> None:
    folders = []
    for index in range(6):
        folder = tmp_path / f"project{index}"
        folder.mkdir()
        for name in sorted((REPO / "examples").glob("*/*")):
            (folder / f"{name.parent.name}-{name.name}").write_bytes(name.read_bytes())
        folders.append(folder)
    options = Options(catalogue=load_catalogue(), as_of=None)

    def check(folder: Path) -> list[tuple[Any, ...]]:
        found = []
        for result in check_paths([str(folder)], options):
            rel = Path(result.path).name
            found.append((rel, tuple((f.code, f.line, f.column, f.path) for f in result.findings), len(result.problems)))
        return found

    expected = check(folders[0])
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(check, folders * 2))
    assert all(r == expected for r in results)
