"""The code keeps the shape the README promises: feature services are declarations on the kit (no
copied code between them), no package has an import cycle, and test support never ships in a
production package. Each rule is a function returning the problems it finds, and each is also fed
a broken example, so these tests can fail.
"""
from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FEATURE_SERVICES = ("billing", "proposals", "requests", "visits")
WINDOW = 6  # this many consecutive meaningful lines, equal in two services, count as a copy
PRODUCTION_SOURCES = [ROOT / "shared/src", ROOT / "gateway/src",
                      *sorted((ROOT / "services").glob("*/src")), *sorted((ROOT / "deploy").glob("*/src"))]


# -- rules ---------------------------------------------------------------------------------------

def _meaningful_lines(text: str, service: str) -> list[str]:
    """Lines as a copy would leave them: names of the service normalised, blanks, imports,
    docstring-free punctuation and comments dropped."""
    lines = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "import ", "from ", '"""')) or len(line) < 4:
            continue
        lines.append(re.sub(rf"\b(portal_)?{service}\b", "SERVICE", line, flags=re.IGNORECASE))
    return lines


def copied_windows(sources: dict[str, dict[str, str]]) -> list[str]:
    """{service: {path: text}} -> every run of WINDOW lines found in more than one service."""
    seen: dict[tuple[str, ...], set[str]] = defaultdict(set)
    where: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for service, files in sources.items():
        for path, text in files.items():
            lines = _meaningful_lines(text, service)
            for i in range(len(lines) - WINDOW + 1):
                window = tuple(lines[i:i + WINDOW])
                seen[window].add(service)
                where[window].append(path)
    return [f"{sorted(set(where[w]))}: {w[0]!r} ..." for w, services in seen.items() if len(services) > 1]


def feature_service_sources() -> dict[str, dict[str, str]]:
    """Each feature service's own Python (migrations aside: they are history, copied on purpose)."""
    out = {}
    for service in FEATURE_SERVICES:
        package = ROOT / "services" / service / "src" / f"portal_{service}"
        out[service] = {str(p.relative_to(ROOT)): p.read_text() for p in sorted(package.rglob("*.py"))
                        if "migrations" not in p.parts}
    return out


def _module_name(path: Path, source_root: Path) -> str:
    parts = list(path.relative_to(source_root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_cycles(modules: dict[str, str]) -> list[list[str]]:
    """{module: source} -> cycles among them through their imports, wherever they stand: an import
    moved into a function to dodge a cycle hides it from Python, not from the design."""
    graph: dict[str, set[str]] = {}
    for name, source in modules.items():
        package = name if name in modules and _is_package(name, modules) else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[:len(anchor) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets.add(base)
                targets |= {f"{base}.{alias.name}" for alias in node.names}
        graph[name] = {t for t in targets if t in modules and t != name}
    cycles, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return cycles


def _is_package(name: str, modules: dict[str, str]) -> bool:
    return any(other.startswith(name + ".") for other in modules)


def production_modules(source_root: Path) -> dict[str, str]:
    return {_module_name(p, source_root): p.read_text() for p in source_root.rglob("*.py")
            if "migrations" not in p.parts}


def imports_of_test_support(modules: dict[str, str]) -> list[str]:
    found = []
    for name, source in modules.items():
        for node in ast.walk(ast.parse(source)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            found += [f"{name} imports {n}" for n in names if n.split(".")[0] in ("pytest", "portal_testkit")]
    return found


# -- the code as it is ---------------------------------------------------------------------------

def test_billing_proposals_requests_and_visits_share_no_copied_code():
    assert copied_windows(feature_service_sources()) == []


def test_no_production_package_has_an_import_cycle():
    problems = {str(root.relative_to(ROOT)): cycles for root in PRODUCTION_SOURCES
                if (cycles := import_cycles(production_modules(root)))}
    assert problems == {}


def test_no_production_package_imports_test_support():
    problems = [p for root in PRODUCTION_SOURCES for p in imports_of_test_support(production_modules(root))]
    assert problems == []


# -- the rules can fail ------------------------------------------------------------------------

def test_a_file_copied_from_one_service_to_another_is_found():
    body = "\n".join(f"    value_{i} = compute_{i}(session, tenant_id)" for i in range(WINDOW + 1))
    copied = {"billing": {"a.py": f"def f():\n{body.replace('X', 'billing')}\n"},
              "visits": {"b.py": f"def g():\n{body.replace('X', 'visits')}\n"}}
    assert copied_windows(copied)


def test_a_cycle_is_found_even_through_an_import_inside_a_function():
    [cycle] = import_cycles({"p": "", "p.a": "from p.b import x\n", "p.b": "from p import a\n"})
    assert set(cycle) == {"p.a", "p.b"}
    [cycle] = import_cycles({"p": "", "p.a": "from p.b import x\n", "p.b": "def f():\n    from p.a import y\n"})
    assert set(cycle) == {"p.a", "p.b"}
    assert import_cycles({"p": "", "p.a": "from p.b import x\n", "p.b": "x = 1\n"}) == []


def test_pytest_in_a_production_module_is_found():
    assert imports_of_test_support({"portal_x.testing": "import pytest\n"}) == ["portal_x.testing imports pytest"]
