"""List the Models API (``GET /v1/models``, every page) with the standard library only.

Credentials and the base URL come from the environment as the official SDKs read them:
``ANTHROPIC_API_KEY`` (sent as ``x-api-key``), else ``ANTHROPIC_AUTH_TOKEN`` (sent as
``Authorization: Bearer``); an empty value counts as unset. ``ANTHROPIC_BASE_URL`` defaults
to ``https://api.anthropic.com``; a path in it is kept (``{base}/v1/models``).

Every problem (no key, HTTP errors, network failure, redirects, oversized or malformed
responses, wrong field types, a pagination loop) is a :class:`SyncError` whose message
never contains the credential.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Mapping

from claude_preflight.sync.limits import DEFAULT_TIMEOUT, MAX_MODELS, MAX_PAGES, MAX_RESPONSE_BYTES, PAGE_SIZE

DEFAULT_BASE_URL = "https://api.anthropic.com"
MODELS_PATH = "/v1/models"
API_VERSION = "2023-06-01"  # accepted by every API deployment; the listing does not depend on it
LIFECYCLES = ("active", "deprecated", "retired")
MODEL_ID = re.compile(r"^[a-z0-9][a-z0-9._:@-]{0,199}$")
_MOMENT = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?\s*(Z|z|[+-]\d{2}:?\d{2})?$"
)


class SyncError(Exception):
    """A clear, credential-free reason why the listing could not be read."""


@dataclass(frozen=True)
class Credentials:
    base_url: str
    header: str  # "x-api-key" or "authorization"
    secret: str

    def headers(self, api_version: str) -> dict[str, str]:
        value = self.secret if self.header == "x-api-key" else f"Bearer {self.secret}"
        from claude_preflight import __version__

        return {
            self.header: value,
            "anthropic-version": api_version,
            "accept": "application/json",
            "user-agent": f"claude-preflight/{__version__} (models sync)",
        }


@dataclass(frozen=True)
class LiveModel:
    """One entry of the Models API listing, type-checked."""

    id: str
    display_name: str
    created_at: datetime | None  # None: unknown (missing, or the epoch placeholder)
    lifecycle: str | None  # active, deprecated, retired, or a value newer than this code
    deprecated_at: datetime | None = None
    retires_at: datetime | None = None
    line: str | None = None
    max_input_tokens: int | None = None
    max_tokens: int | None = None
    capabilities: Mapping[str, Any] | None = None


@dataclass
class Listing:
    """What the endpoint returned, plus what was skipped and why."""

    endpoint: str  # the URL listed, without query, credentials or fragment
    models: list[LiveModel] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    includes_retired: bool = True


def scrub(text: str, secret: str | None) -> str:
    """``text`` with the credential removed, literally and by shape."""
    from claude_preflight.redact import redact

    if secret and len(secret) >= 4:
        text = text.replace(secret, "[credential]")
    return redact(text)


def credentials_from_env(environ: Mapping[str, str] | None = None) -> Credentials:
    env = os.environ if environ is None else environ
    base = (env.get("ANTHROPIC_BASE_URL") or "").strip() or DEFAULT_BASE_URL
    key = env.get("ANTHROPIC_API_KEY") or None
    token = env.get("ANTHROPIC_AUTH_TOKEN") or None
    if key is None and token is None:
        raise SyncError("no credential: set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN) to list the models your key can see")
    secret = key if key is not None else str(token)
    if any(c in secret for c in "\r\n\0"):
        raise SyncError("the credential in the environment contains a line break or NUL character")
    parts = urllib.parse.urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SyncError(f"ANTHROPIC_BASE_URL must be an http(s) URL, not {scrub(base, secret)!r}")
    return Credentials(base.rstrip("/"), "x-api-key" if key is not None else "authorization", secret)


def public_url(url: str) -> str:
    """``url`` without user info, query or fragment (what may be printed or written)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port else host
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are refused: urllib would forward the credential header to the new host."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        raise SyncError(f"the server answered HTTP {code} redirecting to {public_url(newurl)}; set ANTHROPIC_BASE_URL to the final URL")


Opener = Callable[[urllib.request.Request, float], Any]


def _default_opener() -> Opener:
    opener = urllib.request.build_opener(_NoRedirect())

    def open_url(request: urllib.request.Request, timeout: float) -> Any:
        return opener.open(request, timeout=timeout)

    return open_url


def list_models(
    creds: Credentials,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    page_size: int = PAGE_SIZE,
    opener: Opener | None = None,
) -> Listing:
    """Every model the key can see, active, deprecated and retired, in the API's order."""
    open_url = opener or _default_opener()
    endpoint = creds.base_url + MODELS_PATH
    listing = Listing(public_url(endpoint))
    seen_cursors: set[str] = set()
    seen_ids: set[str] = set()
    after: str | None = None
    for page in range(1, MAX_PAGES + 1):
        query: list[tuple[str, str]] = [("limit", str(page_size))]
        if listing.includes_retired:
            query += [("lifecycle[]", value) for value in LIFECYCLES]
        if after is not None:
            query.append(("after_id", after))
        url = endpoint + "?" + urllib.parse.urlencode(query)
        try:
            data = _get_json(open_url, url, creds, timeout)
        except _BadRequest:
            if page == 1 and listing.includes_retired:
                # An older deployment or a gateway that does not know the lifecycle filter:
                # list what it lists by default (active and deprecated models).
                listing.includes_retired = False
                data = _get_json(open_url, endpoint + "?" + urllib.parse.urlencode(query[:1]), creds, timeout)
            else:
                raise SyncError(f"{listing.endpoint}: the server answered HTTP 400 on page {page}") from None
        items, more, last = _page(data, page, creds.secret)
        for index, item in enumerate(items):
            model = parse_model(item, f"page {page}, data[{index}]", creds.secret, listing.skipped)
            if model is not None and model.id not in seen_ids:
                seen_ids.add(model.id)
                listing.models.append(model)
        if len(listing.models) > MAX_MODELS:
            raise SyncError(f"{listing.endpoint}: more than {MAX_MODELS} models listed; refusing to continue")
        if not more:
            return listing
        if not last or not items:
            raise SyncError(f"{listing.endpoint}: page {page} says has_more but gives no last_id to continue from")
        if last in seen_cursors:
            raise SyncError(f"{listing.endpoint}: pagination loops (last_id {scrub(last, creds.secret)[:80]!r} came back)")
        seen_cursors.add(last)
        after = last
    raise SyncError(f"{listing.endpoint}: more than {MAX_PAGES} pages; refusing to continue")


class _BadRequest(Exception):
    pass


def _get_json(open_url: Opener, url: str, creds: Credentials, timeout: float) -> Any:
    shown = public_url(url)
    request = urllib.request.Request(url, headers=creds.headers(API_VERSION), method="GET")
    try:
        with open_url(request, timeout) as response:
            raw = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        detail = _error_detail(exc, creds.secret)
        if exc.code == 400:
            raise _BadRequest() from None
        raise SyncError(_http_message(exc.code, shown, detail)) from None
    except SyncError:
        raise
    except urllib.error.URLError as exc:
        raise SyncError(f"cannot reach {shown}: {scrub(str(exc.reason), creds.secret)}") from None
    except TimeoutError:
        raise SyncError(f"{shown}: no answer within {timeout:g} s") from None
    except (OSError, ValueError) as exc:  # connection reset, bad status line, invalid URL...
        raise SyncError(f"{shown}: {scrub(type(exc).__name__ + ': ' + str(exc), creds.secret)[:300]}") from None
    if len(raw) > MAX_RESPONSE_BYTES:
        raise SyncError(f"{shown}: response larger than {MAX_RESPONSE_BYTES // (1024 * 1024)} MB; refusing to read it")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = "not UTF-8" if isinstance(exc, UnicodeDecodeError) else "malformed JSON"
        raise SyncError(f"{shown}: the response is {reason} ({scrub(str(exc), creds.secret)[:200]})") from None


def _error_detail(exc: urllib.error.HTTPError, secret: str) -> str:
    try:
        body = json.loads(exc.read(65536).decode("utf-8", "replace"))
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            kind, message = error.get("type"), error.get("message")
            text = ": ".join(str(x) for x in (kind, message) if isinstance(x, str))
            return scrub(text, secret)[:300]
    except Exception:  # the error body is a courtesy
        pass
    return ""


def _http_message(code: int, url: str, detail: str) -> str:
    said = f" ({detail})" if detail else ""
    if code in (401, 403):
        return f"{url}: the API refused the credential (HTTP {code}{said}); check ANTHROPIC_API_KEY"
    if code == 404:
        return f"{url}: no Models API here (HTTP 404{said}); check ANTHROPIC_BASE_URL"
    if code == 429:
        return f"{url}: rate limited (HTTP 429{said}); try again later"
    if code >= 500:
        return f"{url}: the server failed (HTTP {code}{said}); try again later"
    return f"{url}: HTTP {code}{said}"


def _page(data: Any, page: int, secret: str) -> tuple[list[Any], bool, str | None]:
    where = f"page {page}"
    if not isinstance(data, dict):
        raise SyncError(f"{where}: expected a JSON object with 'data', got {type(data).__name__}")
    items = data.get("data")
    if not isinstance(items, list):
        raise SyncError(f"{where}: 'data' must be a list, got {type(items).__name__}")
    more = data.get("has_more", False)
    if more is None:
        more = False
    if not isinstance(more, bool):
        raise SyncError(f"{where}: 'has_more' must be true or false, got {type(more).__name__}")
    last = data.get("last_id")
    if last is not None and not isinstance(last, str):
        raise SyncError(f"{where}: 'last_id' must be a string, got {type(last).__name__}")
    return items, more, last


def parse_model(item: Any, where: str, secret: str | None, skipped: list[str]) -> LiveModel | None:
    """A :class:`LiveModel`, or None (noted in ``skipped``) for an ID no catalogue can hold.

    Wrong types of documented fields raise :class:`SyncError`; unknown fields are ignored.
    """
    if not isinstance(item, dict):
        raise SyncError(f"{where}: a model must be an object, got {type(item).__name__}")

    def text(name: str, required: bool) -> str | None:
        value = item.get(name)
        if value is None and not required:
            return None
        if not isinstance(value, str):
            raise SyncError(f"{where}: '{name}' must be a string, got {type(value).__name__}")
        return value

    def count(name: str) -> int | None:
        value = item.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1 or value > 10**12:
            raise SyncError(f"{where}: '{name}' must be a positive integer, got {scrub(repr(value), secret)[:60]}")
        return value

    def moment(name: str) -> datetime | None:
        value = text(name, False)
        if value is None:
            return None
        parsed = parse_rfc3339(value)
        if parsed is None:
            raise SyncError(f"{where}: '{name}' is not an RFC 3339 date-time: {scrub(value, secret)[:60]!r}")
        return parsed

    model_id = str(text("id", True))
    if not MODEL_ID.match(model_id):
        skipped.append(f"{where}: model ID {scrub(model_id, secret)[:80]!r} is not a valid catalogue model ID; skipped")
        return None
    created = moment("created_at")
    capabilities = item.get("capabilities")
    if capabilities is not None and not isinstance(capabilities, dict):
        raise SyncError(f"{where}: 'capabilities' must be an object, got {type(capabilities).__name__}")
    return LiveModel(
        id=model_id,
        display_name=str(text("display_name", False) or model_id),
        created_at=created if created is not None and created.year > 1970 else None,
        lifecycle=text("lifecycle", False),
        deprecated_at=moment("deprecated_at"),
        retires_at=moment("retires_at"),
        line=text("line", False),
        max_input_tokens=count("max_input_tokens"),
        max_tokens=count("max_tokens"),
        capabilities=capabilities,
    )


def parse_rfc3339(value: str) -> datetime | None:
    """An aware UTC datetime (fractional seconds dropped), or None. Python 3.10 safe."""
    found = _MOMENT.match(value.strip())
    if not found:
        return None
    year, month, day, hour, minute, second, zone = found.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        return None
    offset = timedelta(0)
    if zone and zone not in ("Z", "z"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    try:
        return (moment - offset).replace(tzinfo=timezone.utc)
    except OverflowError:
        return None
