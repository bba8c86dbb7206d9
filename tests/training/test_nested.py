"""dse.training.nested: nested-mask activations, one network for several budgets, measured sensitivities."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from dse.errors import DseInputError  # noqa: E402
from dse.training.nested import NestedMaskAct, bind_nested, fit_nested, measure_sensitivity, set_budget  # noqa: E402


def _net(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(64, 8), nn.ReLU(),
                         nn.Linear(8, 3))


def _data(n=96, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 1, 4, 4, generator=g)
    y = (X.sum((1, 2, 3)) > 0).long() + (X[:, 0, 0, 0] > 1).long()
    return X, y


def test_mask_selects_relu_or_polynomial_per_channel():
    """Budget k applies masks[k]: kept channels equal relu(x), dropped ones the channel's polynomial."""
    act = NestedMaskAct(np.array([[1, 0, 0], [1, 1, 0]]))
    x = torch.randn(5, 3, 2, 2)
    poly = act.poly(x)
    set_budget([act], 0)
    y0 = act(x)
    assert torch.equal(y0[:, 0], torch.relu(x[:, 0])) and torch.equal(y0[:, 1:], poly[:, 1:])
    set_budget([act], 1)
    y1 = act(x)
    assert torch.equal(y1[:, :2], torch.relu(x[:, :2])) and torch.equal(y1[:, 2], poly[:, 2])
    flat = NestedMaskAct(np.array([[0.0, 1.0]]))
    v = torch.randn(4, 2)
    assert torch.equal(flat(v)[:, 1], torch.relu(v[:, 1]))


def test_bind_and_bad_masks():
    """bind_nested swaps every ReLU in order; non-nested masks, wrong counts or a bad budget index raise DseInputError."""
    net = _net()
    acts = bind_nested(net, [np.ones((2, 4)), np.ones((2, 8))])
    assert [type(m).__name__ for m in net if "Nested" in type(m).__name__] == ["NestedMaskActImpl"] * 2
    X, _ = _data(8)
    ref = _net()
    assert torch.allclose(net(X), ref(X))  # all kept: the ReLU network
    with pytest.raises(DseInputError, match="nested"):
        NestedMaskAct(np.array([[1, 1], [1, 0]]))
    with pytest.raises(DseInputError, match="one"):
        bind_nested(_net(), [np.ones((2, 4))])
    with pytest.raises(DseInputError, match="budget index"):
        set_budget(acts, 2)


def test_fit_nested_deterministic_and_trains_every_budget():
    """Same seed -> same weights; training lowers the loss under every budget (mean loss over budgets)."""
    X, y = _data()
    masks = [np.array([[0, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 1]]), np.array([[0] * 8, [1] * 4 + [0] * 4, [1] * 8])]
    nets = []
    for _ in range(2):
        net = _net()
        acts = bind_nested(net, masks)
        losses0 = []
        for k in range(3):
            set_budget(acts, k)
            losses0.append(float(nn.functional.cross_entropy(net(X), y).detach()))
        fit_nested(net, acts, X, y, epochs=15, lr=1e-2, batch=32, seed=3)
        nets.append((net, acts, losses0))
    (a, acts, losses0), (b, _, _) = nets
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))
    a.eval()
    for k in range(3):
        set_budget(acts, k)
        assert float(nn.functional.cross_entropy(a(X), y).detach()) < losses0[k]


def test_measured_sensitivity_shapes_and_consistency():
    """Per-channel values times elements per channel sum to the site's trained CE rise; the input net is unchanged."""
    X, y = _data()
    net = _net()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    s = measure_sensitivity(net, {"train": (X, y), "val": _data(48, 1)}, epochs=1, lr=1e-2, batch=32)
    assert list(s["elements"]) == [64, 8] and [len(c) for c in s["channel"]] == [4, 8]
    for g, per in enumerate((16, 1)):
        assert float(np.sum(s["channel"][g]) * per) == pytest.approx(s["site_delta"][g], abs=1e-12)
        assert s["site"][g] == pytest.approx(s["site_delta"][g] / s["elements"][g])
    assert (s["site_delta"] >= 0).all()
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())


def test_study_masks_follow_the_milp_counts_and_sensitivity_order():
    """studies/relu_budget_trained.nested_masks keeps the kept_units[k, s] most sensitive channels: nested, exact counts."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "studies"))
    from relu_budget_trained import nested_masks

    kept = np.array([[1, 0], [2, 1], [3, 2]])
    order = [np.array([2, 0, 1]), np.array([1, 0])]
    m = nested_masks(kept, order)
    assert m[0].tolist() == [[0, 0, 1], [1, 0, 1], [1, 1, 1]]
    assert m[1].tolist() == [[0, 0], [0, 1], [1, 1]]
    NestedMaskAct(m[0])  # accepted as nested
