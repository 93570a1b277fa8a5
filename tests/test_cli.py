"""The command line: exit codes, positions, formats, and the informational commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claude_preflight.cli.main import main
from conftest import REPO


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = '{"model": "claude-sonnet-4-6", "max_tokens": 10, "messages": [{"role": "user", "content": "Hi"}]}'


def test_clean_file_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "ok.json", GOOD)
    code, out, _ = run(capsys, "check", "--as-of", "2026-11-24", str(path))
    assert code == 0
    assert "0 error(s)" in out


def test_findings_exit_1_with_positions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = '{\n  "model": "claude-opus-4-8",\n  "max_tokens": 10,\n  "temperature": 0.5,\n  "messages": [{"role": "user", "content": "Hi"}]\n}\n'
    path = write(tmp_path, "bad.json", text)
    code, out, _ = run(capsys, "check", "--as-of", "2026-11-24", str(path))
    assert code == 1
    assert f"{path}:4:18: SP002 error" in out


def test_yaml_positions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "body:\n  model: claude-opus-4-8\n  max_tokens: 10\n  top_k: 5\n  messages:\n    - role: user\n      content: Hi\n"
    path = write(tmp_path, "bad.yaml", text)
    code, out, _ = run(capsys, "check", "--as-of", "2026-11-24", str(path))
    assert code == 1
    assert f"{path}:4:10: SP002 error" in out
    assert "[/body/top_k]" in out


def test_jsonl_positions_use_line_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = '{"custom_id": "a", "params": ' + GOOD + "}"
    bad = '{"custom_id": "b", "params": {"model": "claude-opus-4-8", "max_tokens": 10, "top_p": 0.5, "messages": [{"role": "user", "content": "Hi"}]}}'
    path = write(tmp_path, "batch.jsonl", good + "\n\n" + bad + "\n")
    code, out, _ = run(capsys, "check", "--as-of", "2026-11-24", str(path))
    assert code == 1
    column = bad.index('0.5') + 1
    assert f"{path}:3:{column}: SP002 error" in out
    assert "2 request(s)" in out


def test_unparseable_file_exits_2_and_others_still_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = write(tmp_path, "a-broken.json", '{"model": "x",\n  "max_tokens": }')
    bad = write(tmp_path, "b-bad.json", GOOD.replace("claude-sonnet-4-6", "claude-opus-4-8").replace('"max_tokens": 10', '"max_tokens": 10, "top_k": 1'))
    code, out, err = run(capsys, "check", "--as-of", "2026-11-24", str(tmp_path))
    assert code == 2
    assert f"{broken}:2:17: invalid JSON" in out
    assert f"{bad}:1:" in out and "SP002" in out
    assert "Traceback" not in out + err


def test_missing_path_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", str(tmp_path / "nope.json"))
    assert code == 2
    assert "no such file" in out


@pytest.mark.parametrize("argv", [["check", "--no-config"], ["frobnicate"], ["check", "x.json", "--format", "xml"], []])
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code  # type: ignore[assignment]
    assert code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_bad_as_of_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "ok.json", GOOD)
    code, _, err = run(capsys, "check", "--as-of", "soon", str(path))
    assert code == 2
    assert "--as-of" in err


def test_fail_on_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "dep.json", GOOD.replace("claude-sonnet-4-6", "claude-sonnet-4-5-20250929"))
    assert run(capsys, "check", "--as-of", "2026-11-24", str(path))[0] == 0
    assert run(capsys, "check", "--as-of", "2026-11-24", "--fail-on", "warning", str(path))[0] == 1


def test_json_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "bad.json", GOOD.replace("claude-sonnet-4-6", "claude-opus-4-8").replace('"max_tokens": 10', '"max_tokens": 10, "top_k": 1'))
    code, out, _ = run(capsys, "check", "--format", "json", "--as-of", "2026-11-24", str(path))
    data = json.loads(out)
    assert code == 1
    finding = data["files"][0]["findings"][0]
    assert finding["code"] == "SP002" and finding["line"] == 1 and finding["path"] == "/top_k"
    assert data["summary"]["error"] == 1


def test_envelope_settings_override_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = json.dumps({"as_of": "2026-07-01", "body": json.loads(GOOD.replace("claude-sonnet-4-6", "claude-sonnet-4-20250514"))})
    path = write(tmp_path, "env.json", text)
    code, out, _ = run(capsys, "check", "--as-of", "2026-01-01", str(path))
    assert code == 1 and "LC002" in out


def test_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "explain", "SP002")
    assert code == 0
    assert "sampling-rejected-by-model" in out and "https://" in out and "Example it flags" in out
    assert run(capsys, "explain", "sampling-rejected-by-model")[0] == 0
    assert run(capsys, "explain", "ZZ999")[0] == 2


def test_rules_lists_every_rule(capsys: pytest.CaptureFixture[str], catalogue) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "rules")
    assert code == 0
    for rule in catalogue.rules:
        assert rule.code in out


def test_models_on_a_date(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "models", "--as-of", "2026-06-20", "--format", "json")
    assert code == 0
    states = {m["model"]: m["state"] for m in json.loads(out)["models"]}
    assert states["claude-fable-5"] == "disabled"
    assert states["claude-sonnet-4-6"] == "active"
    assert "claude-opus-5-5" in states and states["claude-opus-5-5"] == "unreleased"


def test_shipped_examples(capsys: pytest.CaptureFixture[str]) -> None:
    good = run(capsys, "check", str(REPO / "examples" / "good"))
    assert good[0] == 0, good[1]
    for path in sorted((REPO / "examples" / "bad").iterdir()):
        code, out, _ = run(capsys, "check", str(path))
        assert code == 1, (path, out)


def test_jsonl_custom_ids_across_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entry = '{"custom_id": "%s", "params": ' + GOOD + "}"
    path = write(tmp_path, "batch.jsonl", "\n".join([entry % "a", entry % "b", entry % "a", entry % "no spaces"]) + "\n")
    code, out, _ = run(capsys, "check", "--as-of", "2026-11-24", str(path))
    assert code == 1
    assert f"{path}:3:15: EP005 error custom_id 'a' is already used by requests/0 (line 1)" in out
    assert f"{path}:4:15: EP004 error" in out
    assert out.index(":3:15:") < out.index(":4:15:")


def test_fix_diff_and_unsafe_fixes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = '{\n  "model": "claude-opus-4-8",\n  "max_tokens": 10,\n  "temperature": 0.5,\n  "messages": [{"role": "user", "content": "Hi"}]\n}\n'
    path = write(tmp_path, "req.json", text)
    code, out, err = run(capsys, "check", "--as-of", "2026-11-24", "--diff", str(path))
    assert code == 1 and '-  "temperature": 0.5,' in out and "Would fix 1 issue(s)" in err
    assert path.read_text(encoding="utf-8") == text  # --diff writes nothing
    code, out, err = run(capsys, "check", "--as-of", "2026-11-24", "--fix", str(path))
    assert code == 0 and "Fixed 1 issue(s) in 1 file(s); 0 finding(s) remain." in err
    assert path.read_text(encoding="utf-8") == text.replace('  "temperature": 0.5,\n', "")
    retired = write(tmp_path, "old.json", GOOD.replace("claude-sonnet-4-6", "claude-3-7-sonnet-20250219"))
    code, _, err = run(capsys, "check", "--as-of", "2026-11-24", "--fix", str(retired))
    assert code == 1 and "--unsafe-fixes" in err
    code, _, err = run(capsys, "check", "--as-of", "2026-11-24", "--unsafe-fixes", str(retired))
    assert code == 0, err
    assert "claude-3-7-sonnet-20250219" not in retired.read_text(encoding="utf-8")
