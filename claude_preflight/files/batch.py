"""Check JSONL batch files (Message Batches requests) as a stream, optionally in parallel.

``check_jsonl(path, options, jobs)`` gives the same :class:`FileResult` as the whole-file
reader (``Checker.check_file``) without ever holding the file in memory:

* the file is read line by line (only ``\\n`` ends a record, as in
  :func:`claude_preflight.files.documents.jsonl_lines`); each line is parsed, turned into
  documents and checked exactly as the whole-file reader does;
* with ``jobs > 1`` the file is cut into byte ranges of whole lines which worker
  processes read and check themselves; results come back in input order (an ordered
  ``imap``), so findings keep the order of the lines. Memory is bounded by the range
  size times the number of workers, not by the file size;
* on a terminal (and not in CI) a progress bar appears once a run has lasted a moment.

Files the stream cannot take (not a regular file, over the size limit, UTF-16/32 with a
byte order mark, unreadable) go through the whole-file reader, which reports why.
One difference from the whole-file reader, on purpose: a line that is not valid UTF-8 is
reported at its position and the other lines are still checked (the whole-file reader
stops at the first invalid byte).
"""

from __future__ import annotations

import os
import stat
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from claude_preflight.files import documents
from claude_preflight.files.checking import FileResult, Options, check_document
from claude_preflight.files.documents import FileProblem
from claude_preflight.report import Finding

RANGE_BYTES = 1 << 21  # about 2 MB of whole lines per task (~800 small requests)
MIN_PARALLEL_BYTES = 4 * RANGE_BYTES  # smaller files are checked in-process
PROGRESS_AFTER_S = 0.75  # show a progress bar only for runs that last longer than this

Outcome = tuple[list[Finding], list[FileProblem], int]  # findings, problems, requests


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# ----------------------------------------------------------------------------- one line


def _check_line(name: str, number: int, raw: bytes, options: Options, reader: Any, outcome: list[Any]) -> None:
    """Check one JSONL record (1-based ``number``) as ``documents._jsonl`` does; appends to
    ``outcome`` = [findings, problems, requests]."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = raw[: exc.start].decode("utf-8", errors="replace")
        outcome[1].append(FileProblem(name, number, len(prefix) + 1, f"invalid UTF-8 (byte 0x{raw[exc.start]:02x})"))
        return
    if not line.strip():
        return
    try:
        data = reader.loads(line)
    except (ValueError, RecursionError, MemoryError) as exc:
        outcome[1].append(documents._json_error(name, line, exc, number - 1))
        return
    notes, known = documents._json_notes(reader, line, data, number - 1)
    if known is not None:
        locate: Callable[[], dict[str, tuple[int, int]]] = lambda: known  # noqa: E731
    else:
        locate = lambda: documents.json_positions.layout(line, number - 1).positions  # noqa: E731
    for item in documents._documents(name, data, locate, notes):
        if isinstance(item, FileProblem):
            outcome[1].append(item)
            continue
        item.record = number
        outcome[2] += 1
        result = check_document(item, options)
        if isinstance(result, FileProblem):
            outcome[1].append(result)
        else:
            outcome[0].extend(result)


def _check_lines(name: str, first: int, lines: Iterable[bytes], options: Options) -> Outcome:
    outcome: list[Any] = [[], [], 0]
    reader = documents._JsonReader()
    for number, raw in enumerate(lines, start=first):
        _check_line(name, number, raw, options, reader, outcome)
    return outcome[0], outcome[1], outcome[2]


# ----------------------------------------------------------------------------- workers

_WORKER: dict[str, Any] = {}


@dataclass(frozen=True)
class _Spec:
    """What a spawned worker needs to rebuild the options (fork workers inherit them)."""

    path: str
    extra_catalogue: tuple[str, ...]
    as_of: Any
    surface: str | None
    api_version: str | None
    config: Any


def _spec(path: Path, options: Options) -> _Spec:
    from claude_preflight.catalogue.loader import builtin_dir

    root = str(builtin_dir().resolve())
    extra = tuple(f for f in options.catalogue.files if not str(Path(f).resolve()).startswith(root))
    return _Spec(str(path), extra, options.as_of, options.surface, options.api_version, options.config)


def _init_spawned(spec: _Spec) -> None:  # pragma: no cover - runs in spawned workers only
    from claude_preflight.catalogue import load_catalogue

    options = Options(catalogue=load_catalogue(list(spec.extra_catalogue)), as_of=spec.as_of, surface=spec.surface,
                      api_version=spec.api_version, config=spec.config)
    _WORKER.update(path=spec.path, options=options)


def _work(task: tuple[int, int, int]) -> tuple[Outcome, int]:
    """Check the lines in bytes ``[start, start + size)`` whose first line is ``first``."""
    first, start, size = task
    handle = _WORKER.get("handle")
    if handle is None:
        handle = _WORKER["handle"] = open(_WORKER["path"], "rb")  # noqa: SIM115 - kept for the worker's life
    handle.seek(start)
    data = handle.read(size)
    if first == 1 and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.endswith(b"\n"):
        data = data[:-1]
    return _check_lines(_WORKER["path"], first, data.split(b"\n") if data else [], _WORKER["options"]), size


def _ranges(path: Path, progress: Callable[[int], None] | None = None) -> Iterator[tuple[int, int, int]]:
    """``(first line, offset, size)`` of consecutive ranges of whole lines."""
    with open(path, "rb") as handle:
        offset, line, pending = 0, 1, b""
        while True:
            block = handle.read(RANGE_BYTES)
            if not block:
                break
            data = pending + block
            cut = data.rfind(b"\n")
            if cut < 0:
                pending = data
                continue
            size = cut + 1
            yield line, offset, size
            line += data.count(b"\n", 0, size)
            offset += size
            pending = data[size:]
        if pending:
            yield line, offset, len(pending)


def _pool(jobs: int, path: Path, options: Options) -> Any:
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    # fork shares the loaded catalogue for free; it is only safe while this process has no
    # other threads (Python 3.12+ warns otherwise), so fall back to spawn then.
    if "fork" in methods and sys.platform.startswith("linux") and threading.active_count() == 1:
        _WORKER.clear()
        _WORKER.update(path=str(path), options=options)
        return multiprocessing.get_context("fork").Pool(jobs)
    context = multiprocessing.get_context("spawn")
    return context.Pool(jobs, initializer=_init_spawned, initargs=(_spec(path, options),))


# ----------------------------------------------------------------------------- progress


class _Progress:
    """A rich progress bar on stderr, started only for long runs on a terminal, never in CI."""

    def __init__(self, total: int, label: str, enabled: bool | None) -> None:
        if enabled is None:
            enabled = _terminal()
        self.enabled = enabled
        self.total = total
        self.label = label
        self.started = time.monotonic()
        self.done = 0
        self.bar: Any = None
        self.task: Any = None

    def advance(self, amount: int) -> None:
        self.done += amount
        if not self.enabled:
            return
        if self.bar is None:
            if time.monotonic() - self.started < PROGRESS_AFTER_S:
                return
            self._start()
        self.bar.update(self.task, completed=self.done)

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

        self.bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                            TimeRemainingColumn(), console=Console(file=sys.stderr), transient=True)
        self.bar.start()
        self.task = self.bar.add_task(self.label, total=self.total, completed=self.done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def _terminal() -> bool:
    if os.environ.get("CI") or os.environ.get("CLAUDE_PREFLIGHT_NO_PROGRESS") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(sys.stderr, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):
        return False


# ----------------------------------------------------------------------------- entry points


def _streamable(path: Path) -> tuple[int, bytes] | None:
    """``(size, first bytes)`` when the stream can read this file, else None."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > documents.MAX_FILE_BYTES:
            return None
        with open(path, "rb") as handle:
            head = handle.read(documents._BINARY_PROBE)
    except (OSError, ValueError):
        return None
    for bom, codec, _ in documents._BOMS:
        if head.startswith(bom) and codec != "utf-8-sig":
            return None  # UTF-16/32: the whole-file reader decodes it
    return info.st_size, head


def iter_jsonl(path: str | Path, options: Options, jobs: int | None = None, *,
               progress: bool | None = None) -> Iterator[Outcome]:
    """``(findings, problems, requests)`` for consecutive groups of lines, in file order.

    Findings are located (file, line, column); the configuration is not applied yet.
    """
    path = Path(path)
    name = str(path)
    found = _streamable(path)
    if found is None:
        yield _whole_file(path, options)
        return
    size, head = found
    if b"\x00" in head and not head.startswith(b"\xef\xbb\xbf"):
        _, problem = documents.decode(head, name)
        yield [], [problem or FileProblem(name, 1, 1, "binary file, not a JSON or YAML request")], 0
        return
    jobs = default_jobs() if jobs is None or jobs <= 0 else jobs
    bar = _Progress(size, path.name, progress)
    anything = False
    try:
        if jobs == 1 or size < MIN_PARALLEL_BYTES:
            parts: Iterator[tuple[Outcome, int]] = _serial(path, options)
            pool = None
        else:
            pool = _pool(jobs, path, options)
            parts = pool.imap(_work, _ranges(path), chunksize=1)
        try:
            for outcome, consumed in parts:
                bar.advance(consumed)
                anything = anything or outcome[2] > 0 or bool(outcome[1])
                yield outcome
        finally:
            if pool is not None:
                pool.terminate()
                pool.join()
                _WORKER.clear()
    finally:
        bar.close()
    if not anything:  # every non-blank line gives a request or a problem
        yield [], [FileProblem(name, 1, 1, "empty file: no requests")], 0


def _serial(path: Path, options: Options) -> Iterator[tuple[Outcome, int]]:
    """In-process: groups of lines, with the bytes they took."""
    name = str(path)
    reader = documents._JsonReader()
    outcome: list[Any] = [[], [], 0]
    consumed, last = 0, time.monotonic()
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            consumed += len(raw)
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if raw.endswith(b"\n"):
                raw = raw[:-1]
            _check_line(name, number, raw, options, reader, outcome)
            if number % 256 == 0 and (outcome[0] or outcome[1] or time.monotonic() - last > 0.1):
                yield (outcome[0], outcome[1], outcome[2]), consumed
                outcome, consumed, last = [[], [], 0], 0, time.monotonic()
    yield (outcome[0], outcome[1], outcome[2]), consumed


def _whole_file(path: Path, options: Options) -> Outcome:
    findings: list[Finding] = []
    problems: list[FileProblem] = []
    requests = 0
    for item in documents.read_file(path):
        if isinstance(item, FileProblem):
            problems.append(item)
            continue
        requests += 1
        result = check_document(item, options)
        if isinstance(result, FileProblem):
            problems.append(result)
        else:
            findings.extend(result)
    return findings, problems, requests


def check_jsonl(path: str | Path, options: Options, jobs: int | None = None, *, used: set[int] | None = None,
                progress: bool | None = None) -> FileResult:
    """Check a JSONL file like ``Checker.check_file`` does, streaming and with ``jobs`` processes.

    ``jobs``: worker processes (None or 0: the number of cores; 1: in this process).
    ``used`` collects the indices of configured overrides that matched (as ``Checker`` does).
    ``progress``: None shows a bar on a terminal for long runs; True/False force it.
    """
    result = FileResult(str(path))
    for findings, problems, requests in iter_jsonl(path, options, jobs, progress=progress):
        result.requests += requests
        result.problems.extend(problems)
        if findings:
            result.findings.extend(options.config.apply(findings, str(path), used))
    return result
