"""PreflightMiddleware with the real anthropic SDK against a local HTTP server.

The server listens on 127.0.0.1 (port 0), records every request that reaches it
and answers like the API (Messages, streaming SSE, token counting, batches). No
test reaches the internet; credentials are fake strings built at run time.
"""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import threading
import uuid
import warnings
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

anthropic = pytest.importorskip("anthropic")

from claude_preflight import PreflightError, PreflightMiddleware  # noqa: E402
from claude_preflight.config import Config  # noqa: E402
from claude_preflight.middleware import PreflightWarning, RequestView, infer_surface, surface_of_client  # noqa: E402
from claude_preflight.report import Report  # noqa: E402

AS_OF = "2026-11-24"
SDK_VERSION = "2026-10-21"  # anthropic 2.x sends this anthropic-version by default


def fake_secret() -> str:
    return "fake-" + uuid.uuid4().hex


def body(model: str = "claude-sonnet-4-6", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"model": model, "max_tokens": 64, "messages": [{"role": "user", "content": "Hello"}]}
    data.update(extra)
    return data


# ----------------------------------------------------------------------------- server


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


def _message(model: str) -> dict[str, Any]:
    return {
        "id": "msg_local",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": "Hello!"}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 5, "output_tokens": 2},
    }


def _sse(model: str) -> bytes:
    start = {**_message(model), "content": [], "stop_reason": None, "usage": {"input_tokens": 5, "output_tokens": 1}}
    events = [
        ("message_start", {"type": "message_start", "message": start}),
        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello!"}}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": 2}}),
        ("message_stop", {"type": "message_stop"}),
    ]
    return "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events).encode()


BATCH = {
    "id": "msgbatch_local",
    "type": "message_batch",
    "processing_status": "in_progress",
    "request_counts": {"processing": 1, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0},
    "ended_at": None,
    "created_at": "2026-11-24T00:00:00Z",
    "expires_at": "2026-11-25T00:00:00Z",
    "archived_at": None,
    "cancel_initiated_at": None,
    "results_url": None,
}


class LocalAPI:
    """A recording stand-in for the API on 127.0.0.1."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.fail_next = 0
        self.clients: list[Any] = []
        self._lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                api.record(self, None)
                if self.path.split("?", 1)[0] == "/v1/models":
                    self.reply(200, {"data": [], "has_more": False, "first_id": None, "last_id": None})
                else:
                    self.reply(404, {"type": "error", "error": {"type": "not_found_error", "message": "not here"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                data = json.loads(raw) if raw else None
                api.record(self, data)
                with api._lock:
                    failing = api.fail_next > 0
                    api.fail_next -= 1 if failing else 0
                if failing:
                    error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
                    self.reply(529, error, {"retry-after-ms": "1", "x-should-retry": "true"})
                    return
                path = self.path.split("?", 1)[0]
                model = data.get("model") if isinstance(data, dict) else None
                if not isinstance(model, str):
                    model = path.split("/model/", 1)[-1].split("/", 1)[0] if "/model/" in path else "claude-sonnet-4-6"
                if path.endswith("/messages/batches"):
                    self.reply(200, BATCH)
                elif path.endswith("count_tokens") or path.endswith("count-tokens:rawPredict"):
                    self.reply(200, {"input_tokens": 5})
                elif (isinstance(data, dict) and data.get("stream")) or path.endswith(":streamRawPredict"):
                    self.send_raw(200, _sse(model), "text/event-stream")
                else:
                    self.reply(200, _message(model))

            def reply(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
                self.send_raw(status, json.dumps(payload).encode(), "application/json", headers)

            def send_raw(self, status: int, data: bytes, kind: str, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("request-id", "req_local")
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def record(self, handler: BaseHTTPRequestHandler, data: Any) -> None:
        with self._lock:
            self.received.append(Received(handler.command, handler.path, {k.lower(): v for k, v in handler.headers.items()}, data))

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> LocalAPI:
        self.thread.start()
        return self

    def track(self, client: Any) -> Any:
        """Close the client's connections when the test ends (no stray sockets)."""
        self.clients.append(client)
        return client

    def __exit__(self, *exc: Any) -> None:
        for client in self.clients:
            client.close()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ambient credentials, endpoints or proxies from the machine running the tests."""
    import os

    for name in list(os.environ):
        if name.startswith(("ANTHROPIC_", "AWS_", "CLOUD_ML_", "GOOGLE_")) or name.lower().endswith("_proxy"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("HOME", str(tmp_path))


@pytest.fixture
def api() -> Iterator[LocalAPI]:
    with LocalAPI() as server:
        yield server


def anthropic_client(api: LocalAPI, *middleware: Any, **kwargs: Any) -> Any:
    kwargs.setdefault("max_retries", 0)
    return api.track(anthropic.Anthropic(api_key=fake_secret(), base_url=api.url, middleware=list(middleware), **kwargs))


class Reports:
    """Collects what the guard checked (its on_report hook)."""

    def __init__(self) -> None:
        self.seen: list[tuple[Report, RequestView]] = []

    def __call__(self, report: Report, view: RequestView) -> None:
        self.seen.append((report, view))


# ----------------------------------------------------------------------------- raise mode


def test_clean_request_reaches_the_server(api: LocalAPI) -> None:
    reports = Reports()
    client = anthropic_client(api, PreflightMiddleware(as_of=AS_OF, on_report=reports))
    message = client.messages.create(**body())
    assert message.content[0].text == "Hello!"
    assert len(api.received) == 1
    sent = api.received[0]
    assert (sent.method, sent.path) == ("POST", "/v1/messages")
    assert sent.body["model"] == "claude-sonnet-4-6"
    assert sent.headers["anthropic-version"] == SDK_VERSION
    report, view = reports.seen[0]
    # the guard saw the final request: the SDK's default version header, the surface of the client
    assert report.ok and report.api_version == SDK_VERSION and report.surface == "anthropic"
    assert view.client == "Anthropic" and view.endpoint == "POST /v1/messages"


def test_rejected_request_never_reaches_the_server(api: LocalAPI) -> None:
    client = anthropic_client(api, PreflightMiddleware(as_of=AS_OF))
    # SDK 2.x dropped temperature from create(); code that still sends it goes through extra_body.
    # Under the SDK's default version 2026-10-21 the API answers 400.
    with pytest.raises(PreflightError) as info:
        client.messages.create(**body("claude-opus-4-8"), extra_body={"temperature": 0.5})
    assert api.received == []
    assert "SP001" in info.value.report.codes()
    text = str(info.value)
    assert "POST" in text and "/v1/messages" in text and "/temperature" in text
    assert info.value.request.surface == "anthropic"


def test_retired_model_is_rejected(api: LocalAPI) -> None:
    client = anthropic_client(api, PreflightMiddleware(as_of=AS_OF))
    with pytest.raises(PreflightError) as info:
        client.messages.create(**body("claude-3-opus-20240229"))
    assert api.received == []
    assert any(f.path == "/model" and f.severity == "error" for f in info.value.report.findings)


def test_with_middleware_and_both_client_kinds(api: LocalAPI) -> None:
    guard = PreflightMiddleware(as_of=AS_OF)
    assert isinstance(guard, anthropic.Middleware) and isinstance(guard, PreflightMiddleware)
    plain = api.track(anthropic.Anthropic(api_key=fake_secret(), base_url=api.url, max_retries=0))
    client = api.track(plain.with_middleware(guard))
    client.messages.create(**body())
    # the SDK accepts the same object for an async client
    asyncio.run(anthropic.AsyncAnthropic(api_key=fake_secret(), base_url=api.url, middleware=[guard]).close())
    with pytest.raises(PreflightError):
        client.messages.create(**body(), extra_body={"top_k": 5})
    assert len(api.received) == 1


def test_credentials_are_not_handed_to_the_checks(api: LocalAPI) -> None:
    reports = Reports()
    key = fake_secret()
    client = api.track(anthropic.Anthropic(api_key=key, base_url=api.url, middleware=[PreflightMiddleware(as_of=AS_OF, on_report=reports)]))
    client.messages.create(**body())
    view = reports.seen[0][1]
    assert key not in repr(view)
    assert ("authorization", "Bearer <redacted>") in view.headers
    assert api.received[0].headers["authorization"] == f"Bearer {key}"


def test_a_fault_of_the_checker_never_blocks_the_request(api: LocalAPI, caplog: pytest.LogCaptureFixture) -> None:
    guard = PreflightMiddleware(as_of=AS_OF)

    def broken(*args: Any, **kwargs: Any) -> RequestView:
        raise RuntimeError("checker bug")

    guard.view = broken  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING, logger="claude_preflight"):
        anthropic_client(api, guard).messages.create(**body())
    assert len(api.received) == 1
    assert "could not check" in caplog.text and "checker bug" in caplog.text


# ----------------------------------------------------------------------------- warn and log


def test_warn_mode_sends_and_warns(api: LocalAPI) -> None:
    client = anthropic_client(api, PreflightMiddleware(mode="warn", as_of=AS_OF))
    with pytest.warns(PreflightWarning, match="SP001") as caught:
        client.messages.create(**body(), extra_body={"temperature": 0.2})
    assert len(api.received) == 1
    assert caught[0].filename == __file__  # points at the caller, not at the SDK


def test_log_mode_sends_and_logs(api: LocalAPI, caplog: pytest.LogCaptureFixture) -> None:
    client = anthropic_client(api, PreflightMiddleware(mode="log", as_of=AS_OF))
    with caplog.at_level(logging.INFO, logger="claude_preflight"):
        client.messages.create(**body(), extra_body={"temperature": 0.2})
        client.messages.create(**body())
    assert len(api.received) == 2
    records = [r for r in caplog.records if r.name == "claude_preflight"]
    assert len(records) == 1
    assert records[0].levelno == logging.ERROR and "SP001" in records[0].getMessage()
    assert isinstance(records[0].preflight_report, Report)  # type: ignore[attr-defined]


def test_fail_on_and_config(api: LocalAPI) -> None:
    bad = {"extra_body": {"temperature": 0.2}}
    ignored = anthropic_client(api, PreflightMiddleware(as_of=AS_OF, config={"ignore": ["SP001"]}))
    ignored.messages.create(**body(), **bad)
    downgraded = PreflightMiddleware(as_of=AS_OF, config={"severity": {"sampling-removed-in-api-version": "warning"}})
    anthropic_client(api, downgraded).messages.create(**body(), **bad)
    assert len(api.received) == 2
    strict = PreflightMiddleware(as_of=AS_OF, config=Config(severity={"SP001": "warning"}), fail_on="warning")
    with pytest.raises(PreflightError) as info:
        anthropic_client(api, strict).messages.create(**body(), **bad)
    assert info.value.report.findings[0].severity == "warning"
    assert len(api.received) == 2


def test_config_true_reads_pyproject(api: LocalAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.claude-preflight]\nignore = ["SP"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    client = anthropic_client(api, PreflightMiddleware(as_of=AS_OF, config=True))
    client.messages.create(**body(), extra_body={"temperature": 0.2})
    assert len(api.received) == 1


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"mode": "shout"}, ValueError),
        ({"fail_on": "fatal"}, ValueError),
        ({"surface": "mars"}, ValueError),
        ({"api_version": "2099-01-01"}, ValueError),
        ({"as_of": "soon"}, ValueError),
        ({"config": 42}, TypeError),
        ({"config": {"colour": "blue"}}, ValueError),
        ({"config": {"select": ["SPOO2"]}}, ValueError),  # a typo must not switch the guard off
        ({"config": {"severity": {"sampling-rejectd-by-model": "info"}}}, ValueError),
        ({"config": Config(ignore=("LC9",))}, ValueError),
    ],
)
def test_invalid_arguments_fail_at_construction(kwargs: dict[str, Any], error: type) -> None:
    with pytest.raises(error):
        PreflightMiddleware(**kwargs)


# ----------------------------------------------------------------------------- async, streaming, batches, retries


def test_async_client(api: LocalAPI) -> None:
    async def main() -> None:
        client = anthropic.AsyncAnthropic(api_key=fake_secret(), base_url=api.url, max_retries=0, middleware=[PreflightMiddleware(as_of=AS_OF)])
        try:
            message = await client.messages.create(**body())
            assert message.content[0].text == "Hello!"
            with pytest.raises(PreflightError):
                await client.messages.create(**body("claude-opus-4-8"), extra_body={"temperature": 1.0})
            stream = await client.messages.create(**body(), stream=True)
            kinds = [event.type async for event in stream]
            assert kinds[0] == "message_start" and kinds[-1] == "message_stop"
        finally:
            await client.close()

    asyncio.run(main())
    assert [r.body.get("stream", False) for r in api.received] == [False, True]


def test_streaming_goes_through_the_guard(api: LocalAPI) -> None:
    reports = Reports()
    client = anthropic_client(api, PreflightMiddleware(as_of=AS_OF, on_report=reports))
    events = list(client.messages.create(**body(), stream=True))
    assert events[-1].type == "message_stop"
    with client.messages.stream(**body()) as stream:
        assert stream.get_final_text() == "Hello!"
    assert len(reports.seen) == 2 and all(view.body["stream"] is True for _, view in reports.seen)
    with pytest.raises(PreflightError):
        client.messages.create(**body(), stream=True, extra_body={"temperature": 0.2})
    with pytest.raises(PreflightError):
        with client.messages.stream(**body(), extra_body={"temperature": 0.2}) as stream:
            stream.get_final_text()
    assert len(api.received) == 2


def test_batches_and_token_counting_go_through_the_guard(api: LocalAPI) -> None:
    client = anthropic_client(api, PreflightMiddleware(as_of=AS_OF))
    batch = client.messages.batches.create(requests=[{"custom_id": "a", "params": body()}])
    assert batch.id == "msgbatch_local"
    assert client.messages.count_tokens(model="claude-sonnet-4-6", messages=[{"role": "user", "content": "Hi"}]).input_tokens == 5
    assert [r.path for r in api.received] == ["/v1/messages/batches", "/v1/messages/count_tokens"]
    bad = {"custom_id": "b", "params": body("claude-3-opus-20240229")}
    with pytest.raises(PreflightError) as info:
        client.messages.batches.create(requests=[{"custom_id": "a", "params": body()}, bad])
    assert any(f.path == "/requests/1/params/model" for f in info.value.report.findings)
    assert len(api.received) == 2


def test_retries_are_not_checked_again(api: LocalAPI) -> None:
    reports = Reports()
    api.fail_next = 1
    client = anthropic_client(api, PreflightMiddleware(mode="warn", as_of=AS_OF, on_report=reports), max_retries=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        message = client.messages.create(**body(), extra_body={"temperature": 0.2})
    assert message.content[0].text == "Hello!"
    assert len(api.received) == 2  # the 529, then the retry
    assert len(reports.seen) == 1
    assert len([w for w in caught if issubclass(w.category, PreflightWarning)]) == 1


def test_requests_without_a_body_and_unknown_routes_pass(api: LocalAPI) -> None:
    reports = Reports()
    client = anthropic_client(api, PreflightMiddleware(as_of=AS_OF, on_report=reports))
    assert list(client.models.list()) == []
    # a route newer than the catalogue: the SDK built the path, so the guard does not block it
    client.post("/v1/brand_new_route", cast_to=object, body={"anything": 1})
    assert [(r.method, r.path.split("?")[0]) for r in api.received] == [("GET", "/v1/models"), ("POST", "/v1/brand_new_route")]
    unknown = reports.seen[1][0]
    assert unknown.ok and unknown.findings and all(f.severity == "info" for f in unknown.findings)


# ----------------------------------------------------------------------------- surfaces


def _bedrock(api: LocalAPI, guard: Any) -> Any:
    return api.track(anthropic.AnthropicBedrock(api_key=fake_secret(), aws_region="us-east-1", base_url=api.url, middleware=[guard], max_retries=0))


# Bedrock InvokeModel models before Claude 4.7 refuse the body version SDK 2.x fills in (2026-10-21);
# code on that path sends the Bedrock one itself.
INVOKE_VERSION = {"extra_body": {"anthropic_version": "bedrock-2023-05-31"}}

CLIENTS: dict[str, tuple[Callable[[LocalAPI, Any], Any], str, str, dict[str, Any]]] = {
    # surface: (client factory, model, path that reaches the server, extra arguments)
    "anthropic": (lambda api, g: anthropic_client(api, g), "claude-sonnet-4-6", "/v1/messages", {}),
    "bedrock-invoke": (_bedrock, "global.anthropic.claude-sonnet-4-6", "/model/global.anthropic.claude-sonnet-4-6/invoke", INVOKE_VERSION),
    "bedrock": (
        lambda api, g: anthropic.AnthropicBedrockMantle(api_key=fake_secret(), aws_region="us-east-1", base_url=api.url + "/anthropic", middleware=[g], max_retries=0),
        "global.anthropic.claude-opus-4-8",
        "/anthropic/v1/messages",
        {},
    ),
    "vertex": (
        lambda api, g: anthropic.AnthropicVertex(region="us-east5", project_id="test-project", access_token=fake_secret(), base_url=api.url + "/v1", middleware=[g], max_retries=0),
        "claude-sonnet-4-6",
        "/v1/projects/test-project/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-6:rawPredict",
        {},
    ),
    "foundry": (
        lambda api, g: anthropic.AnthropicFoundry(api_key=fake_secret(), base_url=api.url + "/anthropic/", middleware=[g], max_retries=0),
        "claude-sonnet-4-6",
        "/anthropic/v1/messages",
        {},
    ),
    "aws-platform": (
        lambda api, g: anthropic.AnthropicAWS(api_key=fake_secret(), workspace_id="wrkspc_test", base_url=api.url, middleware=[g], max_retries=0),
        "claude-sonnet-4-6",
        "/v1/messages",
        {},
    ),
    "google-cloud": (
        lambda api, g: anthropic.AnthropicGoogleCloud(
            token_provider=fake_secret,
            base_url=api.url + "/v1/projects/test-project/locations/global/workspaces/wrkspc_test/invoke",
            middleware=[g],
            max_retries=0,
        ),
        "claude-sonnet-4-6",
        "/v1/projects/test-project/locations/global/workspaces/wrkspc_test/invoke/v1/messages",
        {},
    ),
}


@pytest.mark.parametrize("surface", sorted(CLIENTS))
def test_surface_of_each_client(api: LocalAPI, surface: str) -> None:
    factory, model, path, extra = CLIENTS[surface]
    reports = Reports()
    client = api.track(factory(api, PreflightMiddleware(as_of=AS_OF, on_report=reports)))
    assert surface_of_client(client) == surface
    client.messages.create(**body(model), **extra)
    assert [r.path for r in api.received] == [path]
    report, view = reports.seen[0]
    assert view.surface == surface and report.surface == surface
    assert not report.at_least("warning"), report.summary_text()
    assert report.api_version == (SDK_VERSION if surface != "bedrock-invoke" else "2023-06-01")
    # the guard checked what was sent: same path, same body
    assert view.url.endswith(path) and view.body == api.received[0].body


def test_bedrock_request_is_checked_after_the_sdk_rewrites_it(api: LocalAPI) -> None:
    reports = Reports()
    client = _bedrock(api, PreflightMiddleware(as_of=AS_OF, on_report=reports))
    # a first-party model ID goes into the InvokeModel URL, where Bedrock does not know it
    with pytest.raises(PreflightError) as info:
        client.messages.create(**body("claude-sonnet-4-6"))
    assert api.received == []
    view = info.value.request
    assert view.endpoint == "POST /model/claude-sonnet-4-6/invoke"
    assert view.body["anthropic_version"] == SDK_VERSION and "model" not in view.body
    assert info.value.report.surface == "bedrock-invoke"
    with pytest.raises(PreflightError) as info:
        client.messages.create(**body("claude-sonnet-4-6"), stream=True)
    assert info.value.request.endpoint == "POST /model/claude-sonnet-4-6/invoke-with-response-stream"
    assert "stream" not in info.value.request.body  # Bedrock chooses streaming by route
    assert api.received == []


def test_bedrock_invoke_with_the_sdk_default_body_version_is_stopped(api: LocalAPI) -> None:
    # anthropic 2.x fills anthropic_version 2026-10-21 into InvokeModel bodies; Bedrock refuses it
    # for models before Claude 4.7 (see rules/platform/surfaces.yaml, bedrock-invoke)
    client = _bedrock(api, PreflightMiddleware(as_of=AS_OF))
    with pytest.raises(PreflightError) as info:
        client.messages.create(**body("global.anthropic.claude-sonnet-4-6"))
    assert any(f.path == "/anthropic_version" and f.severity == "error" for f in info.value.report.findings)
    assert api.received == []


# The SDK's own defaults, as they go on the wire (anthropic 2.17.0): AnthropicBedrock rewrites
# /v1/messages to /model/{id}/invoke and fills the body's anthropic_version with 2026-10-21
# (setdefault: a caller's value is kept) and sends no anthropic-version header; AnthropicVertex
# does the same on :rawPredict. Bedrock accepts 2026-10-21 from Claude 4.7 on; Vertex accepts it.
@pytest.mark.parametrize("model", ["global.anthropic.claude-opus-4-8", "us.anthropic.claude-opus-4-7"])
@pytest.mark.parametrize("stream", [False, True])
def test_default_bedrock_client_is_never_blocked_on_an_accepted_request(api: LocalAPI, model: str, stream: bool) -> None:
    reports = Reports()
    client = _bedrock(api, PreflightMiddleware(as_of=AS_OF, on_report=reports))
    if stream:
        try:
            client.messages.create(**body(model), stream=True).close()
        except PreflightError:
            raise
        except Exception:
            pass  # the local server answers SSE, not AWS event-stream; what was sent is what counts
    else:
        client.messages.create(**body(model))
    report, view = reports.seen[0]
    sent = api.received[0]
    assert report.ok, report.summary_text()
    assert not any(h.lower() == "anthropic-version" for h in sent.headers)  # the version travels in the body
    assert sent.body["anthropic_version"] == SDK_VERSION == report.api_version
    assert view.body == sent.body and view.url.endswith(sent.path)


def test_default_bedrock_client_judged_on_the_version_it_really_sends(api: LocalAPI) -> None:
    reports = Reports()
    client = _bedrock(api, PreflightMiddleware(as_of=AS_OF, on_report=reports))
    # the platform refuses the SDK default for an ARN-versioned model: stopped, with the remedy
    with pytest.raises(PreflightError) as info:
        client.messages.create(**body("global.anthropic.claude-sonnet-4-6"))
    [finding] = [f for f in info.value.report.findings if f.path == "/anthropic_version"]
    assert "bedrock-2023-05-31" in finding.message and api.received == []
    # the caller's own body version is kept by the SDK, and that is what the guard judges
    client.messages.create(**body("global.anthropic.claude-sonnet-4-6"), extra_body={"anthropic_version": "bedrock-2023-05-31"})
    assert api.received[0].body["anthropic_version"] == "bedrock-2023-05-31"
    assert reports.seen[-1][0].ok and reports.seen[-1][1].body == api.received[0].body


def test_the_guard_sees_the_headers_the_client_really_sends(api: LocalAPI) -> None:
    # a client told to drop the SDK's anthropic-version header sends none: the API refuses that
    reports = Reports()
    guard = PreflightMiddleware(as_of=AS_OF, mode="warn", on_report=reports)
    client = anthropic_client(api, guard, default_headers={"anthropic-version": anthropic.omit})
    with pytest.warns(PreflightWarning):
        client.messages.create(**body())
    assert "anthropic-version" not in {h.lower() for h in api.received[0].headers}
    assert [f.code for f in reports.seen[0][0].errors] == ["HD001"]


@pytest.mark.parametrize("model", ["claude-sonnet-4-6", "claude-opus-4-8"])
def test_default_vertex_client_is_never_blocked_on_an_accepted_request(api: LocalAPI, model: str) -> None:
    factory = CLIENTS["vertex"][0]
    reports = Reports()
    client = api.track(factory(api, PreflightMiddleware(as_of=AS_OF, on_report=reports)))
    client.messages.create(**body(model))
    report, view = reports.seen[0]
    assert report.ok, report.summary_text()
    assert api.received[0].body["anthropic_version"] == SDK_VERSION and view.body == api.received[0].body


def test_vertex_streaming(api: LocalAPI) -> None:
    factory, model, path, _ = CLIENTS["vertex"]
    reports = Reports()
    client = api.track(factory(api, PreflightMiddleware(as_of=AS_OF, on_report=reports)))
    with client.messages.stream(**body(model)) as stream:
        assert stream.get_final_text() == "Hello!"
    assert api.received[0].path == path.replace(":rawPredict", ":streamRawPredict")
    assert reports.seen[0][1].surface == "vertex" and reports.seen[0][0].ok


def test_explicit_surface_wins(api: LocalAPI) -> None:
    reports = Reports()
    client = anthropic_client(api, PreflightMiddleware(as_of=AS_OF, surface="foundry", on_report=reports))
    client.messages.create(**body())
    assert reports.seen[0][0].surface == "foundry"


@pytest.mark.parametrize(
    ("url", "surface"),
    [
        ("https://api.anthropic.com/v1/messages", "anthropic"),
        ("https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-opus-4-6-v1/invoke", "bedrock-invoke"),
        ("/model/global.anthropic.claude-opus-4-6-v1/invoke-with-response-stream", "bedrock-invoke"),
        ("https://bedrock-mantle.us-east-1.api.aws/anthropic/v1/messages", "bedrock"),
        ("https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/publishers/anthropic/models/m:rawPredict", "vertex"),
        ("https://claude.googleapis.com/v1/projects/p/locations/global/workspaces/w/invoke/v1/messages", "google-cloud"),
        ("https://my-resource.services.ai.azure.com/anthropic/v1/messages", "foundry"),
        ("https://aws-external-anthropic.us-east-1.api.aws/v1/messages", "aws-platform"),
        ("https://proxy.example.internal/v1/messages", None),
        ("/v1/messages", None),
    ],
)
def test_surface_inferred_from_url(url: str, surface: str | None) -> None:
    assert infer_surface(url) == surface


def test_request_without_a_known_client_assumes_the_sdk_defaults() -> None:
    from anthropic._models import FinalRequestOptions
    from anthropic._request import APIRequest

    guard = PreflightMiddleware(as_of=AS_OF)
    options = FinalRequestOptions.construct(method="post", url="/v1/messages", json_data=body(temperature=0.5))
    report = guard.check_request(APIRequest(options=options, cast_to=object))
    assert report.api_version == SDK_VERSION and "SP001" in report.codes()
    vertex = "/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-6:rawPredict"
    options = FinalRequestOptions.construct(method="post", url=vertex, json_data={"max_tokens": 10, "messages": [{"role": "user", "content": "Hi"}]})
    report = guard.check_request(APIRequest(options=options, cast_to=object))
    assert report.surface == "vertex" and report.api_version == SDK_VERSION and report.ok


# ----------------------------------------------------------------------------- import cost


def test_importing_claude_preflight_never_imports_anthropic() -> None:
    code = (
        "import sys, claude_preflight, claude_preflight.middleware, claude_preflight.testing, claude_preflight.pytest_plugin\n"
        "cls = claude_preflight.PreflightMiddleware\n"
        "print('anthropic' in sys.modules)\n"
        "cls(as_of='2026-11-24')\n"
        "print('anthropic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True"]


# ----------------------------------------------------------------------------- fix mode


def test_fix_mode_repairs_the_request_and_logs_each_change(api: LocalAPI, caplog: pytest.LogCaptureFixture) -> None:
    client = anthropic_client(api, PreflightMiddleware(mode="fix", as_of=AS_OF))
    with caplog.at_level(logging.INFO, logger="claude_preflight"):
        client.messages.create(**body("claude-opus-4-8"), extra_body={"temperature": 0.5, "thinking": {"type": "enabled", "budget_tokens": 2048}})
    assert len(api.received) == 1
    sent = api.received[0].body
    assert "temperature" not in sent and sent["thinking"] == {"type": "adaptive"}
    changes = [r.getMessage() for r in caplog.records if r.name == "claude_preflight"]
    assert any("SP001" in m for m in changes) and any("TH001" in m for m in changes)


def test_fix_mode_raises_when_no_safe_fix_exists(api: LocalAPI) -> None:
    client = anthropic_client(api, PreflightMiddleware(mode="fix", as_of=AS_OF))
    with pytest.raises(PreflightError) as info:
        client.messages.create(**body("claude-3-opus-20240229"))  # retired: replacing a model is unsafe
    assert api.received == []
    assert any(f.code == "LC002" for f in info.value.report.findings)


def test_fix_mode_replays_fixes_on_bedrock_invoke_bodies(api: LocalAPI) -> None:
    client = _bedrock(api, PreflightMiddleware(mode="fix", as_of=AS_OF))
    client.messages.create(**body("global.anthropic.claude-opus-4-8"), extra_body={"anthropic_version": "bedrock-2023-05-31", "top_k": 5})
    assert len(api.received) == 1
    sent = api.received[0].body
    assert "top_k" not in sent and sent["anthropic_version"] == "bedrock-2023-05-31"


def test_clean_request_is_untouched_in_fix_mode(api: LocalAPI) -> None:
    client = anthropic_client(api, PreflightMiddleware(mode="fix", as_of=AS_OF))
    client.messages.create(**body())
    assert api.received[0].body == body()
