"""Packaging: one version source (``dse/_version.py`` feeds the package metadata, ``dse.__version__``
and ``dse --version``); PEP 561 ``py.typed`` markers shipped with every top-level package."""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

import pytest

import dse
from dse.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_pyproject_reads_the_version_from_dse_version_module():
    """pyproject.toml declares the version dynamic, read from dse._version (no second literal)."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in meta["project"]
    assert "version" in meta["project"]["dynamic"]
    assert meta["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "dse._version.__version__"}


def test_installed_metadata_matches_dse_version():
    """The installed distribution's version is the one dse.__version__ reports."""
    assert importlib.metadata.version("dse-pi") == dse.__version__


def test_cli_version_flag(capsys):
    """`dse --version` prints the package version and exits 0."""
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"dse {dse.__version__}"


@pytest.mark.parametrize("package", ["dse", "costmodels", "solvers", "workloads"])
def test_package_ships_py_typed(package):
    """Each top-level package has a py.typed marker and package-data includes it (PEP 561)."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert (ROOT / package / "py.typed").is_file()
    assert "py.typed" in meta["tool"]["setuptools"]["package-data"]["*"]
