"""GitHub Actions annotations: escaping, levels, automatic selection and the summary line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from claude_preflight.cli.main import main
from claude_preflight.output import default_format
from claude_preflight.output.github import command, escape_data, escape_property

AS_OF = "2026-11-24"
GOOD = {"model": "claude-sonnet-4-6", "max_tokens": 10, "messages": [{"role": "user", "content": "Hi"}]}
BAD_JSON = '{\n  "model": "claude-opus-4-8",\n  "max_tokens": 10,\n  "temperature": 0.5,\n  "messages": [{"role": "user", "content": "Hi"}]\n}\n'
DEPRECATED = json.dumps({**GOOD, "model": "claude-sonnet-4-5-20250929"})
COMMAND = re.compile(r"^::(?P<kind>error|warning|notice)(?: (?P<props>[^:]*))?::(?P<message>.*)$")


def unescape(text: str) -> str:
    """What the runner does with an escaped value (the reverse of @actions/core's escaping)."""
    return text.replace("%2C", ",").replace("%3A", ":").replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")


def parse(line: str) -> tuple[str, dict[str, str], str]:
    match = COMMAND.match(line)
    assert match, line
    props = dict(p.split("=", 1) for p in (match.group("props") or "").split(",") if p)
    return match.group("kind"), {k: unescape(v) for k, v in props.items()}, unescape(match.group("message"))


def annotations(out: str) -> list[tuple[str, dict[str, str], str]]:
    return [parse(line) for line in out.splitlines() if line.startswith("::")]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return tmp_path


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["check", "--as-of", AS_OF, *argv])
    return code, capsys.readouterr().out


# ----------------------------------------------------------------------------- escaping


def test_data_escaping() -> None:
    assert escape_data("100% sure\r\nnext: a, b") == "100%25 sure%0D%0Anext: a, b"
    assert escape_data("%0A") == "%250A"  # a literal escape sequence survives


def test_property_escaping() -> None:
    assert escape_property("a,b:c%d\ne\r") == "a%2Cb%3Ac%25d%0Ae%0D"


@pytest.mark.parametrize("text", ["plain", "a,b:c", "50% off", "line1\nline2\r\n", "%2C is a comma", "::error::nested", "\u00e9\u4e2d"])
def test_escaping_round_trips(text: str) -> None:
    kind, props, message = parse(command("warning", text, file=f"dir/{text}.json", line=3, column=7, title=text))
    assert kind == "warning"
    assert props == {"file": f"dir/{text}.json", "line": "3", "col": "7", "title": text}
    assert message == text
    assert "\n" not in command("error", text, title=text)


def test_lone_surrogates_do_not_break_output() -> None:
    line = command("error", "bad key '\ud800'", file="a\udcff.json", title="SH003 unknown-field")
    line.encode("utf-8")
    assert "\\ud800" in line


def test_command_without_location() -> None:
    assert command("notice", "hello") == "::notice::hello"
    assert command("error", "m", file="a.json", title="T") == "::error file=a.json,title=T::m"


# ------------------------------------------------------------------------- selection


@pytest.mark.parametrize(("env", "expected"), [({}, "pretty"), ({"GITHUB_ACTIONS": "true"}, "github"), ({"GITHUB_ACTIONS": "false"}, "pretty"), ({"GITHUB_ACTIONS": ""}, "pretty")])
def test_default_format(env: dict[str, str], expected: str) -> None:
    assert default_format(env) == expected


def test_chosen_automatically_in_github_actions(project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "fixtures/bad.json", BAD_JSON)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out = run(capsys, "fixtures")
    assert code == 1
    ((kind, props, message),) = annotations(out)
    assert kind == "error"
    assert props == {"file": "fixtures/bad.json", "line": "4", "col": "18", "title": "SP002 sampling-rejected-by-model"}
    assert message.startswith("fixtures/bad.json:4:18: claude-opus-4-8 rejects temperature")
    assert "[/temperature]" in message
    assert out.splitlines()[-1].startswith("claude-preflight: 1 error(s), 0 warning(s), 0 info in 1 request(s) from 1 file(s)")


def test_explicit_format_wins_in_github_actions(project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "bad.json", BAD_JSON)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out = run(capsys, "--format", "pretty", "bad.json")
    assert code == 1 and "bad.json:4:18: SP002 error" in out and "::" not in out
    code, out = run(capsys, "--format", "json", "bad.json")
    assert json.loads(out)["summary"]["error"] == 1


def test_not_chosen_outside_github_actions(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, "bad.json", BAD_JSON)
    _, out = run(capsys, "bad.json")
    assert "::error" not in out and "SP002 error" in out


# ---------------------------------------------------------------------------- levels


def test_levels(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, "pyproject.toml", '[tool.claude-preflight]\nseverity = { SH003 = "info" }\n')
    write(project, "a.json", BAD_JSON)
    write(project, "b.json", DEPRECATED)
    write(project, "c.json", json.dumps({**GOOD, "temprature": 1}))
    code, out = run(capsys, "--format", "github", ".")
    assert code == 1
    kinds = {props["title"].split()[0]: kind for kind, props, _ in annotations(out)}
    assert kinds["SP002"] == "error"
    assert kinds["SH003"] == "notice"
    assert "warning" in kinds.values()


def test_unreadable_file_is_an_error_annotation(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, "broken.yaml", "body: [unclosed\n")
    code, out = run(capsys, "--format", "github", "broken.yaml")
    assert code == 2
    ((kind, props, message),) = annotations(out)
    assert kind == "error" and props["title"] == "unreadable file" and props["file"] == "broken.yaml"
    assert "invalid YAML" in message


def test_odd_file_names_are_escaped(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, "a,b:c%.json", BAD_JSON)
    _, out = run(capsys, "--format", "github", "a,b:c%.json")
    assert "file=a%2Cb%3Ac%25.json," in out
    ((_, props, message),) = annotations(out)
    assert props["file"] == "a,b:c%.json" and message.startswith("a,b:c%.json:4:18: ")


# ---------------------------------------------------------------------------- summary


def test_summary_mentions_sarif_beyond_ten_annotations(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for n in range(11):
        write(project, f"bad{n:02}.json", BAD_JSON)
    code, out = run(capsys, "--format", "github", ".")
    assert code == 1
    assert len(annotations(out)) == 11
    last = out.splitlines()[-1]
    assert "11 error(s)" in last and "11 errors were emitted" in last and "--format sarif" in last


def test_summary_is_short_within_the_limit(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for n in range(10):
        write(project, f"bad{n:02}.json", BAD_JSON)
    _, out = run(capsys, "--format", "github", ".")
    assert "sarif" not in out.lower()


def test_quiet_prints_annotations_only(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, "bad.json", BAD_JSON)
    _, out = run(capsys, "--format", "github", "--quiet", "bad.json")
    assert all(line.startswith("::") for line in out.splitlines()) and out


def test_clean_run(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, "ok.json", json.dumps(GOOD))
    code, out = run(capsys, "--format", "github", "ok.json")
    assert code == 0 and out == "claude-preflight: 0 error(s), 0 warning(s), 0 info in 1 request(s) from 1 file(s)\n"
