"""Searches report the design they evaluated: categorical subsets keep their codes (issue 14)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from dse import get_model
from dse.testing import whatif_row
from solvers.base import Objective, Problem
from solvers.sweep import SweepSolver
from workloads import load


def _dse(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dse", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def test_restricted_categorical_keeps_codes():
    """A categorical subset in any order encodes each label as in the full space."""
    space = get_model("asic-systolic").space
    full = space["dataflow"]
    sub = space.restrict({"dataflow": ["is", "ws"]})["dataflow"]
    assert [sub.decode(c) for c in sub.grid()] == ["is", "ws"]
    for label in ("ws", "is"):
        assert sub.validate([label])[0] == full.validate([label])[0]
    with pytest.raises(ValueError, match="dataflow"):
        sub.validate(["os"])  # outside the restriction


def test_sweep_rows_equal_whatif_on_reordered_subset():
    """`--grid dataflow=ws,is` labels each row with the dataflow it evaluated."""
    model, wl = get_model("asic-systolic"), load("resnet18-cifar")
    space = model.space.restrict({"dataflow": ["is", "ws"], "rows": [32], "cols": [32]})
    for k in space:
        if k.name not in ("dataflow", "rows", "cols"):
            space = space.restrict({k.name: [k.default]})
    table = SweepSolver(keep="all").solve(Problem(model, wl, (Objective("latency_s"),), space=space)).table
    assert sorted(table["dataflow"]) == ["is", "ws"]
    for _, row in table.iterrows():
        ref = whatif_row(model, wl, {k.name: row[k.name] for k in model.space})
        assert row["latency_s"] == pytest.approx(float(ref.totals["latency_s"][0]), rel=1e-12)
    lat = dict(zip(table["dataflow"], table["latency_s"]))
    assert lat["ws"] != lat["is"]


def test_cli_sweep_wan_row_equals_whatif(tmp_path):
    """The issue's reproduction: a sweep fixed to network=wan prices WAN, as whatif does."""
    sweep = _dse("sweep", "mpc", "-w", "resnet18-cifar", "--set", "network=wan", "--set", "parties=2",
                 "--set", "relu_keep=1", "--set", "weights=shared", "--grid", "protocol=crypten",
                 "--out", str(tmp_path / "sw"), cwd=tmp_path)
    assert sweep.returncode == 0, sweep.stderr
    import pandas as pd

    row = pd.read_csv(tmp_path / "sw" / "results.csv").iloc[0]
    whatif = _dse("whatif", "mpc", "-w", "resnet18-cifar", "--set", "network=wan", "--set", "protocol=crypten",
                  "--set", "weights=shared", "--set", "relu_keep=1", "--set", "parties=2", "--json", cwd=tmp_path)
    assert whatif.returncode == 0, whatif.stderr
    ref = json.loads(whatif.stdout)["metrics"]["latency_s"]
    assert row["network"] == "wan"
    assert row["latency_s"] == pytest.approx(ref, rel=1e-9)


def test_restricted_sweep_reason_is_the_labelled_protocols():
    """A sweep restricted to protocol=cheetah, weights=shared reports cheetah's infeasibility."""
    model, wl = get_model("mpc"), load("resnet20-cifar")
    space = model.space.restrict({"protocol": ["cheetah"], "weights": ["shared"], "network": ["wan"],
                                  "parties": [2], "relu_keep": [1.0]})
    table = SweepSolver(keep="all").solve(Problem(model, wl, (Objective("latency_s"),), space=space)).table
    ref = whatif_row(model, wl, {"protocol": "cheetah", "weights": "shared", "network": "wan", "parties": 2,
                                 "relu_keep": 1.0})
    assert not ref.feasible[0] and "cheetah" in ref.reason_texts()[0]
    assert not bool(table["feasible"].iloc[0])
    assert table["reason"].iloc[0] == ref.reason_texts()[0]
    assert np.isclose(table["latency_s"].iloc[0], ref.totals["latency_s"][0], rtol=1e-12, equal_nan=True)
