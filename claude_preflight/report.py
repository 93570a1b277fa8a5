"""Findings and the report that collects them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterator, Literal

from claude_preflight.redact import PREFIX, redact

Severity = Literal["error", "warning", "info"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True)
class Finding:
    """One problem found in a request.

    ``path`` is a JSON Pointer into the checked document (``""`` is the whole
    body); ``line``/``column`` are 1-based positions in a source file when the
    request was read from one.
    """

    code: str
    name: str
    severity: Severity
    message: str
    path: str = ""
    fix: str | None = None
    file: str | None = None
    line: int | None = None
    column: int | None = None
    edits: tuple[Any, ...] = field(default=(), compare=False, repr=False)
    fix_safety: str | None = None

    def __post_init__(self) -> None:
        # The one redaction point of findings: a key can reach any of these fields (an
        # object key in the path, a quoted value in the message, a file name).
        for name in ("message", "path", "fix", "file"):
            value = getattr(self, name)
            if type(value) is str and PREFIX in value:
                object.__setattr__(self, name, redact(value))

    def located(self, file: str | None, line: int | None, column: int | None) -> Finding:
        return replace(self, file=file, line=line, column=column)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "path": self.path,
        }
        if self.fix is not None:
            data["fix"] = self.fix
        if self.fix_safety is not None:
            data["fix_safety"] = self.fix_safety
        if self.file is not None:
            data["file"] = self.file
            data["line"] = self.line
            data["column"] = self.column
        return data


@dataclass(frozen=True)
class Report:
    """The outcome of checking one request."""

    findings: tuple[Finding, ...] = ()
    model: str | None = None
    surface: str | None = None
    api_version: str | None = None
    as_of: str | None = None
    endpoint: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    catalogue_verified: str | None = None  # the date the catalogue's facts were last checked

    def __post_init__(self) -> None:
        for name in ("model", "surface", "api_version", "as_of", "endpoint"):
            value = getattr(self, name)
            if type(value) is str and PREFIX in value:
                object.__setattr__(self, name, redact(value))

    @property
    def ok(self) -> bool:
        """True when no finding has severity ``error``."""
        return not any(f.severity == "error" for f in self.findings)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def at_least(self, severity: str) -> tuple[Finding, ...]:
        rank = SEVERITY_RANK[severity]
        return tuple(f for f in self.findings if SEVERITY_RANK[f.severity] >= rank)

    def summary_text(self) -> str:
        if not self.findings:
            return "no findings"
        lines = [f"{len(self.errors)} error(s), {len(self.warnings)} warning(s):"]
        for f in self.findings:
            where = f.path or "/"
            lines.append(f"  {f.code} {f.severity} at {where}: {f.message}")
        return redact("\n".join(lines))

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "model": self.model,
            "surface": self.surface,
            "api_version": self.api_version,
            "as_of": self.as_of,
            "endpoint": self.endpoint,
            "catalogue_verified": self.catalogue_verified,
            "findings": [f.to_dict() for f in self.findings],
        }
