"""Find ``anthropic`` SDK call sites in Python source with the standard ``ast`` module.

Recognised: ``<client>.messages.create|stream|parse|count_tokens(...)``, the same under
``.beta``, and ``<client>.messages.batches.create(requests=[...])`` (also under ``.beta``),
in files that import ``anthropic``. The client's class (``anthropic.AnthropicBedrock()``,
``from anthropic import AnthropicVertex``...) gives the surface when the receiver is
bound to one in the file. Only literal values are read; see docs/source.md.
"""

from __future__ import annotations

import ast
from collections import Counter
from typing import Any, Iterator

from claude_preflight.files import pointer
from claude_preflight.source.model import FOREIGN, HEADER_PARAMS, UNKNOWN, Call, Collector, Entry, Literal, Span, receiver_surface, set_member
from claude_preflight.source.text import SourceText

METHODS = {"create": "create", "stream": "stream", "parse": "create", "count_tokens": "count_tokens"}
# ``messages.with_raw_response.create(...)`` sends the same request; so does a copied client.
RESPONSE_WRAPPERS = frozenset({"with_raw_response", "with_streaming_response"})
CLIENT_COPIES = frozenset({"with_options", "copy"})
# Keyword arguments of the SDK methods that are not body fields.
NOT_BODY = frozenset({"extra_query", "timeout"})
# Keyword arguments consumed by the SDK itself (``output_format`` of parse() becomes output_config.format).
DERIVED = {"output_format": "/output_config"}
# Request-parameter TypedDicts whose call builds a plain dict (``Request(custom_id=..., params=...)``):
# names imported from ``anthropic.types...``, and these names and suffixes.
TYPED_DICT_SUFFIXES = ("Param", "Params")
TYPED_DICT_NAMES = frozenset({"Request"})


def _client_surfaces() -> dict[str, str]:
    from claude_preflight.sdk_clients import CLIENT_SURFACES

    return {k: v for k, v in CLIENT_SURFACES.items() if not k.startswith("Base")}




class ParseFailure(Exception):
    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line, self.column, self.message = line, column, message


def parse(text: str) -> ast.Module:
    try:
        return ast.parse(text)
    except SyntaxError as exc:
        line = exc.lineno or 1
        column = exc.offset or 1
        raise ParseFailure(line, max(column, 1), f"cannot parse Python source: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise ParseFailure(1, 1, "cannot parse Python source: nested too deeply or too large") from None
    except ValueError as exc:  # e.g. NUL bytes (Python 3.10/3.11)
        raise ParseFailure(1, 1, f"cannot parse Python source: {exc}") from None


def _dotted(node: ast.AST) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


class _Module:
    """What the module says about the SDK: its import names, clients and constants."""

    def __init__(self, tree: ast.Module) -> None:
        self.surfaces = _client_surfaces()
        self.modules: set[str] = set()  # names bound to the anthropic package (or a submodule)
        self.classes: dict[str, str] = {}  # local name -> surface
        self.typed_dicts: set[str] = set()
        self.foreign: set[str] = set()  # names imported from other packages
        self.constants: dict[str, ast.Constant] = {}
        self.bindings: dict[str, set[str | None]] = {}  # dotted target -> surfaces (None: not a client)
        self.imports_sdk = False
        assigned: dict[str, int] = {}
        for stmt in tree.body:
            for target, value in _assignments(stmt):
                if isinstance(target, ast.Name):
                    assigned[target.id] = assigned.get(target.id, 0) + 1
                    if isinstance(value, ast.Constant) and isinstance(value.value, (str, int, float, bool, type(None))):
                        self.constants[target.id] = value
        self.constants = {k: v for k, v in self.constants.items() if assigned.get(k) == 1}
        self.nodes: list[ast.AST] = []
        for node in _statements(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == "anthropic" or alias.name.startswith("anthropic."):
                        self.imports_sdk = True
                        self.modules.add(alias.asname or alias.name.split(".")[0])
                    else:
                        self.foreign.add(alias.asname or alias.name.split(".")[0])
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and node.module.split(".")[0] != "anthropic":
                self.foreign.update(alias.asname or alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and (node.module == "anthropic" or node.module.startswith("anthropic.")):
                self.imports_sdk = True
                for alias in node.names:
                    local = alias.asname or alias.name
                    if alias.name in self.surfaces:
                        self.classes[local] = self.surfaces[alias.name]
                    elif node.module.startswith("anthropic.types") or alias.name.endswith(TYPED_DICT_SUFFIXES) or alias.name in TYPED_DICT_NAMES:
                        self.typed_dicts.add(local)
        if not self.imports_sdk:
            return
        self.nodes = nodes = _nodes(tree)
        if self.constants:  # a name also bound elsewhere (a parameter, a local, a loop) is not constant
            stores = Counter(n.id for n in nodes if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load))
            stores.update(n.arg for n in nodes if isinstance(n, ast.arg))
            self.constants = {k: v for k, v in self.constants.items() if stores[k] == 1}
        assigns = (ast.Assign, ast.AnnAssign, ast.AugAssign)
        for node in nodes:
            annotated: tuple[str | None, ast.expr | None] | None = None
            if isinstance(node, ast.arg):
                annotated = (node.arg, node.annotation)
            elif isinstance(node, ast.AnnAssign) and node.value is None:
                annotated = (_dotted(node.target), node.annotation)
            if annotated is not None:
                bound_name, annotation = annotated
                surface = self.annotated_surface(annotation) if annotation is not None else None
                if bound_name is not None and surface is not None:  # client: AnthropicBedrock
                    self.bindings.setdefault(bound_name, set()).add(surface)
                continue
            if not isinstance(node, assigns) and not isinstance(node, (ast.With, ast.AsyncWith)):
                continue
            for target, value in _assignments(node):
                name = _dotted(target)
                if name is not None and isinstance(value, ast.Call):
                    self.bindings.setdefault(name, set()).add(self.binding(value))
            if isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    name = _dotted(item.optional_vars) if item.optional_vars is not None else None
                    if name is not None and isinstance(item.context_expr, ast.Call):
                        self.bindings.setdefault(name, set()).add(self.binding(item.context_expr))

    def annotated_surface(self, annotation: ast.expr, depth: int = 0) -> str | None:
        """The surface of a client class named in a type annotation (also ``X | None``,
        ``Optional[X]``, a string annotation)."""
        if depth > 8:
            return None
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str) and len(annotation.value) < 200:
            try:
                annotation = ast.parse(annotation.value, mode="eval").body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return None
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            found = {self.annotated_surface(side, depth + 1) for side in (annotation.left, annotation.right)}
            found.discard(None)
            return found.pop() if len(found) == 1 else None
        if isinstance(annotation, ast.Subscript) and _dotted(annotation.value) in ("Optional", "typing.Optional"):
            return self.annotated_surface(annotation.slice, depth + 1)
        if isinstance(annotation, (ast.Name, ast.Attribute)):
            return self.client_surface(ast.Call(func=annotation, args=[], keywords=[]))
        return None

    def client_surface(self, call: ast.Call) -> str | None:
        """The surface of ``Anthropic*(...)`` calls; None for any other call."""
        func = call.func
        if isinstance(func, ast.Name):
            return self.classes.get(func.id)
        if isinstance(func, ast.Attribute):
            root = _dotted(func.value)
            if root is not None and root.split(".")[0] in self.modules:
                return self.surfaces.get(func.attr)
        return None

    def binding(self, call: ast.Call) -> str | None:
        """The surface of a client construction, FOREIGN for a call into another
        package, None for any other call (a local factory may return a client)."""
        surface = self.client_surface(call)
        if surface is not None:
            return surface
        root = _dotted(call.func)
        if root is None or root.split(".")[0] not in self.foreign:
            return None
        return FOREIGN if root.split(".")[-1][:1].isupper() else None  # a class, not a factory

    def is_typed_dict(self, func: ast.expr) -> bool:
        if isinstance(func, ast.Name):
            return func.id in self.typed_dicts
        if isinstance(func, ast.Attribute):
            root = _dotted(func.value)
            return bool(root and root.split(".")[0] in self.modules and (func.attr.endswith(TYPED_DICT_SUFFIXES) or func.attr in TYPED_DICT_NAMES))
        return False

    def file_surface(self) -> str | None:
        """The surface of every client the file creates, when they all agree."""
        found = {s for values in self.bindings.values() for s in values if s not in (None, FOREIGN)}
        return next(iter(found)) if len(found) == 1 else None


_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")


def _statements(tree: ast.AST) -> list[ast.AST]:
    """Every statement (imports are statements, and statements nest only in bodies)."""
    found: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        found.append(node)
        for name in _BODIES:
            value = getattr(node, name, None)
            if isinstance(value, list):
                stack.extend(value)
    return found


def _nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of ``tree`` (like ``ast.walk``, in another order, without its overhead)."""
    found: list[ast.AST] = []
    stack, node_type = [tree], ast.AST
    append, extend, pop = found.append, stack.extend, stack.pop
    while stack:
        node = pop()
        append(node)
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                extend(v for v in value if isinstance(v, node_type))
            elif isinstance(value, node_type):
                stack.append(value)
    return found


def _assignments(node: ast.AST) -> Iterator[tuple[ast.expr, ast.expr]]:
    if isinstance(node, ast.Assign):
        for target in node.targets:
            yield target, node.value
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and node.value is not None:
        yield node.target, node.value


def _method(call: ast.Call) -> tuple[str, ast.expr] | None:
    """``(kind, receiver)`` when ``call`` is an SDK messages method."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    chain: list[str] = []
    node: ast.expr = func
    while isinstance(node, ast.Attribute) and len(chain) < 6:
        chain.append(node.attr)
        node = node.value
        if chain[-1] == "messages":
            break
    chain.reverse()  # e.g. ["messages", "batches", "create"]
    chain = [c for c in chain if c not in RESPONSE_WRAPPERS]
    if chain[:1] != ["messages"]:
        return None
    if chain == ["messages", "batches", "create"]:
        kind = "batches"
    elif len(chain) == 2 and chain[1] in METHODS:
        kind = METHODS[chain[1]]
    else:
        return None
    if isinstance(node, ast.Attribute) and node.attr == "beta":
        node = node.value
    # client.with_options(timeout=...) is the same client (same class, same surface)
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CLIENT_COPIES:
        node = node.func.value
    return kind, node


def read_calls(text: str) -> list[Call]:
    """The recognised call sites of a Python source text (raises :class:`ParseFailure`)."""
    if "anthropic" not in text:
        return []
    tree = parse(text)
    module = _Module(tree)
    if not module.imports_sdk:
        return []
    src = SourceText(text)
    calls = []
    for node in module.nodes:
        if not isinstance(node, ast.Call):
            continue
        found = _method(node)
        if found is None:
            continue
        kind, receiver = found
        surface: str | None
        if isinstance(receiver, ast.Call):
            surface = module.client_surface(receiver)
            if surface is None:
                continue
        else:
            name = _dotted(receiver)
            foreign, surface = receiver_surface(module.bindings.get(name, set()) if name is not None else set(), module.file_surface)
            if foreign:
                continue  # a client of another library
        calls.append(_Reader(src, module).call(node, kind, surface))
    calls.sort(key=lambda c: (c.line, c.column))
    return calls


class _Reader:
    def __init__(self, src: SourceText, module: _Module) -> None:
        self.src = src
        self.module = module

    def pos(self, node: ast.AST) -> tuple[int, int]:
        return self.src.position(getattr(node, "lineno", 1), getattr(node, "col_offset", 0))

    def start(self, node: ast.AST) -> int:
        return self.src.offset(getattr(node, "lineno", 1), getattr(node, "col_offset", 0))

    def end(self, node: ast.AST) -> int:
        end_line, end_column = getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None)
        if not isinstance(end_line, int) or not isinstance(end_column, int):
            return self.start(node)
        return self.src.offset(end_line, end_column)

    def call(self, node: ast.Call, kind: str, surface: str | None) -> Call:
        line, column = self.pos(node)
        call = Call(kind=kind, line=line, column=column, surface=surface)
        collector = Collector(call)
        body = call.body
        items: list[ast.expr | ast.keyword] = sorted([*node.args, *node.keywords], key=lambda n: (n.lineno, n.col_offset))
        opening = self.text_index("(", self.end(node.func))
        extra_body: list[ast.keyword] = []
        betas: str | None = None
        extra_headers: dict[str, str] = {}
        for i, item in enumerate(items):
            if not isinstance(item, ast.keyword):
                continue
            name = item.arg
            if name is None:  # **kwargs: any field may be in it
                call.open.add("")
                continue
            ptr = pointer.join("", name)
            if name in NOT_BODY:
                continue
            if name == "extra_body":
                extra_body.append(item)
                continue
            if name == "extra_headers":
                if not self.headers(item.value, extra_headers):
                    call.headers_partial = True
                continue
            if name == "betas":
                value = self.value(collector, item.value, "/betas", 0, record=False)
                if isinstance(value, list) and all(isinstance(v, str) for v in value):
                    betas = ",".join(value)
                else:
                    call.headers_partial = True
                continue
            if name in HEADER_PARAMS:
                header = self.scalar(item.value)
                if isinstance(header, str):
                    call.headers[HEADER_PARAMS[name]] = header
                else:
                    call.headers_partial = True
                continue
            if name in DERIVED:
                collector.forget(DERIVED[name])
                continue
            collector.key_at(ptr, self.pos(item))
            before = self.end(items[i - 1]) if i else opening + 1
            after = self.start(items[i + 1]) if i + 1 < len(items) else None
            collector.entry(ptr, Entry(Span(self.start(item), self.end(item)), before, after))
            set_member(collector, body, "", name, self.value(collector, item.value, ptr, 0))
        for item in extra_body:  # the SDK merges extra_body over the typed parameters
            value = self.value(collector, item.value, "", 0, record=False, merge_into=body)
            if value is UNKNOWN:
                call.unknown.discard("")
                call.open.add("")
        if betas is not None:
            call.headers["anthropic-beta"] = betas
        call.headers.update(extra_headers)
        return call

    def text_index(self, char: str, start: int) -> int:
        found = self.src.text.find(char, start)
        return found if found >= 0 else start

    def headers(self, node: ast.expr, into: dict[str, str]) -> bool:
        """Read a literal ``{"name": "value"}``; False when any part is not known."""
        if not isinstance(node, ast.Dict):
            return False
        complete = True
        for key, value in zip(node.keys, node.values):
            key_value = self.scalar(key) if key is not None else UNKNOWN
            item = self.scalar(value)
            if not isinstance(key_value, str) or not isinstance(item, str):
                complete = False
                if isinstance(key_value, str):
                    into.pop(key_value.lower(), None)
                continue
            into[key_value.lower()] = item
        return complete

    def scalar(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool, type(None))):
            return node.value
        if isinstance(node, ast.Name) and node.id in self.module.constants:
            return self.module.constants[node.id].value
        return UNKNOWN

    def value(self, collector: Collector, node: ast.expr, ptr: str, depth: int, *, record: bool = True,
              merge_into: dict[str, Any] | None = None) -> Any:
        """The JSON value an expression stands for, or UNKNOWN (recorded at ``ptr``)."""
        if record:
            collector.at(ptr, self.pos(node))
        if depth > collector.MAX_DEPTH:
            return collector.unknown(ptr)
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, str):
                self.string_literal(collector, node, ptr)
                return value
            if isinstance(value, (bool, int, float)) or value is None:
                return value
            return collector.unknown(ptr)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)) and isinstance(node.operand, ast.Constant):
            number = node.operand.value
            if isinstance(number, (int, float)) and not isinstance(number, bool):
                return -number if isinstance(node.op, ast.USub) else number
            return collector.unknown(ptr)
        if isinstance(node, ast.Name) and node.id in self.module.constants:
            constant = self.module.constants[node.id]
            if isinstance(constant.value, str):
                self.string_literal(collector, constant, ptr)
            return constant.value
        if isinstance(node, ast.Dict):
            obj = merge_into if merge_into is not None else {}
            keys: list[ast.expr | None] = list(node.keys)
            for i, (key, item) in enumerate(zip(keys, node.values)):
                if key is None:  # {**spread}
                    collector.open_object(ptr, obj)
                    continue
                key_value = self.scalar(key)
                if not isinstance(key_value, str):
                    collector.open_object(ptr, obj)
                    continue
                child = pointer.join(ptr, key_value)
                collector.key_at(child, self.pos(key))
                before = self.end(node.values[i - 1]) if i else self.start(node) + 1
                after = self.start(k) if i + 1 < len(keys) and (k := keys[i + 1]) is not None else None
                if after is None and i + 1 < len(keys):
                    after = self.text_index("*", self.end(item))
                collector.entry(child, Entry(Span(self.start(key), self.end(item)), before, after))
                set_member(collector, obj, ptr, key_value, self.value(collector, item, child, depth + 1))
            return obj
        if isinstance(node, (ast.List, ast.Tuple)):
            items = []
            for i, element in enumerate(node.elts):
                if isinstance(element, ast.Starred):
                    return collector.unknown(ptr)
                value = self.value(collector, element, pointer.join(ptr, i), depth + 1)
                if value is UNKNOWN:
                    collector.forget(ptr)
                    return UNKNOWN
                items.append(value)
            return items
        if isinstance(node, ast.Call) and self.module.is_typed_dict(node.func) and not node.args:
            obj = {}
            for keyword in node.keywords:
                if keyword.arg is None:
                    collector.open_object(ptr, obj)
                    continue
                child = pointer.join(ptr, keyword.arg)
                collector.key_at(child, self.pos(keyword))
                set_member(collector, obj, ptr, keyword.arg, self.value(collector, keyword.value, child, depth + 1))
            return obj
        return collector.unknown(ptr)

    def string_literal(self, collector: Collector, node: ast.Constant, ptr: str) -> None:
        """Record a plain one-piece string literal so a fix may replace it."""
        start, end = self.start(node), self.end(node)
        segment = self.src.text[start:end]
        if len(segment) < 2 or segment[0] not in "\"'" or segment[-1] != segment[0]:
            return
        quote = segment[0]
        inner = segment[1:-1]
        if "\\" in inner or quote in inner or "\n" in inner or segment.startswith(quote * 3):
            return
        collector.literal(ptr, Literal(Span(start, end), quote, "python"))
