"""The pytest plugin, run for real with pytester: fixture files as items, the fixture, the helper."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

import pytest

from claude_preflight.config import Config
from claude_preflight.pytest_plugin import assert_preflight as plugin_assert_preflight
from claude_preflight.testing import assert_preflight, from_sdk_call

pytest_plugins = ["pytester"]


@pytest.fixture(scope="module", autouse=True)
def warm_catalogue() -> None:
    """pytester's in-process runs forget modules first imported inside them; import and
    load what the plugin uses beforehand so that each run reuses the compiled catalogue."""
    import importlib

    import claude_preflight.files.checking  # noqa: F401
    from claude_preflight.catalogue import load_catalogue

    for name in ("hypothesis", "yaml", "jsonschema"):  # hypothesis's own plugin imports it at the end of every run
        try:
            importlib.import_module(name)
        except ImportError:
            pass

    load_catalogue()

AS_OF = "2026-11-24"


def request(model: str = "claude-sonnet-4-6", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "max_tokens": 1024, "messages": [{"role": "user", "content": "Hello"}]}
    body.update(extra)
    return body


GOOD = request()
# claude-opus-4-8 refuses temperature at any value: SP002 error
BAD = request("claude-opus-4-8", temperature=0.5)
# retires 2026-11-30: a warning (LC003) before, an error (LC002) after
RETIRING = request("claude-sonnet-4-5")

BAD_JSON = json.dumps(BAD, indent=2)
GOOD_YAML = "model: claude-sonnet-4-6\nmax_tokens: 1024\nmessages:\n  - role: user\n    content: Hello\n"
BAD_YAML = "model: claude-opus-4-8\nmax_tokens: 1024\ntemperature: 0.5\nmessages:\n  - role: user\n    content: Hello\n"


def ini(pytester: pytest.Pytester, *lines: str, tool: str = "") -> None:
    text = "[tool.pytest.ini_options]\n" + "\n".join(lines) + "\n"
    if tool:
        text += "\n[tool.claude-preflight]\n" + tool
    pytester.makefile(".toml", pyproject=text)


def write(pytester: pytest.Pytester, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


PATHS = 'preflight_paths = ["requests/*.json", "requests/*.yaml", "requests/*.jsonl"]'
PINNED = f'preflight_as_of = "{AS_OF}"'


# ----------------------------------------------------------------------------- collection


def test_plain_run_collects_nothing_extra(pytester: pytest.Pytester) -> None:
    write(pytester, {"requests/bad.json": BAD_JSON, "bad.json": BAD_JSON, "requests/b.jsonl": json.dumps(BAD)})
    pytester.makepyfile(test_a="def test_a():\n    pass\n")
    result = pytester.runpytest("-q")
    result.assert_outcomes(passed=1)
    assert "preflight" not in result.stdout.str()


def test_loading_the_plugin_is_cheap() -> None:
    import subprocess
    import sys

    code = "import sys, pytest, claude_preflight.pytest_plugin; print(sorted(m for m in ('yaml', 'jsonschema', 'rich', 'pydantic', 'anthropic') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_marker_selects_fixture_items(pytester: pytest.Pytester) -> None:
    ini(pytester, PATHS, PINNED)
    write(pytester, {"requests/good.json": json.dumps(GOOD), "test_a.py": "def test_a():\n    pass\n"})
    pytester.runpytest("-q", "-m", "preflight", "--strict-markers").assert_outcomes(passed=1, deselected=1)


def test_fixture_files_become_items(pytester: pytest.Pytester) -> None:
    ini(pytester, PATHS, PINNED)
    batch = "\n".join([json.dumps({"custom_id": "a", "params": GOOD}), json.dumps({"custom_id": "b", "params": BAD}), "", json.dumps(GOOD)])
    write(
        pytester,
        {
            "requests/good.json": json.dumps(GOOD),
            "requests/bad.json": BAD_JSON,
            "requests/good.yaml": GOOD_YAML,
            "requests/bad.yaml": BAD_YAML,
            "requests/batch.jsonl": batch + "\n",
            "requests/notes.txt": "not a request",
            "other/ignored.json": BAD_JSON,
        },
    )
    collected = pytester.runpytest("--collect-only", "-q").stdout.str()
    for node in ("requests/good.json::preflight", "requests/bad.yaml::preflight", "requests/batch.jsonl::line1", "requests/batch.jsonl::line2", "requests/batch.jsonl::line4"):
        assert node in collected
    assert "line3" not in collected and "ignored.json" not in collected and "notes.txt" not in collected
    result = pytester.runpytest("-q")
    result.assert_outcomes(passed=4, failed=3)
    failed = {line.split(" ", 1)[1].split(" - ")[0] for line in result.stdout.lines if line.startswith("FAILED ")}
    assert failed == {"requests/bad.json::preflight", "requests/bad.yaml::preflight", "requests/batch.jsonl::line2"}


def test_failure_text_is_readable(pytester: pytest.Pytester) -> None:
    ini(pytester, PATHS, PINNED)
    write(pytester, {"requests/bad.json": BAD_JSON, "requests/bad.yaml": BAD_YAML, "requests/batch.jsonl": json.dumps(GOOD) + "\n" + json.dumps(BAD) + "\n"})
    out = pytester.runpytest("-q").stdout.str()
    # file:line:col of the offending value, code, severity, name, message, pointer and fix
    line = next(n for n, text in enumerate(BAD_JSON.splitlines(), start=1) if '"temperature"' in text)
    assert f"requests/bad.json:{line}:18: SP002 error sampling-rejected-by-model: claude-opus-4-8 rejects temperature" in out
    assert "[/temperature]" in out and "fix: remove 'temperature'" in out
    assert "requests/bad.yaml:3:14: SP002 error" in out
    assert "requests/batch.jsonl:2:" in out and "SP002" in out
    assert "1 finding(s) at or above 'error' in requests/bad.json" in out
    assert "Traceback" not in out and "def runtest" not in out


def test_unreadable_files_fail_with_the_problem(pytester: pytest.Pytester) -> None:
    ini(pytester, PATHS, PINNED)
    write(pytester, {"requests/broken.json": '{"model": "claude-sonnet-4-6",\n  "max_tokens": }', "requests/empty.yaml": "", "requests/lines.jsonl": json.dumps(GOOD) + "\n{oops\n"})
    (pytester.path / "requests" / "binary.json").write_bytes(b"\x00\x01\x02")
    result = pytester.runpytest("-q")
    result.assert_outcomes(passed=1, failed=4)
    out = result.stdout.str()
    assert "requests/broken.json:2:17: invalid JSON" in out
    assert "requests/empty.yaml:1:1: empty file" in out
    assert "requests/lines.jsonl:2:" in out and "binary file" in out
    assert "Traceback" not in out


def test_files_outside_testpaths_are_collected_unless_paths_are_given(pytester: pytest.Pytester) -> None:
    ini(pytester, 'testpaths = ["tests"]', 'preflight_paths = ["requests/**/*.json"]', PINNED)
    write(pytester, {"requests/deep/bad.json": BAD_JSON, "requests/good.json": json.dumps(GOOD), "tests/test_x.py": "def test_x():\n    pass\n"})
    pytester.runpytest("-q").assert_outcomes(passed=2, failed=1)
    pytester.runpytest("-q", "tests").assert_outcomes(passed=1)
    pytester.runpytest("-q", "requests/good.json").assert_outcomes(passed=1)


# ----------------------------------------------------------------------------- ini options and configuration


def test_ini_as_of_and_fail_on(pytester: pytest.Pytester) -> None:
    write(pytester, {"requests/retiring.json": json.dumps(RETIRING)})
    ini(pytester, PATHS, PINNED)
    pytester.runpytest("-q").assert_outcomes(passed=1)
    ini(pytester, PATHS, PINNED, 'preflight_fail_on = "warning"')
    result = pytester.runpytest("-q")
    result.assert_outcomes(failed=1)
    assert "LC003 warning" in result.stdout.str()
    ini(pytester, PATHS, 'preflight_as_of = "2026-12-15"')
    result = pytester.runpytest("-q")
    result.assert_outcomes(failed=1)
    assert "LC002 error" in result.stdout.str()


def test_ini_surface_and_api_version_yield_to_the_envelope(pytester: pytest.Pytester) -> None:
    envelope = {"surface": "anthropic", "api_version": "2023-06-01", "body": request(temperature=0.5)}
    write(pytester, {"requests/plain.json": json.dumps(request(temperature=0.5)), "requests/envelope.json": json.dumps(envelope)})
    ini(pytester, PATHS, PINNED, 'preflight_api_version = "2026-10-21"')
    result = pytester.runpytest("-q")
    result.assert_outcomes(passed=1, failed=1)
    assert "requests/plain.json:1:" in result.stdout.str() and "SP001" in result.stdout.str()
    ini(pytester, PATHS, PINNED, 'preflight_surface = "bedrock"')
    result = pytester.runpytest("-q")
    result.assert_outcomes(passed=1, failed=1)
    assert "PF004" in result.stdout.str() and "FAILED requests/plain.json" in result.stdout.str()


def test_bad_ini_values_are_usage_errors(pytester: pytest.Pytester) -> None:
    write(pytester, {"requests/good.json": json.dumps(GOOD)})
    for line in ('preflight_fail_on = "fatal"', 'preflight_surface = "mars"', 'preflight_as_of = "soon"', 'preflight_api_version = "1999-01-01"'):
        ini(pytester, PATHS, line)
        result = pytester.runpytest("-q")
        assert result.ret == pytest.ExitCode.USAGE_ERROR, line
        assert "claude-preflight" in result.stderr.str()


@pytest.mark.parametrize(("tool", "line"), [('select = ["SPOO2"]\n', 6), ('[tool.claude-preflight.severity]\nsampling-rejectd-by-model = "info"\n', 7)])
def test_a_selector_typo_is_a_usage_error(pytester: pytest.Pytester, tool: str, line: int) -> None:
    write(pytester, {"requests/bad.json": BAD_JSON})
    ini(pytester, PATHS, PINNED, tool=tool)
    result = pytester.runpytest("-q")
    assert result.ret == pytest.ExitCode.USAGE_ERROR  # never a silent pass
    assert f"pyproject.toml:{line}:" in result.stderr.str() and "did you mean" in result.stderr.str()


def test_configuration_is_honoured(pytester: pytest.Pytester) -> None:
    write(pytester, {"requests/bad.json": BAD_JSON, "requests/legacy/old.json": BAD_JSON, "requests/bad.yaml": BAD_YAML})
    paths = 'preflight_paths = ["requests/**/*.json", "requests/*.yaml"]'
    ini(pytester, paths, PINNED, tool='ignore = ["sampling-rejected-by-model"]\n')
    pytester.runpytest("-q").assert_outcomes(passed=3)
    ini(pytester, paths, PINNED, tool='[tool.claude-preflight.per-file-ignores]\n"requests/legacy/*" = ["SP"]\n')
    pytester.runpytest("-q").assert_outcomes(passed=1, failed=2)
    ini(pytester, paths, PINNED, tool='fail-on = "info"\n[tool.claude-preflight.severity]\nSP002 = "info"\n')
    result = pytester.runpytest("-q")
    result.assert_outcomes(failed=3)
    assert "SP002 info" in result.stdout.str()
    overrides = '[[tool.claude-preflight.overrides]]\nfiles = ["requests/bad.json"]\npointer = "/temperature"\nignore = ["SP002"]\n'
    ini(pytester, paths, PINNED, tool=overrides)
    pytester.runpytest("-q").assert_outcomes(passed=1, failed=2)


def test_stale_override_is_reported(pytester: pytest.Pytester) -> None:
    overrides = '[[tool.claude-preflight.overrides]]\nfiles = ["requests/good.json"]\npointer = "/temperature"\nignore = ["SP002"]\n'
    ini(pytester, PATHS, PINNED, tool=overrides)
    write(pytester, {"requests/good.json": json.dumps(GOOD)})
    result = pytester.runpytest("-q")
    result.assert_outcomes(passed=1)
    assert "claude-preflight" in result.stdout.str() and "CF001" in result.stdout.str()


def test_inline_yaml_suppression(pytester: pytest.Pytester) -> None:
    ini(pytester, PATHS, PINNED)
    write(pytester, {"requests/bad.yaml": BAD_YAML.replace("temperature: 0.5", "temperature: 0.5  # claude-preflight: ignore[SP002]")})
    pytester.runpytest("-q").assert_outcomes(passed=1)


def test_preflight_flag_uses_configured_paths(pytester: pytest.Pytester) -> None:
    write(pytester, {"fixtures/bad.json": BAD_JSON, "fixtures/good.json": json.dumps(GOOD), "test_a.py": "def test_a():\n    pass\n"})
    ini(pytester, PINNED, tool='paths = ["fixtures/*.json"]\n')
    pytester.runpytest("-q").assert_outcomes(passed=1)
    pytester.runpytest("-q", "--preflight").assert_outcomes(passed=2, failed=1)


# ----------------------------------------------------------------------------- fixture and helper in user tests


USER_TESTS = f"""
import pytest
from claude_preflight.pytest_plugin import assert_preflight

GOOD = {GOOD!r}
BAD = {BAD!r}

def test_fixture_passes(preflight):
    report = preflight.check(GOOD)
    assert report.ok and report.as_of.startswith("{AS_OF}")

def test_fixture_fails(preflight):
    preflight.check(BAD)

def test_fixture_validate_only(preflight):
    assert preflight.validate(BAD).codes() == ["SP001"]  # the ini API version removed temperature

def test_fixture_uses_ini_defaults(preflight):
    preflight.check(dict(GOOD, temperature=0.5))

def test_fixture_kwargs_win(preflight):
    preflight.check(dict(GOOD, temperature=0.5), api_version="2023-06-01")

def test_helper_fails():
    assert_preflight(BAD, as_of="{AS_OF}")
"""


def test_fixture_and_helper_in_user_tests(pytester: pytest.Pytester) -> None:
    ini(pytester, PINNED, 'preflight_api_version = "2026-10-21"')
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest("-q")
    result.assert_outcomes(passed=3, failed=3)
    out = result.stdout.str()
    assert "FAILED test_user.py::test_fixture_fails" in out
    assert "FAILED test_user.py::test_fixture_uses_ini_defaults" in out
    assert "FAILED test_user.py::test_helper_fails" in out
    assert "claude-preflight: 1 finding(s) at or above 'error' (model claude-opus-4-8, surface anthropic" in out
    assert "SP002 error sampling-rejected-by-model: claude-opus-4-8 rejects temperature at any value (found 0.5) [/temperature]" in out
    assert "fix: remove 'temperature'" in out
    assert "SP001 error" in out  # the ini API version applied inside the fixture


def test_fixture_honours_configuration(pytester: pytest.Pytester) -> None:
    ini(pytester, PINNED, tool='ignore = ["SP002"]\n')
    pytester.makepyfile(test_user=f"BAD = {BAD!r}\n\ndef test_it(preflight):\n    assert preflight.check(BAD).ok\n")
    pytester.runpytest("-q").assert_outcomes(passed=1)


# ----------------------------------------------------------------------------- the helper itself


def test_helper_returns_the_report_or_raises() -> None:
    assert plugin_assert_preflight is assert_preflight
    assert assert_preflight(GOOD, as_of=AS_OF).ok
    with pytest.raises(AssertionError, match=r"SP002 error .*\[/temperature\]"):
        assert_preflight(BAD, as_of=AS_OF)
    # warnings fail only when asked to
    assert_preflight(RETIRING, as_of=AS_OF)
    with pytest.raises(AssertionError, match="LC003"):
        assert_preflight(RETIRING, as_of=AS_OF, fail_on="warning")
    assert assert_preflight(BAD, as_of=AS_OF, config={"ignore": ["SP002"]}).findings == ()
    assert assert_preflight(BAD, as_of=AS_OF, config=Config(severity={"SP002": "warning"})).findings[0].severity == "warning"
    with pytest.raises(ValueError):
        assert_preflight(GOOD, fail_on="fatal")


def test_helper_accepts_a_captured_sdk_call() -> None:
    create = mock.Mock()
    create(**request("claude-sonnet-4-6"), extra_body={"temperature": 0.5}, extra_headers={"X-Trace": "1"}, betas=["context-management-2025-06-27"])
    arguments = from_sdk_call(create.call_args)
    assert arguments["body"]["temperature"] == 0.5 and "extra_body" not in arguments["body"]
    assert arguments["headers"]["anthropic-beta"] == "context-management-2025-06-27"
    with pytest.raises(AssertionError, match="SP001"):  # the SDK's default version 2026-10-21 removed temperature
        assert_preflight(create.call_args, as_of=AS_OF)
    create(**GOOD)
    assert assert_preflight(create.call_args, as_of=AS_OF).api_version == "2026-10-21"


def test_helper_accepts_captured_http_requests() -> None:
    anthropic = pytest.importorskip("anthropic")
    import httpx2

    captured: list[Any] = []

    def transport(req: Any) -> Any:
        captured.append(req)
        message = {"id": "m", "type": "message", "role": "assistant", "model": "claude-opus-4-8", "content": [],
                   "stop_reason": "end_turn", "stop_sequence": None, "usage": {"input_tokens": 1, "output_tokens": 1}}
        return httpx2.Response(200, json=message)

    client = anthropic.Anthropic(api_key="fake-" + "0" * 8, base_url="http://127.0.0.1:9", http_client=httpx2.Client(transport=httpx2.MockTransport(transport)), max_retries=0)
    client.messages.create(**request("claude-opus-4-8"), extra_body={"temperature": 0.5})
    with pytest.raises(AssertionError, match="SP00"):
        assert_preflight(captured[0], as_of=AS_OF)
    client.messages.create(**GOOD)
    report = assert_preflight(captured[1], as_of=AS_OF)
    assert report.api_version == "2026-10-21" and report.endpoint == "/v1/messages"


def test_helper_accepts_an_sdk_api_request() -> None:
    pytest.importorskip("anthropic")
    from anthropic._models import FinalRequestOptions
    from anthropic._request import APIRequest

    options = FinalRequestOptions.construct(method="post", url="/v1/messages/batches", json_data={"requests": [{"custom_id": "a", "params": BAD}]})
    with pytest.raises(AssertionError, match="/requests/0/params/temperature"):
        assert_preflight(APIRequest(options=options, cast_to=object), as_of=AS_OF)
