"""The compiled-catalogue cache: fresh caches are used, anything else is never trusted.

Every test points the cache at its own folder (``CLAUDE_PREFLIGHT_CACHE_DIR``) and calls the
loader directly, so the process-wide ``load_catalogue()`` cache is not involved.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from claude_preflight import __version__
from claude_preflight.catalogue import Catalogue, cache, load_catalogue, loader
from claude_preflight.errors import CatalogueError


@pytest.fixture()
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CLAUDE_PREFLIGHT_CACHE_DIR", str(folder))
    monkeypatch.delenv("CLAUDE_PREFLIGHT_NO_CACHE", raising=False)
    return folder


@pytest.fixture(scope="module")
def built_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache file, built once for the module (a cold load validates every YAML file)."""
    folder = tmp_path_factory.mktemp("built") / "cache"
    saved = {k: os.environ.get(k) for k in ("CLAUDE_PREFLIGHT_CACHE_DIR", "CLAUDE_PREFLIGHT_NO_CACHE")}
    os.environ["CLAUDE_PREFLIGHT_CACHE_DIR"] = str(folder)
    os.environ.pop("CLAUDE_PREFLIGHT_NO_CACHE", None)
    try:
        loader.read_builtin()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return folder


@pytest.fixture()
def warm(cache_dir: Path, built_cache: Path) -> Path:
    """``cache_dir`` holding a fresh cache file."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    for item in built_cache.glob("catalogue-*.json"):
        (cache_dir / item.name).write_bytes(item.read_bytes())
    return cache_dir


def cache_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("catalogue-*.json")) if folder.exists() else []


_FRESH: list[loader.Merged] = []


def fresh() -> loader.Merged:
    """The shipped catalogue read and validated from the YAML, bypassing the cache (once)."""
    if not _FRESH:
        _FRESH.append(loader._read_builtin(loader.collect_paths([loader.builtin_dir()])))
    return _FRESH[0]


def without_examples(rules: dict[str, dict[str, object]]) -> dict[str, dict[str, object]]:
    return {code: {k: v for k, v in data.items() if k != "examples"} for code, data in rules.items()}


def test_first_load_writes_the_cache_and_the_second_uses_it(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = loader.read_builtin()
    files = cache_files(cache_dir)
    assert len(files) == 1
    document = json.loads(files[0].read_text(encoding="utf-8"))
    assert document["format"] == cache.FORMAT and len(document["key"]) == 64
    # The second load must not read, parse or validate the YAML.
    monkeypatch.setattr(loader, "_read_builtin", lambda paths: pytest.fail("the fresh cache was not used"))
    second = loader.read_builtin()
    assert second.sections == first.sections
    assert without_examples(second.rules) == without_examples(first.rules)
    assert second.rule_family == first.rule_family and second.settings == first.settings


def test_cached_catalogue_equals_the_validated_one(warm: Path) -> None:
    cached = loader.read_builtin()
    assert cached.lazy_examples, "rules should come from the cache"
    direct = fresh()
    a, b = Catalogue(cached), Catalogue(direct)
    assert [r.code for r in a.rules] == [r.code for r in b.rules]
    for left, right in zip(a.rules, b.rules):
        assert left.origin == right.origin  # file:line:col kept in the cache
        assert left == right  # every field, examples included (read lazily from the YAML)
        assert dict(left.examples) == dict(right.examples)
    assert a.models == b.models and a.surfaces == b.surfaces and a.api_versions == b.api_versions
    assert a.endpoints == b.endpoints and dict(a.request_fields) == dict(b.request_fields)


def test_positions_in_shipped_files_still_work_from_the_cache(warm: Path) -> None:
    cached, direct = loader.read_builtin(), fresh()
    code = sorted(direct.rules)[0]
    raw_cached, where = cached.origin[("rules", code)]
    raw_direct, _ = direct.origin[("rules", code)]
    assert raw_cached.text is None  # not even read yet
    for pointer in (where, where + "/code", where + "/message", where + "/nonexistent/deeper"):
        assert raw_cached.where(pointer) == raw_direct.where(pointer)


def test_fresh_cache_keeps_yaml_and_jsonschema_off_the_hot_path(cache_dir: Path) -> None:
    code = (
        "import sys\n"
        "from claude_preflight.catalogue import load_catalogue\n"
        "from claude_preflight import validate\n"
        "load_catalogue()\n"
        "validate({'model': 'claude-sonnet-4-6', 'max_tokens': 5, 'messages': [{'role': 'user', 'content': 'x'}]})\n"
        "print(sorted(m for m in ('yaml', 'jsonschema', 'rich', 'pydantic', 'anthropic') if m in sys.modules))\n"
    )
    env = {**os.environ, "CLAUDE_PREFLIGHT_CACHE_DIR": str(cache_dir)}
    env.pop("CLAUDE_PREFLIGHT_NO_CACHE", None)
    cold = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert "jsonschema" in cold.stdout  # the first run validates the YAML
    warm = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert warm.stdout.strip() == "[]", warm.stdout


def test_stale_cache_is_rebuilt(warm: Path) -> None:
    (path,) = cache_files(warm)
    document = json.loads(path.read_text(encoding="utf-8"))
    document["key"] = "0" * 64
    document["payload"]["settings"] = {"poisoned": True}
    path.write_text(json.dumps(document), encoding="utf-8")
    merged = loader.read_builtin()
    assert "poisoned" not in merged.settings
    assert json.loads(path.read_text(encoding="utf-8"))["key"] != "0" * 64  # rewritten


def test_corrupt_cache_falls_back(warm: Path) -> None:
    root = loader.builtin_dir()
    (path,) = cache_files(warm)
    key = json.loads(path.read_text(encoding="utf-8"))["key"]
    for content in (b"", b"\x00\xff garbage", b'{"format": 1, "key": "x"', b"[]", b'{"format": 999}', b"1e999999",
                    json.dumps({"format": 1, "key": key, "payload": []}).encode()):
        path.write_bytes(content)
        assert cache.load(root, key) is None
    assert loader.read_builtin().rules  # and a whole load falls back to the YAML
    assert cache.load(root, key) is not None  # ... and repairs the cache


def test_matching_key_with_broken_payload_falls_back(warm: Path) -> None:
    (path,) = cache_files(warm)
    document = json.loads(path.read_text(encoding="utf-8"))
    for broken in ({"sections": []}, {"files": [1, 2]}, {"origin": [["rules"]]}, {"rules": {}}, {"known": {"999": {}}},
                   {"examples": {"XX001": [0]}}):
        with pytest.raises(Exception):
            loader._from_payload({**document["payload"], **broken})
    path.write_text(json.dumps({**document, "payload": {**document["payload"], "rules": {}}}), encoding="utf-8")
    assert set(loader.read_builtin().rules) == set(fresh().rules)


def test_unwritable_or_missing_cache_dir_still_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("CLAUDE_PREFLIGHT_CACHE_DIR", str(blocker / "cache"))  # cannot be created
    monkeypatch.delenv("CLAUDE_PREFLIGHT_NO_CACHE", raising=False)
    assert loader.read_builtin().rules
    assert not cache.store(loader.builtin_dir(), "k", {"a": 1})
    if hasattr(os, "geteuid") and os.geteuid() != 0:  # permissions do not stop root
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o500)
        try:
            monkeypatch.setenv("CLAUDE_PREFLIGHT_CACHE_DIR", str(folder))
            assert loader.read_builtin().rules
            assert cache_files(folder) == []
        finally:
            folder.chmod(0o700)


def test_no_home_and_no_cache_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CLAUDE_PREFLIGHT_CACHE_DIR", "XDG_CACHE_HOME", "LOCALAPPDATA"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(os.path, "expanduser", lambda path: path)  # "~" cannot be expanded
    if sys.platform != "win32":
        assert cache.cache_dir() is None
        assert cache.load(loader.builtin_dir(), "key") is None
        assert not cache.store(loader.builtin_dir(), "key", {})


def test_cache_can_be_turned_off(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_PREFLIGHT_NO_CACHE", "1")
    assert loader.read_builtin().rules
    assert cache_files(cache_dir) == []


def test_xdg_cache_home_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLAUDE_PREFLIGHT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "claude-preflight"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # ignored, as the spec says
    assert cache.cache_dir() != Path("relative/path") / "claude-preflight"


def test_key_follows_contents_paths_and_version(tmp_path: Path) -> None:
    one, two = tmp_path / "a.yaml", tmp_path / "b.yaml"
    one.write_text("models: {}\n", encoding="utf-8")
    two.write_text("rules: []\n", encoding="utf-8")
    base = cache.fingerprint(tmp_path, [one, two], "1.0")
    assert base == cache.fingerprint(tmp_path, [one, two], "1.0")
    assert base != cache.fingerprint(tmp_path, [one, two], "1.1")
    assert base != cache.fingerprint(tmp_path, [two, one], "1.0")
    assert base != cache.fingerprint(tmp_path / "x", [one, two], "1.0")
    one.write_text("models: {} \n", encoding="utf-8")  # one byte more
    assert base != cache.fingerprint(tmp_path, [one, two], "1.0")
    one.unlink()
    assert cache.fingerprint(tmp_path, [one, two], "1.0") is None


def test_key_changes_when_a_shipped_file_changes(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = loader.builtin_dir()
    paths = [*loader.collect_paths([root]), loader.schema_path()]
    key = cache.fingerprint(root, paths, __version__)
    assert key is not None
    original = Path.read_bytes

    def edited(self: Path) -> bytes:
        data = original(self)
        return data + b"\n# edited\n" if self == paths[0] else data

    monkeypatch.setattr(Path, "read_bytes", edited)
    assert cache.fingerprint(root, paths, __version__) != key


def test_values_json_cannot_keep_are_never_cached(cache_dir: Path) -> None:
    assert cache.round_trips({"a": [1, 2.5, True, None, "x"], "b": {"c": -0.0}})
    assert not cache.round_trips({1: "integer key"})
    assert not cache.round_trips({"a": (1, 2)})
    assert not cache.round_trips({"a": float("nan")})
    assert not cache.round_trips({"a": {1, 2}})


def test_store_is_atomic_under_concurrent_writers(cache_dir: Path) -> None:
    root = loader.builtin_dir()
    payloads = [{"n": i, "data": "x" * 200_000} for i in range(8)]
    threads = [threading.Thread(target=cache.store, args=(root, "key", p)) for p in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    (path,) = cache_files(cache_dir)
    assert cache.load(root, "key") in payloads  # one whole payload, never a mixture
    assert [p.name for p in cache_dir.iterdir() if p.name.endswith(".tmp")] == []


def test_user_files_are_validated_even_with_a_fresh_cache(warm: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("models:\n  claude-x:\n    display_name: X\n    sampling: sometimes\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        loader.read_and_merge([bad])
    assert f"{bad}:4:15" in str(info.value) and "sometimes" in str(info.value)


def test_user_override_does_not_leak_into_the_next_load(warm: Path, tmp_path: Path) -> None:
    extra = tmp_path / "fields.yaml"
    extra.write_text("request_fields:\n  messages:\n    x_custom: {type: string}\n", encoding="utf-8")
    merged = loader.read_and_merge([extra])
    assert "x_custom" in merged.sections["request_fields"]["messages"]
    assert "x_custom" not in loader.read_builtin().sections["request_fields"]["messages"]


def test_load_catalogue_with_cache_matches_examples(catalogue: Catalogue) -> None:
    # The session catalogue may come from the cache: examples must still be all there.
    total = sum(len(rule.examples.get("bad", ())) + len(rule.examples.get("good", ())) for rule in catalogue.rules)
    direct = fresh()
    expected = sum(len((data.get("examples") or {}).get("bad", ())) + len((data.get("examples") or {}).get("good", ()))
                   for data in direct.rules.values())
    assert total == expected
    assert load_catalogue() is catalogue
