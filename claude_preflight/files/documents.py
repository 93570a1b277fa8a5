"""Read request fixture files (JSON, YAML, JSONL) into requests to check.

A document is either a bare request body, an *envelope* ``{"endpoint",
"headers", "surface", "as_of", "api_version", "body"}``, or (in JSONL batch
files) a Message Batches entry ``{"custom_id", "params"}``. Problems that stop
a file from being read are returned as :class:`FileProblem` values, never raised.

Hostile input is handled here, once, for every front end: only regular files
and pipes are read (never devices, and a pipe without a writer reads as empty
instead of hanging), at most :data:`MAX_FILE_BYTES`; UTF-8/16/32 byte order
marks are honoured; binary files, invalid encodings, truncated or absurdly
nested documents, YAML tags and alias bombs are problems with a position.
Duplicate keys and ``NaN``/``Infinity`` are readable, so they become
:class:`InputNote` values (rules IN001/IN002) at their position, and the rest
of the request - and the other records of a JSONL file - are still checked.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from claude_preflight.files import json_positions, pointer
from claude_preflight.redact import PREFIX, redact

if TYPE_CHECKING:
    from claude_preflight.files import yaml_source

ENVELOPE_KEYS = frozenset({"endpoint", "headers", "surface", "as_of", "api_version", "body", "description"})
BATCH_ENTRY_KEYS = frozenset({"custom_id", "params"})
JSON_SUFFIXES = (".json",)
YAML_SUFFIXES = (".yaml", ".yml")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
SUFFIXES = JSON_SUFFIXES + YAML_SUFFIXES + JSONL_SUFFIXES

# A Message Batches file may hold 256 MB; anything much larger is not a request fixture.
MAX_FILE_BYTES = 512 * 1024 * 1024
BINARY_PROBE = 8192
BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32", "UTF-32"),
    (b"\xff\xfe\x00\x00", "utf-32", "UTF-32"),
    (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8"),
    (b"\xfe\xff", "utf-16", "UTF-16"),
    (b"\xff\xfe", "utf-16", "UTF-16"),
)

DUPLICATE_KEY = "IN001"
NON_FINITE = "IN002"


@dataclass(frozen=True)
class FileProblem:
    """A file (or one record of it) that cannot be read or is not a request."""

    file: str
    line: int
    column: int
    message: str

    def __post_init__(self) -> None:
        # Problems quote what they could not read (a date, a version, a tag): never a key.
        for name in ("file", "message"):
            value = getattr(self, name)
            if type(value) is str and PREFIX in value:
                object.__setattr__(self, name, redact(value))


@dataclass(frozen=True)
class InputNote:
    """A finding of the reader itself (rule ``code``) at a JSON Pointer of the document."""

    code: str
    path: str  # relative to the document (an envelope's body is under /body)
    args: dict[str, Any]
    line: int
    column: int


@dataclass
class Document:
    """One request found in a file."""

    file: str
    body: Any
    base: str = ""  # JSON Pointer of the body inside the document
    endpoint: str | None = None
    headers: Any = None
    surface: str | None = None
    as_of: str | None = None
    api_version: str | None = None
    in_batch: bool = False
    custom_id: Any = None
    record: int | None = None  # 1-based line of a JSONL record, or YAML document number
    envelope: dict[str, Any] = field(default_factory=dict)
    notes: list[InputNote] = field(default_factory=list)
    _locate: Callable[[], dict[str, tuple[int, int]]] | None = None
    _positions: dict[str, tuple[int, int]] | None = None
    # Positions of only some pointers (a scan that stops once it has them), when cheaper.
    _seek: Callable[[frozenset[str]], dict[str, tuple[int, int]]] | None = None
    _partial: bool = False

    def locate_only(self, ptrs: Iterable[str]) -> None:
        """Prepare the positions of ``ptrs`` (relative to the body) with a scan that stops
        once it has found them; other positions are then computed on demand."""
        if self._positions is not None or self._seek is None:
            return
        try:
            self._positions = self._seek(frozenset(self.base + p for p in ptrs))
            self._partial = True
        except (ValueError, TypeError, RecursionError, MemoryError):
            self._positions = None

    def root_position(self, ptr: str) -> tuple[int, int]:
        """1-based line/column of the value at ``ptr`` relative to the document root."""
        base, self.base = self.base, ""
        try:
            return self.position(ptr)
        finally:
            self.base = base

    def _unredacted(self, ptr: str) -> str:
        """The pointer written in the file whose redacted form is ``ptr`` (findings carry
        paths redacted: an object key may be a credential), else ``ptr``."""
        assert self._positions is not None
        for written in self._positions:
            if PREFIX in written and redact(written) == ptr:
                return written
        return ptr

    def position(self, ptr: str, *, key: bool = False) -> tuple[int, int]:
        """1-based line/column of the value at ``ptr`` (relative to the body)."""
        if self._positions is None:
            try:
                self._positions = self._locate() if self._locate else {}
            except (ValueError, TypeError, RecursionError, MemoryError):
                self._positions = {}
        full = self.base + ptr
        if self._partial and full not in self._positions:
            self._positions, self._partial = None, False
            return self.position(ptr, key=key)
        if key and full + "#key" in self._positions:
            return self._positions[full + "#key"]
        if PREFIX in full and full not in self._positions:
            full = self._unredacted(full)
        probe = full
        while probe:
            if probe in self._positions:
                return self._positions[probe]
            probe = probe[: probe.rfind("/")]
        return self._positions.get("", (self.record or 1, 1))


# ----------------------------------------------------------------------------- bytes


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory")):
        if test(mode):
            return name
    return "not a regular file"


def read_bytes(path: Path) -> tuple[bytes | None, FileProblem | None]:
    """The bytes of a regular file or pipe; never blocks on a pipe nobody writes to."""
    name = str(path)

    def problem(message: str) -> tuple[None, FileProblem]:
        return None, FileProblem(name, 1, 1, message)

    try:
        info = os.stat(path)
    except OSError as exc:
        if isinstance(exc, FileNotFoundError) and os.path.islink(path):
            return problem("cannot read file: broken symbolic link")
        return problem(f"cannot read file: {_reason(exc)}")
    except ValueError as exc:  # e.g. an embedded NUL in the name
        return problem(f"cannot read file: {exc}")
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISFIFO(info.st_mode)):
        return problem(f"cannot read file: it is {_kind(info.st_mode)}; only regular files and pipes are read")
    if info.st_size > MAX_FILE_BYTES:
        return problem(f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; not a request fixture")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        return problem(f"cannot read file: {_reason(exc)}")
    try:
        mode = os.fstat(fd).st_mode  # it may have been swapped since the stat above
        if stat.S_ISREG(mode):
            with os.fdopen(fd, "rb", buffering=0, closefd=False) as stream:
                data = stream.readall()
        elif stat.S_ISFIFO(mode):
            found = _read_pipe(fd, pipe_wait())
            if isinstance(found, str):
                return problem(found)
            data = found
        else:
            return problem(f"cannot read file: it is {_kind(mode)}; only regular files and pipes are read")
    except OSError as exc:
        return problem(f"cannot read file: {_reason(exc)}")
    except MemoryError:
        return problem("file too large to read into memory")
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        return problem(f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; not a request fixture")
    return data, None


PIPE_WAIT_SECONDS = 5.0
"""How long a named pipe may stay silent (no writer yet, or a writer that sends nothing)
before it is reported; ``CLAUDE_PREFLIGHT_PIPE_WAIT`` (seconds) overrides it."""


def pipe_wait() -> float:
    try:
        return max(0.0, float(os.environ.get("CLAUDE_PREFLIGHT_PIPE_WAIT", PIPE_WAIT_SECONDS)))
    except ValueError:
        return PIPE_WAIT_SECONDS


def _read_pipe(fd: int, wait: float) -> bytes | str:
    """A named pipe's bytes, read without blocking: the whole stream once a writer sent
    something and closed, else a problem once it has been silent for ``wait`` seconds (a
    writer that opens late is waited for; one that never sends does not hang the run)."""
    import select
    import time

    chunks: list[bytes] = []
    total = 0
    deadline = time.monotonic() + wait
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            if chunks:
                return f"the pipe stopped sending for {wait:g} s before its end (read {total:,} bytes)"
            return f"the pipe sent nothing within {wait:g} s (no writer, or a writer that sends nothing)"
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 1 << 20)
        except BlockingIOError:
            continue
        if chunk:
            chunks.append(chunk)
            total += len(chunk)
            if total > MAX_FILE_BYTES:
                break
            deadline = time.monotonic() + wait  # silence is measured from the last bytes
        elif chunks:
            break  # the writer closed after sending: the end of the stream
        else:
            time.sleep(min(0.05, max(left, 0)))  # no writer yet (or it closed unheard): keep waiting
    return b"".join(chunks)


def decode(data: bytes, name: str) -> tuple[str | None, FileProblem | None]:
    """Text of a file: UTF-8 (with or without a BOM), or UTF-16/32 with a BOM."""
    encoding, label = "utf-8", "UTF-8"
    for bom, codec, bom_label in BOMS:
        if data.startswith(bom):
            encoding, label = codec, bom_label
            break
    else:
        probe = data[:BINARY_PROBE]
        if b"\x00" in probe:
            hint = ""
            if len(probe) >= 4 and (probe[1::2].count(0) > len(probe) // 4 or probe[0::2].count(0) > len(probe) // 4):
                hint = " (UTF-16 without a byte order mark? save it as UTF-8)"
            return None, FileProblem(name, 1, 1, f"binary file, not a JSON or YAML request{hint}")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode(encoding, errors="replace")
        line, column = json_positions.line_column(prefix, len(prefix))
        return None, FileProblem(name, line, column, f"invalid {label} (byte 0x{data[exc.start]:02x})")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, None


def read_text(path: Path) -> tuple[str | None, FileProblem | None]:
    data, problem = read_bytes(path)
    if problem is not None or data is None:
        return None, problem
    return decode(data, str(path))


def read_file(path: Path) -> Iterator[Document | FileProblem]:
    """The documents of a file, or the problems that stop it from being read; never raises."""
    data, problem = read_bytes(path)
    if problem is not None or data is None:
        yield problem or FileProblem(str(path), 1, 1, "cannot read file")
        return
    try:
        yield from read_data(str(path), data, path.suffix)
    except Exception as exc:  # pragma: no cover - a reader bug must not end the run (the fuzzer hunts these)
        yield FileProblem(str(path), 1, 1, f"internal error while reading this file ({type(exc).__name__}); please report it")


def read_data(name: str, data: bytes, suffix: str) -> Iterator[Document | FileProblem]:
    """The documents of a file's content; ``suffix`` (``.json``, ``.yaml``, ``.jsonl``, ...) picks the format."""
    text, problem = decode(data, name)
    if problem is not None or text is None:
        yield problem or FileProblem(name, 1, 1, "cannot decode file")
        return
    suffix = suffix.lower()
    if suffix in JSONL_SUFFIXES:
        yield from read_jsonl_text(name, text)
    elif suffix in YAML_SUFFIXES:
        yield from read_yaml_text(name, text)
    else:
        yield from read_json_text(name, text)


# ----------------------------------------------------------------------------- JSON


UNSURE: Any = object()
"""What :func:`fast_loads` returns when it cannot prove its answer (the caller parses with the standard library)."""

_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_LONG_INTEGER = b"0" * 19  # 19 digits in a row: possibly an integer beyond 64 bits
_ESCAPED_COLON = re.compile(rb"\\u003[aA]").search  # (a regular expression finds it faster than ``in``)
_FAST: list[Any] = []  # [orjson module or None], set on first use (tests swap it)


def _orjson() -> Any:
    if not _FAST:
        try:
            import orjson

            _FAST.append(orjson)
        except ImportError:  # the optional extra claude-preflight[fast] is not installed
            _FAST.append(None)
    return _FAST[0]


def fast_available() -> bool:
    """Whether :func:`fast_loads` can read anything (orjson is installed)."""
    return (_FAST[0] if _FAST else _orjson()) is not None


def fast_loads(raw: bytes) -> Any:
    """What ``JsonReader().loads(raw.decode("utf-8"))`` returns, with no duplicate key and no
    NaN/Infinity, read by orjson (when installed); :data:`UNSURE` whenever the two could differ.

    orjson is exact where it succeeds, except in ways ruled out here: it rejects NaN/Infinity,
    numbers that overflow to infinity, invalid UTF-8 and unpaired surrogates (the standard
    library path then reads and reports them); it reads integers beyond 64 bits as floats
    (refused: any run of 19 digits); it nests 1024 deep where the standard library stops near
    the recursion limit (refused: ``orjson.dumps`` stops at 255); and it keeps the last of
    duplicate keys silently (refused: the colon count below).

    No duplicate key, proven by counting: outside strings every ``:`` separates a key from
    its value, so without duplicates the text's colons are exactly those of the compact
    serialisation of the parsed value (its pairs plus the colons inside its strings). A
    dropped duplicate takes its colon with it; an escaped colon (``\\u003a``) is refused.
    """
    orjson = _FAST[0] if _FAST else _orjson()
    if orjson is None:
        return UNSURE
    try:
        data = orjson.loads(raw)
        written = orjson.dumps(data)
    except Exception:  # orjson.JSONDecodeError/JSONEncodeError: let the standard library decide
        return UNSURE
    if written.count(b":") != raw.count(b":") or _ESCAPED_COLON(raw) is not None or _LONG_INTEGER in raw.translate(_DIGITS) \
            or sys.getrecursionlimit() < _MIN_RECURSION:
        return UNSURE
    return data


_MIN_RECURSION = 600  # the standard library reads 255 levels (what orjson.dumps allows) well below this
_FAST_MAX_CHARS = 1 << 26  # larger texts: the standard library (fast_loads holds two more copies of the text)


class JsonReader:
    """``json.loads`` that notices duplicate keys and NaN/Infinity without slowing down.

    Text that :func:`fast_loads` reads exactly (orjson installed) is read by it. Otherwise:
    parsing with an ``object_pairs_hook`` (the direct way to see duplicate keys) doubles
    the cost of ``json.loads``, so the text is parsed plainly and duplicates are ruled out
    by counting: outside strings, every ``:`` of JSON text separates a key from its value,
    so without duplicates the text's colons are exactly the parsed objects' pairs plus the
    colons inside the parsed strings. Only when the count differs (or a string writes a
    colon as an escape) is the text parsed again with the hook, to know for sure.
    """

    def __init__(self) -> None:
        self.duplicates = False
        self.nonfinite = False
        self.plain = json.JSONDecoder(parse_constant=self._constant)
        self.decoder = json.JSONDecoder(object_pairs_hook=self._pairs, parse_constant=self._constant)

    def _pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        found = dict(pairs)
        if len(found) != len(pairs):
            self.duplicates = True
        return found

    def _constant(self, name: str) -> float:
        self.nonfinite = True
        return float(name)

    def loads(self, text: str) -> Any:
        self.duplicates = self.nonfinite = False
        if (_FAST[0] if _FAST else _orjson()) and len(text) <= _FAST_MAX_CHARS:
            try:
                data = fast_loads(text.encode("utf-8"))
            except UnicodeEncodeError:  # a lone surrogate in the text
                data = UNSURE
            if data is not UNSURE:
                return data
        return self.loads_plain(text)

    def loads_plain(self, text: str) -> Any:
        """``loads`` with the standard library only."""
        self.duplicates = self.nonfinite = False
        data = self.plain.decode(text)
        if ":" in text and not _colons_account_for_pairs(text, data):
            self.nonfinite = False
            data = self.decoder.decode(text)
        return data


def _colons_account_for_pairs(text: str, data: Any) -> bool:
    """Whether the colons of ``text`` are exactly ``data``'s pairs plus its strings' colons
    (then ``text`` has no duplicate key); False when unsure."""
    if "\\u003" in text and ("\\u003a" in text or "\\u003A" in text):
        return False  # an escaped colon is a colon in the data but not in the text
    pairs = inner = 0
    stack = [data]
    pop, extend = stack.pop, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind is dict:
            pairs += len(item)
            keys = "".join(item)
            if ":" in keys:
                inner += keys.count(":")
            extend(item.values())
        elif kind is list:
            extend(item)
        elif kind is str and ":" in item:
            inner += item.count(":")
    return text.count(":") == pairs + inner


def json_error(name: str, text: str, exc: Exception, line_offset: int = 0) -> FileProblem:
    """A :class:`FileProblem` for text that ``json.loads`` refused, with the best position we can find."""
    if isinstance(exc, json.JSONDecodeError):
        return FileProblem(name, exc.lineno + line_offset, exc.colno, f"invalid JSON: {exc.msg}")
    if isinstance(exc, RecursionError):
        depth = 0
        frame = sys._getframe()
        while frame.f_back is not None:
            depth, frame = depth + 1, frame.f_back
        limit = max(sys.getrecursionlimit() - depth - 10, 10)  # about where json.loads gave up
        offset = json_positions.deepest(text, limit)
        line, column = json_positions.line_column(text, offset or 0)
        return FileProblem(name, line + line_offset, column, f"invalid JSON: nested more than about {limit} levels deep")
    if isinstance(exc, MemoryError):
        return FileProblem(name, 1 + line_offset, 1, "invalid JSON: too large to read into memory")
    limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 4300
    offset = json_positions.first_long_integer(text, limit) if "digits" in str(exc) else None
    if offset is not None:
        line, column = json_positions.line_column(text, offset)
        return FileProblem(name, line + line_offset, column, f"invalid JSON: an integer with more than {limit} digits")
    return FileProblem(name, 1 + line_offset, 1, f"invalid JSON: {exc}")


def json_notes(reader: JsonReader, text: str, data: Any, line_offset: int) -> tuple[list[InputNote], dict[str, tuple[int, int]] | None]:
    if not (reader.duplicates or reader.nonfinite):
        return [], None
    found = json_positions.layout(text, line_offset)
    notes = [
        InputNote(DUPLICATE_KEY, d.path, _duplicate_args(d.key, d.first), d.line, d.column) for d in found.duplicates
    ]
    for item in found.nonfinite:
        if _nonfinite_at(data, item.path):
            notes.append(InputNote(NON_FINITE, item.path, {"value": item.text}, item.line, item.column))
    return notes, found.positions


def _duplicate_args(key: str, first: tuple[int, int] | None) -> dict[str, Any]:
    from claude_preflight.rendering import show

    line, column = first or (0, 0)
    return {"key": show(key), "first_line": line, "first_column": column}


def _nonfinite_at(data: Any, ptr: str) -> bool:
    """Whether the value kept at ``ptr`` is NaN or infinite (not one a duplicate key replaced)."""
    value = data
    for token in pointer.split(ptr):
        if isinstance(value, dict):
            value = value.get(token)
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            return False
    return isinstance(value, float) and not math.isfinite(value)


def read_json_text(name: str, text: str) -> Iterator[Document | FileProblem]:
    if not text.strip():
        yield FileProblem(name, 1, 1, "empty file")
        return
    reader = JsonReader()
    try:
        data = reader.loads(text)
    except (ValueError, RecursionError, MemoryError) as exc:
        yield json_error(name, text, exc)
        return
    notes, known = json_notes(reader, text, data, 0)
    locate = (lambda: known) if known is not None else (lambda: json_positions.layout(text).positions)
    yield from build_documents(name, data, locate, notes, position_seeker(text, 0) if known is None else None)


def position_seeker(text: str, line_offset: int) -> Callable[[frozenset[str]], dict[str, tuple[int, int]]]:
    return lambda wanted: json_positions.layout(text, line_offset, wanted).positions


def jsonl_lines(text: str) -> Iterator[tuple[int, str]]:
    """``(line number, line)`` of each non-blank line of a JSONL file.

    Only ``\\n`` ends a record (``\\r\\n`` too): U+2028 and other characters that
    ``str.splitlines`` treats as line breaks may appear raw inside JSON strings.
    """
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            yield number, line


def read_jsonl_text(name: str, text: str) -> Iterator[Document | FileProblem]:
    reader = JsonReader()
    empty = True
    for number, line in jsonl_lines(text):
        empty = False
        yield from jsonl_record(name, line, number, reader)
    if empty:
        yield FileProblem(name, 1, 1, "empty file: no requests")


def jsonl_record(name: str, line: str, number: int, reader: JsonReader | None = None) -> Iterator[Document | FileProblem]:
    """The documents of one JSONL record (line ``number``, 1-based), positioned in the file."""
    reader = reader or JsonReader()
    try:
        data = reader.loads(line)
    except (ValueError, RecursionError, MemoryError) as exc:
        yield json_error(name, line, exc, number - 1)
        return
    notes, known = json_notes(reader, line, data, number - 1)

    def locate() -> dict[str, tuple[int, int]]:
        return known if known is not None else json_positions.layout(line, number - 1).positions

    for doc in build_documents(name, data, locate, notes, position_seeker(line, number - 1) if known is None else None):
        if isinstance(doc, Document):
            doc.record = number
        yield doc


# ----------------------------------------------------------------------------- YAML

_YAML_CODES = {"duplicate-key": DUPLICATE_KEY, "non-finite": NON_FINITE}


def read_yaml_text(name: str, text: str) -> Iterator[Document | FileProblem]:
    from claude_preflight.files import yaml_source  # PyYAML is only imported for YAML files

    items = list(yaml_source.read_documents(text))
    several = len(items) > 1
    # An empty document ("---" with nothing after it, or only comments) is not a request;
    # in a stream of several it is skipped, a file with nothing else is "empty".
    readable = [i for i in items if isinstance(i, yaml_source.YamlProblem) or i.data is not None or not several]
    if not readable or all(isinstance(i, yaml_source.YamlDocument) and i.data is None for i in readable):
        yield FileProblem(name, 1, 1, "empty file")
        return
    for item in readable:
        if isinstance(item, yaml_source.YamlProblem):
            yield FileProblem(name, item.line or 1, item.column or 1, f"invalid YAML: {item}")
            continue
        notes = [_yaml_note(note) for note in item.notes]
        for doc in build_documents(name, item.data, item.positions, notes):
            if isinstance(doc, Document) and several:
                doc.record = item.index + 1
            yield doc


def _yaml_note(note: yaml_source.Note) -> InputNote:
    code = _YAML_CODES[note.kind]
    if code == DUPLICATE_KEY:
        return InputNote(code, note.path, _duplicate_args(note.value, note.first), note.line, note.column)
    return InputNote(code, note.path, {"value": note.value}, note.line, note.column)


# ----------------------------------------------------------------------------- documents


def build_documents(
    name: str, data: Any, locate: Callable[[], dict[str, tuple[int, int]]], notes: list[InputNote] | None = None,
    seek: Callable[[frozenset[str]], dict[str, tuple[int, int]]] | None = None,
) -> Iterator[Document | FileProblem]:
    notes = notes or []
    if isinstance(data, dict) and "body" in data and set(data) <= ENVELOPE_KEYS:
        problem = _envelope_problem(name, data, locate)
        if problem:
            yield problem
            return
        yield Document(
            file=name,
            body=data["body"],
            base="/body",
            endpoint=data.get("endpoint"),
            headers=data.get("headers"),
            surface=data.get("surface"),
            as_of=data.get("as_of"),
            api_version=data.get("api_version"),
            envelope=data,
            notes=notes,
            _locate=locate,
            _seek=seek,
        )
    elif isinstance(data, dict) and "params" in data and set(data) <= BATCH_ENTRY_KEYS:
        custom_id = data.get("custom_id")
        if type(custom_id) is str and PREFIX in custom_id:
            notes = notes + _key_notes("/custom_id", custom_id, locate)
        yield Document(file=name, body=data["params"], base="/params", in_batch=True, custom_id=custom_id,
                       notes=notes, _locate=locate, _seek=seek)
    else:
        yield Document(file=name, body=data, notes=notes, _locate=locate, _seek=seek)


SECRET_IN_BODY = "SC001"


def _key_notes(ptr: str, text: str, locate: Callable[[], dict[str, tuple[int, int]]]) -> list[InputNote]:
    """An SC001 note for a credential in a text the request carries outside its body."""
    from claude_preflight.redact import KEY_PATTERN, describe, redacted

    found = KEY_PATTERN.search(text)
    if found is None:
        return []
    try:
        line, column = locate().get(ptr, (1, 1))
    except (ValueError, TypeError, RecursionError, MemoryError):
        line, column = 1, 1
    args = {"kind": describe(found.group("kind")), "key": redacted(found.group("kind"), found.group("secret"))}
    return [InputNote(SECRET_IN_BODY, ptr, args, line, column)]


def _envelope_problem(name: str, data: dict[str, Any], locate: Callable[[], dict[str, tuple[int, int]]]) -> FileProblem | None:
    def where(key: str) -> tuple[int, int]:
        try:
            return locate().get("/" + key, (1, 1))
        except (ValueError, TypeError, RecursionError, MemoryError):
            return 1, 1

    for key in ("endpoint", "surface", "as_of", "api_version"):
        if key in data and not isinstance(data[key], str):
            return FileProblem(name, *where(key), f"envelope field {key!r} must be a string")
    headers = data.get("headers")
    if headers is not None and not isinstance(headers, dict):
        return FileProblem(name, *where("headers"), "envelope field 'headers' must be an object")
    return None


# ----------------------------------------------------------------------------- discovery


def discover(paths: list[str], suffixes: tuple[str, ...] = SUFFIXES) -> Iterator[Path | FileProblem]:
    """Files to check: the given files, and request files found in the given directories.

    Directories are walked without recursion and without following symbolic links
    to directories (no loops); an unreadable directory, or a link with a request
    suffix that leads nowhere, is a problem rather than a silent skip.
    """
    for item in paths:
        path = Path(item)
        try:
            info = os.stat(path)
        except OSError as exc:
            if os.path.islink(path):
                yield path  # a broken or looping link: reading it reports why
            elif isinstance(exc, (FileNotFoundError, NotADirectoryError)):
                yield FileProblem(item, 1, 1, "no such file or directory")
            else:
                yield FileProblem(item, 1, 1, f"cannot read: {_reason(exc)}")
            continue
        except ValueError as exc:
            yield FileProblem(item, 1, 1, f"cannot read: {exc}")
            continue
        if stat.S_ISDIR(info.st_mode):
            yield from _walk(path, suffixes)
        else:
            yield path


def _walk(root: Path, suffixes: tuple[str, ...]) -> Iterator[Path | FileProblem]:
    found: list[tuple[Path, Path | FileProblem]] = []
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            with os.scandir(directory) as scan:
                entries = list(scan)
        except OSError as exc:
            found.append((directory, FileProblem(str(directory), 1, 1, f"cannot list directory: {_reason(exc)}")))
            continue
        for entry in entries:
            path = directory / entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(path)
                    continue
                if path.suffix.lower() not in suffixes:
                    continue
                if entry.is_file():
                    found.append((path, path))
                elif entry.is_symlink() and not os.path.exists(path):
                    found.append((path, path))  # broken or looping: read_file names the reason
            except OSError as exc:
                found.append((path, FileProblem(str(path), 1, 1, f"cannot read: {_reason(exc)}")))
    found.sort(key=lambda pair: pair[0])
    for _, item in found:
        yield item
