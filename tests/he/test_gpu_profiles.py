"""GPU profiles fitted on per-operation latencies (Phantom on A100-40G and RTX 4090, [PolyFHE25])."""

from __future__ import annotations

import numpy as np
import pytest

from costmodels.he import CkksModel
from costmodels.he.claims_gpu import _heldout, claims
from costmodels.he.fit import predict, relative_errors
from costmodels.he.presets import bootstrap_rows, get_profile, measurements
from workloads import load

PHANTOM = ("gpu-phantom-a100", "gpu-phantom-rtx4090")


@pytest.mark.parametrize("name", PHANTOM)
def test_phantom_profiles_are_fitted_per_op_and_not_anchored(name):
    """Fitted on their own rows (30 on the A100, 36 on the RTX 4090; median |error| within the per-op
    10 %), with no bootstrap row: bootstrapping is predicted from structure (boot_scale 1)."""
    prof, rows = get_profile(name), measurements(name)
    assert len(rows) == {"gpu-phantom-a100": 30, "gpu-phantom-rtx4090": 36}[name]
    assert np.median(np.abs(relative_errors(prof, rows))) <= 0.10
    assert name not in bootstrap_rows() and prof.boot_scale == 1.0 and prof.device == "gpu"
    assert prof.word_bytes == 8 and prof.keyswitch == "hybrid"


def test_a100_key_switch_rows_at_n16_within_per_op_tolerance():
    """HMult (mul + relinearize) and HRot at N = 2^16 (L = 30, dnum 5 and L = 40, dnum 20) within 10 %."""
    prof = get_profile("gpu-phantom-a100")
    rows = [m for m in measurements("gpu-phantom-a100") if m.n == 65536 and m.label in ("mul+relinearize", "rotate")]
    assert len(rows) == 4
    assert max(abs(e) for e in relative_errors(prof, rows)) <= 0.10


def test_heldout_prediction_is_a_refit_without_the_set():
    """The held-out claim refits without the N = 2^16, L = 30 set: its prediction differs from the
    full fit's, which saw that row."""
    full = get_profile("gpu-phantom-a100")
    row = next(m for m in measurements("gpu-phantom-a100") if (m.n, m.limbs, m.label) == (65536, 30, "rotate"))
    assert _heldout("gpu-phantom-a100", 30) != pytest.approx(predict(full, row), rel=0.05)


def test_claims_register_validations_without_fitted_constants():
    """Per-op held-out, shape and bootstrap claims are validations; only the fit claims are calibrations."""
    cs = claims()
    kinds = {c.id: c.kind for c in cs}
    assert sum(k == "calibration" for k in kinds.values()) == 3
    assert all(k == "validation" for i, k in kinds.items() if "-fit-" not in i)
    assert {"he-gpu-boot-gpu-phantom-a100-vs-tensorfhe-a100", "he-gpu-shape-dnum"} <= set(kinds)


def test_resnet20_prices_on_the_phantom_profile():
    """A bootstrapped ResNet-20 design evaluates on the per-op GPU profile (finite, positive seconds)."""
    m = CkksModel(profile="gpu-phantom-a100").evaluate(load("resnet20-cifar"), {"N": [65536]}).numpy()
    lat = float(m.totals["latency_s"][0])
    assert m.feasible[0] and 0.0 < lat < np.inf


def test_v100_profile_scales_phantom_per_group_without_anchor():
    """gpu-100x-v100-perop: two factors on gpu-phantom-a100 (key-switch/NTT group, element-wise group),
    fitted on the 100x artifact's two timings, no bootstrap anchor."""
    v100, a100 = get_profile("gpu-100x-v100-perop"), get_profile("gpu-phantom-a100")
    assert "gpu-100x-v100-perop" not in bootstrap_rows() and v100.boot_scale == 1.0
    ratio = {op: v100.coeffs[op][2] / a100.coeffs[op][2] for op in ("rotate", "rescale", "mul_plain", "add")}
    assert ratio["rotate"] == pytest.approx(ratio["rescale"]) and ratio["mul_plain"] == pytest.approx(ratio["add"])
    assert ratio["rotate"] != pytest.approx(ratio["mul_plain"], rel=0.05)
    assert max(abs(e) for e in relative_errors(v100, measurements("gpu-100x-v100-perop"))) < 1e-9
