"""Pieces of the cim claim modules that can be checked by hand (ISAAC mapping, PCM drift law)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from costmodels.cim.claims_isaac import isaac_point
from costmodels.cim.claims_pcm import _folded_mean, _nu_formula


def test_isaac_configuration_hand_count():
    """ISAAC-CE on 2048 x 2048: 16 row tiles x ceil(2048 * 8 / 127) = 130 column tiles (offset encoding),
    16 bit-serial steps x 128 columns per ADC x (10 ns + 1 / 1.28 GHz) per vector."""
    p = isaac_point()
    assert p["crossbars"] == 16 * 130
    assert p["adc_conversions"] == 16 * 16 * (2048 * 8 + 130)
    assert p["latency_s"] == pytest.approx(16 * 128 * (10e-9 + 1 / 1.28e9) + 4 * 1e-9)


def test_drift_formula_and_folding():
    """The aihwkit drift law clips mu_nu to [0.049, 0.1]; |N(mu, sd)| has the folded-normal mean."""
    assert _nu_formula(1.0) == (0.049, 0.008)
    mu, sd = _nu_formula(0.01)
    assert mu == pytest.approx(-0.0155 * math.log(0.01) + 0.0244)
    z = np.abs(np.random.default_rng(0).normal(mu, sd, 400_000))
    assert _folded_mean(mu, sd) == pytest.approx(z.mean(), abs=4 * sd / math.sqrt(z.size))
    assert _folded_mean(mu, sd) > mu
