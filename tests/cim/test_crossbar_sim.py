"""The functional crossbar: slicing/DAC/shift-add exact, ADC and IR drop change the numbers."""

from __future__ import annotations

import numpy as np
import pytest

from costmodels.cim.crossbar_sim import CrossbarSim, crossbar_matmul, ir_drop_factor
from dse.errors import DseInputError


def _quantised_product(x, w, bits=8):
    """The integer product the crossbar must reproduce with an ideal ADC and no wires."""
    lv = 2**bits - 1
    sw, sx = np.abs(w).max(), np.abs(x).max()
    return (np.round(x / sx * lv) @ np.round(w / sw * lv).T) * sw / lv * sx / lv


@pytest.mark.parametrize("rows,cell_bits,dac_bits", [(64, 2, 1), (16, 1, 2), (128, 4, 8), (7, 3, 3)])
def test_ideal_adc_equals_quantised_product(rows, cell_bits, dac_bits):
    """Weight slices, DAC steps, row tiles and shift-and-add recombine to the quantised product."""
    rng = np.random.default_rng(rows)
    x, w = rng.random((20, 150)) - 0.3, rng.standard_normal((12, 150))  # signed inputs: two passes
    sim = CrossbarSim(rows=rows, cell_bits=cell_bits, dac_bits=dac_bits, adc_bits=0)
    np.testing.assert_allclose(crossbar_matmul(x, w, sim), _quantised_product(x, w), rtol=0, atol=1e-10)


def test_adc_error_grows_as_bits_drop():
    """Fewer ADC bits: a larger error against the quantised product, strictly."""
    rng = np.random.default_rng(1)
    x, w = rng.random((40, 200)), rng.standard_normal((16, 200))
    ref = _quantised_product(x, w)
    errs = [np.abs(crossbar_matmul(x, w, CrossbarSim(rows=64, adc_bits=b)) - ref).max() for b in (10, 8, 6, 4)]
    assert all(a < b for a, b in zip(errs, errs[1:])), errs


def test_full_scale_adc_error_bound():
    """Full-scale ADC: each partial sum is off by at most half an LSB; the shift-add bounds the total."""
    rng = np.random.default_rng(2)
    x, w = rng.random((10, 64)), rng.standard_normal((8, 64))
    sim = CrossbarSim(rows=32, adc_bits=6)
    lsb = sim.full_scale / (2 ** (sim.adc_bits - 1) - 1)
    # sum over steps t, slices s and 2 tiles of 2^(t + 2 s) * lsb/2, times the output scale
    weight = sum(2.0 ** (t * sim.dac_bits + s * sim.cell_bits) for t in range(sim.steps) for s in range(sim.slices))
    bound = 2 * weight * lsb / 2 * np.abs(w).max() / 255 * np.abs(x).max() / 255
    err = np.abs(crossbar_matmul(x, w, sim) - _quantised_product(x, w)).max()
    assert 0 < err <= bound


def test_ir_drop_factor_hand_count():
    """A 2x2 array of on-cells: by hand H_bl + H_wl = (4, 5; 5, 6), factor = 1 - g_on r H."""
    sim = CrossbarSim(rows=2, cols=2, r_wire_ohm=1.0, g_on_s=0.01)
    f = ir_drop_factor(np.ones((2, 2)), sim)
    # bit line: H(0) = 2, H(1) = 2 + 1 = 3; word line the same along columns
    expected = 1 - 0.01 * (np.array([[2, 2], [3, 3]]) + np.array([[2, 3], [2, 3]]))
    np.testing.assert_allclose(f, expected, rtol=1e-12)


def test_ir_drop_grows_with_array_size():
    """Under IR drop a larger array computes a worse product (the same weights and inputs)."""
    rng = np.random.default_rng(3)
    x, w = rng.random((30, 256)), rng.standard_normal((32, 256))
    ref = _quantised_product(x, w)
    errs = [np.abs(crossbar_matmul(x, w, CrossbarSim(rows=r, cols=r, adc_bits=0, r_wire_ohm=0.5)) - ref).mean()
            for r in (16, 64, 256)]
    assert errs[0] < errs[1] < errs[2], errs


def test_torch_matches_numpy_and_passes_gradients():
    """Same lines in torch; the gradient is the exact product's (straight-through)."""
    torch = pytest.importorskip("torch", reason="torch not installed")
    rng = np.random.default_rng(4)
    x, w = rng.random((8, 40)), rng.standard_normal((5, 40))
    sim = CrossbarSim(rows=16, adc_bits=5, r_wire_ohm=2.0)
    wt = torch.tensor(w, requires_grad=True)
    yt = crossbar_matmul(torch.tensor(x), wt, sim)
    np.testing.assert_allclose(yt.detach().numpy(), crossbar_matmul(x, w, sim), rtol=1e-12, atol=1e-12)
    yt.sum().backward()
    np.testing.assert_allclose(wt.grad.numpy(), np.tile(x.sum(0), (5, 1)), rtol=1e-12)


@pytest.mark.parametrize("field,value", [("rows", 0), ("adc_bits", -1), ("adc_range", "auto"),
                                         ("r_wire_ohm", -1.0), ("adc_clip", 0.0), ("cell_bits", 2.5)])
def test_bad_config_is_one_line_error(field, value):
    """Each crossbar knob is checked with a one-line error naming it."""
    with pytest.raises(DseInputError, match=field):
        CrossbarSim(**{field: value})


def test_accuracy_falls_as_adc_bits_drop():
    """On a trained digits CNN, accuracy with the crossbar falls as the ADC loses bits."""
    pytest.importorskip("torch", reason="torch not installed: the CNN cannot be trained")
    pytest.importorskip("sklearn", reason="scikit-learn not installed: no digits data")
    from costmodels.cim.experiment import make_net
    from costmodels.cim.network import accuracy
    from costmodels.cim.train import load_digits, train

    d = load_digits(0, image=True)
    net = train(make_net("cnn", 0), d["x_train"], d["y_train"], epochs=10, seed=0)
    x, y = d["x_test"][:200], d["y_test"][:200]
    acc = {b: float(accuracy(net, x, y, crossbar=CrossbarSim(rows=64, adc_bits=b))) for b in (8, 5, 3)}
    exact = float(accuracy(net, x, y))
    assert acc[8] >= exact - 0.02  # 8 bits: within 2 points of the exact product
    assert acc[8] > acc[5] > acc[3]
    assert acc[3] < 0.5  # 3 bits over a full-scale range: the network no longer works
