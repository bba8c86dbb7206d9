"""The lattice-estimator peer: the max-log2 q search (against brute force on synthetic securities)
and, when a Sage interpreter and the estimator are configured, one published guideline row
reproduced live."""

from __future__ import annotations

import math

import pytest

from costmodels.he import estimator_peer
from dse.errors import DseInputError


@pytest.mark.parametrize("a,b,target,guess", [(20.0, 30000.0, 130.0, 100), (-5.0, 90000.0, 130.0, 2000),
                                              (60.0, 1000.0, 66.0, 7), (10.0, 5e5, 194.0, 10)])
def test_max_log_q_equals_brute_force(a: float, b: float, target: float, guess: int) -> None:
    """Largest integer q with bits(q) >= target, for securities falling in q (with a wiggle that
    breaks the a + b/q model the search steps on); the estimates at q and q + 1 are in the log."""
    def bits(q: int) -> float:
        return a + b / q + 0.3 * math.sin(q / 7.0) / (1 + q / 1000) - 0.002 * q

    want = max(q for q in range(2, 20000) if bits(q) >= target)
    assert all(bits(q) < target for q in range(want + 1, want + 50))  # monotone enough near the boundary
    got, seen = estimator_peer.max_log_q(bits, target, guess)
    assert got == want
    assert seen[got] >= target > seen[got + 1]
    assert len(seen) <= 12


def test_max_log_q_stops_at_the_floor_when_no_modulus_reaches_the_target() -> None:
    """A security that saturates below the target (a light secret, a high level): no row, and no
    probe below the floor."""
    probed: list[int] = []

    def bits(q: int) -> float:
        probed.append(q)
        return 200.0 - 0.5 * q

    with pytest.raises(estimator_peer.NoRow, match="no log2 q >= 16 reaches 258 bits") as info:
        estimator_peer.max_log_q(bits, 258.0, 28, floor=16)
    assert min(probed) == 16 and info.value.seen[16] == 192.0


def test_a_failing_estimator_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The estimator's own error (e.g. its reduction breaking down at a tiny modulus) is reported as
    one line naming the call, not a traceback."""
    def failing(*_args: object) -> list[str]:
        raise estimator_peer.EstimatorFailed("the estimator failed (estimate 16384 32 8 BDGL16): "
                                             "RuntimeError: beta = 79 > d = 77")

    monkeypatch.setattr(estimator_peer, "_run_sage", failing)
    monkeypatch.setattr(estimator_peer, "_require_peer", lambda: ("python", "tree"))
    assert estimator_peer.main(["--n", "16384", "--hamming", "32", "--at", "8"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: the estimator failed (estimate 16384 32 8")
    assert estimator_peer.main(["--n", "16384", "--hamming", "32", "--lam", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: lam: got 0")


def test_bad_inputs_name_the_field() -> None:
    with pytest.raises(DseInputError, match="n"):
        estimator_peer.estimate_bits(1000, 32, 100)
    with pytest.raises(DseInputError, match="hamming"):
        estimator_peer.estimate_bits(16384, 0, 100)
    with pytest.raises(DseInputError, match="model"):
        estimator_peer.estimate_bits(16384, 32, 100, "fast")
    with pytest.raises(DseInputError, match="hamming"):
        estimator_peer.grid_min(16384, 20000, 100)


@pytest.mark.peer
@pytest.mark.skipif(estimator_peer.peer_paths() is None,
                    reason="no Sage interpreter with the lattice estimator (set DSE_SAGE_PYTHON and "
                           "DSE_LATTICE_ESTIMATOR; see costmodels/he/estimator_peer.py)")
def test_reproduces_the_guidelines_row_n14_h128() -> None:
    """[HESGuide24] Table 4.4, N = 2^14, h = 128, 128-bit classical: max log2 q = 361, i.e. the
    estimate is >= 130 bits at 361 and < 130 at 362 (about 40 s each on one core)."""
    assert estimator_peer.estimate_bits(16384, 128, 361) >= 130 > estimator_peer.estimate_bits(16384, 128, 362)


@pytest.mark.peer
@pytest.mark.skipif(estimator_peer.peer_paths() is None,
                    reason="no Sage interpreter with the lattice estimator (set DSE_SAGE_PYTHON and "
                           "DSE_LATTICE_ESTIMATOR; see costmodels/he/estimator_peer.py)")
def test_grid_check_reproduces_the_recorded_n14_h32_row() -> None:
    """The grid check started at the guidelines' procedure's 2^77 (N = 2^14, h = 32) keeps 77, the
    recorded row (about 2 minutes on one core)."""
    from costmodels.he.security import bound

    row, steps = estimator_peer.grid_checked_row(16384, 32, 128, 77)
    assert row == bound(16384, 128, "sparse", 32) == 77
    assert any(s["kind"] == "grid" and s["logq"] == 77 and s["min_bits"] >= 130 for s in steps)


@pytest.mark.peer
@pytest.mark.skipif(estimator_peer.peer_paths() is None,
                    reason="no Sage interpreter with the lattice estimator (set DSE_SAGE_PYTHON and "
                           "DSE_LATTICE_ESTIMATOR; see costmodels/he/estimator_peer.py)")
def test_lattigo_encapsulation_key_rechecked_live() -> None:
    """Lattigo's h = 32 encapsulation key at 2^121 (N = 2^16): the default optimiser and the grid's
    cheapest attack both reach the 130-bit target, as recorded (about a minute on one core)."""
    from costmodels.he.security import estimates

    rec = next(k for k in estimates()["stated_keys"] if k["n"] == 65536 and k["logq"] == 121)
    bits, grid = estimator_peer.estimate_bits(65536, 32, 121), estimator_peer.grid_min(65536, 32, 121)
    assert min(bits, grid["min_bits"]) >= 130
    assert abs(bits - rec["default_bits"]) < 0.01 and abs(grid["min_bits"] - rec["grid_min_bits"]) < 0.01


def test_cli_bad_input_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad ring degree, or no Sage interpreter configured, is one line on stderr and exit 2."""
    assert estimator_peer.main(["--n", "1000", "--hamming", "32"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "n" in err and "power of two" in err
    monkeypatch.delenv("DSE_SAGE_PYTHON", raising=False)
    assert estimator_peer.main(["--n", "16384", "--hamming", "32"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "DSE_SAGE_PYTHON" in err
    assert estimator_peer.main(["--n", "16384", "--hamming", "32", "--at", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "at" in err and ">= 2" in err
