"""Redaction of Anthropic credentials in free text.

``redact(text)`` replaces every Anthropic key or token (``sk-ant-<kind><NN>-<secret>``:
API keys ``api03``, admin keys ``admin01``, compliance keys ``api01``, OAuth access and
refresh tokens ``oat01``/``ort01``, and any other kind of the same shape) with a form
that keeps the kind and at most the last four characters, e.g. ``sk-ant-api03-…wxyz``.
Output paths (reports, JSON, CLI text, logs) should pass messages through it.
"""

from __future__ import annotations

import re

PREFIX = "sk-ant-"
"""Every Anthropic credential starts with this; test ``PREFIX in text`` before any regex."""

KEY_CHARS = r"A-Za-z0-9_\-"

KEY_PATTERN = re.compile(rf"sk-ant-(?P<kind>[a-z]{{2,12}}[0-9]{{2}})-(?P<secret>[{KEY_CHARS}]{{20,}})")
"""A credential worth reporting: a known-looking kind and a secret of at least 20 characters."""

ANY_KEY_PATTERN = re.compile(rf"sk-ant-(?P<kind>[a-z]{{2,12}}[0-9]{{2}})-(?P<secret>[{KEY_CHARS}]+)")
"""Anything of the credential's shape, however short: what redaction removes."""

KINDS = {
    "api03": "API key",
    "api01": "compliance API key",
    "admin01": "Admin API key",
    "oat01": "OAuth access token",
    "ort01": "OAuth refresh token",
}

TAIL = 4
MIN_SECRET_FOR_TAIL = 16
ELLIPSIS = "\u2026"


def redacted(kind: str, secret: str) -> str:
    """``sk-ant-<kind>-…<last 4>``; the tail is dropped for short secrets."""
    tail = secret[-TAIL:] if len(secret) >= MIN_SECRET_FOR_TAIL else ""
    return f"{PREFIX}{kind}-{ELLIPSIS}{tail}"


def describe(kind: str) -> str:
    return KINDS.get(kind, "credential")


def redact(text: str) -> str:
    """``text`` with every Anthropic key or token replaced by its redacted form."""
    if not isinstance(text, str) or PREFIX not in text:
        return text
    return ANY_KEY_PATTERN.sub(lambda m: redacted(m.group("kind"), m.group("secret")), text)
