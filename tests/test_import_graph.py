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

# The one circle left, recorded so that it can only shrink and no new one can appear: the
# compiled catalogue binds each rule to its check function (``claude_preflight.checks``), and the
# check modules read the engine's Context, which holds the catalogue. Breaking it means binding
# checks in the engine instead of at catalogue load (issue 17, "the house").
KNOWN_CIRCLES: list[frozenset[str]] = [
    frozenset({"claude_preflight.catalogue", "claude_preflight.checks", "claude_preflight.engine.context"}),
]


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


def test_no_new_import_circle() -> None:
    found = circles(graph())
    unexpected = [sorted(c) for c in found if not any(known <= c for known in KNOWN_CIRCLES)]
    assert not unexpected, f"new import circle(s): {unexpected}"
    assert len(found) <= len(KNOWN_CIRCLES), "a known circle split into several: record the smaller ones"


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
