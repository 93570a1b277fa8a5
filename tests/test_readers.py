"""The fixture readers on their own: bytes, encodings, JSON, JSONL, YAML, discovery, and a
short run of the fuzzing harness (the long one is described in docs/robustness.md)."""

from __future__ import annotations

import io
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claude_preflight.files import documents, json_positions, yaml_source
from claude_preflight.files.documents import Document, FileProblem, read_data, read_file
from conftest import REPO

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

GOOD = {"model": "claude-sonnet-4-6", "max_tokens": 64, "messages": [{"role": "user", "content": "Hi"}]}
GOOD_TEXT = json.dumps(GOOD)


def items(suffix: str, content: bytes | str) -> list[Any]:
    data = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
    return list(read_data(f"f{suffix}", data, suffix))


def only(suffix: str, content: bytes | str) -> Any:
    found = items(suffix, content)
    assert len(found) == 1, found
    return found[0]


def problem(suffix: str, content: bytes | str) -> FileProblem:
    found = only(suffix, content)
    assert isinstance(found, FileProblem), found
    return found


# ----------------------------------------------------------------------------- encodings


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-16-be", "utf-32", "utf-32-be"])
@pytest.mark.parametrize("suffix", [".json", ".yaml", ".jsonl"])
def test_byte_order_marks_are_honoured(codec: str, suffix: str) -> None:
    data = GOOD_TEXT.encode(codec)
    if codec in ("utf-16-be", "utf-32-be"):  # the *-be codecs write no BOM: add it
        data = "\ufeff".encode(codec) + data
    doc = only(suffix, data)
    assert isinstance(doc, Document) and doc.body == GOOD


def test_utf8_bom_positions_are_unshifted() -> None:
    doc = only(".json", b"\xef\xbb\xbf" + b'{"model": "x",\n "max_tokens": 1}')
    assert doc.position("/max_tokens") == (2, 16)


def test_binary_and_utf16_without_bom() -> None:
    assert "binary file" in problem(".json", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR").message
    hinted = problem(".json", GOOD_TEXT.encode("utf-16-le"))
    assert "UTF-16 without a byte order mark" in hinted.message


def test_invalid_utf8_is_placed() -> None:
    found = problem(".yaml", b"model: claude-sonnet-4-6\nmessages:\n  - content: caf\xe9\n")
    assert (found.line, found.column, found.message) == (3, 17, "invalid UTF-8 (byte 0xe9)")


def test_invalid_utf16_is_reported() -> None:
    found = problem(".json", b"\xff\xfe" + '{"a": "'.encode("utf-16-le") + b"\x00\xd8" + b'"\x00}\x00')
    assert "invalid UTF-16" in found.message


def test_empty_files() -> None:
    for suffix, content in [(".json", ""), (".json", " \n\t"), (".json", "\ufeff"), (".yaml", ""), (".yaml", "# only a comment\n"),
                            (".yaml", "---\n---\n"), (".jsonl", ""), (".jsonl", "\n \n\r\n")]:
        assert "empty file" in problem(suffix, content).message, (suffix, content)


# ----------------------------------------------------------------------------- JSON


def test_truncated_and_deep_json_are_placed() -> None:
    truncated = problem(".json", '{"model": "x",\n  "messages": [')
    assert (truncated.line, truncated.message) == (2, "invalid JSON: Expecting value")
    deep = problem(".json", "[" * 100_000 + "]" * 100_000)
    assert deep.message.startswith("invalid JSON: nested more than about") and deep.column > 500


def test_huge_integer_is_placed() -> None:
    found = problem(".json", '{"model": "x",\n "max_tokens": ' + "9" * 5000 + "}")
    assert (found.line, found.column) == (2, 16) and "digits" in found.message


def test_duplicate_keys_json() -> None:
    text = '{"model": "claude-opus-4-8",\n "max_tokens": 10,\n "model": "claude-sonnet-4-6",\n "messages": [{"role": "user", "role": "assistant", "content": "x"}]}'
    doc = only(".json", text)
    assert doc.body["model"] == "claude-sonnet-4-6"
    notes = [(n.code, n.path, n.line, n.column, n.args["first_line"]) for n in doc.notes]
    assert notes == [("IN001", "/model", 3, 2, 1), ("IN001", "/messages/0/role", 4, 32, 4)]
    assert doc.position("/model") == (3, 11)  # the value that is kept


def test_duplicate_key_three_times_and_nested_values() -> None:
    doc = only(".json", '{"a": {"x": 1}, "a": {"y": 2}, "a": {"z": 3}}')
    assert [n.path for n in doc.notes] == ["/a", "/a"]
    assert doc.position("/a/z") == (1, 43)


def test_nan_and_infinity_are_findings_not_problems() -> None:
    doc = only(".json", '{"model": "claude-sonnet-4-6",\n "temperature": NaN, "top_p": -Infinity, "max_tokens": 5, "messages": []}')
    assert isinstance(doc, Document)
    assert [(n.code, n.path, n.line, n.column, n.args["value"]) for n in doc.notes] == [
        ("IN002", "/temperature", 2, 17, "NaN"), ("IN002", "/top_p", 2, 31, "-Infinity")]


def test_nan_in_a_discarded_duplicate_is_not_reported() -> None:
    doc = only(".json", '{"temperature": NaN, "temperature": 0.5}')
    assert [n.code for n in doc.notes] == ["IN001"]


_KEYS = st.sampled_from(["a", "b", "a:", ":", "x\\u003a", "k"])
_JSON_TEXT = st.recursive(
    st.sampled_from(['1', '"s"', '":"', '"a:b::"', '"\\u003a"', 'NaN', 'null', '[]', '{}']),
    lambda inner: st.lists(inner, max_size=3).map(lambda xs: "[" + ",".join(xs) + "]")
    | st.lists(st.tuples(_KEYS, inner), max_size=4).map(
        lambda kv: "{" + ",".join(f'"{k}" : {v}' for k, v in kv) + "}"),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(_JSON_TEXT)
def test_duplicate_detection_by_counting_matches_the_pairs_hook(text: str) -> None:
    seen: list[bool] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen.append(len(dict(items)) != len(items))
        return dict(items)

    expected = json.loads(text, object_pairs_hook=pairs)
    reader = documents.JsonReader()
    data = reader.loads(text)
    assert json.dumps(data) == json.dumps(expected)
    assert reader.duplicates == any(seen)
    assert reader.nonfinite == ("NaN" in text)


def test_nan_in_a_string_is_just_text() -> None:
    assert only(".json", '{"text": "NaN Infinity"}').notes == []


def test_jsonl_records() -> None:
    line = json.dumps({"custom_id": "a", "params": GOOD})
    text = line + "\r\n\n" + line.replace('"Hi"', '"H\u2028i"') + "\n" + '{"custom_id": "b", "params": {"temperature": Infinity}}' + "\n{broken\n"
    found = items(".jsonl", text)
    assert [type(i).__name__ for i in found] == ["Document", "Document", "Document", "FileProblem"]
    assert [d.record for d in found[:3]] == [1, 3, 4]
    assert found[1].body["messages"][0]["content"] == "H\u2028i"  # U+2028 is not a line break in JSONL
    assert [(n.code, n.path, n.line) for n in found[2].notes] == [("IN002", "/params/temperature", 4)]
    assert (found[3].line, found[3].column) == (5, 2)
    assert found[0].position("/model") == (1, line.index('"claude') + 1)


def test_jsonl_lines_helper_matches_records() -> None:
    assert list(documents.jsonl_lines("a\n\nb\u2028c\r\n \n")) == [(1, "a"), (3, "b\u2028c\r")]


def test_long_string_positions_are_linear() -> None:
    text = json.dumps({"model": "x", "messages": [{"role": "user", "content": "y\\n" * 3_000_000}], "max_tokens": 1})
    started = time.perf_counter()
    found = json_positions.layout(text)
    assert time.perf_counter() - started < 5
    assert found.positions["/max_tokens"] == (1, len(text) - 1)


def test_envelope_problem_is_placed() -> None:
    found = problem(".json", '{"as_of": 20261124,\n "body": {}}')
    assert (found.line, found.column) == (1, 11) and "'as_of' must be a string" in found.message


# ----------------------------------------------------------------------------- YAML


@pytest.mark.parametrize("text", [
    "model: !!python/object/apply:os.system ['touch {marker}']\n",
    "model: !!python/object/new:os.system ['touch {marker}']\n",
    "model: !!python/name:os.system\n",
    "model: !!python/module:os\n",
    "%TAG !p! tag:yaml.org,2002:python/\n---\nmodel: !p!object/apply:os.system ['touch {marker}']\n",
    "model: !<tag:yaml.org,2002:python/object/apply:os.system> ['touch {marker}']\n",
    "model: !foo bar\n", "model: !!binary aGVsbG8=\n", "model: !!set {a, b}\n", "model: !!omap [a: 1]\n",
    "model: !!timestamp 2026-11-24\n", "model: !!pairs [a: 1]\n",
])
def test_yaml_tags_are_refused_never_constructed(text: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    found = problem(".yaml", text.replace("{marker}", str(marker)))
    assert "is not allowed" in found.message and found.line >= 1
    assert not marker.exists()


def test_alias_bomb_is_refused_quickly() -> None:
    levels = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    started = time.perf_counter()
    found = problem(".yaml", "\n".join(levels) + "\n")
    assert time.perf_counter() - started < 2
    assert "alias bomb" in found.message and found.line > 1


def test_merge_key_bomb_is_refused() -> None:
    levels = ["m0: &m0 {a: 1, b: 2, c: 3, d: 4}"]
    levels += [f"m{i}: &m{i} {{<<: [" + ", ".join([f"*m{i - 1}"] * 10) + f"], k{i}: 1}}" for i in range(1, 12)]
    started = time.perf_counter()
    found = items(".yaml", "\n".join(levels) + "\n")
    assert time.perf_counter() - started < 2
    assert isinstance(found[0], FileProblem) and "alias bomb" in found[0].message


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "a: &a {b: *a}\n", "a: &a {<<: *a}\n", "- &a [x, [y, *a]]\n"])
def test_recursive_alias_is_refused(text: str) -> None:
    assert "recursive YAML alias" in problem(".yaml", text).message


def test_benign_aliases_are_read_and_placed() -> None:
    text = ("prompt: &p You are a careful reviewer.\nbody:\n  model: claude-sonnet-4-6\n  max_tokens: 100\n  system: *p\n"
            "  messages:\n    - &m {role: user, content: Review this.}\n")
    text = "endpoint: /v1/messages\n" + text.replace("prompt: &p You", "description: &p You")
    doc = only(".yaml", text)
    assert doc.body["system"] == "You are a careful reviewer."
    assert doc.position("/system") == (2, 14)  # an aliased value points at the anchored original


def test_duplicate_keys_yaml_including_merges() -> None:
    text = "base: &b {model: a, max_tokens: 5}\nbody:\n  <<: *b\n  model: claude-sonnet-4-6\n  messages: []\n  messages: [x]\n"
    doc = only(".yaml", text.replace("base:", "description:"))
    assert doc.body == {"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": ["x"]}
    # overriding a merged key is what merges are for: only the real duplicate is reported
    assert [(n.code, n.path, n.line, n.column, n.args["first_line"]) for n in doc.notes] == [("IN001", "/body/messages", 6, 3, 5)]
    assert doc.position("/messages") == (6, 13)


def test_yaml_nonfinite_and_keys() -> None:
    doc = only(".yaml", "model: x\ntemperature: .nan\nstop_sequences: [-.inf]\n")
    assert [(n.code, n.path, n.line, n.column) for n in doc.notes] == [("IN002", "/temperature", 2, 14), ("IN002", "/stop_sequences/0", 3, 18)]
    for text, shown in [("on: 1\n", "'on' (read as bool)"), ("1: x\n", "'1' (read as int)"), ("? [a]\n: x\n", "that is a sequence"),
                        ("~: x\n", "(read as null)")]:
        found = problem(".yaml", "model: x\n" + text)
        assert found.line == 2 and shown in found.message, found


def test_yaml_equals_sign_is_a_string() -> None:
    assert only(".yaml", "model: x\ntext: =\n").body["text"] == "="


def test_yaml_multiple_documents() -> None:
    text = ("---\n---\nmodel: claude-opus-4-8\nmax_tokens: 10\n---\nmodel: !foo x\n---\nmodel: claude-sonnet-4-6\n"
            "temperature: 0.5\n--- [unclosed\n")
    found = items(".yaml", text)
    assert [type(i).__name__ for i in found] == ["Document", "FileProblem", "Document", "FileProblem"]
    assert (found[0].record, found[2].record) == (2, 4)
    assert found[2].position("/temperature") == (9, 14)
    assert found[1].line == 6 and found[3].line >= 10


def test_yaml_limits() -> None:
    assert "nesting" in problem(".yaml", "[" * 100_000).message
    assert "nesting" in problem(".yaml", "- " * 5_000 + "x\n").message
    control = problem(".yaml", "model: x\nmax_tokens: \x07\n")
    assert (control.line, control.column) == (2, 13) and "U+0007" in control.message
    huge = problem(".yaml", "model: x\nmax_tokens: " + "9" * 5000 + "\n")
    assert (huge.line, huge.column) == (2, 13)


def test_catalogue_loading_refuses_duplicate_keys() -> None:
    with pytest.raises(yaml_source.YamlProblem) as info:
        yaml_source.load("models:\n  a: {}\n  b: {}\n  a: {}\n")
    assert (info.value.line, info.value.column) == (4, 3) and "duplicate key 'a'" in str(info.value)
    with pytest.raises(yaml_source.YamlProblem, match="expected one YAML document"):
        yaml_source.load("a: 1\n---\nb: 2\n")


def test_positions_of_a_later_document() -> None:
    assert yaml_source.positions("a: 1\n---\nb: [1, 2]\n", 1)["/b/1"] == (3, 8)
    assert yaml_source.positions("a: [", 0) == {}


# ----------------------------------------------------------------------------- bytes on disk


def read_all(path: Path, timeout: float = 10) -> list[Any]:
    """read_file in a thread, so that a hang fails the test instead of blocking it."""
    found: list[Any] = []
    worker = threading.Thread(target=lambda: found.extend(read_file(path)), daemon=True)
    worker.start()
    worker.join(timeout)
    assert not worker.is_alive(), f"reading {path} hangs"
    return found


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_without_writer_does_not_hang(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_PREFLIGHT_PIPE_WAIT", "0.2")
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    found = read_all(fifo)
    assert [p.message for p in found] == ["the pipe sent nothing within 0.2 s (no writer, or a writer that sends nothing)"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_with_writer_is_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "w", encoding="utf-8") as stream:
            stream.write(GOOD_TEXT)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    time.sleep(0.05)
    found = read_all(fifo)
    writer.join(5)
    assert len(found) == 1 and getattr(found[0], "body", None) == GOOD


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_devices_are_refused(device: str) -> None:
    found = read_all(Path(device))
    assert len(found) == 1 and "character device" in found[0].message


def test_directories_links_and_vanished_files(tmp_path: Path) -> None:
    (tmp_path / "loop.json").symlink_to(tmp_path / "loop.json")
    (tmp_path / "dangling.json").symlink_to(tmp_path / "missing.json")
    (tmp_path / "folder.json").mkdir()
    assert "symbolic links" in read_all(tmp_path / "loop.json")[0].message
    assert "broken symbolic link" in read_all(tmp_path / "dangling.json")[0].message
    assert "directory" in read_all(tmp_path / "folder.json")[0].message
    assert "No such file" in read_all(tmp_path / "vanished.json")[0].message


def test_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.json"
    path.write_text(GOOD_TEXT, encoding="utf-8")
    monkeypatch.setattr(documents, "MAX_FILE_BYTES", 16)
    assert "larger than" in read_all(path)[0].message


DEPTH = 300  # deeper than the recursion limit the test sets (making 1,000+ levels takes seconds here)


def make_deep(root: Path) -> Path:
    """DEPTH nested directories, made through directory descriptors (linear time)."""
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(DEPTH):
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
    finally:
        os.close(fd)
    return Path(root, *(["d"] * DEPTH))


def remove_deep(root: Path) -> None:
    """Remove what make_deep made, bottom-up (shutil.rmtree recurses, and pytest cleans up with it)."""
    fd = os.open(root, os.O_RDONLY)
    for _ in range(DEPTH):
        inner = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    try:
        for name in os.listdir(fd):
            os.remove(name, dir_fd=fd)
        for _ in range(DEPTH):
            outer = os.open("..", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = outer
            os.rmdir("d", dir_fd=fd)
    finally:
        os.close(fd)


def test_discover_walks_deep_trees_without_recursion(tmp_path: Path) -> None:
    deep = make_deep(tmp_path)
    (deep / "request.json").write_text(GOOD_TEXT, encoding="utf-8")
    (tmp_path / "a.json").write_text(GOOD_TEXT, encoding="utf-8")
    (tmp_path / "link-to-self").symlink_to(tmp_path)  # a directory loop: not followed
    (tmp_path / "notes.txt").write_text("not a request", encoding="utf-8")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.json")  # special files in a tree are not request fixtures
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    depth = 0
    while sys._getframe(depth).f_back is not None:
        depth += 1
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 150)  # Python 3.11's Path.rglob recursed per directory level
    try:
        found = list(documents.discover([str(tmp_path)]))
    finally:
        sys.setrecursionlimit(old_limit)
        remove_deep(tmp_path)
    assert found == sorted(found) and len(found) == 3
    assert found[0] == tmp_path / "a.json" and found[1].name == "request.json" and found[2].name == "gone.yaml"


def test_discover_reports_unlistable_directories(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "locked").mkdir()
    (tmp_path / "ok.json").write_text(GOOD_TEXT, encoding="utf-8")
    real = os.scandir

    def scandir(path: Any) -> Any:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(documents.os, "scandir", scandir)
    found = list(documents.discover([str(tmp_path)]))
    assert found[0] == FileProblem(str(tmp_path / "locked"), 1, 1, "cannot list directory: Permission denied")
    assert found[1] == tmp_path / "ok.json"


def test_discover_explicit_paths(tmp_path: Path) -> None:
    long_name = str(tmp_path / ("x" * 5000 + ".json"))
    found = list(documents.discover([str(tmp_path / "nope.json"), long_name]))
    assert found[0].message == "no such file or directory"
    assert isinstance(found[1], FileProblem) and "too long" in found[1].message.lower()


# ----------------------------------------------------------------------------- fuzzing harness


def test_fuzz_harness_short_run() -> None:
    """The CI share of ``python -m fuzz``: a few hundred inputs across every target."""
    from fuzz.profiles import examples
    from fuzz.run import TARGETS, run

    out = io.StringIO()
    stats = run(TARGETS, examples=examples(FUZZ_CI_EXAMPLES), random_seed=20261124, out=out)
    assert not stats.failures, out.getvalue()
    assert stats.total >= FUZZ_CI_EXAMPLES * 0.9, out.getvalue()


FUZZ_CI_EXAMPLES = 400


def test_fuzz_command_line() -> None:
    from fuzz.run import main

    assert main(["--examples", "20", "--target", "engine", "--seed", "3"]) == 0


def test_robustness_figures_are_current() -> None:
    """docs/robustness.md quotes how many inputs and hostile files the suite tries."""
    sys.path.insert(0, str(REPO / "tests"))
    import test_hostile_catalogue
    import test_hostile_files
    import test_never_raises
    from fuzz import mutations

    text = (REPO / "docs" / "robustness.md").read_text(encoding="utf-8")
    sweep = sum(len(mutations.HOSTILE) * (len(set(s.body) | {"temperature", "tool_choice", "thinking", "tools", "stop_sequences"}) + 1)
                for s in test_never_raises.seeds() if s.name in ("perf/small", "perf/agent"))
    figures = {
        f"**{sum(test_never_raises.EXAMPLES.values())}** generated": "property-test examples",
        f"**{sweep}** `validate()` calls": "hostile sweep",
        f"{len(mutations.HOSTILE)} hostile values": "hostile values",
        f"**{FUZZ_CI_EXAMPLES}** fuzz inputs": "fuzz short run",
        f"**{len(test_hostile_files.CASES)} hostile request files**": "hostile request files",
        f"**{len(test_hostile_catalogue.CASES)} hostile catalogue files**": "hostile catalogue files",
    }
    stale = [what for figure, what in figures.items() if figure not in text]
    assert not stale, f"docs/robustness.md is stale for: {stale}"
