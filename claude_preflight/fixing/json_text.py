"""Edit JSON text in place: only the bytes of the members and values a fix touches change.

The scanner (iterative, like ``files/json_positions.py``) records the span of every value
and object key. Edits are applied to the text one at a time (re-scanning in between):

- ``replace``: the value's span is replaced by the new value, rendered in the style of its
  surroundings (compact on one line, or indented like its siblings);
- ``remove``: the member or element is cut together with one adjacent comma and the
  whitespace that separated it, so the neighbours keep their layout;
- ``add``: a new member/element is written after the last one (or at its index), separated
  the way the existing ones are; an existing key is replaced instead (JSON Patch);
- a rename (``add`` + ``remove`` of the same value in one object) rewrites the key only.

Duplicate keys follow ``json.loads``: the last occurrence is the value; removing a key
removes every occurrence.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Sequence

from claude_preflight.files import pointer
from claude_preflight.fixing.patch import PatchError, rename_pair

_WS = re.compile(r"[ \t\r\n]*")
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\.)*"', re.DOTALL)
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|NaN|-?Infinity")


_NONE: Any = ()  # the members of an array, the items of an object or a scalar: shared, never appended to


class Node:
    """The span of one JSON value. Slotted, and lists only where a container needs one:
    a document has one node per value, so this is most of a JSON fix's memory."""

    __slots__ = ("kind", "start", "end", "members", "items")

    def __init__(self, kind: str, start: int, end: int = -1) -> None:
        self.kind = kind  # "object", "array" or "scalar"
        self.start = start
        self.end = end
        self.members: list[Member] = [] if kind == "object" else _NONE
        self.items: list[Node] = [] if kind == "array" else _NONE


class Member:
    __slots__ = ("key", "key_start", "key_end", "value")

    def __init__(self, key: str, key_start: int, key_end: int, value: Node) -> None:
        self.key = key
        self.key_start = key_start
        self.key_end = key_end
        self.value = value


class JsonTextError(ValueError):
    pass


def _ws(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()  # type: ignore[union-attr]


def scan(text: str) -> Node:
    """Spans of every value of a JSON document; raises JsonTextError on bad syntax."""
    n = len(text)
    pos = _ws(text, 0)
    stack: list[Node] = []
    pending_key: list[tuple[str, int, int]] = []  # key read for the object on top of the stack
    root: Node | None = None

    def attach(node: Node) -> None:
        nonlocal root
        if not stack:
            root = node
            return
        parent = stack[-1]
        if parent.kind == "object":
            key, start, end = pending_key.pop()
            parent.members.append(Member(key, start, end, node))
        else:
            parent.items.append(node)

    def read_key(at: int) -> int:
        match = _STRING.match(text, at)
        if match is None:
            raise JsonTextError(f"expected a key at offset {at}")
        try:
            key = str(json.loads(match.group()))
        except ValueError:
            raise JsonTextError(f"bad key at offset {at}") from None
        pending_key.append((key, match.start(), match.end()))
        at = _ws(text, match.end())
        if at >= n or text[at] != ":":
            raise JsonTextError(f"expected ':' at offset {at}")
        return _ws(text, at + 1)

    expect_value = True
    while True:
        if expect_value:
            if pos >= n:
                raise JsonTextError("unexpected end of JSON")
            ch = text[pos]
            if ch in "{[":
                node = Node("object" if ch == "{" else "array", pos)
                attach(node)
                stack.append(node)
                pos = _ws(text, pos + 1)
                closer = "}" if ch == "{" else "]"
                if pos < n and text[pos] == closer:
                    node.end = pos + 1
                    stack.pop()
                    pos += 1
                    expect_value = False
                elif ch == "{":
                    pos = read_key(pos)
                continue
            match = _STRING.match(text, pos) if ch == '"' else _SCALAR.match(text, pos)
            if match is None:
                raise JsonTextError(f"unexpected character at offset {pos}")
            attach(Node("scalar", pos, match.end()))
            pos = match.end()
            expect_value = False
            continue
        pos = _ws(text, pos)
        if not stack:
            if pos != n:
                raise JsonTextError("extra data after the JSON value")
            assert root is not None
            return root
        if pos >= n:
            raise JsonTextError("unexpected end of JSON")
        top = stack[-1]
        ch = text[pos]
        if ch == ",":
            pos = _ws(text, pos + 1)
            if top.kind == "object":
                pos = read_key(pos)
            expect_value = True
        elif ch == ("}" if top.kind == "object" else "]"):
            top.end = pos + 1
            stack.pop()
            pos += 1
        else:
            raise JsonTextError(f"unexpected character at offset {pos}")


_SKIP = re.compile(_STRING.pattern + r"|[\[\]{}]")


def _skip(text: str, pos: int) -> int:
    """End of the (valid) JSON value starting at ``pos``, without building anything."""
    ch = text[pos] if pos < len(text) else ""
    if ch == '"' or (ch and ch not in "{["):
        match = (_STRING if ch == '"' else _SCALAR).match(text, pos)
        if match is None:
            raise JsonTextError(f"unexpected character at offset {pos}")
        return match.end()
    depth = 0
    for match in _SKIP.finditer(text, pos):
        token = match.group()
        if token[0] == '"':
            continue
        if token in "{[":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return match.end()
    raise JsonTextError("unexpected end of JSON")


def scan_path(text: str, path: str) -> Node:
    """Like :func:`scan`, but only the containers along ``path`` get their children; every
    other value is a span (no members or items). Enough for an edit at or under ``path``, in
    memory proportional to the path, not to the document. The text must be valid JSON."""
    tokens = pointer.split(path)
    n = len(text)

    def build(pos: int, depth: int) -> Node:
        ch = text[pos] if pos < n else ""
        if ch not in ("{", "["):
            return Node("scalar", pos, _skip(text, pos))
        node = Node("object" if ch == "{" else "array", pos)
        if depth >= len(tokens):  # the last container of the path: its children's spans
            want: str | None = None
        else:
            want = tokens[depth]
        closer = "}" if ch == "{" else "]"
        at = _ws(text, pos + 1)
        if at < n and text[at] == closer:
            node.end = at + 1
            return node
        index = 0
        while True:
            if node.kind == "object":
                match = _STRING.match(text, at)
                if match is None:
                    raise JsonTextError(f"expected a key at offset {at}")
                key = str(json.loads(match.group()))
                at = _ws(text, match.end())
                if at >= n or text[at] != ":":
                    raise JsonTextError(f"expected ':' at offset {at}")
                at = _ws(text, at + 1)
                child = build(at, depth + 1) if want is not None and key == want else _span(at)
                node.members.append(Member(key, match.start(), match.end(), child))
            else:
                child = build(at, depth + 1) if want is not None and str(index) == want else _span(at)
                node.items.append(child)
            at = _ws(text, child.end)
            if at < n and text[at] == ",":
                at = _ws(text, at + 1)
                index += 1
                continue
            if at < n and text[at] == closer:
                node.end = at + 1
                return node
            raise JsonTextError(f"unexpected character at offset {at}")

    def _span(pos: int) -> Node:
        ch = text[pos] if pos < n else ""
        kind = "object" if ch == "{" else "array" if ch == "[" else "scalar"
        return Node(kind, pos, _skip(text, pos))

    return build(_ws(text, 0), 0)


def _member_positions(node: Node, key: str) -> list[int]:
    return [i for i, m in enumerate(node.members) if m.key == key]


def locate(root: Node, path: str) -> Node | None:
    node: Node | None = root
    for token in pointer.split(path):
        if node is None:
            return None
        if node.kind == "object":
            found = _member_positions(node, token)
            node = node.members[found[-1]].value if found else None
        elif node.kind == "array":
            if not token.isdigit() or int(token) >= len(node.items):
                return None
            node = node.items[int(token)]
        else:
            return None
    return node


# ------------------------------------------------------------------ style


@dataclass(frozen=True)
class Style:
    newline: str
    unit: str  # one level of indentation
    ascii_only: bool


def detect_style(text: str) -> Style:
    newline = "\r\n" if "\r\n" in text else "\n"
    # The distinct indents only (a large pretty-printed file has one per line).
    indents = {m.group(1) for m in re.finditer(r"\n([ \t]+)\S", text)}
    unit = "  "
    if indents:
        if all(i.startswith("\t") for i in indents):
            unit = "\t"
        else:
            widths = sorted({len(i) for i in indents if " " in i and "\t" not in i})
            if widths:
                smallest = widths[0]
                steps = {b - a for a, b in zip(widths, widths[1:])}
                unit = " " * min([smallest, *steps])
    ascii_only = text.isascii() and "\\u" in text
    return Style(newline, unit, ascii_only)


def _line_indent(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    match = re.match(r"[ \t]*", text[start:])
    return match.group() if match else ""


def _one_line(text: str, node: Node) -> bool:
    return "\n" not in text[node.start : node.end]


def _children(node: Node) -> list[tuple[int, int]]:
    """(start, end) of each member (key to value end) or element."""
    if node.kind == "object":
        return [(m.key_start, m.value.end) for m in node.members]
    return [(i.start, i.end) for i in node.items]


def _separators(text: str, root: Node, near: Node | None) -> tuple[str, str]:
    """Item and key separators for compact output, taken from ``near`` or else the root."""
    item_sep: str | None = None
    key_sep: str | None = None
    for node in (near, root):
        if node is None or node.kind == "scalar":
            continue
        if key_sep is None and node.kind == "object" and node.members:
            m = node.members[0]
            key_sep = text[m.key_end : m.value.start].replace("\r", "").replace("\n", "")
        spans = _children(node)
        if item_sep is None and len(spans) > 1:
            between = text[spans[0][1] : spans[1][0]]
            item_sep = "," + (" " if between[1:2] in (" ", "\t") else "")
    return item_sep or ", ", key_sep or ": "


def _dump(value: Any, style: Style, **kwargs: Any) -> str:
    return json.dumps(value, ensure_ascii=style.ascii_only, allow_nan=False, **kwargs)


def _render(value: Any, text: str, root: Node, *, compact_like: Node | None, indent: str | None, style: Style) -> str:
    """``value`` as JSON: compact (separators of ``compact_like``) when ``indent`` is None,
    else indented with nested lines starting at ``indent`` + units."""
    if not isinstance(value, (dict, list)) or not value:
        return _dump(value, style)
    if indent is None:
        return _dump(value, style, separators=_separators(text, root, compact_like))
    return _dump(value, style, indent=style.unit).replace("\n", style.newline + indent)


def _key(name: str, style: Style) -> str:
    return _dump(name, style)


def _gap_before(text: str, pos: int) -> int:
    """Start of the whitespace that ends at ``pos``."""
    j = pos
    while j > 0 and text[j - 1] in " \t\r\n":
        j -= 1
    return j


# ------------------------------------------------------------------ edits


def _remove(text: str, parent: Node, index: int) -> str:
    spans = _children(parent)
    if len(spans) == 1:
        return text[: parent.start + 1] + text[parent.end - 1 :]
    if index == 0:
        # the first one: cut up to the next one, which takes its place
        return text[: spans[0][0]] + text[spans[1][0] :]
    # otherwise cut from the end of the previous one: the whitespace before the next stays
    return text[: spans[index - 1][1]] + text[spans[index][1] :]


def _replace(text: str, root: Node, parent: Node, node: Node, value: Any, style: Style) -> str:
    if node.kind != "scalar":
        compact = _one_line(text, node)
    else:
        compact = _one_line(text, parent)
    indent = None if compact else _line_indent(text, node.start)
    return text[: node.start] + _render(value, text, root, compact_like=node if node.kind != "scalar" else parent, indent=indent, style=style) + text[node.end :]


def _insert(text: str, root: Node, parent: Node, index: int | None, key: str | None, value: Any, style: Style) -> str:
    """Insert a member (``key``) or element at ``index`` (None: at the end)."""
    spans = _children(parent)
    if parent.kind == "object" and parent.members:
        m = parent.members[-1]
        key_sep = text[m.key_end : m.value.start]
    else:
        key_sep = _separators(text, root, parent)[1]
    prefix = "" if key is None else _key(key, style) + key_sep
    if not spans:
        expand = not _one_line(text, root)
        if not expand:
            entry = prefix + _render(value, text, root, compact_like=parent, indent=None, style=style)
            return text[: parent.start + 1] + entry + text[parent.end - 1 :]
        outer = _line_indent(text, parent.start)
        inner = outer + style.unit
        entry = prefix + _render(value, text, root, compact_like=None, indent=inner, style=style)
        return text[: parent.start + 1] + style.newline + inner + entry + style.newline + outer + text[parent.end - 1 :]
    if _one_line(text, parent):
        entry = prefix + _render(value, text, root, compact_like=parent, indent=None, style=style)
    else:
        position = len(spans) - 1 if index is None or index >= len(spans) else index
        sibling = parent.members[position].value if parent.kind == "object" else parent.items[position]
        if sibling.kind != "scalar" and _one_line(text, sibling):
            # siblings written as one-line objects/arrays: write the new one the same way
            entry = prefix + _render(value, text, root, compact_like=sibling, indent=None, style=style)
        else:
            entry = prefix + _render(value, text, root, compact_like=None, indent=_line_indent(text, spans[position][0]), style=style)
    if index is None or index >= len(spans):
        last_start, last_end = spans[-1]
        gap = text[_gap_before(text, last_start) : last_start]
        return text[:last_end] + "," + gap + entry + text[last_end:]
    start = spans[index][0]
    gap = text[_gap_before(text, start) : start]
    return text[:start] + entry + "," + gap + text[start:]


def apply_edit(text: str, op: str, path: str, value: Any, style: Style) -> str:
    root = scan_path(text, path)
    tokens = pointer.split(path)
    if not tokens:
        raise PatchError("the whole document cannot be edited")
    parent = locate(root, pointer.parent(path))
    last = tokens[-1]
    if parent is None or parent.kind == "scalar":
        raise PatchError(f"no container at {pointer.parent(path)!r}")
    if op == "replace" or (op == "add" and parent.kind == "object" and _member_positions(parent, last)):
        node = locate(root, path)
        if node is None:
            raise PatchError(f"nothing to replace at {path!r}")
        return _replace(text, root, parent, node, value, style)
    if op == "remove":
        if parent.kind == "object":
            found = _member_positions(parent, last)
            if not found:
                raise PatchError(f"no member {last!r}")
            if len(found) == 1:
                return _remove(text, parent, found[0])
            # remove every occurrence (json.loads would fall back to an earlier duplicate)
            del root, parent  # one tree of spans at a time: it is several times the text
            for _ in range(len(found)):
                current = locate(scan_path(text, path), pointer.parent(path))
                assert current is not None
                positions = _member_positions(current, last)
                text = _remove(text, current, positions[-1])
            return text
        if not last.isdigit() or int(last) >= len(parent.items):
            raise PatchError(f"no element {last!r}")
        return _remove(text, parent, int(last))
    if op == "add":
        if parent.kind == "object":
            return _insert(text, root, parent, None, last, value, style)
        if last == "-":
            index = None
        elif last.isdigit() and int(last) <= len(parent.items):
            index = int(last)
        else:
            raise PatchError(f"bad array index {last!r}")
        return _insert(text, root, parent, index, None, value, style)
    raise PatchError(f"unsupported operation {op!r}")


def rename_key(text: str, parent_path: str, old: str, new: str, style: Style) -> str:
    root = scan_path(text, parent_path)
    parent = locate(root, parent_path)
    if parent is None or parent.kind != "object":
        raise PatchError("rename outside an object")
    found = _member_positions(parent, old)
    if len(found) != 1:
        raise PatchError("cannot rename a duplicated key")
    member = parent.members[found[0]]
    return text[: member.key_start] + _key(new, style) + text[member.key_end :]


def apply_edits(text: str, data: Any, edits: Sequence[Any], base: str = "") -> str:
    """Apply body-relative ``edits`` (prefixed by ``base``) to ``text`` whose parsed value is
    ``data``. Renames keep the key in place."""
    from claude_preflight.fixing.patch import apply_one

    style = detect_style(text)
    current = data
    prefixed = [PrefixedEdit(e.op, base + e.path, e.value) for e in edits]
    i = 0
    while i < len(prefixed):
        pair = rename_pair(current, prefixed, i)
        if pair is not None:
            parent, old, new = pair
            text = rename_key(text, parent, old, new, style)
            current, _ = apply_one(current, "add", prefixed[i].path, prefixed[i].value)
            current, _ = apply_one(current, "remove", prefixed[i + 1].path)
            i += 2
            continue
        edit = prefixed[i]
        text = apply_edit(text, edit.op, edit.path, edit.value, style)
        current, _ = apply_one(current, edit.op, edit.path, edit.value)
        i += 1
    return text


@dataclass(frozen=True)
class PrefixedEdit:
    op: str
    path: str
    value: Any = None
