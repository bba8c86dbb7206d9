"""Device-variation and fault models: closed forms against device-level simulation, fault rates,
the aihwkit PCM model against recorded aihwkit 1.1.0 statistics, bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from costmodels.cim import weight_sigma_factor
from costmodels.cim.peer_aihwkit import ours
from costmodels.cim.variation import (
    bitsliced_weights,
    gaussian_weights,
    pcm_weights,
    quantize,
    state_scale,
    stuck_at_weights,
)
from dse.errors import DseInputError

DATA = Path(__file__).with_name("data")


@pytest.mark.parametrize("wb,cb", [(8, 2), (8, 1), (8, 4), (4, 2)])
def test_bitsliced_simulation_matches_sigma_factor(wb, cb):
    """Perturbing every device digit by sigma x its range and recombining gives the Notre Dame
    closed form sigma_w = sigma max|W| sqrt(sum 4^iD) / sum 2^iD (NeFT_CIM generate_noise.py)."""
    rng = np.random.default_rng(0)
    w = rng.uniform(-1, 1, 2000)
    w[0] = 1.0
    q, step = quantize(w, wb)
    noisy = bitsliced_weights(w, 0.1, np.random.default_rng(1), 200, weight_bits=wb, cell_bits=cb)
    err = noisy - q * step
    assert err.std() == pytest.approx(0.1 * weight_sigma_factor(wb, cb), rel=0.02)


def test_gaussian_weights_std_and_seed():
    """gaussian_weights has std sigma_w and is a pure function of the generator's seed."""
    w = np.linspace(-0.5, 0.5, 1001)
    a = gaussian_weights(w, 0.2, np.random.default_rng(3), 400)
    b = gaussian_weights(w, 0.2, np.random.default_rng(3), 400)
    np.testing.assert_array_equal(a, b)
    assert (a - w).std() == pytest.approx(0.2 * 0.5 * weight_sigma_factor(8, 2), rel=0.02)


@pytest.mark.parametrize("s,outer,mid", [(2, 0.674, 1.348), (4, 0.378, 1.512), (6, 0.258, 1.549)])
def test_state_dependent_multipliers(s, outer, mid):
    """FeFET2 / RRAM4 / FeFET6 outer and mid-range sigma multipliers of [NeFT23, code src/generate_noise.py]."""
    w = np.array([1.0, 0.1, 0.5])
    m = state_scale(w, s)
    assert m[0] == pytest.approx(outer, abs=1e-3) and m[1] == pytest.approx(outer, abs=1e-3)
    assert m[2] == pytest.approx(mid, abs=1e-3)


def test_stuck_at_rates_per_cell():
    """A full-scale positive weight has all digits at 2^D - 1 on the + column and zeros on the -
    column: it changes under SA0 iff one of its 4 + cells is stuck at 0 (probability 1-(1-p)^4)
    and under SA1 iff one of its 4 - cells is stuck at 1."""
    w = np.ones(4000)
    p = 0.05
    sa0 = stuck_at_weights(w, p, 0.0, np.random.default_rng(0), 20)
    assert np.mean(sa0 != 1.0) == pytest.approx(1 - (1 - p) ** 4, abs=0.01)
    sa1 = stuck_at_weights(w, 0.0, p, np.random.default_rng(1), 20)
    assert np.mean(sa1 != 1.0) == pytest.approx(1 - (1 - p) ** 4, abs=0.01)
    assert np.all(sa1 <= 1.0)  # SA1 on the - column only subtracts


def test_stuck_at_extremes():
    """No faults: the 8-bit quantised weights; every cell stuck at 0: all weights zero."""
    w = np.random.default_rng(2).uniform(-1, 1, 100)
    q, step = quantize(w, 8)
    np.testing.assert_allclose(stuck_at_weights(w, 0, 0, np.random.default_rng(0), 1)[0], q * step)
    assert np.all(stuck_at_weights(w, 1.0, 0, np.random.default_rng(0), 2) == 0)


def test_pcm_programming_noise_at_gmax():
    """At g = g_max the aihwkit polynomial gives 0.26348 + 1.9650 - 1.1731 = 1.0554 uS, i.e. a
    relative weight std of 1.0554 / 25 on a full-scale weight (differential pair, the other device
    at 0 uS only adds its clipped noise)."""
    w = np.ones(20000)
    prog = pcm_weights(w, np.random.default_rng(0), 1)[0]
    # the g- device: max(N(0, 0.26348), 0) has mean 0.26348/sqrt(2 pi) and var 0.26348^2 (1/2 - 1/(2 pi))
    var_gm = 0.26348 ** 2 * (0.5 - 1 / (2 * math.pi))
    assert prog.std() == pytest.approx(math.sqrt(1.0554 ** 2 + var_gm) / 25.0, rel=0.03)


def test_pcm_matches_recorded_aihwkit():
    """Relative output error of a 256->64 layer under our PCM model equals aihwkit 1.1.0's
    (recorded, tests/cim/data/aihwkit_golden.json) after programming, 1 h and 1 year."""
    golden = json.loads((DATA / "aihwkit_golden.json").read_text())
    got = ours(reps=50)
    for t, ref in golden["aihwkit"].items():
        assert got[t]["mean"] == pytest.approx(ref["mean"], rel=0.01), t
        assert got[t]["std"] == pytest.approx(ref["std"], rel=0.3), t


@pytest.mark.parametrize("call", [
    lambda: gaussian_weights(np.ones(3), -0.1, np.random.default_rng(0), 1),
    lambda: gaussian_weights(np.ones(3), 0.1, np.random.default_rng(0), 1, weight_bits=2, cell_bits=4),
    lambda: stuck_at_weights(np.ones(3), 0.7, 0.7, np.random.default_rng(0), 1),
    lambda: pcm_weights(np.ones(3), np.random.default_rng(0), 1, t_inference=-1.0),
])
def test_bad_input_is_a_clear_error(call):
    """sigma < 0, cell bits above weight bits, fault rates above 1, negative time: DseInputError."""
    with pytest.raises(DseInputError) as exc:
        call()
    assert "allowed" in str(exc.value)


def test_msb_duplication_without_faults_is_the_shorter_quantisation():
    """No faults: MSB-duplicated weights are the (n-1)-cell (6-bit) quantised weights exactly."""
    from costmodels.cim.variation import msb_duplicated_weights, quantize

    rng = np.random.default_rng(0)
    w = rng.standard_normal((16, 24))
    q, step = quantize(w, 6)
    np.testing.assert_allclose(msb_duplicated_weights(w, 0.0, 0.0, rng, 2), np.broadcast_to(q * step, (2, 16, 24)))


def test_msb_duplication_corrects_a_stuck_at_one_top_copy():
    """An SA1 on one MSB copy is out-voted; unprotected, an SA1 on the top cell is a large error."""
    from costmodels.cim.variation import msb_duplicated_weights, stuck_at_weights

    rng = np.random.default_rng(1)
    w = rng.standard_normal((64, 64)) * 0.1
    err_p = np.abs(msb_duplicated_weights(w, 0.0, 0.02, rng, 10) - w).mean()
    err_u = np.abs(stuck_at_weights(w, 0.0, 0.02, rng, 10) - w).mean()
    assert err_p < 0.5 * err_u
