"""Security per secret distribution: sparse (Hamming weight), Gaussian, ternary; conservative rule."""

from __future__ import annotations

import numpy as np
import pytest

from costmodels.he import CkksModel, CkksParams, max_log_qp, security_bits
from costmodels.he.security import bound, secret_rows
from dse.errors import DseInputError


def test_sparse_rows_are_the_published_sets():
    """Sparse h=192 rows are BTH22's Lattigo sets: 1553 bits at N=2^16, 768 at 2^15 (128-bit)."""
    assert bound(65536, 128, "sparse", 192) == 1553
    assert bound(32768, 128, "sparse", 192) == 768
    assert bound(65536, 128, "sparse", 32768) == 1793  # dense fixed-weight N/2 set


def test_conservative_rule_never_borrows_from_lighter_or_other_rings():
    """A weight below every row, another N, 192/256-bit or quantum stay uncovered (bound 0)."""
    assert bound(65536, 128, "sparse", 191) == 0           # lighter than any row
    assert bound(65536, 128, "sparse", 16384) == 1553      # between rows: the lower row's bound
    assert bound(131072, 128, "sparse", 192) == 0          # no row at 2^17: no extrapolation in N
    assert bound(65536, 192, "sparse", 192) == 0           # rows certify 128-bit only
    assert bound(65536, 128, "sparse", 192, quantum=True) == 0


def test_gaussian_rows_follow_the_he_standard_error_column():
    """Error-distributed secret: HE standard 2018 / OpenFHE HEStd_error (2^15: 883/613/478), none at 2^16."""
    n = np.array([32768.0])
    assert max_log_qp(n, 128, secret="gaussian").tolist() == [883]
    assert max_log_qp(n, 256, secret="gaussian").tolist() == [478]
    assert max_log_qp(np.array([65536.0]), 128, secret="gaussian").tolist() == [0]


def test_security_bits_by_secret():
    """Lattigo's N16QP1546 (h=192) is 128-bit as sparse; the same log QP with h=64 is not covered."""
    n, q = np.array(65536.0), np.array(1546.0)
    assert float(security_bits(n, q, secret="sparse", hamming=192)) == 128
    assert float(security_bits(n, q, secret="sparse", hamming=64)) == 0
    assert float(security_bits(n, np.array(1554.0), secret="sparse", hamming=192)) == 0


def test_model_reports_uncovered_secret_with_reason():
    """A sparse weight no row covers is infeasible and says which rows exist."""
    m = CkksModel(secret="sparse", hamming=64).evaluate(_tiny(), {"N": [65536], "levels": [10]}).numpy()
    assert not m.feasible[0] and "sparse secret h=64" in m.reason_of(0) and "N=65536 h>=192" in m.reason_of(0)


def test_bad_secret_inputs_raise():
    """Unknown distribution or a non-positive weight is a DseInputError naming the field."""
    with pytest.raises(DseInputError, match="hamming"):
        CkksModel(hamming=0).param("hamming")
    with pytest.raises(DseInputError, match="secret"):
        CkksParams(n=65536, levels=3, secret="binary").problems()


def test_every_row_names_a_source():
    """Every published row carries its source text and kind."""
    assert all(r.source and r.kind in ("table", "publisher") for r in secret_rows())


def _tiny():
    from workloads import WorkloadBuilder

    b = WorkloadBuilder("tiny-mlp-sec", (64,))
    b.linear(b.act(b.linear(b.input, 64), "poly", degree=2), 10)
    return b.build()
