"""Folding linearised layers (dse.training.collapse): shapes, prices and the linear-map identity."""

from __future__ import annotations

import numpy as np
import pytest

import workloads
from dse import models
from dse.errors import DseInputError
from dse.training.collapse import assign, collapse_linear, is_linear, ranked_assignments, site_options
from workloads.graph import WorkloadBuilder

ALL_LINEAR = ("identity", "identity", "avg", "identity", "avg", "identity")
CF2 = {"protocol": ["cryptflow2"], "weights": ["public"], "network": ["wan"]}


def _latency(w, design=CF2) -> float:
    return float(models.get("mpc")().evaluate(w, design).numpy().totals["latency_s"][0])


def test_all_linear_digits_cnn_folds_to_one_dense_layer():
    w = collapse_linear(assign(workloads.load("digits-cnn"), ALL_LINEAR))
    kinds = [l.kind for l in w.layers]
    assert kinds == ["reshape", "linear"]
    assert w.layers[1].in_shape == (64,) and w.output_shape == (10,)
    # priced like a hand-built 64 -> 10 linear layer
    b = WorkloadBuilder("lin", (1, 8, 8))
    b.linear(b.flatten(b.input), 10)
    assert _latency(w) == pytest.approx(_latency(b.build()), rel=1e-12)


def test_runs_with_one_weighted_layer_are_kept_and_nonlinear_sites_split_runs():
    w = workloads.load("digits-cnn")
    assert collapse_linear(w).layers == w.layers  # every ReLU kept: nothing to fold
    # relu3 kept: conv0..linear0 fold into one 64 -> 128 map, linear1 stays
    v = collapse_linear(assign(w, ALL_LINEAR[:-1] + ("relu",)))
    lin = [l for l in v.layers if l.kind == "linear"]
    assert [(l.in_shape, l.out_shape) for l in lin] == [((64,), (128,)), ((128,), (10,))]
    assert [l.fn for l in v.layers if l.kind == "activation"] == ["relu"]
    # a folded run ending before a max-pool is reshaped back to the pool's input shape
    m = collapse_linear(assign(w, ("identity", "identity", "max", "relu", "max", "relu")))
    pool = next(l for l in m.layers if l.kind == "pool2d")
    assert pool.in_shape == (32, 8, 8)


def test_folding_needs_a_chain():
    with pytest.raises(DseInputError, match="chain of single-input layers"):
        collapse_linear(workloads.load("resnet18-cifar"))


def test_assign_rejects_bad_choices():
    w = workloads.load("digits-cnn")
    with pytest.raises(DseInputError, match="one choice per site"):
        assign(w, ("relu",))
    with pytest.raises(DseInputError, match="one of max, avg"):
        assign(w, ("relu", "relu", "identity", "relu", "max", "relu"))


def test_ranked_assignments_cover_every_choice_cheapest_first():
    w = workloads.load("digits-cnn")
    assert [len(o) for o in site_options(w)] == [3, 3, 2, 3, 2, 3]
    ranked = ranked_assignments(w, _latency)
    assert len(ranked) == 324 and [r[0] for r in ranked] == sorted(r[0] for r in ranked)
    # CrypTFlow2 on WAN: only the all-linear network gets below a fifth of the all-ReLU latency
    base = _latency(w)
    assert ranked[0][1] == ALL_LINEAR and is_linear(ranked[0][1]) and base / ranked[0][0] > 5
    assert all(base / lat < 5 for lat, ch in ranked if not is_linear(ch))
    # unfolded, the linear layers' rounds stay: far from 5x (1.60x since CrypTFlow2's ReLUs are
    # SCI_HE's field ReLU, mpc 7; 1.4x before)
    assert base / ranked_assignments(w, _latency, fold=False)[0][0] < 2


def test_a_linearised_cnn_is_one_affine_map():
    """The premise of folding: with every ReLU the identity and average pools, the trained
    network's function (BN in eval mode) is x -> W x + b, W read off the 64 basis images."""
    torch = pytest.importorskip("torch", reason="torch not installed: the check runs a torch CNN")
    from torch import nn

    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.Identity(),
                        nn.Conv2d(4, 8, 3, padding=1), nn.Identity(), nn.AvgPool2d(2),
                        nn.Flatten(), nn.Linear(128, 10)).double()
    net[1].running_mean.uniform_(-1, 1)
    net[1].running_var.uniform_(0.5, 2)
    net.eval()
    with torch.no_grad():
        bias = net(torch.zeros(1, 1, 8, 8, dtype=torch.float64))[0]
        W = net(torch.eye(64, dtype=torch.float64).reshape(64, 1, 8, 8)) - bias
        x = torch.randn(16, 1, 8, 8, dtype=torch.float64)
        np.testing.assert_allclose(net(x).numpy(), (x.reshape(16, 64) @ W + bias).numpy(), rtol=1e-10, atol=1e-10)
