"""he-boot claims: registered through the entry point, honest kinds, every value computes."""

from __future__ import annotations

import math

from dse.claims import all_claims, check_registry, run_claim


def test_he_boot_claims_are_registered_and_honest():
    """The entry point yields the claims; nothing is fitted to a validation; calibrations name constants."""
    claims = [c for c in all_claims(family="he") if c.id.startswith(("he-boot-", "he-resnet20-", "he-preset-"))]
    kinds = {c.kind for c in claims}
    assert {"validation", "calibration", "restatement"} <= kinds
    assert check_registry(all_claims()) == []
    for c in claims:
        if c.kind == "validation":
            assert c.gap, c.id  # a validation states what would explain a miss


def test_structure_predictions_are_not_the_anchor():
    """A structure-only bootstrap (boot_scale = 1) differs from the anchored one: it is a prediction."""
    by_id = {c.id: c for c in all_claims(family="he")}
    pred = run_claim(by_id["he-boot-structure-openfhe-cpu"])
    anchor = run_claim(by_id["he-boot-anchor-openfhe-cpu"])
    assert anchor.status == "pass" and pred.value is not None and math.isfinite(pred.value)
    assert abs(pred.value - anchor.value) / anchor.value > 0.05
