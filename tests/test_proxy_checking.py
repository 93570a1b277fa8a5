"""The proxy's front end on the engine, without a server: routes and surfaces, size limits,
credentials withheld from the checks, signed requests, configuration, the CLI, and a
property test that no request line, headers or body make it raise."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claude_preflight.catalogue import Catalogue
from claude_preflight.config import Config, config_from_mapping
from claude_preflight.dates import parse_moment
from claude_preflight.proxy.checking import Checker, engine_headers, signature_scheme
from claude_preflight.proxy.cli import build_parser, run
from claude_preflight.proxy.settings import ProxySettings
from conftest import CATALOGUE_DATE, REPO

AS_OF = parse_moment(CATALOGUE_DATE)
HEADERS = [("content-type", "application/json"), ("anthropic-version", "2023-06-01")]
OPUS_TEMPERATURE = {"model": "claude-opus-4-8", "max_tokens": 64, "temperature": 0.5, "messages": [{"role": "user", "content": "hi"}]}


def checker(catalogue: Catalogue, config: Config | None = None, **options: Any) -> Checker:
    return Checker(ProxySettings(as_of=AS_OF, **options).checked(), catalogue, config or Config())


def test_import_claude_preflight_does_not_import_aiohttp() -> None:
    code = "import sys, claude_preflight, claude_preflight.proxy, claude_preflight.proxy.cli, claude_preflight.proxy.checking; print('aiohttp' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr


@pytest.mark.parametrize(
    ("upstream", "path", "surface", "kind"),
    [
        ("https://api.anthropic.com", "/v1/messages", "anthropic", "messages"),
        ("https://api.anthropic.com", "/v1/messages/batches", "anthropic", "batch"),
        ("https://api.anthropic.com", "/v1/models/claude-sonnet-4-6", "anthropic", "none"),
        ("https://bedrock-runtime.us-east-1.amazonaws.com", "/model/anthropic.claude-opus-4-8/invoke", "bedrock-invoke", "messages"),
        ("https://us-east5-aiplatform.googleapis.com", "/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-opus-4-8:rawPredict", "vertex", "messages"),
        ("https://gateway.example.com/anthropic", "/v1/messages?beta=true", None, "messages"),  # a gateway's path prefix
    ],
)
def test_route_infers_surface_and_body_kind(catalogue: Catalogue, upstream: str, path: str, surface: str | None, kind: str) -> None:
    route = checker(catalogue, upstream=upstream).route("POST" if kind != "none" else "GET", path)
    assert route.surface == surface
    assert route.body_kind == kind
    assert route.checks_body == (kind in ("messages", "batch"))


def test_surface_option_wins(catalogue: Catalogue) -> None:
    assert checker(catalogue, surface="foundry").route("POST", "/v1/messages").surface == "foundry"


def test_credentials_never_reach_the_checks() -> None:
    key = "sk-ant-api03-" + "k" * 40
    shown = engine_headers([("X-Api-Key", key), ("Authorization", f"Bearer {key}"), ("anthropic-beta", "a,b")])
    assert shown == [("X-Api-Key", "<redacted>"), ("Authorization", "Bearer <redacted>"), ("anthropic-beta", "a,b")]


def test_signature_detection() -> None:
    assert signature_scheme([("Authorization", "AWS4-HMAC-SHA256 Credential=x")], "POST /model/x/invoke") == "AWS SigV4"
    assert signature_scheme([("x-amz-content-sha256", "UNSIGNED-PAYLOAD")], "POST /v1/messages") is None
    assert signature_scheme([("Authorization", "Bearer abc")], "POST /v1/messages") is None


def test_block_warn_and_config(catalogue: Catalogue) -> None:
    data = json.dumps(OPUS_TEMPERATURE).encode()
    route = checker(catalogue).route("POST", "/v1/messages")
    blocked = checker(catalogue).check(route, HEADERS, data)
    assert blocked.action == "block" and blocked.status == 400 and blocked.codes == ["SP002"]
    assert checker(catalogue, mode="warn").check(route, HEADERS, data).action == "forward"
    quiet = checker(catalogue, config_from_mapping({"ignore": ["SP002"]}))
    assert quiet.check(route, HEADERS, data).action == "forward"
    strict = checker(catalogue, config_from_mapping({"fail-on": "warning"}))
    assert strict.fail_on == "warning"


def test_fix_returns_the_fixed_bytes(catalogue: Catalogue) -> None:
    data = json.dumps(OPUS_TEMPERATURE, indent=2).encode()
    fixer = checker(catalogue, mode="fix")
    verdict = fixer.check(fixer.route("POST", "/v1/messages"), HEADERS, data)
    assert verdict.action == "fix" and verdict.body is not None
    assert json.loads(verdict.body) == {k: v for k, v in OPUS_TEMPERATURE.items() if k != "temperature"}
    assert verdict.body.startswith(b'{\n  "model"')  # the client's layout is kept


@settings(max_examples=60, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "DELETE", "PATCH"]),
    path=st.text(max_size=40).map(lambda t: "/" + t),
    headers=st.lists(st.tuples(st.text(min_size=1, max_size=20), st.text(max_size=40)), max_size=5),
    data=st.one_of(st.binary(max_size=200), st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                                                          lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3)).map(lambda v: json.dumps(v).encode())),
    mode=st.sampled_from(["block", "warn", "fix", "log"]),
)
def test_never_raises(catalogue: Catalogue, method: str, path: str, headers: list[tuple[str, str]], data: bytes, mode: str) -> None:
    check = checker(catalogue, mode=mode)
    route = check.route(method, path)
    verdict = check.check(route, headers, data if route.checks_body else None)
    assert verdict.action in ("forward", "block", "fix")
    if verdict.action == "block":
        assert verdict.status == 400 and verdict.message


# ----------------------------------------------------------------------------- CLI


@pytest.mark.parametrize(("argv", "needle"), [(["--upstream", "ftp://x"], "--upstream"), (["--timeout", "0"], "--timeout"),
                                               (["--surface", "mars"], "surface"), (["--config", "/nonexistent/pyproject.toml"], "--config")])
def test_cli_usage_errors_exit_2(argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("aiohttp")
    assert run(build_parser().parse_args(["--port", "0", "--no-config", *argv] if "--config" not in argv else ["--port", "0", *argv])) == 2
    assert needle in capsys.readouterr().err


def test_python_m_proxy_starts_prints_export_and_stops() -> None:
    pytest.importorskip("aiohttp")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "claude_preflight.proxy", "--port", "0", "--log-format", "json", "--no-config"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
    try:
        assert proc.stdout is not None
        first = json.loads(proc.stdout.readline())
        assert first["event"] == "listening" and first["export"] == f"export ANTHROPIC_BASE_URL={first['url']}"
        assert first["url"].startswith("http://127.0.0.1:") and first["mode"] == "block"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert '"stopped"' in out


def test_json_routes_without_a_stated_limit_are_buffered_up_to_a_cap(catalogue: Catalogue) -> None:
    check = checker(catalogue)
    agents = check.route("POST", "/v1/agents")
    assert agents.body_kind == "agent" and agents.limit is not None and not agents.limit.enforced
    assert agents.limit.limit == min(limit.limit for limit in check.limits.values())
    assert check.route("POST", "/v1/messages").limit.enforced  # type: ignore[union-attr]
    assert check.route("POST", "/v1/files").limit is None  # an upload: streamed through


@pytest.mark.parametrize("fmt", ["pretty", "json"])
def test_log_lines_redact_keys(fmt: str) -> None:
    import io

    from claude_preflight.proxy.logs import Event, EventLog
    from claude_preflight.report import Finding

    key = "sk-ant-api03-" + "L" * 40
    stream = io.StringIO()
    log = EventLog(fmt, stream)
    log.started("http://127.0.0.1:8787", "https://api.anthropic.com", "block", [])
    log.request(Event("POST", f"/v1/messages/{key}", action="blocked", status=400,
                      findings=(Finding("SC001", "key-in-body", "error", f"an API key {key} in the body", "/system"),)))
    text = stream.getvalue()
    assert "export ANTHROPIC_BASE_URL=http://127.0.0.1:8787" in text
    assert "SC001" in text and "/system" in text
    assert key not in text and "L" * 20 not in text
