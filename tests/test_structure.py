"""The house's structure: no import cycles, and no import from a lower layer to a higher one.

Layers, lowest first: the core (`bot/`, without the composition root), the flows
(`handlers/`), the channels (`channels/`), the composition root (`bot.app`, `bot.server`,
`bot.cli`, `bot.cli_broadcast`, `bot.__main__`). Imports inside functions count: hiding an
import in a function does not make the dependency go away. The graph is read by grimp
(import-linter's engine).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import grimp
import pytest

PACKAGES = ("bot", "handlers", "channels")
ROOT = ("bot.app", "bot.server", "bot.cli", "bot.cli_broadcast", "bot.__main__")
LAYERS = ("core", "flows", "channels", "root")


def layer(module: str) -> int:
    """The layer of a module, 0 (core) to 3 (composition root)."""
    if module in ROOT or any(module.startswith(f"{root}.") for root in ROOT):
        return 3
    return {"bot": 0, "handlers": 1, "channels": 2}[module.split(".", 1)[0]]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, include_external_packages=False)


def _is_package_face(graph: grimp.ImportGraph, module: str) -> bool:
    # `handlers/__init__.py` registers every flow: its imports of its own children are the
    # registry, not a dependency of the children on one another.
    return module in PACKAGES


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def edges(module: str) -> Iterable[str]:
        if _is_package_face(graph, module):
            return ()
        return sorted(graph.find_modules_directly_imported_by(module))

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in edges(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycles(graph: grimp.ImportGraph) -> None:
    assert cycles(graph) == []


def test_no_import_reaches_up_a_layer(graph: grimp.ImportGraph) -> None:
    upward = [
        f"{module} ({LAYERS[layer(module)]}) imports {imported} ({LAYERS[layer(imported)]})"
        for module in sorted(graph.modules)
        for imported in sorted(graph.find_modules_directly_imported_by(module))
        if layer(imported) > layer(module) and not _is_package_face(graph, imported)
    ]
    assert upward == []


def test_the_check_sees_a_cycle() -> None:
    """The cycle finder itself: a graph with a loop is reported."""
    loop = grimp.ImportGraph()
    for name in ("bot", "bot.a", "bot.b", "bot.c"):
        loop.add_module(name)
    loop.add_import(importer="bot.a", imported="bot.b")
    loop.add_import(importer="bot.b", imported="bot.a")
    loop.add_import(importer="bot.c", imported="bot.a")
    assert cycles(loop) == [["bot.a", "bot.b"]]


LONG_MODULE = 300
# A long module's docstring says why it is long ("It is long because ...").
SAYS_WHY = ("long", "length", "300 lines")


def unexplained_long_modules(root: Path) -> list[str]:
    """Modules over LONG_MODULE lines whose docstring does not say why they are long."""
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            if source.count("\n") <= LONG_MODULE:
                continue
            docstring = ast.get_docstring(ast.parse(source)) or ""
            if not any(word in docstring.lower() for word in SAYS_WHY):
                found.append(f"{path.relative_to(root)} ({source.count(chr(10))} lines)")
    return found


def test_long_modules_say_why() -> None:
    assert unexplained_long_modules(Path(__file__).resolve().parent.parent) == []


def test_the_length_check_sees_a_long_module(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    body = "\n".join(f"x{i} = {i}" for i in range(LONG_MODULE + 5))
    (tmp_path / "bot" / "quiet.py").write_text(f'"""A module."""\n{body}\n')
    (tmp_path / "bot" / "told.py").write_text(f'"""A module; long because of x."""\n{body}\n')
    assert unexplained_long_modules(tmp_path) == [f"bot/quiet.py ({LONG_MODULE + 6} lines)"]


def test_answering_alone_never_loads_storage() -> None:
    """`helpdesk ask` builds the flows without a database: importing them must not pull in
    SQLAlchemy (about half a second of start-up); storage is imported where it is used."""
    import subprocess
    import sys

    probe = "import sys, bot.app, handlers; print('sqlalchemy' in sys.modules)"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "False"
