"""Short, safe renderings of request values, and message templates filled with them.

Shared by the checks, the readers and the front ends; imports nothing of the package.
"""

from __future__ import annotations

import string
from typing import Any, Mapping

__all__ = ["render", "show"]


def show(value: Any, limit: int = 60) -> str:
    """A short, safe rendering of a request value for messages."""
    if isinstance(value, str):
        text = value if len(value) <= limit else value[: limit - 1] + "…"
        return repr(text)
    if isinstance(value, (dict, list)):
        kind = "object" if isinstance(value, dict) else "array"
        return f"<{kind} of {len(value)}>"
    try:
        text = repr(value)
    except ValueError:  # an integer too long to print (sys.set_int_max_str_digits)
        return f"<integer of about {value.bit_length() * 3 // 10} digits>" if isinstance(value, int) else "<value>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Args(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


_FORMATTER = string.Formatter()


def render(template: str, args: Mapping[str, Any]) -> str:
    """Fill ``{name}`` placeholders; unknown placeholders stay as written."""
    try:
        return _FORMATTER.vformat(template, (), _Args(args))
    except (ValueError, IndexError, KeyError, AttributeError):
        return template
