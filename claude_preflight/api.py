"""The public entry points: ``validate()`` and ``check()``."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Mapping

from claude_preflight.catalogue import Catalogue, load_catalogue
from claude_preflight.dates import now_utc, parse_moment
from claude_preflight.engine import acceptor, runner
from claude_preflight.engine.context import Context
from claude_preflight.engine.resolve import build_context
from claude_preflight.errors import PreflightError
from claude_preflight.files import pointer
from claude_preflight.redact import redact
from claude_preflight.report import Finding, Report

BATCH_BODY = "batch"
COUNT_TOKENS_ENVELOPE = "bedrock_count_tokens"


def validate(
    body: Any,
    *,
    endpoint: str = "/v1/messages",
    headers: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
    surface: str | None = None,
    as_of: Any = None,
    api_version: str | None = None,
    catalogue: Catalogue | Iterable[str | Path] | None = None,
    headers_complete: bool = False,
    config: Any = None,
) -> Report:
    """Check one request and return a :class:`Report`; never raises on request data.

    ``body`` is the JSON body as Python data. ``endpoint`` is a path or URL,
    optionally prefixed by the HTTP method. ``headers=None`` means the headers
    are not known. ``surface`` defaults to the configured default, else the one
    the endpoint implies, else ``"anthropic"``. ``as_of`` is when the request
    will be sent (date, datetime or ISO-8601 string; default: now, UTC).
    ``api_version`` applies when no ``anthropic-version`` header says otherwise.
    ``catalogue`` is a compiled catalogue, or extra catalogue files to load.
    ``headers_complete=True`` says ``headers`` are the final wire headers (nothing more will
    be added, as in a proxy or SDK middleware), so headers the SDK would otherwise supply
    itself (``anthropic-version``, surface headers) are required.

    ``config`` (a :class:`~claude_preflight.config.Config`, a mapping shaped like the
    ``[tool.claude-preflight]`` table, or ``True`` to read ``pyproject.toml``) selects, ignores
    and re-grades findings as the command line does, and supplies the default surface and API
    version; a selector that names no rule raises :class:`~claude_preflight.config.ConfigError`.

    Invalid arguments of this function itself (``as_of``, ``api_version``,
    ``catalogue``, ``config``) raise ``TypeError``/``ValueError``.
    """
    cat = resolve_catalogue(catalogue)
    moment = now_utc() if as_of is None else parse_moment(as_of)
    check_api_version(cat, api_version)
    settings = None
    if config is not None and config is not False:
        from claude_preflight.config import coerce_config

        settings = coerce_config(config, source="validate(config=...)").check_selectors(cat)
    if settings is None:
        # run_request, inlined for the common call (the acceptor answers most requests)
        fast = acceptor.accept(cat, body, endpoint=endpoint, headers=headers, surface=surface, as_of=moment,
                               api_version=api_version, headers_complete=bool(headers_complete), sort=sort_findings)
        if fast is not None:
            return fast
        return run_engine(cat, body, endpoint=endpoint, headers=headers, surface=surface, as_of=moment, api_version=api_version,
                          default_api_version=None, in_batch=False, headers_complete=bool(headers_complete))
    report = run_request(cat, body, endpoint=endpoint, headers=headers,
                         surface=surface if surface is not None else settings.surface,
                         as_of=moment, api_version=api_version, default_api_version=settings.api_version,
                         headers_complete=bool(headers_complete))
    return replace(report, findings=tuple(settings.apply(report.findings)))


def check_api_version(cat: Catalogue, api_version: Any) -> None:
    if api_version is None:
        return
    if not isinstance(api_version, str):
        raise TypeError(f"api_version must be a string, not {type(api_version).__name__}")
    if api_version not in cat.api_versions:
        known = ", ".join(sorted(cat.api_versions))
        raise ValueError(redact(f"api_version {api_version!r} is not a known API version ({known})"))


def run_request(
    cat: Catalogue,
    body: Any,
    *,
    endpoint: Any,
    headers: Any,
    surface: Any,
    as_of: datetime,
    api_version: str | None,
    default_api_version: str | None = None,
    in_batch: bool = False,
    headers_complete: bool = False,
) -> Report:
    """Check one request whose arguments are already validated (used by every front end)."""
    fast = acceptor.accept(cat, body, endpoint=endpoint, headers=headers, surface=surface, as_of=as_of,
                           api_version=api_version, default_api_version=default_api_version, in_batch=in_batch,
                           headers_complete=headers_complete, sort=sort_findings)
    if fast is not None:  # a plain request whose answer is proven (engine/acceptor.py); audited in the tests
        return fast
    return run_engine(cat, body, endpoint=endpoint, headers=headers, surface=surface, as_of=as_of, api_version=api_version,
                      default_api_version=default_api_version, in_batch=in_batch, headers_complete=headers_complete)


def run_engine(cat: Catalogue, body: Any, *, endpoint: Any, headers: Any, surface: Any, as_of: datetime, api_version: str | None,
               default_api_version: str | None, in_batch: bool, headers_complete: bool) -> Report:
    """The full engine's report: ``run_request`` without the acceptor (for front ends that
    call ``acceptor.accept`` themselves, as ``validate`` and the batch stream do)."""
    ctx = build_context(
        cat,
        body,
        endpoint=endpoint,
        headers=headers,
        surface=surface,
        as_of=as_of,
        api_version=api_version,
        default_api_version=default_api_version,
        in_batch=in_batch,
        headers_complete=headers_complete,
    )
    findings = runner.run(ctx)
    if ctx.body_kind == BATCH_BODY:
        findings.extend(_batch_entries(ctx, as_of))
    elif ctx.body_kind == COUNT_TOKENS_ENVELOPE:
        findings.extend(_counted_body(ctx, as_of))
    return Report(
        findings=tuple(sort_findings(findings)),
        model=ctx.model.id if ctx.model else (redact(ctx.model_written) if isinstance(ctx.model_written, str) else None),
        surface=ctx.surface_name,
        api_version=ctx.api_version,
        as_of=as_of.isoformat(),
        endpoint=ctx.endpoint.path if ctx.endpoint else None,
        catalogue_verified=cat.settings.get("catalogue_verified"),
    )


def check(body: Any, **kwargs: Any) -> Report:
    """Like :func:`validate`, but raise :class:`PreflightError` when the report is not ok."""
    report = validate(body, **kwargs)
    if not report.ok:
        raise PreflightError(report)
    return report


def resolve_catalogue(value: Catalogue | Iterable[str | Path] | None) -> Catalogue:
    if value is None:
        return load_catalogue()
    if isinstance(value, Catalogue):
        return value
    if isinstance(value, (str, Path)):
        return load_catalogue([value])
    try:
        return load_catalogue(list(value))
    except TypeError:
        raise TypeError("catalogue must be a Catalogue or an iterable of catalogue file paths") from None


def _batch_entries(batch: Context, moment: Any) -> list[Finding]:
    """Check every ``requests[i].params`` of a Message Batches body as a Messages request."""
    requests = batch.get("requests")
    if not isinstance(requests, list):
        return []
    messages_path = batch.catalogue.endpoint_by_key.get("messages")
    endpoint = messages_path.path if messages_path else "/v1/messages"
    found: list[Finding] = []
    for index, entry in enumerate(requests):
        if not isinstance(entry, dict) or "params" not in entry:
            continue
        ctx = build_context(
            batch.catalogue,
            entry["params"],
            endpoint=endpoint,
            headers=batch.headers,
            surface=batch.surface_name,
            as_of=moment,
            api_version=batch.api_version,
            in_batch=True,
        )
        found.extend(runner.run(ctx, base=pointer.join("", "requests", index, "params")))
    return found


def _counted_body(envelope: Context, moment: Any) -> list[Finding]:
    """Check the InvokeModel body inside a Bedrock CountTokens request (``input.invokeModel.body``,
    base64 of the JSON body) as the InvokeModel request it stands for: Bedrock validates it the
    same way. Findings point into the decoded body and carry no edits (it is an encoded string)."""
    invoke = envelope.get("input")
    invoke = invoke.get("invokeModel") if isinstance(invoke, dict) else None
    encoded = invoke.get("body") if isinstance(invoke, dict) else None
    model = envelope.endpoint.params.get("model") if envelope.endpoint is not None else None
    body = _decoded(encoded)
    if body is None or not isinstance(model, str):
        return []
    ctx = build_context(envelope.catalogue, body, endpoint=f"/model/{model}/invoke", headers=envelope.headers,
                        surface=envelope.surface_name, as_of=moment, api_version=envelope.api_version, counted=True)
    return [replace(f, edits=(), fix_safety=None) for f in runner.run(ctx, base="/input/invokeModel/body")]


def _decoded(encoded: Any) -> Any:
    """The JSON object a CountTokens ``body`` holds (base64 text, the JSON text, or the object), else None."""
    import base64
    import binascii
    import json

    if isinstance(encoded, dict):
        return encoded  # a gateway's or a fixture's decoded form
    if not isinstance(encoded, str) or len(encoded) > 48_000_000:
        return None
    text = encoded.strip()
    if not text.startswith("{"):
        try:
            text = base64.b64decode(text, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _sort_key(finding: Finding) -> tuple[Any, ...]:
    tokens = tuple((0, int(t), "") if t.isascii() and t.isdigit() else (1, 0, t) for t in pointer.split(finding.path))
    return (tokens, finding.code)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    if len(findings) < 2:
        return findings
    return sorted(findings, key=_sort_key)
