"""Precision model, static checks and Orion config mapping of the CKKS configuration search."""

from __future__ import annotations

import math

import numpy as np
import pytest

from costmodels.he import log_qp, max_log_qp, special_primes
from costmodels.he_search import (
    BERNSTEIN,
    Evaluator,
    StaticChecker,
    activation_bits,
    approximated_layers,
    benchmark,
    orion_config,
    with_layer_degrees,
)
from costmodels.he_search.space import SearchSpace, special_bits_for
from costmodels.he_search.static import keyswitch_noise_ok


def test_relu_bits_follow_bernstein_constant():
    """ReLU = (x+|x|)/2 and E_D(|x|) ~ beta/D (Varga & Carpenter 1985): bits = log2(2D/beta)."""
    assert BERNSTEIN == pytest.approx(0.2801694990, abs=1e-10)
    assert activation_bits("relu", 1) == pytest.approx(math.log2(2 / BERNSTEIN))
    assert activation_bits("relu", 64) - activation_bits("relu", 32) == pytest.approx(1.0)
    assert activation_bits("relu", [15, 15, 27]) == pytest.approx(math.log2(2 * 15 * 15 * 27 / BERNSTEIN))


def test_smooth_activation_bits_grow_linearly_in_degree():
    """Analytic functions converge geometrically (Trefethen ATAP Thm 8.2): constant bits per degree."""
    b = [activation_bits("silu", d) for d in (10, 20, 30)]
    assert b[1] - b[0] == pytest.approx(b[2] - b[1]) and b[1] > b[0] > 0
    assert activation_bits("exact", 2) == math.inf


def test_orion_mlp_chain_is_217_bits_at_n_8192():
    """[Orion25] configs, [HEStandard18]: Orion MLP/LoLa logN 13, Q=[29,26x5], P=[29,29]: logQP = 217 <= 218 (128-bit)."""
    cfg = orion_config("mlp").design("hybrid", boot_depth=16)
    k = special_primes(cfg["levels"], cfg["dnum"], "hybrid")
    assert k == 2
    assert log_qp(cfg["first_bits"], cfg["scale_bits"], cfg["levels"], cfg["special_bits"], k) == 217
    assert max_log_qp(8192, 128) == 218


def test_orion_lenet_chain_is_380_bits():
    """[Orion25] configs, [HEStandard18]: Orion LeNet 45 + 7x35 + 2x45 = 380 <= 438 at N = 2^14."""
    cfg = orion_config("lenet").design("hybrid", boot_depth=16)
    k = special_primes(cfg["levels"], cfg["dnum"], "hybrid")
    assert log_qp(cfg["first_bits"], cfg["scale_bits"], cfg["levels"], cfg["special_bits"], k) == 380


def test_keyswitch_noise_rule_hand_cases():
    """log2 P >= largest digit: hybrid L+1=24, dnum=3 -> alpha=8, digit = 60 + 7x40 = 340 bits."""
    assert keyswitch_noise_ok("hybrid", 23, 3, 60, 40, 43)          # K=8 x 43 = 344 >= 340
    assert not keyswitch_noise_ok("hybrid", 23, 3, 60, 40, 42)      # 336 < 340
    assert keyswitch_noise_ok("seal", 5, 3, 29, 26, 29) and not keyswitch_noise_ok("seal", 5, 3, 30, 26, 29)
    assert special_bits_for("hybrid", 23, 3, 60, 40) == 43


@pytest.mark.parametrize("key", ["mlp", "alexnet"])
def test_static_never_prunes_model_feasible(key):
    """Stage 1 is a relaxation: every configuration the cost model accepts passes the static checks."""
    bench = benchmark(key)
    ev = Evaluator(bench)
    cfgs = SearchSpace.for_benchmark(bench).sample(np.random.default_rng(1), 400)
    rows = ev(cfgs)
    st = StaticChecker(bench.search_workload(), profile=bench.profile, target_bits=bench.precision_bits,
                       activation=bench.activation)
    res = st.check({k: np.array([c[k] for c in cfgs]) for k in ("N", "levels", "scale_bits", "first_bits",
                                                                "special_bits", "dnum", "act_degree")})
    assert rows["feasible"].sum() > 0 or key == "alexnet"
    assert not np.any(rows["feasible"].to_numpy() & ~res.ok)
    insecure = res.reason == 1
    assert not np.any(rows["feasible"].to_numpy()[insecure])


def test_no_insecure_configuration_is_feasible():
    """Property: every feasible evaluated configuration satisfies the 128-bit log2(QP) bound."""
    bench = benchmark("lenet")
    rows = Evaluator(bench)(SearchSpace.for_benchmark(bench).sample(np.random.default_rng(2), 500))
    feas = rows[rows.feasible]
    assert len(feas) > 0
    assert np.all(feas.log_qp_bits.to_numpy() <= max_log_qp(feas.N.to_numpy().astype(float), 128))


def test_composite_split_rewires_consumers():
    """A split activation becomes two poly layers; later layers read the last one."""
    wl = benchmark("alexnet").search_workload()
    name = approximated_layers(wl)[0]
    w2 = with_layer_degrees(wl, {name: (7, 5)})
    assert len(w2.layers) == len(wl.layers) + 1
    parts = [l for l in w2.layers if l.name.startswith(name)]
    assert [(l.fn, l.degree) for l in parts] == [("poly", 7), ("poly", 5)]
    assert parts[1].inputs == (parts[0].name,)
