"""The dependency rule of docs/design.md, and no import cycles anywhere.

`trainer` and `hwmodel` never import each other or `codesign`; `codesign` composes them. Imports
inside functions count: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("trainer", "hwmodel", "codesign", "rtl")
FORBIDDEN = {"trainer": {"hwmodel", "codesign", "rtl"}, "hwmodel": {"trainer", "codesign", "rtl"},
             "rtl": {"trainer", "hwmodel", "codesign"}}


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Modules a file imports, relative imports resolved."""
    module, found = _module(path), set()
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            prefix = ".".join([*base, node.module] if node.module else base)
            found |= {prefix, *(f"{prefix}.{alias.name}" for alias in node.names)}
    return found


def _graph() -> dict[str, set[str]]:
    files = {_module(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    graph = {}
    for module, path in files.items():
        targets = set()
        for name in _imports(path):
            while name and name not in files:
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(name + "."):
                targets.add(name)
        graph[module] = targets
    return graph


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_libraries_import_neither_each_other_nor_the_application(package):
    for path in (ROOT / package).rglob("*.py"):
        for name in _imports(path):
            assert name.split(".")[0] not in FORBIDDEN[package], f"{path}: imports {name}"


def test_no_import_cycles():
    graph, state, cycles = _graph(), {}, []

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                cycles.append(" -> ".join([*trail[trail.index(target):], target]))
            elif target not in state:
                visit(target, [*trail, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import cycles: " + "; ".join(cycles)


# codesign's parts, lowest first: a module may import its own part and the parts before it, never
# one after it (each part's `__init__` says the same in words). The root modules below the parts
# (`errors`, `outputs`) are the base everything may use; `cli` (and `__main__`) are the top.
CODESIGN_PARTS = ("base", "problem", "engine", "screen", "commands", "entry")
ROOT_MODULES = {"codesign": "base", "codesign.errors": "base", "codesign.outputs": "base",
                "codesign.cli": "entry", "codesign.__main__": "entry"}


def _part(module: str) -> str:
    if module in ROOT_MODULES:
        return ROOT_MODULES[module]
    part = module.split(".")[1]
    assert part in CODESIGN_PARTS, f"{module}: codesign/ holds only its parts and " \
        f"{sorted(ROOT_MODULES)}; say which part a new module belongs to"
    return part


def test_codesign_parts_import_only_downwards():
    graph = _graph()
    upward = []
    for module, targets in graph.items():
        if not module.startswith("codesign"):
            continue
        rank = CODESIGN_PARTS.index(_part(module))
        for target in targets:
            if target.startswith("codesign") and CODESIGN_PARTS.index(_part(target)) > rank:
                upward.append(f"{module} ({_part(module)}) imports {target} ({_part(target)})")
    assert not upward, "upward imports: " + "; ".join(sorted(upward))


def test_codesign_root_holds_only_the_base_and_the_entry():
    modules = {_module(p) for p in (ROOT / "codesign").glob("*.py")}
    assert modules == set(ROOT_MODULES)
