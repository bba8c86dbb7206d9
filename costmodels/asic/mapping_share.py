"""Sharing an energy-objective mapping search across hardware points that differ only in the
outermost memory's bandwidth (exact).

Energy and capacity feasibility do not depend on that bandwidth (only cycles do, through stalls,
on-load and write-back). The first search of a layer on such a family keeps every feasible
candidate within ``WINDOW`` (relative) of the best energy; a later point of the family evaluates
only that shortlist. The winner of the energy objective, ``energy x (1 + 1e-12 cycles)`` then the
lowest candidate index, lies in the shortlist whenever ``1e-12 x cycles`` of the winner is below
half the window, which is checked (else the caller searches in full); the result equals the
exhaustive search's (``tests/asic/test_mapping_prune.py``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from .arch import Arch
from .mapping import Layer7, evaluate_mappings

__all__ = ["SHORT", "WINDOW", "bw_free", "clear_shortlists", "from_shortlist", "shortlist"]

#: relative energy window of the shortlists
WINDOW = 1e-3
#: shortlists per (layer, architecture without the outermost bandwidth, search options)
SHORT: dict[tuple, Any] = {}


def clear_shortlists() -> None:
    SHORT.clear()


def bw_free(arch: Arch) -> Arch:
    """``arch`` with the outermost memory's bandwidth normalised to 1 bit/cycle at the same energy
    per bit (rounded to 12 digits so that equal per-bit costs share): what an energy search sees."""
    top = arch.memories[-1]
    norm = replace(top, r_bw=1.0, w_bw=1.0, r_cost_pj=float(f"{top.r_pj_per_bit:.12g}"),
                   w_cost_pj=float(f"{top.w_pj_per_bit:.12g}"))
    return replace(arch, memories=arch.memories[:-1] + (norm,))


def shortlist(parts: list, best_e: float, res: Any) -> tuple:
    """The candidates of ``parts`` ((sp, tdim, tfac, index, energy) per chunk) within ``WINDOW`` of
    ``best_e``, padded to one loop count, with the full search's result; or the infeasible result."""
    from .mapping_search import _pad

    if not res.feasible:
        return ("infeasible", res)
    t = max(p[1].shape[1] for p in parts if len(p[3]))
    sp, td, tf, idx = [], [], [], []
    for s, d, f, i, e in parts:
        ok = e <= best_e * (1 + WINDOW)
        if ok.any():
            d2, f2 = _pad(d[ok], f[ok], t)
            sp.append(s[ok])
            td.append(d2)
            tf.append(f2)
            idx.append(i[ok])
    return ("ok", np.concatenate(sp), np.concatenate(td), np.concatenate(tf), np.concatenate(idx), res)


def from_shortlist(layer: Layer7, arch: Arch, entry: tuple) -> Any:
    """The energy search's :class:`~.mapping_search.LayerResult` on ``arch`` from a shortlist of its
    family, or ``None`` when the window check fails (search in full)."""
    from .mapping_search import LayerResult, _score, mapping_text

    if entry[0] == "infeasible":
        res = entry[1]
        return LayerResult(res.metrics, res.text, False, res.reason, 0, res.candidates)
    _, sp, td, tf, idx, res0 = entry
    out = evaluate_mappings(layer, arch, sp, td, tf)
    score = _score(out, "energy")
    m = score.min()
    i = int(np.flatnonzero(score == m)[np.argmin(idx[score == m])])
    if not np.isfinite(m) or 1e-12 * out["cycles"][i] >= WINDOW / 2:
        return None
    metrics = {k: float(v[i]) for k, v in out.items() if np.ndim(v[i]) == 0 and k != "feasible"}
    return LayerResult(metrics, mapping_text(arch, sp[i], td[i], tf[i], out["bounds"][i]), True, "", len(td),
                       res0.candidates)
