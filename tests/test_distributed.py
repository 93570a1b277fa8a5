"""The Dask integration on a small LocalCluster (two worker processes), against plain validate()."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest

pytest.importorskip("distributed")

from claude_preflight.api import run_request  # noqa: E402
from claude_preflight.catalogue import load_catalogue  # noqa: E402
from claude_preflight.dates import parse_moment  # noqa: E402
from claude_preflight.distributed import cli as dist_cli  # noqa: E402
from claude_preflight.distributed.core import PROBLEM, Settings, validate_partition  # noqa: E402
from tests.conftest import minimal  # noqa: E402

AS_OF = "2026-12-04"
SETTINGS = Settings(as_of=AS_OF)


def _bodies() -> list[Any]:
    return [
        minimal("claude-opus-5-5"),
        minimal("claude-opus-5-5", temperature=0.3),
        minimal("claude-opus-5-6"),
        minimal("claude-sonnet-4-6", thinking={"type": "enabled", "budget_tokens": 10}),
        minimal("claude-sonnet-4-6", messages=[{"role": "assistant", "content": "x"}, {"role": "user", "content": 5}]),
        {"model": 3, "messages": "no"},
        [],
    ]


def _entries() -> list[dict[str, Any]]:
    ids = ["a-1", "a-2", "a 3", "a-1", "x" * 70, "b-1", "b-2"]
    return [{"custom_id": cid, "params": body} for cid, body in zip(ids, _bodies())]


def _plain(body: Any, in_batch: bool = False) -> list[tuple[str, str, str, str]]:
    if not in_batch:
        from claude_preflight import validate

        return [(f.code, f.severity, f.path, f.message) for f in validate(body, as_of=AS_OF).findings]
    report = run_request(load_catalogue(), body, endpoint="/v1/messages", headers=None, surface=None,
                         as_of=parse_moment(AS_OF), api_version=None, in_batch=in_batch)
    return [(f.code, f.severity, f.path, f.message) for f in report.findings]


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    from claude_preflight.distributed.cluster import start_cluster

    try:
        active = start_cluster(2, SETTINGS)
    except RuntimeError:  # "Cluster failed to start": a worker missed its start-up timeout on a loaded machine
        active = start_cluster(2, SETTINGS)
    yield active
    cluster = active.cluster
    active.close()
    cluster.close()


def test_partition_rows_equal_plain_validate() -> None:
    bodies = _bodies()
    records = [json.dumps(bodies[0]), json.dumps(bodies[1]).encode(), *bodies[2:]]
    rows = validate_partition(records, SETTINGS)
    expected = [finding for body in bodies for finding in _plain(body)]
    assert [(r["code"], r["severity"], r["path"], r["message"]) for r in rows] == expected
    assert expected  # the inputs do produce findings
    assert all(r["custom_id"] is None and r["file"] is None for r in rows)


def test_batch_entries_are_checked_as_batch_params() -> None:
    rows = validate_partition(_entries(), SETTINGS)
    for entry in _entries():
        mine = [(r["code"], r["path"]) for r in rows if r["custom_id"] == entry["custom_id"] and r["code"] != "EP004"]
        plain = [(code, "/params" + path) for code, _, path, _ in _plain(entry["params"], in_batch=True)]
        if entry["custom_id"] == "a-1":
            continue  # used twice: compared below
        assert mine == plain
    assert {r["custom_id"] for r in rows if r["code"] == "EP004"} == {"a 3", "x" * 70}


def test_unreadable_records_become_rows() -> None:
    rows = validate_partition(["{oops", b"\xff", {"body": {}, "surface": 5}], SETTINGS)
    assert [r["code"] for r in rows] == [PROBLEM] * 3
    assert "invalid JSON" in rows[0]["message"] and "UTF-8" in rows[1]["message"] and "surface" in rows[2]["message"]


def test_bag_on_the_cluster_matches_the_local_call(client: Any) -> None:
    import dask.bag as db

    records = [json.dumps(e) for e in _entries()] * 3
    bag = db.from_sequence(records, npartitions=3)
    rows = bag.map_partitions(validate_partition, SETTINGS).compute(scheduler=client.get)
    assert sorted(map(str, rows)) == sorted(map(str, validate_partition(records, SETTINGS)))


def _write_files(folder: Path) -> list[Path]:
    folder.mkdir()
    (folder / "nested").mkdir()
    first = folder / "one.jsonl"
    lines = [json.dumps(e) for e in _entries()] * 40  # repeats: EP005 across ranges
    lines.insert(3, "{not json")
    lines.insert(7, "")
    first.write_text("\n".join(lines) + "\n")
    second = folder / "nested" / "two.ndjson"
    second.write_text("\n".join(json.dumps({"custom_id": f"id-{i}", "params": b}) for i, b in enumerate(_bodies())))
    (folder / "ignored.txt").write_text("{}")
    return [second, first]


def test_directory_on_the_cluster_matches_the_cli_file_checker(client: Any, tmp_path: Path) -> None:
    from claude_preflight.distributed.cluster import check_directory
    from claude_preflight.files.checking import Checker, Options

    files = _write_files(tmp_path / "batches")
    result = check_directory(tmp_path / "batches", SETTINGS, client=client, range_bytes=4096)  # many ranges per file
    assert sorted(result.files) == sorted(map(str, files))
    options = Options(load_catalogue(), as_of=parse_moment(AS_OF))
    for path in files:
        expected = Checker(options, jobs=1).check_file(path)
        mine = [r for r in result.rows if r["file"] == str(path)]
        assert sorted((r["line"], r["code"], r["path"]) for r in mine if r["code"] != PROBLEM) == sorted(
            (f.line, f.code, f.path) for f in expected.findings
        )
        assert sorted(r["line"] for r in mine if r["code"] == PROBLEM) == sorted(p.line for p in expected.problems)
    assert any(r["code"] == "EP005" for r in result.rows)


def test_cli_entry_point(client: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_files(tmp_path / "batches")
    address = client.scheduler.address
    code = dist_cli.main([str(tmp_path / "batches"), "--scheduler", address, "--as-of", AS_OF, "--format", "jsonl"])
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and rows and {"file", "line", "custom_id", "code", "severity", "path", "message"} == set(rows[0])


def test_cli_errors_are_messages(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert dist_cli.main([str(tmp_path / "missing"), "--as-of", AS_OF, "--workers", "1"]) == 2
    assert dist_cli.main([str(tmp_path), "--as-of", "someday"]) == 2
    assert dist_cli.main([str(tmp_path), "--api-version", "1999-01-01"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "missing" in err


def test_import_claude_preflight_stays_light() -> None:
    import subprocess
    import sys

    code = "import sys, claude_preflight; print(any(m.split('.')[0] in ('dask', 'distributed', 'urllib') for m in sys.modules))"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert found == "False"


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_json = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(
                         ["model", "messages", "params", "custom_id", "body", "headers", "surface", "as_of", "role", "content"]),
                         inner, max_size=4), max_leaves=12)


@settings(max_examples=60, deadline=None)
@given(st.lists(_json | st.text(max_size=20) | st.binary(max_size=10), max_size=4))
def test_partition_never_raises(records: list[Any]) -> None:
    rows = validate_partition(records, SETTINGS)
    assert all(set(r) == {"file", "line", "custom_id", "code", "severity", "path", "message"} for r in rows)
