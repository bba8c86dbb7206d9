"""Quick-mode runs of the crossbar studies write CSV + PNG + report.md and sensible headlines."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytest.importorskip("sklearn", reason="scikit-learn (digits data) not installed: pip install scikit-learn")
pytest.importorskip("torch", reason="torch not installed: studies train networks")


def _study(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "studies" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_kpp_study_quick(tmp_path):
    """cim_kpp --quick: three training arms, KPP below the mean, files written."""
    head = _study("cim_kpp").run(tmp_path / "kpp", quick=True)
    for f in ("kpp_results.csv", "kpp_candidates.csv", "kpp_vs_sigma.png", "kpp_hist.png", "report.md"):
        assert (tmp_path / "kpp" / f).is_file()
    assert 0 < head["kpp_none"] <= 1 and "rcg_minus_none_pp" in head


def test_write_verify_study_quick(tmp_path):
    """cim_write_verify --quick: verifying everything recovers more accuracy than verifying
    nothing; SWIM closes more of the gap at 5% than random selection."""
    import pandas as pd

    _study("cim_write_verify").run(tmp_path / "wv", quick=True)
    for f in ("wv_results.csv", "wv_summary.csv", "wv_accuracy.png", "wv_speedup.png", "report.md"):
        assert (tmp_path / "wv" / f).is_file()
    s = pd.read_csv(tmp_path / "wv" / "wv_summary.csv").set_index("method")
    assert (s.full_verify_mean > s.no_verify_mean).all()
    assert s.loc["swim", "gap_closed_at_5pct"] > s.loc["random", "gap_closed_at_5pct"]


def test_adc_sweep_study_quick(tmp_path):
    """cim_adc_sweep --quick: files written; the 2-bit ADC is cheapest and loses KPP to the 8-bit one."""
    head = _study("cim_adc_sweep").run(tmp_path / "adc", quick=True)
    for f in ("sweep.csv", "front.csv", "kpp_vs_energy.png", "kpp_vs_adc_bits.png", "report.md"):
        assert (tmp_path / "adc" / f).is_file()
    assert head["cheapest_adc_bits"] == 2 and head["cheapest_kpp"] < head["best_kpp"] - 0.3


def test_fault_tolerance_study_quick(tmp_path):
    """cim_fault_tolerance --quick: files written; MSB duplication keeps more accuracy at 2 % faults."""
    head = _study("cim_fault_tolerance").run(tmp_path / "ft", quick=True)
    for f in ("fault_results.csv", "fault_accuracy.png", "report.md"):
        assert (tmp_path / "ft" / f).is_file()
    assert head["mean_msb-dup"] > head["mean_unprotected-8b"]


@pytest.mark.slow
def test_tsb_study_quick(tmp_path):
    """cim_tsb --quick: files written; noise-aware arms (with or without the block) keep a smaller gap than none."""
    head = _study("cim_tsb").run(tmp_path / "tsb", quick=True)
    for f in ("tsb_results.csv", "tsb_gap.png", "report.md"):
        assert (tmp_path / "tsb" / f).is_file()
    assert head["gap_tsb_pp_sigma0.2"] < head["gap_none_pp_sigma0.2"]
    assert 0.01 < head["verified_fraction_tsb"] < 0.05


@pytest.mark.slow
def test_neft_study_quick(tmp_path):
    """cim_neft --quick: files written; both noise-aware arms beat no-noise training at sigma 0.2."""
    head = _study("cim_neft").run(tmp_path / "neft", quick=True)
    for f in ("neft_results.csv", "neft_accuracy.png", "report.md"):
        assert (tmp_path / "neft" / f).is_file()
    assert head["noise_minus_none_pp_sigma0.2"] > 0
