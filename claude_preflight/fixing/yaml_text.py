"""Edit YAML text while keeping comments, quoting and layout.

PyYAML (used to read fixtures) drops comments and quoting, so fixes go through
ruamel.yaml's round-trip mode (``preserve_quotes``, the indentation detected in the file,
no line wrapping). Round-tripping can still normalise parts the fix never touched (the
indentation of other sequences, spacing, a lost comment line after a removed key), so
the result is *merged* back into the original text: the file is dumped once unchanged
(the baseline) and once edited; only the lines where those two dumps differ replace the
matching lines of the original, and full-line comments among removed lines are kept.
Everything else stays byte for byte as it was.
"""

from __future__ import annotations

import difflib
import io
from typing import Any, Sequence

from claude_preflight.files import pointer
from claude_preflight.fixing.patch import PatchError, rename_pair


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 1 << 30  # never re-wrap long strings
    return yaml


def guess_indent(text: str) -> tuple[int | None, int | None, int | None]:
    """(mapping indent, sequence indent, dash offset) as written in ``text`` (after
    ruamel.yaml.util.load_yaml_guess_indent, without loading)."""
    map_indent = indent = block_seq_indent = None
    prev_key_only: int | None = None
    key_indent = 0
    for line in text.splitlines():
        rline = line.rstrip()
        lline = rline.lstrip()
        if lline.startswith("#"):
            continue
        if lline.startswith("- "):
            spaces = len(line) - len(line.lstrip(" "))
            if block_seq_indent is None:
                block_seq_indent = spaces - key_indent
                idx = spaces + 1
                while idx < len(rline) and rline[idx] == " ":
                    idx += 1
                if idx < len(rline) and rline[idx] != "#":
                    indent = idx - key_indent
        if map_indent is None and prev_key_only is not None and rline:
            idx = 0
            while idx < len(line) and line[idx] in " -":
                idx += 1
            if idx > prev_key_only:
                map_indent = idx - prev_key_only
        if rline.endswith(":") and not lline.startswith("- "):
            key_indent = len(line) - len(line.lstrip(" "))
            prev_key_only = key_indent
            continue
        prev_key_only = None
    return map_indent, indent, block_seq_indent


def _configure(yaml: Any, text: str) -> None:
    mapping, sequence, offset = guess_indent(text)
    mapping = mapping if mapping and mapping > 0 else 2
    offset = offset if offset is not None and offset >= 0 else 0
    sequence = sequence if sequence and sequence >= offset + 2 else max(mapping, offset + 2)
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)


def _load(yaml: Any, text: str) -> list[Any]:
    return list(yaml.load_all(text))


def _dump(yaml: Any, docs: list[Any], explicit_start: bool) -> str:
    buffer = io.StringIO()
    yaml.explicit_start = explicit_start
    if len(docs) == 1:
        yaml.dump(docs[0], buffer)
    else:
        yaml.dump_all(docs, buffer)
    return buffer.getvalue()


def _navigate(node: Any, path: str) -> Any:
    for token in pointer.split(path):
        if isinstance(node, dict):
            if token not in node:
                raise PatchError(f"no member {token!r}")
            node = node[token]
        elif isinstance(node, list):
            if not token.isdigit() or int(token) >= len(node):
                raise PatchError(f"no element {token!r}")
            node = node[int(token)]
        else:
            raise PatchError("path goes through a scalar")
    return node


def _styled(value: Any, old: Any) -> Any:
    """A new string written with the old value's quoting or block style."""
    from ruamel.yaml.scalarstring import ScalarString

    if isinstance(value, str) and isinstance(old, ScalarString) and type(old) is not ScalarString:
        if "\n" in value or type(old).__name__ not in ("LiteralScalarString", "FoldedScalarString"):
            try:
                return type(old)(value)
            except Exception:  # pragma: no cover - unusual subclasses
                return value
    return value


def _block_friendly(text: str) -> bool:
    return "\n" in text.rstrip("\n") and all(c == "\n" or c == "\t" or (c.isprintable() and c != "\ufeff") for c in text)


def _literal_strings(value: Any) -> Any:
    """New values: multi-line strings become ``|`` block scalars (as people write them)."""
    from ruamel.yaml.scalarstring import LiteralScalarString

    from claude_preflight.fixing.patch import deep_copy

    if isinstance(value, str):
        return LiteralScalarString(value) if _block_friendly(value) else value
    value = deep_copy(value)
    stack = [value] if isinstance(value, (dict, list)) else []
    while stack:
        node = stack.pop()
        pairs = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        for key, item in pairs:
            if isinstance(item, str) and _block_friendly(item):
                node[key] = LiteralScalarString(item)
            elif isinstance(item, (dict, list)):
                stack.append(item)
    return value


def _apply(doc: Any, op: str, path: str, value: Any) -> Any:
    tokens = pointer.split(path)
    if not tokens:
        raise PatchError("the whole document cannot be edited")
    parent = _navigate(doc, pointer.parent(path))
    last = tokens[-1]
    value = _literal_strings(value)
    if isinstance(parent, dict):
        if op == "remove":
            if last not in parent:
                raise PatchError(f"no member {last!r}")
            del parent[last]
        elif op in ("replace", "add"):
            if op == "replace" and last not in parent:
                raise PatchError(f"no member {last!r}")
            parent[last] = _styled(value, parent.get(last))
        else:
            raise PatchError(f"unsupported operation {op!r}")
        return doc
    if not isinstance(parent, list):
        raise PatchError("the parent is not a mapping or sequence")
    if op == "add" and last == "-":
        parent.append(value)
        return doc
    if not last.isdigit() or int(last) > len(parent) or (int(last) == len(parent) and op != "add"):
        raise PatchError(f"bad index {last!r}")
    index = int(last)
    if op == "remove":
        del parent[index]
    elif op == "replace":
        parent[index] = _styled(value, parent[index])
    elif op == "add":
        parent.insert(index, value)
    else:
        raise PatchError(f"unsupported operation {op!r}")
    return doc


def _rename(doc: Any, parent_path: str, old: str, new: str) -> None:
    parent = _navigate(doc, parent_path)
    if not hasattr(parent, "insert"):
        raise PatchError("rename outside a mapping")
    keys = list(parent.keys())
    position = keys.index(old)
    value = parent[old]
    comment = parent.ca.items.pop(old, None) if hasattr(parent, "ca") else None
    del parent[old]
    parent.insert(position, new, value)
    if comment is not None:
        parent.ca.items[new] = comment


def _multiline_scalar_lines(text: str) -> set[int]:
    """0-based lines inside multi-line scalars (their ``#`` lines are content, not comments)."""
    import yaml

    from claude_preflight.files.yaml_source import Loader

    inside: set[int] = set()
    try:
        nodes = list(yaml.compose_all(text, Loader=Loader))
    except (yaml.YAMLError, RecursionError, ValueError):
        return set(range(text.count("\n") + 1))  # unknown: treat every line as content
    stack = [n for n in nodes if n is not None]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            if node.end_mark.line > node.start_mark.line:
                inside.update(range(node.start_mark.line, node.end_mark.line + 1))
        elif isinstance(node, yaml.MappingNode):
            for key, item in node.value:
                stack.extend((key, item))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return inside


def merge(original: list[str], baseline: list[str], modified: list[str], comments: set[int]) -> list[str] | None:
    """Apply the baseline->modified line changes to ``original``; None when a changed line
    of the baseline has no counterpart in the original. ``comments`` are baseline lines
    that are full-line comments: they survive when the edit deletes them."""
    mapped: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, baseline, original, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        # Equal lines, and lines the round trip only re-rendered one for one (a scalar written
        # differently, such as an escape): the result is checked against the edited document.
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            for k in range(i2 - i1):
                mapped[i1 + k] = j1 + k
    hunks: list[tuple[int, int, list[str]]] = []
    edit = difflib.SequenceMatcher(None, baseline, modified, autojunk=False)
    for tag, i1, i2, j1, j2 in edit.get_opcodes():
        if tag == "equal":
            continue
        written = modified[j1:j2]
        # A line the edit only moved keeps its original text: the round trip may render an
        # unchanged value differently (YAML 1.1 vs 1.2 scalars such as 0E1).
        moved: dict[str, list[str]] = {}
        for k in range(i1, i2):
            if k in mapped:
                moved.setdefault(baseline[k], []).append(original[mapped[k]])
        replacement = [moved[line].pop(0) if moved.get(line) else line for line in written]
        kept = [baseline[k] for k in range(i1, i2) if k in comments and baseline[k] not in written]
        replacement += kept
        if i1 < i2:
            if not all(k in mapped for k in range(i1, i2)):
                return None
            start, end = mapped[i1], mapped[i2 - 1] + 1
            if end - start != i2 - i1:
                return None  # the original has extra lines in between: not a clean mapping
        elif i1 - 1 in mapped:
            start = end = mapped[i1 - 1] + 1
        elif i1 in mapped:
            start = end = mapped[i1]
        elif i1 == 0:
            start = end = 0
        else:
            return None
        hunks.append((start, end, replacement))
    result = list(original)
    for start, end, replacement in sorted(hunks, key=lambda h: h[0], reverse=True):
        result[start:end] = replacement
    return result


def _comment_lines(text: str) -> set[int]:
    content = _multiline_scalar_lines(text)
    return {i for i, line in enumerate(text.split("\n")) if line.lstrip().startswith("#") and i not in content}


def apply_edits(text: str, number: int, edits: Sequence[Any], base: str = "") -> str:
    """Apply body-relative ``edits`` (prefixed by ``base``) to YAML document ``number`` (its
    index in the stream) of ``text`` (LF line endings). Raises PatchError when they do not
    apply."""
    from claude_preflight.fixing.json_text import PrefixedEdit

    try:
        from ruamel.yaml.error import YAMLError
    except ImportError:  # pragma: no cover
        YAMLError = Exception  # type: ignore[misc,assignment]  # noqa: N806
    yaml = _yaml()
    _configure(yaml, text)
    explicit = text.lstrip().startswith("---")
    try:
        baseline_docs = _load(yaml, text)
        docs = _load(yaml, text)
    except (YAMLError, RecursionError, ValueError) as exc:
        raise PatchError(f"cannot round-trip this YAML: {exc}") from None
    if not 0 <= number < len(docs) or docs[number] is None:
        raise PatchError("no such YAML document")
    raw = number  # the document's index in the stream, empty documents included
    prefixed = [PrefixedEdit(e.op, base + e.path, e.value) for e in edits]
    i = 0
    while i < len(prefixed):
        pair = rename_pair(docs[raw], prefixed, i)
        if pair is not None:
            _rename(docs[raw], *pair)
            i += 2
            continue
        _apply(docs[raw], prefixed[i].op, prefixed[i].path, prefixed[i].value)
        i += 1
    try:
        baseline = _dump(yaml, baseline_docs, explicit)
        modified = _dump(yaml, docs, explicit)
    except (YAMLError, RecursionError, ValueError, TypeError) as exc:
        raise PatchError(f"cannot write this YAML: {exc}") from None
    original_lines = text.split("\n")
    merged = merge(original_lines, baseline.split("\n"), modified.split("\n"), _comment_lines(baseline))
    if merged is None:
        return modified  # the caller verifies the result and reports the file if it is wrong
    return "\n".join(merged)
