"""GPU op model and CKKS sizes of he-multigpu, pinned to [CKKS17]/[HanKi20] sizes and published GPU bootstraps."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from costmodels.he_multigpu import presets
from costmodels.he_multigpu.gpu_ops import bootstrap_seconds, fit_hbm_efficiency, op_traffic


def test_ciphertext_and_key_sizes_match_derived_examples():
    """Sizes [CKKS17; HanKi20], derived: N=2^16, l=24, w=8 ciphertext = 25.2 MB; K=8, dnum=3 rotation key = 100.7 MB."""
    p = presets.ckks_defaults()
    assert p.ct_bytes(24) == 2 * 24 * 65536 * 8 == 25_165_824
    assert p.key_bytes() == 3 * 2 * (24 + 8) * 65536 * 8 == 100_663_296
    assert p.alpha == 8


def test_keyswitch_traffic_and_work_hand_count():
    """Hybrid key switch at N=2^13, l=4, K=2, dnum=2 (alpha=2, beta=2), counted by hand ([MAD23], [HanKi20])."""
    p = presets.ckks_params(logn=13, limbs=4, special_limbs=2, dnum=2, user_levels=1, boot_levels=1)
    n, w = 8192, 8
    nbytes, mm = op_traffic(p, 4)["keyswitch"]
    # traffic: input 4 + extended 2*6 written and read + key 2*2*6 + IP result 2*6 written, read + out 2*4
    assert float(nbytes) == (3 * 4 + 4 * 2 * 6 + 4 * 6) * n * w
    ntt_limbs = 4 + 2 * (4 + 2 - 2) + 2 * 2 + 2 * 4
    bconv = 2 * 2 * (4 + 2 - 2) * n + 2 * 2 * 4 * n
    inner = 2 * 2 * 6 * n
    assert float(mm) == ntt_limbs * (n / 2) * math.log2(n) + bconv + inner


def test_fitted_hbm_efficiency_reproduces_warpdrive_bootstrap():
    """Calibration (claim he_multigpu-boot-a100-80g): hbm_efficiency in data/ckks.toml is the fit to
    WarpDrive's A100-80G bootstrap, 121 ms [WarpDrive25]; re-fitting recovers the stored constant."""
    p, c = presets.ckks_defaults(), presets.constants()
    g = presets.gpu("a100-80g")
    assert bootstrap_seconds(p, c, g) == pytest.approx(0.121, rel=0.01)
    assert fit_hbm_efficiency(p, c, g, 0.121) == pytest.approx(c.hbm_efficiency, rel=0.01)


def test_bootstrap_follows_hbm_bandwidth():
    """The roofline bootstrap is memory-bound: H100 < A100-80G < A100-40G in the order of their HBM
    bandwidth, and faster than bandwidth alone only by the compute-bound part (the published
    H100/A100 ratio is claim he_multigpu-boot-h100-vs-a100)."""
    p, c = presets.ckks_defaults(), presets.constants()
    t = {g: bootstrap_seconds(p, c, presets.gpu(g)) for g in ("h100-sxm", "a100-80g", "a100-40g")}
    bw = {g: presets.gpu(g).hbm_bytes_per_s for g in t}
    assert t["h100-sxm"] < t["a100-80g"] < t["a100-40g"]
    assert t["h100-sxm"] / t["a100-80g"] >= bw["a100-80g"] / bw["h100-sxm"] - 1e-9


def test_op_latency_grows_with_limbs_and_keyswitch_dominates():
    """Roofline: every op is monotone in limbs; a rotation costs >= 3x a PMult ([CryptOracle26, data; HyPHEN24])."""
    from costmodels.he_multigpu.gpu_ops import op_seconds

    p, c = presets.ckks_defaults(), presets.constants()
    t = op_seconds(p, c, presets.gpu("a100-80g"), np.array([4.0, 12.0, 24.0]))
    for op, v in t.items():
        assert np.all(np.diff(v) > 0), op
    assert np.all(t["rotate"] > 3 * t["pmult"])


def test_bad_ckks_parameters_are_rejected():
    """K must cover one digit (K >= ceil(limbs/dnum)); levels must fit in the chain."""
    from dse.errors import DseInputError

    with pytest.raises(DseInputError, match="special_limbs"):
        presets.check(replace(presets.ckks_defaults(), dnum=1))
    with pytest.raises(DseInputError, match="user_levels"):
        presets.check(replace(presets.ckks_defaults(), boot_return=20))
