"""Check a directory of JSONL batch files on a Dask cluster.

Each file is cut (by the client, one sequential pass counting newlines) into byte ranges of
whole lines; every range is one task that a worker reads from the shared file system and
checks. Only :class:`~claude_preflight.distributed.core.Settings` and the range travel; the
catalogue is compiled once per worker process by a worker plugin at start-up. Rows come back
per range; the client adds the rule that spans a file (EP005, duplicate ``custom_id``) and
orders the rows by file and line.

Dask was chosen over Ray and Spark: its ``LocalCluster`` starts in about a second with plain
Python processes that stay alive between tasks (the catalogue is compiled once per worker),
it is a pure-Python install, and the same code runs on any Dask deployment
(``Client(address)``). Spark re-spawns Python workers per task unless configured otherwise
and needs a Java runtime; Ray's start-up is several seconds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import distributed
from distributed import WorkerPlugin

from claude_preflight.distributed.core import Row, Settings, duplicate_rows, iter_rows, warm

RANGE_BYTES = 1 << 21  # about 2 MB of whole lines per task
SUFFIXES = (".jsonl", ".ndjson")
Task = tuple[str, str, int, int, int]  # file as shown, absolute path, start byte, end byte, first line number


@dataclass
class Result:
    rows: list[Row] = field(default_factory=list)
    records: int = 0  # non-blank lines read
    files: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for row in self.rows if row["severity"] == "error")


class CatalogueOnStart(WorkerPlugin):
    """Compile the catalogue in every worker process as it starts (not in the first task)."""

    name = "claude-preflight-catalogue"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def setup(self, worker: Any) -> None:
        warm(self.settings)


def discover(directory: str | Path) -> list[Path]:
    """The JSONL files under ``directory`` (or ``directory`` itself when it is a file), sorted."""
    root = Path(directory)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise FileNotFoundError(f"{directory}: no such file or directory")
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())


def ranges(path: Path, size: int = RANGE_BYTES) -> list[Task]:
    """Byte ranges of whole lines, about ``size`` bytes each, with their first line number."""
    tasks: list[Task] = []
    start, line = 0, 1
    absolute = str(path.resolve())  # workers may run elsewhere on a shared file system
    with path.open("rb") as handle:
        while True:
            handle.seek(start)
            chunk = handle.read(size)
            if not chunk:
                break
            if len(chunk) == size:
                rest = handle.readline()  # complete the last line
                chunk += rest
            tasks.append((str(path), absolute, start, start + len(chunk), line))
            line += chunk.count(b"\n")
            start += len(chunk)
    return tasks


def check_range(task: Task, settings: Settings) -> tuple[list[Row], list[tuple[str | None, int | None, Any]], int]:
    """Rows, batch entries and the number of records (non-blank lines) of one range (runs on a worker)."""
    name, absolute, start, end, first = task
    with open(absolute, "rb") as handle:
        handle.seek(start)
        data = handle.read(end - start)
    items = []
    for number, raw in enumerate(data.split(b"\n"), start=first):
        if raw.strip():
            items.append((name, number, raw[:-1] if raw.endswith(b"\r") else raw))
    entries: list[tuple[str | None, int | None, Any]] = []
    rows = list(iter_rows(items, settings, entries))
    return rows, entries, len(items)


def start_cluster(workers: int, settings: Settings) -> Any:
    """A client on a new local cluster of ``workers`` single-threaded processes, catalogue preloaded."""
    dask: Any = distributed  # its functions are untyped
    cluster = dask.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR)
    client: Any = dask.Client(cluster)
    client.register_plugin(CatalogueOnStart(settings))
    return client


def check_directory(
    directory: str | Path,
    settings: Settings | None = None,
    *,
    client: Any = None,
    workers: int = 2,
    range_bytes: int = RANGE_BYTES,
) -> Result:
    """Check every JSONL file under ``directory``; one batch per file (for EP005)."""
    settings = settings or Settings()
    files = discover(directory)
    tasks = [task for path in files for task in ranges(path, range_bytes)]
    own = client is None
    active: Any = start_cluster(workers, settings) if client is None else client
    try:
        return collect(active.gather(active.map(check_range, tasks, settings=settings, pure=False)), settings, files)
    finally:
        if own:
            cluster = active.cluster
            active.close()
            if cluster is not None:
                cluster.close()


def collect(parts: Iterable[tuple[list[Row], list[tuple[str | None, int | None, Any]], int]], settings: Settings,
            files: Iterable[Path] = ()) -> Result:
    """Merge range results (in file order) into one :class:`Result`."""
    result = Result(files=[str(p) for p in files])
    entries: list[tuple[str | None, int | None, Any]] = []
    for rows, found, records in parts:
        result.rows.extend(rows)
        entries.extend(found)
        result.records += records
    if entries:
        result.rows.extend(duplicate_rows(entries, settings))
        order = {name: index for index, name in enumerate(result.files)}
        result.rows.sort(key=lambda row: (order.get(row["file"], -1), row["line"] or 0))
    return result
