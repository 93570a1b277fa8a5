"""Read request fixture files (JSON, YAML, JSONL) into requests to check.

A document is either a bare request body, an *envelope* ``{"endpoint",
"headers", "surface", "as_of", "api_version", "body"}``, or (in JSONL batch
files) a Message Batches entry ``{"custom_id", "params"}``. Problems that stop
a file from being read are returned as :class:`FileProblem` values, never raised.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from claude_preflight.files import json_positions, yaml_source

ENVELOPE_KEYS = frozenset({"endpoint", "headers", "surface", "as_of", "api_version", "body", "description"})
BATCH_ENTRY_KEYS = frozenset({"custom_id", "params"})
JSON_SUFFIXES = (".json",)
YAML_SUFFIXES = (".yaml", ".yml")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
SUFFIXES = JSON_SUFFIXES + YAML_SUFFIXES + JSONL_SUFFIXES


@dataclass(frozen=True)
class FileProblem:
    """A file (or one record of it) that cannot be read or is not a request."""

    file: str
    line: int
    column: int
    message: str


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
    _locate: Callable[[], dict[str, tuple[int, int]]] | None = None
    _positions: dict[str, tuple[int, int]] | None = None

    def position(self, ptr: str, *, key: bool = False) -> tuple[int, int]:
        """1-based line/column of the value at ``ptr`` (relative to the body)."""
        if self._positions is None:
            self._positions = self._locate() if self._locate else {}
        full = self.base + ptr
        if key and full + "#key" in self._positions:
            return self._positions[full + "#key"]
        probe = full
        while probe:
            if probe in self._positions:
                return self._positions[probe]
            probe = probe[: probe.rfind("/")]
        return self._positions.get("", (self.record or 1, 1))


def _nonfinite(value: str) -> float:
    raise ValueError(f"{value} is not valid JSON (the API cannot accept it)")


def _loads(text: str) -> Any:
    return json.loads(text, parse_constant=_nonfinite)


def read_text(path: Path) -> tuple[str | None, FileProblem | None]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, FileProblem(str(path), 1, 1, f"cannot read file: {exc.strerror or exc}")
    if b"\x00" in data[:8192]:
        return None, FileProblem(str(path), 1, 1, "binary file, not a JSON or YAML request")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, FileProblem(str(path), line, column, f"invalid UTF-8 (byte 0x{data[exc.start]:02x})")
    return text, None


def read_file(path: Path) -> Iterator[Document | FileProblem]:
    text, problem = read_text(path)
    if problem is not None:
        yield problem
        return
    assert text is not None
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        yield from _jsonl(str(path), text)
    elif suffix in YAML_SUFFIXES:
        yield from _yaml(str(path), text)
    else:
        yield from _json(str(path), text)


def _json(name: str, text: str) -> Iterator[Document | FileProblem]:
    if not text.strip():
        yield FileProblem(name, 1, 1, "empty file")
        return
    try:
        data = _loads(text)
    except json.JSONDecodeError as exc:
        yield FileProblem(name, exc.lineno, exc.colno, f"invalid JSON: {exc.msg}")
        return
    except (ValueError, RecursionError) as exc:
        yield FileProblem(name, 1, 1, f"invalid JSON: {exc}")
        return
    yield from _documents(name, data, lambda: json_positions.layout(text).positions)


def _yaml(name: str, text: str) -> Iterator[Document | FileProblem]:
    try:
        docs = yaml_source.load_documents(text)
    except yaml_source.YamlProblem as exc:
        yield FileProblem(name, exc.line or 1, exc.column or 1, f"invalid YAML: {exc}")
        return
    docs = [d for d in docs if d is not None] if len(docs) > 1 else docs
    if not docs or docs == [None]:
        yield FileProblem(name, 1, 1, "empty file")
        return
    for number, data in enumerate(docs):
        problem = _yaml_values(name, data)
        if problem is not None:
            yield problem
            continue
        locate = (lambda n=number: yaml_source.positions(text, n))
        for doc in _documents(name, data, locate):
            if isinstance(doc, Document) and len(docs) > 1:
                doc.record = number + 1
            yield doc


def _yaml_values(name: str, data: Any) -> FileProblem | None:
    """YAML can express values JSON cannot (NaN, infinities, non-string keys)."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            return FileProblem(name, 1, 1, f"{value!r} is not valid JSON (the API cannot accept it)")
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    return FileProblem(name, 1, 1, f"mapping key {key!r} is not a string; JSON keys must be strings")
                stack.append(item)
        elif isinstance(value, list):
            stack.extend(value)
    return None


def _jsonl(name: str, text: str) -> Iterator[Document | FileProblem]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = _loads(line)
        except json.JSONDecodeError as exc:
            yield FileProblem(name, number, exc.colno, f"invalid JSON: {exc.msg}")
            continue
        except (ValueError, RecursionError) as exc:
            yield FileProblem(name, number, 1, f"invalid JSON: {exc}")
            continue
        locate = (lambda line=line, number=number: json_positions.layout(line, number - 1).positions)
        for doc in _documents(name, data, locate):
            if isinstance(doc, Document):
                doc.record = number
            yield doc


def _documents(name: str, data: Any, locate: Callable[[], dict[str, tuple[int, int]]]) -> Iterator[Document | FileProblem]:
    if isinstance(data, dict) and "body" in data and set(data) <= ENVELOPE_KEYS:
        problem = _envelope_problem(name, data)
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
            _locate=locate,
        )
    elif isinstance(data, dict) and "params" in data and set(data) <= BATCH_ENTRY_KEYS:
        yield Document(file=name, body=data["params"], base="/params", in_batch=True, custom_id=data.get("custom_id"), _locate=locate)
    else:
        yield Document(file=name, body=data, _locate=locate)


def _envelope_problem(name: str, data: dict[str, Any]) -> FileProblem | None:
    for key in ("endpoint", "surface", "as_of", "api_version"):
        if key in data and not isinstance(data[key], str):
            return FileProblem(name, 1, 1, f"envelope field {key!r} must be a string")
    headers = data.get("headers")
    if headers is not None and not isinstance(headers, dict):
        return FileProblem(name, 1, 1, "envelope field 'headers' must be an object")
    return None


def discover(paths: list[str], suffixes: tuple[str, ...] = SUFFIXES) -> Iterator[Path | FileProblem]:
    """Files to check: the given files, and request files found in the given directories."""
    for item in paths:
        path = Path(item)
        if path.is_dir():
            try:
                found = sorted(p for p in path.rglob("*") if p.suffix.lower() in suffixes and p.is_file())
            except OSError as exc:
                yield FileProblem(item, 1, 1, f"cannot list directory: {exc.strerror or exc}")
                continue
            yield from found
        elif path.exists() or path.is_symlink():
            yield path
        else:
            yield FileProblem(item, 1, 1, "no such file or directory")
