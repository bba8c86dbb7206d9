"""The CKKS model end to end: metrics, levels and bootstraps, GCN packings, LinGCN, profiles."""

from __future__ import annotations

import pytest

from costmodels.he import CkksModel
from dse.errors import DseInputError
from workloads import load

TOTALS = ("latency_s", "rotations", "pt_mults", "ct_mults", "rescales", "bootstraps", "levels_used",
          "memory_bytes", "security_bits")


def _eval(w, model=None, **design):
    model = model or CkksModel()
    return model.evaluate(load(w) if isinstance(w, str) else w, {k: [v] for k, v in design.items()}).numpy()


def test_interface_metrics_present():
    """Totals and per-layer arrays named in the issue's interface."""
    m = _eval("stgcn3-256", N=32768, scale_bits=33, first_bits=45, levels=16)
    assert m.feasible[0]
    assert set(TOTALS) <= set(m.totals)
    assert set(TOTALS) - {"security_bits"} <= set(m.layers)
    assert m.totals["levels_used"][0] == 16 and m.totals["bootstraps"][0] == 0


def test_bootstraps_when_depth_exceeds_the_chain():
    """ResNet-20 (39 levels with x^2 activations) on N=2^15, L=18: bootstrap depth 14 leaves 4 levels,
    so ceil((39-18)/4) = 6 single-ciphertext bootstraps; L=10 cannot bootstrap at all."""
    m = _eval("resnet20-cifar", N=32768, levels=18)
    assert m.feasible[0] and m.totals["levels_used"][0] == 39 and m.totals["bootstraps"][0] == 6
    short = _eval("resnet20-cifar", N=32768, levels=10)
    assert not short.feasible[0] and "too short to bootstrap" in short.reason_of(0)


def test_ama_cuts_graph_conv_rotations_and_latency_vs_naive():
    """CryptoGCN's direction [CryptoGCN22]: AMA graph-conv layers need far fewer rotations and less time
    than a naive packed A·X on the same parameters."""
    out = {}
    for packing in ("ama", "naive"):
        m = _eval("stgcn3-256", N=32768, scale_bits=33, first_bits=45, levels=16, packing=packing)
        g = [j for j, k in enumerate(m.layer_kinds) if k == "graphconv"]
        out[packing] = {k: m.layers[k][0, g].sum() for k in ("rotations", "latency_s")}
    assert out["ama"]["rotations"] < 0.3 * out["naive"]["rotations"]
    assert out["ama"]["latency_s"] < 0.5 * out["naive"]["latency_s"]


def test_lingcn_linearisation_lowers_levels_and_ring():
    """LinGCN [LinGCN23]: fusion saves a level per block, the shipped mask 2 more (6 -> 4 non-linear
    layers); with 2 effective layers the chain fits N=2^14 at 30-bit scale."""
    w = "stgcn3-256"
    crypto = _eval(w, N=65536, levels=60, scale_bits=30, packing="ama")
    fused = _eval(w, N=65536, levels=60, scale_bits=30, packing="ama-fused")
    shipped = _eval(w, CkksModel(nonlinear_keep="lingcn"), N=65536, levels=60, scale_bits=30, packing="ama-fused")
    two = _eval(w, CkksModel(nonlinear_keep="8,8,8,9,9,8"), N=16384, levels=9, scale_bits=30, packing="ama-fused")
    assert [crypto.totals["levels_used"][0], fused.totals["levels_used"][0], shipped.totals["levels_used"][0]] == [16, 13, 11]
    assert two.feasible[0] and two.totals["levels_used"][0] == 9


def test_profiles_change_latency_not_counts(tmp_path):
    """Cheddar-H100 is ~69x faster than HEaaN-CPU (their bootstraps: 31.2 ms vs 2160 ms); op counts
    depend only on whether the library hoists rotations (BSGS split); a JSON profile path works; an
    unknown profile is a one-line input error."""
    design = dict(N=65536, levels=30, scale_bits=40, first_bits=50)
    heaan = _eval("resnet20-cifar", CkksModel(profile="heaan-cpu"), **design)
    gpu = _eval("resnet20-cifar", CkksModel(profile="gpu-cheddar-h100"), **design)
    assert gpu.totals["latency_s"][0] == pytest.approx(heaan.totals["latency_s"][0] * 31.2 / 2160, rel=1e-6)
    assert gpu.totals["rotations"][0] == heaan.totals["rotations"][0]
    cpu = _eval("resnet20-cifar", **design)
    assert _eval("resnet20-cifar", CkksModel(profile="seal-cpu"), **design).totals["rotations"][0] == cpu.totals["rotations"][0]
    with pytest.raises(DseInputError):
        CkksModel(profile="no-such-profile").param("profile")
    from costmodels.he.presets import DATA

    path = tmp_path / "p.json"
    path.write_text((DATA / "profiles" / "seal-tenseal-vm.json").read_text())
    same = _eval("resnet20-cifar", CkksModel(profile=str(path)), N=65536, levels=30, scale_bits=40, first_bits=50)
    assert same.totals["latency_s"][0] == pytest.approx(cpu.totals["latency_s"][0])


def test_memory_counts_keys_and_ciphertexts():
    """Memory grows with N and the chain (key size 2(L+1)(L+2)N 8 B for SEAL); keys dominate."""
    small = _eval("lenet5", N=16384, levels=7).totals["memory_bytes"][0]
    big = _eval("lenet5", N=32768, levels=18).totals["memory_bytes"][0]
    assert big > 4 * small > 0


def test_conjugate_invariant_ring_doubles_slots():
    """N real slots: a ResNet-20 activation (16384 values) fits one ciphertext at N=2^14."""
    std = _eval("resnet20-cifar", N=16384, levels=60, scale_bits=30)
    ci = _eval("resnet20-cifar", N=16384, levels=60, scale_bits=30, ring="conjugate-invariant")
    assert ci.totals["ct_mults"][0] < std.totals["ct_mults"][0]


def test_bootstrap_key_counts_per_ring_degree():
    """The per-point bootstrap rotation-key count is bootstrap_rotation_keys(N/2) on every ring degree
    of the space and 0 off it, on the numpy path and the array-API one (torch, when installed)."""
    import numpy as np

    from costmodels.he import bootstrap_rotation_keys
    from costmodels.he.model import _boot_key_counts
    from costmodels.he.params import RING_DEGREES
    from costmodels.he.presets import get_profile

    boot = get_profile("openfhe-cpu").boot
    n = np.array([*RING_DEGREES, 3000.0, 2.0**20])
    want = np.array([float(bootstrap_rotation_keys(d // 2, boot)) for d in RING_DEGREES] + [0.0, 0.0])
    assert np.array_equal(_boot_key_counts(np, n, boot), want)
    try:
        import torch
    except ImportError:
        return
    from dse.xp import namespace

    t = torch.tensor(n, dtype=torch.float64)
    assert np.array_equal(_boot_key_counts(namespace(t), t, boot).numpy(), want)


def test_memoised_op_tables_equal_direct_op_latency():
    """op_tables' per-profile memo returns exactly op_latency at every limb count for each point's
    (N, digit size) group, across two batches that share groups (hybrid and SEAL-style profiles)."""
    import numpy as np

    from costmodels.he.opcost import op_latency
    from costmodels.he.placement import op_tables
    from costmodels.he.presets import get_profile

    rng = np.random.default_rng(8)
    ops = ["add", "mul", "rotate", "rescale", "encrypt"]
    for name in ("openfhe-cpu", "seal-tenseal-vm"):
        prof = get_profile(name)
        for size in (30, 50):
            k = {"N": 2.0 ** rng.integers(12, 17, size), "levels": rng.integers(2, 30, size).astype(float),
                 "dnum": rng.integers(1, 6, size).astype(float)}
            groups, gidx = op_tables(np, prof, k, ops, 31)
            limbs = np.maximum(np.arange(33), 1.0)[None, :]
            for op in ops:
                want = op_latency(prof, op, k["N"][:, None], limbs, top_limbs=k["levels"][:, None] + 1.0,
                                  dnum=k["dnum"][:, None])
                assert np.array_equal(groups[op][gidx], want), (name, op)
