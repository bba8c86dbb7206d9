"""MpcModel: formulas, feasibility, bad inputs, differentiability, per-site tables."""

from __future__ import annotations

import numpy as np
import pytest

import workloads
from costmodels.mpc import MpcModel, latency_table, network
from dse.errors import DseInputError, UnknownNameError
from dse.registry import get_model
from dse.testing import run_all


def _eval(wl, **knobs):
    d = {k: [v] for k, v in knobs.items()}
    return MpcModel().evaluate(wl, d).numpy()


def test_registered_and_conformant():
    """The model is registered as ``mpc`` and passes the conformance kit (incl. gradients)."""
    model = get_model("mpc")
    run_all(model, workloads.load("resnet20-cifar"))


def test_latency_is_rounds_rtt_plus_bytes_over_bandwidth_plus_compute():
    """latency = rounds x RTT + bytes / BW + compute with the LAN/WAN presets of
    OpenCheetah's throttle.sh (3 Gbit/s 0.3 ms; 400 Mbit/s 40 ms)."""
    wl = workloads.load("resnet20-cifar")
    for net, bw, rtt in [("lan", 3e9 / 8, 0.3e-3), ("wan", 4e8 / 8, 40e-3)]:
        m = _eval(wl, protocol="crypten", network=net, relu_keep=0.3)
        t = m.totals
        assert t["latency_s"][0] == pytest.approx(t["rounds"][0] * rtt + t["comm_bytes"][0] / bw + t["compute_s"][0])
        assert network(net).rtt_s == rtt


def test_custom_network_params_parse_units():
    """network=custom reads bandwidth/rtt params given with human units."""
    wl = workloads.load("resnet20-cifar")
    m = MpcModel(bandwidth="1Gbps", rtt="5ms").evaluate(wl, {"network": ["custom"]}).numpy()
    t = m.totals
    assert t["latency_s"][0] == pytest.approx(t["rounds"][0] * 5e-3 + t["comm_bytes"][0] / 1.25e8 + t["compute_s"][0])


def test_keep_interpolates_bytes_and_takes_max_rounds():
    """Bytes are linear in relu_keep; a mixed site pays max(ReLU, poly) rounds (batches in parallel)."""
    wl = workloads.load("resnet20-cifar")
    m0, m1, mh = (_eval(wl, protocol="crypten", relu_keep=k) for k in (0.0, 1.0, 0.5))
    assert mh.totals["comm_bytes"][0] == pytest.approx(0.5 * (m0.totals["comm_bytes"][0] + m1.totals["comm_bytes"][0]))
    assert mh.totals["rounds"][0] == m1.totals["rounds"][0]  # ReLU (9 calls) dominates x^2 (1 call)
    assert m1.totals["relus_kept"][0] == wl.relus and m0.totals["relus_kept"][0] == 0


def test_bad_inputs_give_clear_errors():
    """parties < 2, an unknown protocol, a budget above the ReLU count raise DseInputError."""
    wl = workloads.load("resnet20-cifar")
    with pytest.raises(DseInputError, match="parties"):
        _eval(wl, parties=1)
    with pytest.raises(DseInputError, match="protocol"):
        _eval(wl, protocol="spdz-magic")
    with pytest.raises(DseInputError, match="budget"):
        latency_table(wl).uniform_keep(wl.relus + 1)
    with pytest.raises(UnknownNameError):
        network("satellite")


def test_infeasible_configurations_are_masked_with_reason():
    """cryptflow2 with 3 parties and delphi with shared weights are masked, not raised."""
    wl = workloads.load("resnet20-cifar")
    m = MpcModel().evaluate(wl, {"protocol": ["cryptflow2", "delphi", "crypten"], "parties": [3, 2, 3],
                                 "weights": ["public", "shared", "shared"]}).numpy()
    assert m.feasible.tolist() == [False, False, True]
    assert "2-party" in m.reason_of(0) and "weights=public" in m.reason_of(1)


def test_site_table_matches_model_at_integral_keep():
    """Per-site table totals equal the model's latency and bytes for keep 0 and 1 on every site."""
    wl = workloads.load("resnet18-cifar")
    for proto, n, w, net in [("crypten", 3, "shared", "wan"), ("delphi", 2, "public", "lan"),
                             ("ssnet", 5, "public", "wan")]:
        t = latency_table(wl, proto, n, w, net)
        for k in (0.0, 1.0):
            m = _eval(wl, protocol=proto, parties=n, weights=w, network=net, relu_keep=k)
            keep = np.full(len(t), k)
            assert t.latency(keep) == pytest.approx(m.totals["latency_s"][0], rel=1e-12)
            assert t.comm_bytes(keep) == pytest.approx(m.totals["comm_bytes"][0], rel=1e-12)


def test_site_table_torch_gradient_is_lat_difference():
    """d latency / d keep_g = LAT_relu,g - LAT_poly,g (PASNet's loss_lat form), via autograd."""
    torch = pytest.importorskip("torch", reason="torch not installed")
    t = latency_table(workloads.load("resnet20-cifar"), "crypten", 2, "public", "wan")
    keep = torch.full((2, len(t)), 0.3, dtype=torch.float64, requires_grad=True)
    t.latency(keep).sum().backward()
    np.testing.assert_allclose(keep.grad[0].numpy(), t.lat_relu_s - t.lat_poly_s, rtol=1e-12)
    masks = [torch.ones(c, dtype=torch.float64, requires_grad=True) for c in t.channels]
    frac = t.keep_from_masks(masks)
    assert frac.shape == (len(t),) and float(frac.sum()) == len(t)


def test_model_gradient_in_relu_keep_matches_table():
    """The model's d latency / d relu_keep equals the bytes and compute part of sum_g (LAT_relu,g -
    LAT_poly,g): inside (0, 1) a mixed site's rounds are max(ReLU, poly) rounds, a constant."""
    torch = pytest.importorskip("torch", reason="torch not installed")
    wl = workloads.load("resnet20-cifar")
    keep = torch.tensor([0.4], dtype=torch.float64, requires_grad=True)
    d = {"protocol": ["crypten"], "parties": torch.tensor([2]), "weights": ["public"],
         "network": ["wan"], "relu_keep": keep}
    MpcModel().evaluate(wl, d).totals["latency_s"].sum().backward()
    t = latency_table(wl, "crypten", 2, "public", "wan")
    bw = t.network.bytes_per_s
    expect = ((t.bytes_relu - t.bytes_poly) / bw + t.compute_relu_s - t.compute_poly_s).sum()
    assert float(keep.grad[0]) == pytest.approx(float(expect), rel=1e-9)
