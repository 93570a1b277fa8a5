"""One pass over the whole request body, shared by everything that needs the whole body.

The size rule (compact JSON size), the secrets rule (is ``sk-ant-`` anywhere?), the
context-window bound and the check index (is some key present anywhere?) all read the
:class:`Scan` of ``Context.body_scan`` instead of walking the body themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import filterfalse, repeat
from operator import contains
from typing import Any


def number_len(value: Any) -> int:
    """Characters of a JSON number, boolean or other scalar in compact JSON."""
    if isinstance(value, bool):
        return 4 if value else 5
    if isinstance(value, int):
        try:
            return len(str(value))
        except ValueError:  # very large ints refuse str(); estimate from bits
            return int(value.bit_length() * 0.30103) + 2
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return 9
        return len(repr(value))
    return 4


@dataclass(frozen=True)
class Scan:
    """What one pass over the whole body finds, shared by the rules that need the whole body.

    ``chars`` (ASCII strings and every key), ``wide`` (other strings) and ``other``
    (quotes, punctuation, numbers, literals) add up to the compact JSON's characters. ``secret_maybe`` is true
    when some string (or the keys of some object, joined) contains the secret marker: a
    superset test, so a precise search is needed only then. ``images_at_most`` and
    ``documents_at_most`` bound from above the objects whose ``type`` is ``image`` /
    ``document`` (they count the string values equal to those words).
    """

    chars: int
    wide: int
    other: int
    secret_maybe: bool
    images_at_most: int
    documents_at_most: int
    keys_text: str  # every object key, concatenated
    strings: list[str] = field(repr=False, compare=False, default_factory=list)  # every string value
    keys: list[str] = field(repr=False, compare=False, default_factory=list)  # keys: one joined entry per object

    def may_have_key(self, name: str) -> bool:
        """False only when no object anywhere in the body has the key ``name``."""
        return name in self.keys_text

    @property
    def size_parts(self) -> tuple[int, int, int]:
        return self.chars, self.wide, self.other


def scan(value: Any, secret_marker: str) -> Scan:
    """One iterative pass over ``value``: sizes, a possible secret, bounds on media counts.

    The loop only sorts nodes (strings and joined keys into lists, structure into counts);
    the per-string work is then done by C functions mapped over the list.
    """
    strings: list[str] = []
    keys: list[str] = []
    other = 0
    stack = [value]
    pop, extend, add, add_keys = stack.pop, stack.extend, strings.append, keys.append
    while stack:
        item = pop()
        kind = type(item)
        if kind is str:
            add(item)
        elif kind is dict:
            n = len(item)
            try:
                add_keys("".join(item))
                other += 4 * n + 1 if n else 2  # braces, commas, colons, quotes around each key
            except TypeError:  # keys that are not strings (Python callers)
                other += 2 + max(n - 1, 0) + n
                for key in item:
                    if isinstance(key, str):
                        add_keys(key)
                        other += 2
                    else:
                        other += 2 + number_len(key)
            extend(item.values())
        elif kind is list:
            other += len(item) + 1 if item else 2
            extend(item)
        elif item is None:
            other += 4
        elif kind is int or kind is float or kind is bool:
            other += number_len(item)
        elif isinstance(item, str):
            add(item)
        elif isinstance(item, dict):
            stack.append(dict(item))  # the same keys and values, as a plain dict
        elif isinstance(item, (list, tuple)):
            other += len(item) + 1 if item else 2
            extend(item)
        else:
            other += number_len(item)
    # Per-string work in C: the strings are left separate (joining ASCII with non-ASCII text
    # would widen the whole copy to the largest character size).
    text = sum(map(len, strings))
    wide = sum(map(len, filterfalse(str.isascii, strings)))
    joined_keys = "".join(keys)
    return Scan(
        chars=text - wide + len(joined_keys),
        wide=wide,
        other=other + 2 * len(strings),
        secret_maybe=secret_marker in joined_keys or any(map(contains, strings, repeat(secret_marker))),
        images_at_most=strings.count("image"),
        documents_at_most=strings.count("document"),
        keys_text=joined_keys,
        strings=strings,
        keys=keys,
    )
