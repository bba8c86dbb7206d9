"""Security per secret distribution: sparse (Hamming weight), Gaussian, ternary; conservative rule."""

from __future__ import annotations

import numpy as np
import pytest

from costmodels.he import CkksModel, CkksParams, max_log_qp, security_bits
from costmodels.he.security import bound, estimates, secret_rows
from dse.errors import DseInputError


def test_sparse_rows_are_the_published_sets():
    """Sparse h=192 rows are BTH22's Lattigo sets: 1553 bits at N=2^16, 768 at 2^15 (128-bit)."""
    assert bound(65536, 128, "sparse", 192) == 1553
    assert bound(32768, 128, "sparse", 192) == 768
    assert bound(65536, 128, "sparse", 32768) == 1793  # dense fixed-weight N/2 set


def test_conservative_rule_never_borrows_from_lighter_or_other_rings():
    """A weight below every row, a ring without rows or a heavier row never certify; a weight between rows takes the lower row."""
    assert bound(65536, 128, "sparse", 31) == 0            # lighter than any row
    assert bound(65536, 128, "sparse", 63) == bound(65536, 128, "sparse", 32) == 335  # takes the lighter row
    assert bound(65536, 128, "sparse", 127) == bound(65536, 128, "sparse", 64) == 1008  # re-estimated h = 64 row
    assert bound(32768, 128, "sparse", 127) == bound(32768, 128, "sparse", 64)  # re-estimated h = 32 / 64 rows
    assert bound(32768, 128, "sparse", 63) == bound(32768, 128, "sparse", 32) < bound(32768, 128, "sparse", 64)
    assert bound(65536, 128, "sparse", 16384) == max(r.max_log_qp for r in secret_rows() if r.secret == "sparse"
                                                     and r.n == 65536 and r.hamming <= 16384 and r.lam >= 128
                                                     and not r.quantum)
    assert bound(65536, 128, "sparse", 16384) < bound(65536, 128, "sparse", 32768)
    assert bound(8192, 128, "sparse", 192) == 0            # no row at 2^13: no extrapolation in N
    assert bound(65536, 192, "sparse", 192) == bound(65536, 192, "sparse", 128)  # only h=128 rows at 192-bit
    assert bound(65536, 128, "sparse", 192, quantum=True) == bound(65536, 128, "sparse", 128, quantum=True)


def test_guideline_sparse_rows_behave_like_a_security_table():
    """Guideline rows (h=128/256): the bound grows with N and h, and shrinks with lambda and for quantum costs."""
    rows = {(r.n, r.hamming, r.lam, r.quantum): r.max_log_qp for r in secret_rows() if r.kind == "script"}
    assert len(rows) == 48
    for (n, h, lam, q), v in rows.items():
        if (2 * n, h, lam, q) in rows:
            assert 1.8 * v < rows[(2 * n, h, lam, q)] < 2.2 * v  # about doubles with N
        if h == 128:
            assert v < rows[(n, 256, lam, q)]                          # a heavier secret allows more modulus
            assert v < bound(n, lam, "ternary") if n <= 32768 else True  # sparse never beats uniform ternary
        if lam < 256:
            assert v > rows[(n, h, {128: 192, 192: 256}[lam], q)]
        if not q:
            assert v > rows[(n, h, lam, True)]


def test_sparse_h128_set_is_feasible_at_its_table_bound():
    """A sparse h=128 chain at N=2^16 is 128-bit up to the table's log2 QP and insecure one bit above."""
    lqp = bound(65536, 128, "sparse", 128)
    assert lqp > 0
    assert float(security_bits(np.array(65536.0), np.array(lqp), secret="sparse", hamming=128)) == 128
    assert float(security_bits(np.array(65536.0), np.array(lqp + 1), secret="sparse", hamming=128)) == 0
    m = CkksModel(secret="sparse", hamming=128).evaluate(_tiny(), {"N": [65536], "levels": [10]}).numpy()
    assert m.feasible[0] and m.totals["security_bits"][0] >= 128


def test_gaussian_rows_follow_the_he_standard_error_column():
    """Error-distributed secret: HE standard 2018 / OpenFHE HEStd_error (2^15: 883/613/478), none at 2^16."""
    n = np.array([32768.0])
    assert max_log_qp(n, 128, secret="gaussian").tolist() == [883]
    assert max_log_qp(n, 256, secret="gaussian").tolist() == [478]
    assert max_log_qp(np.array([65536.0]), 128, secret="gaussian").tolist() == [0]


def test_security_bits_by_secret():
    """Lattigo's N16QP1546 (h=192) is 128-bit as sparse; the same log QP with h=64 (below every row) is not covered."""
    n, q = np.array(65536.0), np.array(1546.0)
    assert float(security_bits(n, q, secret="sparse", hamming=192)) == 128
    assert float(security_bits(n, q, secret="sparse", hamming=64)) == 0
    assert float(security_bits(n, np.array(1554.0), secret="sparse", hamming=192)) == 0


def test_model_reports_uncovered_secret_with_reason():
    """A sparse weight no row covers is infeasible and says which rows exist."""
    m = CkksModel(secret="sparse", hamming=16).evaluate(_tiny(), {"N": [65536], "levels": [10]}).numpy()
    assert not m.feasible[0] and "sparse secret h=16" in m.reason_of(0) and "N=65536 h>=32" in m.reason_of(0)


def test_h32_rows_at_n16_lattigo_statement_and_reestimate():
    """h = 32 at N = 2^16 has two 128-bit rows: Lattigo's statement (up to 121 bits, its
    encapsulation key) and the grid-checked re-estimate (335). They agree in direction (121 <= 335);
    the larger applies, so the model is 128-bit up to 335 bits and not one bit above; the 192-bit
    re-estimate (46 bits) is far below any CKKS chain, and 256-bit has no row at all."""
    h32 = {r.kind: r.max_log_qp for r in secret_rows()
           if r.secret == "sparse" and r.n == 65536 and r.hamming == 32 and not r.quantum and r.lam == 128}
    assert h32 == {"publisher": 121, "estimated": 335}
    n = np.array(65536.0)
    assert float(security_bits(n, np.array(335.0), secret="sparse", hamming=32)) == 128
    assert float(security_bits(n, np.array(336.0), secret="sparse", hamming=32)) == 0
    assert float(security_bits(n, np.array(46.0), secret="sparse", hamming=32)) == 192
    assert float(security_bits(n, np.array(47.0), secret="sparse", hamming=32)) == 128
    assert bound(65536, 192, "sparse", 32) == 46 and bound(65536, 256, "sparse", 32) == 0


def test_reestimated_h64_row_bounds_the_model():
    """A sparse h = 64 model at N = 2^15 is 128-bit exactly up to the re-estimated h = 64 row (a short
    chain feasible, a long one insecure with the reason)."""
    top = bound(32768, 128, "sparse", 64)
    assert top > 0
    seen = set()
    for levels in (4, 30):
        m = CkksModel(secret="sparse", hamming=64).evaluate(_tiny(), {"N": [32768], "levels": [levels]}).numpy()
        secure = float(m.totals["log_qp_bits"][0]) <= top
        seen.add(secure)
        assert secure == (float(m.totals["security_bits"][0]) >= 128), levels
        assert secure or "insecure" in m.reason_of(0)
    assert seen == {True, False}


def test_bad_secret_inputs_raise():
    """Unknown distribution or a non-positive weight is a DseInputError naming the field."""
    with pytest.raises(DseInputError, match="hamming"):
        CkksModel(hamming=0).param("hamming")
    with pytest.raises(DseInputError, match="secret"):
        CkksParams(n=65536, levels=3, secret="binary").problems()


def test_every_row_names_a_source():
    """Every published row carries its source text and kind."""
    assert all(r.source and r.kind in ("table", "publisher", "script", "estimated") for r in secret_rows())


def test_estimated_rows_are_backed_by_their_recorded_estimates():
    """Each kind=estimated row is backed by its record: at the row's log2 q the default optimiser
    and the whole (zeta, h1) grid reach lambda + 2 bits, and at log2 q + 1 a recorded estimate (the
    default optimiser, or a known attack re-costed) falls below; the grid check never raises the
    guidelines' procedure's value."""
    from costmodels.he.security import estimates

    rows = {(r.n, r.hamming, r.lam, r.quantum): r.max_log_qp for r in secret_rows() if r.kind == "estimated"}
    runs = {(e["n"], e["hamming"], e["lambda"], e["quantum"]): e for e in estimates()["rows"]}
    assert rows and set(rows) == set(runs)
    for key, top in rows.items():
        run, target = runs[key], key[2] + 2
        assert top == run["max_log_qp"] <= run["guideline_procedure"]["max_log_qp"], key
        log = run["grid_checked_log"]
        assert any(e["kind"] == "default" and e["logq"] == top and e["bits"] >= target for e in log), key
        assert any(e["kind"] == "grid" and e["logq"] == top and e["min_bits"] >= target for e in log), key
        assert any((e["kind"] == "default" and e["logq"] == top + 1 and e["bits"] < target)
                   or (e["kind"] == "candidate" and e["logq"] == top and e["next_bits"] < target) for e in log), key


def test_no_row_runs_fall_short_at_the_floor_and_stay_uncertified():
    """A recorded 'no row' run (the estimate at the search's floor is below lambda + 2) has no table
    row, and a set of that weight at that security is certified by no lighter row either."""
    from costmodels.he.estimator_peer import FLOOR_LOG_Q, MARGIN_BITS

    table = {(r.n, r.hamming, r.lam, r.quantum) for r in secret_rows()}
    entries = estimates().get("no_row", [])
    assert entries
    for e in entries:
        key = (e["n"], e["hamming"], e["lambda"], e["quantum"])
        assert e["floor_log_q"] == FLOOR_LOG_Q and key not in table, key
        assert e["estimates_bits"][str(FLOOR_LOG_Q)] < e["lambda"] + MARGIN_BITS, key
        assert bound(e["n"], e["lambda"], "sparse", e["hamming"], quantum=e["quantum"]) == 0, key


def test_estimated_rows_order_with_the_published_ones():
    """Re-estimated h=32 / 64 rows sit below the guidelines' h=128 row at every N (a lighter secret is
    weaker) and h=64 above h=32."""
    est = {(r.n, r.hamming, r.lam, r.quantum): r.max_log_qp for r in secret_rows() if r.kind == "estimated"}
    pub = {(r.n, r.hamming, r.lam, r.quantum): r.max_log_qp for r in secret_rows() if r.kind == "script"}
    for (n, h, lam, q), v in est.items():
        assert v < pub[(n, 128, lam, q)], (n, h, lam, q)
        if h == 32 and (n, 64, lam, q) in est:
            assert v < est[(n, 64, lam, q)]


def test_reestimated_pipeline_reproduces_a_guideline_row():
    """he-sparse-reestimate-guidelines-n14-h128: the recorded estimates give the published 361 bits."""
    from dse.claims import all_claims, run_claim

    (c,) = [c for c in all_claims(family="he") if c.id == "he-sparse-reestimate-guidelines-n14-h128"]
    r = run_claim(c)
    assert c.kind == "validation" and r.status == "pass" and r.value == 361


def _tiny():
    from workloads import WorkloadBuilder

    b = WorkloadBuilder("tiny-mlp-sec", (64,))
    b.linear(b.act(b.linear(b.input, 64), "poly", degree=2), 10)
    return b.build()


def test_guideline_rows_never_certify_more_than_the_publishers_sets():
    """he-security claims: for Lattigo's h=192 sets the guideline-only bound sits at or below the publisher's 128-bit figure."""
    from dse.claims import all_claims, run_claim

    ids = {"he-sparse-guidelines-vs-lattigo-n16", "he-sparse-guidelines-vs-lattigo-n15"}
    found = [c for c in all_claims(family="he") if c.id in ids]
    assert {c.id for c in found} == ids and all(c.kind == "validation" for c in found)
    for c in found:
        r = run_claim(c)
        assert 0 < r.value <= c.reference


@pytest.mark.parametrize("secret,h,quantum", [("ternary", 0, False), ("sparse", 192, False), ("sparse", 256, True),
                                              ("gaussian", 0, False)])
def test_max_log_qp_lookup_matches_rows(secret: str, h: int, quantum: bool) -> None:
    """The numpy table lookup of max_log_qp gives security.bound per element, 0 off the table (odd N, other lambda)."""
    rng = np.random.default_rng(3)
    n = rng.choice([2.0**k for k in range(6, 21)] + [3000.0, 0.0], 400)
    lam = rng.choice([100.0, 128.0, 192.0, 256.0, 300.0], 400)
    got = max_log_qp(n, lam, secret=secret, hamming=h, quantum=quantum)
    want = [bound(int(a), int(b), secret, h, quantum) if float(a).is_integer() and b in (128, 192, 256) else 0.0
            for a, b in zip(n, lam)]
    assert np.array_equal(got, np.maximum(np.array(want), 0.0))


def test_every_preset_encapsulation_key_has_a_recorded_reestimate():
    """Each preset's dense-to-sparse key (N, h, log2 QP rounded up) has a recorded lattice-estimator
    run in data/security_estimates.json whose cheapest attack reaches the preset's security + 2 bits."""
    import math

    from costmodels.he.paramsets import paramset, paramset_names

    keys = {(k["n"], k["hamming"], k["logq"]): k for k in estimates()["stated_keys"]}
    for name in paramset_names():
        ps = paramset(name)
        if not ps.encapsulation_hamming:
            continue
        rec = keys[(ps.n, ps.encapsulation_hamming, math.ceil(ps.encapsulation_log_qp - 1e-9))]
        assert min(rec["default_bits"], rec["grid_min_bits"]) >= ps.security + 2, name


def test_lattigo_v5_dts_key_is_below_128_bits_as_the_advisory_says():
    """he-lattigo-dts-key-advisory: the key Lattigo v5.0.0-v6.1.0 generated at the full chain (h = 32,
    2^1546) is below 128 bits by both the default optimiser and the grid, as the advisory states, and
    the model rejects a preset carrying it (tests/he/test_paramsets.py)."""
    from dse.claims import all_claims, run_claim

    (c,) = [c for c in all_claims(family="he") if c.id == "he-lattigo-dts-key-advisory"]
    rec = next(k for k in estimates()["stated_keys"] if k["name"] == "lattigo-v5-dense-to-sparse-full-chain")
    assert c.kind == "validation" and rec["default_bits"] < 128 and rec["grid_min_bits"] < 128
    assert run_claim(c).value == min(rec["default_bits"], rec["grid_min_bits"])
    assert bound(65536, 128, "sparse", 32) < rec["logq"]
