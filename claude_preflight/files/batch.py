"""Check JSONL batch files (Message Batches requests) as a stream, optionally in parallel.

``check_jsonl(path, options, jobs)`` gives the same :class:`FileResult` as the whole-file
reader (``Checker.check_file``) without holding the file in memory:

* the file is read line by line (only ``\\n`` ends a record, as in
  :func:`claude_preflight.files.documents.jsonl_lines`); each line is parsed, turned into
  documents and checked exactly as the whole-file reader does; with the same result, the
  common line (a batch entry without duplicate keys, NaN or a credential in ``custom_id``) is read from
  its bytes (orjson where exact: ``documents.fast_loads``) and goes straight to the engine:
  its text is decoded, positioned and turned into a document only when it has a finding;
* with ``jobs > 1`` the file is cut into byte ranges of whole lines that worker processes
  read and check themselves; results come back in input order (an ordered ``imap`` over
  the ranges), so memory is bounded by the range size times the number of workers, not by
  the file size. Only the findings (and, for batch entries, each ``custom_id`` with its
  line, for the duplicate check) are kept;
* the rules that span lines (``custom_id`` valid and unique, EP004/EP005) and the final
  ordering of findings are those of the whole-file reader;
* on a terminal (and not in CI) a progress bar appears once a run has lasted a moment.

Files the stream cannot take (not a regular file, over the size limit, UTF-16/32 with a
byte order mark, unreadable) go through the whole-file reader, which says why.
One difference, on purpose: a line that is not valid UTF-8 is reported at its position
and the other lines are still checked (the whole-file reader stops at the first invalid
byte and checks nothing).
"""

from __future__ import annotations

import os
import re
import stat
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator

from claude_preflight.api import run_engine, sort_findings
from claude_preflight.dates import now_utc
from claude_preflight.engine import acceptor
from claude_preflight.files import documents, json_positions
from claude_preflight.files.document_check import FileResult, Options, at_root, check_document, place_findings
from claude_preflight.files.documents import Document, FileProblem
from claude_preflight.redact import PREFIX
from claude_preflight.report import Finding

RANGE_BYTES = 1 << 21  # about 2 MB of whole lines per task (~800 small requests)
MIN_PARALLEL_BYTES = 4 * RANGE_BYTES  # smaller files are checked in this process
PROGRESS_AFTER_S = 0.75  # a progress bar only for runs that last longer than this
_BOM = b"\xef\xbb\xbf"
_WS = r"[ \t\n\r]*"
# The start of a batch entry up to the value of /params/model (JSON text, proven free of
# duplicate keys by the reader): {"custom_id": "...", "params": {"model": ...
_MODEL_FIRST = re.compile(_WS + r"\{" + _WS + r'(?:"custom_id"' + _WS + ":" + _WS + json_positions.STRING + _WS + "," + _WS + ")?"
                          + r'"params"' + _WS + ":" + _WS + r"\{" + _WS + r'"model"' + _WS + ":" + _WS, re.DOTALL).match
_MODEL = frozenset({"/params/model"})
_TEMPLATES = 256  # placed findings kept for reuse per file (the acceptor's answers repeat)


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@dataclass
class _Part:
    """What checking some consecutive lines gave."""

    findings: list[Finding] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    requests: int = 0
    spanning: list[Finding] = field(default_factory=list)  # EP004, placed after all others as the file checker does
    entries: list[tuple[Any, int, int, int]] = field(default_factory=list)  # batch entries: custom_id, line, offset, size
    size: int = 0  # bytes consumed (for the progress bar)


# ----------------------------------------------------------------------------- one line


class _LineChecker:
    """Checks the lines of one file as ``documents.read_jsonl_text`` and ``check_document`` do.

    A Message Batches entry whose JSON reads without a reader finding (duplicate key,
    NaN/Infinity, credential in ``custom_id``) goes straight to the engine: its text is
    decoded and its documents built only when there is a finding to place. The rest (other
    shapes, unreadable lines) takes the general path of the whole-file reader.
    """

    def __init__(self, name: str, options: Options) -> None:
        from claude_preflight.checks import endpoints

        self.name, self.options = name, options
        self.reader = documents.JsonReader()
        catalogue = options.catalogue
        version = options.api_version
        # An unknown api_version is a problem on every line: the general path reports it.
        self.direct = version is None or version in catalogue.api_versions
        self.fast = documents.fast_loads if self.direct and documents.fast_available() else None
        rule = catalogue.rule_by_code.get("EP004")
        self.ep004 = rule.params if rule is not None else None
        self.custom_id_problem = endpoints.custom_id_problem
        self.templates: dict[int, tuple[Finding, Finding]] = {}  # id(finding) -> (finding, placed in this file)

    def check(self, number: int, raw: bytes, offset: int, part: _Part) -> None:
        """Check one JSONL record (1-based ``number``, at byte ``offset``)."""
        data = self.fast(raw) if self.fast is not None else documents.UNSURE
        if data is not documents.UNSURE:
            if self._entry(number, raw, offset, data, part):
                return
            self._documents(number, raw, offset, raw.decode("utf-8"), data, [], None, part)
            return
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            prefix = raw[: exc.start].decode("utf-8", errors="replace")
            part.problems.append(FileProblem(self.name, number, len(prefix) + 1, f"invalid UTF-8 (byte 0x{raw[exc.start]:02x})"))
            return
        if not line.strip():
            return
        try:
            data = self.reader.loads_plain(line)
        except (ValueError, RecursionError, MemoryError) as exc:
            part.problems.append(documents.json_error(self.name, line, exc, number - 1))
            return
        notes, known = documents.json_notes(self.reader, line, data, number - 1)
        if notes or known is not None or not self._entry(number, raw, offset, data, part, line):
            self._documents(number, raw, offset, line, data, notes, known, part)

    def _entry(self, number: int, raw: bytes, offset: int, data: Any, part: _Part, line: str | None = None) -> bool:
        """Check a batch entry read without reader findings; False if ``data`` is not one."""
        if type(data) is not dict or "params" not in data or not data.keys() <= documents.BATCH_ENTRY_KEYS \
                or not self.direct:
            return False
        custom_id = data.get("custom_id")
        if type(custom_id) is str and PREFIX in custom_id:
            return False  # an SC001 note of the reader: the general path
        options = self.options
        # api.run_request, inlined: the acceptor answers most lines.
        catalogue, params, surface, version = options.catalogue, data["params"], options.surface, options.api_version
        moment = options.as_of or now_utc()
        report = acceptor.accept(catalogue, params, endpoint="/v1/messages", headers=None, surface=surface, as_of=moment,
                                 api_version=version, in_batch=True, sort=sort_findings)
        if report is None:
            report = run_engine(catalogue, params, endpoint="/v1/messages", headers=None, surface=surface, as_of=moment,
                                api_version=version, default_api_version=None, in_batch=True, headers_complete=False)
        part.requests += 1
        doc = None
        if report.findings:
            text = raw.decode("utf-8") if line is None else line
            if not self._place(number, text, report.findings, part):
                doc = self._document(number, text, custom_id, data)
                part.findings.extend(place_findings(doc, report.findings, []))
        part.entries.append((custom_id if type(custom_id) is str else None, number, offset, len(raw)))
        if self.ep004 is not None and self.custom_id_problem(custom_id, self.ep004) is not None:
            text = raw.decode("utf-8") if line is None else line
            invalid = _custom_id_finding(doc or self._document(number, text, custom_id, data), options)
            if invalid is not None:
                part.spanning.append(invalid)
        return True

    def _place(self, number: int, text: str, findings: tuple[Finding, ...], part: _Part) -> bool:
        """Place findings as ``place_findings`` does, when a scan that stops early finds
        each of their paths (False: nothing placed, the caller uses the document)."""
        wanted = frozenset("/params" + f.path for f in findings)
        model = _MODEL_FIRST(text) if wanted == _MODEL else None
        try:
            # The acceptor's answers are about /model: where it comes first in params (as
            # usual), one regular expression reads its position as the scan would.
            positions = {"/params/model": (number, model.end() + 1)} if model is not None \
                else json_positions.layout(text, number - 1, wanted).positions
        except (ValueError, TypeError, RecursionError, MemoryError):
            return False
        if not wanted <= positions.keys() or any(PREFIX in path for path in wanted):
            return False
        for finding in findings:
            line, column = positions["/params" + finding.path]
            part.findings.append(self._placed(finding, line, column))
        return True

    def _placed(self, finding: Finding, line: int, column: int) -> Finding:
        """``replace(finding, path="/params" + path, file=name, line=line, column=column)``.

        The acceptor answers every line of a signature with the same findings: each is copied
        once with its new path and file (``Finding.__post_init__`` redacts them), then only
        the position changes (a number: nothing to redact)."""
        known = self.templates.get(id(finding))
        if known is None or known[0] is not finding:
            if len(self.templates) >= _TEMPLATES:
                self.templates.clear()
            known = self.templates[id(finding)] = (finding, replace(finding, path="/params" + finding.path, file=self.name))
        placed: Finding = object.__new__(Finding)
        fields = placed.__dict__
        fields.update(known[1].__dict__)
        fields["line"], fields["column"] = line, column
        return placed

    def _document(self, number: int, text: str, custom_id: Any, data: dict[str, Any]) -> Document:
        """The document ``build_documents`` gives for a batch entry without reader findings."""
        doc = Document(file=self.name, body=data["params"], base="/params", in_batch=True, custom_id=custom_id,
                       _locate=lambda: json_positions.layout(text, number - 1).positions,
                       _seek=documents.position_seeker(text, number - 1))
        doc.record = number
        return doc

    def _documents(self, number: int, raw: bytes, offset: int, line: str, data: Any, notes: list[documents.InputNote],
                   known: dict[str, tuple[int, int]] | None, part: _Part) -> None:
        """The general path: the documents of one record, checked one by one."""
        if known is not None:
            locate: Callable[[], dict[str, tuple[int, int]]] = lambda: known  # noqa: E731
        else:
            locate = lambda: json_positions.layout(line, number - 1).positions  # noqa: E731
        seek = documents.position_seeker(line, number - 1) if known is None else None
        options = self.options
        for item in documents.build_documents(self.name, data, locate, notes, seek):
            if isinstance(item, FileProblem):
                part.problems.append(item)
                continue
            item.record = number
            part.requests += 1
            result = check_document(item, options)
            if isinstance(result, FileProblem):
                part.problems.append(result)
            else:
                part.findings.extend(result)
            if item.in_batch:
                part.entries.append((item.custom_id if isinstance(item.custom_id, str) else None, number, offset, len(raw)))
                invalid = _custom_id_finding(item, options)
                if invalid is not None:
                    part.spanning.append(invalid)


def _custom_id_finding(doc: Document, options: Options) -> Finding | None:
    """EP004 for one batch entry, as ``Checker._custom_ids`` builds it."""
    from claude_preflight.checks import endpoints
    from claude_preflight.checks.base import Hit, show
    from claude_preflight.engine.runner import to_finding

    rule = options.catalogue.rule_by_code.get("EP004")
    if rule is None:
        return None
    reason = endpoints.custom_id_problem(doc.custom_id, rule.params)
    if reason is None:
        return None
    return at_root(doc, to_finding(rule, Hit("/custom_id", {"value": show(doc.custom_id, 40), "reason": reason})))


def _check_lines(name: str, first: int, offset: int, data: bytes, options: Options) -> _Part:
    part = _Part(size=len(data))
    check = _LineChecker(name, options).check
    if first == 1 and data.startswith(_BOM):
        data, offset = data[3:], offset + 3
    if data.endswith(b"\n"):
        data = data[:-1]
    if not data:
        return part
    for number, raw in enumerate(data.split(b"\n"), start=first):
        check(number, raw, offset, part)
        offset += len(raw) + 1
    return part


# ----------------------------------------------------------------------------- workers

_WORKER: dict[str, Any] = {}


@dataclass(frozen=True)
class _Spec:
    """What a spawned worker needs to rebuild the options (forked workers inherit them)."""

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


def _work(task: tuple[int, int, int]) -> _Part:
    """Check the lines in bytes ``[offset, offset + size)``; the first of them is line ``first``."""
    first, offset, size = task
    handle = _WORKER.get("handle")
    if handle is None:
        handle = _WORKER["handle"] = open(_WORKER["path"], "rb")  # noqa: SIM115 - kept for the worker's life
    handle.seek(offset)
    return _check_lines(_WORKER["path"], first, offset, handle.read(size), _WORKER["options"])


def _ranges(path: Path) -> Iterator[tuple[int, int, int]]:
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

    # fork shares the loaded catalogue for free; it is only safe while this process has no
    # other threads (Python 3.12+ warns otherwise), so spawn is used then.
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        _WORKER.clear()
        _WORKER.update(path=str(path), options=options)
        return multiprocessing.get_context("fork").Pool(jobs)
    return multiprocessing.get_context("spawn").Pool(jobs, initializer=_init_spawned, initargs=(_spec(path, options),))


def _serial(path: Path, options: Options) -> Iterator[_Part]:
    """In this process: groups of lines, as they are checked."""
    check = _LineChecker(str(path), options).check
    part, offset, last = _Part(), 0, time.monotonic()
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            size = len(raw)
            start = offset
            if number == 1 and raw.startswith(_BOM):
                raw, start = raw[3:], start + 3
            if raw.endswith(b"\n"):
                raw = raw[:-1]
            check(number, raw, start, part)
            offset += size
            part.size += size
            if number % 256 == 0 and time.monotonic() - last > 0.1:
                yield part
                part, last = _Part(), time.monotonic()
    yield part


# ----------------------------------------------------------------------------- progress


class _Progress:
    """A rich progress bar on stderr, started only for long runs on a terminal, never in CI."""

    def __init__(self, total: int, label: str, enabled: bool | None) -> None:
        self.enabled = _terminal() if enabled is None else enabled
        self.total, self.label = total, label
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
            from rich.console import Console
            from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

            self.bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                                TimeRemainingColumn(), console=Console(file=sys.stderr), transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=self.total)
        self.bar.update(self.task, completed=self.done)

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


# ----------------------------------------------------------------------------- entry point


def _streamable(path: Path) -> tuple[int, bytes] | None:
    """``(size, first bytes)`` when the stream can read this file, else None."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > documents.MAX_FILE_BYTES:
            return None
        with open(path, "rb") as handle:
            head = handle.read(documents.BINARY_PROBE)
    except (OSError, ValueError):
        return None
    if any(head.startswith(bom) for bom, codec, _ in documents.BOMS if codec != "utf-8-sig"):
        return None  # UTF-16/32: the whole-file reader decodes it
    return info.st_size, head


def _parts(path: Path, options: Options, jobs: int | None, progress: bool | None) -> Iterator[_Part]:
    size, head = _streamable(path) or (0, b"")
    if b"\x00" in head and not head.startswith(_BOM):
        _, problem = documents.decode(head, str(path))
        yield _Part(problems=[problem or FileProblem(str(path), 1, 1, "binary file, not a JSON or YAML request")])
        return
    jobs = default_jobs() if jobs is None or jobs <= 0 else jobs
    bar = _Progress(size, path.name, progress)
    pool = None
    try:
        if jobs == 1 or size < MIN_PARALLEL_BYTES:
            parts: Iterator[_Part] = _serial(path, options)
        else:
            pool = _pool(jobs, path, options)
            parts = pool.imap(_work, _ranges(path), chunksize=1)
        for part in parts:
            bar.advance(part.size)
            yield part
    finally:
        bar.close()
        if pool is not None:
            pool.terminate()
            pool.join()
            _WORKER.clear()


def check_jsonl(path: str | Path, options: Options, jobs: int | None = None, *, used: set[int] | None = None,
                progress: bool | None = None, whole_file: Callable[[Path], FileResult]) -> FileResult:
    """Check a JSONL file as ``Checker.check_file`` does, streaming, with ``jobs`` processes.

    ``jobs``: worker processes (None or 0: the number of cores; 1: this process only;
    files under a few megabytes are always checked in this process).
    ``used`` collects the indices of configured overrides that matched (as ``Checker`` does).
    ``progress``: None shows a bar on a terminal for long runs; True/False force it.
    ``whole_file``: how a file that cannot be streamed (e.g. UTF-16) is checked: the caller's
    whole-file check (``Checker.check_whole_file``), so that this module needs no checker of its own.
    """
    path = Path(path)
    name = str(path)
    result = FileResult(name)
    if _streamable(path) is None:
        return whole_file(path)
    spanning: list[Finding] = []
    first_use: dict[str, tuple[int, int]] = {}  # custom_id -> (entry index, line)
    entries = 0
    duplicate = options.catalogue.rule_by_code.get("EP005")
    for part in _parts(path, options, jobs, progress):
        result.requests += part.requests
        result.problems.extend(part.problems)
        result.findings.extend(part.findings)
        spanning.extend(part.spanning)
        for custom_id, line, offset, size in part.entries:
            if custom_id is not None:
                seen = first_use.get(custom_id)
                if seen is None:
                    first_use[custom_id] = (entries, line)
                elif duplicate is not None:
                    spanning.append(_duplicate_finding(path, duplicate, custom_id, line, offset, size, seen))
            entries += 1
    if not result.requests and not result.problems:  # every non-blank line gives a request or a problem
        result.problems.append(FileProblem(name, 1, 1, "empty file: no requests"))
    if entries:
        # Duplicates are listed after the invalid ids, as the file checker lists them.
        invalid = [f for f in spanning if f.code != "EP005"]
        result.findings.extend(invalid + [f for f in spanning if f.code == "EP005"])
        result.findings.sort(key=lambda f: (f.line or 0, f.column or 0, f.code))
    result.findings = options.config.apply(result.findings, name, used)
    return result


def _duplicate_finding(path: Path, rule: Any, custom_id: str, line: int, offset: int, size: int,
                       first: tuple[int, int]) -> Finding:
    """EP005 for a repeated custom_id, placed on its line (read back from the file)."""
    from claude_preflight.checks.base import Hit, show
    from claude_preflight.engine.runner import to_finding

    def locate() -> dict[str, tuple[int, int]]:
        with open(path, "rb") as handle:
            handle.seek(offset)
            text = handle.read(size).decode("utf-8")
        return json_positions.layout(text, line - 1).positions

    doc = Document(file=str(path), body=None, base="/params", in_batch=True, custom_id=custom_id, record=line, _locate=locate)
    hit = Hit("/custom_id", {"value": show(custom_id, 40), "first": f"{first[0]} (line {first[1]})"})
    return at_root(doc, to_finding(rule, hit))
