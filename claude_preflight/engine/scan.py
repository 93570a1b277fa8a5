"""One pass over the whole request body, shared by everything that needs the whole body.

The size rule (compact JSON size), the secrets rule (is ``sk-ant-`` anywhere?), the
context-window bound and the check index (is some key present anywhere?) all read the
:class:`Scan` of ``Context.body_scan`` instead of walking the body themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain, compress, filterfalse, repeat
from operator import contains
from typing import Any, Mapping


# Keys of ``Context.extra`` set by the door (``engine.resolve.build_context``) and read by the runner
# and the checks: what the body guard had to cut, and request texts outside the body.
BODY_PROBLEMS = "engine.body_problems"
REQUEST_TEXTS = "engine.request_texts"

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


@dataclass
class Scan:
    """What one pass over the whole body finds, shared by the rules that need the whole body.
    Read-only by convention (not frozen: a frozen dataclass costs a microsecond more to make,
    on every request).

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
    keys: list[str] = field(repr=False, compare=False, default_factory=list)  # every string key, joined in one or more pieces
    memo: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)  # values derived from the scan, once

    def may_have_key(self, name: str) -> bool:
        """False only when no object anywhere in the body has the key ``name``."""
        return name in self.keys_text

    @property
    def size_parts(self) -> tuple[int, int, int]:
        return self.chars, self.wide, self.other


def scan(value: Any, secret_marker: str) -> Scan:
    """One iterative pass over ``value``: sizes, a possible secret, bounds on media counts.

    Any Python value is accepted: a value with cycles, shared containers or foreign
    container types is scanned as its :func:`normalise` d copy.
    """
    found = _scan(value, secret_marker)
    if found is None:
        found = _scan(normalise(value)[0], secret_marker, shared=True)
        assert found is not None  # a normalised value holds only plain types
    return found


def guard(value: Any, secret_marker: str) -> tuple[Any, Scan, list[tuple[str, str]]]:
    """The body made safe at the door: ``(body, scan, problems)``.

    A plain JSON-shaped value (exact dict, list, str, int, float, bool, None; acyclic, with
    few repeats through shared containers) is returned as is, with its scan: the identity
    check that proves it is part of the one shared scan. Anything else is replaced by its
    :func:`normalise` d copy;
    ``problems`` are ``(JSON Pointer, message)`` for cycles, cut shared references and
    unreadable containers.
    """
    found = _scan(value, secret_marker)
    if found is not None:
        return value, found, []
    body, problems = normalise(value)
    found = _scan(body, secret_marker, shared=True)
    assert found is not None
    return body, found, problems


def _scan(value: Any, secret_marker: str, shared: bool = False) -> Scan | None:
    """The scan of a plain value, or None as soon as something else is met (see :func:`_scan_shared`).

    :func:`_scan_tree` gives the same answer faster; a body with keys that are not strings
    (only from Python callers) and a normalised value take :func:`_scan_shared`.
    """
    if not shared:
        found = _scan_tree(value, secret_marker)
        if found is not _NOT_STRING_KEYS:
            return found  # type: ignore[return-value]
    return _scan_shared(value, secret_marker, shared)


_NOT_STRING_KEYS = object()  # what _scan_tree returns for an object with a key that is not a string
_CHUNK = 1 << 16  # values popped between two looks at the repeats (a cycle never ends)


def _scan_tree(value: Any, secret_marker: str) -> Scan | None | object:
    """:func:`_scan_shared`, with the per-container work moved out of the loop.

    The loop only sorts the values into lists by type; sizes, keys and repeats (containers
    reached again, by identity) are then counted by C functions mapped over those lists.
    The repeats are compared with the budget at the end and whenever the containers seen
    have doubled since the last look (every :data:`_CHUNK` values at most): the same
    traversal as :func:`_scan_shared`, so the same answer, and a cycle is stopped within
    twice the values it took to exhaust the budget.
    """
    strings: list[str] = []
    dicts: list[dict[Any, Any]] = []
    lists: list[list[Any]] = []
    ints: list[int] = []
    others: list[Any] = []  # booleans and floats
    nones = 0
    stack = [value]
    pop, extend = stack.pop, stack.extend
    add, add_dict, add_list, add_int, add_other = strings.append, dicts.append, lists.append, ints.append, others.append
    look_at = _CHUNK
    while True:
        try:
            for _ in repeat(None, _CHUNK):
                item = pop()
                kind = type(item)
                if kind is str:
                    add(item)
                elif kind is dict:
                    add_dict(item)
                    extend(item.values())
                elif kind is list:
                    add_list(item)
                    extend(item)
                elif item is None:
                    nones += 1
                elif kind is int:
                    add_int(item)
                elif kind is bool or kind is float:
                    add_other(item)
                else:
                    return None  # subclasses, foreign containers, other objects: normalised first
        except IndexError:  # the stack is empty
            break
        if len(dicts) + len(lists) > look_at:
            if _over_budget(dicts, lists):
                return None
            look_at = 2 * (len(dicts) + len(lists))
    if _over_budget(dicts, lists):
        return None
    try:
        joined_keys = "".join(chain.from_iterable(dicts))
    except TypeError:
        return _NOT_STRING_KEYS
    dict_sizes = list(map(len, dicts))
    list_sizes = list(map(len, lists))
    # Braces, commas, colons and the quotes around each key; brackets and commas.
    other = 4 * sum(dict_sizes) + len(dict_sizes) + dict_sizes.count(0)
    other += sum(list_sizes) + len(list_sizes) + list_sizes.count(0)
    other += 4 * nones + sum(map(number_len, others))
    try:
        other += sum(map(len, map(str, ints)))
    except ValueError:  # an integer too long for str()
        other += sum(map(number_len, ints))
    return _summary(strings, [joined_keys], joined_keys, other, secret_marker)


def _over_budget(dicts: list[Any], lists: list[Any]) -> bool:
    """Whether the repeated visits cost more than the budget: exact only when a bound
    (visits again times the largest container) does not already settle it."""
    if len(set(map(id, chain(dicts, lists)))) == len(dicts) + len(lists):
        return False  # no container reached twice (the common case)
    again_dicts = len(dicts) - len(set(map(id, dicts)))
    again_lists = len(lists) - len(set(map(id, lists)))
    bound = again_dicts * (max(map(len, dicts), default=0) + 1) + again_lists * (max(map(len, lists), default=0) + 1)
    return bound > REPEAT_BUDGET and _repeated(dicts) + _repeated(lists) > REPEAT_BUDGET


def _repeated(containers: list[Any]) -> int:
    """What :func:`_scan_shared` counts against the budget for these visits: ``len + 1`` for
    each visit of a container after its first."""
    unique = dict(zip(map(id, containers), containers))
    if len(unique) == len(containers):
        return 0
    return sum(map(len, containers)) - sum(map(len, unique.values())) + len(containers) - len(unique)


def _scan_shared(value: Any, secret_marker: str, shared: bool = False) -> Scan | None:
    """The scan of a plain value that may share containers, or None as soon as something else is met.

    The loop only sorts nodes (strings and joined keys into lists, structure into counts);
    the per-string work is then done by C functions mapped over the list. Every container
    is remembered by identity: one reached again (Python code often shares a dict between
    tools or blocks) is walked again - it is sent again - until such repeats add up to
    :data:`REPEAT_BUDGET` values; past it (a cycle never ends; shared references can
    double at every level), or at a foreign type, the pass ends and the caller normalises.
    A pass that ends proves the value acyclic. With ``shared`` (a normalised value, whose
    expanded size is bounded) repeats are not counted.
    """
    strings: list[str] = []
    keys: list[str] = []
    other = 0
    repeated = 0
    seen: set[int] = set()
    stack = [value]
    pop, extend, add, add_keys, remember = stack.pop, stack.extend, strings.append, keys.append, seen.add
    while stack:
        item = pop()
        kind = type(item)
        if kind is str:
            add(item)
        elif kind is dict:
            n = len(seen)
            remember(id(item))
            if len(seen) == n and not shared:  # reached again: shared, or a cycle
                repeated += len(item) + 1
                if repeated > REPEAT_BUDGET:
                    return None
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
            n = len(seen)
            remember(id(item))
            if len(seen) == n and not shared:
                repeated += len(item) + 1
                if repeated > REPEAT_BUDGET:
                    return None
            other += len(item) + 1 if item else 2
            extend(item)
        elif item is None:
            other += 4
        elif kind is int or kind is float or kind is bool:
            other += number_len(item)
        elif not shared:
            return None  # subclasses, foreign containers, other objects: normalised first
        else:
            other += 4  # a value JSON has no form for (the shape rules report it)
    return _summary(strings, keys, "".join(keys), other, secret_marker)


def _summary(strings: list[str], keys: list[str], joined_keys: str, other: int, secret_marker: str) -> Scan:
    """The scan from the strings, the keys (``joined_keys`` in pieces) and the structure's characters."""
    # Per-string work in C: the strings are left separate (joining ASCII with non-ASCII text
    # would widen the whole copy to the largest character size).
    text = sum(map(len, strings))
    wide = sum(map(len, filterfalse(str.isascii, strings)))
    return Scan(
        chars=text - wide + len(joined_keys),
        wide=wide,
        other=other + 2 * len(strings),
        secret_maybe=secret_marker in joined_keys or _any_holds(strings, secret_marker),
        images_at_most=strings.count("image"),
        documents_at_most=strings.count("document"),
        keys_text=joined_keys,
        strings=strings,
        keys=keys,
    )


def _any_holds(strings: list[str], marker: str) -> bool:
    """Whether some string contains ``marker``. Only the strings that hold its first
    punctuation character (rare in text; found by ``memchr``) are searched for all of it."""
    rare = next((c for c in marker if not c.isalnum()), "")
    if rare and len(marker) > 1:
        strings = list(compress(strings, map(contains, strings, repeat(rare))))
    return any(map(contains, strings, repeat(marker)))


REPEAT_BUDGET = 100_000
"""Values the fast pass walks again through shared containers before it hands over to
:func:`normalise` (which detects cycles and bounds the expansion exactly)."""

MAX_EXPANDED = 10_000_000
"""Values (as JSON) a body with shared containers may stand for; beyond it repeats are cut.
About the number of values of the largest request file read (512 MB)."""

_END = object()
_PLAIN_KEYS = (str, int, float, bool, type(None))


def _type_name(value: Any) -> str:
    try:
        return str(type(value).__name__)
    except Exception:  # pragma: no cover - a metaclass that refuses its own name
        return "object"


def _plain_scalar(item: Any) -> Any:
    """Subclasses of str, int and float as the exact type; other values unchanged."""
    if isinstance(item, str):
        return str.__add__(item, "")
    if isinstance(item, int):
        return int.__add__(item, 0)
    if isinstance(item, float):
        return float.__add__(item, 0.0)
    return item


def _plain_key(key: Any) -> Any:
    try:
        return _plain_scalar(key) if isinstance(key, (str, int, float)) else f"<{_type_name(key)}>"
    except Exception:
        return f"<{_type_name(key)}>"


def _open(item: Any) -> tuple[Any, list[tuple[Any, Any]]] | None:
    """``(empty plain container, its (token, value) pairs)`` for a container, else None.

    The built-in methods of ``dict``, ``list`` and ``tuple`` are called directly, so a
    subclass that overrides ``items()``, ``get()`` or ``__iter__`` is read as stored.
    """
    if isinstance(item, dict):
        return {}, list(dict.items(item))
    if isinstance(item, list):
        return [], list(enumerate(list.copy(item)))
    if isinstance(item, tuple):
        return [], list(enumerate(tuple.__iter__(item)))
    if isinstance(item, Mapping):
        return {}, list(item.items())
    return None


def normalise(value: Any, limit: int = MAX_EXPANDED) -> tuple[Any, list[tuple[str, str]]]:
    """A plain copy of any Python value, and the problems met on the way.

    Mappings become dicts, tuples and list subclasses lists, subclasses of str/int/float
    their exact type. A reference back to a container that encloses it (a cycle) becomes
    ``None``; so does a mapping whose items cannot be read. A container reached again is
    shared in the copy too (it is copied once): when the JSON it stands for would hold more
    than ``limit`` values, every repeat becomes ``None``. Never recurses; never raises.
    """
    problems: list[tuple[str, str]] = []
    root: list[Any] = []
    stack: list[tuple[Any, Any, int]] = [(root, iter(((0, value),)), -1)]
    tokens: list[Any] = []
    on_path: set[int] = set()
    copies: dict[int, tuple[Any, Any]] = {}
    repeated = False
    while stack:
        target, pairs, ident = stack[-1]
        nxt = next(pairs, _END)
        if nxt is _END:
            stack.pop()
            if ident != -1:
                on_path.discard(ident)
                tokens.pop()
            continue
        token: Any = nxt[0]  # type: ignore[index]
        item: Any = nxt[1]  # type: ignore[index]
        if type(target) is dict and type(token) not in _PLAIN_KEYS:
            token = _plain_key(token)
        kind = type(item)
        if kind is str or kind is int or kind is float or kind is bool or item is None:
            _put(target, token, item)
            continue
        here = id(item)
        new: Any = None
        if here in on_path:
            problems.append((_where(tokens, token, ident), f"this {_type_name(item)} contains itself (a cycle)"))
        elif here in copies:
            new, repeated = copies[here][0], True
        else:
            try:
                opened = _open(item)
                if opened is None:
                    new = _plain_scalar(item)
            except Exception as exc:  # a foreign mapping whose items() raises, a hostile __class__
                problems.append((_where(tokens, token, ident), f"a {_type_name(item)} that cannot be read ({_type_name(exc)})"))
            else:
                if opened is not None:
                    new, children = opened
                    copies[here] = (new, item)  # the source kept alive: its id stays its own
                    _put(target, token, new)
                    on_path.add(here)
                    tokens.append(token)
                    stack.append((new, iter(children), here))
                    continue
        _put(target, token, new)
    body = root[0] if root else None
    if repeated:
        total = expanded_size(body)
        if total > limit:
            path = _cut_repeats(body)
            problems.append((path, f"shared references make the body {total:,} values long as JSON, more than {limit:,}"))
    return body, problems


def _children(node: Any) -> Any:
    return node.values() if type(node) is dict else node


def expanded_size(value: Any) -> int:
    """Values in the JSON a plain, acyclic value stands for (shared containers counted at
    each reference), computed once per container."""
    sizes: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(value, False)]
    while stack:
        node, done = stack.pop()
        if type(node) is not dict and type(node) is not list:
            continue
        if done:
            sizes[id(node)] = 1 + sum(sizes[id(c)] if type(c) is dict or type(c) is list else 1 for c in _children(node))
        elif id(node) not in sizes:
            sizes[id(node)] = 0  # in progress (acyclic: never read before it is final)
            stack.append((node, True))
            stack.extend((c, False) for c in _children(node) if (type(c) is dict or type(c) is list) and id(c) not in sizes)
    return sizes.get(id(value), 1)


def _cut_repeats(value: Any) -> str:
    """Replace every reference to a container after its first with ``None`` (in place);
    the JSON Pointer of the first one replaced."""
    seen = {id(value)}
    first = ""
    nodes: list[tuple[int, Any]] = [(-1, None)]
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, at = stack.pop()
        pairs = list(node.items()) if type(node) is dict else list(enumerate(node))
        for token, child in pairs:
            if type(child) is not dict and type(child) is not list:
                continue
            if id(child) in seen:
                node[token] = None
                if not first:
                    parts, up = [token], at
                    while up > 0:
                        up, step = nodes[up]
                        parts.append(step)
                    first = "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in reversed(parts))
                continue
            seen.add(id(child))
            nodes.append((at, token))
            stack.append((child, len(nodes) - 1))
    return first


def _where(tokens: list[Any], token: Any, ident: int) -> str:
    """JSON Pointer of ``token`` inside the container being filled (``tokens[0]`` is the body's)."""
    if ident == -1:
        return ""
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in (*tokens[1:], token))


def _put(target: Any, token: Any, value: Any) -> None:
    if type(target) is dict:
        try:
            target[token] = value
        except TypeError:  # an unhashable key from a foreign mapping
            target[f"<{_type_name(token)}>"] = value
    else:
        target.append(value)
