"""The layering of DESIGN §3, checked on the code itself: imports between the apps only
go the allowed ways, and no module of the apps imports itself back through others (an
import circle), whether at module level or hidden inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("reactivate", "contacts", "campaigns", "outreach", "schedule", "scoreboard")
# Which apps each app may import (DESIGN §3's arrows; every app may import reactivate).
ALLOWED = {
    "reactivate": set(),
    "contacts": {"reactivate"},
    "campaigns": {"contacts", "reactivate"},
    "outreach": {"campaigns", "contacts", "reactivate"},
    "schedule": {"campaigns", "contacts", "reactivate"},
    "scoreboard": {"campaigns", "contacts", "reactivate", "schedule"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue  # frozen history: they import no application code
            found[_module_name(path)] = path
    return found


def _imports(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    """The app modules ``name`` imports, anywhere in it (``TYPE_CHECKING`` blocks aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only |= {id(child) for child in ast.walk(node)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            candidates = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for candidate in candidates:
            # The module itself, or the package holding the name.
            while candidate and candidate not in modules:
                candidate = candidate.rpartition(".")[0]
            if candidate and candidate != name:
                targets.add(candidate)
    return targets


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, name, modules) for name, path in modules.items()}


def test_apps_import_each_other_only_the_ways_the_design_allows():
    wrong = sorted(
        f"{name} imports {target}"
        for name, targets in _graph().items()
        for target in targets
        if (a := name.split(".")[0]) != (b := target.split(".")[0]) and b not in ALLOWED[a]
    )
    assert wrong == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_of_the_apps_imports_itself_back_through_others():
    graph = _graph()
    # A package's __init__ importing its own submodules is how a package is built, and its
    # submodules importing siblings through it is not a circle in behaviour.
    for name, targets in graph.items():
        graph[name] = {t for t in targets if not (t != name and name.startswith(t + "."))}
    assert _cycles(graph) == []


def test_the_checker_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_checker_reads_relative_and_function_level_imports(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from contacts.models import Contact\n")
    assert _imports(module, "outreach.m", {"contacts.models": module}) == {"contacts.models"}


# Known and kept: a field's callable, which Django's migration writer names by reference
# (an upload path; applying the migration runs none of it), and contacts 0003, landed in
# 0.1.0, which recomputes blank names' keys with the live ``matching_keys``. Landed history
# is not edited; it runs that code only on contacts of a database from before 0.1.0 (the
# first release), where more than 2,000 blank names would stop it on keys its schema
# lacks. Every fresh database runs it on no contacts (test_migrations_step_by_step).
KNOWN = {
    "contacts.migrations.0001_initial imports contacts.models",
    "contacts.migrations.0003_blank_name_key imports contacts.dedupe",
}


def test_migrations_import_no_application_code():
    # History is frozen: a migration that runs today's code computes what the code computes
    # today, on a schema that may lack what that code writes (contacts 0003 did).
    modules = _modules()
    wrong = sorted(
        f"{name} imports {target}"
        for app in APPS
        for path in (ROOT / app / "migrations").glob("*.py")
        for name in [_module_name(path)]
        for target in _imports(path, name, modules)
    )
    assert [line for line in wrong if line not in KNOWN] == []
