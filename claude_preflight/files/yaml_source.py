"""Safe YAML loading that keeps dates as strings, refuses anything that is not JSON,
and can report positions.

Only ``yaml.SafeLoader`` (or its C twin) is ever used, and with a reduced set of
constructors: the plain JSON-like types (string, integer, float, boolean, null,
sequence, mapping). Every other tag - ``!!python/object``, ``!!binary``,
``!!set``, ``!!timestamp``, custom ``!foo`` tags - is rejected with its
position, never constructed.

Hostile documents are refused before anything is built from them:

* an alias graph that would expand past :data:`MAX_EXPANDED` (the "billion
  laughs" alias bomb) or that refers to itself (a recursive alias) is a
  :class:`YamlProblem` - nothing downstream (the engine's checks, JSON Schema
  validation of catalogue files) ever sees an exponentially shared structure;
* nesting deeper than libyaml's limit (1,000 levels) is a parse error;
* integers longer than Python's digit limit are an error at their position.

Duplicate mapping keys and non-finite floats (``.nan``, ``.inf``) are reported
as :class:`Note` values with a JSON Pointer and position by
:func:`read_documents`; :func:`load` (used for catalogue files) refuses
duplicate keys outright.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from claude_preflight.files import pointer

_BASE: type[yaml.SafeLoader]
try:
    _BASE = yaml.CSafeLoader  # type: ignore[assignment]  # same interface, C parser
except AttributeError:  # pragma: no cover - libyaml missing
    _BASE = yaml.SafeLoader

_TAG = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
SEQ, MAP, MERGE = _TAG + "seq", _TAG + "map", _TAG + "merge"
ALLOWED_TAGS = frozenset({STR, INT, FLOAT, BOOL, NULL, SEQ, MAP})
# Resolved implicitly by PyYAML but not JSON: timestamps stay strings, and a plain "="
# (the YAML 1.1 "value" key, which SafeLoader cannot even construct) stays a string too.
_DROPPED_RESOLVERS = frozenset({_TAG + "timestamp", _TAG + "value"})

# Expanded size, in characters plus NODE_WEIGHT per value, beyond which aliases are refused.
# A Messages request is at most 32 MB, so a document expanding past this is not a request
# anyway; a few kilobytes of nested aliases can otherwise expand to gigabytes.
MAX_EXPANDED = 64 * 1024 * 1024
NODE_WEIGHT = 16


class YamlProblem(Exception):
    """A YAML document could not be read; ``line``/``column`` are 1-based."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.line = line
        self.column = column
        super().__init__(message)


@dataclass(frozen=True)
class Note:
    """Something readable but suspicious: a duplicate key or a non-finite number.

    ``kind`` is ``"duplicate-key"`` or ``"non-finite"``; ``path`` is the JSON Pointer
    in the document; ``line``/``column`` (1-based) are where it is written, and
    ``first`` the position of the first occurrence of a duplicated key.
    """

    kind: str
    path: str
    line: int
    column: int
    value: str = ""
    first: tuple[int, int] | None = None


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Refused(yaml.constructor.ConstructorError):
    """Raised by the constructor for values that are not JSON."""


def _constructors(base: type[yaml.SafeLoader]) -> dict[Any, Callable[..., Any]]:
    kept: dict[Any, Callable[..., Any]] = {tag: fn for tag, fn in base.yaml_constructors.items() if tag in ALLOWED_TAGS}
    kept[None] = _Constructing.construct_refused
    return kept


class _Constructing:
    """Constructor overrides shared by the C and pure-Python loaders."""

    # Filled per instance by the reader: (kind, node, first node or None)
    notes: list[tuple[str, Node, Node | None]]
    strict_keys: bool

    def construct_refused(self, node: Node) -> Any:
        tag = node.tag
        shown = "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag
        raise _Refused(
            None,
            None,
            f"YAML tag {shown!r} is not allowed: only plain JSON values (strings, numbers, booleans, null, "
            "lists and mappings) are read, and nothing is ever constructed from a tag",
            node.start_mark,
        )

    def construct_mapping(self, node: Node, deep: bool = False) -> Any:
        if isinstance(node, MappingNode):
            seen: dict[str, Node] = {}
            for key_node, _ in node.value:
                if key_node.tag == MERGE:
                    continue
                if not isinstance(key_node, ScalarNode) or key_node.tag != STR:
                    raise _Refused(
                        None,
                        None,
                        f"mapping key {_key_text(key_node)} is not a string; JSON object keys are strings "
                        "(quote it if a string is meant)",
                        key_node.start_mark,
                    )
                first = seen.get(key_node.value)
                if first is not None:
                    if getattr(self, "strict_keys", False):
                        line, column = _mark(first)
                        raise _Refused(
                            None,
                            None,
                            f"duplicate key {key_node.value!r} (first defined at line {line}, column {column}); "
                            "only the last value would be kept",
                            key_node.start_mark,
                        )
                    self.notes.append(("duplicate-key", key_node, first))
                seen[key_node.value] = key_node
        return super().construct_mapping(node, deep)  # type: ignore[misc]

    def construct_yaml_float(self, node: Node) -> Any:
        value = super().construct_yaml_float(node)  # type: ignore[misc]
        if not math.isfinite(value) and hasattr(self, "notes"):
            self.notes.append(("non-finite", node, None))
        return value

    def construct_yaml_int(self, node: Node) -> Any:
        try:
            return super().construct_yaml_int(node)  # type: ignore[misc]
        except ValueError:  # more digits than int() accepts (sys.get_int_max_str_digits())
            digits = sum(c.isdigit() for c in str(node.value))
            raise _Refused(None, None, f"an integer of {digits:,} digits cannot be read", node.start_mark) from None


def _key_text(node: Node) -> str:
    if isinstance(node, ScalarNode):
        text = node.value if len(node.value) <= 40 else node.value[:37] + "..."
        kind = node.tag[len(_TAG) :] if node.tag.startswith(_TAG) else node.tag
        return f"{text!r} (read as {kind})"
    return "that is a " + ("mapping" if isinstance(node, MappingNode) else "sequence")


def _loader(base: type[yaml.SafeLoader]) -> type[yaml.SafeLoader]:
    resolvers = {
        first: [(tag, regexp) for tag, regexp in entries if tag not in _DROPPED_RESOLVERS]
        for first, entries in base.yaml_implicit_resolvers.items()
    }
    constructors = _constructors(base)
    constructors[FLOAT] = _Constructing.construct_yaml_float
    constructors[INT] = _Constructing.construct_yaml_int
    namespace = {"yaml_implicit_resolvers": resolvers, "yaml_constructors": constructors, "yaml_multi_constructors": {}}
    return type("PreflightLoader", (_Constructing, base), namespace)


Loader = _loader(_BASE)
PyLoader = _loader(yaml.SafeLoader)


def _problem(exc: yaml.YAMLError, text: str = "") -> YamlProblem:
    if isinstance(exc, yaml.reader.ReaderError):
        offset = min(max(int(exc.position), 0), len(text))
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        return YamlProblem(f"character U+{code:04X} is not allowed in YAML", line, column)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    if context and isinstance(exc, (yaml.scanner.ScannerError, yaml.parser.ParserError)):
        problem = f"{problem} ({context})"
    if mark is not None:
        return YamlProblem(str(problem), mark.line + 1, mark.column + 1)
    return YamlProblem(str(problem))


# ------------------------------------------------------------------ graph checks


def check_graph(root: Node, limit: int = MAX_EXPANDED) -> None:
    """Refuse recursive aliases and alias expansions larger than ``limit``.

    Walks the composed node graph once (each shared node is weighed once and its
    weight reused), so the check itself is linear in the size of the text.
    """
    weight: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            on_path.discard(key)
            total = NODE_WEIGHT + sum(weight[id(child)] for child in _children(node))
            weight[key] = total
            if total > limit:
                line, column = _mark(node)
                raise YamlProblem(
                    f"YAML aliases expand this value to more than {limit // (1024 * 1024)} MiB "
                    "(an alias bomb?); write the data out or reuse less",
                    line,
                    column,
                )
            continue
        if key in weight:
            continue
        if key in on_path:
            line, column = _mark(node)
            raise YamlProblem("recursive YAML alias: a value contains itself, which JSON cannot express", line, column)
        if isinstance(node, ScalarNode):
            weight[key] = NODE_WEIGHT + len(node.value)
            continue
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(_children(node)))


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [item for pair in node.value for item in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


# ------------------------------------------------------------------ reading


@dataclass
class YamlDocument:
    """One document of a stream: its data, where it starts, and its notes."""

    index: int
    data: Any
    node: Node | None
    notes: list[Note] = field(default_factory=list)

    def positions(self) -> dict[str, tuple[int, int]]:
        return node_positions(self.node) if self.node is not None else {}


def _compose(text: str, loader: yaml.SafeLoader) -> Iterator[Node | None]:
    """The root node of each document; raises :class:`YamlProblem` at the first broken one."""
    try:
        while loader.check_node():
            yield loader.get_node()
    except yaml.YAMLError as exc:
        raise _problem(exc, text) from None
    except (ValueError, TypeError, RecursionError, MemoryError) as exc:
        raise YamlProblem(f"cannot read YAML: {type(exc).__name__}: {exc}") from None


def _construct(loader: Any, node: Node | None, text: str) -> Any:
    if node is None:
        return None
    if "&" in text:  # no anchor, no alias: nothing can be shared or recursive
        check_graph(node)
    try:
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _problem(exc, text) from None
    except (ValueError, TypeError, RecursionError, MemoryError) as exc:
        line, column = _mark(node)
        raise YamlProblem(f"cannot read YAML: {type(exc).__name__}: {exc}", line, column) from None
    finally:
        loader.constructed_objects = {}
        loader.recursive_objects = {}
        loader.state_generators = []


def read_documents(text: str) -> Iterator[YamlDocument | YamlProblem]:
    """Each document of a YAML stream, or a :class:`YamlProblem` for the one that fails.

    Documents before a syntax error are still returned; a problem in one
    document's values (a tag, an alias bomb) does not stop the next documents.
    """
    loader: Any = Loader(text)  # a PreflightLoader: _Constructing's notes and strict_keys
    loader.notes = []
    loader.strict_keys = False
    index = 0
    try:
        for node in _compose(text, loader):
            loader.notes = []
            try:
                data = _construct(loader, node, text)
            except YamlProblem as problem:
                yield problem
            else:
                yield YamlDocument(index, data, node, _notes(node, loader.notes))
            index += 1
    except YamlProblem as problem:
        yield problem
    finally:
        loader.dispose()


def _notes(root: Node | None, raw: list[tuple[str, Node, Node | None]]) -> list[Note]:
    if not raw or root is None:
        return []
    where = node_pointers(root, {id(node) for _, node, _ in raw})
    notes = []
    for kind, node, first in raw:
        line, column = _mark(node)
        if kind == "duplicate-key":
            # the pointer of a key is the pointer of its value in the enclosing mapping
            path = where.get(id(node), "")
            notes.append(Note(kind, path, line, column, str(node.value), _mark(first) if first else None))
        else:
            notes.append(Note(kind, where.get(id(node), ""), line, column, str(node.value)))
    return notes


def load_documents(text: str) -> list[Any]:
    """Every document of a YAML stream; raises :class:`YamlProblem` on the first problem."""
    found = []
    for item in read_documents(text):
        if isinstance(item, YamlProblem):
            raise item
        found.append(item.data)
    return found


def load(text: str) -> Any:
    """A single-document file (a catalogue file): duplicate keys are refused too."""
    loader: Any = Loader(text)
    loader.notes = []
    loader.strict_keys = True
    try:
        nodes = list(_compose(text, loader))
        if len(nodes) > 1:
            line, column = _mark(nodes[1]) if nodes[1] is not None else (None, None)
            raise YamlProblem(f"expected one YAML document, found {len(nodes)}", line, column)
        return _construct(loader, nodes[0], text) if nodes else None
    finally:
        loader.dispose()


# ------------------------------------------------------------------ positions


def _walk(root: Node) -> Iterator[tuple[str, Node, Node | None, str]]:
    """``(pointer, node, key node, kind)`` for each value; each shared node is expanded once.

    ``kind`` is ``"value"`` (first visit), ``"alias"`` (a node already visited through
    another pointer: not descended again) or ``"shadowed"`` (the key node of an earlier
    occurrence of a duplicated key: its value is not the one kept, the last one is).
    """
    seen: set[int] = set()
    stack: list[tuple[str, Node, Node | None, str]] = [("", root, None, "value")]
    while stack:
        where, node, key, kind = stack.pop()
        if kind == "shadowed":
            yield where, node, key, kind
            continue
        if id(node) in seen:
            yield where, node, key, "alias"
            continue
        seen.add(id(node))
        yield where, node, key, "value"
        children: list[tuple[str, Node, Node | None, str]] = []
        if isinstance(node, MappingNode):
            last: dict[str, tuple[Node, Node]] = {}
            shadowed: list[tuple[str, Node, Node | None, str]] = []
            for key_node, value in node.value:
                token = key_node.value if isinstance(key_node, ScalarNode) else "?"
                if token in last:
                    shadowed.append((pointer.join(where, token), last.pop(token)[0], None, "shadowed"))
                last[token] = (key_node, value)
            children = [(pointer.join(where, t), v, k, "value") for t, (k, v) in last.items()] + shadowed
        elif isinstance(node, SequenceNode):
            children = [(pointer.join(where, i), value, None, "value") for i, value in enumerate(node.value)]
        stack.extend(reversed(children))


def node_positions(root: Node) -> dict[str, tuple[int, int]]:
    """Map each JSON Pointer of a document to the 1-based (line, column) of its value.

    Keys of mappings are also recorded, under the pointer with a trailing ``#key``
    marker. A value reached through an alias points at the anchored original.
    """
    found: dict[str, tuple[int, int]] = {}
    for where, node, key, kind in _walk(root):
        if kind == "shadowed":
            continue
        if key is not None:
            found.setdefault(where + "#key", _mark(key))
        found.setdefault(where, _mark(node))
    return found


def node_pointers(root: Node, wanted: set[int]) -> dict[int, str]:
    """The JSON Pointer of each wanted node (values, and key nodes of mappings)."""
    found: dict[int, str] = {}
    for where, node, key, _ in _walk(root):
        if id(node) in wanted:
            found.setdefault(id(node), where)
        if key is not None and id(key) in wanted:
            found.setdefault(id(key), where)
    return found


def positions(text: str, document: int = 0) -> dict[str, tuple[int, int]]:
    """Positions (see :func:`node_positions`) of document number ``document`` of ``text``."""
    loader = Loader(text)
    try:
        for index, node in enumerate(_compose(text, loader)):
            if index == document:
                return node_positions(node) if node is not None else {}
    except YamlProblem:
        return {}
    finally:
        loader.dispose()
    return {}
