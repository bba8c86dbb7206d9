"""he-multigpu shares the he family's parameter presets, size formulas and (optionally) per-op costs."""

from __future__ import annotations

import pytest

from costmodels.he import CkksModel, CkksParams, ciphertext_bytes, switching_key_bytes
from costmodels.he.paramsets import paramset
from costmodels.he_multigpu import MultiGpuTransformerModel, presets
from workloads import load


def test_sizes_are_the_he_formulas():
    """Ciphertext and key bytes of he-multigpu are costmodels.he's formulas with its K."""
    p = presets.from_paramset("lattigo-n16-h192")
    assert isinstance(p, CkksParams)  # one parameter class for he and he-multigpu
    ps = paramset("lattigo-n16-h192")
    assert (p.limbs, p.special_limbs, p.dnum, p.user_levels, p.boot_levels) == (25, 5, 5, 9, 15)
    assert p.ct_bytes(25) == ciphertext_bytes(65536, 25, 8) == 2 * 25 * 65536 * 8
    assert p.key_bytes() == float(switching_key_bytes(65536.0, 25.0, 5.0, "hybrid", 8)) == 5 * 2 * (25 + 5) * 65536 * 8
    assert ps.k_special == p.special_limbs


def test_he_op_profile_changes_latency_not_counts():
    """op_profile reprices ops; key switches and bootstraps come from the same (he) lowering."""
    w = load("bert-base:layers=2")
    design = {"gpus": [1], "placement": ["token"], "seq_len": [128]}
    auto = MultiGpuTransformerModel(gpu="a100-80g", memory_budget=1e13)
    assert auto.he_profile() == "gpu-cheddar-a100"
    a = auto.evaluate(w, design).numpy()
    other = MultiGpuTransformerModel(gpu="a100-80g", op_profile="gpu-tensorfhe-a100", memory_budget=1e13)
    b = other.evaluate(w, design).numpy()
    assert b.totals["key_switches"][0] == a.totals["key_switches"][0]
    assert b.totals["bootstraps"][0] == a.totals["bootstraps"][0]
    assert b.totals["latency_s"][0] > 2 * a.totals["latency_s"][0]  # TensorFHE's bootstrap is 6x Cheddar's


def test_every_gpu_preset_names_an_he_profile():
    """op_profile=auto resolves, for every GPU preset, to a built-in he profile with hybrid key switching."""
    from costmodels.he import get_profile

    for key in presets.gpu_names():
        prof = get_profile(presets.gpu(key).profile)
        assert prof.keyswitch == "hybrid" and prof.device == "gpu"


def test_seal_profile_rejected_for_multigpu():
    """A SEAL-shaped profile (no hybrid key switching) is a one-line input error."""
    from dse.errors import DseInputError

    with pytest.raises(DseInputError, match="op_profile"):
        MultiGpuTransformerModel(op_profile="seal-cpu").param("op_profile")


def test_transformer_bootstrap_cost_is_finite_with_unknown_shapes():
    """Layers without an input shape (attention internals) bootstrap over full slots, not NaN slots."""
    w = load("bert-base:layers=1")
    full = CkksModel(profile="gpu-cheddar-a100", preset="lattigo-n16-h192").evaluate(w, {"N": [65536]}).numpy()
    assert full.feasible[0] and 0 < full.totals["latency_s"][0] < 1e3
