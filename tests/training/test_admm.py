"""dse.training.admm: ADMM phases leave weights exactly on their constraint sets; retraining keeps zeros."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from dse.errors import DseInputError
from dse.kernels import compression as C

torch = pytest.importorskip("torch")
from dse.training.admm import admm_compress, admm_phase, compression_stats, masked_retrain  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    torch.set_num_threads(1)  # tiny nets: threads only contend on the shared cores


def _data(seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(256, 12, generator=g)
    y = (X[:, :3].sum(1) > 0).long() + (X[:, 3] > 1).long()
    return X, y


def _net():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(12, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))


def test_prune_then_quantize_lands_on_constraints():
    """After admm_compress every weight has <= the kept count of non-zeros and at most 2^(b)-1 distinct levels; ratio matches the count."""
    X, y = _data()
    net = _net()
    names = ["0.weight", "2.weight"]
    prune = {n: functools.partial(C.prune_unstructured, density=0.25) for n in names}
    quant = {n: functools.partial(C.quantize, bits=3) for n in names}
    out = admm_compress(net, X, y, prune=prune, quantize=quant, admm_epochs=3, retrain_epochs=2, rho=0.05, lr=1e-2)
    stats = compression_stats(net, {n: 3 for n in names})
    for row, shape in zip(stats["layers"], [(16, 12), (3, 16)]):
        assert row["nonzero"] <= round(0.25 * shape[0] * shape[1])
        assert row["distinct_values"] <= 6  # 7 levels of 3-bit uniform, zero excluded
    w = net[0].weight.detach().double().numpy()
    s = out["quantize"].projections["0.weight"]
    np.testing.assert_allclose(s(w), w)  # idempotent on the final weights: they lie in the set
    dense = 32 * (16 * 12 + 3 * 16)
    assert stats["ratio"] == pytest.approx(dense / (3 * sum(r["nonzero"] for r in stats["layers"])))
    assert len(out["prune"].residual) == 3


def test_admm_residual_shrinks_and_masked_retrain_keeps_zeros():
    """The primal residual ||W - Z|| / ||W|| of block-circulant ADMM decreases; masked_retrain never revives a zero."""
    X, y = _data(1)
    net = _net()
    st = admm_phase(net, X, y, {"0.weight": functools.partial(C.block_circulant_project, block=4)},
                    epochs=6, rho=0.1, lr=1e-2)
    assert st.residual[-1] < st.residual[0]
    w = net[0].weight.detach().double().numpy()
    np.testing.assert_allclose(C.block_circulant_project(w, block=4), w, atol=1e-6)
    with torch.no_grad():
        net[2].weight[:, :8] = 0
    masked_retrain(net, X, y, epochs=2, lr=1e-2)
    assert (net[2].weight[:, :8] == 0).all() and (net[2].weight[:, 8:] != 0).any()


def test_bad_inputs():
    """Unknown weight names and a non-positive rho raise DseInputError."""
    X, y = _data()
    with pytest.raises(DseInputError):
        admm_phase(_net(), X, y, {"5.weight": C.prune_unstructured}, epochs=1, rho=1, lr=1e-2)
    with pytest.raises(DseInputError):
        admm_phase(_net(), X, y, {"0.weight": functools.partial(C.prune_unstructured, density=.5)}, epochs=1, rho=0,
                   lr=1e-2)
