"""The pre-commit hook, end to end with the real ``pre-commit``.

The repository's current files (tracked and untracked, minus ignored ones) are copied into a
temporary git repository and committed there, because ``pre-commit try-repo`` installs the
hook from a commit, not from the working tree. pre-commit then builds the hook's virtualenv
and pip-installs this package into it (the first run needs the package index for hatchling
and the runtime dependencies; running the hook itself needs no network).

Skipped only when ``pre-commit`` or ``git`` is not installed; any other failure fails.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from conftest import REPO

TIMEOUT = 1200  # the first run builds a virtualenv and installs the package from the index

GOOD = {"as_of": "2026-11-24", "body": {"model": "claude-sonnet-4-6", "max_tokens": 64, "messages": [{"role": "user", "content": "Hi"}]}}
BAD_YAML = """\
as_of: "2026-11-24"
body:
  model: claude-opus-4-8
  max_tokens: 64
  top_k: 5
  messages:
    - role: user
      content: Hi
"""
BAD_RECORD = {"custom_id": "r2", "params": {"model": "claude-opus-4-8", "max_tokens": 64, "top_p": 0.5, "messages": [{"role": "user", "content": "Hi"}]}}


def _pre_commit() -> list[str] | None:
    if importlib.util.find_spec("pre_commit") is not None:
        return [sys.executable, "-m", "pre_commit"]
    found = shutil.which("pre-commit")
    return [found] if found else None


PRE_COMMIT = _pre_commit()
GIT = shutil.which("git")
needs_tools = pytest.mark.skipif(PRE_COMMIT is None or GIT is None, reason="needs pre-commit and git installed")


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT")) and k not in {"SKIP", "GITHUB_ACTIONS"}}
    env.update(
        PRE_COMMIT_HOME=str(home),
        GIT_AUTHOR_NAME="preflight tests",
        GIT_AUTHOR_EMAIL="tests@example.invalid",
        GIT_COMMITTER_NAME="preflight tests",
        GIT_COMMITTER_EMAIL="tests@example.invalid",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,  # no user hooks, templates or commit signing
        NO_COLOR="1",
    )
    return env


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT)


def _git(cwd: Path, env: dict[str, str], *argv: str) -> str:
    done = _run([GIT or "git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *argv], cwd, env)
    assert done.returncode == 0, f"git {' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _repository_files(env: dict[str, str]) -> list[str] | None:
    """Tracked and untracked, non-ignored files of the working tree (None when not a git checkout)."""
    listing = _run([GIT or "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], REPO, env)
    if listing.returncode != 0:
        return None
    return [name for name in listing.stdout.split("\0") if name and (REPO / name).is_file()]


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, dict[str, str]]]:
    """(copy of this repository committed in a fresh git repository, its commit, environment)."""
    base = tmp_path_factory.mktemp("precommit")
    env = _env(base / "home")
    copy = base / "claude-preflight"
    files = _repository_files(env)
    if files is None:  # e.g. an sdist: copy the tree without build and cache folders
        shutil.copytree(REPO, copy, ignore=shutil.ignore_patterns(".git", "__pycache__", "*.pyc", ".venv", ".ci-venv", "build", "dist",
                                                                  "*.egg-info", ".pytest_cache", ".hypothesis"))
    else:
        for name in files:
            target = copy / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, target)
    assert (copy / ".pre-commit-hooks.yaml").is_file()
    _git(copy, env, "init", "-q")
    _git(copy, env, "add", "-A")
    _git(copy, env, "commit", "-q", "--no-verify", "-m", "snapshot for the pre-commit hook test")
    rev = _git(copy, env, "rev-parse", "HEAD").strip()
    yield copy, rev, env


def _project(root: Path, env: dict[str, str]) -> Path:
    root.mkdir()
    _git(root, env, "init", "-q")
    fixtures = root / "fixtures"
    fixtures.mkdir()
    (fixtures / "good.json").write_text(json.dumps(GOOD, indent=2) + "\n", encoding="utf-8")
    (fixtures / "bad.yaml").write_text(BAD_YAML, encoding="utf-8")
    good_record = {"custom_id": "r1", "params": GOOD["body"]}
    (fixtures / "batch.jsonl").write_text(json.dumps(good_record) + "\n" + json.dumps(BAD_RECORD) + "\n", encoding="utf-8")
    (fixtures / "README.md").write_text("Request fixtures for our Claude client.\n", encoding="utf-8")
    (root / "package.json").write_text('{"name": "demo", "version": "1.0.0"}\n', encoding="utf-8")
    _git(root, env, "add", "-A")
    return root


def _explain(done: subprocess.CompletedProcess[str], env: dict[str, str]) -> str:
    log = Path(env["PRE_COMMIT_HOME"]) / "pre-commit.log"
    extra = log.read_text(encoding="utf-8", errors="replace")[-4000:] if log.is_file() else ""
    return f"exit {done.returncode}\n--- stdout\n{done.stdout[-6000:]}\n--- stderr\n{done.stderr[-4000:]}\n{extra}"


@needs_tools
def test_try_repo_passes_a_good_fixture(work: tuple[Path, str, dict[str, str]], tmp_path: Path) -> None:
    copy, rev, env = work
    project = _project(tmp_path / "project", env)
    assert PRE_COMMIT is not None
    done = _run([*PRE_COMMIT, "try-repo", str(copy), "claude-preflight", "--ref", rev, "--files", "fixtures/good.json"], project, env)
    assert done.returncode == 0, _explain(done, env)
    assert "Passed" in done.stdout, _explain(done, env)


@needs_tools
def test_try_repo_fails_bad_fixtures_with_the_findings(work: tuple[Path, str, dict[str, str]], tmp_path: Path) -> None:
    copy, rev, env = work
    project = _project(tmp_path / "project", env)
    assert PRE_COMMIT is not None
    done = _run([*PRE_COMMIT, "try-repo", str(copy), "claude-preflight", "--ref", rev,
                 "--files", "fixtures/bad.yaml", "fixtures/batch.jsonl", "fixtures/README.md"], project, env)
    assert done.returncode == 1, _explain(done, env)
    out = done.stdout
    assert "Failed" in out, _explain(done, env)
    assert "fixtures/bad.yaml:5:10: SP002 error" in out, _explain(done, env)
    column = json.dumps(BAD_RECORD).index("0.5") + 1
    assert f"fixtures/batch.jsonl:2:{column}: SP002 error" in out, _explain(done, env)
    assert "README.md" not in out.split("Failed", 1)[1], _explain(done, env)  # skipped, not an unreadable file


@needs_tools
def test_try_repo_fix_hook_repairs_fixtures_in_place(work: tuple[Path, str, dict[str, str]], tmp_path: Path) -> None:
    copy, rev, env = work
    project = _project(tmp_path / "project", env)
    assert PRE_COMMIT is not None
    before = (project / "fixtures" / "bad.yaml").read_text(encoding="utf-8")
    done = _run([*PRE_COMMIT, "try-repo", str(copy), "claude-preflight-fix", "--ref", rev,
                 "--files", "fixtures/bad.yaml", "fixtures/good.json"], project, env)
    # pre-commit fails a hook that modified files, so that the change is reviewed and staged
    assert done.returncode == 1, _explain(done, env)
    assert "files were modified by this hook" in done.stdout, _explain(done, env)
    after = (project / "fixtures" / "bad.yaml").read_text(encoding="utf-8")
    assert after != before and "top_k" not in after and after.startswith(before.split("\n", 1)[0])
    again = _run([*PRE_COMMIT, "try-repo", str(copy), "claude-preflight-fix", "--ref", rev,
                  "--files", "fixtures/bad.yaml", "fixtures/good.json"], project, env)
    assert again.returncode == 0, _explain(again, env)  # idempotent: nothing left to fix or report


@needs_tools
def test_documented_config_restricted_to_a_fixture_folder(work: tuple[Path, str, dict[str, str]], tmp_path: Path) -> None:
    copy, rev, env = work
    project = _project(tmp_path / "project", env)
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {copy.as_posix()}\n    rev: {rev}\n    hooks:\n      - id: claude-preflight\n        files: ^fixtures/\n",
        encoding="utf-8",
    )
    _git(project, env, "add", "-A")
    assert PRE_COMMIT is not None
    done = _run([*PRE_COMMIT, "run", "--all-files", "--verbose"], project, env)
    assert done.returncode == 1, _explain(done, env)
    out = done.stdout
    assert "fixtures/bad.yaml:5:10: SP002 error" in out, _explain(done, env)
    assert "package.json" not in out, _explain(done, env)  # outside the configured folder
    assert "README.md" not in out, _explain(done, env)  # inside it, but not a request file
    assert out.count("SP002 error") == 2, _explain(done, env)  # pre-commit may split files over processes
    # With the bad fixtures fixed, the same configuration passes.
    (project / "fixtures" / "bad.yaml").write_text(BAD_YAML.replace("  top_k: 5\n", ""), encoding="utf-8")
    record = {**BAD_RECORD, "params": {k: v for k, v in BAD_RECORD["params"].items() if k != "top_p"}}  # type: ignore[union-attr]
    (project / "fixtures" / "batch.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    _git(project, env, "add", "-A")
    done = _run([*PRE_COMMIT, "run", "--all-files"], project, env)
    assert done.returncode == 0, _explain(done, env)


PYTHON_CALL = """\
import anthropic

client = anthropic.Anthropic()
reply = client.messages.create(
    model="claude-opus-4-8",
    max_tokens=256,
    temperature=0.7,
    messages=[{"role": "user", "content": "Hi"}],
)
"""
TYPESCRIPT_CALL = """\
import Anthropic from "@anthropic-ai/sdk";

const client = new Anthropic();
const reply = await client.messages.create({
  model: "claude-opus-4-8",
  max_tokens: 256,
  temperature: 0.7,
  messages: [{ role: "user", content: "Hi" }],
});
"""
CLEAN_PYTHON = "import anthropic\n\nclient = anthropic.Anthropic()\nclient.messages.create(model=\"claude-opus-4-8\", max_tokens=256,\n                       messages=[{\"role\": \"user\", \"content\": \"Hi\"}])\n"


@needs_tools
def test_hooks_check_and_fix_sdk_calls_in_python_and_typescript(work: tuple[Path, str, dict[str, str]], tmp_path: Path) -> None:
    """Issue 15: the hook reads source files, reports at the argument's line, and the fix hook repairs them."""
    copy, rev, env = work
    project = _project(tmp_path / "project", env)
    (project / "src").mkdir()
    (project / "src" / "agent.py").write_text(PYTHON_CALL, encoding="utf-8")
    (project / "src" / "agent.ts").write_text(TYPESCRIPT_CALL, encoding="utf-8")
    (project / "src" / "clean.py").write_text(CLEAN_PYTHON, encoding="utf-8")
    (project / "src" / "unrelated.py").write_text("print('no SDK here')\n", encoding="utf-8")
    _git(project, env, "add", "-A")
    assert PRE_COMMIT is not None
    files = ["src/agent.py", "src/agent.ts", "src/clean.py", "src/unrelated.py"]
    done = _run([*PRE_COMMIT, "try-repo", str(copy), "claude-preflight", "--ref", rev, "--files", *files], project, env)
    assert done.returncode == 1, _explain(done, env)
    out = done.stdout
    assert "src/agent.py:7:17: SP002 error" in out, _explain(done, env)
    assert "src/agent.ts:7:16: SP002 error" in out, _explain(done, env)
    assert "clean.py" not in out and "unrelated.py" not in out, _explain(done, env)
    fixed = _run([*PRE_COMMIT, "try-repo", str(copy), "claude-preflight-fix", "--ref", rev, "--files", *files], project, env)
    assert fixed.returncode == 1 and "files were modified by this hook" in fixed.stdout, _explain(fixed, env)
    python_after = (project / "src" / "agent.py").read_text(encoding="utf-8")
    typescript_after = (project / "src" / "agent.ts").read_text(encoding="utf-8")
    assert "temperature" not in python_after and "temperature" not in typescript_after
    assert python_after == PYTHON_CALL.replace("    temperature=0.7,\n", "")
    assert typescript_after == TYPESCRIPT_CALL.replace("  temperature: 0.7,\n", "")
    again = _run([*PRE_COMMIT, "try-repo", str(copy), "claude-preflight", "--ref", rev, "--files", *files], project, env)
    assert again.returncode == 0, _explain(again, env)


# ------------------------------------------------- the manifest itself (no pre-commit needed)


def _manifest() -> list[dict[str, object]]:
    import yaml

    data = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def _hook(hook_id: str = "claude-preflight") -> dict[str, object]:
    return next(hook for hook in _manifest() if hook["id"] == hook_id)


def test_manifest_declares_the_check_and_fix_hooks() -> None:
    hooks = {hook["id"]: hook for hook in _manifest()}
    assert set(hooks) == {"claude-preflight", "claude-preflight-fix"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert str(hook["entry"]).startswith("claude-preflight check")
        # only the TypeScript parser, an optional extra of the package, is added to the hook's environment
        assert all(str(dep).startswith("tree-sitter") for dep in hook["additional_dependencies"])  # type: ignore[attr-defined]
        assert hook["files"] == hooks["claude-preflight"]["files"]
    assert "--fix" in str(hooks["claude-preflight-fix"]["entry"]).split()
    assert "--fix" not in str(hooks["claude-preflight"]["entry"]).split()


@pytest.mark.parametrize(
    ("name", "matched"),
    [("a.json", True), ("dir/b.JSON", True), ("c.yaml", True), ("d.yml", True), ("e.jsonl", True), ("f.ndjson", True),
     ("g.json5", False), ("h.txt", False), ("README.md", False), ("notebook.ipynb", False), ("x.json.bak", False),
     ("app/agent.py", True), ("stubs.pyi", True), ("agent.ts", True), ("ui.tsx", True), ("x.mjs", True), ("y.cjs", True),
     ("z.js", True), ("main.go", False), ("agent.py.orig", False)],
)
def test_manifest_files_pattern(name: str, matched: bool) -> None:
    import re

    hook = _hook()
    assert bool(re.search(str(hook["files"]), name)) is matched


def test_entry_skips_files_a_folder_pattern_lets_through(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import shlex

    from claude_preflight.cli.main import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    (tmp_path / "README.md").write_text("# fixtures\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not json\n", encoding="utf-8")
    (tmp_path / "good.json").write_text(json.dumps(GOOD), encoding="utf-8")
    hook = _hook()
    argv = shlex.split(str(hook["entry"]))[1:]
    assert main([*argv, "README.md", "notes.txt", "good.json"]) == 0
    assert "from 1 file(s)" in capsys.readouterr().out
    assert main([*argv, "README.md", "notes.txt"]) == 0  # nothing left to check is not an error
    assert "from 0 file(s)" in capsys.readouterr().out
    (tmp_path / "bad.yaml").write_text(BAD_YAML, encoding="utf-8")
    assert main([*argv, "notes.txt", "bad.yaml"]) == 1
    assert "bad.yaml:5:10: SP002 error" in capsys.readouterr().out
    # Without the flag, a file given explicitly is still checked (and unreadable here).
    assert main(["check", "notes.txt"]) == 2


@pytest.mark.parametrize("hook_id", ["claude-preflight", "claude-preflight-fix"])
def test_entry_checks_and_fixes_only_requests_among_the_files_pre_commit_passes(
    hook_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import shlex

    from claude_preflight.cli.main import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    files = {
        "package.json": '{"name": "demo", "version": "1.0.0"}\n',
        "node_modules/x/package.json": '{"name": "x"}\n',
        ".github/workflows/ci.yml": "name: ci\non: [push]\njobs: {}\n",
        "fixtures/bad.yaml": BAD_YAML,
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    argv = shlex.split(str(_hook(hook_id)["entry"]))[1:]
    code = main([*argv, *files])  # pre-commit passes every staged file its pattern matches
    out = capsys.readouterr().out
    assert "package.json" not in out and "ci.yml" not in out and "from 1 file(s)" in out
    for name, text in files.items():
        changed = (tmp_path / name).read_text(encoding="utf-8") != text
        assert changed is (hook_id == "claude-preflight-fix" and name == "fixtures/bad.yaml"), name
    assert code == (0 if hook_id == "claude-preflight-fix" else 1)
