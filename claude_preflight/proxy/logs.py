"""One line per request, pretty or JSON lines. Header values are never part of an event,
and every line passes through :func:`claude_preflight.redact.redact`."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any, TextIO

from claude_preflight.redact import redact
from claude_preflight.report import Finding


@dataclass
class Event:
    """What happened to one request (filled in as it goes)."""

    method: str
    path: str  # without the query string (which may carry credentials)
    action: str = "forwarded"  # forwarded, blocked, fixed, refused, failed
    status: int | None = None
    model: str | None = None
    surface: str | None = None
    findings: tuple[Finding, ...] = ()
    fixes: list[str] = field(default_factory=list)
    note: str | None = None
    started: float = field(default_factory=time.perf_counter)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "method": self.method,
            "path": self.path,
            "action": self.action,
            "status": self.status,
            "ms": round((time.perf_counter() - self.started) * 1000, 2),
        }
        if self.model:
            data["model"] = self.model
        if self.surface:
            data["surface"] = self.surface
        data["findings"] = [
            {"code": f.code, "name": f.name, "severity": f.severity, "path": f.path, "message": f.message} for f in self.findings
        ]
        if self.fixes:
            data["fixes"] = self.fixes
        if self.note:
            data["note"] = self.note
        return data


class EventLog:
    """Writes events to ``stream`` (default: standard output) in ``fmt`` (pretty or json)."""

    def __init__(self, fmt: str = "pretty", stream: TextIO | None = None) -> None:
        self.fmt = fmt
        self.stream = stream

    def _write(self, line: str) -> None:
        stream = self.stream or sys.stdout
        try:
            stream.write(redact(line) + "\n")
            stream.flush()
        except (OSError, ValueError):  # a closed or broken output must not stop the proxy
            pass

    def started(self, listen: str, upstream: str, mode: str, notes: list[str]) -> None:
        export = f"export ANTHROPIC_BASE_URL={listen}"
        if self.fmt == "json":
            self._write(json.dumps({"event": "listening", "url": listen, "upstream": upstream, "mode": mode, "export": export, "notes": notes}))
            return
        self._write(f"claude-preflight proxy listening on {listen} -> {upstream} (mode: {mode})")
        for note in notes:
            self._write(f"  note: {note}")
        self._write(export)

    def request(self, event: Event) -> None:
        data = event.to_dict()
        if self.fmt == "json":
            self._write(json.dumps({"event": "request", **data}, ensure_ascii=False))
            return
        head = f"{data['time'][11:19]} {event.method} {event.path} -> {event.status if event.status is not None else '-'} {event.action} ({data['ms']} ms)"
        parts = [f"{f.code} {f.severity} {f.name} at {f.path or '/'}" for f in event.findings]
        parts += [f"fixed {fix}" for fix in event.fixes]
        if event.note:
            parts.append(event.note)
        self._write(head + (": " + "; ".join(parts) if parts else ""))

    def stopped(self) -> None:
        self._write(json.dumps({"event": "stopped"}) if self.fmt == "json" else "claude-preflight proxy stopped")
