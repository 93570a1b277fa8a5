"""The proxy under faults and load, bounded in count and time: an upstream that is down,
hangs, drops the connection or dies mid-stream; clients that disconnect or read slowly;
bodies at and over the API's size limit; many concurrent streams; a soak for memory."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import socket
import subprocess
import time
import tracemalloc
import uuid
from typing import Any, Iterator

import pytest

aiohttp = pytest.importorskip("aiohttp")
anthropic = pytest.importorskip("anthropic")
httpx = pytest.importorskip("httpx2")

from claude_preflight.catalogue import load_catalogue  # noqa: E402
from claude_preflight.dates import parse_moment  # noqa: E402
from claude_preflight.proxy.checking import size_limits  # noqa: E402
from conftest import CATALOGUE_DATE  # noqa: E402
from proxy_support import Servers, Stack, iter_sse  # noqa: E402

AS_OF = parse_moment(CATALOGUE_DATE)
FAKE_KEY = "sk-ant-api03-" + "Qw7" * 12 + "-faultsAA"
HEADERS = {"content-type": "application/json", "anthropic-version": "2023-06-01", "x-api-key": FAKE_KEY}
SLOW = os.environ.get("CLAUDE_PREFLIGHT_SLOW_TESTS") == "1"


def body(text: str, model: str = "claude-sonnet-4-6", **extra: Any) -> dict[str, Any]:
    return {"model": model, "max_tokens": 64, "messages": [{"role": "user", "content": text}], **extra}


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with Servers(mode="block", as_of=AS_OF) as servers:
        yield servers


@pytest.fixture(autouse=True)
def _fresh(request: pytest.FixtureRequest) -> None:
    if "stack" in request.fixturenames:
        stack = request.getfixturevalue("stack")
        stack.settle()
        stack.upstream.received.clear()
        stack.lines.clear()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def api_error(response: Any) -> tuple[str, str]:
    data = response.json()
    assert data["type"] == "error"
    return data["error"]["type"], data["error"]["message"]


# ----------------------------------------------------------------------------- upstream faults


def test_upstream_down_is_a_clear_502() -> None:
    with Servers(upstream=f"http://127.0.0.1:{closed_port()}", connect_timeout=2) as down:
        response = httpx.post(down.proxy_url + "/v1/messages", json=body("hi"), headers=HEADERS)
        assert response.status_code == 502
        kind, message = api_error(response)
        assert kind == "api_error" and "cannot reach the upstream" in message
        assert down.requests()[0]["action"] == "failed"


def test_upstream_that_hangs_is_a_clear_504() -> None:
    with Servers(read_timeout=0.3) as slow:
        client = anthropic.Anthropic(base_url=slow.proxy_url, api_key=FAKE_KEY, max_retries=0, default_headers={"x-fake": "hang"})
        with client, pytest.raises(anthropic.InternalServerError) as caught:
            client.messages.create(model="claude-sonnet-4-6", max_tokens=64, messages=[{"role": "user", "content": "hi"}])
        assert caught.value.status_code == 504
        assert caught.value.body["error"]["type"] == "timeout_error"  # type: ignore[index]
        assert "did not answer within 0.3 s" in caught.value.message


def test_upstream_dropping_the_connection_is_a_502(stack: Stack) -> None:
    response = httpx.post(stack.proxy_url + "/v1/messages", json=body("hi"), headers={**HEADERS, "x-fake": "drop"})
    assert response.status_code == 502
    assert api_error(response)[0] == "api_error"


def test_upstream_dying_mid_stream_is_not_a_clean_end(stack: Stack) -> None:
    client = anthropic.Anthropic(base_url=stack.proxy_url, api_key=FAKE_KEY, max_retries=0, default_headers={"x-fake": "drop-mid-stream"})
    with client, pytest.raises((anthropic.APIError, httpx.HTTPError)):
        with client.messages.stream(model="claude-sonnet-4-6", max_tokens=64, messages=[{"role": "user", "content": "abcdefghi"}]) as stream:
            for _ in stream.text_stream:
                pass
    done = subprocess.run(
        ["curl", "-sS", "-N", "--max-time", "20", stack.proxy_url + "/v1/messages", "-H", "x-fake: drop-mid-stream", "-H", "content-type: application/json", "-H", "anthropic-version: 2023-06-01",
         "--data-binary", json.dumps(body("abcdefghi", stream=True))],
        capture_output=True, text=True, timeout=30,
    )
    events = [name for name, _ in iter_sse(done.stdout)]
    assert events[:3] == ["message_start", "content_block_start", "ping"] and events[-1] == "error"
    assert done.returncode != 0  # curl saw the connection end before the final chunk
    assert "mid-response" in stack.requests(2)[-1]["note"]


def test_client_disconnect_cancels_the_upstream_call(stack: Stack) -> None:
    async def leave_early() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(asyncio.TimeoutError):
                async with session.post(stack.proxy_url + "/v1/messages", json=body("wait"), headers={**HEADERS, "x-fake": "hang"}, timeout=aiohttp.ClientTimeout(total=0.3)):
                    pass

    before = stack.upstream.disconnected
    asyncio.run(leave_early())
    deadline = time.monotonic() + 10
    while stack.upstream.disconnected == before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert stack.upstream.disconnected == before + 1
    assert "client disconnected" in stack.requests()[0]["note"]


def test_slow_client_gets_every_byte_while_others_are_served(stack: Stack) -> None:
    expected = b"".join(bytes([65 + i % 26]) * 65536 for i in range(64))
    with socket.create_connection(("127.0.0.1", int(stack.proxy_url.rsplit(":", 1)[1]))) as sock:
        sock.sendall(b"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nanthropic-version: 2023-06-01\r\nx-fake: big\r\nConnection: close\r\n\r\n")
        received = sock.recv(4096)
        time.sleep(0.3)  # the client stalls; the proxy must keep serving others
        quick = httpx.post(stack.proxy_url + "/v1/messages", json=body("meanwhile"), headers=HEADERS, timeout=10)
        assert quick.json()["content"][0]["text"] == "meanwhile"
        chunks = [received]
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    head, _, payload = b"".join(chunks).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    if b"transfer-encoding: chunked" in head.lower():
        payload = _unchunk(payload)
    assert payload == expected


def _unchunk(data: bytes) -> bytes:
    out, pos = [], 0
    while True:
        end = data.index(b"\r\n", pos)
        size = int(data[pos:end].split(b";")[0], 16)
        if size == 0:
            return b"".join(out)
        out.append(data[end + 2 : end + 2 + size])
        pos = end + 2 + size + 2


# ----------------------------------------------------------------------------- size limits


def test_size_limit_comes_from_the_catalogue() -> None:
    limits = size_limits(load_catalogue())
    assert limits["messages"].limit == limits["count_tokens"].limit == 33554432 and limits["messages"].code == "LM001"
    assert limits["batch"].limit == 268435456 and limits["batch"].code == "EP002"


def test_body_of_32_mb_forwarded_and_over_the_limit_refused() -> None:
    with Servers(mode="warn", as_of=AS_OF) as stack:  # a 32 MB prompt also overflows the context window
        _size_limits(stack)


def _size_limits(stack: Stack) -> None:
    limit = size_limits(load_catalogue())["messages"].limit
    template = json.dumps(body("X")).encode()
    near = template.replace(b'"X"', b'"' + b"x" * (limit - len(template) - 1000) + b'"')
    assert limit - 2000 < len(near) <= limit
    response = httpx.post(stack.proxy_url + "/v1/messages", content=near, headers=HEADERS, timeout=60)
    assert response.status_code == 200
    assert stack.upstream.received[0].body == near
    over = near.replace(b'"xxxx', b'"xxxx' + b"y" * 3000, 1)
    assert len(over) > limit
    response = httpx.post(stack.proxy_url + "/v1/messages", content=over, headers=HEADERS, timeout=60)
    assert response.status_code == 413
    assert api_error(response)[0] == "request_too_large"
    assert response.headers["x-claude-preflight-codes"] == "LM001"

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is enforced while reading
        for start in range(0, len(over), 1 << 20):
            yield over[start : start + (1 << 20)]

    response = httpx.post(stack.proxy_url + "/v1/messages", content=chunks(), headers=HEADERS, timeout=60)
    assert response.status_code == 413
    assert len(stack.upstream.received) == 1
    # A route with no stated limit (Managed Agents): past the buffering cap, streamed through unchecked.
    response = httpx.post(stack.proxy_url + "/v1/agents", content=over, headers={**HEADERS, "anthropic-beta": "managed-agents-2026-04-01"}, timeout=60)
    assert response.status_code == 200
    assert stack.upstream.received[-1].body == over
    assert "forwarded unchecked" in stack.requests(4)[-1]["note"]


# ----------------------------------------------------------------------------- load


async def _stream_one(session: Any, url: str, token: str) -> str:
    async with session.post(url + "/v1/messages", json=body(token, stream=True), headers={**HEADERS, "x-fake": "slow-sse"}) as response:
        assert response.status == 200
        text = (await response.read()).decode()
    return "".join(json.loads(data)["delta"]["text"] for name, data in iter_sse(text) if name == "content_block_delta")


def test_200_concurrent_streams_none_lost_or_mixed(stack: Stack) -> None:
    stack.upstream.slow_delay = 0.02
    tokens = [f"stream-{i}-{uuid.uuid4().hex}" for i in range(200)]

    async def main() -> list[str]:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            return await asyncio.gather(*(_stream_one(session, stack.proxy_url, t) for t in tokens))

    assert asyncio.run(main()) == tokens
    assert sorted(json.loads(r.body)["messages"][0]["content"] for r in stack.upstream.received) == sorted(tokens)
    assert len(stack.requests(200)) == 200


def test_soak_memory_does_not_grow() -> None:
    """500 requests by default (10,000 with CLAUDE_PREFLIGHT_SLOW_TESTS=1): memory still
    allocated after the second half must not exceed what was allocated after the first.
    A proxy of its own, so that no earlier test's pooled connections warm up meanwhile."""
    with Servers(mode="block", as_of=AS_OF) as stack:
        _soak(stack)


def _soak(stack: Stack) -> None:
    total = 10_000 if SLOW else 500
    stack.upstream.slow_delay = 0.0
    kinds = [body("ok"), body("bad", model="claude-opus-4-8", temperature=0.5), body("s", stream=True)]

    async def batch(session: Any, count: int) -> None:
        async def one(i: int) -> None:
            async with session.post(stack.proxy_url + "/v1/messages", json=kinds[i % 3], headers=HEADERS) as response:
                await response.read()
                assert response.status == (400 if i % 3 == 1 else 200)

        for start in range(0, count, 20):
            await asyncio.gather(*(one(i) for i in range(start, min(start + 20, count))))
            stack.lines.clear()
            stack.upstream.received.clear()

    def retained() -> int:
        stack.settle()
        stack.lines.clear()
        stack.upstream.received.clear()
        gc.collect()
        return int(tracemalloc.get_traced_memory()[0])

    async def main() -> tuple[int, int]:
        async with aiohttp.ClientSession() as session:
            await batch(session, 60)  # warm-up: caches, connection pools
            tracemalloc.start()
            try:
                await batch(session, total // 2)
                first = retained()
                await batch(session, total - total // 2)
                return first, retained()
            finally:
                tracemalloc.stop()

    first, second = asyncio.run(main())
    # A leak of 1 KB per request would add 250 KB over the second half of the default run.
    assert second - first < 200_000, f"memory grew by {second - first} bytes over {total - total // 2} more requests (after {first})"
