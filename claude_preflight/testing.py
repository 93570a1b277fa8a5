"""Assertions for your own tests: check the request your code builds, in one line.

::

    from claude_preflight.testing import assert_preflight

    def test_summary_request():
        assert_preflight(build_summary_request(), as_of="2026-11-24")

``assert_preflight`` accepts a request body (a dict), a captured HTTP request
(``httpx``/``httpx2`` ``Request``, e.g. from a mock transport), an anthropic
``APIRequest`` (e.g. from a middleware), or the captured call of an SDK method
(``mock.call_args`` of a patched ``client.messages.create``). It raises
``AssertionError`` listing the findings when any is at or above ``fail_on``, and
returns the report otherwise. It needs no pytest.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable, Mapping

if TYPE_CHECKING:
    from claude_preflight.config import Config
    from claude_preflight.report import Finding, Report

__all__ = ["assert_preflight", "format_failure", "from_sdk_call", "request_arguments"]

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}

# Arguments of SDK methods that are not part of the JSON body.
_SDK_ONLY = frozenset({"extra_headers", "extra_query", "extra_body", "timeout", "betas"})


def assert_preflight(
    request: Any,
    *,
    fail_on: str = "error",
    config: Config | Mapping[str, Any] | bool | None = None,
    **validate_kwargs: Any,
) -> Report:
    """Check ``request`` and fail with the findings if any is at or above ``fail_on``.

    ``validate_kwargs`` are those of :func:`claude_preflight.validate` (``endpoint``,
    ``headers``, ``surface``, ``as_of``, ``api_version``, ``catalogue``); they win over
    what the request itself carries. ``config`` (a ``Config``, a mapping shaped like
    ``[tool.claude-preflight]``, or ``True`` to read ``pyproject.toml``) filters and
    re-grades the findings as the CLI would.
    """
    __tracebackhide__ = True
    if fail_on not in SEVERITY_RANK:
        raise ValueError(f"fail_on must be one of error, warning, info, not {fail_on!r}")
    report = check_with(request, config=config, **validate_kwargs)
    failing = report.at_least(fail_on)
    if failing:
        raise AssertionError(format_failure(report, failing, fail_on))
    return report


def check_with(request: Any, *, config: Any = None, defaults: Mapping[str, Any] | None = None, **validate_kwargs: Any) -> Report:
    """:func:`claude_preflight.validate` on any accepted request form, with ``config`` applied.

    Precedence: ``validate_kwargs``, then what the request carries (endpoint, headers),
    then ``defaults``, then the configuration's default surface and API version.
    """
    from dataclasses import replace

    from claude_preflight.api import validate

    arguments = request_arguments(request)
    arguments.update({k: v for k, v in validate_kwargs.items() if v is not None})
    for key, value in (defaults or {}).items():
        if value is not None and arguments.get(key) is None:
            arguments[key] = value
    from claude_preflight.config import coerce_config

    settings = coerce_config(config)
    if settings.surface and "surface" not in arguments:
        arguments["surface"] = settings.surface
    if settings.api_version and "api_version" not in arguments:
        arguments["api_version"] = settings.api_version
    if settings.catalogue and "catalogue" not in arguments:
        arguments["catalogue"] = list(settings.catalogue)
    body = arguments.pop("body", None)
    if next(settings.selectors(), None) is not None:
        from claude_preflight.api import resolve_catalogue

        catalogue = resolve_catalogue(arguments.get("catalogue"))
        settings.check_selectors(catalogue)  # a typo must not switch checks off
        arguments["catalogue"] = catalogue
    report = validate(body, **arguments)
    return replace(report, findings=tuple(settings.apply(report.findings)))


def request_arguments(request: Any) -> dict[str, Any]:
    """``validate()`` keyword arguments (with ``body``) for any accepted request form."""
    if isinstance(request, tuple) and hasattr(request, "kwargs") and hasattr(request, "args"):
        return from_sdk_call(request)
    options = getattr(request, "options", None)
    if options is not None and hasattr(options, "json_data"):
        return _from_api_request(request)
    if hasattr(request, "method") and hasattr(request, "url") and hasattr(request, "headers") and not isinstance(request, Mapping):
        return _from_http_request(request)
    return {"body": request}


def from_sdk_call(call: Any) -> dict[str, Any]:
    """``validate()`` arguments for the keyword arguments of an SDK call such as
    ``client.messages.create(**kwargs)`` (or ``mock.call_args`` of one).

    ``extra_body`` is merged into the body, ``extra_headers`` and ``betas`` become
    headers, and the ``anthropic-version`` the installed SDK sends by default is
    assumed unless ``extra_headers`` sets one.
    """
    kwargs = dict(getattr(call, "kwargs", call))
    body = {k: v for k, v in kwargs.items() if k not in _SDK_ONLY and not _unset(v)}
    extra_body = kwargs.get("extra_body")
    if isinstance(extra_body, Mapping):
        body.update(extra_body)
    headers: dict[str, str] = {}
    version = _sdk_default_version()
    if version:
        headers["anthropic-version"] = version
    betas = kwargs.get("betas")
    if isinstance(betas, (list, tuple)) and betas:
        headers["anthropic-beta"] = ",".join(str(b) for b in betas)
    extra_headers = kwargs.get("extra_headers")
    if isinstance(extra_headers, Mapping):
        for name, value in extra_headers.items():
            headers = {k: v for k, v in headers.items() if k.lower() != str(name).lower()}
            if isinstance(value, str):
                headers[str(name)] = value
    return {"body": body, "headers": headers}


def _unset(value: Any) -> bool:
    return type(value).__name__ in ("NotGiven", "Omit") and type(value).__module__.startswith("anthropic")


def _sdk_default_version() -> str | None:
    try:
        from anthropic._constants import ANTHROPIC_API_VERSION
    except ImportError:
        return None
    return str(ANTHROPIC_API_VERSION)


def _from_api_request(request: Any) -> dict[str, Any]:
    options = request.options
    headers = getattr(options, "headers", None)
    pairs = {str(k): v for k, v in headers.items() if isinstance(v, str)} if isinstance(headers, Mapping) else {}
    version = _sdk_default_version()
    if version and not any(k.lower() == "anthropic-version" for k in pairs):
        pairs["anthropic-version"] = version
    method = str(getattr(options, "method", "post")).upper()
    return {"body": getattr(options, "json_data", None), "endpoint": f"{method} {options.url}", "headers": pairs}


def _from_http_request(request: Any) -> dict[str, Any]:
    raw = getattr(request, "content", None)
    if raw is None and callable(getattr(request, "read", None)):
        raw = request.read()
    body: Any = None
    if raw:
        try:
            body = json.loads(raw)
        except (ValueError, TypeError, UnicodeDecodeError):
            body = None
    headers = request.headers
    items: Iterable[Any] = headers.multi_items() if hasattr(headers, "multi_items") else headers.items()
    pairs = [(k.decode("latin-1") if isinstance(k, bytes) else str(k), v.decode("latin-1") if isinstance(v, bytes) else str(v)) for k, v in items]
    return {"body": body, "endpoint": f"{str(request.method).upper()} {request.url}", "headers": pairs}


# ----------------------------------------------------------------------------- rendering


def render_finding(finding: Finding, where: str | None = None) -> str:
    """``where: CODE severity name: message [pointer]`` and an indented fix line."""
    place = f"{where}: " if where else ""
    pointer = f" [{finding.path}]" if finding.path else ""
    text = f"{place}{finding.code} {finding.severity} {finding.name}: {finding.message}{pointer}"
    if finding.fix:
        text += f"\n    fix: {finding.fix}"
    return text


def format_failure(report: Report, failing: Iterable[Finding], fail_on: str) -> str:
    count = len(tuple(failing))
    context = ", ".join(
        part
        for part in (
            f"model {report.model}" if report.model else "",
            f"surface {report.surface}" if report.surface else "",
            f"API version {report.api_version}" if report.api_version else "",
            f"as of {report.as_of[:10]}" if report.as_of else "",
        )
        if part
    )
    lines = [f"claude-preflight: {count} finding(s) at or above {fail_on!r} ({context}):"]
    lines.extend("  " + render_finding(f).replace("\n", "\n  ") for f in report.findings)
    return "\n".join(lines)
