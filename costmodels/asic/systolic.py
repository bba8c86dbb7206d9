"""SCALE-Sim's compute-cycle count for one GEMM on an R x C systolic array, in closed form.

Read from SCALE-Sim 3.0.0 (``scalesim/compute/systolic_compute_{os,ws,is}.py``; repository
scalesim-project/scale-sim-v3) and checked against live runs (``tests/asic``). A layer lowered
to GEMM has an operand matrix ``ifmap`` of shape ``M x K`` (output pixels x conv window) and
``filter`` of shape ``K x N`` (window x filters). Each dataflow maps two of the three dimensions
onto the array (``S_R`` rows, ``S_C`` columns) and streams the third (``T``) in time:

==========  =====  =====  =====  ============================
dataflow    S_R    S_C    T      cycles per fold
==========  =====  =====  =====  ============================
os          M      N      K      ``R + C + T - 2``
ws          K      N      M      ``2R + C + T - 2``
is          K      M      N      ``2R + C + T - 2``
==========  =====  =====  =====  ============================

``folds = ceil(S_R / R) * ceil(S_C / C)``. The per-fold counts are the lengths of SCALE-Sim's
skewed demand matrices: OS streams ``T`` operand rows plus ``C - 1`` drain rows and a skew of
``R - 1``; WS/IS first spend ``R`` cycles loading the stationary operand. SCALE-Sim reports
"Total Cycles" as the cycle index of the last output write, i.e. ``folds * per_fold - 1`` when
there are no memory stalls ([ScaleSim3; scalesim 3.0.0]: 108,359 reported vs 36 * 3010 = 108,360). A batch of
``B`` independent products (conv groups: SCALE-Sim's ``DP`` depthwise mode runs one layer per
channel) costs ``B * (folds * per_fold - 1)``.
"""

from __future__ import annotations

import math

__all__ = ["DATAFLOWS", "fold_dims", "gemm_cycles", "gemm_sram_accesses"]

DATAFLOWS = ("os", "ws", "is")


def fold_dims(m: int, k: int, n: int, dataflow: str) -> tuple[int, int, int]:
    """``(S_R, S_C, T)`` of a GEMM ``(M x K) @ (K x N)`` for a dataflow (table above)."""
    if dataflow == "os":
        return m, n, k
    if dataflow == "ws":
        return k, n, m
    if dataflow == "is":
        return k, m, n
    from dse.errors import DseInputError

    raise DseInputError("dataflow", dataflow, "one of " + ", ".join(DATAFLOWS))


def gemm_cycles(m: int, k: int, n: int, rows: int, cols: int, dataflow: str, batch: int = 1) -> int:
    """SCALE-Sim 3.0.0 "Total Cycles" (no stalls) of ``batch`` products on a rows x cols array.

    >>> gemm_cycles(54 * 54, 3 * 3 * 64, 64, 32, 32, "ws")   # [ScaleSim3; scalesim 3.0.0]: 56x56x64 3x3 -> 108,359
    108359
    """
    sr, sc, t = fold_dims(m, k, n, dataflow)
    folds = math.ceil(sr / rows) * math.ceil(sc / cols)
    per_fold = rows + cols + t - 2 + (0 if dataflow == "os" else rows)
    return batch * (folds * per_fold - 1)


def gemm_sram_accesses(m: int, k: int, n: int, rows: int, cols: int, dataflow: str) -> dict[str, int]:
    """SRAM words read/written by the array for one product, as SCALE-Sim's demand matrices count
    them (``ifmap_reads``, ``filter_reads``, ``ofmap_writes`` of ``systolic_compute_*``).

    The stationary operand is read once; a streamed operand is re-read once per fold of the
    dimension it does not depend on. SCALE-Sim's OS ``ofmap_writes`` additionally adds
    ``R + C`` per fold (a bookkeeping line in ``create_ofmap_demand_mat``); it is reported here as
    ``ofmap_writes_scalesim`` and left out of the energy model.
    """
    sr, sc, _ = fold_dims(m, k, n, dataflow)
    fr, fc = math.ceil(sr / rows), math.ceil(sc / cols)
    if dataflow == "os":
        out = {"ifmap_reads": m * k * fc, "filter_reads": k * n * fr, "ofmap_writes": m * n}
        out["ofmap_writes_scalesim"] = m * n + fr * fc * (rows + cols)
        return out
    if dataflow == "ws":
        out = {"ifmap_reads": m * k * fc, "filter_reads": k * n, "ofmap_writes": m * n * fr}
    else:
        out = {"ifmap_reads": m * k, "filter_reads": k * n * fc, "ofmap_writes": m * n * fr}
    out["ofmap_writes_scalesim"] = out["ofmap_writes"]
    return out

