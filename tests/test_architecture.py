"""The tree's imports against docs/architecture.md: layering, the simulator kept out of the
library, tests kept out of the code, and no import cycles.

Every ``.py`` file of the tree is parsed (``ast``, nothing is imported); an import counts
wherever it is, at module level, inside a function or under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
SKIP_DIRS = {".venv", "vts-data", ".aws-sam", "jvm", "node_modules", "build", "dist"}
# vts's entry points: the only vts packages that may use the simulator (an application)
VTS_ENTRY_POINTS = ("vts.cli", "vts.demo", "vts.chaos")

Graph = Mapping[str, set[str]]


def _module_name(relative: Path) -> str:
    parts = list(relative.with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_files(root: Path = ROOT) -> dict[str, Path]:
    """Every Python file of the tree, by dotted module name."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[0] in SKIP_DIRS or any(p.startswith(".") for p in relative.parts):
            continue
        found[_module_name(relative)] = path
    return found


def _imported(module: str, path: Path, known: set[str]) -> set[str]:
    """The tree's modules ``module`` imports (the most specific one each import names)."""

    def resolve(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    targets: set[str | None] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets.update(resolve(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:  # ``from a import b``: the module a.b, else a
                full = f"{base}.{alias.name}"
                targets.add(full if full in known else resolve(base))
    return {t for t in targets if t and t != module}


def import_graph(files: Mapping[str, Path]) -> dict[str, set[str]]:
    known = set(files)
    return {module: _imported(module, path, known) for module, path in files.items()}


def package_of(module: str) -> str:
    """Top-level folder, or ``vts.<x>`` for what sits directly under ``vts/``."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "vts" else parts[0]


def package_graph(graph: Graph) -> dict[str, set[str]]:
    packages: dict[str, set[str]] = {package_of(m): set() for m in graph}
    for module, targets in graph.items():
        packages[package_of(module)].update(package_of(t) for t in targets)
    for source, targets in packages.items():
        targets.discard(source)
    return packages


def cycles(graph: Graph) -> list[set[str]]:
    """The strongly connected components of more than one node (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
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


def _doc_table(text: str) -> dict[str, set[str] | None]:
    """``| `package` | `a` `b` |`` rows: what each package imports (None: anything)."""
    table: dict[str, set[str] | None] = {}
    for package, imports in re.findall(r"^\| `([\w.]+)` \| (.+) \|$", text, re.MULTILINE):
        table[package] = None if imports == "anything" else set(re.findall(r"`([\w.]+)`", imports))
    return table


def _doc_picture(text: str, packages: Iterable[str]) -> list[list[str]]:
    """The picture's lines of package names, top first (other words are description)."""
    block = text.split("```", 2)[1]
    names = set(packages)
    lines = [[w for w in line.split() if w in names] for line in block.splitlines()]
    return [line for line in lines if line]


FILES = source_files()
GRAPH = import_graph(FILES)
PACKAGES = package_graph(GRAPH)
TEXT = DOC.read_text(encoding="utf-8")


def test_the_graph_sees_imports_wherever_they_are(tmp_path: Path) -> None:
    """(The parser's own check: a function-level, a relative and a from-import are seen,
    and one under ``TYPE_CHECKING``.)"""
    assert "simulator.outputs.reference" in GRAPH["vts.cli.cmd_reports"]  # inside a function
    assert {"vts.geo", "vts.reference.schema"} <= GRAPH["vts.reference.geofences"]
    module = tmp_path / "module.py"
    module.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.typed\n")
    assert _imported("pkg.module", module, {"pkg.module", "pkg.typed"}) == {"pkg.typed"}


def test_vts_library_and_glue_scripts_import_nothing_from_the_simulator() -> None:
    library = [
        m
        for m in GRAPH
        if (package_of(m).startswith("vts") and package_of(m) not in VTS_ENTRY_POINTS)
        or m.startswith("glue_scripts.")
    ]
    assert len(library) > 100
    offenders = {m: sorted(t for t in GRAPH[m] if package_of(t) == "simulator") for m in library}
    assert {m: t for m, t in offenders.items() if t} == {}


def test_nothing_outside_tests_imports_tests() -> None:
    offenders = {
        m: sorted(t for t in targets if package_of(t) == "tests")
        for m, targets in GRAPH.items()
        if package_of(m) != "tests"
    }
    assert {m: t for m, t in offenders.items() if t} == {}


def test_no_import_cycles() -> None:
    assert cycles(GRAPH) == [], "between modules"
    assert cycles(PACKAGES) == [], "between packages"


def test_the_doc_table_lists_exactly_the_imports_between_packages() -> None:
    table = _doc_table(TEXT)
    assert set(table) == set(PACKAGES), "every package has a row, and only real ones"
    for package, imports in sorted(PACKAGES.items()):
        allowed = table[package]
        if allowed is not None:
            assert imports == allowed, f"{package} imports {sorted(imports)} (the doc's row)"


def test_every_import_goes_down_the_docs_picture() -> None:
    lines = _doc_picture(TEXT, PACKAGES)
    placed = [p for line in lines for p in line]
    assert sorted(placed) == sorted(PACKAGES), "each package once in the picture"
    level = {p: n for n, line in enumerate(lines) for p in line}  # 0: the top line
    upward = {
        f"{source} -> {target}"
        for source, targets in PACKAGES.items()
        for target in targets
        if level[target] <= level[source]
    }
    assert upward == set()


def test_the_cycle_finder_finds_a_cycle() -> None:
    """(The checker's own check: a two- and a three-module cycle are found.)"""
    graph = {"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"e"}, "e": {"c", "a"}, "f": set()}
    assert sorted(map(sorted, cycles(graph))) == [["a", "b"], ["c", "d", "e"]]
