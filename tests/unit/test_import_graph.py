"""The package's import graph has no circles: every import counts, at module level, inside functions and
under `TYPE_CHECKING` alike, since each one ties the two modules' meanings together."""

from __future__ import annotations

import ast
from pathlib import Path

import pageindex_tui

PACKAGE = Path(pageindex_tui.__file__).parent


def module_name(path: Path, package: Path) -> tuple[str, bool]:
    """The dotted name of a source file, and whether it is a package's `__init__`."""
    parts = [package.name, *path.relative_to(package).with_suffix("").parts]
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Each module of the package -> the modules of the package it imports (a name imported from a package
    that is itself a module counts as that module)."""
    files = {module_name(path, package): path for path in package.rglob("*.py")}
    modules = {name for name, _ in files}
    graph: dict[str, set[str]] = {}
    for (name, is_package), path in files.items():
        here = name.split(".") if is_package else name.split(".")[:-1]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here[: len(here) - node.level + 1]
                    source = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    source = node.module or ""
                for alias in node.names:
                    submodule = f"{source}.{alias.name}"
                    targets.add(submodule if submodule in modules else source)
        # Importing a module of another package runs that package's `__init__` first (and its parents'):
        # an edge too, for an `__init__` that imports its submodules closes a circle as any import does.
        # The importer's own packages are already running, so they add none.
        own = {".".join(here[:n]) for n in range(1, len(here) + 1)}
        for target in list(targets):
            parts = target.split(".")
            targets.update(".".join(parts[:n]) for n in range(2, len(parts)))
        graph[name] = {
            target for target in targets if target in modules and target != name and target not in own
        }
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_checker_sees_relative_function_level_and_type_checking_imports(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "e").mkdir()
    sources = {
        "__init__.py": "",
        "a.py": "from .sub import b\n",  # a module imported by name from its package
        "sub/__init__.py": "",
        "sub/b.py": "def f():\n    from ..c import thing\n",  # inside a function, two dots
        "c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import a\n",
        "d.py": "import pkg.c\nimport os\n",
        "e/__init__.py": "from .f import g\n",  # a package that imports its submodule first
        "e/f.py": "g = 1\n",
        "h.py": "from .e.f import g\n",
    }
    for name, text in sources.items():
        (package / name).write_text(text)
    graph = import_graph(package)
    assert graph["pkg.a"] == {"pkg.sub.b", "pkg.sub"}
    assert graph["pkg.sub.b"] == {"pkg.c"}
    assert graph["pkg.c"] == {"pkg.a"}
    assert graph["pkg.d"] == {"pkg.c"}
    assert graph["pkg.e.f"] == set() and graph["pkg.e"] == {"pkg.e.f"}  # its own package: no edge
    assert graph["pkg.h"] == {"pkg.e.f", "pkg.e"}  # pkg.e's __init__ runs before pkg.e.f
    assert circles(graph) == [["pkg.a", "pkg.c", "pkg.sub.b"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles_in_the_package() -> None:
    assert circles(import_graph()) == []
