"""The measured compute profile (costmodels/mpc/data/compute_profile.csv) is what the protocols read."""

from __future__ import annotations

import pytest

import workloads
from costmodels.mpc import presets
from costmodels.mpc.calibrate import measure_compute
from costmodels.mpc.model import MpcModel
from dse.datafiles import load_csv
from dse.errors import DseInputError


def test_profile_rows_are_the_single_source():
    """Every compute constant the protocols read comes from compute_profile.csv (used=1) and none
    is also written in protocols.csv (one number, one source)."""
    prof = {r["key"]: r for r in load_csv(presets.DATA / "compute_profile.csv")}
    proto_keys = {r["key"] for r in load_csv(presets.DATA / "protocols.csv")}
    for key in presets.PROFILE_USERS:
        assert prof[key]["used"] == "1" and float(prof[key]["value"]) > 0
        assert "measured" in prof[key]["source"]
        assert key not in proto_keys


@pytest.mark.parametrize("key", sorted(presets.PROFILE_USERS))
def test_protocols_read_the_measured_value(key):
    """Each profile that prices with a measured constant gets exactly the profile's value."""
    value = presets.compute_profile()[key]
    for proto in presets.PROFILE_USERS[key]:
        assert presets.constant(proto, key) == value


def test_cheetah_compute_scales_with_the_he_profile(monkeypatch):
    """Doubling the measured SEAL PMult time raises Cheetah's HE compute (linear layers) and leaves
    its bytes unchanged."""
    wl = workloads.load("resnet20-cifar")
    point = {"protocol": ["cheetah"], "parties": [2], "weights": ["public"], "network": ["lan"]}
    base = MpcModel().evaluate(wl, point).numpy().totals
    prof = dict(presets.compute_profile())
    prof["he_pmult_s_per_coeff_limb"] *= 2
    presets.constants.cache_clear()
    monkeypatch.setattr(presets, "compute_profile", lambda: prof)
    try:
        wl2 = workloads.load("resnet20-cifar")  # fresh memo
        slow = MpcModel().evaluate(wl2, point).numpy().totals
    finally:
        monkeypatch.undo()
        presets.constants.cache_clear()
    assert slow["compute_s"][0] > base["compute_s"][0]
    assert slow["comm_bytes"][0] == base["comm_bytes"][0]


def test_measure_compute_rejects_unknown_clock():
    """``clock`` other than cpu/wall is a DseInputError before any CrypTen process starts."""
    with pytest.raises(DseInputError):
        measure_compute(clock="gpu")


def test_profile_command_measures_seal():
    """The regeneration command's SEAL part runs against the real library (TenSEAL's sealapi) and
    returns every per-operation time, the per-coefficient PMult being the NTT-form time / (N x limbs)."""
    pytest.importorskip("tenseal")
    import importlib.util

    spec = importlib.util.spec_from_file_location("mpc_compute_profile",
                                                  presets.DATA.parents[2] / "benchmarks" / "mpc_compute_profile.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = mod.seal_bfv(n=4096, bits=(54, 55))
    assert set(out) == {"he_pmult_s_per_coeff_limb", "he_pmult_ntt_s_per_ct", "he_pmult_s_per_ct",
                        "he_rotate_rows_s_per_ct", "he_encrypt_s_per_ct"}
    assert out["he_pmult_s_per_coeff_limb"] == out["he_pmult_ntt_s_per_ct"] / 4096
    assert all(v > 0 for v in out.values())
