"""Validate partitions of request records into finding rows (no Dask needed here).

A record is a request body (a dict, or its JSON text as ``str``/``bytes``), an envelope
``{"body", "endpoint", "headers", ...}`` as in fixture files, or a Message Batches entry
``{"custom_id", "params"}``. Each finding becomes a row (see :data:`ROW_FIELDS`); paths
are JSON Pointers into the record (``/params/...`` for batch entries), as the CLI reports them.

The catalogue is not sent to workers (it does not pickle with the standard pickle, and is
large): only :class:`Settings` travel, and each worker process compiles the catalogue once,
the first time it needs it (``load_catalogue`` keeps it for the life of the process;
:func:`warm` does it ahead of the first task).

Rules that span records (EP005, a ``custom_id`` used twice in one batch file) need every
entry of the file: :func:`duplicate_rows` applies them to the ``(custom_id, line)`` pairs the
partitions return.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from claude_preflight.distributed import ROW_FIELDS

if TYPE_CHECKING:
    from claude_preflight.catalogue import Catalogue

Row = dict[str, Any]
_ENVELOPE = frozenset({"endpoint", "headers", "surface", "as_of", "api_version", "body", "description"})
_BATCH_ENTRY = frozenset({"custom_id", "params"})
PROBLEM = "input-problem"  # the code of a row for a record that could not be read (not a rule code)


@dataclass(frozen=True)
class Settings:
    """What a worker needs to check records; small and picklable."""

    catalogue_files: tuple[str, ...] = ()
    as_of: str | None = None  # ISO date or date-time; None: now
    surface: str | None = None
    api_version: str | None = None

    def catalogue(self) -> Catalogue:
        from claude_preflight.catalogue import load_catalogue

        return load_catalogue(list(self.catalogue_files))  # compiled once per process and file set


def warm(settings: Settings) -> None:
    """Compile the catalogue in this process now (a worker plugin calls it at start-up)."""
    settings.catalogue()


def validate_partition(records: Iterable[Any], settings: Settings | None = None) -> list[Row]:
    """Finding rows for every record of a partition (for ``bag.map_partitions`` and the like)."""
    return list(iter_rows(((None, None, record) for record in records), settings or Settings()))


def iter_rows(
    items: Iterable[tuple[str | None, int | None, Any]],
    settings: Settings,
    entries: list[tuple[str | None, int | None, Any]] | None = None,
) -> Iterator[Row]:
    """Rows for ``(file, line, record)`` items; never raises on a record.

    ``entries`` collects ``(file, line, custom_id)`` of every batch entry (for :func:`duplicate_rows`).
    """
    from claude_preflight.api import run_request
    from claude_preflight.dates import now_utc, parse_moment

    cat = settings.catalogue()
    default_moment = parse_moment(settings.as_of) if settings.as_of else now_utc()
    invalid_id = cat.rule_by_code.get("EP004")
    for file, line, record in items:
        data, problem = _decode(record)
        if problem is not None:
            yield _row(file, line, None, PROBLEM, "error", "", problem)
            continue
        try:
            kind, body, base, envelope = _classify(data)
        except ValueError as exc:
            yield _row(file, line, None, PROBLEM, "error", "", str(exc))
            continue
        custom_id = data.get("custom_id") if kind == "batch" else None
        if kind == "batch" and entries is not None:
            entries.append((file, line, custom_id))
        endpoint = envelope.get("endpoint") or "/v1/messages"
        try:
            moment = parse_moment(envelope["as_of"], what="as_of") if envelope.get("as_of") else default_moment
            version = envelope.get("api_version") or settings.api_version
            if version is not None and version not in cat.api_versions:
                raise ValueError(f"unknown api_version {version!r}")
            report = run_request(cat, body, endpoint=endpoint, headers=envelope.get("headers"),
                                 surface=envelope.get("surface") or settings.surface, as_of=moment,
                                 api_version=version, in_batch=kind == "batch")
        except (TypeError, ValueError) as exc:
            yield _row(file, line, custom_id, PROBLEM, "error", "", f"envelope: {exc}")
            continue
        for finding in report.findings:
            yield _row(file, line, custom_id, finding.code, finding.severity, base + finding.path, finding.message)
        if kind == "batch" and invalid_id is not None:
            yield from _custom_id_rows(file, line, custom_id, invalid_id)


def _decode(record: Any) -> tuple[Any, str | None]:
    if isinstance(record, (bytes, bytearray, memoryview)):
        try:
            record = bytes(record).decode("utf-8")
        except UnicodeDecodeError as exc:
            return None, f"invalid UTF-8 (byte 0x{bytes(record)[exc.start]:02x} at offset {exc.start})"
    if isinstance(record, str):
        try:
            return json.loads(record), None
        except (ValueError, RecursionError) as exc:
            return None, f"invalid JSON: {str(exc)[:200]}"
    return record, None


def _classify(data: Any) -> tuple[str, Any, str, dict[str, Any]]:
    """``(kind, body, pointer prefix, envelope)`` as the fixture reader reads a record."""
    if isinstance(data, dict) and "body" in data and set(data) <= _ENVELOPE:
        envelope = {k: v for k, v in data.items() if k != "body"}
        for key in ("endpoint", "surface", "as_of", "api_version"):
            if key in envelope and not isinstance(envelope[key], str):
                raise ValueError(f"envelope field {key!r} must be a string")
        if "headers" in envelope and not isinstance(envelope["headers"], dict):
            raise ValueError("envelope field 'headers' must be an object")
        return "envelope", data["body"], "/body", envelope
    if isinstance(data, dict) and "params" in data and set(data) <= _BATCH_ENTRY:
        return "batch", data["params"], "/params", {}
    return "body", data, "", {}


def _custom_id_rows(file: str | None, line: int | None, custom_id: Any, rule: Any) -> Iterator[Row]:
    from claude_preflight.checks import endpoints
    from claude_preflight.checks.base import Hit, show
    from claude_preflight.engine.runner import to_finding

    reason = endpoints.custom_id_problem(custom_id, rule.params)
    if reason is not None:
        finding = to_finding(rule, Hit("/custom_id", {"value": show(custom_id, 40), "reason": reason}))
        yield _row(file, line, custom_id, finding.code, finding.severity, finding.path, finding.message)


def duplicate_rows(entries: list[tuple[str | None, int | None, Any]], settings: Settings) -> list[Row]:
    """EP005 rows for ``(file, line, custom_id)`` batch entries (in file order): one batch per file."""
    from claude_preflight.checks import endpoints
    from claude_preflight.checks.base import Hit, show
    from claude_preflight.engine.runner import to_finding

    rule = settings.catalogue().rule_by_code.get("EP005")
    if rule is None:
        return []
    rows: list[Row] = []
    by_file: dict[str | None, list[tuple[int | None, Any]]] = {}
    for file, line, custom_id in entries:
        by_file.setdefault(file, []).append((line, custom_id))
    for file, items in by_file.items():
        for index, first in endpoints.duplicate_custom_ids(custom_id for _, custom_id in items):
            line, custom_id = items[index]
            hit = Hit("/custom_id", {"value": show(custom_id, 40), "first": f"{first} (line {items[first][0]})"})
            finding = to_finding(rule, hit)
            rows.append(_row(file, line, custom_id, finding.code, finding.severity, finding.path, finding.message))
    return rows


def _row(file: str | None, line: int | None, custom_id: Any, code: str, severity: str, path: str, message: str) -> Row:
    from claude_preflight.redact import redact

    shown_id = redact(custom_id) if isinstance(custom_id, str) else None
    return dict(zip(ROW_FIELDS, (file, line, shown_id, code, severity, path, redact(message))))
