"""Find ``@anthropic-ai/sdk`` call sites in TypeScript/JavaScript with tree-sitter.

Recognised: ``<client>.messages.create|stream|parse|countTokens({...}, {headers})``,
the same under ``.beta`` (whose ``betas`` parameter becomes the ``anthropic-beta``
header), and ``<client>.messages.batches.create({requests: [...]})``, in files that
import or require an ``@anthropic-ai/*`` SDK package. ``new AnthropicBedrock()`` and
the other client classes give the surface. tree-sitter and its grammars are imported
only when a TypeScript/JavaScript file is read (``pip install 'claude-preflight[source]'``).
"""

from __future__ import annotations

import json
from collections import Counter
from functools import lru_cache
from typing import Any, Iterator

from claude_preflight.files import pointer
from claude_preflight.source.model import FOREIGN, HEADER_PARAMS, UNKNOWN, Call, Collector, Entry, Literal, Span, receiver_surface, set_member
from claude_preflight.source.text import SourceText

EXTRA = "source"
METHODS = {"create": "create", "stream": "stream", "parse": "create", "countTokens": "count_tokens"}
# Package -> surface of its default export; named client classes by name.
PACKAGES = {
    "@anthropic-ai/sdk": "anthropic",
    "@anthropic-ai/bedrock-sdk": "bedrock-invoke",
    "@anthropic-ai/vertex-sdk": "vertex",
    "@anthropic-ai/foundry-sdk": "foundry",
    "@anthropic-ai/aws-sdk": "aws-platform",
    "@anthropic-ai/google-cloud-sdk": "google-cloud",
}
CLASSES = {
    "Anthropic": "anthropic",
    "AnthropicBedrock": "bedrock-invoke",
    "AnthropicBedrockMantle": "bedrock",
    "AnthropicVertex": "vertex",
    "AnthropicFoundry": "foundry",
    "AnthropicAws": "aws-platform",
    "AnthropicGoogleCloud": "google-cloud",
}
# Parents of an identifier that declares a name.
_DECLARING = frozenset({"variable_declarator", "required_parameter", "optional_parameter", "formal_parameters",
                        "object_pattern", "array_pattern", "assignment_pattern", "rest_pattern", "catch_clause",
                        "function_declaration", "class_declaration", "arrow_function", "pair_pattern"})
_WRAPPERS = frozenset({"parenthesized_expression", "as_expression", "satisfies_expression", "non_null_expression",
                       "type_assertion"})




class MissingParser(Exception):
    """tree-sitter or a grammar is not installed."""


class ParseFailure(Exception):
    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line, self.column, self.message = line, column, message


@lru_cache(maxsize=None)
def _parser(dialect: str) -> Any:
    try:
        import tree_sitter
        if dialect == "javascript":
            import tree_sitter_javascript as grammar

            language = tree_sitter.Language(grammar.language())
        else:
            import tree_sitter_typescript as ts_grammar

            language = tree_sitter.Language(ts_grammar.language_tsx() if dialect == "tsx" else ts_grammar.language_typescript())
    except ImportError as exc:
        raise MissingParser(
            f"reading TypeScript/JavaScript needs tree-sitter and its grammars ({exc.name} is not installed): "
            f"pip install 'claude-preflight[{EXTRA}]'"
        ) from None
    return tree_sitter.Parser(language)


def dialect_of(suffix: str) -> str:
    suffix = suffix.lower()
    if suffix == ".tsx":
        return "tsx"
    if suffix in (".ts", ".mts", ".cts"):
        return "typescript"
    return "javascript"


def _first_error(root: Any) -> Any:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            return node
        if node.has_error:
            stack.extend(reversed(node.children))
    return root


def _walk(root: Any) -> Iterator[Any]:
    """Every node, without recursion."""
    cursor = root.walk()
    while True:
        yield cursor.node
        if cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return


def _unwrap(node: Any) -> Any:
    while node is not None and node.type in _WRAPPERS:
        node = node.named_children[0] if node.named_children else None
    return node


def _text(node: Any) -> str:
    return bytes(node.text or b"").decode("utf-8", "replace")


def _package(node: Any) -> str | None:
    """The SDK package an import source names (``npm:`` specifiers and versions allowed)."""
    name = _string(node) if node is not None else UNKNOWN
    if not isinstance(name, str):
        return None
    if name.startswith("npm:"):
        name = name[4:]
        scope, _, rest = name.partition("/")
        name = scope + "/" + rest.split("@")[0] if rest else name
    return name if name in PACKAGES else None


def _string(node: Any) -> Any:
    """The value of a string literal or a template without substitutions; UNKNOWN otherwise."""
    if node.type == "string":
        parts = []
        for child in node.named_children:
            if child.type == "string_fragment":
                parts.append(_text(child))
            elif child.type == "escape_sequence":
                try:
                    parts.append(json.loads('"' + _text(child).replace("\\'", "'") + '"'))
                except ValueError:
                    return UNKNOWN
            else:
                return UNKNOWN
        return "".join(parts)
    if node.type == "template_string":
        if any(c.type != "string_fragment" for c in node.named_children):
            return UNKNOWN
        return "".join(_text(c) for c in node.named_children)
    return UNKNOWN


def _number(text: str) -> Any:
    text = text.replace("_", "")
    if text.endswith("n"):
        return UNKNOWN
    try:
        return int(text, 0)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return UNKNOWN


class _Module:
    def __init__(self, root: Any) -> None:
        self.classes: dict[str, str] = {}  # local class name -> surface
        self.namespaces: set[str] = set()  # `import * as sdk` / `const sdk = require(...)`
        self.constants: dict[str, Any] = {}  # top-level const NAME = <literal> -> node
        self.bindings: dict[str, set[str | None]] = {}
        self.foreign: set[str] = set()  # names imported from other packages
        self.imports_sdk = False
        self.nodes = nodes = list(_walk(root))
        for node in nodes:
            if node.type == "import_statement":
                package = _package(node.child_by_field_name("source"))
                if package is not None:
                    self.imports_sdk = True
                    self._import(node, package)
                elif not _text(node.child_by_field_name("source") or node).strip("'\"`").startswith("."):
                    self.foreign.update(_text(n) for n in _walk(node) if n.type == "identifier")
            elif node.type == "variable_declarator":
                value = _unwrap(node.child_by_field_name("value"))
                if value is not None and value.type == "call_expression":
                    package = self._required(value)
                    if package is not None:
                        self.imports_sdk = True
                        self._require(node.child_by_field_name("name"), package)
        for node in root.named_children:
            declaration = node.child_by_field_name("declaration") if node.type == "export_statement" else node
            if declaration is not None and declaration.type == "lexical_declaration" and _text(declaration).startswith("const"):
                for declarator in declaration.named_children:
                    name, value = declarator.child_by_field_name("name"), _unwrap(declarator.child_by_field_name("value"))
                    if name is not None and name.type == "identifier" and value is not None and value.type in ("string", "template_string", "number", "true", "false", "null"):
                        self.constants[_text(name)] = value
        if not self.imports_sdk:
            return
        if self.constants:  # a name also declared elsewhere (a parameter, an inner const) is not constant
            declared = Counter(_text(n) for n in nodes if n.type in ("identifier", "shorthand_property_identifier_pattern")
                               and n.parent is not None and n.parent.type in _DECLARING)
            self.constants = {k: v for k, v in self.constants.items() if declared[k] <= 1}
        for node in nodes:
            if node.type in ("required_parameter", "optional_parameter", "public_field_definition"):
                self._annotated(node)
            target = value = None
            if node.type == "variable_declarator":
                target, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            elif node.type == "assignment_expression":
                target, value = node.child_by_field_name("left"), node.child_by_field_name("right")
            elif node.type in ("public_field_definition", "field_definition"):
                target = node.child_by_field_name("name") or node.child_by_field_name("property")
                value = node.child_by_field_name("value")
            value = _unwrap(value)
            if target is None or value is None or value.type != "new_expression":
                continue
            name = _dotted(target)
            if name is not None:
                surface = self.client_surface(value)
                if surface is None:
                    constructor = _dotted(value.child_by_field_name("constructor"))
                    if constructor is not None and constructor.split(".")[0] in self.foreign:
                        surface = FOREIGN
                self.bindings.setdefault(name, set()).add(surface)

    def _annotated(self, node: Any) -> None:
        """``client: AnthropicBedrock`` (a parameter, a class field, ``private client: ...``)."""
        annotation = next((c for c in node.named_children if c.type == "type_annotation"), None)
        name = next((c for c in node.named_children if c.type in ("identifier", "property_identifier")), None)
        if annotation is None or name is None:
            return
        found = set()
        for part in _walk(annotation):
            if part.type == "type_identifier":
                parent = part.parent
                qualifier = parent.named_children[0] if parent is not None and parent.type == "nested_type_identifier" else None
                if qualifier is None or _text(qualifier) in self.namespaces:
                    surface = CLASSES.get(_text(part)) if qualifier is not None else self.classes.get(_text(part))
                    if surface is not None:
                        found.add(surface)
        if len(found) == 1:
            surface = found.pop()
            for bound in (_text(name), "this." + _text(name)):
                self.bindings.setdefault(bound, set()).add(surface)

    def _required(self, call: Any) -> str | None:
        function = call.child_by_field_name("function")
        arguments = call.child_by_field_name("arguments")
        if function is None or _text(function) != "require" or arguments is None or not arguments.named_children:
            return None
        return _package(arguments.named_children[0])

    def _import(self, node: Any, package: str) -> None:
        for clause in node.named_children:
            if clause.type != "import_clause":
                continue
            for part in clause.named_children:
                if part.type == "identifier":
                    self.classes[_text(part)] = PACKAGES[package]
                elif part.type == "namespace_import":
                    self.namespaces.update(_text(c) for c in part.named_children if c.type == "identifier")
                elif part.type == "named_imports":
                    for spec in part.named_children:
                        name = spec.child_by_field_name("name")
                        alias = spec.child_by_field_name("alias") or name
                        if name is not None and alias is not None:
                            imported = _text(name)
                            if imported in CLASSES:
                                self.classes[_text(alias)] = CLASSES[imported]
                            elif imported == "default":
                                self.classes[_text(alias)] = PACKAGES[package]

    def _require(self, name: Any, package: str) -> None:
        if name is None:
            return
        if name.type == "identifier":
            self.namespaces.add(_text(name))
            self.classes[_text(name)] = PACKAGES[package]  # `const Anthropic = require(...)`
        elif name.type == "object_pattern":
            for part in name.named_children:
                if part.type == "shorthand_property_identifier_pattern" and _text(part) in CLASSES:
                    self.classes[_text(part)] = CLASSES[_text(part)]
                elif part.type == "pair_pattern":
                    key, value = part.child_by_field_name("key"), part.child_by_field_name("value")
                    if key is not None and value is not None and _text(key) in CLASSES:
                        self.classes[_text(value)] = CLASSES[_text(key)]

    def client_surface(self, new: Any) -> str | None:
        constructor = _unwrap(new.child_by_field_name("constructor"))
        if constructor is None:
            return None
        if constructor.type == "identifier":
            return self.classes.get(_text(constructor))
        if constructor.type == "member_expression":
            obj, prop = constructor.child_by_field_name("object"), constructor.child_by_field_name("property")
            if obj is not None and prop is not None and _text(obj) in self.namespaces:
                return CLASSES.get(_text(prop)) or (PACKAGES.get("@anthropic-ai/sdk") if _text(prop) == "default" else None)
        return None

    def file_surface(self) -> str | None:
        found = {s for values in self.bindings.values() for s in values if s not in (None, FOREIGN)}
        return next(iter(found)) if len(found) == 1 else None


def _dotted(node: Any) -> str | None:
    parts: list[str] = []
    node = _unwrap(node)
    while node is not None and node.type == "member_expression":
        prop = node.child_by_field_name("property")
        if prop is None:
            return None
        parts.append(_text(prop))
        node = _unwrap(node.child_by_field_name("object"))
    if node is not None and node.type in ("identifier", "this", "property_identifier"):
        parts.append(_text(node))
        return ".".join(reversed(parts))
    return None


def _method(call: Any) -> tuple[str, Any] | None:
    function = _unwrap(call.child_by_field_name("function"))
    chain: list[str] = []
    node = function
    while node is not None and node.type == "member_expression" and len(chain) < 4:
        prop = node.child_by_field_name("property")
        chain.append(_text(prop) if prop is not None else "")
        node = _unwrap(node.child_by_field_name("object"))
        if chain[-1] == "messages":
            break
    chain.reverse()
    if chain[:1] != ["messages"]:
        return None
    if chain == ["messages", "batches", "create"]:
        kind = "batches"
    elif len(chain) == 2 and chain[1] in METHODS:
        kind = METHODS[chain[1]]
    else:
        return None
    beta = False
    if node is not None and node.type == "member_expression":
        prop = node.child_by_field_name("property")
        if prop is not None and _text(prop) == "beta":
            beta = True
            node = _unwrap(node.child_by_field_name("object"))
    return kind + (":beta" if beta else ""), node


def read_calls(text: str, suffix: str) -> list[Call]:
    """The recognised call sites of a TypeScript/JavaScript text (raises ParseFailure, MissingParser)."""
    if "@anthropic-ai/" not in text:
        return []
    parser = _parser(dialect_of(suffix))
    data = text.encode("utf-8", "surrogatepass")
    tree = parser.parse(data)
    src = SourceText(text)
    root = tree.root_node
    if root.has_error:
        bad = _first_error(root)
        line, column = src.position(bad.start_point[0] + 1, bad.start_point[1])
        what = "missing " + bad.type if bad.is_missing else "syntax error"
        raise ParseFailure(line, column, f"cannot parse {dialect_of(suffix)} source: {what}")
    module = _Module(root)
    if not module.imports_sdk:
        return []
    calls = []
    for node in module.nodes:
        if node.type != "call_expression":
            continue
        found = _method(node)
        if found is None:
            continue
        kind, receiver = found
        surface: str | None
        receiver = _unwrap(receiver)
        while receiver is not None and receiver.type == "call_expression":  # client.withOptions({...})
            function = _unwrap(receiver.child_by_field_name("function"))
            prop = function.child_by_field_name("property") if function is not None and function.type == "member_expression" else None
            if prop is None or _text(prop) != "withOptions":
                break
            receiver = _unwrap(function.child_by_field_name("object"))
        if receiver is not None and receiver.type == "new_expression":
            surface = module.client_surface(receiver)
            if surface is None:
                continue
        else:
            name = _dotted(receiver) if receiver is not None else None
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

    def pos(self, node: Any) -> tuple[int, int]:
        return self.src.position(node.start_point[0] + 1, node.start_point[1])

    def start(self, node: Any) -> int:
        return self.src.char_at_byte(node.start_byte)

    def end(self, node: Any) -> int:
        return self.src.char_at_byte(node.end_byte)

    def call(self, node: Any, kind: str, surface: str | None) -> Call:
        beta = kind.endswith(":beta")
        kind = kind.split(":")[0]
        line, column = self.pos(node)
        call = Call(kind=kind, line=line, column=column, surface=surface)
        collector = Collector(call)
        arguments = node.child_by_field_name("arguments")
        args = [a for a in arguments.named_children if a.type != "comment"] if arguments is not None else []
        if not args:
            call.open.add("")
            return call
        body = self.value(collector, args[0], "", 0)
        if isinstance(body, dict):
            call.body = body
        else:
            call.unknown.discard("")
            call.open.add("")
        if beta and ("betas" in call.body or "/betas" in call.unknown):
            betas = call.body.pop("betas", UNKNOWN)
            call.unknown.discard("/betas")
            if isinstance(betas, list) and all(isinstance(b, str) for b in betas):
                call.headers["anthropic-beta"] = ",".join(betas)
            else:
                call.headers_partial = True
        elif beta and "" in call.open:
            call.headers_partial = True
        for name, header in HEADER_PARAMS.items():
            if name in call.body or pointer.join("", name) in call.unknown:
                value = call.body.pop(name, UNKNOWN)
                call.unknown.discard(pointer.join("", name))
                if isinstance(value, str):
                    call.headers[header] = value
                else:
                    call.headers_partial = True
        if len(args) > 1:
            self.options(call, args[1])
        return call

    def options(self, call: Call, node: Any) -> None:
        """Request options ``{headers: {...}}``: only literal headers are known."""
        node = _unwrap(node)
        if node is None or node.type != "object":
            call.headers_partial = True
            return
        for child in node.named_children:
            if child.type == "pair":
                key = self.key(child.child_by_field_name("key"))
                if key != "headers":
                    continue
                headers = _unwrap(child.child_by_field_name("value"))
                if headers is None or headers.type != "object":
                    call.headers_partial = True
                    continue
                for item in headers.named_children:
                    if item.type == "comment":
                        continue
                    name = self.key(item.child_by_field_name("key")) if item.type == "pair" else UNKNOWN
                    value = self.scalar(item.child_by_field_name("value")) if item.type == "pair" else UNKNOWN
                    if isinstance(name, str) and isinstance(value, str):
                        call.headers[name.lower()] = value
                    elif isinstance(name, str) and value is None:
                        call.headers.pop(name.lower(), None)  # null removes a default header
                    else:
                        call.headers_partial = True
            elif child.type != "comment":
                call.headers_partial = True

    def key(self, node: Any) -> Any:
        if node is None:
            return UNKNOWN
        if node.type in ("property_identifier", "identifier"):
            return _text(node)
        if node.type == "string":
            return _string(node)
        if node.type == "number":
            value = _number(_text(node))
            return str(value) if value is not UNKNOWN else UNKNOWN
        return UNKNOWN

    def scalar(self, node: Any) -> Any:
        node = _unwrap(node)
        if node is None:
            return UNKNOWN
        if node.type in ("string", "template_string"):
            return _string(node)
        if node.type == "identifier" and _text(node) in self.module.constants:
            return self.scalar(self.module.constants[_text(node)])
        if node.type == "number":
            return _number(_text(node))
        return {"true": True, "false": False, "null": None}.get(node.type, UNKNOWN)

    def value(self, collector: Collector, node: Any, ptr: str, depth: int) -> Any:
        collector.at(ptr, self.pos(node))
        node = _unwrap(node)
        if node is None or depth > collector.MAX_DEPTH:
            return collector.unknown(ptr)
        kind = node.type
        if kind in ("string", "template_string"):
            value = _string(node)
            if value is UNKNOWN:
                return collector.unknown(ptr)
            self.string_literal(collector, node, ptr)
            return value
        if kind == "identifier" and _text(node) in self.module.constants:
            constant = self.module.constants[_text(node)]
            value = self.scalar(constant)
            if isinstance(value, str):
                self.string_literal(collector, constant, ptr)
            return value if value is not UNKNOWN else collector.unknown(ptr)
        if kind in ("number", "true", "false", "null"):
            value = self.scalar(node)
            return value if value is not UNKNOWN else collector.unknown(ptr)
        if kind == "unary_expression":
            operator, argument = node.child_by_field_name("operator"), _unwrap(node.child_by_field_name("argument"))
            if operator is not None and argument is not None and argument.type == "number" and _text(operator) in "-+":
                number = _number(_text(argument))
                if number is not UNKNOWN:
                    return -number if _text(operator) == "-" else number
            return collector.unknown(ptr)
        if kind == "object":
            return self.object(collector, node, ptr, depth)
        if kind == "array":
            items = []
            for i, element in enumerate(c for c in node.named_children if c.type != "comment"):
                if element.type == "spread_element":
                    return collector.unknown(ptr)
                value = self.value(collector, element, pointer.join(ptr, i), depth + 1)
                if value is UNKNOWN:
                    collector.forget(ptr)
                    return UNKNOWN
                items.append(value)
            return items
        return collector.unknown(ptr)

    def object(self, collector: Collector, node: Any, ptr: str, depth: int) -> Any:
        obj: dict[str, Any] = {}
        members = [c for c in node.named_children if c.type != "comment"]
        for i, member in enumerate(members):
            if member.type == "pair":
                key_node = member.child_by_field_name("key")
                key = self.key(key_node)
                if not isinstance(key, str):
                    collector.open_object(ptr, obj)
                    continue
                child = pointer.join(ptr, key)
                collector.key_at(child, self.pos(member))
                before = self.end(members[i - 1]) if i else self.start(node) + 1
                after = self.start(members[i + 1]) if i + 1 < len(members) else None
                collector.entry(child, Entry(Span(self.start(member), self.end(member)), before, after))
                value_node = _unwrap(member.child_by_field_name("value"))
                if value_node is not None and value_node.type == "undefined":
                    obj.pop(key, None)  # JSON.stringify drops undefined members
                    collector.call.unknown.discard(child)
                    continue
                set_member(collector, obj, ptr, key, self.value(collector, member.child_by_field_name("value"), child, depth + 1))
            elif member.type in ("shorthand_property_identifier", "method_definition"):
                name = _text(member) if member.type == "shorthand_property_identifier" else None
                key = name if name is not None else self.key(member.child_by_field_name("name"))
                if not isinstance(key, str):
                    collector.open_object(ptr, obj)
                    continue
                child = pointer.join(ptr, key)
                collector.at(child, self.pos(member))
                value = self.scalar(self.module.constants[key]) if name is not None and key in self.module.constants else UNKNOWN
                set_member(collector, obj, ptr, key, value)
            else:  # spread_element and anything else may add or override any key
                collector.open_object(ptr, obj)
        return obj

    def string_literal(self, collector: Collector, node: Any, ptr: str) -> None:
        segment = self.src.text[self.start(node):self.end(node)]
        if len(segment) < 2 or segment[0] not in "\"'`" or segment[-1] != segment[0]:
            return
        if any(c.type != "string_fragment" for c in node.named_children):
            return
        collector.literal(ptr, Literal(Span(self.start(node), self.end(node)), segment[0], "typescript"))
