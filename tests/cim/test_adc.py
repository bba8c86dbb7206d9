"""ADC energy: the typical-design fit of the survey data vs the best-case bound and ISAAC's ADC."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workloads
from costmodels.cim import CrossbarModel
from costmodels.cim.adc import isaac_energy, survey_energy, survey_fit, typical_energy
from costmodels.cim.presets import DATA_DIR


def _recent() -> pd.DataFrame:
    d = pd.read_csv(DATA_DIR / "adc_survey.csv")
    d = d[(d.year >= 2010) & (d.process == "CMOS")]
    return d.assign(enob=(d.sndr_db - 1.76) / 6.02, e=d.p_w / d.fsnyq_hz)


def test_survey_rows_carry_a_source():
    """Every survey row names the survey revision; >90% carry the design DOI (some VLSI rows have none)."""
    d = pd.read_csv(DATA_DIR / "adc_survey.csv")
    assert len(d) > 400 and d.source.str.contains("ADCsurvey_rev20250609").all()
    assert d.source.str.contains("DOI 10.").mean() > 0.9


def test_fit_is_typical():
    """The fit is a central line: 40-60% of the 2010+ CMOS designs lie below it, and its residual
    spread is under one decade."""
    d = _recent()
    below = (d.e < typical_energy(d.enob.to_numpy(), d.fsnyq_hz.to_numpy())).mean()
    assert 0.4 < below < 0.6
    f = survey_fit()
    assert f.n == len(d) and f.resid_dex < 1.0 and f.c1 > 0


def test_bound_is_best_case_not_a_hard_bound():
    """The Accelergy survey bound sits far below typical designs (>10x at 8 b, 1.2 GS/s), yet
    more than 10% of the 2010+ designs beat it (the bound predates them)."""
    d = _recent()
    beat = (d.e < survey_energy(d.enob.to_numpy(), d.fsnyq_hz.to_numpy())).mean()
    assert beat > 0.10
    r = np.array(1.2e9)
    assert typical_energy(8, r) > 10 * survey_energy(8, r)
    assert typical_energy(8, r) > isaac_energy(np.array([8]))[0]


def test_adc_model_changes_the_adc_share():
    """resnet20-cifar at the defaults: ADC energy share bound < ISAAC < typical fit; area unchanged."""
    w = workloads.load("resnet20-cifar")
    out = {}
    for am in ("survey", "isaac", "survey-fit"):
        m = CrossbarModel(adc_model=am)
        t = m.evaluate(w, m.space.design({})).numpy().totals
        out[am] = (t["energy_adc_j"][0] / t["energy_j"][0], t["area_m2"][0])
    assert out["survey"][0] < out["isaac"][0] < out["survey-fit"][0]
    assert out["survey"][1] == pytest.approx(out["survey-fit"][1])
    assert CrossbarModel().param("adc_model") == "survey-fit"


def test_neurosim_sar_energy_source_point():
    """NeuroSim V1.3 SarADC.cpp (32 nm HP) at 8 bits and a 10 kohm column read at 0.5 V: 0.214 pJ,
    hand-computed as (1.0157*8 + 7.6286) uW + 0.083709 W * exp(-2.313*4) over 9 ns."""
    from costmodels.cim.adc import neurosim_sar_energy

    assert float(neurosim_sar_energy(np.float64(8.0), np.float64(1e4))) == pytest.approx(2.1398e-13, rel=1e-3)


def test_neurosim_sar_preset_in_model():
    """adc_model=neurosim-sar: ADC energy = conversions x NeuroSim's per-conversion energy of a column
    of min(rows, K) active cells; taller arrays (lower column resistance) cost more per conversion."""
    from costmodels.cim import CrossbarModel
    from costmodels.cim.adc import neurosim_sar_energy
    from costmodels.cim.presets import constant
    from workloads import WorkloadBuilder

    b = WorkloadBuilder("fc", (512,))
    b.linear(b.input, 64)
    w = b.build()
    m = CrossbarModel(adc_model="neurosim-sar")
    out = m.evaluate(w, m.space.design({"rows": [64, 256], "adc_bits": [6, 6]})).numpy().totals
    g_mean = 0.5 * (1 / constant("r_on") + 1 / constant("r_off"))
    for i, rows in enumerate((64, 256)):
        e = neurosim_sar_energy(6.0, 1.0 / (rows * constant("input_activity") * g_mean))
        assert out["energy_adc_j"][i] == pytest.approx(out["adc_conversions"][i] * e, rel=1e-12)
    per = out["energy_adc_j"] / out["adc_conversions"]
    assert per[1] > per[0]
