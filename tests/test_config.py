"""[tool.claude-preflight] configuration and suppressions, through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_preflight.cli.main import main
from claude_preflight.config import ConfigError, config_from_mapping, load_config
from claude_preflight.report import Finding

BAD = '{"model": "claude-opus-4-8", "max_tokens": 10, "temperature": 0.5, "messages": [{"role": "user", "content": "Hi"}]}'


def project(tmp_path: Path, config: str, files: dict[str, str]) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n\n[tool.claude-preflight]\n" + config, encoding="utf-8")
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["check", "--as-of", "2026-11-24", *argv])
    return code, capsys.readouterr().out


def test_found_by_walking_up(tmp_path: Path) -> None:
    root = project(tmp_path, 'ignore = ["SP002"]\n', {"a/b/req.json": BAD})
    config = load_config(root / "a" / "b" / "req.json")
    assert config.ignore == ("SP002",) and config.root == root


def test_ignore_by_code_prefix_and_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for selector in ("SP002", "SP", "sampling-rejected-by-model"):
        root = project(tmp_path, f'ignore = ["{selector}"]\n', {"req.json": BAD})
        assert run(capsys, str(root / "req.json"))[0] == 0, selector


def test_select_keeps_only_selected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, 'select = ["LC"]\n', {"req.json": BAD})
    code, out = run(capsys, str(root / "req.json"))
    assert code == 0 and "SP002" not in out


def test_severity_override_and_fail_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, 'fail-on = "warning"\n[tool.claude-preflight.severity]\nSP002 = "warning"\n', {"req.json": BAD})
    code, out = run(capsys, str(root / "req.json"))
    assert code == 1 and "SP002 warning" in out
    assert run(capsys, "--fail-on", "error", str(root / "req.json"))[0] == 0


def test_per_file_ignores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, '[tool.claude-preflight.per-file-ignores]\n"legacy/*.json" = ["SP002"]\n', {"legacy/a.json": BAD, "new/b.json": BAD})
    assert run(capsys, str(root / "legacy" / "a.json"))[0] == 0
    assert run(capsys, str(root / "new" / "b.json"))[0] == 1


def test_pointer_override_and_unused_override(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = (
        '[[tool.claude-preflight.overrides]]\nfiles = ["req.json"]\npointer = "/temperature"\nignore = ["SP002"]\n'
        '[[tool.claude-preflight.overrides]]\nfiles = ["req.json"]\npointer = "/top_p"\nignore = ["SP002"]\n'
    )
    root = project(tmp_path, config, {"req.json": BAD})
    code, out = run(capsys, str(root / "req.json"))
    assert "SP002 error" not in out
    assert "CF001 warning override #1" in out and "/top_p" in out
    assert code == 0  # CF001 is a warning


def test_config_surface_and_api_version(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = BAD.replace("claude-opus-4-8", "claude-sonnet-4-6")
    root = project(tmp_path, 'api-version = "2026-10-21"\n', {"req.json": body})
    code, out = run(capsys, str(root / "req.json"))
    assert code == 1 and "SP001" in out


def test_config_paths_default(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, 'paths = ["fixtures/**/*.json"]\n', {"fixtures/x/req.json": BAD})
    monkeypatch.chdir(root)
    code, out = run(capsys)
    assert code == 1 and "req.json" in out


def test_inline_yaml_suppression_and_unused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (
        "model: claude-opus-4-8\nmax_tokens: 10\n"
        "temperature: 0.5  # claude-preflight: ignore[SP002]\n"
        "# claude-preflight: ignore[SP002]\ntop_k: 3\n"
        "messages:  # claude-preflight: ignore[LC001]\n  - {role: user, content: Hi}\n"
    )
    path = tmp_path / "req.yaml"
    path.write_text(text, encoding="utf-8")
    code, out = run(capsys, "--no-config", str(path))
    assert "SP002 error" not in out
    assert f"{path}:6:" in out and "CF002 warning" in out
    assert code == 0


def test_invalid_config_is_a_clean_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, 'fail-on = "sometimes"\n', {"req.json": BAD})
    code = main(["check", str(root / "req.json")])
    err = capsys.readouterr().err
    assert code == 2 and "fail-on" in err and "pyproject.toml" in err


def test_unknown_key_rejected() -> None:
    with pytest.raises(ConfigError, match="unknown key"):
        config_from_mapping({"selekt": ["SP"]})


def test_apply_in_memory() -> None:
    config = config_from_mapping({"ignore": ["LC"], "severity": {"SP002": "info"}})
    findings = [Finding("LC001", "model-unknown", "warning", "m"), Finding("SP002", "sampling-rejected-by-model", "error", "m")]
    kept = config.apply(findings)
    assert [(f.code, f.severity) for f in kept] == [("SP002", "info")]


# ----------------------------------------------------------------------------- typos never switch checks off


def test_check_selectors_names_the_line_and_a_close_match(tmp_path: Path, catalogue) -> None:  # type: ignore[no-untyped-def]
    project(tmp_path, 'select = ["LC", "SP", "TH"]\nignore = [\n  "LC009",\n  "LCOO1",\n]\n', {})
    config = load_config(tmp_path)
    with pytest.raises(ConfigError) as info:
        config.check_selectors(catalogue)
    assert str(info.value) == f"{tmp_path / 'pyproject.toml'}:8:4: ignore: unknown rule code or prefix 'LCOO1'; did you mean 'LC001'?"
    good = config_from_mapping({"select": ["LC", "sampling-rejected-by-model", "SP002"], "ignore": ["L"]})
    assert good.check_selectors(catalogue) is good


def test_check_with_and_fix_reject_a_typo() -> None:
    from claude_preflight.testing import check_with

    body = {"model": "claude-opus-4-8", "max_tokens": 10, "temperature": 0.5, "messages": [{"role": "user", "content": "Hi"}]}
    with pytest.raises(ConfigError, match="did you mean 'SP002'"):
        check_with(body, config={"ignore": ["SPOO2"]})
    assert not check_with(body, config={"ignore": ["SP002"]}, as_of="2026-11-24").errors


# ----------------------------------------------------------------------------- the README example


def readme_block(heading: str, language: str) -> str:
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return section.split(f"```{language}\n", 1)[1].split("```", 1)[0]


def test_readme_configuration_example_runs_as_written(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    example = readme_block("Configuration", "toml")
    (tmp_path / "pyproject.toml").write_text(example, encoding="utf-8")
    # the files the example refers to: an organisation's catalogue file and the fixtures
    (tmp_path / "preflight").mkdir()
    (tmp_path / "preflight" / "org-models.yaml").write_text("catalogue:\n  description: org models\n  verified: '2026-11-24'\n", encoding="utf-8")
    fixtures = tmp_path / "tests" / "fixtures"
    (fixtures / "legacy").mkdir(parents=True)
    request = '{"model": "global.anthropic.claude-opus-4-8", "max_tokens": 10, "messages": [{"role": "user", "content": "Hi"}]}'
    for name in ("a.json", "gateway.json", "legacy/old.json"):
        (fixtures / name).write_text(request, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code = main(["check", "--as-of", "2026-11-24"])  # no paths: the configured 'paths'
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    assert "3 request(s) from 3 file(s)" in out and err == ""

