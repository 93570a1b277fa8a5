"""The proxy with real clients: the anthropic Python SDK (sync, async, streaming) and curl,
against a fake upstream on 127.0.0.1. What arrives upstream is compared byte for byte with
what the client sent."""

from __future__ import annotations

import asyncio
import json
import subprocess
from typing import Any, Iterator

import pytest

pytest.importorskip("aiohttp")
anthropic = pytest.importorskip("anthropic")
httpx = pytest.importorskip("httpx2")

from claude_preflight import validate  # noqa: E402
from claude_preflight.dates import parse_moment  # noqa: E402
from claude_preflight.proxy.checking import engine_headers  # noqa: E402
from conftest import CATALOGUE_DATE  # noqa: E402
from proxy_support import Servers, Stack  # noqa: E402

FAKE_KEY = "sk-ant-api03-" + "Zx9" * 12 + "-proxytestAA"
AS_OF = parse_moment(CATALOGUE_DATE)
MESSAGES = [{"role": "user", "content": "Which rivers cross Lyon?"}]


@pytest.fixture(scope="module")
def block() -> Iterator[Stack]:
    with Servers(mode="block", as_of=AS_OF) as stack:
        yield stack


@pytest.fixture(scope="module")
def warn() -> Iterator[Stack]:
    with Servers(mode="warn", as_of=AS_OF) as stack:
        yield stack


@pytest.fixture(scope="module")
def fixing() -> Iterator[Stack]:
    with Servers(mode="fix", as_of=AS_OF) as stack:
        yield stack


_OPEN: list[Any] = []


@pytest.fixture(autouse=True)
def _fresh(request: pytest.FixtureRequest) -> Iterator[None]:
    for name in ("block", "warn", "fixing"):
        if name in request.fixturenames:
            stack = request.getfixturevalue(name)
            stack.settle()  # the previous test's last log lines
            stack.upstream.received.clear()
            stack.lines.clear()
    yield
    while _OPEN:
        _OPEN.pop().close()


class Sent:
    """The requests an httpx client really sent (bytes and headers), via an event hook."""

    def __init__(self) -> None:
        self.requests: list[Any] = []

    def hook(self, request: Any) -> None:
        request.read()
        self.requests.append(request)

    async def ahook(self, request: Any) -> None:
        await request.aread()
        self.requests.append(request)


def sync_client(stack: Stack, sent: Sent | None = None) -> Any:
    hooks = {"request": [sent.hook]} if sent else {}
    client = anthropic.Anthropic(base_url=stack.proxy_url, api_key=FAKE_KEY, max_retries=0, http_client=httpx.Client(event_hooks=hooks))
    _OPEN.append(client)
    return client


def expected_report(request: Any) -> Any:
    """What validate() says of the request the client sent (credentials withheld, as the proxy does)."""
    return validate(json.loads(request.content), endpoint="POST /v1/messages", headers=engine_headers(request.headers.multi_items()), as_of=AS_OF)


def assert_same_request(sent: Any, received: Any) -> None:
    assert received.body == sent.content
    assert received.raw_path == sent.url.raw_path.decode()
    skip = {"host", "content-length", "connection", "accept-encoding"}
    expected = [(k.lower(), v) for k, v in sent.headers.multi_items() if k.lower() not in skip]
    got = [(k.lower(), v) for k, v in received.headers if k.lower() not in skip]
    assert got == expected
    assert received.header("content-length") == str(len(sent.content))


# ----------------------------------------------------------------------------- Python SDK


def test_valid_request_arrives_byte_identical_sync(block: Stack) -> None:
    sent = Sent()
    client = sync_client(block, sent)
    message = client.messages.create(model="claude-sonnet-4-6", max_tokens=256, messages=MESSAGES, metadata={"user_id": "u-42"})
    assert message.content[0].text == "Which rivers cross Lyon?"
    assert len(block.upstream.received) == 1 and len(sent.requests) == 1
    assert_same_request(sent.requests[0], block.upstream.received[0])
    auth = [(k, v) for k, v in block.upstream.received[0].headers if FAKE_KEY in v]
    assert auth and [(k.lower(), v) for k, v in auth] == [(k.lower(), v) for k, v in sent.requests[0].headers.multi_items() if FAKE_KEY in v]  # auth untouched
    [event] = block.requests()
    assert event["action"] == "forwarded" and event["status"] == 200 and event["findings"] == []


def test_blocked_request_never_arrives_and_sdk_raises_bad_request(block: Stack) -> None:
    sent = Sent()
    client = sync_client(block, sent)
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(model="claude-opus-4-8", max_tokens=256, messages=MESSAGES, extra_body={"temperature": 0.4})
    assert block.upstream.received == []
    error = caught.value
    assert error.status_code == 400
    assert error.body["error"]["type"] == "invalid_request_error"  # type: ignore[index]
    expected = [f.code for f in expected_report(sent.requests[0]).errors]
    assert expected and all(code in error.message for code in expected) and "/temperature" in error.message
    assert error.response.headers["x-claude-preflight-codes"] == ",".join(expected)
    [event] = block.requests()
    assert event["action"] == "blocked" and [f["code"] for f in event["findings"] if f["severity"] == "error"] == expected


def test_streaming_sync_passes_events_through(block: Stack) -> None:
    client = sync_client(block)
    with client.messages.stream(model="claude-sonnet-4-6", max_tokens=256, messages=[{"role": "user", "content": "stream me please"}]) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "stream me please"
    assert final.stop_reason == "end_turn"
    assert json.loads(block.upstream.received[0].body)["stream"] is True


def test_async_client_and_async_streaming(block: Stack) -> None:
    sent = Sent()

    async def main() -> tuple[str, str]:
        async with httpx.AsyncClient(event_hooks={"request": [sent.ahook]}) as http:
            client = anthropic.AsyncAnthropic(base_url=block.proxy_url, api_key=FAKE_KEY, max_retries=0, http_client=http)
            message = await client.messages.create(model="claude-haiku-4-5", max_tokens=64, messages=[{"role": "user", "content": "async hello"}])
            async with client.messages.stream(model="claude-haiku-4-5", max_tokens=64, messages=[{"role": "user", "content": "async stream"}]) as stream:
                streamed = "".join([piece async for piece in stream.text_stream])
            with pytest.raises(anthropic.BadRequestError):
                await client.messages.create(model="claude-opus-4-8", max_tokens=64, messages=MESSAGES, extra_body={"top_k": 5})
            return message.content[0].text, streamed  # type: ignore[union-attr]

    text, streamed = asyncio.run(main())
    assert (text, streamed) == ("async hello", "async stream")
    assert len(block.upstream.received) == 2  # the blocked one never arrived
    for request, received in zip(sent.requests, block.upstream.received):
        assert_same_request(request, received)


def test_count_tokens_and_models_pass_through(block: Stack) -> None:
    client = sync_client(block)
    client.messages.count_tokens(model="claude-sonnet-4-6", messages=MESSAGES)
    client.models.retrieve("claude-sonnet-4-6")
    paths = [(r.method, r.raw_path.split("?")[0]) for r in block.upstream.received]
    assert paths == [("POST", "/v1/messages/count_tokens"), ("GET", "/v1/models/claude-sonnet-4-6")]


def test_batch_entries_are_each_checked(block: Stack) -> None:
    client = sync_client(block)
    good = {"custom_id": "a", "params": {"model": "claude-sonnet-4-6", "max_tokens": 64, "messages": MESSAGES}}
    bad = {"custom_id": "b", "params": {"model": "claude-opus-4-8", "max_tokens": 64, "temperature": 1.0, "messages": MESSAGES}}
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.batches.create(requests=[good, bad])  # type: ignore[list-item]
    assert "/requests/1/params/temperature" in caught.value.message
    assert block.upstream.received == []


def test_upstream_errors_pass_through_unchanged(block: Stack) -> None:
    client = anthropic.Anthropic(base_url=block.proxy_url, api_key=FAKE_KEY, max_retries=0, default_headers={"x-fake": "status-529"})
    _OPEN.append(client)
    with pytest.raises(anthropic.APIStatusError) as caught:
        client.messages.create(model="claude-sonnet-4-6", max_tokens=64, messages=MESSAGES)
    assert caught.value.status_code == 529
    assert caught.value.body == {"type": "error", "error": {"type": "overloaded_error", "message": "fake 529"}}
    assert caught.value.response.headers["request-id"] == "req_fake"
    assert block.requests()[0]["status"] == 529


def test_unknown_path_is_forwarded_and_reported_as_info(block: Stack) -> None:
    response = httpx.post(block.proxy_url + "/v1/brand_new_thing?x=1", json={"a": 1}, headers={"x-api-key": FAKE_KEY, "anthropic-version": "2023-06-01"})
    assert response.status_code == 200
    [received] = block.upstream.received
    assert received.raw_path == "/v1/brand_new_thing?x=1" and received.body == b'{"a":1}'
    [event] = block.requests()
    assert event["action"] == "forwarded"
    assert [(f["name"], f["severity"]) for f in event["findings"]] == [("endpoint-unknown", "info")]


# ----------------------------------------------------------------------------- modes


def test_warn_mode_forwards_unchanged_and_reports(warn: Stack) -> None:
    sent = Sent()
    client = sync_client(warn, sent)
    client.messages.create(model="claude-opus-4-8", max_tokens=64, messages=MESSAGES, extra_body={"temperature": 0.3})
    request = sent.requests[0]
    assert_same_request(request, warn.upstream.received[0])
    expected = expected_report(request)
    assert any(f.path == "/temperature" and f.severity == "error" for f in expected.findings)
    [event] = warn.requests()
    assert event["action"] == "forwarded"
    assert [(f["code"], f["path"]) for f in event["findings"]] == [(f.code, f.path) for f in expected.findings]


def test_fix_mode_delivers_the_fixed_body(fixing: Stack) -> None:
    sent = Sent()
    client = sync_client(fixing, sent)
    raw = client.messages.with_raw_response.create(model="claude-opus-4-8", max_tokens=64, messages=MESSAGES, extra_body={"temperature": 0.3})
    fixed = [f.code for f in expected_report(sent.requests[0]).errors]
    assert raw.headers["x-claude-preflight-fixed"] == ",".join(fixed)
    received = fixing.upstream.received[0].json()
    original = json.loads(sent.requests[0].content)
    assert "temperature" in original and "temperature" not in received
    assert received == {k: v for k, v in original.items() if k != "temperature"}
    [event] = fixing.requests()
    assert event["action"] == "fixed" and [fix.split()[0] for fix in event["fixes"]] == fixed
    assert event["findings"] == []


def test_fix_mode_keeps_the_clients_formatting(fixing: Stack) -> None:
    text = '{\n  "model": "claude-opus-4-8",\n  "max_tokens": 64,\n  "temperature": 0.3,\n  "messages": [{"role": "user", "content": "hi"}]\n}'
    response = httpx.post(fixing.proxy_url + "/v1/messages", content=text, headers={"content-type": "application/json", "anthropic-version": "2023-06-01"})
    assert response.status_code == 200
    body = fixing.upstream.received[0].body.decode()
    assert body == '{\n  "model": "claude-opus-4-8",\n  "max_tokens": 64,\n  "messages": [{"role": "user", "content": "hi"}]\n}'
    assert fixing.upstream.received[0].header("content-length") == str(len(body.encode()))


def test_fix_mode_on_a_signed_request_falls_back_to_warn(fixing: Stack) -> None:
    text = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64, "temperature": 0.3, "messages": MESSAGES}).encode()
    headers = {
        "content-type": "application/json",
        "x-amz-date": "20261124T000000Z",
        "x-amz-content-sha256": "a" * 64,
        "authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261124/us-east-1/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "b" * 64,
    }
    response = httpx.post(fixing.proxy_url + "/model/anthropic.claude-opus-4-8/invoke", content=text, headers=headers)
    assert response.status_code == 200
    assert fixing.upstream.received[0].body == text  # unchanged: the signature covers it
    [event] = fixing.requests()
    assert event["action"] == "forwarded" and "signed (AWS SigV4)" in event["note"]
    assert event["surface"] == "bedrock-invoke"
    assert "SP002" in [f["code"] for f in event["findings"]]
    assert "AWS4-HMAC" not in "\n".join(fixing.lines) and "b" * 64 not in "\n".join(fixing.lines)


@pytest.mark.parametrize("body", [b'{"model": "claude-sonnet-4-6", "max_tokens": 5,', b"hello, not json", b"\xff\xfe\x00garbage", b""])
def test_malformed_and_non_json_bodies(block: Stack, warn: Stack, body: bytes) -> None:
    headers = {"content-type": "application/json", "anthropic-version": "2023-06-01"}
    forwarded = httpx.post(warn.proxy_url + "/v1/messages", content=body, headers=headers)
    assert forwarded.status_code == 200
    assert [r.body for r in warn.upstream.received] == [body]
    assert "not valid JSON" in warn.requests()[0]["note"]
    refused = httpx.post(block.proxy_url + "/v1/messages", content=body, headers=headers)
    assert refused.status_code == 400
    error = refused.json()
    assert error["type"] == "error" and error["error"]["type"] == "invalid_request_error"
    assert "not valid JSON" in error["error"]["message"]
    assert block.upstream.received == []


def test_duplicate_keys_on_the_wire_are_reported(warn: Stack) -> None:
    text = b'{"model": "claude-sonnet-4-6", "max_tokens": 64, "max_tokens": 128, "messages": [{"role": "user", "content": "hi"}]}'
    httpx.post(warn.proxy_url + "/v1/messages", content=text, headers={"content-type": "application/json", "anthropic-version": "2023-06-01"})
    assert warn.upstream.received[0].body == text
    assert "IN001" in [f["code"] for f in warn.requests()[0]["findings"]]


# ----------------------------------------------------------------------------- curl and safety


def curl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["curl", "-sS", "--max-time", "20", *args], capture_output=True, text=True, timeout=30)


@pytest.fixture(scope="module")
def has_curl() -> None:
    try:
        subprocess.run(["curl", "--version"], capture_output=True, check=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        pytest.skip("curl is not installed")


def test_curl_valid_blocked_and_streaming(block: Stack, has_curl: None) -> None:
    common = ["-H", f"x-api-key: {FAKE_KEY}", "-H", "anthropic-version: 2023-06-01", "-H", "content-type: application/json"]
    good = json.dumps({"model": "claude-sonnet-4-6", "max_tokens": 64, "messages": [{"role": "user", "content": "from curl"}]})
    done = curl(block.proxy_url + "/v1/messages", *common, "--data-binary", good)
    assert json.loads(done.stdout)["content"][0]["text"] == "from curl"
    assert block.upstream.received[0].body == good.encode()
    bad = json.dumps({"model": "claude-opus-4-8", "max_tokens": 64, "top_p": 0.9, "messages": MESSAGES})
    done = curl("-i", block.proxy_url + "/v1/messages", *common, "--data-binary", bad)
    assert done.stdout.startswith("HTTP/1.1 400") and "x-claude-preflight-codes: sp002" in done.stdout.lower()
    stream = json.dumps({"model": "claude-sonnet-4-6", "max_tokens": 64, "stream": True, "messages": [{"role": "user", "content": "curl stream"}]})
    done = curl("-N", block.proxy_url + "/v1/messages", *common, "--data-binary", stream)
    assert "event: message_stop" in done.stdout and '"text": "curl stream"' not in done.stdout
    assert len(block.upstream.received) == 2


def test_no_open_relay(block: Stack, has_curl: None) -> None:
    # absolute-form target (a forward-proxy request for another host)
    done = curl("-i", "--proxy", block.proxy_url, "http://example.invalid/v1/messages")
    assert done.stdout.startswith("HTTP/1.1 421") and "forwards only to" in done.stdout
    # Host header naming another host
    done = curl("-i", "-H", "Host: example.invalid", block.proxy_url + "/v1/models")
    assert done.stdout.startswith("HTTP/1.1 421")
    assert block.upstream.received == []
    assert [e["action"] for e in block.requests(2)] == ["refused", "refused"]


def test_no_secret_in_logs(block: Stack, warn: Stack) -> None:
    client = sync_client(block)
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(model="claude-opus-4-8", max_tokens=64, system=f"my key is {FAKE_KEY}", messages=MESSAGES, extra_body={"temperature": 0.3})
    assert FAKE_KEY not in caught.value.message
    httpx.post(warn.proxy_url + "/v1/messages?key=" + FAKE_KEY, content=b"not json", headers={"authorization": f"Bearer {FAKE_KEY}"})
    for stack in (block, warn):
        stack.requests(1)
        text = "\n".join(stack.lines)
        assert stack.lines and FAKE_KEY not in text and FAKE_KEY[-20:] not in text


def test_file_upload_is_streamed_through_unchanged(block: Stack) -> None:
    sent = Sent()
    with httpx.Client(event_hooks={"request": [sent.hook]}) as http:
        response = http.post(block.proxy_url + "/v1/files", files={"file": ("notes.txt", b"line one\nline two\n" * 5000, "text/plain")},
                             headers={"x-api-key": FAKE_KEY, "anthropic-version": "2023-06-01", "anthropic-beta": "files-api-2025-04-14"})
    assert response.status_code == 200, response.text
    [received] = block.upstream.received
    assert received.body == sent.requests[0].content
    assert received.header("content-type") == sent.requests[0].headers["content-type"]  # the multipart boundary


def test_dot_segments_are_refused(block: Stack, has_curl: None) -> None:
    for path in ("/v1/../admin", "/v1/%2e%2e/admin"):
        done = curl("-i", "--path-as-is", block.proxy_url + path)
        assert done.stdout.startswith("HTTP/1.1 421"), path
    assert block.upstream.received == []


def test_managed_agents_requests_are_checked(block: Stack) -> None:
    agent = {"name": "helper", "model": "claude-sonnet-4-6"}
    base = {"x-api-key": FAKE_KEY, "anthropic-version": "2023-06-01"}
    refused = httpx.post(block.proxy_url + "/v1/agents", json=agent, headers=base)
    assert refused.status_code == 400 and refused.headers["x-claude-preflight-codes"] == "EP001"
    assert block.upstream.received == []
    passed = httpx.post(block.proxy_url + "/v1/agents", json=agent, headers={**base, "anthropic-beta": "managed-agents-2026-04-01"})
    assert passed.status_code == 200
    assert [r.json() for r in block.upstream.received] == [agent]
