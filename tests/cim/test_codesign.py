"""Accuracy from the cost knobs: design point -> CrossbarSim -> calibrated ranges -> Monte Carlo KPP."""

from __future__ import annotations

import numpy as np
import pytest

from costmodels.cim import crossbar_sim
from costmodels.cim.codesign import calibrate, crossbar_for, point_accuracy, sweep
from costmodels.cim.crossbar_sim import CrossbarSim, crossbar_matmul
from costmodels.cim.experiment import make_net, make_sampler
from costmodels.cim.montecarlo import mc_accuracy
from dse.errors import DseInputError


@pytest.fixture(scope="module")
def cnn():
    """A digits CNN trained 8 epochs, 150 test and 100 calibration images."""
    pytest.importorskip("sklearn", reason="scikit-learn (digits) not installed")
    pytest.importorskip("torch", reason="torch not installed")
    from costmodels.cim.train import load_digits, train

    d = load_digits(0, image=True)
    net = train(make_net("cnn"), d["x_train"], d["y_train"], epochs=8, seed=0)
    return net, d["x_test"][:150], d["y_test"][:150], d["x_val"][:100]


def test_crossbar_for_maps_the_cost_knobs():
    """Every knob the cost model prices and the functional crossbar shares is carried over."""
    sim = crossbar_for({"rows": 64, "cell_bits": 4, "adc_bits": 5, "dac_bits": 2}, adc_range="full", r_wire_ohm=0)
    assert (sim.rows, sim.cols, sim.cell_bits, sim.adc_bits, sim.dac_bits, sim.weight_bits) == (64, 128, 4, 5, 2, 8)
    assert sim.adc_range == "full" and sim.r_wire_ohm == 0 and sim.g_on_s == pytest.approx(1e-5)
    with pytest.raises(DseInputError):
        crossbar_for({"adc_bitz": 4})


def test_shared_input_draws_equal_one_by_one():
    """Draws batched in one call (the wide shared-input product) equal the draws computed alone."""
    rng = np.random.default_rng(0)
    x, w = rng.random((30, 40)), rng.standard_normal((5, 6, 40))
    sim = CrossbarSim(rows=16, adc_bits=4, adc_range="calibrated", adc_top=20.0, x_top=1.0, r_wire_ohm=3.0,
                      g_on_s=1e-3)
    batched = crossbar_matmul(x[None], w, sim)
    alone = np.stack([crossbar_matmul(x, w[i], sim) for i in range(5)])
    np.testing.assert_allclose(batched, alone, rtol=1e-12, atol=1e-12)


def test_chunking_does_not_change_the_result(monkeypatch):
    """Splitting the rows of the product into small chunks gives the same numbers."""
    rng = np.random.default_rng(1)
    x, w = rng.random((50, 70)), rng.standard_normal((3, 9, 70))
    sim = CrossbarSim(rows=32, adc_bits=5, adc_range="calibrated")
    big = crossbar_matmul(x[None], w, sim)
    monkeypatch.setattr(crossbar_sim, "CHUNK_ELEMENTS", 64)
    np.testing.assert_allclose(crossbar_matmul(x[None], w, sim), big, rtol=1e-12, atol=1e-12)


def test_calibrated_monte_carlo_is_chunk_invariant(cnn):
    """With ranges fixed by calibrate(), a draw's accuracy does not depend on its chunk-mates."""
    net, x, y, xc = cnn
    sims = calibrate(net, xc, crossbar_for({"adc_bits": 4}))
    assert all(s.adc_top > 0 and s.x_top > 0 for s in sims)
    sampler = make_sampler("gaussian", sigma=0.1)
    a = mc_accuracy(net, x[:40], y[:40], sampler, 6, seed=3, chunk=1, crossbar=sims)
    b = mc_accuracy(net, x[:40], y[:40], sampler, 6, seed=3, chunk=6, crossbar=sims)
    np.testing.assert_array_equal(a, b)


def test_accuracy_falls_as_adc_bits_drop(cnn):
    """No device noise: 8-bit ADC within 3 points of float, 4-bit below it, 2-bit near chance."""
    net, x, y, xc = cnn
    from costmodels.cim.network import accuracy

    clean = float(accuracy(net, x, y))
    acc = {b: float(point_accuracy(net, x, y, {"adc_bits": b, "sigma": 0.0}, x_cal=xc, draws=1)[0])
           for b in (8, 4, 2)}
    assert acc[8] >= clean - 0.03
    assert acc[8] > acc[4] > acc[2]
    assert acc[2] < 0.3


def test_accuracy_falls_as_rows_grow_under_ir_drop(cnn):
    """Ideal ADC, 10 ohm per cell: a 256-row array loses >10 points that 16 and 64 rows keep."""
    net, x, y, xc = cnn

    def acc(rows: int) -> float:
        return float(point_accuracy(net, x, y, {"rows": rows, "cols": rows, "adc_bits": 0, "sigma": 0.0},
                                    x_cal=xc, draws=1, r_wire_ohm=10.0)[0])

    a16, a64, a256 = acc(16), acc(64), acc(256)
    assert a256 < a16 - 0.1 and a256 < a64 - 0.1, (a16, a64, a256)


def test_sweep_makes_the_cheapest_adc_cost_accuracy(cnn):
    """A 2-bit ADC is the cheapest point but no longer free: its KPP is far below the 8-bit one,
    and both are on the (energy, area, KPP) front."""
    net, x, y, xc = cnn
    df = sweep(net, x[:60], y[:60], {"adc_bits": [2, 8]}, x_cal=xc, base={"sigma": 0.1}, draws=4)
    lo, hi = df.set_index("adc_bits").loc[2], df.set_index("adc_bits").loc[8]
    assert lo.energy_j < hi.energy_j and lo.area_m2 < hi.area_m2
    assert lo.kpp < hi.kpp - 0.3
    assert df.pareto.all() and df.feasible.all()
