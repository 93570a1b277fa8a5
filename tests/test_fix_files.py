"""Fixing fixture files in place: formatting kept byte for byte, atomic writes, diff mode,
files that do not parse, suppressions, idempotence."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from claude_preflight.catalogue import Catalogue
from claude_preflight.config import config_from_mapping
from claude_preflight.dates import parse_moment
from claude_preflight.files.checking import Options
from claude_preflight.fixing import files as fixfiles
from claude_preflight.fixing import fix_file, fix_paths, summarize
from conftest import CATALOGUE_DATE


@pytest.fixture()
def options(catalogue: Catalogue) -> Options:
    return Options(catalogue=catalogue, as_of=parse_moment(CATALOGUE_DATE))


def write(path: Path, text: str, *, bom: bool = False) -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


# ------------------------------------------------------------------ JSON

ODD_JSON = """{
   "model" : "claude-opus-4-8",
   "max_tokens" : 1024,
   "temperature" : 0.7,
   "thinking" : {"type": "enabled", "budget_tokens": 4000},
   "metadata" : { "user_id" : "u-\\u00e9" },
   "messages" : [
      {"role": "system", "content": "Be terse."},
      {"role": "user", "content": "Hi"}
   ]
}
"""

ODD_JSON_FIXED = """{
   "model" : "claude-opus-4-8",
   "max_tokens" : 1024,
   "thinking" : {"type": "adaptive"},
   "metadata" : { "user_id" : "u-\\u00e9" },
   "messages" : [
      {"role": "user", "content": "Hi"}
   ],
   "system" : "Be terse."
}
"""


def test_json_keeps_indentation_key_order_and_untouched_bytes(tmp_path: Path, options: Options) -> None:
    path = write(tmp_path / "req.json", ODD_JSON)
    result = fix_file(path, options)
    assert result.written and not result.refused
    assert sorted(a.code for a in result.applied) == ["SM003", "SP002", "TH001"]
    assert path.read_text(encoding="utf-8") == ODD_JSON_FIXED
    assert not result.remaining and not result.problems


def test_json_crlf_bom_and_permissions_survive(tmp_path: Path, options: Options) -> None:
    path = write(tmp_path / "req.json", ODD_JSON.replace("\n", "\r\n"), bom=True)
    path.chmod(0o640)
    result = fix_file(path, options)
    assert result.written
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data[3:].decode("utf-8") == ODD_JSON_FIXED.replace("\n", "\r\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_json_compact_one_line(tmp_path: Path, options: Options) -> None:
    text = '{"model":"claude-opus-4-8","max_tokens":1024,"top_k":5,"messages":[{"role":"user","content":"Hi"}]}'
    path = write(tmp_path / "req.json", text)
    fix_file(path, options)
    assert path.read_text() == '{"model":"claude-opus-4-8","max_tokens":1024,"messages":[{"role":"user","content":"Hi"}]}'


def test_envelope_body_is_fixed_at_body(tmp_path: Path, options: Options) -> None:
    text = '{\n\t"description": "FAQ bot",\n\t"body": {\n\t\t"model": "claude-opus-4-6-20260205",\n\t\t"max_tokens": 1024,\n\t\t"messages": [{"role": "user", "content": "Hi"}]\n\t}\n}\n'
    path = write(tmp_path / "req.json", text)
    result = fix_file(path, options)
    assert [a.path for a in result.applied] == ["/body/model"]
    assert path.read_text() == text.replace("claude-opus-4-6-20260205", "claude-opus-4-6")


# ------------------------------------------------------------------ YAML

YAML_TEXT = """# FAQ bot fixture: keep this comment
endpoint: /v1/messages
body:
    model: 'claude-opus-4-8'   # pinned on purpose
    max_tokens: 1024
    temperature: 0.2
    # the conversation follows
    messages:
        -   role: system
            content: |
                # Rules
                Be terse.
        -   role: user
            content: "What is new?"
    thinking: {type: enabled, budget_tokens: 2048}
"""

YAML_FIXED = """# FAQ bot fixture: keep this comment
endpoint: /v1/messages
body:
    model: 'claude-opus-4-8'   # pinned on purpose
    max_tokens: 1024
    # the conversation follows
    messages:
        -   role: user
            content: "What is new?"
    thinking: {type: adaptive}
    system: |
        # Rules
        Be terse.
"""


def test_yaml_keeps_comments_quoting_and_layout(tmp_path: Path, options: Options) -> None:
    path = write(tmp_path / "req.yaml", YAML_TEXT)
    result = fix_file(path, options)
    assert result.written, result.refused
    assert path.read_text() == YAML_FIXED


def test_yaml_moved_lines_keep_their_own_text(tmp_path: Path, options: Options) -> None:
    """Found by hypothesis: moving the system turn out re-rendered `0E1` (a string in YAML 1.1, a
    float to ruamel's YAML 1.2) as `0E0`; the fix was then refused. Moved lines keep their text."""
    text = (
        "# fixture: keep me\nmodel: claude-opus-4-8\nmax_tokens: 1024\nmessages:\n"
        '- role: system\n  content: "\\x1F\\U00010000"\n- role: user\n  content: 0E1\n'
    )
    path = tmp_path / "req.yaml"
    path.write_text(text, encoding="utf-8")
    result = fix_file(path, options)
    assert [a.code for a in result.applied] == ["SM003"] and result.refused is None
    fixed = path.read_text(encoding="utf-8")
    assert "  content: 0E1\n" in fixed and "role: system" not in fixed and fixed.startswith("# fixture: keep me\n")


def test_yaml_crlf_survives(tmp_path: Path, options: Options) -> None:
    path = write(tmp_path / "req.yaml", YAML_TEXT.replace("\n", "\r\n"))
    fix_file(path, options)
    assert path.read_bytes() == YAML_FIXED.replace("\n", "\r\n").encode()


def test_yaml_inline_suppression_is_respected(tmp_path: Path, options: Options) -> None:
    text = "model: claude-opus-4-8\nmax_tokens: 1024\ntemperature: 0.2  # claude-preflight: ignore[SP002]\ntop_p: 0.9\nmessages:\n  - role: user\n    content: Hi\n"
    path = write(tmp_path / "req.yaml", text)
    result = fix_file(path, options)
    assert [a.code for a in result.applied] == ["SP002"]
    assert path.read_text() == text.replace("top_p: 0.9\n", "")


def test_yaml_multi_document_fixes_the_right_document(tmp_path: Path, options: Options) -> None:
    text = (
        "model: claude-sonnet-4-6\nmax_tokens: 1024\nmessages: [{role: user, content: Hi}]\n"
        "---\n"
        "---\n"  # an empty document in between
        "# the second request\n"
        "model: claude-opus-4-8\nmax_tokens: 1024\ntop_k: 3\nmessages: [{role: user, content: Hi}]\n"
    )
    path = write(tmp_path / "two.yaml", text)
    result = fix_file(path, options)
    assert [a.code for a in result.applied] == ["SP002"]
    assert path.read_text() == text.replace("top_k: 3\n", "")


def test_configured_ignore_is_respected(tmp_path: Path, catalogue: Catalogue) -> None:
    config = config_from_mapping({"ignore": ["SP002"]}, root=tmp_path)
    opts = Options(catalogue=catalogue, as_of=parse_moment(CATALOGUE_DATE), config=config)
    text = '{"model": "claude-opus-4-8", "max_tokens": 1024, "temperature": 0.2, "messages": [{"role": "user", "content": "Hi"}]}\n'
    path = write(tmp_path / "req.json", text)
    result = fix_file(path, opts)
    assert not result.applied and path.read_text() == text


# ------------------------------------------------------------------ JSONL

JSONL = (
    '{"custom_id":"a","params":{"model":"claude-opus-4-8","max_tokens":10,"top_k":5,"messages":[{"role":"user","content":"x"}]}}\r\n'
    '{"custom_id":"b","params":{"model":"claude-sonnet-4-6", "max_tokens":10,"messages":[{"role":"user","content":"x\u2028y"}]}}\r\n'
    "\r\n"
    "{not json\r\n"
    '{"custom_id":"c","params":{"model":"claude-opus-4-8","max_tokens":10,"temperature":1,"messages":[{"role":"user","content":"x"}]}}'
)


def test_jsonl_edits_only_the_fixed_lines(tmp_path: Path, options: Options) -> None:
    path = write(tmp_path / "batch.jsonl", JSONL)
    result = fix_file(path, options)
    assert result.written
    assert [(a.code, a.line) for a in result.applied] == [("SP002", 1), ("SP002", 5)]
    before = JSONL.split("\n")
    after = path.read_bytes().decode("utf-8").split("\n")
    assert len(before) == len(after)
    assert after[0] == before[0].replace('"top_k":5,', "")
    assert after[1:4] == before[1:4]
    assert after[4] == before[4].replace('"temperature":1,', "")
    assert [p.line for p in result.problems] == [4]


# ------------------------------------------------------------------ safety of the write


def test_diff_mode_writes_nothing(tmp_path: Path, options: Options) -> None:
    path = write(tmp_path / "req.json", ODD_JSON)
    before = path.stat()
    result = fix_file(path, options, diff=True)
    assert not result.written and result.applied
    assert path.read_text() == ODD_JSON and path.stat().st_mtime_ns == before.st_mtime_ns
    assert '-   "temperature" : 0.7,' in result.diff and '+   "system" : "Be terse."' in result.diff
    assert result.diff.startswith("--- a/") and "+++ b/" in result.diff


def test_file_that_does_not_parse_is_never_touched(tmp_path: Path, options: Options) -> None:
    text = '{"model": "claude-opus-4-8", "temperature": 0.2,, }'
    path = write(tmp_path / "bad.json", text)
    result = fix_file(path, options, unsafe=True)
    assert result.problems and not result.applied and not result.written
    assert path.read_text() == text


def test_yaml_that_does_not_parse_is_never_touched(tmp_path: Path, options: Options) -> None:
    text = "model: claude-opus-4-8\ntemperature: 0.2\nmessages: [unclosed\n"
    path = write(tmp_path / "bad.yaml", text)
    result = fix_file(path, options)
    assert result.problems and not result.written and path.read_text() == text


def test_interrupted_write_leaves_the_original_intact(tmp_path: Path, options: Options, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "req.json", ODD_JSON)

    def half_then_interrupt(stream: object, payload: bytes) -> None:
        stream.write(payload[: len(payload) // 2])  # type: ignore[attr-defined]
        raise KeyboardInterrupt

    monkeypatch.setattr(fixfiles, "_write_all", half_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        fix_file(path, options)
    assert path.read_text() == ODD_JSON
    assert sorted(p.name for p in tmp_path.iterdir()) == ["req.json"]  # no temporary file left


def test_failed_write_is_reported_and_leaves_the_original(tmp_path: Path, options: Options, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "req.json", ODD_JSON)

    def full_disk(stream: object, payload: bytes) -> None:
        stream.write(payload[:10])  # type: ignore[attr-defined]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fixfiles, "_write_all", full_disk)
    result = fix_file(path, options)
    assert not result.written and "No space left" in (result.refused or "")
    assert path.read_text() == ODD_JSON
    assert sorted(p.name for p in tmp_path.iterdir()) == ["req.json"]


def test_worse_result_is_not_written(tmp_path: Path, options: Options, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "req.json", ODD_JSON)
    monkeypatch.setattr(fixfiles, "_worse", lambda before, after, records: "fixing would introduce XX001 at /")
    result = fix_file(path, options)
    assert not result.written and result.refused and path.read_text() == ODD_JSON
    assert "not fixed" in summarize([result])


def test_edit_that_does_not_round_trip_is_not_used(tmp_path: Path, options: Options, monkeypatch: pytest.MonkeyPatch) -> None:
    from claude_preflight.fixing import json_text

    path = write(tmp_path / "req.json", ODD_JSON)
    monkeypatch.setattr(json_text, "apply_edits", lambda text, data, edits, base="": text.replace('"Hi"', '"Bye"'))
    result = fix_file(path, options)
    assert not result.applied and path.read_text() == ODD_JSON


def test_file_changed_on_disk_is_not_overwritten(tmp_path: Path) -> None:
    path = write(tmp_path / "req.json", "{}")
    with pytest.raises(fixfiles.ChangedOnDisk):
        fixfiles.atomic_write(path, b"[]", expect=b"{ }")
    assert path.read_text() == "{}"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_symlink_target_is_fixed_and_link_kept(tmp_path: Path, options: Options) -> None:
    target = write(tmp_path / "real.json", ODD_JSON)
    link = tmp_path / "link.json"
    try:
        link.symlink_to(target)
    except OSError:
        pytest.skip("cannot create symlinks here")
    fix_file(link, options)
    assert link.is_symlink() and target.read_text() == ODD_JSON_FIXED


# ------------------------------------------------------------------ idempotence, directories, summary


@pytest.mark.parametrize(("name", "text"), [("req.json", ODD_JSON), ("req.yaml", YAML_TEXT), ("batch.jsonl", JSONL)])
def test_fixing_twice_equals_fixing_once(tmp_path: Path, options: Options, name: str, text: str) -> None:
    path = write(tmp_path / name, text)
    fix_file(path, options, unsafe=True)
    once = path.read_bytes()
    second = fix_file(path, options, unsafe=True)
    assert not second.applied and not second.written
    assert path.read_bytes() == once


def test_unsafe_fixes_need_the_flag(tmp_path: Path, options: Options) -> None:
    text = '{"model": "claude-opus-4-6-20260205", "max_tokens": 1024, "frequency_penalty": 1,\n "messages": [{"role": "user", "content": "Hi"}]}\n'
    path = write(tmp_path / "req.json", text)
    safe = fix_file(path, options)
    assert [a.code for a in safe.applied] == ["LC006"]
    assert [f.code for f in safe.fixable(unsafe=True)] == ["SH003"]
    assert "1 more can be fixed with --unsafe-fixes" in summarize([safe])
    unsafe = fix_file(path, options, unsafe=True)
    assert [a.code for a in unsafe.applied] == ["SH003"]
    assert path.read_text() == '{"model": "claude-opus-4-6", "max_tokens": 1024,\n "messages": [{"role": "user", "content": "Hi"}]}\n'


def test_fix_paths_walks_directories_and_summarizes(tmp_path: Path, options: Options) -> None:
    write(tmp_path / "a.json", ODD_JSON)
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "b.yaml", YAML_TEXT)
    write(tmp_path / "clean.json", '{"model": "claude-sonnet-4-6", "max_tokens": 1024, "messages": [{"role": "user", "content": "Hi"}]}')
    results = list(fix_paths([str(tmp_path), str(tmp_path / "missing.json")], options))
    by_name = {Path(r.path).name: r for r in results}
    assert by_name["a.json"].written and by_name["b.yaml"].written and not by_name["clean.json"].applied
    assert by_name["missing.json"].problems
    text = summarize(results)
    assert text.startswith("Fixed 6 issue(s) in 2 file(s); 0 finding(s) remain.")
    assert fixfiles.to_json(by_name["a.json"])["applied"]


def test_fix_paths_reports_stale_overrides_like_check(tmp_path: Path, catalogue: Catalogue) -> None:
    from claude_preflight.files.checking import check_paths

    config = config_from_mapping(
        {"overrides": [{"files": ["*.json"], "pointer": "/temperature", "ignore": ["SP006"]}]}, root=tmp_path, source=str(tmp_path / "pyproject.toml")
    )
    opts = Options(catalogue=catalogue, as_of=parse_moment(CATALOGUE_DATE), config=config)
    write(tmp_path / "req.json", '{"model": "claude-opus-4-8", "max_tokens": 1024, "top_k": 1, "messages": [{"role": "user", "content": "Hi"}]}')
    checked = [f.code for r in check_paths([str(tmp_path)], opts) for f in r.findings]
    fixed = list(fix_paths([str(tmp_path)], opts, diff=True))
    assert "CF001" in checked
    assert [f.code for r in fixed for f in r.remaining] == ["CF001"]


def test_duplicate_keys_and_nan_are_handled_like_the_reader(tmp_path: Path, options: Options) -> None:
    # json.loads keeps the last duplicate; removing the key removes every occurrence, or the
    # earlier value would come back. NaN is readable (IN002) and may itself be removed.
    text = '{"model": "claude-opus-4-8", "temperature": 0.5, "max_tokens": 1024, "temperature": 0.7, "top_k": NaN, "messages": [{"role": "user", "content": "Hi"}]}\n'
    path = write(tmp_path / "req.json", text)
    result = fix_file(path, options)
    assert [a.path for a in result.applied] == ["/temperature", "/top_k"]
    assert path.read_text() == '{"model": "claude-opus-4-8", "max_tokens": 1024, "messages": [{"role": "user", "content": "Hi"}]}\n'
