"""A built-in model's numbers change only together with its ``version`` (regenerate the record with
``python -m tests.regression.regen_fingerprints``)."""

from __future__ import annotations

import pytest

from dse.registry import models

from .fingerprints import REGEN, builtin_model_names, compare, load_record, model_cases


@pytest.mark.parametrize("name", builtin_model_names())
def test_fingerprint_matches_version(name):
    """The model's fingerprint equals the recorded one for its version; changed numbers need a bump."""
    status, message = compare(name, str(models.get(name).version), model_cases(name), load_record().get(name))
    assert status == "ok", message


def test_record_has_no_unregistered_models():
    """Every recorded model is still registered in pyproject.toml."""
    extra = sorted(set(load_record()) - set(builtin_model_names()))
    assert not extra, f"recorded but no longer registered: {extra}; run `{REGEN}`"


def test_fingerprint_is_deterministic():
    """Two computations of one model's case digests agree (the inputs are fixed and seeded)."""
    name = builtin_model_names()[0]
    assert model_cases(name) == model_cases(name)


def test_a_changed_number_needs_a_version_bump():
    """A 1e-4 relative change of one metric changes the digest and is reported as an unbumped change."""
    from dse.metrics import Metrics

    from .fingerprints import _case_digest, case_key

    base = models.get("mpc")

    class Nudged(base):  # type: ignore[misc, valid-type]
        def _evaluate(self, workload, design, xp):
            m = super()._evaluate(workload, design, xp)
            totals = dict(m.totals, latency_s=m.totals["latency_s"] * (1 + 1e-4))
            return Metrics(totals, m.layers, m.layer_names, m.layer_kinds, m.feasible, m.reason, m.reasons, m.units)

    key = case_key({}, "resnet20-cifar")
    before, after = _case_digest(base, {}, "resnet20-cifar"), _case_digest(Nudged, {}, "resnet20-cifar")
    assert before != after
    record = {"version": "1", "cases": {key: before}}
    assert compare("mpc", "1", {key: after}, record)[0] == "unbumped"
    assert compare("mpc", "2", {key: after}, record)[0] == "stale"
    assert compare("mpc", "1", {key: before}, record)[0] == "ok"
