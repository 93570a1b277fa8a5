"""`models sync` and `models --diff` against a fake Models API on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_preflight.catalogue import load_catalogue
from claude_preflight.sync import cli as sync_cli
from claude_preflight.sync.client import Credentials, SyncError, list_models, parse_model, parse_rfc3339
from claude_preflight.sync.diff import diff
from tests.conftest import minimal

KEY = "sk-ant-api03-FAKEfakeFAKEfake0123456789abcdefTESTKEYonly-zz9Q"
NEW_ID = "claude-opus-5-6"


def _caps(thinking: dict[str, bool] | None = None) -> dict[str, Any]:
    def flag(v: bool) -> dict[str, bool]:
        return {"supported": v}

    types = thinking or {"adaptive": True, "between_tools": True, "disabled": False, "enabled": False}
    return {
        "batch": flag(True), "citations": flag(True), "code_execution": flag(True),
        "context_management": {"supported": True, "clear_thinking_20251015": flag(True)},
        "effort": {"supported": True, "low": flag(True), "medium": flag(True), "high": flag(True), "max": flag(True), "xhigh": flag(True)},
        "image_input": flag(True), "pdf_input": flag(True),
        "server_tools": {"supported": True, "code_execution": flag(True), "web_search": flag(True)},
        "structured_outputs": flag(True),
        "thinking": {"supported": True, "types": {k: flag(v) for k, v in types.items()}},
    }


def _model(model_id: str, **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": model_id, "type": "model", "display_name": model_id.replace("-", " ").title(),
        "created_at": "2026-11-30T00:00:00Z", "lifecycle": "active", "deprecated_at": None, "retires_at": None,
        "line": "opus", "max_input_tokens": 1000000, "max_tokens": 128000, "capabilities": _caps(),
    }
    item.update(extra)
    return item


MODELS = [
    _model(NEW_ID, display_name="Claude Opus 5.6"),
    _model("claude-opus-5-5", display_name="Claude Opus 5.5", created_at="2026-09-22T00:00:00Z"),
    _model("claude-sonnet-4-5-20250929", display_name="Claude Sonnet 4.5", line="sonnet", lifecycle="retired",
           created_at="2025-09-29T00:00:00Z", deprecated_at="2026-08-01T00:00:00.123456Z", retires_at="2026-11-30T00:00:00Z",
           max_tokens=64000, max_input_tokens=200000),
]


def _pages(models: list[dict[str, Any]], size: int) -> Callable[[dict[str, list[str]]], tuple[int, Any]]:
    """A handler serving ``models`` in pages as the API does (after_id cursor, has_more, first_id/last_id)."""

    def serve(query: dict[str, list[str]]) -> tuple[int, Any]:
        start = 0
        if "after_id" in query:
            start = [m["id"] for m in models].index(query["after_id"][0]) + 1
        chunk = models[start : start + size]
        return 200, {"data": chunk, "has_more": start + size < len(models),
                     "first_id": chunk[0]["id"] if chunk else None, "last_id": chunk[-1]["id"] if chunk else None}

    return serve


class FakeApi:
    def __init__(self) -> None:
        self.respond: Callable[[dict[str, list[str]]], tuple[int, Any]] = _pages(MODELS, 2)
        self.requests: list[tuple[str, dict[str, str]]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                api.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                status, payload = api.respond(parse_qs(urlsplit(self.path).query))
                if isinstance(payload, dict) and "__redirect__" in payload:
                    self.send_response(status)
                    self.send_header("Location", payload["__redirect__"])
                    self.end_headers()
                    return
                body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeApi]:
    fake = FakeApi()
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    monkeypatch.setenv("CLAUDE_PREFLIGHT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CLAUDE_PREFLIGHT_NO_OVERLAY", raising=False)
    yield fake
    fake.close()


def _args(**values: Any) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--catalogue", action="append", default=[])
    parser.add_argument("--format", default="pretty")
    sync_cli.add_sync_arguments(parser)
    argv: list[str] = []
    for name, value in values.items():
        argv += [f"--{name.replace('_', '-')}", str(value)]
    return parser.parse_args(argv)


def _run(fn: Callable[[argparse.Namespace], int], capsys: pytest.CaptureFixture[str], **values: Any) -> tuple[int, str, str]:
    code = fn(_args(**values))
    out, err = capsys.readouterr()
    assert KEY not in out + err and "FAKEfakeFAKEfake" not in out + err
    return code, out, err


# ----------------------------------------------------------------------------- end to end


def test_sync_writes_an_overlay_that_teaches_validate_the_new_model(api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "overlay.yaml"
    code, out, err = _run(sync_cli.run_sync, capsys, output=target)
    assert code == 0, err
    assert "Listed 3 models" in out and "1 new models" in out
    # Every page was read, with the SDK's headers and the cursor of the previous page.
    paths = [p for p, _ in api.requests]
    assert len(paths) == 2 and "after_id=claude-opus-5-5" in paths[1]
    assert all(h["x-api-key"] == KEY and h["anthropic-version"] for _, h in api.requests)
    assert all("lifecycle%5B%5D=retired" in p for p in paths)
    text = target.read_text()
    assert KEY not in text and "FAKEfake" not in text
    assert "models-api-sync" in text and f"{api.url}/v1/models" in text  # cites the endpoint it read

    before = load_catalogue()
    after = load_catalogue([target])
    body = minimal(NEW_ID)
    from claude_preflight import validate

    assert "LC001" in {f.code for f in validate(body, catalogue=before, as_of="2026-12-04").findings}
    report = validate(body, catalogue=after, as_of="2026-12-04")
    assert "LC001" not in {f.code for f in report.findings} and report.ok
    model = after.models[NEW_ID]
    assert model.display_name == "Claude Opus 5.6" and model.context_window == 1000000 and model.max_output_tokens == 128000
    assert model.thinking_modes == {"adaptive", "between_tools"} and model.pdf
    # Budget thinking, which the listing says this model refuses, is now reported.
    budget = minimal(NEW_ID, thinking={"type": "enabled", "budget_tokens": 2048})
    assert not validate(budget, catalogue=after, as_of="2026-12-04").ok


def test_default_output_is_the_overlay_in_the_cache_folder(api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from claude_preflight.catalogue.overlay import default_overlay_path, synced_overlay

    assert synced_overlay() is None
    code, _, err = _run(sync_cli.run_sync, capsys)
    assert code == 0, err
    path = default_overlay_path()
    assert path is not None and path.parent == tmp_path / "cache" and synced_overlay() == path
    from claude_preflight.dates import now_utc
    from claude_preflight.catalogue.overlay import overlay_date

    assert overlay_date(path) == now_utc().date().isoformat()
    assert NEW_ID in load_catalogue([path]).models


def test_synced_overlay_is_loaded_automatically(api: FakeApi, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """After a sync, a fresh process (here: a fresh overlay look-up) knows the new model without --catalogue."""
    import claude_preflight.catalogue as catalogue_module

    monkeypatch.setattr(catalogue_module, "_OVERLAY", [])
    monkeypatch.setattr(catalogue_module, "_DEFAULT", [])
    before = load_catalogue()
    assert NEW_ID not in before.models
    code, _, err = _run(sync_cli.run_sync, capsys)
    assert code == 0, err
    monkeypatch.setattr(catalogue_module, "_OVERLAY", [])
    monkeypatch.setattr(catalogue_module, "_DEFAULT", [])
    after = load_catalogue()
    assert NEW_ID in after.models and after is not before
    assert NEW_ID not in load_catalogue(synced=False).models
    monkeypatch.setenv("CLAUDE_PREFLIGHT_NO_OVERLAY", "1")
    monkeypatch.setattr(catalogue_module, "_OVERLAY", [])
    monkeypatch.setattr(catalogue_module, "_DEFAULT", [])
    assert NEW_ID not in load_catalogue().models


def test_no_overlay_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    from claude_preflight.catalogue.overlay import default_overlay_path

    monkeypatch.setenv("CLAUDE_PREFLIGHT_NO_OVERLAY", "1")
    assert default_overlay_path() is None


def test_known_model_gains_only_missing_lifecycle_events(api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shipped = load_catalogue().models["claude-opus-5-5"]
    api.respond = _pages([_model("claude-opus-5-5", lifecycle="deprecated", deprecated_at="2026-12-01T00:00:00Z",
                                 retires_at="2027-12-01T00:00:00Z", max_tokens=shipped.max_output_tokens,
                                 max_input_tokens=shipped.context_window)], 5)
    target = tmp_path / "o.yaml"
    assert _run(sync_cli.run_sync, capsys, output=target)[0] == 0
    merged = load_catalogue([target]).models["claude-opus-5-5"]
    events = [(e.event, e.at.date().isoformat()) for e in merged.lifecycle]
    assert ("deprecated", "2026-12-01") in events and ("retired", "2027-12-01") in events
    assert all((e.event, e.at) in {(x.event, x.at) for x in merged.lifecycle} for e in shipped.lifecycle)  # nothing lost
    assert merged.thinking_modes == shipped.thinking_modes and merged.sampling == shipped.sampling


def test_diff_lists_new_gone_and_changed(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(sync_cli.run_diff, capsys)
    assert code == 1, err
    assert f"+ {NEW_ID}" in out
    cat = load_catalogue()
    from claude_preflight.sync.client import parse_model as parse

    live = [m for m in (parse(item, "t", None, []) for item in MODELS) if m is not None]
    found = diff(cat, live, as_of=parse_rfc3339("2026-12-04"))
    assert found.new == [NEW_ID]
    assert "claude-opus-4-8" in found.gone or found.gone  # current models the fake does not list
    assert "claude-opus-5-5" not in found.gone and "claude-sonnet-4-5-20250929" not in found.gone
    changed = {(c.model, c.field) for c in found.changed}
    sonnet = cat.models["claude-sonnet-4-5-20250929"]
    if sonnet.max_output_tokens != 64000:
        assert ("claude-sonnet-4-5-20250929", "max_output_tokens") in changed
    # Identical live data gives no change for that model.
    same = parse(_model("claude-opus-5-5", max_tokens=cat.models["claude-opus-5-5"].max_output_tokens,
                        max_input_tokens=cat.models["claude-opus-5-5"].context_window, capabilities=None), "t", None, [])
    assert same is not None
    assert not [c for c in diff(cat, [same], as_of=parse_rfc3339("2026-12-04")).changed if c.field != "lifecycle"]


def test_diff_json(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(sync_cli.run_diff, capsys, format="json")
    assert code == 1 and json.loads(out)["new"] == [NEW_ID]


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("status", "payload", "expected"),
    [
        (401, {"type": "error", "error": {"type": "authentication_error", "message": f"invalid x-api-key {KEY}"}}, "refused the credential"),
        (403, {"type": "error", "error": {"type": "permission_error", "message": "no"}}, "HTTP 403"),
        (404, {"error": {}}, "no Models API"),
        (429, b"slow down", "rate limited"),
        (500, b"<html>oops</html>", "server failed"),
        (503, {"type": "error", "error": {"type": "overloaded_error", "message": "overloaded"}}, "HTTP 503"),
        (200, b"{not json", "malformed JSON"),
        (200, b"\xff\xfe\x00", "not UTF-8"),
        (200, [1, 2], "expected a JSON object"),
        (200, {"data": "nope"}, "'data' must be a list"),
        (200, {"data": [5]}, "a model must be an object"),
        (200, {"data": [{"id": 7}]}, "'id' must be a string"),
        (200, {"data": [_model("claude-x", max_tokens="many")]}, "'max_tokens' must be a positive integer"),
        (200, {"data": [_model("claude-x", max_tokens=True)]}, "'max_tokens' must be a positive integer"),
        (200, {"data": [_model("claude-x", created_at="yesterday")]}, "not an RFC 3339"),
        (200, {"data": [_model("claude-x", capabilities=[])]}, "'capabilities' must be an object"),
        (200, {"data": [], "has_more": "yes"}, "'has_more' must be true or false"),
        (200, {"data": [_model("claude-x")], "has_more": True, "last_id": None}, "gives no last_id"),
        (200, {"data": [_model("claude-x")], "has_more": True, "last_id": "claude-x"}, "pagination loops"),
        (200, b"[" * 100000 + b"]" * 100000, "malformed JSON"),
    ],
)
def test_hostile_or_failing_server_gives_a_clear_error(
    api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str], status: int, payload: Any, expected: str
) -> None:
    api.respond = lambda query: (status, payload)
    target = tmp_path / "o.yaml"
    code, out, err = _run(sync_cli.run_sync, capsys, output=target)
    assert code == 2 and expected in err and "Traceback" not in err, err
    assert not target.exists()


def test_huge_response_is_refused(api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from claude_preflight.sync import client

    monkeypatch.setattr(client, "MAX_RESPONSE_BYTES", 4096)
    api.respond = lambda query: (200, {"data": [_model(f"claude-x-{i}") for i in range(50)]})
    code, _, err = _run(sync_cli.run_sync, capsys, output=tmp_path / "o.yaml")
    assert code == 2 and "larger than" in err


def test_redirect_is_refused_so_the_key_never_travels(api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    api.respond = lambda query: (302, {"__redirect__": "http://127.0.0.1:9/elsewhere"})
    code, _, err = _run(sync_cli.run_sync, capsys, output=tmp_path / "o.yaml")
    assert code == 2 and "redirecting" in err and len(api.requests) == 1


def test_lifecycle_filter_unknown_to_the_server_falls_back(api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inner = _pages(MODELS, 10)
    api.respond = lambda query: (400, {"error": {"type": "invalid_request_error"}}) if "lifecycle[]" in query else inner(query)
    code, out, err = _run(sync_cli.run_sync, capsys, output=tmp_path / "o.yaml")
    assert code == 0 and "retired models were not listed" in out, err


def test_invalid_ids_are_skipped_with_a_warning(api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    api.respond = lambda query: (200, {"data": [_model("Claude-UPPER"), _model(f"../{KEY}"), _model(NEW_ID)]})
    target = tmp_path / "o.yaml"
    code, _, err = _run(sync_cli.run_sync, capsys, output=target)
    assert code == 0 and err.count("skipped") == 2
    assert NEW_ID in load_catalogue([target]).models and KEY not in target.read_text()


def test_a_response_echoing_the_key_never_reaches_the_file(api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    api.respond = lambda query: (200, {"data": [_model(NEW_ID, display_name=f"leak {KEY}")]})
    target = tmp_path / "o.yaml"
    assert _run(sync_cli.run_sync, capsys, output=target)[0] == 0
    assert KEY not in target.read_text() and "FAKEfakeFAKEfake" not in target.read_text()


def test_plain_key_of_another_shape_is_not_echoed(api: FakeApi, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secret = "gateway-secret-123456789"
    monkeypatch.setenv("ANTHROPIC_API_KEY", secret)
    api.respond = lambda query: (401, {"error": {"type": "authentication_error", "message": f"bad key {secret}"}})
    code, out, err = _run(sync_cli.run_sync, capsys, output=tmp_path / "o.yaml")
    assert code == 2 and secret not in out + err


def test_no_key(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", "")
    code, _, err = _run(sync_cli.run_sync, capsys)
    assert code == 2 and "ANTHROPIC_API_KEY" in err


def test_auth_token_is_sent_as_bearer(api: FakeApi, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "")
    monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", "sk-ant-oat01-FAKEtokenFAKEtokenFAKEtoken00")
    assert _run(sync_cli.run_sync, capsys, output=tmp_path / "o.yaml")[0] == 0
    assert api.requests[0][1]["authorization"] == "Bearer sk-ant-oat01-FAKEtokenFAKEtokenFAKEtoken00"
    assert "x-api-key" not in api.requests[0][1]


@pytest.mark.parametrize("base", ["file:///etc/passwd", "ftp://x", "not a url", "http://"])
def test_bad_base_url(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], base: str) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", base)
    code, _, err = _run(sync_cli.run_sync, capsys)
    assert code == 2 and "ANTHROPIC_BASE_URL" in err


def test_network_failure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{port}/prefix/")
    code, _, err = _run(sync_cli.run_sync, capsys, output=tmp_path / "o.yaml", timeout=2)
    assert code == 2 and "cannot reach" in err and f"127.0.0.1:{port}/prefix/v1/models" in err


def test_unwritable_output(api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = _run(sync_cli.run_sync, capsys, output=blocker / "o.yaml")
    assert code == 2 and "Traceback" not in err


# ----------------------------------------------------------------------------- properties


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
                    max_leaves=20))
def test_parse_model_never_crashes(item: Any) -> None:
    try:
        parse_model(item, "x", KEY, [])
    except SyncError as exc:
        assert KEY not in str(exc)


@settings(max_examples=25, deadline=None)  # each example compiles a catalogue
@given(st.dictionaries(st.sampled_from(["id", "display_name", "created_at", "lifecycle", "deprecated_at", "retires_at",
                                        "line", "max_input_tokens", "max_tokens", "capabilities"]),
                       st.none() | st.booleans() | st.integers() | st.text(max_size=30) | st.just(_caps()), max_size=10))
def test_any_accepted_model_makes_a_loadable_overlay(item: dict[str, Any]) -> None:
    from claude_preflight.catalogue import Catalogue
    from claude_preflight.catalogue.loader import read_and_merge
    from claude_preflight.sync.client import Listing
    from claude_preflight.sync.overlay import build_overlay, dump

    try:
        model = parse_model(item, "x", None, [])
    except SyncError:
        return
    if model is None:
        return
    import tempfile

    document = build_overlay(Listing("http://127.0.0.1/v1/models", [model]), load_catalogue(), parse_rfc3339("2026-12-04T10:00:00Z") or None)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "o.yaml"
        path.write_text(dump(document))
        merged = Catalogue(read_and_merge([path]))
    found = diff(merged, [model], as_of=parse_rfc3339("2026-12-04"))
    assert model.id not in found.new  # the overlay taught the catalogue the model


def test_rfc3339() -> None:
    assert parse_rfc3339("2026-08-01T10:00:00.123456+02:00") == parse_rfc3339("2026-08-01T08:00:00Z")
    assert parse_rfc3339("2026-02-30") is None and parse_rfc3339("x") is None


def test_credentials_repr_is_not_needed_for_messages() -> None:
    # list_models works with an injected opener (no socket) and reports the public URL only.
    creds = Credentials("https://user:pw@example.invalid", "x-api-key", KEY)

    def opener(request: Any, timeout: float) -> Any:
        raise OSError(f"boom {KEY}")

    with pytest.raises(SyncError) as caught:
        list_models(creds, opener=opener)
    assert KEY not in str(caught.value) and "pw" not in str(caught.value)


def test_overlay_lives_in_the_catalogue_cache_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from claude_preflight.catalogue.overlay import OVERLAY_NAME, default_overlay_path

    monkeypatch.delenv("CLAUDE_PREFLIGHT_NO_OVERLAY", raising=False)
    monkeypatch.setenv("CLAUDE_PREFLIGHT_CACHE_DIR", str(tmp_path))
    assert default_overlay_path() == tmp_path / OVERLAY_NAME
