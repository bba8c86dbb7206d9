"""Non-linear operator units of the transformer accelerator: softmax, LayerNorm, GELU.

Each physical pipeline stage that holds the operator gets one unit of ``nl_lanes`` lanes (elements
per clock). The units stream next to the stage's MAC array (row-level dataflow: softmax between
``QK^T`` and ``A.V``, GELU between the two feed-forward linears, LayerNorm after the attention output
projection and after the feed-forward block), so a stage's per-request time is
``max(t_mac, t_prefilter, t_nonlinear, t_weights)`` where ``t_nonlinear`` is the busiest unit's
time; each unit adds its pipeline depth once per request (fill).

Integer arithmetic follows I-BERT ([IBERT21], Sec. 3.4-3.6): ``exp`` by range reduction
``x = -z ln2 + p`` and a second-order polynomial (i-exp), GELU by a second-order polynomial of
``erf`` (i-GELU), the inverse square root by Newton iterations (i-sqrt); the softmax reciprocal by
Newton-Raphson ``r <- r (2 - s r)`` from a LUT seed. Per lane and per element:

=========  ===========================================  ==========  ===============  ========
unit       datapath per lane                            DSP/lane    passes/element   shared
=========  ===========================================  ==========  ===============  ========
softmax    max compare; i-exp (2 mult); sum; x * 1/sum  3           2 (exp+sum,      reciprocal
                                                                    normalise)       4 DSP, 1 BRAM18 seed
LayerNorm  sum x, sum x^2 (1 mult); (x-mu)*r*g + b      3           2 (stats,        i-sqrt
           (2 mult)                                                 normalise)       4 DSP, 1 BRAM18 seed
GELU       i-GELU: clip, square, *a, x*(1+erf) (3 mult) 3           1                -
=========  ===========================================  ==========  ===============  ========

Multiplies are 16-bit (one DSP48E2 each, 27x18). Softmax passes over the ``E(L)`` kept scores of a
row (``L`` dense, ``min(k, L)`` sparse), LayerNorm over ``d`` features of a token, GELU over the
FFN width. LUTs per lane (comparators, adders, muxes, control) and pipeline depths are assumed
counts [M: sized by hand, not from a synthesis run]; DSP counts follow the multiplies above.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["UNITS", "Unit", "unit_elements", "OPERATOR_ROWS"]


@dataclass(frozen=True)
class Unit:
    """Cost of one non-linear unit: per lane, shared per unit, passes over each element."""

    name: str
    dsp_per_lane: float
    lut_per_lane: float
    bram36_per_lane: float
    dsp_shared: float
    lut_shared: float
    bram36_shared: float
    passes: float          # reads of each element (cycles per element per lane)
    depth_cycles: float    # pipeline depth, paid once per request per stage [M]
    mults_per_element: float  # 16-bit multiplies per element (energy)


UNITS: dict[str, Unit] = {
    # softmax: 3 mult/lane (i-exp range reduction + square, normalise); reciprocal shared per row
    "softmax": Unit("softmax", 3.0, 180.0, 0.0, 4.0, 400.0, 0.5, 2.0, 24.0, 3.0),
    # LayerNorm: x^2, (x-mu)*rstd, *gamma (+beta in the DSP post-adder); i-sqrt shared per token
    "layernorm": Unit("layernorm", 3.0, 160.0, 0.0, 4.0, 400.0, 0.5, 2.0, 30.0, 3.0),
    # GELU (i-GELU polynomial): square, *a, x*(1 + erf)
    "gelu": Unit("gelu", 3.0, 120.0, 0.0, 0.0, 100.0, 0.0, 1.0, 9.0, 3.0),
}

#: per-operator rows appended to the model's per-layer metrics (besides the stages)
OPERATOR_ROWS = ("op.mac_array", "op.prefilter", "op.softmax", "op.layernorm", "op.gelu", "op.weights",
                 "op.buffers")


def unit_elements(xp: Any, stages: Any, lengths: Any, kept: Any) -> dict[str, Any]:
    """Elements each unit processes per request, per logical stage and length: ``(N, S, Q)``.

    ``stages`` is the :class:`~costmodels.fpga.lowering.StageTable`; ``lengths`` ``(Q,)``;
    ``kept`` ``(N, Q)`` the scores kept per query row (``L`` dense, ``min(k, L)`` sparse).
    """
    c = lambda col: xp.asarray(col, dtype=xp.float64)[None, :, None]  # noqa: E731
    L = lengths[None, None, :]
    return {"softmax": c(stages.smax) * L * kept[:, None, :],
            "layernorm": c(stages.ln_tok) * L + 0.0 * kept[:, None, :],
            "gelu": c(stages.act_tok) * L + c(stages.act_const) + 0.0 * kept[:, None, :]}

