"""SimPy twin: agreement with the analytic model, and what the DES adds (overlap, links)."""

from __future__ import annotations

import numpy as np
import pytest

import workloads
from costmodels.mpc import MpcModel, network
from costmodels.mpc.des import analytic_latency, layer_work, simulate, simulate_work


@pytest.mark.parametrize("proto,n,w,keep,net", [("crypten", 2, "shared", 0.5, "wan"),
                                                 ("crypten", 4, "public", 1.0, "lan"),
                                                 ("cryptflow2", 2, "public", 0.2, "wan"),
                                                 ("ssnet", 5, "public", 0.0, "lan")])
def test_des_equals_analytic_twin(proto, n, w, keep, net):
    """Sequential layers, one chunk, one shared link: DES latency == analytic == model (1e-9)."""
    wl = workloads.load("resnet18-cifar")
    work = layer_work(wl, proto, n, w, keep)
    res = simulate_work(work, network(net), parties=n)
    ana = analytic_latency(work, network(net))
    m = MpcModel().evaluate(wl, {"protocol": [proto], "parties": [n], "weights": [w], "network": [net],
                                 "relu_keep": [keep]}).numpy()
    assert res.latency_s == pytest.approx(ana.sum(), rel=1e-9)
    assert res.latency_s == pytest.approx(m.totals["latency_s"][0], rel=1e-9)
    np.testing.assert_allclose(np.diff(np.concatenate([[0], res.finish_s])), ana, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("params,point", [
    ({}, {"protocol": "crypten", "parties": 3, "network": "wan", "relu_keep": 0.5}),
    ({"bandwidth": "2Gbps", "rtt": "7ms", "poly_degree": 3}, {"protocol": "cryptflow2", "weights": "public",
                                                              "network": "custom", "relu_keep": 0.25}),
    ({"batchnorm": "separate"}, {"protocol": "cryptflow2", "weights": "public", "network": "lan"}),
])
def test_family_simulate_signature_equals_model(params, point):
    """simulate(model, workload, point) (the family template) equals model.evaluate's latency_s, fixed params included."""
    from dse import make_model

    model = make_model("mpc", params)
    wl = workloads.load("resnet20-cifar")
    res = simulate(model, wl, point)
    m = model.evaluate(wl, {k: [v] for k, v in point.items()}).numpy()
    assert bool(m.feasible[0])
    assert res.latency_s == pytest.approx(m.totals["latency_s"][0], rel=1e-9)


def test_overlap_and_chunks_only_help_and_are_deterministic():
    """Pipelining branches/channels never slows the run, never beats the busiest resource, and
    repeats exactly."""
    wl = workloads.load("resnet18-cifar")
    work = layer_work(wl, "crypten", 2, "shared", 0.5)
    net = network("wan")
    seq = simulate_work(work, net).latency_s
    a = simulate_work(work, net, overlap=True, chunks=4)
    b = simulate_work(work, net, overlap=True, chunks=4)
    assert a.latency_s == b.latency_s and a.latency_s < seq
    assert a.latency_s >= work.nbytes.sum() / net.bytes_per_s  # link busy time is a lower bound


def test_mesh_links_relieve_contention_with_more_parties():
    """With one uplink per party the all-to-all traffic of n parties spreads over n links, so
    the gain over a shared medium grows with n (bandwidth part only)."""
    wl = workloads.load("resnet20-cifar")
    net = network("wan")
    gains = []
    for n in (2, 4, 6):
        work = layer_work(wl, "crypten", n, "shared", 1.0)
        gains.append(simulate_work(work, net, parties=n).latency_s - simulate_work(work, net, parties=n, topology="mesh").latency_s)
    assert gains[0] > 0 and gains[0] < gains[1] < gains[2]
