"""Hostile request files through the real command line.

Every case must end with exit status 0, 1 or 2, name the file (and, where one exists,
the position) of what is wrong, never print a traceback, and never stop the other
files of the same run from being checked. ``CASES`` is counted in docs/robustness.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Union

import pytest

from claude_preflight.cli.main import main
from claude_preflight.files import checking, documents

DATE = "2026-11-24"
GOOD = {"model": "claude-sonnet-4-6", "max_tokens": 256, "messages": [{"role": "user", "content": "Summarise the ticket."}]}
GOOD_TEXT = json.dumps(GOOD)
PRETTY = json.dumps(GOOD, indent=2)
# claude-opus-4-8 rejects sampling parameters: a file that must give SP002 at a known place
BAD_TEXT = '{"model": "claude-opus-4-8", "max_tokens": 10, "top_k": 5, "messages": [{"role": "user", "content": "Hi"}]}'
GOOD_YAML = "model: claude-sonnet-4-6\nmax_tokens: 256\nmessages:\n  - role: user\n    content: Summarise the ticket.\n"
MARKER = "pwned-marker"

Content = Union[bytes, Callable[[Path], bytes]]


@dataclass(frozen=True)
class Case:
    name: str
    content: Content
    exits: frozenset[int]
    says: str = ""  # text the output must contain (besides the file name)
    where: tuple[int, int] | None = None  # line and column the output must name
    in_tree: bool = True  # also part of the all-files-in-one-directory run


def case(name: str, content: Content, exits: int | set[int], says: str = "", where: tuple[int, int] | None = None, in_tree: bool = True) -> Case:
    return Case(name, content, frozenset({exits} if isinstance(exits, int) else exits), says, where, in_tree)


def alias_bomb(levels: int = 9) -> bytes:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels + 1)]
    return ("\n".join(lines) + "\nmodel: claude-sonnet-4-6\n").encode()


def merge_bomb() -> bytes:
    lines = ["m0: &m0 {a: 1, b: 2, c: 3, d: 4}"]
    lines += [f"m{i}: &m{i} {{<<: [" + ", ".join([f"*m{i - 1}"] * 10) + f"], k{i}: 1}}" for i in range(1, 12)]
    return ("\n".join(lines) + "\n").encode()


def python_tag(tag: str) -> Callable[[Path], bytes]:
    return lambda folder: f"model: {tag} ['touch {folder / MARKER}']\nmax_tokens: 5\n".encode()


def latin1_yaml() -> bytes:
    return GOOD_YAML.replace("Summarise the ticket.", "Résumé").encode("latin-1")


CASES = [
    # empty and binary
    case("empty.json", b"", 2, "empty file", (1, 1)),
    case("blank.json", b" \n\t\n", 2, "empty file"),
    case("bom-only.json", b"\xef\xbb\xbf", 2, "empty file"),
    case("empty.yaml", b"", 2, "empty file"),
    case("comment-only.yaml", b"# nothing to see\n", 2, "empty file"),
    case("empty-documents.yaml", b"---\n---\n...\n", 2, "empty file"),
    case("empty.jsonl", b"", 2, "empty file: no requests"),
    case("blank-lines.jsonl", b"\n\n  \r\n", 2, "empty file: no requests"),
    case("image.json", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01", 2, "binary file", (1, 1)),
    case("binary.yaml", bytes(range(256)) * 4, 2, "binary file"),
    case("utf16-no-bom.json", GOOD_TEXT.encode("utf-16-le"), 2, "UTF-16 without a byte order mark"),
    # encodings
    case("latin1.json", '{"model": "café"}'.encode("latin-1"), 2, "invalid UTF-8 (byte 0xe9)", (1, 15)),
    case("latin1.yaml", latin1_yaml(), 2, "invalid UTF-8", (5, 15)),
    case("bom-utf8.json", b"\xef\xbb\xbf" + PRETTY.encode(), 0),
    case("bom-utf16le.json", PRETTY.encode("utf-16"), 0),
    case("bom-utf16be.yaml", "\ufeff".encode("utf-16-be") + GOOD_YAML.encode("utf-16-be"), 0),
    case("bom-utf32.jsonl", json.dumps({"custom_id": "a", "params": GOOD}).encode("utf-32"), 0),
    case("bad-utf16.json", b"\xff\xfe" + '{"a": "'.encode("utf-16-le") + b"\x00\xd8" + b'"\x00}\x00', 2, "invalid UTF-16"),
    # truncated and malformed
    case("truncated.json", PRETTY[:60].encode(), 2, "invalid JSON: Unterminated string", (4, 3)),
    case("truncated.yaml", b"model: claude-sonnet-4-6\nmessages: [{role: user, content: Hi\n", 2, "invalid YAML", (3, 1)),
    case("truncated.jsonl", (json.dumps({"custom_id": "a", "params": GOOD}) + "\n" + '{"custom_id": "b", "params": {"model": "cl').encode(),
         2, "invalid JSON", (2, 40)),
    case("control-char.yaml", b"model: claude-sonnet-4-6\nmax_tokens: \x07\n", 2, "U+0007", (2, 13)),
    case("nul-late.json", ('{"model": "claude-sonnet-4-6", "system": "' + "x" * 9000 + '\x00", "max_tokens": 5}').encode(), 2,
         "invalid JSON: Invalid control character", (1, 9043)),
    case("bool-key.yaml", GOOD_YAML.encode() + b"on: true\n", 2, "'on' (read as bool) is not a string", (6, 1)),
    case("deep.json", b"[" * 100_000 + b"]" * 100_000, 2, "levels deep"),
    case("deep.yaml", b"[" * 100_000, 2, "nesting depth"),
    case("deep-block.yaml", b"- " * 5_000 + b"x\n", 2, "nesting depth"),
    case("huge-int.json", ('{"model": "claude-sonnet-4-6",\n "max_tokens": ' + "9" * 5000 + "}").encode(), 2, "digits", (2, 16)),
    case("huge-int.yaml", ("model: claude-sonnet-4-6\nmax_tokens: " + "9" * 5000 + "\n").encode(), 2, "an integer of 5,000 digits cannot be read", (2, 13)),
    # NaN and Infinity: a finding at the value; the rest is still checked
    case("nan.json", PRETTY.replace('"max_tokens": 256', '"max_tokens": 256,\n  "temperature": NaN').encode(), 1,
         "IN002 error NaN is not a JSON number", (4, 18)),
    case("infinity.jsonl", (json.dumps({"custom_id": "a", "params": GOOD}).replace("256", "Infinity") + "\n"
                            + json.dumps({"custom_id": "b", "params": GOOD}) + "\n"
                            + '{"custom_id": "c", "params": ' + BAD_TEXT + "}\n").encode(), 1, "SP002", (1, 75)),
    case("nan.yaml", (GOOD_YAML + "temperature: .nan\n").encode(), 1, "IN002 error .nan is not a JSON number", (6, 14)),
    # duplicate keys: which value is used
    case("duplicate.json", '{"model": "claude-opus-4-8",\n "model": "claude-sonnet-4-6", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}'.encode(),
         0, "IN001 warning key 'model' is written twice", (2, 2)),
    case("duplicate-nested.json", '{"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": [{"role": "assistant", "role": "user", "content": "x"}]}'.encode(),
         0, "IN001", (1, 84)),
    case("duplicate.yaml", (GOOD_YAML + "model: claude-opus-4-8\n").encode(), 0, "(line 1, column 1) is ignored", (6, 1)),
    case("duplicate-envelope.json", ('{"body": ' + BAD_TEXT + ',\n "body": ' + GOOD_TEXT + "}").encode(), 0, "IN001", (2, 2)),
    case("many-duplicates.json", ("{" + ", ".join(f'"k": {i}' for i in range(2000)) + "}").encode(), 1, "IN001"),
    # YAML tags, anchors and aliases
    case("python-object.yaml", python_tag("!!python/object/apply:os.system"), 2, "'!!python/object/apply:os.system' is not allowed", (1, 8)),
    case("python-new.yaml", python_tag("!!python/object/new:os.system"), 2, "is not allowed"),
    case("python-name.yaml", b"model: !!python/name:os.system\n", 2, "is not allowed"),
    case("tag-directive.yaml", lambda folder: f"%TAG !p! tag:yaml.org,2002:python/\n---\nmodel: !p!object/apply:os.system ['touch {folder / MARKER}']\n".encode(),
         2, "is not allowed", (3, 8)),
    case("verbatim-tag.yaml", lambda folder: f"model: !<tag:yaml.org,2002:python/object/apply:os.system> ['touch {folder / MARKER}']\n".encode(),
         2, "is not allowed"),
    case("custom-tag.yaml", b"model: !model claude-sonnet-4-6\n", 2, "'!model' is not allowed", (1, 8)),
    case("binary-tag.yaml", b"model: !!binary Y2xhdWRl\n", 2, "'!!binary' is not allowed"),
    case("timestamp-tag.yaml", (GOOD_YAML + "metadata: {user_id: !!timestamp 2026-11-24}\n").encode(), 2, "'!!timestamp' is not allowed"),
    case("billion-laughs.yaml", alias_bomb(), 2, "alias bomb"),
    case("merge-bomb.yaml", merge_bomb(), 2, "alias bomb"),
    case("recursive-alias.yaml", b"model: claude-sonnet-4-6\nmessages: &m [{role: user, content: *m}]\n", 2, "recursive YAML alias", (2, 11)),
    case("anchors.yaml", b"description: &p You review pull requests.\nbody:\n  model: claude-sonnet-4-6\n  max_tokens: 100\n"
                         b"  system: *p\n  messages:\n    - {role: user, content: *p}\n", 0),
    case("multi-document.yaml", ("---\n" + GOOD_YAML + "---\nmodel: claude-opus-4-8\nmax_tokens: 10\ntop_k: 5\n"
                                 "messages: [{role: user, content: Hi}]\n---\nmodel: !foo x\n---\n" + GOOD_YAML).encode(),
         2, "SP002", (13, 8)),
    case("equals.yaml", (GOOD_YAML + "metadata: {user_id: =}\n").encode(), 0),
    # shapes and envelopes
    case("array.json", b"[1, 2, 3]", 1, "SH001"),
    case("string.json", b'"hello"', 1, "SH001"),
    case("null.json", b"null", 1, "SH001"),
    case("scalar.yaml", b"just a sentence\n", 1, "SH001"),
    case("envelope-as-of-number.json", ('{"endpoint": "/v1/messages",\n "as_of": 20261124,\n "body": ' + GOOD_TEXT + "}").encode(),
         2, "envelope field 'as_of' must be a string", (2, 11)),
    case("envelope-as-of-text.yaml", ("as_of: soon\nbody:\n" + "".join("  " + line + "\n" for line in GOOD_YAML.splitlines())).encode(),
         2, "envelope"),
    # lines and sizes
    case("u2028.jsonl", (json.dumps({"custom_id": "a", "params": GOOD}, ensure_ascii=False).replace("ticket.", "ticket.\u2028") + "\n").encode(), 0),
    case("crlf.jsonl", (json.dumps({"custom_id": "a", "params": GOOD}) + "\r\n" + '{"custom_id": "b", "params": ' + BAD_TEXT + "}\r\n").encode(),
         1, "SP002", (2, 29 + BAD_TEXT.index('5, "messages"') + 1)),
    case("crlf.yaml", (GOOD_YAML.replace("\n", "\r\n") + "top_k: 5\r\n").replace("claude-sonnet-4-6", "claude-opus-4-8").encode(),
         1, "SP002", (6, 8)),
    case("long-string.json", json.dumps({**GOOD, "system": "policy " * 700_000}).encode(), 0),
    case("huge-line.jsonl", (json.dumps({"custom_id": "big", "params": {**GOOD, "system": "z" * 4_000_000}}) + "\n"
                             + '{"custom_id": "c", "params": ' + BAD_TEXT + "}\n").encode(), 1, "SP002"),
    case("surrogate-escape.json", GOOD_TEXT.replace("Summarise", "\\ud800 Summarise").encode(), 1, "IN003"),
]


def special_cases(folder: Path) -> list[Case]:
    """Paths that are not plain files; given explicitly on the command line."""
    made = []
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder / "fifo.json")
        made.append(case("fifo.json", b"", 2, "the pipe sent nothing", in_tree=False))
    (folder / "loop.json").symlink_to(folder / "loop.json")
    made.append(case("loop.json", b"", 2, "Too many levels of symbolic links"))
    (folder / "dangling.yaml").symlink_to(folder / "nowhere.yaml")
    made.append(case("dangling.yaml", b"", 2, "broken symbolic link"))
    (folder / "folder.json").mkdir()
    (folder / "folder.json" / "inner.json").write_text(GOOD_TEXT, encoding="utf-8")
    made.append(case("folder.json", b"", 0, in_tree=False))
    made.append(case("missing.json", b"", 2, "no such file or directory", in_tree=False))
    return made


def write_cases(folder: Path, cases: list[Case]) -> None:
    for item in cases:
        data = item.content(folder) if callable(item.content) else item.content
        (folder / item.name).write_bytes(data)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["check", "--no-config", "--as-of", DATE, *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _short_pipe_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """A named pipe that sends nothing is reported after this many seconds (default 5)."""
    monkeypatch.setenv("CLAUDE_PREFLIGHT_PIPE_WAIT", "0.3")


@pytest.mark.parametrize("item", CASES, ids=[c.name for c in CASES])
def test_hostile_file(item: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_cases(tmp_path, [item])
    path = tmp_path / item.name
    started = time.perf_counter()
    code, out, err = run(capsys, str(path))
    assert time.perf_counter() - started < 30, "too slow"
    assert "Traceback" not in out + err
    assert code in item.exits, out + err
    if code:
        assert str(path) in out, out
    if item.says:
        assert item.says in out, out
    if item.where:
        assert f"{path}:{item.where[0]}:{item.where[1]}: " in out, out
    assert not (tmp_path / MARKER).exists(), "a YAML tag executed code"


def test_special_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for item in special_cases(tmp_path):
        path = tmp_path / item.name
        code, out, err = run(capsys, str(path))
        assert "Traceback" not in out + err
        assert code in item.exits, (item.name, out + err)
        if code:
            assert str(path) in out, out
        assert item.says in out, (item.name, out)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no devices here")
def test_devices_are_not_read(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "/dev/zero", "/dev/null")
    assert code == 2 and "Traceback" not in out + err
    assert "/dev/zero:1:1: cannot read file: it is a character device" in out


def test_every_hostile_file_in_one_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One directory holding every case plus a known bad file: all are reported, none hides another."""
    write_cases(tmp_path, CASES)
    specials = [c for c in special_cases(tmp_path) if c.in_tree]
    (tmp_path / "zz-known-bad.json").write_text(BAD_TEXT, encoding="utf-8")
    # Named explicitly, every file is read and every bad one is reported.
    code, out, err = run(capsys, *sorted(str(p) for p in tmp_path.iterdir()))
    assert code == 2 and "Traceback" not in out + err
    assert f"{tmp_path / 'zz-known-bad.json'}:1:" in out and "SP002" in out
    for item in CASES + specials:
        if 2 in item.exits or 1 in item.exits and 0 not in item.exits:
            assert str(tmp_path / item.name) in out, f"{item.name} not reported"
    # Found by a directory walk, files that do not look like requests (empty, binary, not an
    # object) are skipped instead; the walk still survives every file and reports the bad fixture.
    code, out, err = run(capsys, str(tmp_path))
    assert code in (1, 2) and "Traceback" not in out + err
    assert f"{tmp_path / 'zz-known-bad.json'}:1:" in out and "SP002" in out
    assert not (tmp_path / MARKER).exists()


@pytest.mark.parametrize("fmt", ["json", "sarif", "github", "pretty"])
def test_every_format_survives_hostile_files(fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_cases(tmp_path, [c for c in CASES if c.name in ("nan.json", "latin1.yaml", "duplicate.yaml", "billion-laughs.yaml",
                                                          "multi-document.yaml", "surrogate-escape.json", "empty.jsonl")])
    code, out, err = run(capsys, "--format", fmt, *sorted(str(p) for p in tmp_path.iterdir()))
    assert code == 2 and "Traceback" not in out + err, err
    if fmt in ("json", "sarif"):
        json.loads(out)
    assert "latin1.yaml" in out and "nan.json" in out


def test_file_vanishing_mid_run(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    first = tmp_path / "a.json"
    second = tmp_path / "b.json"
    first.write_text(GOOD_TEXT, encoding="utf-8")
    second.write_text(BAD_TEXT, encoding="utf-8")
    real = checking.read_file

    def read_file(path: Path):  # type: ignore[no-untyped-def]
        if path.name == "a.json":
            path.unlink()  # found by the directory walk, gone when it is read
        return real(path)

    monkeypatch.setattr(checking, "read_file", read_file)
    code, out, err = run(capsys, str(tmp_path))
    assert code == 2 and "Traceback" not in out + err
    assert f"{first}:1:1: cannot read file: No such file or directory" in out
    assert f"{second}:1:" in out and "SP002" in out


def test_unreadable_file_and_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # Simulated, because the tests may run as root (who can read anything).
    (tmp_path / "secret.json").write_text(GOOD_TEXT, encoding="utf-8")
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "x.json").write_text(GOOD_TEXT, encoding="utf-8")
    (tmp_path / "ok.json").write_text(BAD_TEXT, encoding="utf-8")
    real_open, real_scandir = os.open, os.scandir

    def fake_open(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(path).endswith("secret.json"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args, **kwargs)

    def fake_scandir(path):  # type: ignore[no-untyped-def]
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(documents.os, "open", fake_open)
    monkeypatch.setattr(documents.os, "scandir", fake_scandir)
    code, out, err = run(capsys, str(tmp_path))
    assert code == 2 and "Traceback" not in out + err
    assert f"{tmp_path / 'secret.json'}:1:1: cannot read file: Permission denied" in out
    assert f"{tmp_path / 'locked'}:1:1: cannot list directory: Permission denied" in out
    assert f"{tmp_path / 'ok.json'}:1:" in out and "SP002" in out


def test_file_name_too_long(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = str(tmp_path / ("x" * 5000 + ".json"))
    code, out, err = run(capsys, name, str(tmp_path / "missing.yaml"))
    assert code == 2 and "Traceback" not in out + err
    assert "File name too long" in out and "missing.yaml:1:1: no such file or directory" in out


def test_file_name_too_long_with_configuration_search(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--as-of", DATE, str(tmp_path / ("x" * 5000 + ".json"))])
    out, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in out + err
    assert "File name too long" in out


def test_undecodable_file_name_on_a_strict_utf8_terminal(tmp_path: Path) -> None:
    """A file name that is not UTF-8 must not abort the report (the other files are still printed)."""
    raw = os.fsencode(tmp_path) + b"/caf\xe9.json"
    with open(raw, "w", encoding="utf-8") as stream:
        stream.write(BAD_TEXT)
    (tmp_path / "other.json").write_text(BAD_TEXT, encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "NO_COLOR": "1"}
    result = subprocess.run([sys.executable, "-m", "claude_preflight.cli.main", "check", "--no-config", "--as-of", DATE,
                             "--format", "pretty", str(tmp_path)], capture_output=True, env=env, timeout=120)
    out = result.stdout.decode("utf-8", "replace") + result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in out
    assert result.returncode == 1 and "other.json" in out and "caf" in out


@pytest.mark.parametrize("mode", [["--fix"], ["--fix", "--unsafe-fixes"], ["--diff", "--unsafe-fixes"]])
def test_fixing_hostile_files_never_damages_them(mode: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The fix path over the same hostile files: no traceback, and a file is either left byte
    for byte as it was or rewritten into one that parses and has no more findings than before."""
    write_cases(tmp_path, CASES)
    (tmp_path / "zz-known-bad.json").write_text(BAD_TEXT, encoding="utf-8")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    code, out, err = run(capsys, *mode, str(tmp_path))
    assert "Traceback" not in out + err and code in (0, 1, 2)
    assert not (tmp_path / MARKER).exists()
    changed = {name for name, data in before.items() if (tmp_path / name).read_bytes() != data}
    if "--diff" in mode:
        assert not changed, f"--diff wrote {sorted(changed)}"
        return
    assert "zz-known-bad.json" in changed  # its safe fix (dropping top_k on Opus 4.8) applies
    for name in changed:
        again, after_out, after_err = run(capsys, str(tmp_path / name))
        assert "Traceback" not in after_out + after_err
        assert again in (0, 1), f"{name} no longer reads cleanly after fixing:\n{after_out}"
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".") or p.suffix in (".tmp", ".part")]
    assert not leftovers, f"temporary files left behind: {leftovers}"
