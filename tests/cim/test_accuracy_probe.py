"""Accuracy as a metric of the ``cim`` model: the digits-CNN probe behind ``accuracy_draws``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from costmodels.cim import CrossbarModel
from costmodels.cim.accuracy_probe import probe_data
from costmodels.cim.codesign import point_accuracy
from costmodels.cim.montecarlo import kpp
from dse.errors import DseInputError
from workloads import load

ROOT = Path(__file__).resolve().parents[2]
NAME = "resnet20-cifar"
W = load(NAME)


def _eval(points: dict, draws: int = 4, **params):
    m = CrossbarModel(accuracy_draws=draws, **params)
    return m.evaluate(W, m.space.design(points)).numpy()


def test_probe_off_by_default():
    """Without accuracy_draws the model reports no probe metric (the cheap analytic path)."""
    m = CrossbarModel()
    out = m.evaluate(W, m.space.design({"adc_bits": [6]})).numpy()
    assert "probe_kpp" not in out.totals and "probe_accuracy" not in out.totals


def test_probe_falls_with_adc_bits_and_batch_equals_single():
    """probe_kpp at a 2-bit ADC is below that at 8 bits; a batch row equals the same point alone."""
    out = _eval({"adc_bits": [2, 8]})
    q = out.totals["probe_kpp"]
    assert q[0] + 0.2 < q[1]
    assert np.all(out.totals["probe_accuracy"] >= q)
    alone = _eval({"adc_bits": [8]})
    assert alone.totals["probe_kpp"][0] == q[1]


def test_probe_is_the_codesign_point():
    """The metric is the Monte Carlo KPP of codesign.point_accuracy at the point's knobs, seed + 7."""
    out = _eval({"adc_bits": [4], "rows": [64], "cell_bits": [1], "sigma": [0.2]}, draws=3, accuracy_seed=1)
    net, x, y, x_cal = probe_data(1)
    acc = point_accuracy(net, x, y, {**CrossbarModel.space.defaults(), "adc_bits": 4, "rows": 64, "cell_bits": 1,
                                     "sigma": 0.2}, x_cal=x_cal, draws=3, seed=8)
    assert out.totals["probe_kpp"][0] == kpp(acc, 1.0).value


def test_probe_nan_on_infeasible_and_bad_draws():
    """An infeasible point (cell_bits > weight_bits) gets NaN; negative draws are a DseInputError."""
    out = _eval({"cell_bits": [4], "weight_bits": [2]}, draws=2)
    assert not out.feasible[0] and np.isnan(out.totals["probe_kpp"][0])
    with pytest.raises(DseInputError):
        _eval({"adc_bits": [6]}, draws=-1)


def test_whatif_cli_reports_probe():
    """`dse whatif cim --set accuracy_draws=N --json` prints probe_kpp in [0, 1]; -1 exits 2."""
    run = [sys.executable, "-m", "dse", "whatif", "cim", "--workload", NAME, "--json"]
    r = subprocess.run(run + ["--set", "accuracy_draws=2"], capture_output=True, text=True, cwd=ROOT, timeout=300,
                       check=False)
    assert r.returncode == 0, r.stderr
    assert 0.0 <= json.loads(r.stdout)["metrics"]["probe_kpp"] <= 1.0
    r = subprocess.run(run + ["--set", "accuracy_draws=-1"], capture_output=True, text=True, cwd=ROOT, timeout=300,
                       check=False)
    assert r.returncode == 2 and "Traceback" not in r.stderr
