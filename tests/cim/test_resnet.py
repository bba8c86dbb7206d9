"""ResNet-style digits network: identity shortcuts in numpy = torch.nn.functional, workload, limits."""

from __future__ import annotations

import numpy as np
import pytest

from costmodels.cim import CrossbarModel
from costmodels.cim.crossbar_sim import CrossbarSim
from costmodels.cim.network import AddSaved, Net, ReLU, forward, forward_torch, make_resnet, to_workload
from costmodels.cim.swim import hessian_diagonal
from dse.errors import DseInputError

torch = pytest.importorskip("torch", reason="torch not installed: torch parity not checked")
F = torch.nn.functional


def _reference(net: Net, x: np.ndarray) -> np.ndarray:
    """The same network written with torch.nn.functional and explicit shortcuts."""
    convs = [l for l in net.layers if hasattr(l, "pad")]
    dense = net.layers[-1]
    t = torch.tensor
    h = F.conv2d(t(x), t(convs[0].w), t(convs[0].b), padding=1).relu()
    for a, b in zip(convs[1::2], convs[2::2]):
        y = F.conv2d(h, t(a.w), t(a.b), padding=1).relu()
        h = (F.conv2d(y, t(b.w), t(b.b), padding=1) + h).relu()
    h = F.avg_pool2d(h, 2).flatten(1)
    return (h @ t(dense.w).T + t(dense.b)).numpy()


def test_resnet_matches_torch_functional():
    """Two basic blocks with identity shortcuts equal torch.nn.functional; numpy equals forward_torch."""
    net = make_resnet(seed=2, channels=4)
    x = np.random.default_rng(0).random((5, 1, 8, 8))
    ref = _reference(net, x)
    np.testing.assert_allclose(forward(net, x, dtype=np.float64), ref, atol=1e-10)
    out = forward_torch(net, torch.tensor(x), dtype=torch.float64).numpy()
    np.testing.assert_allclose(out, ref, atol=1e-10)


def test_shortcut_changes_the_output():
    """Removing the shortcut additions changes the logits (the Save/AddSaved markers act)."""
    net = make_resnet(seed=2, channels=4, blocks=1)
    x = np.random.default_rng(1).random((3, 1, 8, 8))
    plain = Net(tuple(l for l in net.layers if not isinstance(l, AddSaved)), net.input_shape)
    assert not np.allclose(forward(net, x, dtype=np.float64), forward(plain, x, dtype=np.float64))


def test_resnet_runs_through_the_crossbar():
    """The crossbar simulator with an ideal ADC and no wires reproduces the exact network to quantisation."""
    net = make_resnet(seed=4, channels=4)
    x = np.random.default_rng(2).random((4, 1, 8, 8))
    sim = CrossbarSim(rows=32, cols=32, cell_bits=2, weight_bits=12, input_bits=12, adc_bits=0)
    exact = forward(net, x, dtype=np.float64)
    xbar = forward(net, x, dtype=np.float64, crossbar=sim)
    assert np.abs(xbar - exact).max() < 1e-2 * np.abs(exact).max()


def test_resnet_workload_has_the_additions():
    """to_workload keeps the shortcut additions and the cost model maps the five convolutions and the dense layer."""
    net = make_resnet(channels=16, blocks=2)
    w = to_workload(net)
    m = CrossbarModel().evaluate(w, {}).numpy()
    assert sum(name.startswith("conv") for name in m.layer_names) == 5
    assert sum(name.startswith("linear") for name in m.layer_names) == 1
    assert len([l for l in w.layers if type(l).__name__.lower().startswith("add")]) == 2


def test_bad_inputs():
    """A lone AddSaved, zero blocks and the SWIM Hessian on a residual net are rejected."""
    with pytest.raises(DseInputError):
        forward(Net((AddSaved(), ReLU()), (3,)), np.ones((1, 3)))
    with pytest.raises(DseInputError):
        make_resnet(blocks=0)
    with pytest.raises(DseInputError):
        hessian_diagonal(make_resnet(channels=2, blocks=1), np.ones((2, 1, 8, 8)), np.zeros(2, dtype=int))


def test_tsb_block_is_shared_and_starts_as_identity():
    """add_tsb inserts one shared 1x1 block (one weight slot, four uses), identity-initialised, so the
    logits are unchanged; its mask covers exactly that slot."""
    from costmodels.cim.tsb import add_tsb, tsb_masks, tsb_slot

    net = make_resnet(seed=1, channels=4, blocks=2)
    t = add_tsb(net)
    x = np.random.default_rng(3).random((3, 1, 8, 8))
    np.testing.assert_allclose(forward(t, x, dtype=np.float64), forward(net, x, dtype=np.float64), atol=1e-12)
    s = tsb_slot(t)
    assert t.slots().count(s) == 4 and len(t.weights()) == len(net.weights()) + 1
    masks = tsb_masks(t)
    assert sum(m.sum() for m in masks) == 16 and masks[s].all()
    changed = [w.copy() for w in t.weights()]
    changed[s] = changed[s] * 0.5  # one change reaches every use of the block
    assert not np.allclose(forward(t.with_weights(changed), x, dtype=np.float64), forward(t, x, dtype=np.float64))


def test_frozen_slots_do_not_train():
    """per_weight {'trainable': False} keeps a weight slot at its initial value; the shared block trains."""
    from costmodels.cim.train import train
    from costmodels.cim.tsb import add_tsb, tsb_slot

    t = add_tsb(make_resnet(seed=1, channels=4, blocks=1))
    s = tsb_slot(t)
    rng = np.random.default_rng(0)
    x, y = rng.random((32, 1, 8, 8)), rng.integers(0, 10, 32)
    pw = [{"trainable": i == s} for i in range(len(t.weights()))]
    out = train(t, x, y, epochs=2, seed=0, per_weight=pw)
    for i, (a, b) in enumerate(zip(out.weights(), t.weights())):
        assert np.allclose(a, b) == (i != s)


def test_ovf_training_inputs_and_effect():
    """NeFT OVF needs a noise kernel and sigmas >= 0; with feedback it trains to different weights
    than plain noise injection from the same seed."""
    from costmodels.cim.train import train

    net = make_resnet(seed=1, channels=4, blocks=1)
    rng = np.random.default_rng(0)
    x, y = rng.random((32, 1, 8, 8)), rng.integers(0, 10, 32)
    with pytest.raises(DseInputError):
        train(net, x, y, epochs=1, ovf=[0.1], beta=1e-3)
    with pytest.raises(DseInputError):
        train(net, x, y, epochs=1, kernel="cim-gaussian", kernel_params={"sigma": 0.1}, ovf=[-0.1], beta=1e-3)
    base = train(net, x, y, epochs=1, kernel="cim-gaussian", kernel_params={"sigma": 0.1})
    ovf = train(net, x, y, epochs=1, kernel="cim-gaussian", kernel_params={"sigma": 0.1}, ovf=[0.2, 0.15], beta=0.1)
    assert not all(np.allclose(a, b) for a, b in zip(base.weights(), ovf.weights()))


def test_calibrate_gives_one_sim_per_use_of_a_shared_block():
    """codesign.calibrate returns one CrossbarSim per Dense/Conv layer, counting each use of the shared block."""
    from costmodels.cim.codesign import calibrate
    from costmodels.cim.tsb import add_tsb

    t = add_tsb(make_resnet(seed=1, channels=4, blocks=1))
    x = np.random.default_rng(0).random((4, 1, 8, 8))
    sims = calibrate(t, x, CrossbarSim(rows=32, cols=32, adc_bits=6, adc_range="calibrated"))
    assert len(sims) == len(t.slots()) == len(t.weights()) + 1
    out = forward(t, x, dtype=np.float64, crossbar=sims)
    assert out.shape == (4, 10) and np.isfinite(out).all()
