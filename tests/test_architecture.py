"""The shape of sim/: layers, no import circles, small modules (docs/architecture.md).

The import graph is read from the source (every ``import`` and ``from ... import``, inside
functions too, except under ``if TYPE_CHECKING:``), so these tests see what Python would run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import sim

PACKAGE = Path(sim.__file__).resolve().parent

LAYERS: tuple[tuple[str, ...], ...] = (
    ("sim.files", "sim.levers", "sim.columns", "sim.measures", "sim.network"),
    ("sim.strategies",),
    ("sim.scenario",),
    ("sim.market",),
    ("sim",),  # the public API (sim/__init__.py): load_scenario, MarketModel, run, Strategy ...
    ("sim.experiment", "sim.report", "sim.calibration"),
    ("sim.dashboard", "sim.cli", "sim.__main__"),
)
"""The layers, lowest first: a module imports only from its own layer or the ones below."""

MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> int:
    best, depth = None, -1
    for k, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and prefix.count(".") > depth:
                best, depth = k, prefix.count(".")
    assert best is not None, f"{module} is in no layer: add it to LAYERS and docs/architecture.md"
    return best


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(module: str) -> set[str]:
    """The sim modules ``module`` imports (run-time imports only)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "sim" or alias.name.startswith("sim."):
                    found.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            if base == "sim" or base.startswith("sim."):
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    found.add(sub if sub in MODULES else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    found.discard(module)
    return found


GRAPH = {m: imports_of(m) for m in MODULES}


def test_every_module_is_in_a_layer():
    for module in MODULES:
        layer_of(module)


def test_imports_go_only_to_the_same_layer_or_below():
    upward = [f"{m} (layer {layer_of(m)}) imports {t} (layer {layer_of(t)})"
              for m, targets in GRAPH.items() for t in sorted(targets)
              if layer_of(t) > layer_of(m)]
    assert not upward, "\n".join(upward)


def test_no_import_circles():
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[str] = []

    def walk(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in sorted(GRAPH.get(m, ())):
            if state.get(t) == 1:
                cycles.append(" -> ".join([*stack[stack.index(t):], t]))
            elif t in GRAPH and t not in state:
                walk(t)
        stack.pop()
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            walk(m)
    assert not cycles, "\n".join(cycles)


def test_the_foundation_imports_nothing_else_from_stratsim():
    for m, targets in GRAPH.items():
        if layer_of(m) == 0:
            assert all(layer_of(t) == 0 for t in targets), (m, targets)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_are_small(module):
    lines = MODULES[module].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{MODULES[module]} has {lines} lines (at most {MAX_LINES})"


def test_the_checks_see_real_imports():
    """The graph reader finds known edges, lazy ones included (so the tests above can fail)."""
    assert "sim.market.model" in GRAPH["sim"]
    assert "sim.scenario.spec" in GRAPH["sim.market.model"]
    assert {"sim.cli.run", "sim.cli.experiments"} <= GRAPH["sim.cli.app"]
    assert "sim.market.period" not in GRAPH["sim.market.purchase"]  # under TYPE_CHECKING
    assert layer_of("sim.market.model") > layer_of("sim.scenario.spec") > layer_of("sim.levers")


# --------------------------------------------------------------------------- docs/architecture.md
ARCHITECTURE = PACKAGE.parent / "docs" / "architecture.md"


def _doc_table(heading: str) -> list[list[str]]:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def test_the_documented_layers_are_the_checked_layers():
    documented = []
    for _, packages, _ in _doc_table("The layers"):
        names = [p.strip().strip("`").removesuffix("/").removesuffix(".py").replace("/", ".")
                 .removesuffix(".__init__") for p in packages.split(",")]
        documented.append(tuple(sorted(names)))
    assert documented == [tuple(sorted(layer)) for layer in LAYERS]


def _phase_calls() -> list[str]:
    tree = ast.parse(MODULES["sim.market.model"].read_text(encoding="utf-8"))
    step = next(node for node in ast.walk(tree)
                if isinstance(node, ast.FunctionDef) and node.name == "step")
    imported = {alias.asname or alias.name for node in tree.body
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "sim.market.") for alias in node.names}
    calls = []
    for node in ast.walk(step):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id in imported:
                calls.append((node.lineno, node.col_offset, f.id))
            elif isinstance(f, ast.Attribute) and f.attr in ("open_period", "close_prices",
                                                                  "check_exit"):
                calls.append((node.lineno, node.col_offset, f.attr))
    return [name for *_, name in sorted(calls)]


def test_the_documented_phases_are_the_steps_calls_in_order():
    documented = [row[2].strip("`").rpartition(".")[2] for row in _doc_table(
        "The period as phases")]
    assert len(documented) >= 10
    assert documented == _phase_calls()


def test_every_module_is_listed_in_the_architecture_page():
    text = ARCHITECTURE.read_text(encoding="utf-8")
    listed = {m for m, path in MODULES.items()
              if f"`{path.relative_to(PACKAGE.parent).as_posix()}`" in text}
    packages = {m for m, path in MODULES.items() if path.name == "__init__.py" and m != "sim"}
    assert set(MODULES) - packages - listed == set()
