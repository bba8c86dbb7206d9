"""CKKS parameter sets: the HE-standard security table, chains, EVA's smallest-N rule."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from costmodels.he import (
    CkksModel,
    CkksParams,
    max_log_qp,
    security_bits,
    smallest_ring,
    special_primes,
)
from costmodels.he.params import log_qp, precision_bits


def test_security_table_matches_he_standard():
    """Pinned max log2(QP) ([HEStandard18; OpenFHE22]: SEAL hestdparms.h, OpenFHE for 2^16, 2^17)."""
    n = np.array([1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072], float)
    assert max_log_qp(n, 128).tolist() == [27, 54, 109, 218, 438, 881, 1747, 3523]
    assert max_log_qp(n, 192).tolist() == [19, 37, 75, 152, 305, 611, 1199, 2411]
    assert max_log_qp(n, 256).tolist() == [14, 29, 58, 118, 237, 476, 929, 1866]
    assert max_log_qp(np.array([32768.0]), 128, quantum=True).tolist() == [827]


def test_published_parameter_sets_are_classified_like_their_authors():
    """Orion's shipped configs and Cheddar's bootstrapping set fit 128-bit; CryptoGCN's demo does not.

    Sources ([Orion25] configs, [CryptoGCN22] demo.cpp, [HEStandard18]): Orion MLP/LoLa logN 13, Q=[29,26x5], P=[29,29] -> 217 <= 218;
    Orion LeNet logN 14 -> 380 <= 438; Cheddar bootparam_40 logQP 1745.4 <= 1747 at 2^16;
    CryptoGCN demo.cpp N=8192 with ~824 bits -> insecure (sec_level none).
    """
    assert float(security_bits(np.array(8192.0), np.array(29 + 5 * 26 + 2 * 29.0))) == 128
    assert float(security_bits(np.array(16384.0), np.array(45 + 7 * 35 + 2 * 45.0))) == 128
    assert float(security_bits(np.array(65536.0), np.array(1745.4))) == 128
    assert float(security_bits(np.array(8192.0), np.array(22 * 32 + 2 * 60.0))) == 0


def test_special_primes_and_log_qp():
    """SEAL uses one special prime; hybrid key switching K = ceil((L+1)/dnum) [MAD23; HanKi20]."""
    assert special_primes(np.array(18.0), 1, "seal").tolist() == 1.0
    assert special_primes(np.array(23.0), 3, "hybrid").tolist() == 8.0
    assert float(log_qp(60, 40, 18, 60, 1)) == 840.0  # the 2^15 chain of the [TenSEAL21] measurements


def test_eva_rule_picks_smallest_ring():
    """Smallest N whose table bound holds: depth 2 @40 bits -> 2^13 (200 <= 218); depth 19 -> 2^15 (880)."""
    depth = np.array([2.0, 7.0, 8.0, 19.0, 20.0, 90.0])
    got = smallest_ring(depth, scale_bits=40, first_bits=60, special_bits=60)
    assert got.tolist() == [8192, 16384, 32768, 32768, 65536, 0]
    p = CkksParams.smallest(18)
    assert p.n == 32768 and p.feasible and p.slots == 16384


def test_problems_name_the_reason():
    """An insecure or malformed set lists why; precision follows the CKKS rescale bound."""
    bad = CkksParams(n=8192, levels=10, scale_bits=40)
    assert bad.problems() and "insecure" in bad.problems()[0]
    assert "first prime" in CkksParams(n=32768, levels=5, scale_bits=60, first_bits=50).problems()[0]
    assert "sparse secret h=64" in CkksParams(n=8192, levels=2, secret="sparse", hamming=64).problems()[0]
    # N=2^15, 40-bit scale: 40 - log2(sqrt(N/3)(3+8 sqrt(2N/3))) ~ 23.1 bits
    assert abs(float(precision_bits(np.array(32768.0), 40.0)) - 23.08) < 0.01


@settings(max_examples=80, deadline=None)
@given(n_exp=st.integers(10, 17), levels=st.integers(1, 60), scale=st.integers(20, 60), first=st.integers(20, 60),
       special=st.integers(20, 61), sec=st.sampled_from([128, 192, 256]),
       secret=st.sampled_from([("ternary", 192), ("sparse", 32), ("sparse", 128), ("sparse", 192), ("sparse", 256),
                               ("sparse", 32768), ("gaussian", 192)]))
def test_insecure_parameter_set_is_never_feasible(n_exp, levels, scale, first, special, sec, secret):
    """Property, every secret kind: a feasible point has log2(QP) <= a published row for (N, secret, h <= weight, lambda)."""
    from costmodels.he.security import secret_rows

    dist, h = secret
    model = CkksModel(secret=dist, hamming=h)
    design = {"N": [2**n_exp], "levels": [levels], "scale_bits": [scale], "first_bits": [first],
              "special_bits": [special], "security": [sec]}
    m = model.evaluate(_tiny(), design).numpy()
    lqp = first + levels * scale + special
    if dist == "ternary":
        rows = [float(max_log_qp(np.array(2.0**n_exp), sec))]
    else:  # independent of the bound() lookup: scan the published rows directly
        rows = [r.max_log_qp for r in secret_rows() if r.secret == dist and r.n == 2**n_exp and r.lam >= sec
                and not r.quantum and (dist != "sparse" or r.hamming <= h)]
    if m.feasible[0]:
        assert rows and lqp <= max(rows)
        assert m.totals["security_bits"][0] >= sec
    if not rows or lqp > max(rows):
        assert not m.feasible[0]
        assert ("insecure" if rows and max(rows) > 0 else "no") in m.reason_of(0)


def _tiny():
    from workloads import WorkloadBuilder

    if not hasattr(_tiny, "w"):
        b = WorkloadBuilder("tiny-mlp", (64,))
        b.linear(b.act(b.linear(b.input, 64), "poly", degree=2), 10)
        _tiny.w = b.build()
    return _tiny.w


def test_security_bits_numpy_path_equals_per_level_bounds():
    """The numpy fast path of security_bits equals the level-by-level rule over max_log_qp (every ring
    degree, off-table degrees, both secret kinds)."""
    from costmodels.he.params import max_log_qp, security_bits

    rng = np.random.default_rng(9)
    n = 2.0 ** rng.integers(9, 19, 2000)
    logqp = rng.uniform(20, 3500, 2000)
    for secret, h in (("ternary", 0), ("sparse", 192), ("sparse", 64)):
        want = np.zeros_like(logqp)
        for lam in (128, 192, 256):
            bound = max_log_qp(n, np.full_like(n, lam), secret=secret, hamming=h)
            want = np.where((logqp <= bound) & (bound > 0), float(lam), want)
        assert np.array_equal(security_bits(n, logqp, secret=secret, hamming=h), want)


def test_security_bound_and_bits_equal_the_two_lookups():
    """The one-pass (compiled) security lookup equals max_log_qp and security_bits, with off-table
    degrees and levels, NaN log2(QP), and both secret kinds."""
    from costmodels.he.params import max_log_qp, security_bits, security_bound_and_bits

    rng = np.random.default_rng(10)
    n = 2.0 ** rng.integers(9, 19, 3000)
    n[:5] = [3000.0, np.nan, 4096.0, 65536.0, 131072.0]
    sec = rng.choice([128.0, 192.0, 256.0, 100.0], 3000)
    logqp = rng.uniform(20, 3500, 3000)
    logqp[7] = np.nan
    for secret, h in (("ternary", 0), ("sparse", 192), ("sparse", 32), ("gaussian", 0)):
        bound, bits = security_bound_and_bits(n, sec, logqp, secret=secret, hamming=h)
        assert np.array_equal(bound, max_log_qp(n, sec, secret=secret, hamming=h))
        assert np.array_equal(bits, security_bits(n, logqp, secret=secret, hamming=h))
