"""fpga-operators claims: registered, computable, and every miss beyond 30 % states its cause."""

from __future__ import annotations

import math

from dse.claims import all_claims, check_registry, run_claim


def test_claims_registered_and_misses_explained():
    """The entry point lists the module's claims; each computes a finite value; a claim off by
    more than 30 % fails and carries a gap text; the registry's honesty rule holds."""
    from costmodels.fpga.claims_operators import CLAIMS

    ids = {c.id for c in all_claims()}
    assert {c.id for c in CLAIMS} <= ids
    assert check_registry(CLAIMS) == []
    for claim in CLAIMS:
        r = run_claim(claim)
        assert r.value is not None and math.isfinite(r.value), claim.id
        if abs(r.error) > 0.3:
            assert r.status == "fail" and claim.gap, claim.id


def test_same_rule_gpu_ratio_below_padded_rule():
    """Serving the GPU with the FPGA's sorted windows lowers the FPGA's GPU speed-up below the
    padded-batch rule's (the tilt the issue names)."""
    import workloads
    from costmodels.fpga import TransformerAcceleratorModel, baseline, serve
    from costmodels.fpga.claims_operators import DAC22_POINT, dac22_ratios
    from costmodels.fpga.lowering import compile_stages
    from workloads.distributions.lengths import parse_lengths

    wl = workloads.load("bert-base")
    thr = float(TransformerAcceleratorModel(lengths="glue").evaluate(
        wl, {k: [v] for k, v in DAC22_POINT.items()}).numpy().totals["throughput_per_s"][0])
    padded = max(serve(baseline("titan-rtx"), compile_stages(wl), parse_lengths("glue"), b, "batch").throughput_per_s
                 for b in (1, 8))
    assert dac22_ratios()["gpu"] < thr / padded
