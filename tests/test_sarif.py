"""SARIF output: valid against the official 2.1.0 schema and shaped for GitHub code scanning."""

from __future__ import annotations

import json
import urllib.parse
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from claude_preflight.cli.main import main

DATA = Path(__file__).resolve().parent / "data"
AS_OF = "2026-11-24"

GOOD = {"model": "claude-sonnet-4-6", "max_tokens": 10, "messages": [{"role": "user", "content": "Hi"}]}
BAD_JSON = '{\n  "model": "claude-opus-4-8",\n  "max_tokens": 10,\n  "temperature": 0.5,\n  "messages": [{"role": "user", "content": "Hi"}]\n}\n'
BAD_YAML = "body:\n  model: claude-opus-4-8\n  max_tokens: 10\n  top_k: 5\n  messages:\n    - role: user\n      content: Hi\n"
BAD_RECORD = '{"custom_id": "b", "params": {"model": "claude-opus-4-8", "max_tokens": 10, "top_p": 0.5, "messages": [{"role": "user", "content": "Hi"}]}}'
DEPRECATED = json.dumps({**GOOD, "model": "claude-sonnet-4-5-20250929"})  # a warning on the catalogue date


@lru_cache(maxsize=1)
def validator() -> Any:
    from jsonschema import Draft4Validator

    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


def assert_valid(log: dict[str, Any]) -> None:
    errors = sorted(validator().iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def sarif(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main(["check", "--format", "sarif", "--as-of", AS_OF, *argv])
    out = capsys.readouterr().out
    return code, json.loads(out)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def results_by_rule(log: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for result in log["runs"][0]["results"]:
        found.setdefault(result["ruleId"], []).append(result)
    return found


def region(result: dict[str, Any]) -> tuple[str, int, int]:
    physical = result["locations"][0]["physicalLocation"]
    return physical["artifactLocation"]["uri"], physical["region"]["startLine"], physical["region"]["startColumn"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return tmp_path


def test_vendored_schema_is_the_official_one() -> None:
    import hashlib

    digest = hashlib.sha256((DATA / "sarif-schema-2.1.0.json").read_bytes()).hexdigest()
    assert digest == "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
    assert "oasis" in (DATA / "README.md").read_text(encoding="utf-8").lower()


def test_locations_for_json_yaml_and_jsonl(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, "fixtures/a.json", BAD_JSON)
    write(project, "fixtures/b.yaml", BAD_YAML)
    write(project, "fixtures/c.jsonl", json.dumps({"custom_id": "a", "params": GOOD}) + "\n\n" + BAD_RECORD + "\n")
    code, log = sarif(capsys, "fixtures")
    assert code == 1
    assert_valid(log)
    run = log["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"
    assert run["columnKind"] == "unicodeCodePoints"
    places = sorted(region(r) for r in run["results"])
    assert places == [
        ("fixtures/a.json", 4, 18),
        ("fixtures/b.yaml", 4, 10),
        ("fixtures/c.jsonl", 3, BAD_RECORD.index("0.5") + 1),
    ]
    for result in run["results"]:
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert result["ruleId"] == "SP002" and result["level"] == "error"
        assert result["message"]["text"].startswith("claude-opus-4-8 rejects")
    pointers = sorted(r["properties"]["jsonPointer"] for r in run["results"])
    assert pointers == ["/body/top_k", "/params/top_p", "/temperature"]
    assert run["invocations"] == [{"executionSuccessful": True}]


def test_rule_metadata_for_each_rule_that_fired(project: Path, capsys: pytest.CaptureFixture[str], catalogue: Any) -> None:
    write(project, "a.json", BAD_JSON)
    write(project, "b.json", DEPRECATED)
    write(project, "c.json", json.dumps({**GOOD, "temprature": 1}))
    _, log = sarif(capsys, ".")
    assert_valid(log)
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "claude-preflight" and driver["informationUri"].startswith("https://github.com/")
    rules = driver["rules"]
    fired = {r["ruleId"] for r in log["runs"][0]["results"]}
    assert {r["id"] for r in rules} == fired and len(rules) == len(fired)
    assert "SP002" in fired and "SH003" in fired and len(fired) >= 3
    for rule in rules:
        entry = catalogue.rule_by_code[rule["id"]]
        assert rule["name"] == entry.name
        assert rule["shortDescription"]["text"] == entry.summary
        assert rule["fullDescription"]["text"] == entry.explanation
        assert rule["helpUri"] == f"https://github.com/claude-preflight/claude-preflight/blob/main/docs/rules.md#{entry.code.lower()}"
        assert rule["defaultConfiguration"]["level"] == {"error": "error", "warning": "warning", "info": "note"}[entry.severity]
        assert rule["help"]["text"].startswith(entry.explanation)
    for result in log["runs"][0]["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_levels_follow_the_finding_not_only_the_rule(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, "pyproject.toml", '[tool.claude-preflight]\nseverity = { SH003 = "info" }\n')
    write(project, "a.json", BAD_JSON)
    write(project, "b.json", DEPRECATED)
    write(project, "c.json", json.dumps({**GOOD, "temprature": 1}))
    code, log = sarif(capsys, ".")
    assert_valid(log)
    by_rule = results_by_rule(log)
    levels = {rule: {r["level"] for r in found} for rule, found in by_rule.items()}
    assert levels["SP002"] == {"error"}
    assert levels["SH003"] == {"note"}
    assert "warning" in set().union(*levels.values())
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["SH003"]["defaultConfiguration"]["level"] == "error"  # the catalogue's level stays
    assert code == 1


def test_fingerprints_survive_edits_above_the_finding(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(project, "req.json", BAD_JSON)
    _, before = sarif(capsys, "req.json")
    path.write_text('{\n  "metadata": {"user_id": "u-1"},\n\n' + BAD_JSON[2:], encoding="utf-8")
    _, after = sarif(capsys, "req.json")
    (old,), (new,) = before["runs"][0]["results"], after["runs"][0]["results"]
    assert region(old)[1] == 4 and region(new)[1] == 6
    assert old["partialFingerprints"] == new["partialFingerprints"]
    # Another file or another pointer gives another fingerprint.
    write(project, "other.json", BAD_JSON)
    _, both = sarif(capsys, "req.json", "other.json")
    prints = {json.dumps(r["partialFingerprints"]) for r in both["runs"][0]["results"]}
    assert len(prints) == 2


def test_repeated_findings_at_one_pointer_get_distinct_fingerprints(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, "batch.jsonl", BAD_RECORD + "\n" + BAD_RECORD.replace('"b"', '"c"') + "\n")
    _, log = sarif(capsys, "batch.jsonl")
    assert_valid(log)
    results = log["runs"][0]["results"]
    assert len(results) == 2
    assert results[0]["partialFingerprints"] != results[1]["partialFingerprints"]


def test_unreadable_files_are_results_and_notifications(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, "broken.json", '{"model": "x",\n  "max_tokens": }')
    write(project, "bad.json", BAD_JSON)
    code, log = sarif(capsys, ".")
    assert code == 2
    assert_valid(log)
    run = log["runs"][0]
    (problem,) = results_by_rule(log)["unreadable-file"]
    assert problem["level"] == "error" and "invalid JSON" in problem["message"]["text"]
    assert region(problem) == ("broken.json", 2, 17)
    assert run["tool"]["driver"]["rules"][problem["ruleIndex"]]["id"] == "unreadable-file"
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["descriptor"]["id"] == "unreadable-file" and note["level"] == "error"
    assert "SP002" in results_by_rule(log)


def test_clean_run_is_valid_and_empty(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, "ok.json", json.dumps(GOOD))
    code, log = sarif(capsys, "ok.json")
    assert code == 0
    assert_valid(log)
    assert log["version"] == "2.1.0" and log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []


def test_paths_outside_the_current_directory_and_odd_names(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = write(tmp_path / "elsewhere", "bad request #1.json", BAD_JSON)
    here = tmp_path / "here"
    write(here, "sub dir/a%b,c.yaml", BAD_YAML)
    monkeypatch.chdir(here)
    _, log = sarif(capsys, str(elsewhere), "sub dir")
    assert_valid(log)
    uris = {}
    for result in log["runs"][0]["results"]:
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        uris[artifact["uri"]] = artifact.get("uriBaseId")
    assert uris[elsewhere.resolve().as_uri()] is None
    assert uris["sub%20dir/a%25b%2Cc.yaml"] == "%SRCROOT%"
    assert urllib.parse.unquote("sub%20dir/a%25b%2Cc.yaml") == "sub dir/a%b,c.yaml"


def test_unused_override_points_at_pyproject(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, "pyproject.toml", '[tool.claude-preflight]\noverrides = [{ files = ["*.json"], pointer = "/top_k", ignore = ["SP002"] }]\n')
    write(project, "ok.json", json.dumps(GOOD))
    _, log = sarif(capsys, "ok.json")
    assert_valid(log)
    (result,) = results_by_rule(log)["CF001"]
    assert region(result)[0] == "pyproject.toml"


def test_non_ascii_and_lone_surrogates_in_messages(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, "odd.json", json.dumps(GOOD)[:-1] + ', "t\\u00e9mp\\ud800": 1}')
    code, log = sarif(capsys, "odd.json")
    assert code == 1
    assert_valid(log)
    texts = [result["message"]["text"] for result in log["runs"][0]["results"]]
    assert any("t\u00e9mp" in text for text in texts), texts  # the unknown field, named


def test_output_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, "a.json", BAD_JSON)
    code = main(["check", "--format", "sarif", "--as-of", AS_OF, "--output", "out.sarif", "a.json"])
    assert code == 1
    assert capsys.readouterr().out == ""
    log = json.loads((project / "out.sarif").read_text(encoding="utf-8"))
    assert_valid(log)
    assert results_by_rule(log)["SP002"]
