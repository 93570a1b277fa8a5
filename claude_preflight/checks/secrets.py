"""Anthropic credentials inside a request body or its headers.

The body rule relies on the shared body scan (``_estimate.body_scan``), which tests
``"sk-ant-" in s`` on every string; only when that sees the prefix does a second walk
locate the keys, and paths are rebuilt only for the strings that hold one. Messages never contain a key: only its redacted form.
"""

from __future__ import annotations

import base64
import binascii
from itertools import chain
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from claude_preflight.checks._estimate import body_scan
from claude_preflight.checks.base import Hit, check
from claude_preflight.checks.headers import headers_known
from claude_preflight.engine.index import inspects
from claude_preflight.engine.scan import REQUEST_TEXTS
from claude_preflight.files import pointer
from claude_preflight.redact import KEY_PATTERN, PREFIX, describe, redacted

if TYPE_CHECKING:
    from claude_preflight.engine.context import Context

BATCH_BODY = "batch"


def _key_in(text: str) -> tuple[str, str] | None:
    """(kind, redacted form) of the first key in ``text``, or None."""
    if PREFIX not in text:
        return None
    found = KEY_PATTERN.search(text)
    if found is None:
        return None
    return describe(found.group("kind")), redacted(found.group("kind"), found.group("secret"))


def _path(nodes: list[tuple[int, Any]], node: int, token: Any = None) -> str:
    tokens: list[Any] = [] if token is None else [token]
    while node > 0:
        parent, step = nodes[node]
        tokens.append(step)
        node = parent
    return pointer.join("", *reversed(tokens))


def find_keys(body: Any, *, skip_batch_params: bool = False) -> Iterator[tuple[str, str, str]]:
    """``(path, kind, redacted)`` for every string (value or key) holding a credential.

    ``skip_batch_params`` leaves out ``/requests/N/params`` (checked as their own requests).
    """
    nodes: list[tuple[int, Any]] = [(-1, None)]  # node 0 is the body itself
    if isinstance(body, str):
        found = _key_in(body)
        if found:
            yield "", found[0], found[1]
        return
    stack: list[tuple[Any, int]] = [(body, 0)]
    while stack:
        value, node = stack.pop()
        if isinstance(value, dict):
            items: Any = value.items()
        elif isinstance(value, list):
            items = enumerate(value)
        else:
            continue
        for token, item in items:
            if isinstance(token, str) and PREFIX in token:
                found = _key_in(token)
                if found:
                    yield _path(nodes, node, token), found[0], found[1]
            if isinstance(item, str):
                if PREFIX in item:
                    found = _key_in(item)
                    if found:
                        yield _path(nodes, node, token), found[0], found[1]
            elif isinstance(item, (dict, list)):
                if skip_batch_params and token == "params" and _is_batch_entry(nodes, node):
                    continue
                nodes.append((node, token))
                stack.append((item, len(nodes) - 1))


def _is_batch_entry(nodes: list[tuple[int, Any]], node: int) -> bool:
    """``node`` is /requests/N."""
    if node <= 0:
        return False
    parent, index = nodes[node]
    if not isinstance(index, int) or parent <= 0:
        return False
    grand, name = nodes[parent]
    return name == "requests" and grand == 0


MAX_DECODED = {"document": 4 * 1024 * 1024, "image": 64 * 1024}
"""Base64 characters decoded per payload when looking for a key: a bounded prefix of larger
ones (documents carry text; an image's text - EXIF, PNG chunks - sits near its start)."""
_PREFIX_BYTES = PREFIX.encode()


def _key_in_base64(data: str, limit: int) -> tuple[str, str] | None:
    """(kind, redacted form) of a key in the decoded first ``limit`` characters of base64 ``data``."""
    chunk = data[:limit]
    if not chunk.isascii():
        return None
    chunk = chunk[: len(chunk) - len(chunk) % 4]
    try:
        raw = base64.b64decode(chunk)
    except (binascii.Error, ValueError):
        try:
            raw = base64.urlsafe_b64decode(chunk)
        except (binascii.Error, ValueError):
            return None
    if _PREFIX_BYTES not in raw:
        return None
    return _key_in(raw.decode("latin-1"))


def _base64_payloads(ctx: Context) -> Iterator[tuple[str, str, int]]:
    """``(path, data, characters to decode)`` of every base64 image or document source."""
    from claude_preflight.checks.media import _items

    for item in _items(ctx):
        if item.type not in ("image", "document"):
            continue
        source = item.source
        if isinstance(source, dict) and source.get("type") == "base64" and isinstance(source.get("data"), str):
            yield pointer.join(item.path, "source", "data"), source["data"], MAX_DECODED[item.type]


def _request_texts(ctx: Context) -> Iterator[tuple[str, str, str]]:
    """Keys in the request's texts outside the body: the endpoint (its query string, too)
    and the surface, as the engine recorded them."""
    for _, text in ctx.extra.get(REQUEST_TEXTS, ()):
        found = _key_in(text)
        if found is not None:
            yield "", found[0], found[1]


@check
def key_in_body(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    scanned = body_scan(ctx)
    media = scanned.images_at_most or scanned.documents_at_most
    if not scanned.secret_maybe and not media and REQUEST_TEXTS not in ctx.extra:
        return  # the shared body scan saw no key prefix and no media anywhere
    limit = params.get("max_findings", 50)
    found: Iterator[tuple[str, str, str]] = _request_texts(ctx)
    if scanned.secret_maybe:
        found = chain(found, find_keys(ctx.body, skip_batch_params=ctx.body_kind == BATCH_BODY))
    if media:
        found = chain(found, ((path, *key) for path, data, limit in _base64_payloads(ctx) if (key := _key_in_base64(data, limit))))
    for count, (path, kind, shown) in enumerate(found, 1):
        if count > limit:
            break
        yield Hit(path, {"kind": kind, "key": shown}, fix="remove the credential; send keys only in headers at run time")


@check
@inspects(headers=True)
def key_in_headers(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    if not headers_known(ctx):
        return
    assert ctx.headers is not None
    for name in sorted(ctx.headers):
        named = _key_in(name)  # a key pasted as a header's name
        if named is not None:
            yield Hit("", {"header": named[1], "kind": named[0], "key": named[1]}, fix="keep credentials out of committed fixtures (use an environment variable)")
            continue
        for value in ctx.headers[name]:
            found = _key_in(value)
            if found is not None:
                yield Hit("", {"header": name, "kind": found[0], "key": found[1]}, fix="keep credentials out of committed fixtures (use an environment variable)")
                break
