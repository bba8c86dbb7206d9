"""Per-layer protocol selection (protocol=auto): MILP vs enumeration, feasibility, the model knob."""

from __future__ import annotations

import numpy as np
import pytest

import workloads
from costmodels.mpc import PROTOCOLS, MpcModel
from costmodels.mpc.protocol_select import conversion, enumerate_selection, select
from workloads import WorkloadBuilder


def _cnn():
    b = WorkloadBuilder("sel-cnn", (3, 16, 16))
    x = b.relu(b.conv2d(b.input, 8, 3, padding=1))
    x = b.maxpool(x, 2)
    x = b.relu(b.conv2d(x, 8, 3, padding=1))
    b.linear(b.flatten(x), 10)
    return b.build()


def _res():
    b = WorkloadBuilder("sel-res", (4, 8, 8))
    x = b.relu(b.conv2d(b.input, 4, 3, padding=1))
    y = b.conv2d(x, 4, 3, padding=1)
    b.relu(b.add(x, y))
    return b.build()


def _mlp():
    b = WorkloadBuilder("sel-mlp", (64,))
    x = b.act(b.linear(b.input, 32), "gelu")
    x = b.relu(b.linear(x, 32))
    b.linear(x, 4)
    return b.build()


CASES = [(_cnn, "lan", "latency"), (_cnn, "wan", "latency"), (_res, "wan", "latency"),
         (_res, "lan", "bytes"), (_mlp, "wan", "latency"), (_mlp, "lan", "bytes"),
         (_cnn, (1e6, 0.1), "latency"), (_res, (1e10, 1e-5), "latency")]


def _net(net):
    if isinstance(net, tuple):
        return {"bandwidth_Bps": net[0], "rtt_s": net[1]}
    from costmodels.mpc.presets import network

    n = network(net)
    return {"bandwidth_Bps": n.bytes_per_s, "rtt_s": n.rtt_s}


@pytest.mark.parametrize("make,net,objective", CASES)
def test_milp_equals_enumeration(make, net, objective):
    """The MILP's objective equals brute force over every per-layer assignment (P^L)."""
    wl = make()
    a = select(wl, 2, "public", objective=objective, **_net(net))
    b = enumerate_selection(wl, 2, "public", objective=objective, **_net(net))
    assert a.reason == b.reason == ""
    assert a.objective == pytest.approx(b.objective, rel=1e-9, abs=1e-12)
    assert a.protocols == b.protocols  # ties broken the same way (earlier candidate first)


def test_shared_weights_never_choose_server_weight_protocols():
    """With shared weights only protocols that can evaluate secret weights are chosen (never
    CrypTFlow2, DELPHI or Cheetah)."""
    for net in ("lan", "wan"):
        s = select(_cnn(), 2, "shared", **_net(net))
        assert set(s.protocols) == {"crypten"}


def test_no_protocol_fits_is_an_infeasible_answer_with_reason():
    """Shared weights with only 2-party server-weight candidates: infeasible, with each reason."""
    s = select(_cnn(), 2, "shared", candidates=("cryptflow2", "cheetah"), **_net("lan"))
    assert s.protocols == (None,) * len(_cnn().layers)
    assert "no protocol can run this network" in s.reason and "weights=public" in s.reason


def test_mixing_beats_every_single_protocol_on_resnet50():
    """On ResNet-50 over WAN (server-held weights) the chosen mix is no slower than the best single
    protocol and uses more than one protocol (conversions included)."""
    wl = workloads.load("resnet50-imagenet")
    s = select(wl, 2, "public", **_net("wan"))
    m = MpcModel()
    best = min(float(m.evaluate(wl, {"protocol": p, "parties": 2, "weights": "public", "network": "wan"})
                     .totals["latency_s"][0]) for p in ("cryptflow2", "delphi", "cheetah"))
    assert s.objective <= best * (1 + 1e-9)
    assert len(set(s.protocols)) > 1


def test_crypten_keeps_server_weights_private_in_a_mix():
    """With 2 parties and server-held weights, CrypTen's layers in a mix are priced with
    secret-shared weights (its public mode would reveal the weights to the client)."""
    from costmodels.mpc import layer_costs

    wl = _cnn()
    s = select(wl, 2, "public", candidates=("crypten",), **_net("lan"))
    shared = layer_costs(wl, "crypten", 2, "shared")
    n = _net("lan")
    want = float((shared.fixed[2] + shared.relu[2]).sum() * n["rtt_s"]
                 + (shared.fixed[0] + shared.relu[0]).sum() / n["bandwidth_Bps"] + (shared.fixed[3] + shared.relu[3]).sum())
    assert s.objective == pytest.approx(want, rel=1e-9)


def test_conversions():
    """Ring reduction 64 -> 37 bits is local; extension 37 -> 64 costs a millionaire and a B2A;
    additive <-> Shamir is not priced (forbidden)."""
    assert conversion("crypten", "cheetah", 100).online_bytes == 0
    assert conversion("cheetah", "crypten", 100).online_bytes > 0
    assert conversion("crypten", "shamir", 100) is None
    assert conversion("shamir", "ssnet", 100).online_bytes == 0


def test_model_auto_matches_selection_and_reports_protocols():
    """``protocol=auto`` totals equal the selection's objective and the per-layer
    ``protocol_index`` names the chosen protocols."""
    wl = _res()
    m = MpcModel().evaluate(wl, {"protocol": ["auto", "crypten"], "parties": [2, 2],
                                 "weights": ["public", "public"], "network": ["wan", "wan"]}).numpy()
    s = select(wl, 2, "public", **_net("wan"))
    assert m.totals["latency_s"][0] == pytest.approx(s.objective, rel=1e-9)
    assert [PROTOCOLS[int(i)] for i in m.layers["protocol_index"][0]] == list(s.protocols)
    assert np.all(m.layers["protocol_index"][1] == PROTOCOLS.index("crypten"))
    inf = MpcModel().evaluate(wl, {"protocol": ["auto"], "parties": [3], "weights": ["public"]}).numpy()
    assert bool(inf.feasible[0])  # 3 parties: crypten / shamir / ssnet can run it


def test_three_party_mix_uses_replicated_conversions():
    """With 3 parties the MILP chooses among CrypTen, Shamir, SSNet and Rep3; equal to brute force."""
    wl = _res()
    for net in ("lan", "wan"):
        a = select(wl, 3, "shared", **_net(net))
        b = enumerate_selection(wl, 3, "shared", **_net(net))
        assert a.objective == pytest.approx(b.objective, rel=1e-9)
        assert set(a.protocols) <= {"crypten", "shamir", "ssnet", "rep3"}


@pytest.mark.parametrize("net", ["lan", "wan", (1.25e9, 3e-4)])
@pytest.mark.parametrize("candidates", [PROTOCOLS, ("crypten", "rep3", "cryptgpu")])
def test_three_party_gpu_mix_equals_enumeration(net, candidates):
    """``device=v100``: rep3 / cryptgpu are priced on the GPU profile, the others on the CPU; the
    MILP still equals brute force, and its costs are the GPU tables'."""
    from costmodels.mpc import layer_costs

    wl = _res()
    a = select(wl, 3, "shared", device="v100", candidates=candidates, **_net(net))
    b = enumerate_selection(wl, 3, "shared", device="v100", candidates=candidates, **_net(net))
    assert a.reason == b.reason == ""
    assert a.objective == pytest.approx(b.objective, rel=1e-9)
    assert a.protocols == b.protocols
    cpu = select(wl, 3, "shared", candidates=("rep3",), **_net(net))
    gpu = select(wl, 3, "shared", candidates=("rep3",), device="v100", **_net(net))
    lc = layer_costs(wl, "rep3", 3, "shared", device="v100")
    assert gpu.fixed[3].sum() == pytest.approx(lc.fixed[3].sum(), rel=1e-12)
    assert gpu.relu[3].sum() == pytest.approx(lc.relu[3].sum(), rel=1e-12)
    assert gpu.objective != pytest.approx(cpu.objective, rel=1e-6)


def test_device_does_not_move_two_party_candidates():
    """The 2PC protocols run on CPUs: with 2 parties ``device`` changes nothing."""
    wl = _cnn()
    a = select(wl, 2, "public", **_net("wan"))
    b = select(wl, 2, "public", device="v100", **_net("wan"))
    assert a.protocols == b.protocols and a.objective == b.objective


def test_cryptgpu_shares_crypten_representation():
    """CryptGPU holds 3-out-of-3 additive Z_2^64 shares between operations, as CrypTen does."""
    assert conversion("cryptgpu", "crypten", 100).online_bytes == 0
    assert conversion("crypten", "cryptgpu", 100).online_bytes == 0
    assert conversion("cryptgpu", "rep3", 100).online_bytes == conversion("crypten", "rep3", 100).online_bytes > 0
    assert conversion("rep3", "cryptgpu", 100).online_bytes == 0


def test_model_auto_uses_device():
    """``protocol=auto`` with ``device=v100`` equals the selection on the GPU profile."""
    wl = _res()
    m = MpcModel(device="v100").evaluate(wl, {"protocol": ["auto"], "parties": [3], "weights": ["shared"],
                                             "network": ["lan"]}).numpy()
    s = select(wl, 3, "shared", device="v100", **_net("lan"))
    assert m.totals["latency_s"][0] == pytest.approx(s.objective, rel=1e-9)
