"""The import contract (DESIGN.md §5a, rules in tests/layering_contract.py) holds, and the check catches breaks."""

from __future__ import annotations

from pathlib import Path

from tests.layering_contract import check, layer_of

ROOT = Path(__file__).resolve().parents[1]


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return tmp_path


#: A minimal tree that keeps the contract; each broken variant below adds one bad import.
GOOD = {
    "dse/__init__.py": "",
    "dse/errors.py": "",
    "dse/units.py": "from .errors import x\n",
    "dse/model.py": "from .errors import x\nimport workloads\n",
    "dse/cli/__init__.py": "from dse.model import M\nimport solvers.base\nimport costmodels.mpc\n",
    "workloads/__init__.py": "from dse.errors import x\n",
    "solvers/__init__.py": "",
    "solvers/base.py": "from dse.model import M\n",
    "solvers/highs.py": "import pyomo\n",
    "costmodels/__init__.py": "",
    "costmodels/mpc/__init__.py": "from .model import M\n",
    "costmodels/mpc/model.py": "from dse.model import M\nfrom solvers.highs import solve\n",
    "costmodels/fpga/__init__.py": "from dse.model import M\n",
    "studies/run.py": "import dse.cli\nimport costmodels.fpga\n",
}


def test_repository_keeps_the_import_contract():
    """No layer imports above itself, no family imports another, no import cycle, in this checkout."""
    assert check(ROOT) == []


def test_good_toy_tree_passes(tmp_path):
    """The toy tree that every broken variant starts from keeps the contract (so the failures below are the bad import)."""
    assert check(_tree(tmp_path, GOOD)) == []


def test_core_importing_a_family_fails(tmp_path):
    """A core module importing a family (what dse/training/penalty.py did) is reported with file and line."""
    root = _tree(tmp_path, {**GOOD, "dse/model.py": "from .errors import x\n\ndef f():\n    from costmodels.mpc.tables import t\n",
                            "costmodels/mpc/tables.py": ""})
    assert check(root) == ["dse/model.py:4: dse.model -> costmodels.mpc.tables: core may not import family mpc"]


def test_solver_importing_a_family_and_family_importing_a_family_fail(tmp_path):
    """A solver importing a family, a family importing another, and a family importing a non-generic solver all fail."""
    root = _tree(tmp_path, {**GOOD,
                            "solvers/alloc.py": "from costmodels.fpga import r\n",
                            "costmodels/fpga/x.py": "import costmodels.mpc.model\nfrom solvers import base\n"})
    found = check(root)
    assert "solvers/alloc.py:1: solvers.alloc -> costmodels.fpga: solvers may not import family fpga" in found
    assert "costmodels/fpga/x.py:1: costmodels.fpga.x -> costmodels.mpc.model: family fpga may not import family mpc" in found
    assert "costmodels/fpga/x.py:2: costmodels.fpga.x -> solvers.base: family fpga may not import a solver" in found
    assert len(found) == 3


def test_workloads_and_leaves_fail_upwards(tmp_path):
    """workloads importing the core, and a leaf importing anything but the leaf below it, fail."""
    root = _tree(tmp_path, {**GOOD, "workloads/ir.py": "from dse.model import M\n",
                            "dse/errors.py": "from dse import units\n"})
    found = check(root)
    assert "workloads/ir.py:1: workloads.ir -> dse.model: workloads may not import the dse core" in found
    assert any(f.startswith("dse/errors.py:1: dse.errors -> dse.units: dse.errors is a leaf") for f in found)


def test_core_importing_a_face_and_library_importing_studies_fail(tmp_path):
    """The core may not borrow the CLI's helpers (what dse/plots.py did before it was a face), nor import studies."""
    root = _tree(tmp_path, {**GOOD, "dse/model.py": "from .cli import helpers\nimport studies.run\n"})
    found = check(root)
    assert "dse/model.py:1: dse.model -> dse.cli: core may not import a face (CLI, plots, study runner)" in found
    assert "dse/model.py:2: dse.model -> studies.run: library code never imports studies" in found


def test_import_cycle_fails_even_through_a_function_level_import(tmp_path):
    """Two modules importing each other (one lazily, as _optuna_loop/optuna_search did) are a cycle."""
    root = _tree(tmp_path, {**GOOD, "solvers/a.py": "from .b import g\n",
                            "solvers/b.py": "def g():\n    from .a import f\n"})
    assert check(root) == ["cycle: solvers.a <-> solvers.b"]


def test_layer_names():
    """Module names map to the layers of DESIGN.md §5a."""
    assert [layer_of(m) for m in ("dse.errors", "dse.problem", "dse.cli.whatif", "dse.study", "solvers.highs",
                                  "costmodels.mpc.training", "workloads.ir")] == \
        ["leaf", "core", "face", "face", "solvers", "family:mpc", "workloads"]
