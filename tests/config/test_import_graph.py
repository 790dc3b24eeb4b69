"""flowsim imports without cycles. In config/, schema, interventions, population and checks
build on ``fields`` and ``problem`` and never on each other in a loop (lazy imports count)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import flowsim

PKG = Path(flowsim.__file__).parent


def _module(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """flowsim modules ``path`` imports anywhere in its body (inside functions too)."""
    mod = _module(path)
    pkg = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = pkg.split(".")[:len(pkg.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            if base.startswith("flowsim"):
                out.add(base)
                out.update(f"{base}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("flowsim"))
    return out


def _graph(folder: Path) -> dict[str, set[str]]:
    mods = {_module(p): p for p in folder.rglob("*.py")}
    return {m: {t for t in _imports(p) if t in mods and t != m} for m, p in mods.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle among ``graph``'s modules, or None (depth-first search)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                return stack[stack.index(t):] + [t]
            if t not in state and (found := visit(t)):
                return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return None


def _without_package(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The graph without the package's ``__init__`` (it re-exports; ``from . import x`` names it)."""
    return {m: {t for t in ts if t != "flowsim.config"} for m, ts in graph.items() if m != "flowsim.config"}


def test_config_package_has_no_import_cycle():
    graph = _without_package(_graph(PKG / "config"))
    assert "flowsim.config.fields" in graph and "flowsim.config.problem" in graph
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_each_config_module_of_the_old_cycle_imports_alone():
    """In a fresh interpreter, each module of the old cycle imports first without error."""
    names = [f"flowsim.config.{m}" for m in ("interventions", "population", "checks", "money")]
    code = "import importlib, sys\nfor n in sys.argv[1:]:\n    importlib.import_module(n)\n    " \
           "[sys.modules.pop(k) for k in list(sys.modules) if k.startswith('flowsim')]\n"
    subprocess.run([sys.executable, "-c", code, *names], check=True, capture_output=True, text=True)


def test_the_whole_package_has_no_import_cycle():
    """Data flows one way (docs/design.md): no module imports one that imports it back, lazily or
    not (metrics -> groups -> ledger -> episodes was a cycle through a lazy import). The packages'
    ``__init__`` modules re-export and are left out."""
    graph = _graph(PKG)
    inits = {m for m in graph if (PKG.parent / m.replace(".", "/") / "__init__.py").exists()}
    graph = {m: ts - inits for m, ts in graph.items() if m not in inits}
    assert {"flowsim.metrics", "flowsim.ledger", "flowsim.groups", "flowsim.episodes"} <= set(graph)
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))
