"""Issue 17: reports carry the catalogue's date, and a run checked for a date well past it says
so once (rule CF003), in the CLI, the pytest plugin and the SDK guard."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from claude_preflight import validate
from claude_preflight.catalogue import Catalogue, load_catalogue
from claude_preflight.catalogue.staleness import stale_args, verified
from claude_preflight.cli.main import main
from conftest import REPO, minimal

LATE = "2027-02-01"  # 69 days after the catalogue's 2026-11-24
GOOD = {"model": "claude-sonnet-4-6", "max_tokens": 64, "messages": [{"role": "user", "content": "Hi"}]}


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=timezone.utc)


def test_catalogue_date_is_the_oldest_verified_date_of_its_files() -> None:
    dates = []
    for path in sorted((REPO / "rules").rglob("*.yaml")):
        meta = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("catalogue") or {}
        if "verified" in meta:
            dates.append(str(meta["verified"]))
    assert dates and str(verified(load_catalogue())) == min(dates)


def test_stale_only_past_the_configured_number_of_days(catalogue: Catalogue) -> None:
    checked = verified(catalogue)
    assert checked is not None
    assert stale_args(catalogue, _at(checked.isoformat())) is None
    limit = int(catalogue.settings["stale_after_days"])
    edge = _at(checked.isoformat()).replace(day=checked.day)
    from datetime import timedelta

    assert stale_args(catalogue, edge + timedelta(days=limit)) is None
    late = stale_args(catalogue, edge + timedelta(days=limit + 1))
    assert late == {"verified": checked.isoformat(), "days": limit + 1, "as_of": (checked + timedelta(days=limit + 1)).isoformat()}
    assert stale_args(catalogue, edge + timedelta(days=10), limit=5) is not None


def test_report_carries_the_catalogue_date_and_no_finding_per_request() -> None:
    report = validate(minimal(), as_of=LATE)
    assert report.catalogue_verified == "2026-11-24" and report.to_dict()["catalogue_verified"] == "2026-11-24"
    assert "CF003" not in report.codes()  # once per run, never once per request


def _fixtures(tmp_path: Path, count: int) -> list[str]:
    names = []
    for index in range(count):
        path = tmp_path / f"request-{index}.json"
        path.write_text(json.dumps(GOOD), encoding="utf-8")
        names.append(str(path))
    return names


def test_cli_says_it_once_per_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    names = _fixtures(tmp_path, 3)
    assert main(["check", "--no-config", "--as-of", LATE, *names]) == 0
    out = capsys.readouterr().out
    assert out.count("CF003 info") == 1 and "69 days before 2027-02-01" in out and "models sync" in out
    assert "1 info in 3 request(s) from 3 file(s)" in out
    assert main(["check", "--no-config", "--as-of", LATE, "--format", "json", *names]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [f["code"] for r in data["files"] for f in r["findings"]] == ["CF003"]
    assert main(["check", "--no-config", "--as-of", LATE, "--fail-on", "info", *names]) == 1
    capsys.readouterr()
    assert main(["check", "--no-config", "--as-of", "2026-12-04", *names]) == 0
    assert "CF003" not in capsys.readouterr().out


def test_configuration_sets_the_days_and_can_ignore_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    names = _fixtures(tmp_path, 1)
    config = tmp_path / "pyproject.toml"
    config.write_text("[tool.claude-preflight]\nstale-after-days = 100\n", encoding="utf-8")
    assert main(["check", "--config", str(config), "--as-of", LATE, *names]) == 0
    assert "CF003" not in capsys.readouterr().out
    config.write_text("[tool.claude-preflight]\nstale-after-days = 10\nignore = [\"CF003\"]\n", encoding="utf-8")
    assert main(["check", "--config", str(config), "--as-of", LATE, *names]) == 0
    assert "CF003" not in capsys.readouterr().out
    config.write_text("[tool.claude-preflight]\nstale-after-days = 0\n", encoding="utf-8")
    assert main(["check", "--config", str(config), "--as-of", LATE, *names]) == 2
    assert "pyproject.toml:2:" in capsys.readouterr().err


def test_sarif_output_stays_valid_with_a_run_level_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import jsonschema

    names = _fixtures(tmp_path, 1)
    assert main(["check", "--no-config", "--as-of", LATE, "--format", "sarif", *names]) == 0
    log = json.loads(capsys.readouterr().out)
    schema = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.validate(log, schema)
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["CF003"]


def test_models_shows_the_catalogue_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "--no-config"]) == 0
    assert "Catalogue last checked on 2026-11-24" in capsys.readouterr().out
    assert main(["models", "--no-config", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["catalogue_verified"] == "2026-11-24" and data["overlay_synced"] is None


def test_sdk_guard_logs_it_once(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("anthropic")
    from anthropic._models import FinalRequestOptions
    from anthropic._request import APIRequest

    import claude_preflight.middleware as middleware

    monkeypatch.setattr(middleware, "_STALENESS_SAID", set())
    guard = middleware.PreflightMiddleware(as_of=LATE)
    options = FinalRequestOptions.construct(method="post", url="/v1/messages", json_data=dict(GOOD))
    with caplog.at_level(logging.INFO, logger="claude_preflight"):
        for _ in range(3):
            guard.check_request(APIRequest(options=options, cast_to=object))
    said = [r.getMessage() for r in caplog.records if "CF003" in r.getMessage()]
    assert len(said) == 1 and "69 days before 2027-02-01" in said[0]
