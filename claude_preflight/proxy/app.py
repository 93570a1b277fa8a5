"""The aiohttp application: guard the request line, read and check the body, forward.

Forwarding is faithful: every end-to-end header (credentials untouched), the raw path and
query string, the body byte for byte unless ``fix`` changed it, the upstream status,
headers and body (compressed bodies stay compressed), with server-sent events written
to the client as each chunk arrives.
"""

from __future__ import annotations

import asyncio
import io
import ipaddress
import json
from typing import Any, AsyncIterator

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from claude_preflight.proxy.checking import THREAD_THRESHOLD, Checker, Route, Verdict
from claude_preflight.proxy.logs import Event, EventLog
from claude_preflight.proxy.settings import LOOPBACK_NAMES, ProxySettings, upstream_origin

CHECKER: web.AppKey[Checker] = web.AppKey("checker", Checker)
LOG: web.AppKey[EventLog] = web.AppKey("log", EventLog)
SESSION: web.AppKey[aiohttp.ClientSession] = web.AppKey("session", aiohttp.ClientSession)

# Hop-by-hop headers (RFC 9110 7.6.1) and those the proxy recomputes; never forwarded.
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers", "transfer-encoding", "upgrade", "expect", "host", "content-length"}
)
CODES_HEADER = "x-claude-preflight-codes"
FIXED_HEADER = "x-claude-preflight-fixed"
READ_CHUNK = 256 * 1024
LARGE_BODY = 1 << 20
# aiohttp 3.10+ tells a connect timeout apart; 3.9 reports both kinds alike.
CONNECT_TIMEOUT: Any = getattr(aiohttp, "ConnectionTimeoutError", ())


def build_app(settings: ProxySettings, checker: Checker, log: EventLog) -> web.Application:
    """The proxy as an aiohttp application (serve it with ``handler_cancellation=True`` so
    that a client that disconnects cancels its upstream call)."""
    app = web.Application(client_max_size=2**63)  # the body is read (and limited) by the handler
    app[CHECKER] = checker
    app[LOG] = log
    app.cleanup_ctx.append(_session(settings))
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


def _session(settings: ProxySettings) -> Any:
    async def context(app: web.Application) -> Any:
        timeout = aiohttp.ClientTimeout(total=None, connect=settings.connect_timeout, sock_connect=settings.connect_timeout, sock_read=settings.read_timeout)
        connector = aiohttp.TCPConnector(limit=settings.max_connections, limit_per_host=0)
        # auto_decompress off: the client receives the upstream's bytes as sent. trust_env off:
        # no proxy variables or .netrc credentials are added to anyone's requests.
        async with aiohttp.ClientSession(connector=connector, timeout=timeout, auto_decompress=False, trust_env=False, cookie_jar=aiohttp.DummyCookieJar()) as session:
            app[SESSION] = session
            yield

    return context


# ----------------------------------------------------------------------------- errors


def error_response(status: int, error_type: str, message: str, codes: list[str] | None = None, retry: bool = False) -> web.Response:
    """A local answer in the API's own error shape, so SDKs raise their usual exceptions."""
    body = {"type": "error", "error": {"type": error_type, "message": message}}
    headers = {"x-should-retry": "true" if retry else "false"}
    if codes:
        headers[CODES_HEADER] = ",".join(codes)
    return web.Response(status=status, text=json.dumps(body, ensure_ascii=False), content_type="application/json", headers=headers)


def relay_problem(request: web.BaseRequest, settings: ProxySettings) -> str | None:
    """Why this request must not be forwarded (an open-relay attempt), or ``None``."""
    target = request.raw_path  # the request-target as sent: absolute-form when it names a host
    if not target.startswith("/") or target.startswith("//"):
        return f"request target {target[:200]!r} (absolute-form or authority-form): this proxy forwards only to {settings.upstream_base}"
    if request.method == "CONNECT":
        return "CONNECT is not supported: this proxy forwards only to " + settings.upstream_base
    host = request.headers.get("Host", "")
    name = _host_name(host)
    if name is None or not _host_allowed(name, settings):
        return f"Host {host[:200]!r} is not this proxy: it forwards only to {settings.upstream_base} (add --allow-host {name or 'NAME'} for a name that reaches it)"
    if any(segment in (".", "..") for segment in request.path.split("/")):
        return "a path with '.' or '..' segments could leave the upstream's path prefix"
    return None


def _host_name(value: str) -> str | None:
    text = value.strip().lower()
    if not text:
        return None
    if text.startswith("["):
        end = text.find("]")
        return text[1:end] if end > 0 else None
    name, _, port = text.partition(":")
    if port and not port.isdigit():
        return None
    return name


def _host_allowed(name: str, settings: ProxySettings) -> bool:
    if name in LOOPBACK_NAMES or name in (h.lower() for h in settings.allow_hosts):
        return True
    if name == settings.host.lower().strip("[]") and settings.host not in ("0.0.0.0", "::"):
        return True
    if name == upstream_origin(settings.upstream)[1]:
        return True  # a client that names the real API host still reaches only that host
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


# ----------------------------------------------------------------------------- handler


async def handle(request: web.Request) -> web.StreamResponse:
    checker = request.app[CHECKER]
    log = request.app[LOG]
    settings = checker.settings
    event = Event(request.method, request.path)
    try:
        response = await _handle(request, checker, settings, event)
        if event.status is None:
            event.status = response.status
        return response
    except asyncio.CancelledError:
        event.action, event.note = "failed", "the client disconnected; the upstream call was cancelled"
        raise
    finally:
        log.request(event)


async def _handle(request: web.Request, checker: Checker, settings: ProxySettings, event: Event) -> web.StreamResponse:
    problem = relay_problem(request, settings)
    if problem is not None:
        event.action, event.note = "refused", problem
        return error_response(421, "invalid_request_error", f"claude-preflight proxy: {problem}")
    route = checker.route(request.method, request.raw_path)
    event.surface = route.surface
    headers = list(request.headers.items())
    data, streamed, over = await _body(request, route)
    if over:
        return _too_large(event, request.content_length, route)
    if streamed is not None:
        cap = route.limit.limit if route.limit else 0
        verdict = Verdict("forward", note=f"body over {cap} bytes, more than is buffered for a route with no stated size limit: forwarded unchecked")
    else:
        verdict = await _check(checker, route, headers, data)
    _record(event, verdict)
    if verdict.action == "block":
        event.action = "blocked"
        return error_response(verdict.status, verdict.error_type, verdict.message, verdict.codes)
    payload: Any = data
    if verdict.body is not None:
        payload = verdict.body
        event.action = "fixed"
    elif streamed is not None:
        payload = streamed
    elif data is None and request.body_exists:
        payload = request.content  # not a checked body: streamed through
    return await forward(request, settings, payload, event, verdict)


def _too_large(event: Event, declared: int | None, route: Route) -> web.StreamResponse:
    assert route.limit is not None
    event.action = "blocked"
    said = f"{declared} bytes" if declared is not None and declared > route.limit.limit else "more bytes"
    event.note = f"body of {said} is over the {route.limit.limit}-byte limit ({route.limit.code})"
    message = f"claude-preflight: the request body ({said}) exceeds the API's {route.limit.limit}-byte limit for this endpoint ({route.limit.code}); nothing was sent"
    return error_response(413, "request_too_large", message, [route.limit.code])


async def _body(request: web.Request, route: Route) -> tuple[bytes | None, AsyncIterator[bytes] | None, bool]:
    """``(body to check, stream to pass through unchecked, over the API's limit?)``.

    Without a limit (uploads, GETs, unknown routes) nothing is read here. Over an enforced
    limit, reading stops at the limit; over a mere buffering cap, what was read and the
    rest are streamed through."""
    limit = route.limit
    if limit is None:
        return None, None, False
    declared = request.content_length
    if declared is not None and declared > limit.limit:
        return None, (None if limit.enforced else _rest(b"", request)), limit.enforced
    data, rest = await _read_limited(request, limit.limit)
    if rest is not None and limit.enforced:
        return None, None, True
    return data, rest, False


async def _read_limited(request: web.Request, limit: int) -> tuple[bytes | None, AsyncIterator[bytes] | None]:
    """``(body, None)``; or, as soon as the body exceeds ``limit``, ``(None, rest)`` where
    ``rest`` yields what was read and then the remainder (nothing more is buffered)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(READ_CHUNK):
        size += len(chunk)
        chunks.append(chunk)
        if size > limit:
            return None, _rest(b"".join(chunks), request)
    return b"".join(chunks), None


async def _rest(head: bytes, request: web.Request) -> AsyncIterator[bytes]:
    if head:
        yield head
    async for chunk in request.content.iter_chunked(READ_CHUNK):
        yield chunk


async def _check(checker: Checker, route: Route, headers: list[tuple[str, str]], data: bytes | None) -> Verdict:
    try:
        if data is not None and len(data) > THREAD_THRESHOLD:
            # A large body would hold the event loop (and every stream through it) for milliseconds.
            return await asyncio.get_running_loop().run_in_executor(None, checker.check, route, headers, data)
        return checker.check(route, headers, data)
    except Exception as exc:  # a fault of the checker must never stop a request the API may accept
        return Verdict("forward", note=f"claude-preflight could not check this request ({type(exc).__name__}); forwarded unchecked")


def _record(event: Event, verdict: Verdict) -> None:
    if verdict.report is not None:
        event.model = verdict.report.model
        event.findings = verdict.report.findings
    event.fixes = verdict.fixes
    event.note = verdict.note


# ----------------------------------------------------------------------------- forwarding


def upstream_headers(request: web.Request, length: int | None) -> CIMultiDict[str]:
    listed = {token.strip().lower() for value in request.headers.getall("Connection", []) for token in value.split(",")}
    headers: CIMultiDict[str] = CIMultiDict()
    for name, value in request.headers.items():
        low = name.lower()
        if low in HOP_BY_HOP or low in listed:
            continue
        headers.add(name, value)
    if length is not None:
        headers["Content-Length"] = str(length)
    return headers


def _response_headers(upstream: aiohttp.ClientResponse, verdict: Verdict) -> CIMultiDict[str]:
    listed = {token.strip().lower() for value in upstream.headers.getall("Connection", []) for token in value.split(",")}
    headers: CIMultiDict[str] = CIMultiDict()
    for name, value in upstream.headers.items():
        low = name.lower()
        if low in HOP_BY_HOP or low in listed:
            continue
        headers.add(name, value)
    if verdict.fixes:
        headers[FIXED_HEADER] = ",".join(dict.fromkeys(fix.split(" ", 1)[0] for fix in verdict.fixes))
    return headers


SKIP_AUTO = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")


async def forward(request: web.Request, settings: ProxySettings, payload: Any, event: Event, verdict: Verdict) -> web.StreamResponse:
    """Send the request upstream and stream the answer back as it arrives."""
    from yarl import URL

    session = request.app[SESSION]
    url = URL(settings.upstream_base + request.raw_path, encoded=True)
    length: int | None = None
    if isinstance(payload, bytes):
        length = len(payload)
        if len(payload) > LARGE_BODY:
            payload = io.BytesIO(payload)  # written in chunks, not in one event-loop step
    elif payload is not None:
        length = request.content_length
    headers = upstream_headers(request, length)
    response: web.StreamResponse | None = None
    try:
        async with session.request(request.method, url, headers=headers, data=payload, allow_redirects=False, skip_auto_headers=SKIP_AUTO, compress=None) as upstream:
            response = web.StreamResponse(status=upstream.status, reason=upstream.reason, headers=_response_headers(upstream, verdict))
            if upstream.headers.get("Content-Length") is not None and "Transfer-Encoding" not in upstream.headers:
                response.content_length = upstream.content_length
            event.status = upstream.status
            await response.prepare(request)
            while True:
                try:
                    chunk = await upstream.content.readany()
                except (aiohttp.ClientPayloadError, aiohttp.ClientConnectionError, asyncio.TimeoutError) as exc:
                    await _broken_stream(request, response, upstream, event, exc)
                    return response
                if not chunk:
                    break
                await response.write(chunk)  # waits while the client is slow; raises if it left
            await response.write_eof()
            return response
    except ConnectionResetError as exc:  # aiohttp's connection-reset errors subclass it
        if response is None and request.transport is not None and not request.transport.is_closing():
            return _unreachable(event, settings, exc)  # the upstream reset while we were sending
        event.action, event.note = "failed", "the client disconnected; the upstream call was cancelled"
        return response if response is not None else web.Response(status=499)
    except asyncio.TimeoutError as exc:
        if response is not None:
            raise
        event.action = "failed"
        if isinstance(exc, CONNECT_TIMEOUT):
            what = f"could not connect to the upstream {settings.upstream_base} within {settings.connect_timeout:g} s"
        else:
            what = f"the upstream {settings.upstream_base} did not answer within {settings.read_timeout:g} s"
        event.note = what
        return error_response(504, "timeout_error", f"claude-preflight proxy: {what}", retry=True)
    except aiohttp.ClientError as exc:
        if response is not None:
            raise
        return _unreachable(event, settings, exc)


def _unreachable(event: Event, settings: ProxySettings, exc: BaseException) -> web.Response:
    event.action = "failed"
    event.note = f"upstream failure: {_describe(exc)}"
    return error_response(502, "api_error", f"claude-preflight proxy: cannot reach the upstream {settings.upstream_base}: {_describe(exc)}", retry=True)


async def _broken_stream(request: web.Request, response: web.StreamResponse, upstream: aiohttp.ClientResponse, event: Event, exc: BaseException) -> None:
    """The upstream failed after the status line was sent: tell an SSE client with an error
    event, then drop the connection so that no client mistakes the rest for a clean end."""
    what = "the upstream timed out" if isinstance(exc, asyncio.TimeoutError) else f"the upstream connection broke ({_describe(exc)})"
    event.action, event.note = "failed", f"{what} mid-response"
    if upstream.headers.get("Content-Type", "").startswith("text/event-stream"):
        data = {"type": "error", "error": {"type": "api_error", "message": f"claude-preflight proxy: {what} mid-stream"}}
        try:
            await response.write(f"\n\nevent: error\ndata: {json.dumps(data)}\n\n".encode())
        except ConnectionResetError:  # the client left (aiohttp's own error subclasses it)
            pass
    if request.transport is not None:
        request.transport.close()


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text[:300]
