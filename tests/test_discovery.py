"""Safe file discovery: only requests are checked (and fixed) in a directory walk."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claude_preflight.cli.main import main
from claude_preflight.files.discovery import discover, looks_like_request, sniff_request_file, text_looks_like_request

AS_OF = "2026-12-04"
FIXABLE = {"model": "claude-opus-4-8", "max_tokens": 100, "temperature": 0.5, "messages": [{"role": "user", "content": "Hi"}]}
PACKAGE = {"name": "app", "version": "1.0.0", "description": "not a request", "dependencies": {"x": "^1.0.0"}}
WORKFLOW = "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm test\n"


def put(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An ordinary repository: npm files, a workflow, a tsconfig with comments, and request fixtures."""
    (tmp_path / ".git").mkdir()
    put(tmp_path, "package.json", json.dumps(PACKAGE, indent=2))
    put(tmp_path, "node_modules/x/package.json", json.dumps(PACKAGE))
    put(tmp_path, "node_modules/x/fixture.json", json.dumps(FIXABLE))  # a dependency's own fixture
    put(tmp_path, ".github/workflows/ci.yml", WORKFLOW)
    put(tmp_path, "tsconfig.json", '{\n  // comments make this invalid JSON\n  "compilerOptions": {"strict": true}\n}\n')
    put(tmp_path, "config/settings.yaml", "name: app\nmessages:\n  greeting: hello\n")
    put(tmp_path, "events.jsonl", '{"event": "start", "name": "a"}\n{"event": "stop", "name": "a"}\n')
    put(tmp_path, "tests/fixtures/opus.json", json.dumps(FIXABLE, indent=2) + "\n")
    put(tmp_path, "tests/fixtures/envelope.yaml",
        "endpoint: /v1/messages\nbody:\n  model: claude-opus-4-8\n  max_tokens: 10\n  top_k: 3\n  messages:\n    - {role: user, content: Hi}\n")
    put(tmp_path, "tests/fixtures/batch.jsonl", json.dumps({"custom_id": "a", "params": FIXABLE}) + "\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


FIXTURES = {"tests/fixtures/opus.json", "tests/fixtures/envelope.yaml", "tests/fixtures/batch.jsonl"}


def test_unsafe_fixes_on_a_repository_change_only_the_fixtures(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(repo)
    code = main(["check", ".", "--unsafe-fixes", "--as-of", AS_OF])
    out, err = capsys.readouterr()
    after = snapshot(repo)
    changed = {name for name in before if before[name] != after.get(name)}
    assert changed == FIXTURES, (out, err)
    assert set(after) == set(before)  # nothing created or deleted
    assert code == 0, out + err
    assert "temperature" not in after["tests/fixtures/opus.json"].decode()


def test_check_lists_skipped_files_with_verbose(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", ".", "--as-of", AS_OF, "--verbose", "--format", "concise"])
    out, err = capsys.readouterr()
    assert code == 1
    files = {line.split(":", 1)[0] for line in out.splitlines() if ": SP002 " in line}
    assert files == FIXTURES
    for skipped in ("package.json", "tsconfig.json", "config/settings.yaml", "events.jsonl"):
        assert f"skipped {skipped}: does not look like a request" in err
    assert "node_modules" not in out + err and ".github" not in out + err


def test_named_files_are_always_checked_unless_force_exclude(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "package.json", "--as-of", AS_OF]) == 1  # named: checked (its fields are unknown)
    assert "package.json:" in capsys.readouterr().out
    code = main(["check", "--force-exclude", "package.json", "node_modules/x/fixture.json", "tests/fixtures/opus.json", "--as-of", AS_OF])
    out = capsys.readouterr().out
    assert code == 1 and "tests/fixtures/opus.json:" in out
    assert "package.json:" not in out and "node_modules" not in out


def test_gitignore_hidden_venv_and_build_folders_are_skipped(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for folder in ("generated", ".cache", "my-env", "build", "dist", "venv", "sub/ignored-by-nested"):
        put(repo, f"{folder}/req.json", json.dumps(FIXABLE))
    put(repo, "my-env/pyvenv.cfg", "home = /usr/bin\n")
    put(repo, ".gitignore", "generated/\n")
    put(repo, "sub/.gitignore", "ignored-by-nested/\n")
    put(repo, "sub/kept.json", json.dumps(FIXABLE))
    main(["check", ".", "--as-of", AS_OF, "--format", "concise"])
    files = {line.split(":", 1)[0] for line in capsys.readouterr().out.splitlines() if ": SP002 " in line}
    assert files == FIXTURES | {"sub/kept.json"}
    main(["check", ".", "--as-of", AS_OF, "--format", "concise", "--no-respect-gitignore"])
    files = {line.split(":", 1)[0] for line in capsys.readouterr().out.splitlines() if ": SP002 " in line}
    assert files == FIXTURES | {"sub/kept.json", "generated/req.json", "sub/ignored-by-nested/req.json"}


def test_exclude_options_and_configuration(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", ".", "--as-of", AS_OF, "--format", "concise", "--extend-exclude", "*.yaml", "--extend-exclude", "tests/fixtures/batch.jsonl"])
    files = {line.split(":", 1)[0] for line in capsys.readouterr().out.splitlines() if ": SP002 " in line}
    assert files == {"tests/fixtures/opus.json"}
    put(repo, "pyproject.toml", '[tool.claude-preflight]\nextend-exclude = ["tests/fixtures/*.json"]\n')
    main(["check", ".", "--as-of", AS_OF, "--format", "concise"])
    files = {line.split(":", 1)[0] for line in capsys.readouterr().out.splitlines() if ": SP002 " in line}
    assert files == {"tests/fixtures/envelope.yaml", "tests/fixtures/batch.jsonl"}
    # --exclude replaces the defaults: node_modules is walked again
    main(["check", ".", "--as-of", AS_OF, "--format", "concise", "--exclude", "tests/"])
    files = {line.split(":", 1)[0] for line in capsys.readouterr().out.splitlines() if ": SP002 " in line}
    assert files == {"node_modules/x/fixture.json"}


def test_configured_paths_are_checked_without_the_request_test(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    put(repo, "pyproject.toml", '[tool.claude-preflight]\npaths = ["config/*.yaml"]\n')
    main(["check", ".", "--as-of", AS_OF, "--format", "concise"])
    assert "config/settings.yaml:" in capsys.readouterr().out


def test_a_broken_fixture_in_a_walk_is_reported_not_skipped(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    put(repo, "tests/fixtures/truncated.json", '{"model": "claude-opus-4-8", "max_tokens": 10, "messages": [')
    code = main(["check", ".", "--as-of", AS_OF])
    out = capsys.readouterr().out
    assert code == 2 and "tests/fixtures/truncated.json:1:" in out
    assert "tsconfig.json" not in out  # invalid JSON too, but nothing in it says request


def test_discover_is_sorted_and_relative(repo: Path) -> None:
    found = discover([str(repo / "tests"), "tests/fixtures/opus.json"])
    names = [c.name for c in found.candidates]
    assert names == sorted(FIXTURES)  # absolute input shown relative, the duplicate checked once


@pytest.mark.parametrize("data, expected", [
    ({"model": "m", "max_tokens": 1, "messages": []}, True),
    ({"max_tokens": 1, "messages": [{"role": "user"}]}, True),
    ({"body": {}, "endpoint": "/v1/agents"}, True),
    ({"custom_id": "a", "params": {}}, True),
    ({"requests": [{"custom_id": "a", "params": {}}]}, True),
    ({"name": "x", "messages": {"hello": "hi"}}, False),
    ({"name": "x", "version": "1"}, False),
    ({"body": "x", "name": "y"}, False),
    ([{"model": "m"}], False),
    ("text", False),
])
def test_looks_like_request(data: object, expected: bool) -> None:
    assert looks_like_request(data) is expected


def test_text_fallback() -> None:
    assert text_looks_like_request('{"model": "x", "messages": [')
    assert text_looks_like_request("body:\n  model: x\nendpoint: /v1/messages\n")
    assert not text_looks_like_request('{"compilerOptions": {"strict": true}, // c\n}')


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["model", "messages", "body", "params", "requests", "x"]), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(JSON)
def test_looks_like_request_never_raises(data: object) -> None:
    assert looks_like_request(data) in (True, False)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([".json", ".yaml", ".jsonl"]))
def test_sniffing_never_raises_on_any_bytes(tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str) -> None:
    path = tmp_path_factory.mktemp("sniff") / ("file" + suffix)
    path.write_bytes(data)
    assert sniff_request_file(path) in (True, False)


def test_an_unreadable_directory_is_a_problem(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every directory")
    locked = repo / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        assert main(["check", ".", "--as-of", AS_OF]) == 2
        assert "locked:1:1: cannot list directory" in capsys.readouterr().out
    finally:
        locked.chmod(0o755)


def test_other_file_kinds_plug_into_discovery(repo: Path) -> None:
    from claude_preflight.files.discovery import KINDS, FileKind

    put(repo, "app/client.py", "import anthropic\n")
    put(repo, "node_modules/x/index.py", "import anthropic\n")
    source = FileKind("source", (".py",), lambda path: "anthropic" in path.read_text(encoding="utf-8"))
    found = discover(["."], kinds=(*KINDS, source))
    kinds = {c.name: c.kind for c in found.candidates}
    assert kinds == {**{name: "request" for name in FIXTURES}, "app/client.py": "source"}
    assert "app/client.py" not in {c.name for c in discover(["."]).candidates}  # off by default


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([".json", ".yaml", ".jsonl", ""]))
def test_standard_input_never_raises(data: bytes, suffix: str) -> None:
    from claude_preflight.catalogue import load_catalogue
    from claude_preflight.files.checking import Checker, Options

    result = Checker(Options(catalogue=load_catalogue())).check_data("<stdin>", data, suffix or ".json")
    assert result.path == "<stdin>" and (result.problems or result.requests or not data.strip())


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_pipes_never_block_discovery(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.mkfifo(repo / "tests" / ".gitignore")
    os.mkfifo(repo / "tests" / "fixtures" / "pipe.jsonl")
    code = main(["check", ".", "--as-of", AS_OF, "--format", "concise"])
    out = capsys.readouterr().out
    assert code == 1 and "pipe.jsonl" not in out  # a walk takes regular files only; a named pipe is read by
    # files.documents.read_bytes, which never blocks (tests/test_hostile_files.py)
