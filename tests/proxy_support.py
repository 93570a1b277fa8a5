"""Test support for the proxy: a fake Claude API upstream and a thread that serves both.

The fake upstream records every request it receives (method, raw path, headers, body
bytes) and behaves as the ``x-fake`` request header says: ``json`` (default: a Messages
answer, or an SSE stream when the body asks for ``"stream": true``), ``slow-sse`` (events
with pauses), ``hang`` (never answers), ``drop`` (closes the connection at once),
``drop-mid-stream`` (sends part of an SSE stream, then closes), ``big`` (a long chunked
body), or ``status-NNN`` (the API's error shape with that status).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Iterator

from aiohttp import web

from claude_preflight.config import Config
from claude_preflight.proxy.logs import EventLog
from claude_preflight.proxy.server import make_checker, running
from claude_preflight.proxy.settings import ProxySettings


@dataclass
class Received:
    method: str
    raw_path: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def json(self) -> Any:
        return json.loads(self.body)


def message_answer(text: str, model: str = "claude-sonnet-4-6") -> dict[str, Any]:
    return {
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 5},
    }


def sse_events(text: str, model: str = "claude-sonnet-4-6", pieces: int = 3) -> list[bytes]:
    """A realistic Messages stream whose text deltas spell ``text``."""
    start = message_answer("", model)
    start["content"], start["stop_reason"] = [], None
    step = max(1, -(-len(text) // pieces))
    chunks = [text[i : i + step] for i in range(0, len(text), step)] or [""]
    events: list[tuple[str, dict[str, Any]]] = [("message_start", {"type": "message_start", "message": start})]
    events.append(("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}))
    events.append(("ping", {"type": "ping"}))
    for chunk in chunks:
        events.append(("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": chunk}}))
    events.append(("content_block_stop", {"type": "content_block_stop", "index": 0}))
    events.append(("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": 5}}))
    events.append(("message_stop", {"type": "message_stop"}))
    return [f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in events]


def echo_text(body: bytes) -> str:
    """The text the fake upstream answers with: the last user message's text, or 'hello'."""
    try:
        data = json.loads(body)
        content = data["messages"][-1]["content"]
        return content if isinstance(content, str) else str(content[0].get("text", "hello"))
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return "hello"


class FakeUpstream:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.disconnected = 0  # handlers cancelled because the proxy closed the connection
        self.slow_delay = 0.05

    def app(self) -> web.Application:
        app = web.Application(client_max_size=2**31)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.received.append(Received(request.method, request.raw_path, list(request.headers.items()), body))
        behaviour = request.headers.get("x-fake", "json")
        try:
            return await self._answer(request, behaviour, body)
        except asyncio.CancelledError:
            self.disconnected += 1
            raise

    async def _answer(self, request: web.Request, behaviour: str, body: bytes) -> web.StreamResponse:
        streaming = b'"stream": true' in body or b'"stream":true' in body
        if behaviour.startswith("status-"):
            status = int(behaviour.split("-", 1)[1])
            error = {"type": "error", "error": {"type": "overloaded_error" if status == 529 else "api_error", "message": f"fake {status}"}}
            return web.json_response(error, status=status, headers={"request-id": "req_fake"})
        if behaviour == "hang":
            await asyncio.sleep(3600)
        if behaviour == "drop":
            assert request.transport is not None
            request.transport.close()
            return web.Response()
        if behaviour == "big":
            response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
            await response.prepare(request)
            for i in range(64):
                await response.write(bytes([65 + i % 26]) * 65536)
            await response.write_eof()
            return response
        text = echo_text(body)
        if not streaming and behaviour == "json":
            return web.json_response(message_answer(text), headers={"request-id": "req_fake"})
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "request-id": "req_fake"})
        await response.prepare(request)
        events = sse_events(text)
        for index, event in enumerate(events):
            if behaviour == "drop-mid-stream" and index == 3:
                assert request.transport is not None
                request.transport.close()
                return response
            await response.write(event)
            if behaviour == "slow-sse":
                await asyncio.sleep(self.slow_delay)
        await response.write_eof()
        return response


@dataclass
class Stack:
    upstream_url: str
    proxy_url: str
    upstream: FakeUpstream
    lines: list[str] = field(default_factory=list)
    loop: asyncio.AbstractEventLoop | None = None

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines if line.startswith("{")]

    def settle(self, quiet: float = 0.02, timeout: float = 2.0) -> None:
        """Wait until no log line has arrived for ``quiet`` seconds (the last handlers ended)."""
        deadline = time.monotonic() + timeout
        seen = -1
        while len(self.lines) != seen and time.monotonic() < deadline:
            seen = len(self.lines)
            time.sleep(quiet)

    def requests(self, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The request events, once at least ``count`` are written (a line is written when
        the proxy's handler ends, which can be just after the client has its answer)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [e for e in self.events() if e.get("event") == "request"]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.005)


class _Lines:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def write(self, text: str) -> int:
        self.lines.extend(line for line in text.splitlines() if line)
        return len(text)

    def flush(self) -> None:
        pass


class Servers:
    """A fake upstream and a proxy in front of it, served by an event loop in a thread."""

    def __init__(self, config: Config | None = None, **settings: Any) -> None:
        self.config = config or Config()
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._stop: asyncio.Event | None = None
        self._done = threading.Event()

    def __enter__(self) -> Stack:
        self.thread.start()
        ready: asyncio.Future[Stack] = asyncio.run_coroutine_threadsafe(self._start(), self.loop)  # type: ignore[assignment]
        return ready.result(timeout=30)

    async def _start(self) -> Stack:
        upstream = FakeUpstream()
        self._upstream_runner = web.AppRunner(upstream.app(), handler_cancellation=True, access_log=None)
        await self._upstream_runner.setup()
        site = web.TCPSite(self._upstream_runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        upstream_url = self.settings.pop("upstream", None) or f"http://127.0.0.1:{port}"
        settings = ProxySettings(upstream=upstream_url, port=0, log_format="json", **self.settings)
        lines: list[str] = []
        checker = make_checker(settings, self.config)
        self._proxy = running(settings, checker, EventLog("json", _Lines(lines)))  # type: ignore[arg-type]
        proxy_url = await self._proxy.__aenter__()
        return Stack(upstream_url, proxy_url, upstream, lines, self.loop)

    async def _close(self) -> None:
        await self._proxy.__aexit__(None, None, None)
        await self._upstream_runner.cleanup()

    def __exit__(self, *exc: Any) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


def run_in(stack: Stack, make: Callable[[], Awaitable[Any]], timeout: float = 30) -> Any:
    """Run a coroutine on the servers' loop (to inspect state there)."""
    assert stack.loop is not None
    return asyncio.run_coroutine_threadsafe(make(), stack.loop).result(timeout)  # type: ignore[arg-type]


def iter_sse(text: str) -> Iterator[tuple[str, str]]:
    for block in text.split("\n\n"):
        name = data = ""
        for line in block.splitlines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data = line[5:].strip()
        if name:
            yield name, data
