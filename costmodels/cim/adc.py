"""ADC energy and area per conversion, written for any array namespace ``xp``.

* :func:`survey_energy` — the Murmann ADC-survey bound as used by Accelergy's ADC plug-in
  (``adc_data/model.yaml`` + ``model.py``, [Accelergy19; MurmannADC]):
  ``FOM_S <= min(180.14, 302.74 - 6.4608 ln f_s)`` dB and
  ``E_conv = 0.5 * 10^((6.02 N + 1.76 - FOM_S) / 10)`` J (Schreier FOM with bandwidth f_s / 2).
  It is the best-in-class envelope; real CiM ADCs sit one to two orders above it.
* :func:`isaac_energy`, :func:`isaac_area` — the ISAAC (ISCA'16) 8-bit 1.2 GS/s SAR ADC
  (Kull, ISSCC'13) and its 4–10 bit scalings (Saberi 2011), as tabulated in
  ``hwcomponents-library`` ``isaac.py``; outside 4–10 bits the table is extended by a factor 2
  per bit (the ``pow_base(2)`` rule of the same library).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dse.xp import constant as xconst

from .presets import constant

__all__ = ["MAX_BITS", "isaac_area", "isaac_energy", "survey_energy", "survey_fom", "table_by_bits"]

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
