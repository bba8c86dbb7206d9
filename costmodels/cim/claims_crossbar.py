"""Peer claims of the functional crossbar (:mod:`.crossbar_sim`) against aihwkit 1.1.0.

Each :data:`~.peer_crossbar.CASES` entry runs the same weights and inputs through aihwkit's
``TorchInferenceRPUConfig`` tile (DAC ``inp_res``, ADC ``out_res``/``out_bound``, noise off) and
through ``CrossbarSim`` configured as that tile (see :mod:`.peer_crossbar`). Two numbers per case:
the ratio of the two matrix-vector errors against the exact product (reference 1, relative
tolerance 2e-3: both round to the same grid and only float32 ties may differ; over 6 seeds x 4
cases at most one output in 2,048 flipped by one ADC step, moving the error norm by <= 0.08 %) and the share of
outputs on which they differ by half an ADC step or more (reference 0, at most 1 %).
Command: ``python -m costmodels.cim.peer_crossbar``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from dse.claims import Claim

from .peer_crossbar import CASES

__all__ = ["CLAIMS"]

_SOURCE = ("aihwkit 1.1.0 TorchInferenceRPUConfig, AnalogLinear eval forward with forward.inp_res/out_res/"
           "out_bound set, noise and bound management off; python -m costmodels.cim.peer_crossbar")


@lru_cache(maxsize=1)
def _results() -> tuple[dict[str, Any], ...]:
    from .peer_crossbar import compare

    return tuple(compare(0))


def _case_claims(i: int) -> list[Claim]:
    adc, dac, bound, rows = CASES[i]
    tag = f"adc{adc}-dac{dac}-rows{rows}"
    what = f"{rows}-row tile, {adc}-bit ADC over +-{bound:g}, {dac}-bit DAC"
    return [
        Claim(id=f"cim.crossbar.aihwkit.{tag}.error_ratio", family="cim",
              what=f"MVM error vs exact, CrossbarSim / aihwkit ({what})", reference=1.0, unit="1",
              source=_SOURCE, kind="peer", requires=("aihwkit", "torch"), rel_tol=2e-3, slow=True,
              compute=lambda: _results()[i]["rel_err_ours"] / _results()[i]["rel_err_aihwkit"]),
        Claim(id=f"cim.crossbar.aihwkit.{tag}.outputs_off", family="cim",
              what=f"share of outputs differing by >= half an ADC step ({what})", reference=0.0, unit="1",
              source=_SOURCE, kind="peer", requires=("aihwkit", "torch"), abs_tol=0.01, slow=True,
              compute=lambda: _results()[i]["share_off_by_lsb"]),
    ]


CLAIMS: list[Claim] = [c for i in range(len(CASES)) for c in _case_claims(i)]
