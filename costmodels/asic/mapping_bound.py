"""Lower bounds of a spatial unrolling's best cost, for the exact branch and bound of the search.

For one spatial unrolling ``s`` (the temporal loops still free), every temporal order and memory
allocation of :func:`.mapping.evaluate_mappings` costs at least (pJ, cycles):

* **MAC energy**: the layer's MACs x the MAC energy (order-independent);
* **innermost output level**: every temporal iteration drains the per-PE partial sums into the
  output's innermost memory, ``g x prod(t)`` writes of which ``g x prod(t_rel)`` final ones, and
  ``g x (prod(t) - prod(t_rel))`` read-modify-write reads (order-independent in the counts of
  :mod:`.mapping`);
* **innermost weight and input levels**: the tile of the MAC level is re-read at least once per
  relevant temporal iteration, ``g x prod(t_rel)`` (the stationarity rule only removes irrelevant
  loops); for inputs, times the smallest halo saving ``foot(tile x f) / (f foot(tile))`` of one
  sliding loop (``OY/OX/FY/FX``, ``f`` any divisor of its temporal bound), since only the first
  relevant loop above the tile slides;
* **compulsory top-level traffic**: every input and weight element is read once and every output
  written once at its final precision from the operand's outermost memory when that memory is not
  also its innermost (then the innermost term above already counts it);
* **cycles** >= the temporal iterations ``prod(t)`` (stalls, on-load and write-back are >= 0; a
  systolic array adds at least one fold's fill/drain), and >= the compulsory traffic of each
  operand's outermost memory through its ports (the roofline part of the stall rule).

Each term is a minimum of a non-negative term of the evaluator's sum, so the bound never exceeds
the cost of any candidate of the unrolling; :func:`.mapping_search.search_layer` skips an
unrolling whose bound exceeds the best cost found so far, which leaves the optimum (and its
tie-breaking by candidate order) exactly that of the exhaustive search (``tests/asic``).
"""

from __future__ import annotations

import numpy as np

from .arch import Arch
from .mapping import FX, FY, OX, OY, Layer7, footprint

__all__ = ["group_bounds"]

_SLIDING = (OY, OX, FY, FX)

#: relative slack so that rounding in a different evaluation order never prunes the optimum
_SLACK = 1e-9


def group_bounds(layer: Layer7, arch: Arch, spats: np.ndarray, mac_pj: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower bounds (energy pJ, cycles) of the best mapping of each unrolling ``spats`` (S, A, 7)."""
    dims = np.asarray(layer.dims, dtype=np.float64)
    s_all = spats.prod(axis=1)  # (S, 7)
    rest = np.ceil(dims[None, :] / s_all)  # temporal bound per dimension
    total = rest.prod(axis=1)
    per_axis = spats.prod(axis=2)  # (S, A)
    mems = arch.memories
    n_s = len(spats)
    energy = np.full(n_s, float(np.prod(layer.dims)) * mac_pj)
    top_rd = [0.0] * len(mems)  # compulsory traffic at each operand's outermost memory (bits)
    top_wr = [0.0] * len(mems)
    for op in ("I", "W", "O"):
        chain = arch.chain(op)
        i0, top = chain[0], chain[-1]
        m0 = mems[i0]
        served = list(m0.served_dims)
        ext = spats[:, served, :].prod(axis=1) if served else np.ones((n_s, 7))
        unserved = [a for a in range(len(arch.sizes)) if a not in m0.served_dims]
        inst = per_axis[:, unserved].prod(axis=1) if unserved else np.ones(n_s)
        g = footprint(layer, op, ext) * inst  # elements of the MAC-level tile seen by the memory
        rel = np.prod(rest[:, list(layer.relevant(op))], axis=1)
        if op == "O":
            b_ps, b_fin = arch.bits["O"], arch.bits["O_final"]
            wr = g * (total - rel) * b_ps + g * rel * b_fin
            rd = g * (total - rel) * b_ps
            energy += wr * m0.w_pj_per_bit + rd * m0.r_pj_per_bit
        else:
            slide = _slide_ratio(layer, ext, rest) if op == "I" else 1.0
            energy += g * rel * slide * arch.bits[op] * m0.r_pj_per_bit
        full = float(footprint(layer, op, np.asarray(layer.dims, dtype=np.float64)))
        if op == "O":
            top_wr[top] += full * arch.bits["O_final"]
        else:
            top_rd[top] += full * arch.bits[op]
        if top != i0:
            if op == "O":
                energy += full * arch.bits["O_final"] * mems[top].w_pj_per_bit
            else:
                energy += full * arch.bits[op] * mems[top].r_pj_per_bit
    cycles = total.copy()
    if arch.systolic:
        r = arch.sizes[0]
        c = arch.sizes[1] if len(arch.sizes) > 1 else 1
        cycles += (r + c - 2 if arch.systolic == "os" else 2 * r + c - 2) - 1.0
    for m, rd, wr in zip(mems, top_rd, top_wr):  # cycles >= each memory's busy time (roofline)
        busy = (rd + wr) / m.r_bw if m.rw_port else max(rd / m.r_bw, wr / m.w_bw)
        cycles = np.maximum(cycles, busy)
    return energy * (1 - _SLACK), cycles * (1 - _SLACK)


def _slide_ratio(layer: Layer7, ext: np.ndarray, rest: np.ndarray) -> np.ndarray:
    """Per unrolling, the smallest ``foot(e with dim d x f) / (f foot(e))`` over the sliding
    dimensions ``d`` and the divisors ``f > 1`` of ``rest[d]`` (1 when none can slide)."""
    base = footprint(layer, "I", ext)
    out = np.ones(len(ext))
    lkey = layer.key()
    for k in range(len(ext)):
        key = (lkey, ext[k].tobytes(), tuple(int(rest[k, d]) for d in _SLIDING), float(base[k]))
        hit = _SLIDE.get(key)
        if hit is None:  # the same unrolling recurs across hardware points: computed once
            hit = 1.0
            for d in _SLIDING:
                r = int(rest[k, d])
                for f in range(2, r + 1):
                    if r % f:
                        continue
                    e = ext[k].copy()
                    e[d] *= f
                    hit = min(hit, float(footprint(layer, "I", e)) / (f * base[k]))
            if len(_SLIDE) >= 1 << 16:
                _SLIDE.clear()
            _SLIDE[key] = hit
        out[k] = hit
    return out


#: memo of :func:`_slide_ratio` per (layer shape, extents, sliding rests, base footprint)
_SLIDE: dict[tuple, float] = {}
