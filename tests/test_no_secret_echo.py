"""No output of the tool, in any format, echoes an API key found in a request.

The keys are fake and built at run time so that no key-shaped literal sits in the repository.
"""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path

import pytest

from claude_preflight import PreflightError, check, validate
from claude_preflight.cli.main import main

pytest_plugins = ["pytester"]


def fake_key(kind: str = "api03") -> str:
    return "sk-ant-" + kind + "-" + "Zq7" * 31 + "AA"


KEY = fake_key()
ADMIN = fake_key("admin01")


def request_with_keys() -> dict[str, object]:
    return {
        "as_of": "2026-11-24",
        "headers": {"anthropic-version": "2023-06-01", "x-api-key": ADMIN},
        "body": {
            "model": KEY,  # a key pasted into the wrong field is quoted by several rules
            "max_tokens": 64,
            "metadata": {"user_id": KEY},
            "messages": [{"role": "user", "content": f"my key is {KEY}"}],
        },
    }


def assert_clean(text: str) -> None:
    assert KEY not in text and ADMIN not in text
    assert "Zq7Zq7Zq7" not in text  # not even a long fragment


@pytest.mark.parametrize("fmt", ["pretty", "json", "sarif", "github"])
def test_every_cli_format(fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "leak.json"
    path.write_text(json.dumps(request_with_keys(), indent=2), encoding="utf-8")
    code = main(["check", "--format", fmt, str(path)])
    out, err = capsys.readouterr()
    assert code == 1
    assert "SC001" in out and "SC002" in out
    assert_clean(out + err)


def test_fix_diff_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "leak.json"
    path.write_text(json.dumps(request_with_keys(), indent=2), encoding="utf-8")
    main(["check", "--diff", "--unsafe-fixes", str(path)])
    out, err = capsys.readouterr()
    findings_part = out.split("\n---", 1)[0] if "\n---" in out else out
    assert_clean(findings_part + err)


def test_reports_and_exceptions() -> None:
    data = request_with_keys()
    report = validate(data["body"], headers=data["headers"], as_of="2026-11-24")
    assert {"SC001", "SC002"} <= set(report.codes())
    assert_clean(report.summary_text())
    assert_clean(json.dumps(report.to_dict()))
    with pytest.raises(PreflightError) as info:
        check(data["body"], headers=data["headers"], as_of="2026-11-24")
    assert_clean(str(info.value))
    assert_clean(repr(info.value))


def test_middleware_warnings_logs_and_errors(caplog: pytest.LogCaptureFixture) -> None:
    import anthropic

    from claude_preflight import PreflightMiddleware
    from test_middleware import LocalAPI

    body = {"model": "claude-sonnet-4-6", "max_tokens": 64, "messages": [{"role": "user", "content": f"key {KEY}"}]}
    with LocalAPI() as api:

        def client(mode: str) -> anthropic.Anthropic:
            guard = PreflightMiddleware(mode=mode, as_of="2026-11-24")
            return api.track(anthropic.Anthropic(api_key=ADMIN, base_url=api.url, max_retries=0, middleware=[guard]))

        with pytest.raises(PreflightError) as info:
            client("raise").messages.create(**body)
        assert "SC001" in info.value.report.codes()
        assert_clean(str(info.value))
        assert api.received == []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            client("warn").messages.create(**body)
        assert caught and all(KEY not in str(w.message) for w in caught)
        with caplog.at_level(logging.INFO, logger="claude_preflight"):
            client("log").messages.create(**body)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "SC001" in logged
    assert_clean(logged)


def test_pytest_plugin_failure_text(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\npreflight_paths = requests/*.json\n")
    (pytester.path / "requests").mkdir()
    (pytester.path / "requests" / "leak.json").write_text(json.dumps(request_with_keys()), encoding="utf-8")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    text = result.stdout.str() + result.stderr.str()
    assert "SC001" in text
    assert_clean(text)
