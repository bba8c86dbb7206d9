"""ADC energy and area per conversion, written for any array namespace ``xp``.

* :func:`survey_energy` — the Murmann ADC-survey bound as used by Accelergy's ADC plug-in
  (``adc_data/model.yaml`` + ``model.py``, [Accelergy19; MurmannADC]):
  ``FOM_S <= min(180.14, 302.74 - 6.4608 ln f_s)`` dB and
  ``E_conv = 0.5 * 10^((6.02 N + 1.76 - FOM_S) / 10)`` J (Schreier FOM with bandwidth f_s / 2).
  It is the best-in-class envelope; real CiM ADCs sit one to two orders above it.
* :func:`typical_energy` — a fit of *typical* designs of the same survey (Murmann, ADC
  Performance Survey 1997-2025, rev. 2025-06-09, ``data/adc_survey.csv``: the Nyquist converters of
  its ISSCC and VLSI sheets): least squares on the 256 CMOS designs published since 2010,
  ``log10 E = c0 + c1 ENOB + c2 log10 f_snyq`` with ``ENOB = (SNDR - 1.76) / 6.02`` and
  ``E = P / f_snyq`` (:func:`survey_fit`). It is the geometric mean of published designs at a given
  resolution and rate, 16x above the bound at 8 bits and 1.2 GS/s (13.6 pJ vs 0.84 pJ) and 8x
  ISAAC's ADC (1.67 pJ), with a residual spread of 0.68 decades (a factor 4.7, one standard
  deviation). The model takes ``adc_bits`` as the ENOB (a real N-bit ADC has ENOB < N, so this is
  optimistic by ~1 bit, x1.8). Below ~4 bits it is an extrapolation (few such designs). The Walden figure of merit ``E / 2^ENOB`` of
  the same designs has median :func:`survey_fit` ``.walden_fom_j``.
* :func:`isaac_energy`, :func:`isaac_area` — the ISAAC (ISCA'16) 8-bit 1.2 GS/s SAR ADC
  (Kull, ISSCC'13) and its 4–10 bit scalings (Saberi 2011), as tabulated in
  ``hwcomponents-library`` ``isaac.py``; outside 4–10 bits the table is extended by a factor 2
  per bit (the ``pow_base(2)`` rule of the same library).
* :func:`neurosim_sar_energy` — DNN+NeuroSim V1.3's SAR ADC at 32 nm (HP roadmap, 300 K)
  [NeuroSimV13] (``Inference_pytorch/NeuroSIM/SarADC.cpp``, ``GetColumnPower``, a fit to Cadence
  simulations by the NeuroSim authors): column power
  ``P = (1.0157 N + 7.6286) uW + 0.083709 W exp(-2.313 log10(R_col 0.5 V / V_read))`` over
  ``(N + 1) x 1 ns``, so the energy depends on the column's equivalent resistance ``R_col``
  (lower resistance, more current, more energy) and not on ``adc_rate``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from dse.xp import constant as xconst

from .presets import DATA_DIR, constant

__all__ = ["MAX_BITS", "SurveyFit", "isaac_area", "isaac_energy", "neurosim_sar_energy", "survey_energy",
           "survey_fit", "survey_fom",
           "table_by_bits", "typical_energy"]

#: the largest ADC/DAC resolution the lookup tables cover
MAX_BITS = 16


def survey_fom(rate_hz: Any, xp: Any = np) -> Any:
    """Best achievable Schreier figure of merit (dB) at sampling rate ``rate_hz``."""
    a, b, cap = constant("fom_a_db"), constant("fom_b_db"), constant("fom_cap_db")
    rate = rate_hz if hasattr(rate_hz, "dtype") else xp.asarray(rate_hz, dtype=xp.float64)
    return xp.minimum(a - b * xp.log(rate), xp.full_like(rate, cap))


def survey_energy(bits: Any, rate_hz: Any, xp: Any = np) -> Any:
    """Energy per conversion (J) on the survey bound for ``bits`` resolution at ``rate_hz``."""
    fom = survey_fom(rate_hz, xp)
    return 0.5 * 10.0 ** ((6.02 * bits + 1.76 - fom) / 10.0)


@dataclass(frozen=True)
class SurveyFit:
    """Least-squares fit of typical ADC energy per conversion (J) on the survey's designs.

    ``log10 E = c0 + c1 ENOB + c2 log10 f_snyq``; ``resid_dex`` is the residual standard deviation
    in decades, ``n`` the designs used, ``walden_fom_j`` their median Walden FOM (J/conv-step).
    """

    c0: float
    c1: float
    c2: float
    resid_dex: float
    n: int
    walden_fom_j: float
    min_year: int


@lru_cache(maxsize=4)
def survey_fit(min_year: int = 2010) -> SurveyFit:
    """Fit :class:`SurveyFit` on the CMOS Nyquist designs of ``data/adc_survey.csv`` from ``min_year``."""
    enob, rate, energy = [], [], []
    with open(DATA_DIR / "adc_survey.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            if int(row["year"]) < min_year or row["process"] != "CMOS":
                continue
            enob.append((float(row["sndr_db"]) - 1.76) / 6.02)
            rate.append(float(row["fsnyq_hz"]))
            energy.append(float(row["p_w"]) / float(row["fsnyq_hz"]))
    e, r, le = np.asarray(enob), np.log10(rate), np.log10(energy)
    x = np.column_stack([np.ones_like(e), e, r])
    coef, *_ = np.linalg.lstsq(x, le, rcond=None)
    resid = le - x @ coef
    walden = float(np.median(np.asarray(energy) / 2.0 ** e))
    return SurveyFit(float(coef[0]), float(coef[1]), float(coef[2]), float(resid.std(ddof=3)), int(e.size),
                     walden, int(min_year))


def typical_energy(bits: Any, rate_hz: Any, xp: Any = np) -> Any:
    """Energy per conversion (J) of a typical published ADC of ``bits`` ENOB at ``rate_hz``."""
    f = survey_fit()
    rate = rate_hz if hasattr(rate_hz, "dtype") else xp.asarray(rate_hz, dtype=xp.float64)
    return 10.0 ** (f.c0 + f.c1 * bits + f.c2 * xp.log10(rate))


def table_by_bits(prefix: str) -> np.ndarray:
    """``constant(prefix + str(b))`` for b = 4..10 extended by x2 per bit to indices 0..MAX_BITS."""
    known = {b: constant(f"{prefix}{b}") for b in range(4, 11)}
    out = np.empty(MAX_BITS + 1)
    for b in range(MAX_BITS + 1):
        if b < 4:
            out[b] = known[4] * 2.0 ** (b - 4)
        elif b > 10:
            out[b] = known[10] * 2.0 ** (b - 10)
        else:
            out[b] = known[b]
    return out


def _lookup(prefix: str, bits: Any, xp: Any, like: Any) -> Any:
    table = xconst(xp, table_by_bits(prefix), like=like)
    idx = xp.astype(xp.clip(bits, 0, MAX_BITS), xp.int64)
    return xp.take(table, idx, axis=0)


def isaac_energy(bits: Any, xp: Any = np, like: Any = None) -> Any:
    """ISAAC-family SAR ADC energy per conversion (J) at 1.2 GS/s, by resolution."""
    return _lookup("isaac_adc_e", bits, xp, like)


def isaac_area(bits: Any, xp: Any = np, like: Any = None) -> Any:
    """ISAAC-family SAR ADC area (m^2), by resolution."""
    return _lookup("isaac_adc_a", bits, xp, like)


def neurosim_sar_energy(bits: Any, column_ohm: Any, xp: Any = np) -> Any:
    """Energy per conversion (J) of NeuroSim V1.3's 32 nm SAR ADC [NeuroSimV13] at ``bits`` and a
    column of equivalent resistance ``column_ohm`` (ohm) read at ``v_read``."""
    r = column_ohm * (0.5 / constant("v_read"))  # NeuroSim's fit is at 0.5 V read voltage
    power = constant("neurosim_sar_p_bit") * bits + constant("neurosim_sar_p0") \
        + constant("neurosim_sar_pc") * xp.exp(-constant("neurosim_sar_k") * xp.log10(r))
    return power * (bits + 1.0) * constant("neurosim_sar_t_bit")
