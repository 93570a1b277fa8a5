"""Endpoint path templates and matching of request paths or URLs against them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import unquote, urlsplit

_PARAM = re.compile(r"\{([a-z_]+)(\.\.\.)?\}")
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Endpoint:
    key: str
    path: str
    methods: tuple[str, ...]
    body: str
    surfaces: frozenset[str] | None
    betas_any: tuple[str, ...]
    family: str | None
    pattern: re.Pattern[str]
    specificity: int

    @classmethod
    def build(cls, key: str, data: Mapping[str, Any]) -> Endpoint:
        template = data["path"]
        regex, last = [], 0
        for match in _PARAM.finditer(template):
            regex.append(re.escape(template[last : match.start()]))
            group = "(?P<%s>.+)" if match.group(2) else "(?P<%s>[^/]+?)"
            regex.append(group % match.group(1))
            last = match.end()
        regex.append(re.escape(template[last:]))
        literal = len(_PARAM.sub("", template))
        surfaces = data.get("surfaces")
        return cls(
            key=key,
            path=template,
            methods=tuple(data["methods"]),
            body=data["body"],
            surfaces=frozenset(surfaces) if surfaces else None,
            betas_any=tuple(data.get("betas_any") or ()),
            family=data.get("family"),
            pattern=re.compile("^" + "".join(regex) + "/?$"),
            specificity=literal,
        )


@dataclass(frozen=True)
class EndpointMatch:
    endpoint: Endpoint | None
    method: str | None
    path: str
    params: Mapping[str, str]
    prefix: str = ""  # a surface's route prefix stripped to find the endpoint ("/anthropic")


def split_endpoint(value: str) -> tuple[str | None, str]:
    """``"POST https://host/v1/messages?beta=true"`` -> ``("POST", "/v1/messages")``."""
    text = value.strip()
    method = None
    head, _, rest = text.partition(" ")
    if rest and head.upper() in _METHODS:
        method, text = head.upper(), rest.strip()
    if "://" in text:
        text = urlsplit(text).path
    text = text.split("?", 1)[0].split("#", 1)[0]
    if text and not text.startswith("/"):
        text = "/" + text
    if len(text) > 1:
        text = text.rstrip("/")
    return method, unquote(text)


def host_of(value: str) -> str | None:
    """The lower-cased host of a URL (``None`` for a bare path or a malformed URL)."""
    text = value.strip()
    head, _, rest = text.partition(" ")
    if rest and head.upper() in _METHODS:
        text = rest.strip()
    if "://" not in text:
        return None
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    return host.lower() if host else None


def match(endpoints: tuple[Endpoint, ...], value: str, prefixes: tuple[str, ...] = ()) -> EndpointMatch:
    """The most specific endpoint for ``value``; a path no route matches is tried again
    without each of ``prefixes`` (the ``/anthropic`` that Bedrock and Foundry put ahead of
    the first-party routes)."""
    method, path = split_endpoint(value)
    found = _match_path(endpoints, method, path)
    if found.endpoint is None:
        for prefix in prefixes:
            if path.startswith(prefix + "/"):
                inner = _match_path(endpoints, method, path[len(prefix) :])
                if inner.endpoint is not None:
                    return EndpointMatch(inner.endpoint, method, path, inner.params, prefix)
    return found


def _match_path(endpoints: tuple[Endpoint, ...], method: str | None, path: str) -> EndpointMatch:
    candidates = []
    for endpoint in endpoints:
        found = endpoint.pattern.match(path)
        if found:
            candidates.append((endpoint, found))
    if method is not None:
        with_method = [c for c in candidates if method in c[0].methods]
        candidates = with_method or candidates
    else:
        # A bare path means the request that carries a body: prefer POST routes.
        posts = [c for c in candidates if "POST" in c[0].methods]
        candidates = posts or candidates
    if not candidates:
        return EndpointMatch(None, method, path, {})
    endpoint, found = max(candidates, key=lambda c: c[0].specificity)
    return EndpointMatch(endpoint, method, path, found.groupdict())
