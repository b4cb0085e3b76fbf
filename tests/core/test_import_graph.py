"""The layers of the tree: no module-level import circle anywhere in the product, and the
ground layer (`core`) imports no app."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGES = ("accounts", "arbitrage", "compliance", "config", "core")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _graph(*, inner: bool = False) -> dict[str, set[str]]:
    """Each module's module-level imports of the product's own modules (with `inner`, those
    inside functions too)."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps: set[str] = set()
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree) if inner else tree.body:
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                deps |= {node.module} & modules.keys()
                deps |= {f"{node.module}.{alias.name}" for alias in node.names} & modules.keys()
            elif isinstance(node, ast.Import):
                deps |= {alias.name for alias in node.names} & modules.keys()
        graph[name] = deps
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for dep in sorted(graph.get(module, ())):
            if state.get(dep) == 1:
                return [*path[path.index(dep) :], dep]
            if dep not in state and (found := visit(dep)):
                return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module)):
            return found
    return None


def test_no_module_level_import_circle() -> None:
    graph = _graph()
    assert "arbitrage.pipeline.sync.reorg" in graph  # the graph is the product's
    assert _cycle(graph) is None


def test_the_cycle_finder_finds_one() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_core_imports_no_app() -> None:
    apps = ("accounts.", "arbitrage.", "compliance.")
    leaks = {
        module: sorted(dep for dep in deps if dep.startswith(apps))
        for module, deps in _graph(inner=True).items()
        if module.startswith("core")
    }
    assert {module: deps for module, deps in leaks.items() if deps} == {}
