"""EVE runtime: the SimPy DES agrees with its analytic twin at constant power; device rules."""

from __future__ import annotations

import pytest

from costmodels.asic.eve import Storage, Variant, analytic, pareto_variants, simulate
from dse.errors import DseInputError
from workloads.distributions.power import constant, parse_trace, rf_bursts, solar

VARIANTS = [Variant("s90", 1e-6, 2e-3, 0.90), Variant("s75", 2e-6, 4e-3, 0.93),
            Variant("s50", 3.5e-6, 7e-3, 0.95), Variant("dense", 6e-6, 12e-3, 0.96)]
SMALL = Storage(capacitance_f=5e-6, v_on=3.0, v_off=1.8, v_max=3.6)
PERIOD, DURATION, IDLE = 0.05, 1200.0, 1e-6


@pytest.mark.parametrize("power_w", [1.2e-5, 3e-5, 5e-5, 9e-5, 1.5e-4, 4e-4])
def test_des_matches_analytic_twin_at_constant_power(power_w):
    """Constant power, DES started charged at V_on: completions differ from the twin by at most the
    initial charge's worth of inferences (+2), mean accuracy within 0.002 (24,000 requests)."""
    des = simulate(constant(power_w, DURATION, 1.0), VARIANTS, SMALL, period_s=PERIOD,
                   duration_s=DURATION, idle_power_w=IDLE, start_v=SMALL.v_on)
    twin = analytic(power_w, VARIANTS, SMALL, period_s=PERIOD, duration_s=DURATION, idle_power_w=IDLE)
    assert twin.exact
    assert des.requests == twin.requests == 24_000
    transient = (SMALL.energy(SMALL.v_max) - SMALL.energy(SMALL.v_off)) / VARIANTS[0].energy_j + 2
    assert abs(des.completed - twin.completed) <= transient
    assert des.mean_accuracy == pytest.approx(twin.mean_accuracy, abs=2e-3)


def test_twin_regimes():
    """Below the cheapest variant a fraction E_in/E_min is served; above the dense one all are."""
    low = analytic(1e-5 + IDLE, VARIANTS, SMALL, period_s=PERIOD, duration_s=DURATION, idle_power_w=IDLE)
    assert low.completed == pytest.approx(24_000 * (1e-5 * PERIOD) / 1e-6, abs=1)
    assert low.mean_accuracy == 0.90
    high = analytic(1e-3, VARIANTS, SMALL, period_s=PERIOD, duration_s=DURATION, idle_power_w=IDLE)
    assert high.completed == 24_000 and high.mean_accuracy == 0.96


def test_deadline_excludes_slow_variants_and_queueing_counts_misses():
    """A variant slower than the period is never chosen; with it alone every request misses."""
    slow = Variant("slow", 1e-7, 2 * PERIOD, 0.99)
    assert pareto_variants(VARIANTS + [slow], PERIOD)[-1].name == "dense"
    r = simulate(constant(1e-3, 60, 1.0), [slow], SMALL, period_s=PERIOD, duration_s=60.0, start_v=3.6)
    assert r.completed == 0 and r.missed == r.requests


def test_brownout_hysteresis_and_cold_start():
    """Starting empty (V_off) the device is off until the harvest charges it to V_on; with no
    harvest a charged device serves what its stored energy buys, then stays off."""
    charge_time = (SMALL.energy(SMALL.v_on) - SMALL.energy(SMALL.v_off)) / 5e-5
    r = simulate(constant(5e-5, 120, 1.0), VARIANTS, SMALL, period_s=PERIOD, duration_s=120.0)
    assert r.off_fraction == pytest.approx(charge_time / 120.0, abs=0.02)
    dark = simulate(constant(0.0, 60, 1.0), VARIANTS, SMALL, period_s=PERIOD, duration_s=60.0, start_v=3.6)
    spent = sum(n * v.energy_j for v in VARIANTS for k, n in dark.served_by.items() if k == v.name)
    assert 0 < spent <= SMALL.energy(3.6) - SMALL.energy(1.8)
    assert dark.completed < 10 and dark.missed == dark.requests - dark.completed


def test_traces_are_deterministic_and_hit_their_mean():
    """Solar and RF traces average the requested power and repeat for a fixed seed."""
    for make in (lambda s: solar(2e-5, seed=s), lambda s: rf_bursts(2e-5, seed=s)):
        a, b = make(3), make(3)
        assert a.mean_w == pytest.approx(2e-5, rel=1e-9)
        assert (a.power_w == b.power_w).all()
    assert parse_trace("constant:1e-6").mean_w == pytest.approx(1e-6, rel=1e-12)
    with pytest.raises(DseInputError):
        parse_trace("wind:mean=1")


def test_eve_policy_beats_static_dense_under_scarce_power():
    """With a steady but scarce harvest, switching to sparse variants gives more correct
    classifications than always running dense (which must skip requests to recharge)."""
    tr = constant(3e-5, 600.0, 1.0)
    eve = simulate(tr, VARIANTS, SMALL, period_s=PERIOD, duration_s=600.0, idle_power_w=IDLE)
    dense = simulate(tr, [VARIANTS[-1]], SMALL, period_s=PERIOD, duration_s=600.0, idle_power_w=IDLE)
    assert eve.completed * eve.mean_accuracy > 2 * dense.completed * dense.mean_accuracy
