"""dse.pareto against brute force (definition: Deb 2001, sec. 2.4) and against Optuna's WFG
hypervolume (optuna._hypervolume.compute_hypervolume, an independent implementation)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dse.errors import DseInputError
from dse.pareto import hypervolume, merge_fronts, non_dominated, pareto_front, pareto_mask, reference_point


def brute_force(F: np.ndarray) -> np.ndarray:
    F = np.asarray(F, float)
    keep = np.ones(len(F), bool)
    for i in range(len(F)):
        if np.isnan(F[i]).any():
            keep[i] = False
            continue
        others = F[~np.isnan(F).any(axis=1)]
        keep[i] = not np.any(np.all(others <= F[i], axis=1) & np.any(others < F[i], axis=1))
    return keep


@settings(max_examples=150, deadline=None)
@given(arrays(np.int64, st.tuples(st.integers(1, 40), st.integers(1, 4)), elements=st.integers(0, 5)))
def test_non_dominated_matches_brute_force_with_ties(F):
    """Small integer grids force many ties and duplicates (both copies of a tie are kept)."""
    np.testing.assert_array_equal(non_dominated(F), brute_force(F))


@pytest.mark.parametrize("m", [2, 3, 5])
def test_non_dominated_random_continuous(m):
    rng = np.random.default_rng(m)
    F = rng.random((600, m))
    F[::50, 0] = np.nan  # NaN rows are never on the front
    np.testing.assert_array_equal(non_dominated(F), brute_force(F))
    assert pareto_mask is non_dominated


def test_merge_fronts_chunked_equals_global():
    rng = np.random.default_rng(1)
    F = rng.random((3000, 3)) ** 3
    front = np.empty((0, 3))
    for a in range(0, len(F), 256):
        ka, kb = merge_fronts(front, F[a:a + 256])
        front = np.concatenate([front[ka], F[a:a + 256][kb]])
    expected = F[non_dominated(F)]
    assert sorted(map(tuple, front)) == sorted(map(tuple, expected))


def test_pareto_front_sorted_by_first_objective():
    F = np.array([[3, 1], [1, 3], [2, 2], [2.5, 2.5]])
    np.testing.assert_array_equal(pareto_front(F), [1, 2, 0])


def test_hypervolume_hand_values():
    # staircase (1,3),(2,2),(3,1) with reference (4,4): 1*1 + 1*2 + 1*3 = 6
    assert hypervolume([[1, 3], [2, 2], [3, 1]], [4, 4]) == pytest.approx(6.0)
    # dominated and out-of-reference points add nothing
    assert hypervolume([[1, 3], [2, 2], [3, 1], [3, 3], [5, 0]], [4, 4]) == pytest.approx(6.0)
    assert hypervolume([[0, 0, 0]], [1, 2, 3]) == pytest.approx(6.0)
    # boxes [1,2]x[0,2]x[0,1] and [0,2]x[1,2]x[0,1] (2 each) overlap in [1,2]x[1,2]x[0,1] (1): 3
    assert hypervolume([[1, 0, 0], [0, 1, 0]], [2, 2, 1]) == pytest.approx(3.0)
    assert hypervolume([[2.0]], [5.0]) == pytest.approx(3.0)
    assert hypervolume(np.empty((0, 2)), [1, 1]) == 0.0


@pytest.mark.parametrize("m", [2, 3])
def test_hypervolume_matches_optuna_wfg(m):
    from optuna._hypervolume import compute_hypervolume

    rng = np.random.default_rng(10 + m)
    for n in (1, 7, 60):
        F = rng.random((n, m))
        ref = np.full(m, 1.1)
        front = F[non_dominated(F)]
        assert hypervolume(F, ref) == pytest.approx(compute_hypervolume(front, ref), rel=1e-12)


def test_reference_point_and_errors():
    F = np.array([[1.0, 10.0], [3.0, 10.0]])
    np.testing.assert_allclose(reference_point(F), [3.2, 11.0])
    with pytest.raises(DseInputError, match="1, 2 or 3 objectives"):
        hypervolume(np.zeros((2, 4)), np.ones(4))
    with pytest.raises(DseInputError, match="reference point"):
        hypervolume(np.zeros((2, 2)), np.ones(3))


@settings(max_examples=150, deadline=None)
@given(arrays(np.int64, st.tuples(st.integers(1, 30), st.integers(2, 3)), elements=st.integers(0, 4)),
       arrays(np.int64, st.tuples(st.integers(1, 30), st.just(1)), elements=st.integers(0, 4)))
def test_dominated_by_front_matches_brute_force(P, Q):
    from dse.pareto import dominated_by

    m = P.shape[1]
    front = P[non_dominated(P)]
    F = np.repeat(Q, m, axis=1) + np.arange(m)[None, :] * (Q % 2)  # varied rows incl. ties with the front
    F = np.concatenate([F, front])  # front points themselves are not dominated by their own front
    expected = np.array([bool(np.any(np.all(front <= f, axis=1) & np.any(front < f, axis=1))) for f in F])
    np.testing.assert_array_equal(dominated_by(front, F), expected)
