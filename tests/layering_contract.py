"""The import contract of DESIGN.md §5a, checked over ``ast`` imports (no project module is imported).

Layers, bottom to top (a module may import its own layer and the layers below, as listed):

=================  ============================================================================
layer              may import (besides the standard library and third-party packages)
=================  ============================================================================
``dse.errors``     nothing of the project (the leaf)
``dse.units``      ``dse.errors``
``workloads``      ``workloads``, the leaves
core ``dse.*``     ``dse`` core, ``workloads``, the leaves. ``dse.report`` (atomic output files,
                   it imports nothing of the project) is core so solvers can write results.
``solvers``        ``solvers``, core, ``workloads``, the leaves: never a family
family ``F``       ``costmodels.F``, core, ``workloads``, the leaves, the generic HiGHS helper
                   ``solvers.highs`` (the only solver module a family may use: it knows Pyomo
                   and HiGHS, no cost model, no Problem) and the families in :data:`EXTENDS`
faces              (``dse.cli``, ``dse.plots``, ``dse.study``, ``dse.__main__``) anything but
                   ``studies``
``studies``        anything
=================  ============================================================================

No library module imports ``studies``, ``tests`` or ``benchmarks``, and there is no import cycle
between modules (every ``import`` statement counts, including ones inside functions: a lazy import
is still a dependency). ``from pkg import name`` depends on ``pkg.name`` when that is a module,
else on ``pkg`` (its ``__init__``); a package's ``__init__`` importing its own submodules is how it
re-exports them and is not a cycle unless a submodule imports the ``__init__`` back.

Run ``python -m tests.layering_contract`` to print the violations of the current tree.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["EXTENDS", "FACES", "LEAVES", "Edge", "check", "import_graph", "layer_of"]

PROJECT = ("dse", "workloads", "costmodels", "solvers", "studies", "tests", "benchmarks")
LIBRARY = ("dse", "workloads", "costmodels", "solvers")
LEAVES = {"dse.errors": (), "dse.units": ("dse.errors",)}
FACES = ("dse.cli", "dse.plots", "dse.study", "dse.__main__")
GENERIC_SOLVER_HELPERS = ("solvers.highs",)
#: Families built on another family's parameter classes and formulas, with why.
EXTENDS: dict[str, dict[str, str]] = {
    "he_search": {"he": "CKKS configuration search over costmodels.he's parameters and model "
                        "(docs/he_search.md, 'Why not a solver')"},
    "he_multigpu": {"he": "multi-GPU CKKS reuses he's parameter class and ciphertext/key sizes"},
}


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    line: int
    path: str


def _modules(root: Path) -> dict[str, Path]:
    out = {}
    for top in PROJECT:
        base = root / top
        if not base.is_dir():
            continue
        for p in sorted(base.rglob("*.py")):
            rel = p.relative_to(root).with_suffix("")
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            if any(not part.isidentifier() for part in parts):
                continue  # data folders, scripts with dashes
            out[".".join(parts)] = p
    return out


def _resolve(name: str, mods: dict[str, Path]) -> str | None:
    """The longest project module that ``name`` names (``a.b.c`` -> ``a.b`` when c is an object)."""
    parts = name.split(".")
    for k in range(len(parts), 0, -1):
        cand = ".".join(parts[:k])
        if cand in mods:
            return cand
    return None


def import_graph(root: Path) -> tuple[dict[str, Path], list[Edge]]:
    """Every project module under ``root`` and every import edge between project modules."""
    mods = _modules(root)
    edges: list[Edge] = []
    for name, path in mods.items():
        is_pkg = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            targets: list[tuple[str, int]] = []
            if isinstance(node, ast.Import):
                targets = [(a.name, node.lineno) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_pkg else name.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                for a in node.names:
                    sub = f"{module}.{a.name}"
                    targets.append((sub if sub in mods else module, node.lineno))
            for target, line in targets:
                if target.split(".")[0] not in PROJECT:
                    continue
                dst = _resolve(target, mods)
                if dst is not None and dst != name:
                    edges.append(Edge(name, dst, line, str(path.relative_to(root))))
    return mods, edges


def layer_of(module: str) -> str:
    """``leaf``, ``workloads``, ``core``, ``face``, ``solvers``, ``family:<name>``, ``costmodels``,
    ``studies``, ``tests`` or ``benchmarks``."""
    top = module.split(".")[0]
    if module in LEAVES:
        return "leaf"
    if top == "dse":
        return "face" if any(module == f or module.startswith(f + ".") for f in FACES) else "core"
    if top == "costmodels":
        parts = module.split(".")
        return f"family:{parts[1]}" if len(parts) > 1 else "costmodels"
    return top


def _allowed(src: str, dst: str) -> str:
    """Empty when ``src`` may import ``dst``, else the rule it breaks."""
    ls, ld = layer_of(src), layer_of(dst)
    if ls in ("studies", "tests", "benchmarks"):
        return ""
    if ld in ("studies", "tests", "benchmarks"):
        return f"library code never imports {ld}"
    if ls == "leaf":
        return "" if dst in LEAVES[src] else f"{src} is a leaf: it imports only {list(LEAVES[src]) or 'nothing'}"
    below = {"leaf"}
    if ls == "workloads":
        ok = below | {"workloads"}
    elif ls == "core":
        ok = below | {"workloads", "core"}
    elif ls == "solvers":
        ok = below | {"workloads", "core", "solvers"}
    elif ls.startswith("family:"):
        fam = ls.split(":")[1]
        ok = below | {"workloads", "core", ls} | {f"family:{f}" for f in EXTENDS.get(fam, {})}
        if dst in GENERIC_SOLVER_HELPERS:
            return ""
    elif ls == "costmodels":
        ok = below | {"workloads", "core", "costmodels"}
    elif ls == "face":
        return ""
    else:  # pragma: no cover
        return f"unknown layer {ls}"
    if ld in ok:
        return ""
    what = {"core": "the dse core", "face": "a face (CLI, plots, study runner)", "solvers": "a solver",
            "workloads": "workloads"}.get(ld, ld.replace("family:", "family "))
    return f"{ls.replace('family:', 'family ')} may not import {what}"


def _cycles(mods: dict[str, Path], edges: list[Edge]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for e in edges:
        graph[e.src].add(e.dst)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                elif nxt in on:
                    low[v] = min(low[v], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return sorted(out)


def check(root: Path | str) -> list[str]:
    """Every break of the contract under ``root`` as ``path:line: src -> dst: rule``, then every
    import cycle as ``cycle: a -> b -> ...``. Empty when the tree keeps the contract."""
    mods, edges = import_graph(Path(root))
    problems = []
    for e in sorted(set(edges), key=lambda e: (e.path, e.line, e.dst)):
        rule = _allowed(e.src, e.dst)
        if rule:
            problems.append(f"{e.path}:{e.line}: {e.src} -> {e.dst}: {rule}")
    for comp in _cycles(mods, edges):
        problems.append("cycle: " + " <-> ".join(comp))
    return problems


if __name__ == "__main__":  # pragma: no cover
    found = check(Path(__file__).resolve().parents[1] if len(sys.argv) < 2 else sys.argv[1])
    print("\n".join(found) or "import contract kept")
    sys.exit(1 if found else 0)
