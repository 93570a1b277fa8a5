"""Fix request fixtures in place: ``fix_file()`` and ``fix_paths()``.

Guarantees:

- JSON is edited as text, at the spans of the members and values a fix touches: indentation,
  key order and every other byte stay as they were (CRLF too).
- YAML goes through ruamel.yaml's round trip, merged back into the original text so
  comments, quoting and layout survive (see ``yaml_text``).
- JSONL: only the lines that are fixed change, each edited as JSON text.
- Each edit is verified: the edited text must parse to exactly the document the edits
  describe, or the fix is not used.
- A file that does not parse (or whose documents cannot be read) is never touched; after
  fixing, the whole file is parsed and validated again, and if that fails or the findings
  got worse nothing is written and the file is reported.
- Writes are atomic: a temporary file in the same directory, flushed and fsynced, with the
  original's permission bits, then ``os.replace``. A UTF-8 BOM and the line endings are kept.
- With ``diff=True`` a unified diff is produced and nothing is written.

Findings silenced by the configuration or inline ``# claude-preflight: ignore`` comments are
not fixed.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import os
import stat
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

from claude_preflight.dates import now_utc
from claude_preflight.files.checking import FileResult, Options, check_document
from claude_preflight.files.documents import (
    JSONL_SUFFIXES,
    YAML_SUFFIXES,
    Document,
    FileProblem,
)
from claude_preflight.fixing.body import AppliedFix, applied_fix
from claude_preflight.fixing.deletion import deletes_most
from claude_preflight.fixing.engine import Located, allowed, run
from claude_preflight.fixing.patch import PatchError, Record, apply_edits, map_through
from claude_preflight.output import printable
from claude_preflight.redact import redact
from claude_preflight.report import Finding

BOM = b"\xef\xbb\xbf"


@dataclass
class FileFixResult:
    """The outcome of fixing one file.

    ``result`` holds what remains (findings located in the fixed text, or in the original
    when nothing changed) in the form the output writers take. ``written`` says whether the
    file was rewritten; ``diff`` is the unified diff of the change (computed with
    ``diff=True`` only; empty when none);
    ``refused`` explains why fixes were found but nothing was written.
    """

    path: str
    applied: list[AppliedFix] = field(default_factory=list)
    result: FileResult = field(default_factory=lambda: FileResult(""))
    written: bool = False
    diff: str = ""
    refused: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.applied) and self.refused is None

    @property
    def remaining(self) -> list[Finding]:
        return self.result.findings

    @property
    def problems(self) -> list[FileProblem]:
        return self.result.problems

    def fixable(self, unsafe: bool = True) -> list[Finding]:
        """Remaining findings with a fix that ``--unsafe-fixes`` (or a plain ``--fix``) may apply."""
        return [f for f in self.result.findings if allowed(f, unsafe)]


# ------------------------------------------------------------------ reading text


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in YAML_SUFFIXES:
        return "yaml"
    return "json"


def _read_documents(name: str, kind: str, text: str) -> list[Document | FileProblem]:
    """The documents of ``text`` exactly as ``check`` reads them from a file.

    files/documents.py reads from paths only; its per-format readers take text, which the
    fixer needs for a fixed text that exists only in memory.
    """
    from claude_preflight.files import documents

    reader = {"jsonl": documents.read_jsonl_text, "yaml": documents.read_yaml_text, "json": documents.read_json_text}[kind]
    try:
        return list(reader(name, text))
    except (ValueError, RecursionError, TypeError) as exc:  # defensive: readers report, not raise
        return [FileProblem(name, 1, 1, f"cannot read: {exc}")]


@dataclass
class _Checked:
    docs: list[Document]
    problems: list[FileProblem]
    findings: list[Located]  # after configuration and inline suppressions
    result: FileResult


def _check_text(name: str, kind: str, text: str, options: Options, used: set[int] | None = None, *,
                locate: bool = True) -> _Checked:
    """Like Checker.check_file, on text (the fixed text may exist only in memory).

    ``locate=False`` skips placing findings at lines and columns (the fix loop compares
    findings by document, code and JSON Pointer only; positions of a large document cost
    several times its size)."""
    from claude_preflight.files.suppress import InlineSuppressions

    inline = InlineSuppressions.parse(text) if kind == "yaml" else None
    items = _read_documents(name, kind, text)
    if not locate:
        for item in items:
            if isinstance(item, Document):
                item._locate, item._seek, item._positions = None, None, {}
    return _check_items(name, items, options, used, inline)


def _check_items(name: str, items: list[Document | FileProblem], options: Options, used: set[int] | None = None,
                 inline: Any = None) -> _Checked:
    """Check documents already read (a whole text's, or one JSONL record's)."""
    from claude_preflight.files.checking import Checker

    docs = [d for d in items if isinstance(d, Document)]
    problems = [p for p in items if isinstance(p, FileProblem)]
    located: list[Located] = []
    for index, doc in enumerate(docs):
        outcome = check_document(doc, options)
        if isinstance(outcome, FileProblem):
            problems.append(outcome)
            continue
        kept = options.config.apply(outcome, name, used)
        if inline is not None:
            kept = inline.filter(kept)
        located.extend(Located(index, f) for f in kept)
    findings = [item.finding for item in located]
    if inline is not None:
        checker = Checker(options)
        for directive in inline.unused():
            selectors = "[" + ", ".join(directive.selectors) + "]" if directive.selectors else "(all)"
            meta = checker.meta("CF002", {"selectors": selectors}, file=name, line=directive.line, column=directive.column)
            findings.extend(options.config.apply(meta, name))
    result = FileResult(name, findings=findings, problems=problems, requests=len(docs))
    return _Checked(docs, problems, located, result)


# ------------------------------------------------------------------ applying edits to text


def _loads(text: str) -> Any:
    """Parse JSON like the reader (NaN and Infinity are read; the last duplicate key wins)."""
    return json.loads(text)


def _yaml_documents(text: str) -> list[Any]:
    from claude_preflight.files import yaml_source

    return yaml_source.load_documents(text)


def same(a: Any, b: Any) -> bool:
    """Equal as JSON values (NaN equals NaN; key order matters not)."""
    try:
        if a == b:
            return True
        return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    except (TypeError, ValueError, RecursionError):
        return False


def _prefixed(finding: Finding, base: str) -> list[Any]:
    return [replace(e, path=base + e.path) for e in finding.edits]


def _apply_json(text: str, doc: Document, finding: Finding) -> tuple[str, list[Record]] | None:
    from claude_preflight.fixing import json_text

    try:
        # The document as the check parsed it from this very text (no second parse), when
        # it is the whole text: a bare body, or an envelope.
        data = doc.body if doc.base == "" else doc.envelope if doc.base == "/body" and doc.envelope else _loads(text)
        expected, records = apply_edits(data, _prefixed(finding, doc.base))
        new_text = json_text.apply_edits(text, data, finding.edits, doc.base)
        if not same(_loads(new_text), expected):
            return None
    except (PatchError, ValueError, RecursionError, TypeError):
        return None
    return new_text, records


def _apply_yaml(text: str, doc: Document, finding: Finding) -> tuple[str, list[Record]] | None:
    from claude_preflight.files.yaml_source import YamlProblem
    from claude_preflight.fixing import yaml_text

    number = (doc.record - 1) if doc.record else 0  # the document's index in the YAML stream
    try:
        before = _yaml_documents(text)
        expected, records = apply_edits(before[number], _prefixed(finding, doc.base))
        new_text = yaml_text.apply_edits(text, number, finding.edits, doc.base)
        after = _yaml_documents(new_text)
        wanted = list(before)
        wanted[number] = expected
        if len(after) != len(wanted) or not all(same(x, y) for x, y in zip(after, wanted)):
            return None
    except (PatchError, YamlProblem, ValueError, RecursionError, TypeError, IndexError, KeyError, AttributeError):
        return None
    except Exception:  # ruamel.yaml raises its own error types on odd input
        return None
    return new_text, records


# ------------------------------------------------------------------ the loop on one text


@dataclass
class _Run:
    text: str
    applied: list[AppliedFix]
    records: dict[int, list[Record]]


def _fix_text(name: str, kind: str, text: str, options: Options, unsafe: bool, doc_offset: int = 0, line: int | None = None) -> _Run:
    """Fix one JSON or YAML text (a whole file, or one JSONL line with ``kind='json'``)."""
    docs_cache: dict[str, _Checked] = {}

    def checked(state: str) -> _Checked:
        found = docs_cache.get(state)
        if found is None:
            docs_cache.clear()
            found = docs_cache[state] = _check_text(name, kind, state, options, locate=kind == "yaml")
        return found

    def evaluate(state: str) -> list[Located]:
        return checked(state).findings

    def apply(state: str, item: Located) -> tuple[str, list[Record]] | None:
        docs = checked(state).docs
        if item.doc >= len(docs):
            return None
        doc = docs[item.doc]
        return _apply_yaml(state, doc, item.finding) if kind == "yaml" else _apply_json(state, doc, item.finding)

    # A document's base (/body of an envelope, /params of a batch entry) never changes:
    # edits stay inside the body.
    bases = [doc.base for doc in checked(text).docs]
    outcome = run(text, evaluate, apply, unsafe=unsafe)
    rules = options.catalogue.rule_by_code
    applied = []
    records: dict[int, list[Record]] = {}
    for step in outcome.steps:
        finding = step.item.finding
        where = (name, line if line is not None else finding.line, finding.column)
        base = bases[step.item.doc] if step.item.doc < len(bases) else ""
        applied.append(applied_fix(step, rules, base, where))
        records.setdefault(step.item.doc + doc_offset, []).extend(step.records)
    return _Run(outcome.state, applied, records)


# ------------------------------------------------------------------ files


def _newline_split(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def unified_diff(name: str, before: str, after: str) -> str:
    shown = name.replace(os.sep, "/").lstrip("/")
    lines = list(difflib.unified_diff(_newline_split(before), _newline_split(after), f"a/{shown}", f"b/{shown}"))
    out = []
    for item in lines:
        if item.endswith("\n"):
            out.append(item)
        else:
            out.append(item + "\n\\ No newline at end of file\n")
    return redact("".join(out))  # a key in a changed or context line (a YAML comment, too) is never shown


def _keys(checked: _Checked) -> set[tuple[int, str, str]]:
    return {item.key for item in checked.findings}


def _worse(before: _Checked, after: _Checked, records: dict[int, list[Record]]) -> str | None:
    if len(after.problems) > len(before.problems) or len(after.docs) != len(before.docs):
        return "the fixed text could not be read back"
    for old_doc, new_doc in zip(before.docs, after.docs):
        emptied = deletes_most(old_doc.body, new_doc.body)
        if emptied is not None:
            return emptied
    expected = set()
    for doc, code, path in _keys(before):
        mapped = map_through(path, records.get(doc, ()))
        if mapped is not None:
            expected.add((doc, code, mapped))
    new = _keys(after) - expected
    if new:
        doc, code, path = sorted(new)[0]
        return f"fixing would introduce {code} at {path or '/'}"
    if len(after.result.findings) > len(before.result.findings):
        return "fixing would add findings"
    return None


_ENCODINGS = (  # byte order mark -> codec writing the text after it
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (BOM, "utf-8"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)


def split_encoding(data: bytes) -> tuple[bytes, str]:
    """(byte order mark, codec) of a file, so the fixed text is written the same way."""
    for mark, codec in _ENCODINGS:
        if data.startswith(mark):
            return mark, codec
    return b"", "utf-8"


def fix_file(path: str | Path, options: Options, *, unsafe: bool = False, diff: bool = False, used: set[int] | None = None) -> FileFixResult:
    """Fix one file in place (or, with ``diff=True``, only compute the diff).

    ``used`` collects the indices of configured overrides that matched (as ``check`` does,
    to report stale ones)."""
    path = Path(path)
    name = str(path)
    if options.as_of is None:
        options = replace(options, as_of=now_utc())  # one moment for the whole run
    from claude_preflight.files.documents import decode, read_bytes

    from claude_preflight.source import SOURCE_SUFFIXES

    if path.suffix.lower() in SOURCE_SUFFIXES:  # SDK call sites in Python/TypeScript source
        from claude_preflight.source import fix_source_file

        result: FileFixResult = fix_source_file(path, options, unsafe=unsafe, diff=diff, used=used)
        return result
    if _kind(path) == "jsonl":
        streamed = _fix_jsonl(path, options, unsafe=unsafe, diff=diff, used=used)
        if streamed is not None:
            return streamed
    data, problem = read_bytes(path)
    if problem is not None or data is None:
        problems = [problem] if problem is not None else []
        return FileFixResult(name, result=FileResult(name, problems=problems))
    text, problem = decode(data, name)
    if problem is not None or text is None:
        problems = [problem] if problem is not None else []
        return FileFixResult(name, result=FileResult(name, problems=problems))
    mark, codec = split_encoding(data)
    kind = _kind(path)
    before = _check_text(name, kind, text, options, used)
    if before.problems and kind != "jsonl":
        return FileFixResult(name, result=before.result)  # never touch a file that does not parse
    if not any(allowed(item.finding, unsafe) for item in before.findings):
        return FileFixResult(name, result=before.result)
    for doc in before.docs:  # its findings are placed: the position tables are not needed again
        doc._positions, doc._locate, doc._seek = {}, None, None
    try:
        new_text, applied, records = _fix(name, kind, text, options, unsafe)
    except (RecursionError, MemoryError):
        return FileFixResult(name, result=before.result, refused="the file is too large or too deeply nested to fix")
    if not applied or new_text == text:
        return FileFixResult(name, result=before.result)
    after = _check_text(name, kind, new_text, options, used)
    reason = _worse(before, after, records)
    if reason is not None:
        return FileFixResult(name, applied=applied, result=before.result, refused=reason)
    change = unified_diff(name, text, new_text) if diff else ""  # only --diff shows it: no copy otherwise
    outcome = FileFixResult(name, applied=applied, result=after.result, diff=change)
    if diff:
        return outcome
    try:
        payload = mark + new_text.encode(codec)
    except UnicodeEncodeError:
        return FileFixResult(name, applied=applied, result=before.result, refused=f"the fixed text cannot be written as {codec}")
    try:
        atomic_write(path, payload, expect=data)
    except (OSError, ChangedOnDisk) as exc:
        reason = str(exc) if isinstance(exc, ChangedOnDisk) else f"cannot write: {exc.strerror or exc}"
        return FileFixResult(name, applied=applied, result=before.result, refused=reason)
    outcome.written = True
    return outcome


# ------------------------------------------------------------------ JSONL, streamed


class _Hunks:
    """A unified diff built while lines stream by (a fixed JSONL record stays one line, so
    old and new line numbers are the same): three lines of context, nearby hunks merged."""

    CONTEXT = 3

    def __init__(self, name: str) -> None:
        shown = name.replace(os.sep, "/").lstrip("/")
        self.head = f"--- a/{shown}\n+++ b/{shown}\n"
        self.parts: list[str] = []
        self.before: list[tuple[str, bool]] = []  # recent unchanged lines (text, ends with a newline)
        self.hunk: list[str] = []
        self.start = 0
        self.length = 0
        self.trailing = 0  # unchanged lines since the last change in the open hunk

    @staticmethod
    def _line(mark: str, text: str, newline: bool) -> str:
        return f"{mark}{text}\n" if newline else f"{mark}{text}\n\\ No newline at end of file\n"

    def same(self, text: str, newline: bool) -> None:
        if self.hunk and self.trailing < 2 * self.CONTEXT:
            self.hunk.append(self._line(" ", text, newline))
            self.length += 1
            self.trailing += 1
            return
        self._close()
        self.before = (self.before + [(text, newline)])[-self.CONTEXT:]

    def changed(self, number: int, old: str, new: str, newline: bool) -> None:
        if not self.hunk:
            self.start = number - len(self.before)
            self.hunk = [self._line(" ", t, n) for t, n in self.before]
            self.length = len(self.before)
            self.before = []
        self.hunk += [self._line("-", old, newline), self._line("+", new, newline)]
        self.length += 1
        self.trailing = 0

    def _close(self) -> None:
        if not self.hunk:
            return
        extra = max(self.trailing - self.CONTEXT, 0)  # keep three lines of trailing context
        lines = self.hunk[: len(self.hunk) - extra] if extra else self.hunk
        length = self.length - extra
        self.parts.append(f"@@ -{self.start},{length} +{self.start},{length} @@\n" + "".join(lines))
        kept = self.hunk[len(self.hunk) - extra:] if extra else []
        self.before = [(line[1:-1], True) for line in kept][-self.CONTEXT:]
        self.hunk, self.length, self.trailing = [], 0, 0

    def text(self) -> str:
        self._close()
        return redact(self.head + "".join(self.parts)) if self.parts else ""


def _lines(stream: IO[bytes]) -> Iterator[tuple[bytes, bool]]:
    """``(line without its newline, whether a newline ended it)`` of a binary stream."""
    for raw in stream:
        if raw.endswith(b"\n"):
            yield raw[:-1], True
        else:
            yield raw, False


def _fix_jsonl(path: Path, options: Options, *, unsafe: bool, diff: bool, used: set[int] | None) -> FileFixResult | None:
    """Fix a JSONL file one record at a time, in memory proportional to its longest line:
    each fixed line is checked again on its own (and kept as it was if the fix made it
    worse), lines stream into a locked temporary file renamed over the original at the end.
    None when the file is not a plain UTF-8 regular file with records (the caller then
    reads it whole, which reports why)."""
    from claude_preflight.files.documents import MAX_FILE_BYTES, jsonl_record

    name = str(path)
    target = Path(os.path.realpath(path))
    try:
        current = os.stat(target)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(current.st_mode) or current.st_size > MAX_FILE_BYTES:
        return None
    applied: list[AppliedFix] = []
    findings: list[Finding] = []
    problems: list[FileProblem] = []
    requests = 0
    refusals: list[str] = []
    hunks = _Hunks(name)
    digest = hashlib.blake2b()
    try:
        source = open(target, "rb")  # noqa: SIM115 - closed below
    except OSError:
        return None
    temp_context = None if diff or unwritable(target, current) else _temporary(target, current)
    out: IO[bytes] | None = None
    try:
        if temp_context is not None:
            fd, _ = temp_context.__enter__()
            out = os.fdopen(fd, "wb", closefd=False)
        records = 0
        for number, (raw, newline) in enumerate(_lines(source), start=1):
            digest.update(raw + (b"\n" if newline else b""))
            head = raw[3:] if number == 1 and raw.startswith(BOM) else raw
            try:
                line = head.decode("utf-8")
            except UnicodeDecodeError:
                raise _NotStreamable from None
            body = line[:-1] if line.endswith("\r") else line
            new_raw = raw
            if body.strip():
                records += 1
                fixed, checked = _fix_record(name, body, number, options, unsafe, used, jsonl_record)
                requests += len(checked.docs)
                problems.extend(checked.problems)
                findings.extend(checked.result.findings)
                if isinstance(fixed, str):
                    refusals.append(f"line {number}: {fixed}")
                elif fixed is not None:
                    new_body, line_applied = fixed
                    applied.extend(line_applied)
                    new_raw = raw[: len(raw) - len(head)] + (new_body + line[len(body):]).encode("utf-8")
                    if diff:
                        hunks.changed(number, line, new_body + line[len(body):], newline)
            if diff and new_raw is raw:
                hunks.same(line, newline)
            if out is not None:
                out.write(new_raw + (b"\n" if newline else b""))
        if not records:
            raise _NotStreamable  # an empty file: the whole-file reader says so
        refused = "; ".join(refusals[:3]) + (f" (and {len(refusals) - 3} more)" if len(refusals) > 3 else "") if refusals else None
        result = FileResult(name, findings=findings, problems=problems, requests=requests)
        outcome = FileFixResult(name, applied=applied, result=result, diff=hunks.text(), refused=refused if not applied else None)
        if not applied or diff:
            _abandon(out, temp_context)
            return outcome
        if temp_context is None or out is None:
            outcome.refused = unwritable(target, current)
            return outcome
        out.close()
        if not _unchanged(target, current, digest.hexdigest()):
            _abandon(out, temp_context)
            outcome.refused = "the file changed on disk while it was being fixed"
            return outcome
        temp_context.__exit__(None, None, None)
        outcome.written = True
        return outcome
    except _NotStreamable:
        _abandon(out, temp_context)
        return None
    except BaseException as exc:
        if out is not None:
            with contextlib.suppress(OSError, ValueError):
                out.close()
        if temp_context is not None:
            temp_context.__exit__(type(exc), exc, exc.__traceback__)
        if isinstance(exc, OSError):
            result = FileResult(name, findings=findings, problems=problems, requests=requests)
            return FileFixResult(name, result=result, refused=f"cannot write: {exc.strerror or exc}")
        raise
    finally:
        source.close()


class _NotStreamable(Exception):
    """The JSONL file is read whole instead (another encoding, undecodable, or empty)."""


def _abandon(out: IO[bytes] | None, context: Any) -> None:
    """Remove the temporary file of a streamed fix that is not used."""
    if out is not None:
        with contextlib.suppress(OSError, ValueError):
            out.close()
    if context is not None:
        with contextlib.suppress(_Abandoned):
            context.__exit__(_Abandoned, _Abandoned(), None)


class _Abandoned(Exception):
    pass


def _unchanged(target: Path, before: os.stat_result, digest: str) -> bool:
    """The file still holds what was read (same size and content hash)."""
    try:
        now = os.stat(target)
        if (now.st_size, now.st_ino) != (before.st_size, before.st_ino):
            return False
        check = hashlib.blake2b()
        with open(target, "rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                check.update(chunk)
        return check.hexdigest() == digest
    except OSError:
        return False


def _fix_record(name: str, body: str, number: int, options: Options, unsafe: bool, used: set[int] | None,
                reader: Any) -> tuple[tuple[str, list[AppliedFix]] | str | None, _Checked]:
    """Fix one JSONL record: ``((new line, fixes), remaining)``, ``(reason, remaining)``
    when the fix was refused, or ``(None, remaining)`` when nothing changed."""
    before = _check_items(name, list(reader(name, body, number)), options, used)
    if before.problems or not any(allowed(item.finding, unsafe) for item in before.findings):
        return None, before
    outcome = _fix_text(name, "json", body, options, unsafe, line=number)
    if not outcome.applied or outcome.text == body or "\n" in outcome.text:
        return None, before
    after = _check_items(name, list(reader(name, outcome.text, number)), options, used)
    reason = _worse(before, after, outcome.records)
    if reason is not None:
        return reason, before
    return (outcome.text, outcome.applied), after


def _fix(name: str, kind: str, text: str, options: Options, unsafe: bool) -> tuple[str, list[AppliedFix], dict[int, list[Record]]]:
    if kind != "jsonl":
        work = text
        crlf = kind == "yaml" and "\r\n" in text
        if crlf:
            work = text.replace("\r\n", "\n")
        outcome = _fix_text(name, kind, work, options, unsafe)
        new_text = outcome.text
        if crlf:
            new_text = restore_endings(text, new_text.replace("\r\n", "\n"))
        return new_text, outcome.applied, outcome.records
    # JSONL: each record line is fixed on its own; other lines are kept byte for byte.
    # Only "\n" ends a record (as in files/documents.py): U+2028 may sit raw inside a string.
    applied: list[AppliedFix] = []
    records: dict[int, list[Record]] = {}
    doc_index = 0
    out = []
    for number, raw in enumerate(text.split("\n"), start=1):
        body = raw[:-1] if raw.endswith("\r") else raw
        ending = raw[len(body) :]
        if not body.strip():
            out.append(raw)
            continue
        single = _check_text(name, "json", body, options)
        count = len(single.docs)
        if single.problems or not any(allowed(item.finding, unsafe) for item in single.findings):
            out.append(raw)
            doc_index += count
            continue
        outcome = _fix_text(name, "json", body, options, unsafe, doc_offset=doc_index, line=number)
        if "\n" in outcome.text:
            out.append(raw)  # a record must stay on one line; cannot happen for one-line JSON
            doc_index += count
            continue
        out.append(outcome.text + ending)
        applied.extend(outcome.applied)
        for doc, recs in outcome.records.items():
            records.setdefault(doc, []).extend(recs)
        doc_index += count
    return "\n".join(out), applied, records


def restore_endings(original: str, fixed: str) -> str:
    """``fixed`` (LF only) with each line ending as in ``original`` (LF, CRLF, or a mix):
    unchanged lines keep theirs, a changed line takes the one of the line it replaces (or
    of the line before it)."""
    old = original.split("\n")
    old_plain = [line[:-1] if line.endswith("\r") else line for line in old]
    new = fixed.split("\n")
    crlf = [line.endswith("\r") for line in old]
    majority = sum(crlf) * 2 > len(crlf)
    out: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_plain, new, autojunk=False).get_opcodes():
        if tag == "equal":
            out.extend(old[i1:i2])
            continue
        for k, j in enumerate(range(j1, j2)):
            source = i1 + k if i1 + k < i2 else (i2 - 1 if i2 > i1 else i1 - 1)
            cr = crlf[source] if 0 <= source < len(old) else majority
            out.append(new[j] + ("\r" if cr and j < len(new) - 1 else ""))
    return "\n".join(out)


class ChangedOnDisk(Exception):
    """The file changed on disk while it was being fixed."""


TEMP_SUFFIX = ".fix.tmp"


def unwritable(target: Path, info: os.stat_result) -> str | None:
    """Why a file must not be replaced: read-only, or hard-linked (a rename breaks the link)."""
    if not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(target, os.W_OK):
        return "the file is read-only; it is not rewritten (make it writable, or apply --diff by hand)"
    if info.st_nlink > 1:
        return (f"the file has {info.st_nlink} hard links and replacing it would break them; it is not rewritten "
                "(apply --diff by hand)")
    return None


def _lock(fd: int, wait: bool) -> bool:
    """An exclusive advisory lock on an open temporary file (released when its process ends)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except OSError:
        return False
    return True


def clean_stale_temporaries(target: Path) -> list[str]:
    """Remove temporary files an interrupted fix of ``target`` left behind (kill -9 between
    writing and renaming). A fix holds a lock on its temporary until the rename, so one
    that can be locked belongs to no running fix. Returns the names removed."""
    removed: list[str] = []
    try:
        candidates = [p for p in target.parent.iterdir()
                      if p.name.startswith(f".{target.name}.") and p.name.endswith(TEMP_SUFFIX)]
    except OSError:
        return removed
    for candidate in candidates:
        try:
            fd = os.open(candidate, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            continue
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode) and _lock(fd, wait=False):
                os.unlink(candidate)
                removed.append(candidate.name)
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed


def atomic_write(path: Path, payload: bytes, *, expect: bytes | None = None) -> None:
    """Replace ``path`` by ``payload`` atomically, keeping its permission bits (and owner
    where allowed). The target of a symlink is replaced, not the link. With ``expect``, the
    file must still hold exactly those bytes (else :class:`ChangedOnDisk`). A read-only or
    hard-linked file is refused (:class:`ChangedOnDisk`), never renamed over."""
    target = Path(os.path.realpath(path))
    current = os.stat(target)
    if not stat.S_ISREG(current.st_mode):
        raise ChangedOnDisk("not a regular file; only regular files are rewritten")
    reason = unwritable(target, current)
    if reason is not None:
        raise ChangedOnDisk(reason)
    if expect is not None and target.read_bytes() != expect:
        raise ChangedOnDisk("the file changed on disk while it was being fixed")
    with _temporary(target, current) as (fd, _), os.fdopen(fd, "wb", closefd=False) as stream:
        _write_all(stream, payload)


def _write_all(stream: IO[bytes], payload: bytes) -> None:
    """Write every byte (a separate function so tests can interrupt a write half-way)."""
    stream.write(payload)  # a buffered binary stream writes everything or raises


@contextlib.contextmanager
def _temporary(target: Path, current: os.stat_result) -> Iterator[tuple[int, str]]:
    """A locked temporary file next to ``target``; on success it is fsynced, given the
    original's mode and owner, and renamed over ``target``; on any failure it is removed."""
    clean_stale_temporaries(target)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=str(target.parent))
    try:
        _lock(fd, wait=True)
        yield fd, temp
        os.fsync(fd)
        os.chmod(temp, stat.S_IMODE(current.st_mode))
        if hasattr(os, "chown"):
            with contextlib.suppress(OSError):
                os.chown(temp, current.st_uid, current.st_gid)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    finally:
        os.close(fd)
    _fsync_directory(target.parent)


def _fsync_directory(directory: Path) -> None:
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def fix_paths(paths: Iterable[str], options: Options, *, unsafe: bool = False, diff: bool = False) -> Iterator[FileFixResult]:
    """Fix every request file under ``paths`` (files and directories, like ``check``)."""
    from claude_preflight.files.checking import Checker

    if options.as_of is None:
        options = replace(options, as_of=now_utc())
    from claude_preflight.files.checking import discover_for

    checker = Checker(options)  # tracks configured overrides, like check_paths
    found = discover_for(list(paths), options.config)  # only files that look like requests (or SDK calls)
    for problem in found.problems:
        yield FileFixResult(problem.file, result=FileResult(problem.file, problems=[problem]))
    for candidate in found.candidates:
        checker.checked.append(candidate.name)
        yield fix_file(Path(candidate.name), options, unsafe=unsafe, diff=diff, used=checker.used_overrides)
    leftovers = checker.unused_overrides()
    if leftovers:
        source = options.config.source or "configuration"
        yield FileFixResult(source, result=FileResult(source, findings=leftovers))


def summarize(results: Iterable[FileFixResult], *, unsafe: bool = False, diff: bool = False) -> str:
    """One paragraph for the end of ``check --fix``: what was fixed, what remains."""
    results = list(results)
    changed = [r for r in results if r.changed and (r.written or diff)]
    fixes = sum(len(r.applied) for r in changed)
    remaining = sum(len(r.remaining) for r in results)
    unsafe_left = 0 if unsafe else sum(1 for r in results for f in r.remaining if f.edits and f.fix_safety == "unsafe")
    refused = sum(1 for r in results if r.refused is None for f in r.remaining if allowed(f, unsafe))
    verb = "Would fix" if diff else "Fixed"
    lines = [f"{verb} {fixes} issue(s) in {len(changed)} file(s); {remaining} finding(s) remain."]
    if unsafe_left:
        lines.append(f"{unsafe_left} more can be fixed with --unsafe-fixes (they change what the request does).")
    if refused:
        lines.append(f"{refused} fix(es) were not applied because they would leave other findings behind; see those by hand.")
    for r in results:
        if r.refused:
            lines.append(printable(redact(f"{r.path}: not fixed: {r.refused}")))
    return "\n".join(lines)


def to_json(result: FileFixResult) -> dict[str, Any]:
    """A JSON-ready view of one file's fix (for ``--format json``)."""
    return {
        "file": result.path,
        "written": result.written,
        "refused": result.refused,
        "applied": [a.to_dict() for a in result.applied],
        "remaining": [f.to_dict() for f in result.remaining],
    }


__all__ = ["FileFixResult", "atomic_write", "fix_file", "fix_paths", "summarize", "to_json"]
