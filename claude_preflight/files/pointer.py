"""JSON Pointer helpers (RFC 6901)."""

from __future__ import annotations

from typing import Iterable


def escape(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join(base: str, *tokens: object) -> str:
    return base + "".join("/" + escape(t) for t in tokens)


def split(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [unescape(t) for t in pointer[1:].split("/")]


def from_parts(parts: Iterable[object]) -> str:
    return "".join("/" + escape(p) for p in parts)


def parent(pointer: str) -> str:
    return pointer[: pointer.rfind("/")] if pointer else ""
