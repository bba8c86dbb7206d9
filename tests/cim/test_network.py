"""Functional network: numpy = torch = torch.nn.functional, OBD Hessian diagonal, workload export."""

from __future__ import annotations

import numpy as np
import pytest

from costmodels.cim import CrossbarModel
from costmodels.cim.network import forward, forward_torch, make_cnn, make_mlp, to_workload
from costmodels.cim.swim import block_mask, hessian_diagonal, select

torch = pytest.importorskip("torch", reason="torch not installed: torch parity not checked")
F = torch.nn.functional


def test_cnn_matches_torch_functional():
    """Conv (im2col) + ReLU + AvgPool + Dense equals torch.nn.functional on the same weights."""
    net = make_cnn(seed=3)
    x = np.random.default_rng(0).random((7, 1, 8, 8))
    l = net.layers
    t = lambda a: torch.tensor(a)
    h = F.conv2d(t(x), t(l[0].w), t(l[0].b), padding=1).relu()
    h = F.avg_pool2d(h, 2).flatten(1)
    h = (h @ t(l[4].w).T + t(l[4].b)).relu() @ t(l[6].w).T + t(l[6].b)
    np.testing.assert_allclose(forward(net, x, dtype=np.float64), h.numpy(), atol=1e-12)


def test_per_draw_weights_numpy_equals_torch():
    """Per-draw weights give (D, B, C) logits, identical in numpy and torch."""
    net = make_cnn(seed=1)
    x = np.random.default_rng(1).random((3, 1, 8, 8))
    ws = [np.stack([w, 0.9 * w]) for w in net.weights()]
    a = forward(net, x, ws, dtype=np.float64)
    b = forward_torch(net, torch.tensor(x), [torch.tensor(w) for w in ws], dtype=torch.float64).numpy()
    assert a.shape == (2, 3, 10)
    np.testing.assert_allclose(a, b, atol=1e-12)
    np.testing.assert_allclose(a[0], forward(net, x, dtype=np.float64), atol=1e-12)


def _exact_diag(net, x, y, idx):
    """Exact Hessian diagonal of the mean cross-entropy w.r.t. weight ``idx`` (torch autograd)."""
    ws = [torch.tensor(w, requires_grad=True) for w in net.weights()]

    def loss(wi):
        cur = list(ws)
        cur[idx] = wi
        return F.cross_entropy(forward_torch(net, torch.tensor(x), cur, dtype=torch.float64), torch.tensor(y))

    w0 = ws[idx].detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(loss(w0), w0, create_graph=True)
    g = g.reshape(-1)
    diag = [torch.autograd.grad(g[i], w0, retain_graph=True)[0].reshape(-1)[i] for i in range(g.numel())]
    return torch.stack(diag).detach().numpy().reshape(ws[idx].shape)


def test_hessian_diagonal_last_layer_exact_first_layer_close():
    """SWIM's second derivatives: exact for a one-hidden-layer ReLU net (output layer p(1-p) x^2;
    hidden layer through the full output Hessian, and ReLU nets are piecewise linear in W1); in a
    deeper net the OBD recursion drops cross terms but ranks weights like the exact diagonal."""
    from scipy.stats import spearmanr

    net = make_mlp([6, 5, 3], seed=2)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((40, 6)), rng.integers(0, 3, 40)
    obd = hessian_diagonal(net, x, y)
    for i in (0, 1):
        np.testing.assert_allclose(obd[i], _exact_diag(net, x, y, i), rtol=1e-8, atol=1e-12)
    deep = make_mlp([6, 5, 4, 3], seed=2)
    rho = spearmanr(hessian_diagonal(deep, x, y)[0].ravel(), _exact_diag(deep, x, y, 0).ravel()).statistic
    assert rho > 0.8


def test_selection_masks():
    """Global top-fraction selection picks round(f N) weights, the highest scores first; block_mask
    verifies exactly one layer."""
    scores = [np.array([[5.0, 1.0]]), np.array([3.0, 4.0, 0.0])]
    m = select(scores, 0.4)
    assert [x.tolist() for x in m] == [[[True, False]], [False, True, False]]
    r = select(scores, 0.6, rng=np.random.default_rng(0), random=True)
    assert sum(int(x.sum()) for x in r) == 3
    net = make_mlp([4, 3, 2])
    assert [bool(b.all()) for b in block_mask(net, -1)] == [False, True]


def test_to_workload_feeds_the_cost_model():
    """The digits MLP as a workload: 64x64 weights need 2*64*4 = 512 columns (4 crossbars of 128),
    64x10 need 80 columns (1 crossbar)."""
    w = to_workload(make_mlp([64, 64, 10]))
    m = CrossbarModel().evaluate(w, {}).numpy()
    assert m.layer_names == ("linear0", "linear1")
    assert m.totals["crossbars"][0] == 4 + 1
