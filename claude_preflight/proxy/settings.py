"""What one proxy process is told: where to listen, where to forward, how to act."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

MODES = ("block", "warn", "log", "fix")
"""``block``: answer failing requests locally with a 400; ``warn``/``log``: forward and report;
``fix``: apply the safe fixes, forward, report what remains."""

LOG_FORMATS = ("pretty", "json")
DEFAULT_UPSTREAM = "https://api.anthropic.com"
DEFAULT_PORT = 8787
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


@dataclass(frozen=True)
class ProxySettings:
    """Settings of one proxy; :meth:`checked` validates them (``ValueError`` naming the option)."""

    upstream: str = DEFAULT_UPSTREAM
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    mode: str = "block"
    fail_on: str | None = None  # default: the configuration's fail-on, else error
    as_of: datetime | None = None  # default: the moment of each request
    surface: str | None = None  # default: inferred from the upstream URL and path
    api_version: str | None = None
    log_format: str = "pretty"
    connect_timeout: float = 10.0
    read_timeout: float = 600.0  # longest silence from the upstream (the SDKs wait 10 minutes)
    allow_hosts: tuple[str, ...] = ()  # extra Host header names accepted (e.g. a CI service name)
    max_connections: int = 0  # upstream connections (0: no limit)
    catalogue: tuple[str, ...] = ()

    def checked(self) -> ProxySettings:
        if self.mode not in MODES:
            raise ValueError(f"--mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.log_format not in LOG_FORMATS:
            raise ValueError(f"--log-format must be one of {', '.join(LOG_FORMATS)}, not {self.log_format!r}")
        if self.fail_on is not None and self.fail_on not in ("error", "warning", "info"):
            raise ValueError(f"--fail-on must be one of error, warning, info, not {self.fail_on!r}")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"--port must be between 0 and 65535, not {self.port}")
        for name, value in (("--connect-timeout", self.connect_timeout), ("--timeout", self.read_timeout)):
            if not value > 0:
                raise ValueError(f"{name} must be a positive number of seconds, not {value}")
        upstream_origin(self.upstream)
        return self

    @property
    def upstream_base(self) -> str:
        """The upstream URL without a trailing slash (its path, if any, prefixes every request)."""
        return self.upstream.rstrip("/")

    @property
    def listen_url(self) -> str:
        return base_url(self.host, self.port)


def upstream_origin(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of an upstream URL; ``ValueError`` when it is not ``http(s)://host[:port][/path]``."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"--upstream {url!r} is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"--upstream {url!r} must be an http:// or https:// URL with a host")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"--upstream {url!r} must not carry a query, a fragment or credentials")
    return parts.scheme, parts.hostname.lower(), port or (443 if parts.scheme == "https" else 80)


def base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    if host in ("0.0.0.0", "::", ""):
        shown = "127.0.0.1"
    return f"http://{shown}:{port}"
