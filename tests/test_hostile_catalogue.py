"""Hostile user catalogue files: each is refused with file, line and column and what is
wrong - through ``load_catalogue`` and through the command line - quickly, and without
ever executing code. (The shipped catalogue's own checks are in tests/test_catalogue.py.)
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

import pytest

from claude_preflight.catalogue import load_catalogue
from claude_preflight.catalogue.loader import collect_paths
from claude_preflight.cli.main import main
from claude_preflight.errors import CatalogueError

MARKER = "pwned-marker"
RULE = "{code: ZZ001, name: zz-rule, severity: error, summary: s, message: m, explanation: e, sources: [d-errors], check: %s}"


def bomb(levels: int = 9) -> str:
    lines = ["x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 10) + "]" for i in range(1, levels + 1)]
    return "settings:\n" + "".join("  " + line + "\n" for line in lines)


# name, content (bytes, or text where {marker} is the marker path), what the problem says, (line, column) or None
CASES: list[tuple[str, bytes | str, str, tuple[int, int] | None]] = [
    ("binary.yaml", b"\x00\x01\x02\x03PK\x03\x04", "binary file", (1, 1)),
    ("invalid-utf8.yaml", b"models:\n  claude-x:\n    display_name: caf\xe9\n", "invalid UTF-8 (byte 0xe9)", (3, 22)),
    ("python-apply.yaml", "models: !!python/object/apply:os.system ['touch {marker}']\n", "is not allowed", (1, 9)),
    ("python-new.yaml", "settings: !!python/object/new:os.system ['touch {marker}']\n", "is not allowed", (1, 11)),
    ("python-name.yaml", "settings:\n  x: !!python/name:os.system\n", "is not allowed", (2, 6)),
    ("python-module.yaml", "settings:\n  x: !!python/module:os\n", "is not allowed", (2, 6)),
    ("tag-directive.yaml", "%TAG !p! tag:yaml.org,2002:python/\n---\nsettings: !p!object/apply:os.system ['touch {marker}']\n",
     "is not allowed", (3, 11)),
    ("verbatim-tag.yaml", "settings: !<tag:yaml.org,2002:python/object/apply:os.system> ['touch {marker}']\n", "is not allowed", (1, 11)),
    ("include-tag.yaml", "models: !include other.yaml\n", "'!include' is not allowed", (1, 9)),
    ("binary-tag.yaml", "settings: {x: !!binary aGk=}\n", "'!!binary' is not allowed", (1, 15)),
    ("alias-bomb.yaml", bomb(), "alias bomb", None),
    ("recursive-alias.yaml", "settings: &s {self: *s}\n", "recursive YAML alias", (1, 11)),
    ("merge-loop.yaml", "settings: &s {<<: *s}\n", "recursive YAML alias", (1, 11)),
    ("duplicate-key.yaml", "rules:\n  - code: LC001\n    severity: error\n    severity: info\n", "duplicate key 'severity'", (4, 5)),
    ("two-documents.yaml", "rules: []\n---\nrules: []\n", "expected one YAML document, found 2", (3, 1)),
    ("non-string-key.yaml", "settings:\n  1: x\n", "'1' (read as int) is not a string", (2, 3)),
    ("deep.yaml", "settings: " + "[" * 5000, "nesting depth", None),
    ("huge-int.yaml", "settings: {x: " + "9" * 5000 + "}\n", "digits cannot be read", (1, 15)),
    ("truncated.yaml", "models:\n  claude-x: {display_name: X\n", "invalid YAML", (3, 1)),
    ("top-level-list.yaml", "- models\n- rules\n", "must be a mapping of sections", (1, 1)),
    ("top-level-string.yaml", "just words\n", "must be a mapping of sections", (1, 1)),
    ("top-level-number.yaml", "42\n", "must be a mapping of sections", (1, 1)),
    ("section-wrong-type.yaml", "models: [a, b]\n", "is not of type 'object'", (1, 9)),
    ("rules-wrong-type.yaml", "rules: {LC001: {severity: error}}\n", "is not of type 'array'", (1, 8)),
    ("rule-null.yaml", "rules: [null]\n", "None is not of type 'object'", (1, 9)),
    ("rule-code-number.yaml", "rules: [{code: 5}]\n", "5 is not of type 'string'", (1, 16)),
    ("bad-severity.yaml", "rules:\n  - code: LC001\n    severity: fatal\n", "'fatal' is not one of", (3, 15)),
    ("unknown-check.yaml", "rules:\n  - " + RULE % "nowhere.nothing" + "\n", "unknown check 'nowhere.nothing'", (2, 5)),
    ("importable-check.yaml", "rules:\n  - " + RULE % "antigravity.fly" + "\n", "unknown check 'antigravity.fly'", (2, 5)),
    ("os-check.yaml", "rules:\n  - " + RULE % "os.system" + "\n", "unknown check 'os.system'", (2, 5)),
    ("dotted-check.yaml", "rules:\n  - " + RULE % "os.path.join" + "\n", "does not match", None),
    ("javascript-url.yaml", 'sources:\n  evil: {title: x, url: "javascript:alert(1)"}\n', "does not match", (2, 25)),
]


def write(folder: Path, name: str, content: bytes | str) -> Path:
    path = folder / name
    if isinstance(content, str):
        content = content.replace("{marker}", str(folder / MARKER)).encode("utf-8")
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(("name", "content", "says", "where"), CASES, ids=[c[0] for c in CASES])
def test_hostile_catalogue_is_refused(name: str, content: bytes | str, says: str, where: tuple[int, int] | None, tmp_path: Path) -> None:
    path = write(tmp_path, name, content)
    started = time.perf_counter()
    with pytest.raises(CatalogueError) as info:
        load_catalogue([path])
    assert time.perf_counter() - started < 10
    text = str(info.value)
    assert says in text, text
    assert f"{path}:" in text, text
    if where is not None:
        assert f"{path}:{where[0]}:{where[1]}: " in text, text
    assert not (tmp_path / MARKER).exists(), "a catalogue executed code"
    assert "antigravity" not in sys.modules


@pytest.mark.parametrize("name", ["binary.yaml", "python-apply.yaml", "alias-bomb.yaml", "unknown-check.yaml"])
def test_hostile_catalogue_through_the_cli(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = next(c for n, c, _, _ in CASES if n == name)
    path = write(tmp_path, name, content)
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}),
                       encoding="utf-8")
    code = main(["--catalogue", str(path), "check", "--no-config", "--as-of", "2026-11-24", str(request)])
    out, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in out + err
    assert f"{path}:" in err and "invalid catalogue" in err
    assert not (tmp_path / MARKER).exists()


def test_every_problem_of_a_file_is_listed(tmp_path: Path) -> None:
    path = write(tmp_path, "many.yaml", "models:\n" + "".join(f"  m{i}: {{bogus: {i}}}\n" for i in range(300)))
    with pytest.raises(CatalogueError) as info:
        load_catalogue([path])
    assert len(info.value.problems) == 300
    assert f"{path}:301:9: /models/m299: Additional properties are not allowed" in str(info.value)


def test_huge_valid_catalogue_is_bounded(tmp_path: Path) -> None:
    """Five thousand sources and a 2 MB string: loaded in linear time, not refused."""
    lines = ["sources:"] + [f'  s{i}: {{title: "Source {i}", url: "https://example.com/{i}"}}' for i in range(5000)]
    lines += ["catalogue:", f"  description: {'x' * 2_000_000}"]
    path = write(tmp_path, "huge.yaml", "\n".join(lines) + "\n")
    started = time.perf_counter()
    catalogue = load_catalogue([path])
    assert time.perf_counter() - started < 30
    assert "s4999" in catalogue.sources


def test_conflicting_overrides_from_three_files(tmp_path: Path) -> None:
    one = write(tmp_path, "one.yaml", "rules:\n  - code: LC001\n    severity: error\n")
    two = write(tmp_path, "two.yaml", "rules:\n  - code: LC001\n    severity: error\n")  # agrees with one
    three = write(tmp_path, "three.yaml", "rules:\n  - code: LC001\n    severity: info\n")
    with pytest.raises(CatalogueError) as info:
        load_catalogue([one, two, three])
    text = str(info.value)
    assert f"{three}:3:15: conflicting override of rules 'LC001' field 'severity'" in text
    assert str(one) in text


def test_empty_user_catalogue_is_harmless(tmp_path: Path) -> None:
    for name, text in [("empty.yaml", ""), ("comment.yaml", "# nothing\n"), ("null.yaml", "null\n")]:
        assert load_catalogue([write(tmp_path, name, text)]).rules


def test_user_catalogue_cannot_reach_python(tmp_path: Path) -> None:
    """Checks are looked up by name among claude_preflight.checks only; nothing is imported."""
    before = set(sys.modules)
    for index, check in enumerate(["subprocess.run", "builtins.eval", "shutil.rmtree", "pickle.loads", "code.interact"]):
        path = write(tmp_path, f"c{index}.yaml", "rules:\n  - " + (RULE % check).replace("ZZ001", f"ZZ{index + 100:03d}") + "\n")
        with pytest.raises(CatalogueError, match="unknown check"):
            load_catalogue([path])
    assert not {m for m in set(sys.modules) - before if m.split(".")[0] in ("subprocess", "pickle", "code", "shutil", "antigravity")}


# ----------------------------------------------------------------------------- paths (loader bugs reported)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_as_catalogue_does_not_hang(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_PREFLIGHT_PIPE_WAIT", "0.3")
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    outcome: list[object] = []

    def load() -> None:
        try:
            outcome.append(load_catalogue([fifo]))
        except CatalogueError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(2)
    hung = worker.is_alive()
    if hung:  # release the reader: open the other end and close it
        descriptor = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(descriptor)
        worker.join(5)
    assert not hung, "loading a FIFO as a catalogue file hangs"


def test_symlink_loop_as_catalogue(tmp_path: Path) -> None:
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    with pytest.raises(CatalogueError, match="loop.yaml"):
        load_catalogue([loop])


def test_deep_catalogue_directory(tmp_path: Path) -> None:
    deep = str(tmp_path)
    for _ in range(300):
        deep = os.path.join(deep, "d")
        os.mkdir(deep)
    Path(deep, "org.yaml").write_text("settings: {}\n", encoding="utf-8")
    depth = 0
    while sys._getframe(depth).f_back is not None:
        depth += 1
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 150)
    try:
        found = collect_paths([tmp_path])
    finally:
        sys.setrecursionlimit(old)
        for _ in range(300):  # bottom-up: pytest's cleanup would recurse too
            os.rmdir(deep) if not os.listdir(deep) else (os.remove(os.path.join(deep, "org.yaml")), os.rmdir(deep))
            deep = os.path.dirname(deep)
    assert len(found) == 1


def test_utf16_catalogue_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_bytes("rules:\n  - code: LC001\n    severity: error\n".encode("utf-16"))
    assert load_catalogue([path]).rule_by_code["LC001"].severity == "error"
