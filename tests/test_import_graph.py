"""The package's import graph has no circle.

Every import statement counts, including those inside functions (a lazy import that only dodges
a circle is still a circle); only ``if TYPE_CHECKING:`` blocks, which never run, are left out.
``claude_preflight.checks`` imports every module of its package by discovery, so that edge is
added too.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "claude_preflight"

# Layers, lowest first. A module may import its own layer and those below, never one above.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundation", ("claude_preflight.errors", "claude_preflight.redact", "claude_preflight.rendering", "claude_preflight.dates",
                    "claude_preflight.sdk_clients", "claude_preflight.report", "claude_preflight.files.pointer",
                    "claude_preflight.files.json_positions", "claude_preflight.files.yaml_source",
                    "claude_preflight.files.documents", "=claude_preflight.files",
                    "=claude_preflight")),
    ("catalogue data", ("claude_preflight.catalogue.model", "claude_preflight.catalogue.endpoints", "claude_preflight.catalogue.cache",
                        "claude_preflight.catalogue.loader", "claude_preflight.catalogue.overlay", "claude_preflight.catalogue.staleness")),
    ("engine core", ("claude_preflight.engine.index", "claude_preflight.engine.scan", "=claude_preflight.engine")),
    ("checks", ("claude_preflight.checks",)),
    ("compiled catalogue", ("claude_preflight.catalogue",)),
    ("engine", ("claude_preflight.engine.context", "claude_preflight.engine.resolve", "claude_preflight.engine.runner",
                "claude_preflight.engine.acceptor")),
]
# "=name" is that module alone (a package's __init__), any other entry the module and its submodules.
# Everything else (api, files.checking, fixing, output, cli, middleware, proxy, source, ...) is a
# front end, above all of these. The compiled catalogue sits above the checks because it binds
# each rule to its registered check function (and refuses unknown ones at load); the checks read
# only catalogue data, the engine's index and scan, and the Context's type.


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


class _Imports(ast.NodeVisitor):
    def __init__(self) -> None:
        self.found: list[tuple[str, str | None, int]] = []  # (module, name imported from it, relative level)

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.found += [(alias.name, None, 0) for alias in node.names]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self.found += [(node.module or "", alias.name, node.level) for alias in node.names]


def graph() -> dict[str, set[str]]:
    modules = _modules()
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        visitor = _Imports()
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        for module, imported, level in visitor.found:
            if level:
                parts = package.split(".")[: len(package.split(".")) - level + 1]
                module = ".".join(parts + ([module] if module else []))
            for target in ([f"{module}.{imported}"] if imported else []) + [module]:
                probe = target
                while probe and probe not in modules:
                    probe = probe.rpartition(".")[0]
                if probe:
                    if probe != name:
                        edges[name].add(probe)
                    break
    checks = "claude_preflight.checks"
    edges[checks] |= {m for m in modules if m.startswith(checks + ".") and not m.rsplit(".", 1)[1].startswith("_") and m != checks + ".base"}
    return edges


def circles(edges: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components of more than one module (iterative Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(component)
    return found


def test_the_finder_sees_a_circle_through_a_lazy_import() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(edges) == [{"a", "b", "c"}]
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import x\ndef f():\n    from y import z\n"
    visitor = _Imports()
    visitor.visit(ast.parse(source))
    assert [m for m, _, _ in visitor.found] == ["typing", "y"]


def test_no_import_circle() -> None:
    found = circles(graph())
    assert not found, f"import circle(s): {[sorted(c) for c in found]}"


def _layer(module: str) -> int:
    best, rank = -1, len(LAYERS)  # front ends by default
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            exact = prefix.startswith("=")
            name = prefix.lstrip("=")
            if (module == name or (not exact and module.startswith(name + "."))) and len(name) > best:
                best, rank = len(name), index
    return rank


def test_imports_never_go_up_a_layer() -> None:
    upward = sorted(f"{a} -> {b}" for a, targets in graph().items() for b in targets if _layer(b) > _layer(a))
    assert not upward, upward


def test_reading_and_positions_sit_below_the_catalogue_and_the_checks() -> None:
    """The safe readers that the catalogue loader and the front ends share import neither."""
    edges = graph()
    low = ["claude_preflight.files.documents", "claude_preflight.files.yaml_source", "claude_preflight.files.json_positions",
           "claude_preflight.files.pointer", "claude_preflight.rendering", "claude_preflight.redact", "claude_preflight.errors"]
    for module in low:
        reached: set[str] = set()
        todo = [module]
        while todo:
            for child in edges[todo.pop()]:
                if child not in reached:
                    reached.add(child)
                    todo.append(child)
        above = sorted(m for m in reached if m.startswith(("claude_preflight.checks", "claude_preflight.engine", "claude_preflight.catalogue")))
        assert not above, f"{module} reaches {above}"


def test_file_front_ends_do_not_import_each_other_in_circles() -> None:
    edges = graph()
    assert "claude_preflight.files.checking" not in edges["claude_preflight.files.batch"]
    assert "claude_preflight.middleware" not in edges["claude_preflight.source.python"]
