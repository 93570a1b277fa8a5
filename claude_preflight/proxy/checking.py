"""The proxy's front end on the engine: turn a wire request into a decision.

No rule logic lives here. The body is read with the fixture reader's JSON parser (so
duplicate keys and NaN are reported as IN001/IN002, as for files), checked with
:func:`claude_preflight.api.run_request` on the complete wire headers, filtered by the
``[tool.claude-preflight]`` configuration, and repaired with
:func:`claude_preflight.fixing.fix` in ``fix`` mode. Size limits come from the catalogue's
own rules. Nothing here imports aiohttp.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Iterable, Sequence

from claude_preflight.api import run_request
from claude_preflight.catalogue import Catalogue
from claude_preflight.config import Config
from claude_preflight.dates import now_utc
from claude_preflight.middleware import UNKNOWN_ENDPOINT_RULE, infer_surface
from claude_preflight.proxy.settings import ProxySettings
from claude_preflight.redact import redact
from claude_preflight.report import SEVERITY_RANK, Finding, Report

# Credentials are never handed to the checks (nor logged): the header stays, its value does not.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "x-api-key", "api-key", "cookie", "x-amz-security-token"})

# The rules whose params state the API's request-size limit for the body kinds they apply to:
# check name -> param holding the limit in bytes. Read from the catalogue, never hard-coded.
SIZE_LIMIT_PARAMS = {"limits.request_size": "limit_bytes", "endpoints.batch_limits": "max_bytes"}

# Body kinds with no JSON body to check (uploads, GETs) or on a route the catalogue lacks:
# streamed through as they arrive.
UNCHECKED_KINDS = frozenset({"none", "unknown"})
DEFAULT_BUFFER_CAP = 32 * 1024 * 1024  # only if a catalogue states no size limit at all

# Where a body is checked in an executor thread rather than on the event loop.
THREAD_THRESHOLD = 256 * 1024


@dataclass(frozen=True)
class SizeLimit:
    limit: int
    code: str  # the rule that states it ("" when no rule states one for this body kind)

    @property
    def enforced(self) -> bool:
        """A limit the API states: over it, the proxy answers 413. Otherwise it only caps
        what is buffered for checking; a longer body is streamed through unchecked."""
        return bool(self.code)


@dataclass(frozen=True)
class Route:
    """What the catalogue says about a request line, known before the body is read."""

    endpoint: str  # "METHOD url-or-path" handed to the engine
    body_kind: str  # the endpoint's body kind ("messages", "batch", "none", "unknown", ...)
    surface: str | None
    limit: SizeLimit | None  # set when the body is read and checked

    @property
    def checks_body(self) -> bool:
        return self.limit is not None


@dataclass
class Verdict:
    """What to do with one request."""

    action: str  # "forward", "block", "fix" (forward a changed body)
    report: Report | None = None
    failing: tuple[Finding, ...] = ()
    body: bytes | None = None  # the body to send when changed
    fixes: list[str] = field(default_factory=list)  # one line per applied fix
    note: str | None = None  # why the proxy acted as it did (not JSON, signed, ...)
    status: int = 200
    error_type: str = ""
    message: str = ""

    @property
    def codes(self) -> list[str]:
        seen: list[str] = []
        for finding in self.failing:
            if finding.code not in seen:
                seen.append(finding.code)
        return seen


class Checker:
    """The engine, configured once per proxy process (thread-safe: it keeps no request state)."""

    def __init__(self, settings: ProxySettings, catalogue: Catalogue, config: Config) -> None:
        self.settings = settings
        self.catalogue = catalogue
        self.config = config
        self.fail_on = settings.fail_on or config.fail_on
        if self.fail_on not in SEVERITY_RANK:
            raise ValueError(f"fail-on must be one of error, warning, info, not {self.fail_on!r}")
        for name, value in (("--surface", settings.surface), ("configuration surface", config.surface)):
            if value is not None and value not in catalogue.surfaces:
                raise ValueError(f"{name} {value!r} is not a known surface ({', '.join(sorted(catalogue.surfaces))})")
        for name, value in (("--api-version", settings.api_version), ("configuration api-version", config.api_version)):
            if value is not None and value not in catalogue.api_versions:
                raise ValueError(f"{name} {value!r} is not a known API version ({', '.join(sorted(catalogue.api_versions))})")
        self.limits = size_limits(catalogue)
        # JSON bodies without a stated limit (Managed Agents, ...) are buffered up to the
        # smallest stated limit; past it they are forwarded unchecked.
        smallest = min((limit.limit for limit in self.limits.values()), default=DEFAULT_BUFFER_CAP)
        self.buffer_cap = SizeLimit(smallest, "")

    # ------------------------------------------------------------------ before the body

    def route(self, method: str, path: str) -> Route:
        """The endpoint, body kind, surface and size limit of ``method path`` (path relative
        to the proxy, as the client sent it; the upstream URL is the upstream base + path)."""
        url = self.settings.upstream_base + path
        endpoint = f"{method} {url}"
        found = self.catalogue.match_endpoint(endpoint)
        if found.endpoint is None:  # an upstream with a path prefix (a gateway): the client's path
            endpoint = f"{method} {path}"
            found = self.catalogue.match_endpoint(endpoint)
        kind = found.endpoint.body if found.endpoint is not None else "unknown"
        surface = self.settings.surface or infer_surface(url.split("?", 1)[0], self.catalogue) or self.config.surface
        limit = self.limits.get(kind)
        if limit is None and kind not in UNCHECKED_KINDS:
            limit = self.buffer_cap
        return Route(endpoint, kind, surface, limit)

    # ------------------------------------------------------------------ the check

    def check(self, route: Route, headers: Sequence[tuple[str, str]], data: bytes | None, moment: datetime | None = None) -> Verdict:
        """Check one request (``data=None``: a body that is streamed through unchecked)."""
        when = moment or self.settings.as_of or now_utc()
        wire = engine_headers(headers)
        if data is None:
            return self._decide(self._run(route, wire, None, when))
        body, input_findings, problem = parse_body(data, self.catalogue)
        if problem is not None:
            note = f"the body is not valid JSON ({problem})"
            if self.settings.mode == "block":
                return Verdict("block", status=400, error_type="invalid_request_error", message=f"claude-preflight: {note}", note=note)
            return Verdict("forward", note=note + "; forwarded unchecked")
        report = self._run(route, wire, body, when, input_findings)
        verdict = self._decide(report)
        if verdict.action == "forward" and self.settings.mode == "fix" and verdict.failing:
            return self._fix(route, wire, body, data, when, verdict, input_findings)
        return verdict

    def _run(self, route: Route, headers: list[tuple[str, str]], body: Any, when: datetime, extra: Iterable[Finding] = ()) -> Report:
        report = run_request(
            self.catalogue,
            body,
            endpoint=route.endpoint,
            headers=headers,
            surface=route.surface,
            as_of=when,
            api_version=self.settings.api_version,
            default_api_version=self.config.api_version,
            headers_complete=True,  # the wire: nothing more will be added
        )
        findings = [*extra, *(_unknown_route(f) for f in report.findings)]
        return replace(report, findings=tuple(self.config.apply(findings)))

    def _decide(self, report: Report) -> Verdict:
        failing = report.at_least(self.fail_on)
        if failing and self.settings.mode == "block":
            return Verdict("block", report, failing, status=400, error_type="invalid_request_error", message=block_message(report, failing))
        return Verdict("forward", report, failing)

    def _fix(self, route: Route, headers: list[tuple[str, str]], body: Any, data: bytes, when: datetime, verdict: Verdict, input_findings: list[Finding]) -> Verdict:
        signed = signature_scheme(headers, route.endpoint)
        if signed is not None:
            verdict.note = f"fix mode falls back to warn: the request is signed ({signed}) and a changed body would fail its signature"
            return verdict
        from claude_preflight.fixing import fix

        result = fix(
            body,
            endpoint=route.endpoint,
            headers=headers,
            surface=route.surface,
            as_of=when,
            api_version=self.settings.api_version,
            catalogue=self.catalogue,
            config=self.config,
        )
        if not result.applied:
            return verdict
        # What remains, judged as the wire request it now is (complete headers included).
        remaining = self._run(route, headers, result.body, when, input_findings)
        return Verdict(
            "fix",
            remaining,
            remaining.at_least(self.fail_on),
            body=render_fixed(data, body, result),
            fixes=[redact(a.describe()) for a in result.applied],
        )


# ----------------------------------------------------------------------------- helpers


def size_limits(catalogue: Catalogue) -> dict[str, SizeLimit]:
    """Body kind -> the smallest request-size limit a catalogue rule states for it."""
    found: dict[str, SizeLimit] = {}
    for rule in catalogue.rules:
        key = SIZE_LIMIT_PARAMS.get(rule.check)
        value = rule.params.get(key) if key else None
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            continue
        for kind in rule.applies.bodies:
            if kind not in found or value < found[kind].limit:
                found[kind] = SizeLimit(value, rule.code)
    return found


def engine_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The wire headers as the checks see them: every header, credentials without their value."""
    out = []
    for name, value in headers:
        low = name.lower()
        if low in SECRET_HEADERS:
            scheme, _, rest = value.partition(" ")
            value = f"{scheme} <redacted>" if rest and low.endswith("authorization") else "<redacted>"
        out.append((name, value))
    return out


def signature_scheme(headers: Iterable[tuple[str, str]], endpoint: str) -> str | None:
    """The name of a request signature that covers the body (AWS SigV4), or ``None``."""
    for name, value in headers:
        low = name.lower()
        if low == "authorization" and value.strip().upper().startswith("AWS4-"):
            return "AWS SigV4"
        if low == "x-amz-content-sha256" and value.strip().upper() != "UNSIGNED-PAYLOAD":
            return "AWS SigV4"
    if "x-amz-signature=" in endpoint.lower():
        return "AWS SigV4 presigned URL"
    return None


def parse_body(data: bytes, catalogue: Catalogue) -> tuple[Any, list[Finding], str | None]:
    """The parsed body, the reader's own findings (IN001, IN002), or a problem text."""
    from claude_preflight.files import documents
    from claude_preflight.files.checking import input_findings

    text, problem = documents.decode(data, "request body")
    if problem is not None or text is None:
        return None, [], problem.message if problem else "cannot decode the body"
    if not text.strip():
        return None, [], "the body is empty"
    reader = documents.JsonReader()
    try:
        body = reader.loads(text)
    except (ValueError, RecursionError, MemoryError) as exc:
        error = documents.json_error("request body", text, exc)
        return None, [], f"{error.message} at line {error.line} column {error.column}"
    notes, _ = documents.json_notes(reader, text, body, 0)
    if not notes:
        return body, [], None
    doc = documents.Document("request body", body, notes=notes)
    return body, [replace(f, file=None, line=None, column=None) for f in input_findings(doc, catalogue)], None


def render_fixed(original: bytes, body: Any, result: Any) -> bytes:
    """The fixed body as bytes: the original text with only the fixed parts edited (so the
    client's formatting survives), else compact JSON of the fixed body."""
    from claude_preflight.fixing import json_text
    from claude_preflight.fixing.patch import PatchError, apply_edits

    try:
        text = original.decode("utf-8")
        data = body
        for applied in result.applied:
            text = json_text.apply_edits(text, data, applied.edits)
            data, _ = apply_edits(data, applied.edits)
        if json.loads(text) == result.body:
            return text.encode("utf-8")
    except (PatchError, ValueError, TypeError, KeyError, IndexError, RecursionError):
        pass
    return json.dumps(result.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def block_message(report: Report, failing: Sequence[Finding]) -> str:
    """The message of a local 400: every failing finding on its own line, credentials redacted."""
    where = f" ({report.model})" if report.model else ""
    lines = [f"claude-preflight blocked this request{where}: {len(failing)} finding(s)"]
    for finding in failing:
        fix = f" (fix: {finding.fix})" if finding.fix else ""
        lines.append(f"{finding.code} {finding.name} at {finding.path or '/'}: {finding.message}{fix}")
    return redact("\n".join(lines))


def _unknown_route(finding: Finding) -> Finding:
    """The proxy forwards unknown paths (new routes, gateway extras) and reports them as info."""
    if finding.name == UNKNOWN_ENDPOINT_RULE and finding.severity != "info":
        return replace(finding, severity="info")
    return finding
