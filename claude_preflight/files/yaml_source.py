"""Safe YAML loading that keeps dates as strings and can report positions.

Only ``yaml.SafeLoader`` (or its C twin) is ever used: tags such as
``!!python/object`` are rejected, never constructed.
"""

from __future__ import annotations

from typing import Any

import yaml

from claude_preflight.files import pointer

_BASE: type[yaml.SafeLoader]
try:
    _BASE = yaml.CSafeLoader  # type: ignore[attr-defined,assignment]
except AttributeError:  # pragma: no cover - libyaml missing
    _BASE = yaml.SafeLoader

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


def _without_timestamps(base: type[yaml.SafeLoader]) -> type[yaml.SafeLoader]:
    resolvers = {
        first: [(tag, regexp) for tag, regexp in entries if tag != _TIMESTAMP]
        for first, entries in base.yaml_implicit_resolvers.items()
    }
    return type("PreflightLoader", (base,), {"yaml_implicit_resolvers": resolvers})


Loader = _without_timestamps(_BASE)
PyLoader = _without_timestamps(yaml.SafeLoader)


class YamlProblem(Exception):
    """A YAML document could not be read; ``line``/``column`` are 1-based."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.line = line
        self.column = column
        super().__init__(message)


def _problem(exc: yaml.YAMLError) -> YamlProblem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is not None:
        return YamlProblem(str(problem), mark.line + 1, mark.column + 1)
    return YamlProblem(str(problem))


def load_documents(text: str) -> list[Any]:
    """Every document of a YAML stream; raises :class:`YamlProblem`."""
    try:
        return list(yaml.load_all(text, Loader=Loader))
    except yaml.YAMLError as exc:
        raise _problem(exc) from None
    except (ValueError, TypeError, RecursionError) as exc:  # e.g. absurd nesting
        raise YamlProblem(f"cannot read YAML: {exc}") from None


def load(text: str) -> Any:
    docs = load_documents(text)
    if len(docs) > 1:
        raise YamlProblem(f"expected one YAML document, found {len(docs)}")
    return docs[0] if docs else None


def positions(text: str, document: int = 0) -> dict[str, tuple[int, int]]:
    """Map each JSON Pointer of a document to the 1-based (line, column) of its value.

    Keys of mappings are also recorded, under the pointer with a trailing
    ``#key`` marker, so findings about a key can point at the key itself.
    """
    try:
        nodes = list(yaml.compose_all(text, Loader=Loader))
    except (yaml.YAMLError, RecursionError):
        return {}
    if document >= len(nodes) or nodes[document] is None:
        return {}
    found: dict[str, tuple[int, int]] = {}
    stack: list[tuple[yaml.Node, str]] = [(nodes[document], "")]
    while stack:
        node, where = stack.pop()
        found.setdefault(where, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                token = key.value if isinstance(key, yaml.ScalarNode) else "?"
                child = pointer.join(where, token)
                found.setdefault(child + "#key", (key.start_mark.line + 1, key.start_mark.column + 1))
                stack.append((value, child))
        elif isinstance(node, yaml.SequenceNode):
            for index, value in enumerate(node.value):
                stack.append((value, pointer.join(where, index)))
    return found
