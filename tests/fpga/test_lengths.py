"""Sequence-length distributions: presets, parsing, order statistics, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from dse.errors import DseInputError
from workloads.distributions.lengths import empirical, fixed, lognormal, parse_lengths


def test_glue_preset_matches_documented_summary():
    """glue: mean ~38 tokens, truncated at 128; padding to 128 lies inside the range Krell et al.
    (arXiv 2107.02027) report for GLUE at 128 (about 50% typical, 89% for CoLA)."""
    d = parse_lengths("glue")
    assert d.max_len == 128 and 37.0 < d.mean() < 39.5
    assert 0.5 < d.padding_fraction(128) < 0.89
    assert d.quantile(0.5) == 32


def test_squad_preset_matches_documented_summary():
    """squad: mean ~164 tokens, truncated at the BERT SQuAD max_seq_length 384."""
    d = parse_lengths("squad")
    assert d.max_len == 384 and 160.0 < d.mean() < 168.0
    assert 0.5 < d.padding_fraction() < 0.6


def test_fixed_and_lognormal_specs():
    """fixed:N is a point mass; lognormal:... builds the same pmf as the function."""
    f = parse_lengths("fixed:256")
    assert f.support.tolist() == [256] and f.mean() == 256.0 and f.padding_fraction() == 0.0
    a = parse_lengths("lognormal:median=64,sigma=0.5,max=512")
    b = lognormal(64, 0.5, 512)
    np.testing.assert_allclose(a.probs, b.probs)
    assert abs(a.probs.sum() - 1.0) < 1e-12


def test_hist_file(tmp_path):
    """hist:PATH reads length,count rows into a normalised pmf."""
    p = tmp_path / "h.csv"
    p.write_text("length,count\n10,3\n20,1\n")
    d = parse_lengths(f"hist:{p}")
    assert d.support.tolist() == [10, 20] and d.probs.tolist() == [0.75, 0.25]


@pytest.mark.parametrize("spec", ["bogus", "fixed:0", "fixed:x", "lognormal:median=3", "hist:/no/such.csv"])
def test_bad_specs_raise_one_line_errors(spec):
    """Bad specs raise DseInputError naming the 'lengths' field."""
    with pytest.raises(DseInputError) as err:
        parse_lengths(spec)
    assert str(err.value).startswith("lengths:") and "\n" not in str(err.value)


def test_max_of_pmf_matches_monte_carlo():
    """pmf of the max of n draws (F^n differences) agrees with sampling (seeded)."""
    d = lognormal(30, 0.6, 128)
    pmf = d.max_of(8)
    assert abs(pmf.sum() - 1.0) < 1e-12
    draws = d.sample(8 * 20000, seed=3).reshape(-1, 8).max(axis=1)
    assert abs(np.dot(pmf, d.support) - draws.mean()) < 0.01 * draws.mean()


def test_sampling_is_seeded():
    """Same seed, same draws; different seed, different draws."""
    d = parse_lengths("squad")
    assert np.array_equal(d.sample(100, 1), d.sample(100, 1))
    assert not np.array_equal(d.sample(100, 1), d.sample(100, 2))


def test_empirical_rejects_duplicates():
    """Duplicate lengths are an input error."""
    with pytest.raises(DseInputError):
        empirical(np.array([5, 5]), np.array([1, 1]))
    assert fixed(3).quantile(0.99) == 3
