"""Apply machine edits (a JSON Patch subset: remove / replace / add) to JSON-like data.

Edits are applied *persistently*: the containers on the way from the root to the edited
place are copied, everything else is shared, so an earlier state stays intact (the fix
loop keeps checkpoints it can return to). Nothing here recurses on the data.

An ``add`` of key B immediately followed by a ``remove`` of key A in the same object, where
the added value is A's value, is a *rename*: B takes A's place, so key order is kept.

Every applied edit is also returned as a :class:`Record` that knows whether it touched an
array, so JSON Pointers into the old document can be mapped into the new one
(:func:`map_path`): removing ``/messages/0`` moves ``/messages/3`` to ``/messages/2``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from claude_preflight.files import pointer


class PatchError(ValueError):
    """An edit that does not fit the document (missing parent, bad index, ...)."""


@dataclass(frozen=True)
class Record:
    """One applied edit. ``index`` is the array index for array edits (``None`` for objects
    and for appends with ``-``); ``renamed_from`` is set for a rename."""

    op: str
    path: str
    index: int | None = None
    appended: bool = False
    renamed_from: str | None = None


def deep_copy(value: Any) -> Any:
    """Copy dicts and lists iteratively (any depth, cycles kept); other values are shared."""
    if not isinstance(value, (dict, list)):
        return value
    memo: dict[int, Any] = {}

    def fresh(item: Any) -> tuple[Any, bool]:
        known = memo.get(id(item))
        if known is not None:
            return known, False
        copy: Any = {} if isinstance(item, dict) else []
        memo[id(item)] = copy
        return copy, True

    root, _ = fresh(value)
    stack: list[tuple[Any, Any]] = [(value, root)]
    while stack:
        source, target = stack.pop()
        items: Iterable[tuple[Any, Any]] = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in items:
            if isinstance(item, (dict, list)):
                copy, new = fresh(item)
                if new:
                    stack.append((item, copy))
                item = copy
            if isinstance(target, dict):
                target[key] = item
            else:
                target.append(item)
    return root


def _index(token: str, size: int, *, allow_end: bool) -> int:
    if not token.isascii() or not token.isdigit() or (len(token) > 1 and token[0] == "0"):
        raise PatchError(f"{token!r} is not an array index")
    index = int(token)
    if index > size or (index == size and not allow_end):
        raise PatchError(f"index {index} is out of range")
    return index


def _same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    try:
        return bool(a == b)
    except RecursionError:
        return False


def _copy_path(doc: Any, tokens: Sequence[str]) -> tuple[Any, Any]:
    """Copy the containers from the root to the parent of ``tokens``; return (root, parent)."""
    if not tokens:
        raise PatchError("the whole document cannot be edited")
    root = _shallow(doc)
    current = root
    for token in tokens[:-1]:
        if isinstance(current, dict):
            if token not in current:
                raise PatchError(f"no member {token!r}")
            child = _shallow(current[token])
            current[token] = child
        elif isinstance(current, list):
            position = _index(token, len(current), allow_end=False)
            child = _shallow(current[position])
            current[position] = child
        else:
            raise PatchError("path goes through a scalar")
        current = child
    if not isinstance(current, (dict, list)):
        raise PatchError("the parent is not an object or array")
    return root, current


def _shallow(value: Any) -> Any:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


def apply_one(doc: Any, op: str, path: str, value: Any = None) -> tuple[Any, Record]:
    tokens = pointer.split(path)
    root, parent = _copy_path(doc, tokens)
    last = tokens[-1]
    if isinstance(parent, dict):
        if op == "remove":
            if last not in parent:
                raise PatchError(f"no member {last!r} to remove")
            del parent[last]
        elif op == "replace":
            if last not in parent:
                raise PatchError(f"no member {last!r} to replace")
            parent[last] = deep_copy(value)
        elif op == "add":
            parent[last] = deep_copy(value)
        else:
            raise PatchError(f"unsupported operation {op!r}")
        return root, Record(op, path)
    if op == "add" and last == "-":
        parent.append(deep_copy(value))
        return root, Record(op, path, None, appended=True)
    position = _index(last, len(parent), allow_end=op == "add")
    if op == "remove":
        del parent[position]
    elif op == "replace":
        parent[position] = deep_copy(value)
    elif op == "add":
        parent.insert(position, deep_copy(value))
    else:
        raise PatchError(f"unsupported operation {op!r}")
    return root, Record(op, pointer.join(pointer.parent(path), position), position)


def rename_pair(doc: Any, edits: Sequence[Any], i: int) -> tuple[str, str, str] | None:
    """``(parent, old key, new key)`` when ``edits[i:i+2]`` is an add+remove rename in ``doc``."""
    if i + 1 >= len(edits):
        return None
    add, remove = edits[i], edits[i + 1]
    if add.op != "add" or remove.op != "remove" or not add.path or not remove.path:
        return None
    parent = pointer.parent(add.path)
    if parent != pointer.parent(remove.path):
        return None
    container = resolve(doc, parent)
    new, old = pointer.split(add.path)[-1], pointer.split(remove.path)[-1]
    if not isinstance(container, dict) or new == old or new in container or old not in container:
        return None
    if not _same(container[old], add.value):
        return None
    return parent, old, new


def _rename(doc: Any, parent: str, old: str, new: str) -> tuple[Any, Record]:
    tokens = pointer.split(parent)
    if tokens:
        root, holder = _copy_path(doc, tokens)
        last = tokens[-1]
        source = holder[last] if isinstance(holder, dict) else holder[int(last)]
    else:
        root = holder = None
        source = doc
    renamed = {(new if k == old else k): v for k, v in source.items()}
    if holder is None:
        root = renamed
    elif isinstance(holder, dict):
        holder[tokens[-1]] = renamed
    else:
        holder[int(tokens[-1])] = renamed
    return root, Record("rename", pointer.join(parent, new), renamed_from=pointer.join(parent, old))


def apply_edits(doc: Any, edits: Sequence[Any]) -> tuple[Any, list[Record]]:
    """Apply ``edits`` (objects with ``op``, ``path``, ``value``) in order; raise PatchError."""
    records: list[Record] = []
    i = 0
    while i < len(edits):
        pair = rename_pair(doc, edits, i)
        if pair is not None:
            doc, record = _rename(doc, *pair)
            records.append(record)
            i += 2
            continue
        edit = edits[i]
        doc, record = apply_one(doc, edit.op, edit.path, edit.value)
        records.append(record)
        i += 1
    return doc, records


def resolve(doc: Any, path: str, default: Any = None) -> Any:
    current = doc
    for token in pointer.split(path):
        if isinstance(current, dict):
            if token not in current:
                return default
            current = current[token]
        elif isinstance(current, list):
            try:
                current = current[_index(token, len(current), allow_end=False)]
            except PatchError:
                return default
        else:
            return default
    return current


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def map_path(path: str, record: Record) -> str | None:
    """Where the value at ``path`` is after ``record`` (None when it was removed or replaced)."""
    if record.op == "rename":
        old = record.renamed_from or ""
        if _under(path, old):
            return record.path + path[len(old) :]
        return path
    if record.op == "replace":
        return None if path.startswith(record.path + "/") else path
    if record.index is None:  # object member (or append)
        if record.op == "remove":
            return None if _under(path, record.path) else path
        if record.op == "add" and not record.appended:
            return None if path.startswith(record.path + "/") else path
        return path
    parent = pointer.parent(record.path)
    if not path.startswith(parent + "/"):
        return path
    rest = path[len(parent) + 1 :]
    token, _, tail = rest.partition("/")
    if not token.isdigit():
        return path
    index = int(token)
    if record.op == "remove":
        if index == record.index:
            return None
        if index > record.index:
            index -= 1
    elif record.op == "add" and index >= record.index:
        index += 1
    return pointer.join(parent, index) + ("/" + tail if tail else "")


def map_through(path: str, records: Iterable[Record]) -> str | None:
    current: str | None = path
    for record in records:
        if current is None:
            return None
        current = map_path(current, record)
    return current
