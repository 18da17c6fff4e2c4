"""The house plan, checked: layers import downwards only, no cycles, small functions.

Read from the source with `ast`, so the rules hold for every module whether a test imports it
or not.
"""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT

PACKAGES = ("harness", "providers")
MAX_TOP_LEVEL_MODULES = 8
MAX_FUNCTION_LINES = 60


def _modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def _imports(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    """Modules of ours that `path` imports, anywhere in it (function-level imports count)."""
    found = set()
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        found |= {t for t in targets if t in modules}
    found.discard(name)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, name, modules) for name, path in modules.items()}


def test_providers_import_nothing_from_harness() -> None:
    bad = {
        (mod, dep)
        for mod, deps in _graph().items()
        if mod.startswith("providers")
        for dep in deps
        if dep.startswith("harness")
    }
    assert not bad, bad


def test_no_import_cycle() -> None:
    graph = _graph()
    # a package's __init__ that only re-exports its own modules is not a cycle with them
    for name in graph:
        graph[name] = {d for d in graph[name] if not name.startswith(d + ".")}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycle = [*stack[stack.index(dep) :], dep]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_harness_top_level_is_a_few_modules() -> None:
    top = [p.name for p in (ROOT / "harness").glob("*.py")]
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top
    assert (ROOT / "harness" / "__init__.py").is_file()
    for folder in (ROOT / "harness").iterdir():
        if folder.is_dir() and folder.name != "__pycache__":
            assert (folder / "__init__.py").is_file(), f"{folder} is not a package"


def test_no_function_is_longer_than_the_limit() -> None:
    long = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                if lines >= MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {lines} lines")
    assert not long, long


def test_no_engine_module_names_a_sensitivity_tag() -> None:
    """The report and checks group by what the suite declares, never by tag names in code."""
    for name, path in _modules().items():
        if name.startswith(("harness.simulator",)):
            continue  # the simulator plays vendors; it may know what a suite looks like
        text = path.read_text(encoding="utf-8")
        for tag in ("cn_sensitive", "us_sensitive", "benign_control"):
            assert tag not in text, f"{name} names {tag}"
