"""The layout's rules (docs/architecture.md), checked on the source: package direction,
no import cycles, no Flask in ``geo``, module and function sizes, every module reachable."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import ROOT

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
# geo's packages from the bottom up: a package may import those before it, never after.
GEO_ORDER = ("core", "pg", "places", "people", "incidents", "field", "outbox", "boundaries",
             "layers", "plans", "stats", "demo")
# Packages of the same level that must not import each other.
GEO_SIBLINGS = (("layers", "incidents"), ("layers", "people"), ("plans", "stats"),
                ("boundaries", "field"), ("layers", "field"))


def modules() -> dict[str, Path]:
    found = {}
    for top in ("app", "geo"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


@cache
def imports_of(path: Path) -> frozenset[str]:
    """Every app/geo module a file imports, at any depth (inside functions and
    ``TYPE_CHECKING`` blocks too): ``from a.b import c`` counts ``a.b.c`` if it is a module."""
    names = set()
    known = modules()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names
                         if f"{node.module}.{alias.name}" in known)
    return frozenset(n for n in names if n in known)


def test_geo_never_imports_flask():
    for name, path in modules().items():
        if name.startswith("geo"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                mods = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                        [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                assert not any(m.split(".")[0] in {"flask", "app", "werkzeug"} for m in mods), name


def _package(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if parts[0] == "geo" and len(parts) > 2 else None


def test_geo_packages_depend_one_way():
    wrong = []
    for name, path in modules().items():
        mine = _package(name)
        if mine is None:
            continue
        for other in map(_package, imports_of(path)):
            if other is None or other == mine:
                continue
            sibling = (mine, other) in GEO_SIBLINGS or (other, mine) in GEO_SIBLINGS
            if sibling or GEO_ORDER.index(other) > GEO_ORDER.index(mine):
                wrong.append(f"{name} imports geo.{other}")
    assert not wrong, wrong


def test_no_import_cycles():
    graph = {name: {m for m in imports_of(path) if m != name} for name, path in modules().items()}
    # a package's __init__ importing its own modules is not a cycle of the design
    for name in graph:
        graph[name] = {m for m in graph[name] if not m.startswith(name + ".")}
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, cycles


@pytest.mark.parametrize("top", ["app", "geo"])
def test_modules_and_functions_stay_small(top):
    too_big = []
    for name, path in modules().items():
        if not name.startswith(top):
            continue
        source = path.read_text(encoding="utf-8")
        if source.count("\n") > MAX_MODULE_LINES:
            too_big.append(f"{name}: {source.count(chr(10))} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_big.append(f"{name}.{node.name}: {length} lines")
    assert not too_big, too_big


def test_every_module_is_reachable_from_wsgi_or_the_cli():
    known = modules()
    graph = {name: set(imports_of(path)) for name, path in known.items()}
    # importing a.b.c runs a/__init__ and a/b/__init__ too
    for name in known:
        parts = name.split(".")
        graph[name].update(".".join(parts[:i]) for i in range(1, len(parts)))
    seen, todo = set(), ["app"]
    todo += list(imports_of(ROOT / "wsgi.py"))
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(graph.get(name, ()))
    assert sorted(set(known) - seen) == []
