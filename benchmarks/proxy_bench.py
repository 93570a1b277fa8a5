"""claude-preflight proxy benchmark: what the proxy adds, as ratios measured in the same run.

Run from the repository root with the proxy extra installed (``pip install -e '.[proxy]'``):

    python benchmarks/proxy_bench.py            # about a minute on 2 cores
    python benchmarks/proxy_bench.py --quick    # fewer rounds, a 2,000-request soak
    python benchmarks/proxy_bench.py --json proxy.json

A fake upstream (aiohttp, answering a fixed Messages response) and the proxy
(``python -m claude_preflight.proxy --mode warn``) run as separate processes on 127.0.0.1;
this process is the client (aiohttp, keep-alive connections).

``latency``     sequential requests direct to the upstream, through a bare aiohttp forwarder
                (the same hop with no checking) and through the proxy, in interleaved rounds
                (order rotated), for the small and the agent payload (benchmarks/payloads.py):
                p50 and p99 of each. Added = proxy minus direct; checking = proxy minus bare
                hop; both compared with ``validate()`` of the same body in this process
                (target: p50 added at most 1 ms for small, at most 2x validate() for agent).
``throughput``  32 concurrent clients for a few seconds: requests/s through the proxy, the
                bare forwarder and direct, and their ratios.
``soak``        10,000 requests (concurrency 16) through one proxy process: its resident
                memory after a warm-up and at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import payloads  # noqa: E402

AS_OF = "2026-11-24"
HEADERS = {"content-type": "application/json", "anthropic-version": "2023-06-01", "x-api-key": "sk-ant-api03-benchmark-not-a-key"}

UPSTREAM = r"""
import sys
from aiohttp import web
ANSWER = b'{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-6","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":1}}'
async def handle(request):
    await request.read()
    return web.Response(body=ANSWER, content_type="application/json")
app = web.Application(client_max_size=2**30)
app.router.add_route("*", "/{tail:.*}", handle)
async def main():
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(site._server.sockets[0].getsockname()[1], flush=True)
    import asyncio
    await asyncio.Event().wait()
import asyncio
asyncio.run(main())
"""


# The same forwarding with no checking at all: separates the cost of an extra HTTP hop in
# Python from the cost of the checks.
NULL_PROXY = r"""
import asyncio, sys
import aiohttp
from aiohttp import web
from yarl import URL
UPSTREAM = sys.argv[1]
DROP = {"host", "content-length", "connection", "transfer-encoding", "keep-alive"}
async def handle(request):
    session = request.app["session"]
    data = await request.read()
    headers = {k: v for k, v in request.headers.items() if k.lower() not in DROP}
    async with session.request(request.method, URL(UPSTREAM + request.raw_path, encoded=True), headers=headers, data=data,
                               skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type")) as upstream:
        response = web.StreamResponse(status=upstream.status, headers={k: v for k, v in upstream.headers.items() if k.lower() not in DROP})
        if upstream.content_length is not None:
            response.content_length = upstream.content_length
        await response.prepare(request)
        while chunk := await upstream.content.readany():
            await response.write(chunk)
        await response.write_eof()
        return response
async def session(app):
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), auto_decompress=False) as s:
        app["session"] = s
        yield
app = web.Application(client_max_size=2**30)
app.cleanup_ctx.append(session)
app.router.add_route("*", "/{tail:.*}", handle)
async def main():
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(site._server.sockets[0].getsockname()[1], flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
"""


def start_null_proxy(upstream: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-c", NULL_PROXY, upstream], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, f"http://127.0.0.1:{int(proc.stdout.readline())}"


def start_upstream() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-c", UPSTREAM], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, f"http://127.0.0.1:{int(proc.stdout.readline())}"


def start_proxy(upstream: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "claude_preflight.proxy", "--port", "0", "--upstream", upstream, "--mode", "warn",
                                 "--log-format", "json", "--no-config", "--as-of", AS_OF], stdout=out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = log.read_text(encoding="utf-8")
        if text.strip():
            return proc, json.loads(text.splitlines()[0])["url"]
        time.sleep(0.05)
    raise RuntimeError("the proxy did not start")


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def latency(session: Any, targets: list[tuple[str, str]], data: bytes, rounds: int, per_round: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name, _ in targets}
    for name, url in targets:  # warm-up
        for _ in range(20):
            async with session.post(url + "/v1/messages", data=data, headers=HEADERS) as response:
                await response.read()
    for r in range(rounds):
        k = r % len(targets)
        for name, url in targets[k:] + targets[:k]:
            for _ in range(per_round):
                start = time.perf_counter()
                async with session.post(url + "/v1/messages", data=data, headers=HEADERS) as response:
                    await response.read()
                times[name].append(time.perf_counter() - start)
    result = {}
    for name, values in times.items():
        result[f"{name}_p50_ms"] = percentile(values, 0.5) * 1000
        result[f"{name}_p99_ms"] = percentile(values, 0.99) * 1000
    for q in ("p50", "p99"):
        result[f"overhead_{q}_ms"] = result[f"proxy_{q}_ms"] - result[f"direct_{q}_ms"]
        result[f"hop_{q}_ms"] = result[f"null_{q}_ms"] - result[f"direct_{q}_ms"]
        result[f"checking_{q}_ms"] = result[f"proxy_{q}_ms"] - result[f"null_{q}_ms"]
    return result


def validate_ms(body: dict[str, Any], data: bytes) -> float:
    """Median time of what the proxy's check does in-process: parse the bytes and validate()."""
    from claude_preflight import validate

    samples = []
    for _ in range(7):
        number = 0
        start = time.perf_counter()
        while time.perf_counter() - start < 0.3:
            validate(json.loads(data), endpoint="POST /v1/messages", headers=HEADERS, as_of=AS_OF)
            number += 1
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples) * 1000


async def throughput(session: Any, url: str, data: bytes, seconds: float, workers: int = 32) -> float:
    done = 0
    stop = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal done
        while time.monotonic() < stop:
            async with session.post(url + "/v1/messages", data=data, headers=HEADERS) as response:
                await response.read()
            done += 1

    start = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return done / (time.monotonic() - start)


async def soak(session: Any, url: str, data: bytes, total: int, pid: int) -> dict[str, float]:
    async def run(count: int) -> None:
        queue = iter(range(count))

        async def worker() -> None:
            for _ in queue:
                async with session.post(url + "/v1/messages", data=data, headers=HEADERS) as response:
                    await response.read()

        await asyncio.gather(*(worker() for _ in range(16)))

    await run(500)
    warm = rss_mib(pid)
    await run(total // 2)
    middle = rss_mib(pid)
    await run(total - total // 2)
    end = rss_mib(pid)
    return {"requests": total, "rss_after_warmup_mib": warm, "rss_half_mib": middle, "rss_end_mib": end,
            "growth_second_half_mib": end - middle, "growth_total_mib": end - warm}


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    import aiohttp

    bodies = payloads.fixed()
    chosen = {"small": bodies["small"], "agent": bodies["agent"]}
    encoded = {name: json.dumps(body).encode() for name, body in chosen.items()}
    upstream, upstream_url = start_upstream()
    log = Path(tempfile.mkdtemp()) / "proxy.jsonl"
    proxy, proxy_url = start_proxy(upstream_url, log)
    null, null_url = start_null_proxy(upstream_url)
    targets = [("direct", upstream_url), ("null", null_url), ("proxy", proxy_url)]
    results: dict[str, Any] = {"latency": {}, "machine": {"cores": os.cpu_count(), "load": os.getloadavg()}}
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session:
            rounds, per_round = (6, 50) if args.quick else (12, 100)
            for name, data in encoded.items():
                found = await latency(session, targets, data, rounds, per_round)
                found["bytes"] = len(data)
                found["validate_ms"] = validate_ms(chosen[name], data)
                found["overhead_over_validate"] = found["overhead_p50_ms"] / found["validate_ms"]
                found["checking_over_validate"] = found["checking_p50_ms"] / found["validate_ms"]
                results["latency"][name] = found
            seconds = 2.0 if args.quick else 5.0
            small = encoded["small"]
            through = await throughput(session, proxy_url, small, seconds)
            direct = await throughput(session, upstream_url, small, seconds)
            hop = await throughput(session, null_url, small, seconds)
            results["throughput"] = {"proxy_rps": through, "null_proxy_rps": hop, "direct_rps": direct, "ratio": through / direct, "ratio_to_null": through / hop}
            results["soak"] = await soak(session, proxy_url, small, 2000 if args.quick else 10_000, proxy.pid)
    finally:
        for proc in (proxy, null, upstream):
            proc.terminate()
            proc.wait(timeout=20)
    return results


def report(results: dict[str, Any]) -> str:
    lines = ["proxy benchmark (ratios and differences from the same run)"]
    for name, r in results["latency"].items():
        lines.append(
            f"  latency {name:5} ({r['bytes']:,} B): direct p50 {r['direct_p50_ms']:.2f} ms p99 {r['direct_p99_ms']:.2f} ms; "
            f"proxy p50 {r['proxy_p50_ms']:.2f} ms p99 {r['proxy_p99_ms']:.2f} ms; "
            f"added p50 {r['overhead_p50_ms']:.2f} ms p99 {r['overhead_p99_ms']:.2f} ms "
            f"(a bare aiohttp hop: p50 {r['hop_p50_ms']:.2f} ms; checking: p50 {r['checking_p50_ms']:.2f} ms); "
            f"validate() {r['validate_ms']:.2f} ms -> added p50 = {r['overhead_over_validate']:.2f}x, checking = {r['checking_over_validate']:.2f}x validate()"
        )
    t = results["throughput"]
    lines.append(f"  throughput (32 clients, small): proxy {t['proxy_rps']:.0f} req/s, bare hop {t['null_proxy_rps']:.0f} req/s, direct {t['direct_rps']:.0f} req/s; "
                 f"proxy/direct {t['ratio']:.2f}, proxy/bare hop {t['ratio_to_null']:.2f}")
    s = results["soak"]
    lines.append(f"  soak {s['requests']:,} requests: proxy RSS {s['rss_after_warmup_mib']:.1f} MiB after warm-up, {s['rss_half_mib']:.1f} at half, "
                 f"{s['rss_end_mib']:.1f} at the end (second half {s['growth_second_half_mib']:+.1f} MiB)")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    results = asyncio.run(main_async(args))
    print(report(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
