"""Guard a real ``anthropic`` client: check every request before the SDK sends it.

::

    import anthropic
    from claude_preflight import PreflightMiddleware

    client = anthropic.Anthropic(middleware=[PreflightMiddleware()])

The SDK (anthropic 2.x) runs client middleware once per HTTP attempt, inside its
retry loop. :class:`PreflightMiddleware` checks the first attempt only (a retry
sends the same request again) and, by default, raises
:class:`~claude_preflight.PreflightError` before anything leaves the process.

What is checked is the request as the SDK will send it: the middleware finds the
client that runs the chain and applies that client's own request preparation
(Bedrock and Vertex move the model into the URL and put ``anthropic_version`` in
the body; every client adds its default headers, including the
``anthropic-version`` the SDK sends by default). The client class gives the
surface (``Anthropic`` -> ``anthropic``, ``AnthropicBedrock`` ->
``bedrock-invoke``, ``AnthropicBedrockMantle`` -> ``bedrock``,
``AnthropicVertex`` -> ``vertex``, ``AnthropicFoundry`` -> ``foundry``,
``AnthropicAWS`` -> ``aws-platform``, ``AnthropicGoogleCloud`` ->
``google-cloud``); when the client cannot be found, the surface is inferred from
the URL and ``surface=`` can say it explicitly.

``anthropic`` is an optional dependency (``pip install
'claude-preflight[anthropic]'``). Importing this module does not import it; the
SDK's ``Middleware`` base class is mixed in when a :class:`PreflightMiddleware`
is created (the SDK accepts one object for both sync and async clients only if
it is an instance of that class).
"""

from __future__ import annotations

import inspect
import logging
import sys
import threading
import warnings
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from claude_preflight.report import SEVERITY_RANK
from claude_preflight.sdk_clients import CLIENT_SURFACES

if TYPE_CHECKING:
    from claude_preflight.catalogue import Catalogue
    from claude_preflight.config import Config
    from claude_preflight.report import Report

__all__ = ["MODES", "PreflightMiddleware", "PreflightWarning", "RequestView", "infer_surface", "surface_of_client"]

MODES = ("raise", "warn", "log", "fix")
"""What the guard does with a request that fails the check. A ``fix`` mode (rewrite
the request, then send it) will slot into :meth:`PreflightMiddleware.respond`."""

LOGGER_NAME = "claude_preflight"
logger = logging.getLogger(LOGGER_NAME)


# Surfaces whose client-side request preparation is a pure rewrite of the options
# (URL, body, header params). The others attach credentials there (Foundry calls an
# Azure AD token provider; Google Cloud may load application default credentials),
# which the guard must not trigger a second time.
_PURE_PREPARE = frozenset({"anthropic", "aws-platform", "bedrock", "bedrock-invoke", "vertex"})

# Surfaces whose API version travels in the body (the SDK fills it in when preparing).
_BODY_VERSION = frozenset({"bedrock-invoke", "vertex"})

# Credentials are never handed to the checks: the header stays (its presence can
# matter), the secret does not.
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "x-api-key", "api-key", "cookie", "x-amz-security-token"})

UNKNOWN_ENDPOINT_RULE = "endpoint-unknown"
_LOG_LEVEL = {"error": logging.ERROR, "warning": logging.WARNING, "info": logging.INFO}


class PreflightWarning(UserWarning):
    """Emitted by ``PreflightMiddleware(mode="warn")`` for a request that fails the check."""


@dataclass(frozen=True)
class RequestView:
    """The request as the guard checked it."""

    method: str
    url: str  # absolute when the client is known, else the SDK's path
    endpoint: str  # "METHOD /path" given to the checks
    headers: tuple[tuple[str, str], ...]
    body: Any
    surface: str | None
    client: str | None  # class name of the client, when found

    def describe(self) -> str:
        where = f" on {self.surface}" if self.surface else ""
        return f"{self.method} {self.url}{where}"


# ----------------------------------------------------------------------------- the SDK


_SDK_LOCK = threading.Lock()
_BOUND: dict[type, type] = {}


def _sdk_middleware_base() -> type:
    try:
        from anthropic import Middleware
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "PreflightMiddleware needs the anthropic SDK (2.13 or later): pip install 'claude-preflight[anthropic]'"
        ) from exc
    return Middleware


def _bound_class(cls: type) -> type:
    """``cls`` with the SDK's ``Middleware`` base mixed in (built once per class)."""
    base = _sdk_middleware_base()
    if issubclass(cls, base):
        return cls
    with _SDK_LOCK:
        bound = _BOUND.get(cls)
        if bound is None:
            namespace = {"__module__": cls.__module__, "__qualname__": cls.__qualname__, "__doc__": cls.__doc__}
            bound = type(cls.__name__, (cls, base), namespace)
            _BOUND[cls] = bound
    return bound


def surface_of_client(client: Any) -> str | None:
    """The catalogue surface of an anthropic client instance (or class), or ``None``."""
    cls = client if isinstance(client, type) else type(client)
    for klass in cls.__mro__:
        if klass.__module__.split(".", 1)[0] == "anthropic":
            found = CLIENT_SURFACES.get(klass.__name__)
            if found is not None:
                return found
    return None


def infer_surface(url: str, catalogue: Catalogue | None = None) -> str | None:
    """The surface a request URL (absolute, or a bare path) points at, or ``None``.

    The catalogue decides (its surfaces' hosts and routes; the default one unless given): the
    same answer the engine gives for an endpoint URL with no surface named.
    """
    from claude_preflight.catalogue import load_catalogue

    try:
        catalogue = catalogue if catalogue is not None else load_catalogue()
        found = catalogue.surface_of_url(url)
        if found is None and url.startswith("/") and not url.startswith("/v1/"):
            found = catalogue.surface_of_url("/v1" + url)  # an SDK path relative to a /v1 base URL
        return found
    except Exception:  # a catalogue that does not load is reported when the request is checked
        return None


_STALENESS_SAID: set[int] = set()


def _say_if_stale(catalogue: Any, moment: datetime, config: Any) -> None:
    """Once per process and catalogue: log (info) CF003 when the catalogue is old for the date."""
    if id(catalogue) in _STALENESS_SAID:
        return
    _STALENESS_SAID.add(id(catalogue))
    from claude_preflight.catalogue.staleness import stale_args
    from claude_preflight.rendering import render

    args = stale_args(catalogue, moment, getattr(config, "stale_after_days", None))
    rule = catalogue.rule_by_code.get("CF003")
    if args is not None and rule is not None:
        logger.info("claude-preflight: CF003 %s", render(rule.message, args))


def _find_client(call_next: Any, base: type | None) -> Any:
    """The SDK client running the middleware chain.

    The chain's innermost handler closes over the client; walk the closures of
    ``call_next`` first, then the calling frames (the client's ``_request`` is on
    the stack). Returns ``None`` when neither finds one.
    """

    def is_client(value: Any) -> bool:
        if base is not None:
            return isinstance(value, base)
        return hasattr(value, "_prepare_options") and hasattr(value, "base_url")  # pragma: no cover

    seen: set[int] = set()
    stack = [call_next]
    steps = 0
    while stack and steps < 64:
        steps += 1
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        owner = getattr(fn, "__self__", None)
        if owner is not None and is_client(owner):
            return owner
        fn = getattr(fn, "__func__", fn)
        for cell in getattr(fn, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if is_client(value):
                return value
            if inspect.isfunction(value) or inspect.ismethod(value):
                stack.append(value)
    frame: FrameType | None = sys._getframe(1)
    for _ in range(48):
        if frame is None:
            break
        candidate = frame.f_locals.get("self")
        if candidate is not None and is_client(candidate):
            return candidate
        frame = frame.f_back
    return None


def _client_base() -> type | None:
    try:
        from anthropic._base_client import BaseClient
    except ImportError:  # pragma: no cover - a future SDK layout
        return None
    return BaseClient


def _header_pairs(headers: Any) -> list[tuple[str, str]]:
    """Header name/value pairs as strings; ``Omit``/``NotGiven`` markers are dropped."""
    if headers is None:
        return []
    items = headers.multi_items() if hasattr(headers, "multi_items") else (headers.items() if hasattr(headers, "items") else ())
    pairs: list[tuple[str, str]] = []
    removed: set[str] = set()
    for name, value in items:
        key = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if isinstance(value, str):
            pairs.append((key, value))
        else:
            removed.add(key.lower())
    return [(k, v) for k, v in pairs if k.lower() not in removed]


def _redact(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    out = []
    for name, value in pairs:
        if name.lower() in _SECRET_HEADERS:
            scheme, _, rest = value.partition(" ")
            value = f"{scheme} <redacted>" if rest and name.lower().endswith("authorization") else "<redacted>"
        out.append((name, value))
    return tuple(out)


def _copy_options(options: Any) -> Any:
    try:
        from anthropic._compat import model_copy

        copied = model_copy(options)
    except Exception:  # pragma: no cover - a future SDK layout
        copied = options.model_copy() if hasattr(options, "model_copy") else options
    return copied


def _prepare_is_sdk_code(client: Any) -> bool:
    """The client's request preparation is the SDK's own (not a user override with unknown effects)."""
    fn = getattr(type(client), "_prepare_options", None)
    return str(getattr(fn, "__module__", "")).split(".", 1)[0] == "anthropic"


# ----------------------------------------------------------------------------- the guard


class PreflightMiddleware:
    """Client middleware that checks each request before the SDK sends it.

    ``mode``: ``"raise"`` (default) raises :class:`~claude_preflight.PreflightError`
    and sends nothing; ``"warn"`` sends the request and emits a
    :class:`PreflightWarning`; ``"log"`` sends it and logs to the ``claude_preflight``
    logger; ``"fix"`` applies the catalogue's safe fixes to the outgoing body (each
    change logged as a warning on the ``claude_preflight`` logger: an explicit, visible
    alternative to silently dropping parameters) and raises if findings remain. The guard
    acts on findings at or above ``fail_on`` (default: the
    configuration's ``fail-on``, else ``"error"``).

    ``as_of``: when requests are sent (default: the moment of each request).
    ``catalogue``: a compiled catalogue, or extra catalogue files.
    ``config``: a :class:`~claude_preflight.config.Config`, a mapping shaped like the
    ``[tool.claude-preflight]`` table, or ``True`` to load it from ``pyproject.toml``
    (found from the current directory); its select/ignore/severity settings, default
    surface and API version, and extra catalogue files apply.
    ``surface``: force the surface (default: from the client class, else the URL).
    ``api_version``: the version assumed when the request does not say.
    ``on_report``: called with ``(report, view)`` for every checked request.

    Invalid arguments raise ``TypeError``/``ValueError`` (or
    :class:`~claude_preflight.config.ConfigError`) here, never while requests run.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> PreflightMiddleware:
        return object.__new__(_bound_class(cls))

    def __init__(
        self,
        *,
        mode: str = "raise",
        as_of: Any = None,
        catalogue: Catalogue | Iterable[str | Path] | None = None,
        config: Config | Mapping[str, Any] | bool | None = None,
        fail_on: str | None = None,
        surface: str | None = None,
        api_version: str | None = None,
        on_report: Callable[[Report, RequestView], None] | None = None,
    ) -> None:
        from claude_preflight.dates import parse_moment

        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        self.mode = mode
        from claude_preflight.config import coerce_config

        self.config = coerce_config(config, source="PreflightMiddleware(config=...)")
        self.fail_on = fail_on if fail_on is not None else self.config.fail_on
        if self.fail_on not in SEVERITY_RANK:
            raise ValueError(f"fail_on must be one of error, warning, info, not {self.fail_on!r}")
        self.as_of: datetime | None = None if as_of is None else parse_moment(as_of)
        self.catalogue = resolve_catalogue(catalogue, self.config)
        self.config.check_selectors(self.catalogue)  # a typo must not switch checks off
        if surface is not None and surface not in self.catalogue.surfaces:
            raise ValueError(f"unknown surface {surface!r}; known: {', '.join(sorted(self.catalogue.surfaces))}")
        self.surface = surface
        for name, value in (("api_version", api_version), ("config api-version", self.config.api_version)):
            if value is not None and value not in self.catalogue.api_versions:
                raise ValueError(f"{name} {value!r} is not a known API version ({', '.join(sorted(self.catalogue.api_versions))})")
        self.api_version = api_version
        self.on_report = on_report
        self._client_cls = _client_base()
        try:
            from anthropic._constants import ANTHROPIC_API_VERSION

            self._sdk_version: str | None = ANTHROPIC_API_VERSION
        except ImportError:  # pragma: no cover - a future SDK layout
            self._sdk_version = None

    def __repr__(self) -> str:
        return f"PreflightMiddleware(mode={self.mode!r}, fail_on={self.fail_on!r})"

    # ------------------------------------------------------------------ SDK hooks

    def handle(self, request: Any, call_next: Callable[[Any], Any]) -> Any:
        """Sync clients: check the first attempt, then pass the request on."""
        if self._wants(request):
            client, options = self._locate(request, call_next)
            if inspect.isawaitable(options):  # pragma: no cover - an async client in a sync chain
                options.close()  # type: ignore[attr-defined]
                options = request.options
            request = self._guard(request, client, options)
        return call_next(request)

    async def handle_async(self, request: Any, call_next: Callable[[Any], Any]) -> Any:
        """Async clients: the same as :meth:`handle`."""
        if self._wants(request):
            client, options = self._locate(request, call_next)
            if inspect.isawaitable(options):
                try:
                    options = await options
                except Exception:
                    options = request.options
            request = self._guard(request, client, options)
        return await call_next(request)

    # ------------------------------------------------------------------ the check

    def _wants(self, request: Any) -> bool:
        # The SDK calls the chain once per attempt; a retry resends what was checked.
        return not getattr(request, "retries_taken", 0)

    def _locate(self, request: Any, call_next: Any) -> tuple[Any, Any]:
        """The client running the chain and the request options it will send (or awaitable)."""
        try:
            client = _find_client(call_next, self._client_cls)
            return client, self._prepare(client, request)
        except Exception:  # pragma: no cover - defensive: check what the SDK handed us
            return None, request.options

    def _prepare(self, client: Any, request: Any) -> Any:
        """The options after the client's own request preparation (or the SDK's view on failure)."""
        options = request.options
        if client is None or surface_of_client(client) not in _PURE_PREPARE or not _prepare_is_sdk_code(client):
            return options
        try:
            return client._prepare_options(_copy_options(options))
        except Exception:
            # The SDK raises the same problem itself when it sends the request.
            return options

    def view(self, request: Any, client: Any = None, options: Any = None) -> RequestView:
        """What will go on the wire for ``request`` (an SDK ``APIRequest``)."""
        options = options if options is not None else request.options
        method = str(getattr(options, "method", "post") or "post").upper()
        path = str(getattr(options, "url", "") or "")
        body = getattr(options, "json_data", None)
        class_surface = surface_of_client(client) if client is not None else None
        url = path
        headers: list[tuple[str, str]] | None = None
        if client is not None:
            try:
                url = str(client._prepare_url(path))
            except Exception:
                url = _join(getattr(client, "base_url", ""), path)
            try:
                headers = _header_pairs(client._build_headers(options))
            except Exception:
                headers = self._layered_headers(client, options)
        if headers is None:
            headers = _header_pairs(getattr(options, "headers", None))
        surface = self.surface or class_surface or infer_surface(url, self.catalogue) or infer_surface(path, self.catalogue)
        if client is None and self._sdk_version is not None:
            # The client is unknown: assume the SDK's default version where it sends one.
            if (surface or "anthropic") in _BODY_VERSION:
                if isinstance(body, dict) and "anthropic_version" not in body:
                    body = {**body, "anthropic_version": self._sdk_version}
            elif not any(name.lower() == "anthropic-version" for name, _ in headers):
                headers.append(("anthropic-version", self._sdk_version))
        endpoint = self._endpoint(method, url, path)
        client_name = type(client).__name__ if client is not None else None
        return RequestView(method, url, endpoint, _redact(headers), body, surface, client_name)

    def _layered_headers(self, client: Any, options: Any) -> list[tuple[str, str]]:
        try:
            from anthropic._base_client import build_headers

            defaults = dict(client.default_headers)
            merged, _ = build_headers(defaults, dict(getattr(client, "_custom_headers", {}) or {}), dict(_given(options.headers)))
            return _header_pairs(merged)
        except Exception:
            return _header_pairs(getattr(options, "headers", None))

    def _endpoint(self, method: str, url: str, path: str) -> str:
        """``METHOD /path`` for the first of the absolute path, the SDK path, ``/v1`` + SDK path
        that the catalogue knows (a proxy base URL adds a prefix the catalogue cannot know)."""
        from claude_preflight.catalogue.endpoints import split_endpoint

        absolute = split_endpoint(url)[1]
        relative = split_endpoint(path)[1]
        for candidate in (absolute, relative, "/v1" + relative):
            if self.catalogue.match_endpoint(f"{method} {candidate}").endpoint is not None:
                return f"{method} {candidate}"
        return f"{method} {relative or absolute}"

    def check_request(self, request: Any, client: Any = None) -> Report:
        """Check an SDK ``APIRequest`` (as the given client would send it) and return the report."""
        options = self._prepare(client, request)
        if inspect.isawaitable(options):
            options.close()  # type: ignore[attr-defined]
            options = request.options
        return self._check(request, client, options)[0]

    def _check(self, request: Any, client: Any, options: Any) -> tuple[Report, RequestView]:
        from claude_preflight.api import run_request
        from claude_preflight.dates import now_utc

        view = self.view(request, client, options)
        report = run_request(
            self.catalogue,
            view.body,
            endpoint=view.endpoint,
            headers=list(view.headers),
            surface=view.surface or self.config.surface,
            as_of=self.as_of or now_utc(),
            api_version=self.api_version,
            default_api_version=self.config.api_version,
            headers_complete=view.client is not None,  # the client's own headers: what goes on the wire
        )
        findings = [_sdk_route(f) for f in report.findings]
        report = replace(report, findings=tuple(self.config.apply(findings)))
        _say_if_stale(self.catalogue, self.as_of or now_utc(), self.config)
        return report, view

    def _guard(self, request: Any, client: Any, options: Any) -> Any:
        try:
            report, view = self._check(request, client, options)
        except Exception:
            # A fault of the checker must never stop a request the API may well accept.
            logger.warning("claude-preflight could not check %r; sending it unchecked", request, exc_info=True)
            return request
        if self.on_report is not None:
            self.on_report(report, view)
        return self.respond(request, report, view)

    # ------------------------------------------------------------------ acting on it

    def failing(self, report: Report) -> tuple[Any, ...]:
        """The findings of ``report`` at or above ``fail_on``."""
        return report.at_least(self.fail_on)

    def respond(self, request: Any, report: Report, view: RequestView) -> Any:
        """Act on a checked request and return the request to send.

        This is the seam for modes that change the request: a ``fix`` mode would
        return ``request.copy(body=...)`` here. ``raise`` raises, ``warn`` and
        ``log`` report and return ``request`` unchanged.
        """
        if not self.failing(report):
            return request
        if self.mode == "fix":
            request, report = self._fix(request, report, view)
            if not self.failing(report):
                return request
        text = f"claude-preflight: {view.describe()}: {report.summary_text()}"
        if self.mode in ("raise", "fix"):
            from claude_preflight.errors import PreflightError

            error = PreflightError(report)
            error.args = (text,)
            error.request = view  # type: ignore[attr-defined]
            raise error
        if self.mode == "warn":
            warnings.warn(text, PreflightWarning, stacklevel=_user_stacklevel())
        else:
            worst = max((f.severity for f in self.failing(report)), key=lambda s: SEVERITY_RANK.get(s, 2))
            logger.log(_LOG_LEVEL.get(worst, logging.ERROR), "%s", text, extra={"preflight_report": report, "preflight_request": view})
        return request


    def _fix(self, request: Any, report: Report, view: RequestView) -> tuple[Any, Report]:
        """Apply the safe fixes to the outgoing body; log each change.

        Returns the request to send and the report of what remains. The fixes are computed
        on the body as it will be sent and replayed on the SDK's body (on Bedrock and Vertex
        the SDK moves ``model`` into the URL and adds ``anthropic_version`` when preparing);
        if a change cannot be replayed, nothing is changed and the original report stands.
        """
        from claude_preflight.dates import now_utc
        from claude_preflight.fixing import fix
        from claude_preflight.fixing.patch import PatchError, apply_edits

        result = fix(
            view.body,
            endpoint=view.endpoint,
            headers=list(view.headers),
            surface=view.surface or self.config.surface,
            as_of=self.as_of or now_utc(),
            api_version=self.api_version,
            catalogue=self.catalogue,
            config=self.config,
        )
        if not result.applied:
            return request, report
        original = request.options.json_data
        if original == view.body:
            body = result.body
        else:
            try:
                body = original
                for applied in result.applied:
                    body, _ = apply_edits(body, applied.edits)
            except (PatchError, KeyError, IndexError, TypeError, ValueError):
                logger.warning("claude-preflight could not apply its fixes to %s; sending nothing", view.describe())
                return request, report
        for applied in result.applied:
            logger.warning("claude-preflight fixed %s: %s", view.describe(), applied.describe())
        remaining = replace(result.remaining, findings=tuple(_sdk_route(f) for f in result.remaining.findings))
        return request.copy(body=body), remaining

# ----------------------------------------------------------------------------- helpers


def _sdk_route(finding: Any) -> Any:
    """The SDK built the path itself: a route the catalogue does not know means the
    catalogue lags behind the SDK, not that the request will fail."""
    if finding.name == UNKNOWN_ENDPOINT_RULE and finding.severity != "info":
        return replace(finding, severity="info")
    return finding


def _given(headers: Any) -> Mapping[str, Any]:
    return headers if isinstance(headers, Mapping) else {}


def _join(base: Any, path: str) -> str:
    text = str(base or "")
    if "://" in path or not text:
        return path
    return text.rstrip("/") + "/" + path.lstrip("/")


def _user_stacklevel() -> int:
    """A stacklevel that points the warning at the first frame outside the SDK, httpx and us."""
    frame: FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None:
        module = str(frame.f_globals.get("__name__", ""))
        top = module.split(".", 1)[0]
        if top not in ("claude_preflight", "anthropic", "httpx", "httpx2", "asyncio", "anyio", "contextlib", "functools"):
            return level
        frame = frame.f_back
        level += 1
    return 2


def resolve_catalogue(value: Any, config: Config) -> Catalogue:
    from claude_preflight.catalogue import Catalogue, load_catalogue

    if isinstance(value, Catalogue):
        if config.catalogue:
            raise ValueError("pass extra catalogue files either in config or with a compiled catalogue, not both")
        return value
    extra: list[str | Path] = list(config.catalogue)
    if value is not None:
        if isinstance(value, (str, Path)):
            extra.append(value)
        else:
            try:
                extra.extend(value)
            except TypeError:
                raise TypeError("catalogue must be a Catalogue or an iterable of catalogue file paths") from None
    return load_catalogue(extra)
