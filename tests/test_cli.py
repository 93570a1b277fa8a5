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
    # the example body is shown as indented JSON lines, not one line of escaped newlines
    assert "\\x0a" not in out and '\n    "model": ' in out
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


# ----------------------------------------------------------------------------- ruff conventions

OPUS_TEMPERATURE = '{\n  "model": "claude-opus-4-8",\n  "max_tokens": 10,\n  "temperature": 0.5,\n  "messages": [{"role": "user", "content": "Hi"}]\n}\n'

SELECTOR_TYPOS = {
    "select": ('select = ["LC", "SPOO2"]\n', 4, "'SP002'"),
    "ignore": ('ignore = [\n  "LC009",\n  "sampling-rejectd-by-model",\n]\n', 6, "'sampling-rejected-by-model'"),
    "severity": ('[tool.claude-preflight.severity]\nLC001 = "error"\nSP0O2 = "info"\n', 5, "'SP002'"),
    "per-file-ignores": ('[tool.claude-preflight.per-file-ignores]\n"legacy/*.json" = ["LCC"]\n', 4, "rules"),
    "overrides": ('[[tool.claude-preflight.overrides]]\nfiles = ["gw.json"]\npointer = "/body/temperature"\nignore = ["SP02"]\n', 6, "'SP002'"),
}


@pytest.mark.parametrize("key", sorted(SELECTOR_TYPOS))
def test_a_typo_in_each_selector_list_exits_2(key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    table, line, guess = SELECTOR_TYPOS[key]
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n' + ("[tool.claude-preflight]\n" if not table.startswith("[") else "") + table)
    write(tmp_path, "req.json", OPUS_TEMPERATURE)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "check", "req.json")
    assert code == 2 and out == ""
    assert err.startswith(f"claude-preflight: pyproject.toml:{line}:") and f" {key}" in err and guess in err, err


@pytest.mark.parametrize("option", ["--select", "--extend-select", "--ignore", "--extend-ignore"])
def test_a_typo_in_a_selector_option_exits_2(option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "req.json", OPUS_TEMPERATURE)
    code, _, err = run(capsys, "check", "--no-config", option, "SP,SPOO2", str(path))
    assert code == 2 and f"{option}: unknown rule code or prefix 'SPOO2'; did you mean 'SP002'?" in err


def test_selection_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = OPUS_TEMPERATURE.replace('"max_tokens": 10', '"max_tokens": 10, "metadata": {"user_id": "x@example.com"}')
    path = write(tmp_path, "req.json", text)
    codes = lambda out: {line.split(": ")[1].split()[0] for line in out.splitlines() if ": " in line and line.startswith(str(path))}  # noqa: E731
    _, everything, _ = run(capsys, "check", "--no-config", "--format", "concise", "--as-of", "2026-11-24", str(path))
    assert "SP002" in codes(everything) and len(codes(everything)) > 1
    _, out, _ = run(capsys, "check", "--no-config", "--format", "concise", "--as-of", "2026-11-24", "--select", "SP", str(path))
    assert codes(out) == {"SP002"}
    _, out, _ = run(capsys, "check", "--no-config", "--format", "concise", "--as-of", "2026-11-24", "--ignore", "sampling-rejected-by-model", str(path))
    assert codes(out) == codes(everything) - {"SP002"}
    write(tmp_path, "pyproject.toml", '[tool.claude-preflight]\nignore = ["SP002"]\n')
    _, out, _ = run(capsys, "check", "--format", "concise", "--as-of", "2026-11-24", "--extend-select", "SP", "--select", "SP002", str(path))
    assert codes(out) == set()  # the configured ignore still applies
    code, out, _ = run(capsys, "check", "--format", "concise", "--as-of", "2026-11-24", "--ignore", "PF", str(path))
    assert "SP002" in codes(out) and code == 1  # --ignore replaces the configured list


def test_exit_zero_statistics_and_show_fixes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "req.json", OPUS_TEMPERATURE)
    other = write(tmp_path, "other.json", OPUS_TEMPERATURE)
    code, out, _ = run(capsys, "check", "--no-config", "--exit-zero", "--as-of", "2026-11-24", str(path))
    assert code == 0 and "SP002 error" in out
    assert run(capsys, "check", "--no-config", "--exit-zero", str(tmp_path / "missing.json"))[0] == 2
    code, out, _ = run(capsys, "check", "--no-config", "--statistics", "--as-of", "2026-11-24", str(path), str(other))
    assert code == 1 and out.splitlines()[0] == "2  SP002  sampling-rejected-by-model [--fix]"
    code, out, _ = run(capsys, "check", "--no-config", "--statistics", "--format", "json", "--as-of", "2026-11-24", str(path))
    assert json.loads(out) == [{"code": "SP002", "name": "sampling-rejected-by-model", "count": 1, "fix": "safe"}]
    code, out, _ = run(capsys, "check", "--no-config", "--show-fixes", "--as-of", "2026-11-24", str(path))
    assert "1 finding(s) fixable with --fix" in out
    code, _, err = run(capsys, "check", "--no-config", "--fix", "--show-fixes", "--as-of", "2026-11-24", str(path))
    assert code == 0 and "Fixes applied:" in err and "req.json" in err and "temperature" in err


def test_global_options_after_the_subcommand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write(tmp_path, "settings.toml", '[tool.claude-preflight]\nignore = ["SP002"]\n')
    path = write(tmp_path, "req.json", OPUS_TEMPERATURE)
    assert run(capsys, "check", "--as-of", "2026-11-24", str(path), "--config", str(config))[0] == 0
    assert run(capsys, "--config", str(config), "check", "--as-of", "2026-11-24", str(path))[0] == 0
    extra = write(tmp_path, "org.yaml", "catalogue: {description: x, verified: '2026-11-24'}\n")
    assert run(capsys, "rules", "--catalogue", str(extra), "--no-config")[0] == 0
    assert run(capsys, "--catalogue", str(tmp_path / "missing.yaml"), "rules", "--catalogue", str(extra))[0] == 2


def test_stdin_with_stdin_filename(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.chdir(tmp_path)
    write(tmp_path, "pyproject.toml", '[tool.claude-preflight]\n[tool.claude-preflight.per-file-ignores]\n"legacy/*.json" = ["SP002"]\n')
    for name, expected in (("requests/a.json", 1), ("legacy/a.json", 0)):
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(OPUS_TEMPERATURE.encode())))
        code, out, _ = run(capsys, "check", "-", "--stdin-filename", name, "--as-of", "2026-11-24")
        assert code == expected, out
    assert f"requests/a.json:4:18: SP002 error" in out or code == 0
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"body:\n  model: claude-opus-4-8\n  max_tokens: 5\n  top_k: 2\n  messages: [{role: user, content: Hi}]\n")))
    code, out, _ = run(capsys, "check", "-", "--stdin-filename", "x.yaml", "--as-of", "2026-11-24")
    assert code == 1 and "x.yaml:4:10: SP002 error" in out and "4 |   top_k: 2" in out
    assert run(capsys, "check", "-", "--fix")[0] == 2


def test_findings_sorted_by_file_line_column_with_relative_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = '{"messages": [{"role": "user", "content": "Hi"}], "top_k": 1,\n "temperature": 0.5, "max_tokens": 10, "model": "claude-opus-4-8"}\n'
    for name in ("b.json", "a/z.json", "a.json"):
        write(tmp_path, name, "") if "/" not in name else None
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, "check", "--format", "concise", "--as-of", "2026-11-24", str(tmp_path / "b.json"), "a", "a.json")
    places = [line.split(": ", 1)[0] for line in out.splitlines() if "SP002" in line]
    assert places == ["a/z.json:1:60", "a/z.json:2:17", "a.json:1:60", "a.json:2:17", "b.json:1:60", "b.json:2:17"]


def test_configuration_errors_at_the_line_of_the_entry(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "req.json", OPUS_TEMPERATURE)
    for table, line, text in (
        ('[tool.claude-preflight]\nselect = ["SP"]\nfail-on = "warn"\n', 3, "fail-on must be one of"),
        ('[tool.claude-preflight]\n\nsurface = "bedrok"\n', 3, "did you mean 'bedrock'"),
        ('[tool.claude-preflight]\nselct = ["SP"]\n', 2, "did you mean 'select'"),
        ('[tool.claude-preflight]\nselect = ["SP"\n', 2, "invalid TOML"),
    ):
        write(tmp_path, "pyproject.toml", table)
        code, _, err = run(capsys, "check", "req.json")
        assert code == 2 and err.startswith(f"claude-preflight: pyproject.toml:{line}:") and text in err, err


def test_header_findings_point_at_the_header(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = ("headers:\n  anthropic-version: '2023-06-01'\n  anthropic-beta: not-a-real-beta-2099\n"
            "body:\n  model: claude-sonnet-4-6\n  max_tokens: 10\n  messages: [{role: user, content: Hi}]\n")
    path = write(tmp_path, "env.yaml", text)
    code, out, _ = run(capsys, "check", "--no-config", "--format", "concise", "--as-of", "2026-11-24", str(path))
    assert f"{path}:3:19: HD005 warning" in out and "[/headers/anthropic-beta]" in out


def test_every_finding_with_a_fix_says_so(catalogue) -> None:  # type: ignore[no-untyped-def]
    from claude_preflight.output.text import line_of
    from claude_preflight.report import Finding

    fixable = [rule for rule in catalogue.rules if rule.fix]
    assert fixable
    for rule in fixable:
        finding = Finding(rule.code, rule.name, rule.severity, "message", "/x")  # a hit without its own hint
        assert "(fix: " in line_of(finding, catalogue), rule.code


def test_diff_prints_only_the_patch_and_git_applies_it(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "init", "-q", "."], check=True)
    write(tmp_path, "req.json", OPUS_TEMPERATURE)
    code, out, err = run(capsys, "check", "--no-config", "--diff", "--as-of", "2026-11-24", "req.json")
    assert code == 1 and out.startswith("--- a/req.json") or out.startswith("--- req.json"), out
    assert "error(s)" not in out and "Would fix 1 issue(s)" in err and "0 error(s)" in err
    (tmp_path / "fix.patch").write_text(out, encoding="utf-8")
    done = subprocess.run(["git", "apply", "fix.patch"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert '"temperature"' not in (tmp_path / "req.json").read_text(encoding="utf-8")


def test_pretty_shows_the_source_line_with_a_caret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "req.json", OPUS_TEMPERATURE)
    _, out, _ = run(capsys, "check", "--no-config", "--format", "pretty", "--as-of", "2026-11-24", str(path))
    lines = out.splitlines()
    at = lines.index(next(line for line in lines if ":4:18: SP002" in line))
    assert lines[at + 2] == '4 |   "temperature": 0.5,'
    assert lines[at + 3] == "  |" + " " * 18 + "^"
    assert lines[at + 3].index("^") == lines[at + 2].index("0.5")


@pytest.mark.parametrize("command", ["check", "explain", "rules", "models"])
def test_help_of_every_subcommand(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0
    assert "examples:" in out and "exit status:" in out and "--config" in out
    if command == "check":
        for key in ("select", "per-file-ignores", "extend-exclude", "respect-gitignore", "--stdin-filename", "--statistics"):
            assert key in out


def test_models_on_bedrock_with_inference_profiles(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "models", "--no-config", "--surface", "bedrock", "--as-of", "2026-11-24", "--format", "json")
    rows = {row["model"]: row for row in json.loads(out)["models"]}
    assert code == 0
    assert rows["claude-opus-4-8"]["ids"] == ["anthropic.claude-opus-4-8"]
    assert "global.anthropic.claude-opus-4-8" in rows["claude-opus-4-8"]["profiles"]
    code, out, _ = run(capsys, "models", "--no-config", "--surface", "bedrock", "--as-of", "2026-11-24")
    assert "anthropic.claude-opus-4-8" in out and "global.anthropic.claude-opus-4-8" in out


@pytest.mark.parametrize("argv", [["check", "--surface", "bedrok", "x.json"], ["models", "--surface", "bedrok"], ["check", "--api-version", "2099-01-01", "x.json"]])
def test_unknown_surface_or_version_is_a_usage_error(argv: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "x.json", GOOD)
    code, out, err = run(capsys, *argv, "--no-config")
    assert code == 2 and out == "" and "unknown" in err


def test_rules_json_format(capsys: pytest.CaptureFixture[str], catalogue) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "rules", "--format", "json", "--no-config")
    data = json.loads(out)
    assert code == 0 and len(data) == len(catalogue.rules)
    assert set(data[0]) == {"code", "name", "family", "severity", "summary", "fix"}
