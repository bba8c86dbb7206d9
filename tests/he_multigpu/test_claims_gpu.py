"""The BERT-base GPU validation claim prices the full 12-layer network with he-multigpu G = 1, which is he's price."""

from __future__ import annotations

import math

import pytest

import workloads
from costmodels.he import CkksModel
from costmodels.he_multigpu.claims_gpu import CLAIMS, _bert_base_a100_80g
from dse.claims import all_claims, check_registry


def test_bert_claim_is_a_registered_validation():
    """The THOR claim is a registered validation; its only fit is the profile's bootstrap anchor (a calibration)."""
    ids = {c.id: c for c in all_claims()}
    c = ids["he_multigpu-bert-base-thor-a100-80g"]
    assert c.kind == "validation" and not c.fitted and c in CLAIMS
    assert c.fitted_to and all(ids[f].kind == "calibration" for f in c.fitted_to)
    assert check_registry([c, *(ids[f] for f in c.fitted_to)]) == []


def test_bert_claim_equals_he_on_twelve_layers():
    """G = 1 on all 12 BERT-base layers at 128 tokens equals the he model with the same preset, profile and degree."""
    ours = _bert_base_a100_80g()
    he = CkksModel(profile="gpu-cheddar-a100", preset="lattigo-n16-h192").evaluate(
        workloads.load("bert-base:seq_len=128"), {"act_degree": [15]}).numpy()
    assert math.isfinite(ours) and he.feasible[0]
    assert ours == pytest.approx(float(he.totals["latency_s"][0]), rel=1e-12)
