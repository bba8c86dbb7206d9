"""The fast crossbar path (:mod:`costmodels.cim.fastxbar`) equals the reference loop bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

import costmodels.cim.crossbar_sim as cs
from costmodels.cim import fastxbar
from costmodels.cim.codesign import calibrate, crossbar_for
from costmodels.cim.experiment import make_net, make_sampler
from costmodels.cim.network import forward

MODES = ["numpy", pytest.param("numba", marks=pytest.mark.skipif(
    not fastxbar.available(), reason="numba not installed (.ci/setup_numba.sh)"))]


def _run(monkeypatch, mode, fn):
    monkeypatch.setattr(cs, "FAST_PATH", mode)
    return fn()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("point", [{}, {"dac_bits": 2, "cell_bits": 4}, {"adc_bits": 3, "rows": 64}])
def test_digits_cnn_logits_equal_reference(monkeypatch, mode, point):
    """Digits CNN, calibrated ranges, IR drop on, 4 noisy draws: the same logits as the reference
    loop (conv: pattern table, merged draws; dense: stacked steps, two row tiles at 128 rows)."""
    rng = np.random.default_rng(0)
    net = make_net("cnn")
    x = rng.random((60, 1, 8, 8))
    sims = calibrate(net, x[:20], crossbar_for(point))
    ws = make_sampler("gaussian", sigma=0.1)(net.weights(), np.random.default_rng(1), 4)
    ref = _run(monkeypatch, "off", lambda: forward(net, x, ws, crossbar=sims))
    new = _run(monkeypatch, mode, lambda: forward(net, x, ws, crossbar=sims))
    assert ref.shape == (4, 60, 10)
    np.testing.assert_array_equal(new, ref)


CASES = [  # rows, cols, cell_bits, dac_bits, adc_bits, adc_range, r_wire, x lead, w lead, K, dtype, signed x
    (128, 128, 2, 1, 6, "calibrated", 1.6, (1,), (5,), 9, np.float32, False),  # table, merged draws
    (4, 32, 2, 1, 5, "full", 2.0, (), (), 11, np.float64, True),  # table, 3 row tiles, signed inputs
    (64, 48, 3, 2, 7, "full", 0.0, (3,), (3,), 150, np.float32, True),  # stacked steps, 3 tiles
    (16, 16, 1, 3, 4, "calibrated", 5.0, (2, 2), (1,), 40, np.float64, False),  # per-draw inputs, one w
    (32, 128, 4, 1, 8, "full", 1.0, (1,), (6,), 70, np.float32, False),  # merged, no table (2^32 patterns)
    (128, 128, 2, 1, 10, "full", 1.6, (1,), (4,), 9, np.float32, False),  # table, int32 codes (511 x 255)
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", CASES)
def test_random_shapes_equal_reference(monkeypatch, mode, case):
    rows, cols, cb, dac, adc, rng_pol, r, xl, wl, k, dt, signed = case
    rng = np.random.default_rng(rows + k)
    x = (rng.random((*xl, 37, k)) - (0.4 if signed else 0.0)).astype(dt)
    w = rng.standard_normal((*wl, 9, k)).astype(dt)
    sim = cs.CrossbarSim(rows=rows, cols=cols, cell_bits=cb, dac_bits=dac, adc_bits=adc, adc_range=rng_pol,
                         r_wire_ohm=r, g_on_s=1e-3)
    ref = _run(monkeypatch, "off", lambda: cs.crossbar_matmul(x, w, sim))
    new = _run(monkeypatch, mode, lambda: cs.crossbar_matmul(x, w, sim))
    assert new.dtype == ref.dtype and new.shape == ref.shape
    np.testing.assert_array_equal(new, ref)
    # and the ADC is doing something: not the ideal-ADC product
    ideal = cs.crossbar_matmul(x, w, cs.CrossbarSim(rows=rows, cols=cols, cell_bits=cb, dac_bits=dac, adc_bits=0,
                                                    r_wire_ohm=r, g_on_s=1e-3))
    assert not np.array_equal(new, ideal)


@pytest.mark.parametrize("mode", MODES)
def test_table_with_inexact_float_sums(monkeypatch, mode):
    """16-bit inputs and a 14-bit ADC: shift-added codes reach 8191 x 65535 > 2^24, so float32 sums
    round; the table path then keeps float codes and the reference's order (no integer codes)."""
    assert fastxbar._int_codes(8191, 2.0 ** np.arange(16), np.float32) is None
    rng = np.random.default_rng(7)
    x, w = rng.random((1, 300, 8)).astype(np.float32), rng.standard_normal((2, 5, 8)).astype(np.float32)
    sim = cs.CrossbarSim(rows=8, input_bits=16, adc_bits=14, r_wire_ohm=1.6, g_on_s=1e-3)
    assert fastxbar.use_table(1, 8, 300, 16)
    ref = _run(monkeypatch, "off", lambda: cs.crossbar_matmul(x, w, sim))
    np.testing.assert_array_equal(_run(monkeypatch, mode, lambda: cs.crossbar_matmul(x, w, sim)), ref)


def test_table_rule():
    """The pattern table serves short arrays only, and only when reused enough."""
    assert fastxbar.use_table(1, 9, 34496, 8)  # digits CNN conv: 512 patterns, 276k (row, step) pairs
    assert not fastxbar.use_table(1, 128, 539, 8)  # dense layer: 2^128 patterns
    assert not fastxbar.use_table(1, 9, 100, 8)  # 512 patterns for 800 pairs: the products are cheaper


@pytest.mark.skipif(not fastxbar.available(), reason="numba not installed (.ci/setup_numba.sh)")
@pytest.mark.parametrize("lead,n,k,rows,cols,cb,dt", [((4,), 16, 9, 128, 128, 2, np.float32),
                                                      ((2, 3), 7, 50, 16, 24, 3, np.float64),
                                                      ((), 5, 300, 64, 32, 1, np.float32),
                                                      ((3,), 64, 256, 128, 128, 2, np.float32)])  # dense layer
def test_ir_factor_kernel_equals_numpy(lead, n, k, rows, cols, cb, dt):
    rng = np.random.default_rng(k)
    sim = cs.CrossbarSim(rows=rows, cols=cols, cell_bits=cb, r_wire_ohm=3.0, g_on_s=1e-5)
    g = rng.integers(-(2 ** cb - 1), 2 ** cb, size=(*lead, sim.slices * n, k)).astype(dt)
    ref = cs._pair_factor(g, sim, n)
    new = fastxbar.pair_factor(g, cell_bits=cb, slices=sim.slices, n=n, rows=rows, cols=cols,
                               cr=sim.g_on_s * sim.r_wire_ohm)
    assert 0.5 < ref.min() < 0.999  # a real drop, inside first order
    np.testing.assert_array_equal(new, ref)


@pytest.mark.skipif(not fastxbar.available(), reason="numba not installed (.ci/setup_numba.sh)")
@pytest.mark.parametrize("m,k,rows,dac,steps", [(300, 9, 9, 1, 8), (200, 11, 4, 1, 8), (150, 9, 9, 2, 4),
                                                (90, 6, 6, 2, 8)])
def test_pattern_index_kernel_equals_numpy(m, k, rows, dac, steps):
    """The table's pattern of each (tile, step, row), integer kernel vs the float-digit numpy route
    (partial last tile when rows does not divide K)."""
    rng = np.random.default_rng(m)
    q = rng.integers(0, 2 ** (dac * steps), (m, k)).astype(np.int32)
    tiles = -(-k // rows)
    digits = fastxbar._digit_block(q, steps, dac, tiles * rows, np.float32).reshape(steps, m, tiles, rows)
    ref = np.moveaxis(digits @ (float(2 ** dac) ** np.arange(rows)), -1, 0).astype(np.int64)
    new = np.empty((tiles, steps, m), dtype=np.int64)
    fastxbar._pattern_index(q, steps, dac, tiles, rows, new)
    assert new.max() > 2 ** (dac * (rows - 1))  # the top row's digit reaches the index
    np.testing.assert_array_equal(new, ref)


@pytest.mark.skipif(not fastxbar.available(), reason="numba not installed (.ci/setup_numba.sh)")
@pytest.mark.parametrize("steps,tiles", [(8, 1), (3, 2), (6, 2)])
def test_integer_gather_equals_float_gather(steps, tiles):
    """Integer codes shift-added four steps per pass (and the remainder) vs the float kernel."""
    rng = np.random.default_rng(steps)
    codes = rng.integers(-31, 32, (tiles, 64, 24)).astype(np.float32)
    idx = rng.integers(0, 64, (tiles, steps, 50)).astype(np.int64)
    w_t = 2.0 ** np.arange(steps)
    sw = np.array([1.0, 4.0], dtype=np.float32)
    ref, new = np.empty((3, 50, 4), np.float32), np.empty((3, 50, 4), np.float32)
    fastxbar._gather_rows(codes, idx, np.float32(0.37), w_t.astype(np.float32), sw, 3, ref, 0)
    fastxbar._gather_rows_int(codes.astype(np.int16), idx, np.float32(0.37), w_t.astype(np.int16), sw, 3, new, 0)
    np.testing.assert_array_equal(new, ref)


@pytest.mark.skipif(not fastxbar.available(), reason="numba not installed (.ci/setup_numba.sh)")
@pytest.mark.parametrize("density,dt", [(1.0, np.float32), (0.1, np.float32), (1.0, np.float64)])
def test_sparse_steps_equal_reference(monkeypatch, density, dt):
    """Bit planes through the row-order kernel (all but the lowest at density 1.0) give the reference's
    numbers (or BLAS is kept, when this machine's BLAS does not sum in row order)."""
    monkeypatch.setattr(fastxbar, "SPARSE_MAX_DENSITY", density)
    rng = np.random.default_rng(11)
    x = (rng.random((2, 90, 256)) ** 8).astype(dt)  # skewed: top bit 8 % set
    w = rng.standard_normal((2, 24, 256)).astype(dt)
    sim = cs.CrossbarSim(rows=128, cols=128, cell_bits=2, adc_bits=6, adc_range="full", r_wire_ohm=1.6, g_on_s=1e-3)
    q = np.clip(np.round(x[0] / x[0].max() * 255), 0, 255).astype(np.int32)
    assert fastxbar._sparse_from(q, 8) <= (1 if density == 1.0 else 7)
    ref = _run(monkeypatch, "off", lambda: cs.crossbar_matmul(x, w, sim))
    np.testing.assert_array_equal(_run(monkeypatch, "numba", lambda: cs.crossbar_matmul(x, w, sim)), ref)


def test_auto_without_numba_uses_numpy_twin(monkeypatch):
    monkeypatch.setattr(fastxbar, "available", lambda: False)
    rng = np.random.default_rng(5)
    x, w = rng.random((1, 50, 9)).astype(np.float32), rng.standard_normal((3, 4, 9)).astype(np.float32)
    sim = cs.CrossbarSim(adc_bits=5, r_wire_ohm=1.0, g_on_s=1e-3)
    ref = _run(monkeypatch, "off", lambda: cs.crossbar_matmul(x, w, sim))
    np.testing.assert_array_equal(_run(monkeypatch, "auto", lambda: cs.crossbar_matmul(x, w, sim)), ref)
