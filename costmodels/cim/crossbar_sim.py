"""Functional crossbar simulator: a matrix product computed the way a CiM crossbar computes it.

The cost model (:mod:`.model`) prices ``cell_bits``, ``dac_bits``, ``adc_bits`` and ``rows``; this
module makes the same knobs change the *numbers* a layer computes, so accuracy and cost come from
one crossbar description (the bit-sliced dataflow of ISAAC [ISAAC16, Sec. IV] and NeuroSim
[NeuroSim21]):

1. weights are quantised to ``weight_bits`` magnitude bits (sign by a differential pair) and
   sliced into ``S = ceil(weight_bits / cell_bits)`` cells of ``cell_bits`` each;
2. inputs are quantised to ``input_bits`` (unsigned; a signed input is run as its positive and
   negative parts) and applied ``dac_bits`` at a time, ``T = ceil(input_bits / dac_bits)`` steps
   (``dac_bits = 1``: bit-serial);
3. each array sums at most ``rows`` inputs in the analog domain: one partial sum per
   (input step, weight slice, row tile, output column), the positive and negative columns of the
   differential pair subtracted before conversion;
4. the ADC quantises every partial sum with ``adc_bits`` (``0`` = ideal) over a range set by the
   policy: ``full`` = the largest possible partial sum ``rows (2^dac_bits - 1)(2^cell_bits - 1)``;
   ``calibrated`` = ``adc_clip`` x the largest partial sum seen in the call (clipping above);
5. digital shift-and-add recombines slices, input steps and row tiles.

IR drop (first order in ``g_on r_wire``): physical columns are laid out output by output, slice by
slice, the positive and negative column of a pair side by side, ``cols`` per array; inputs drive
the word lines from column 0 and sense amplifiers sit at row 0 of each ``rows``-row tile. A bit-line
segment below row ``m`` carries the currents of all cells at rows ``>= m``; summing the segment
drops up to row ``i`` and keeping first-order terms, the drop seen by cell ``i`` is linear in the
inputs and the cell's current is scaled by ``1 - r H_bl(i)`` with
``H_bl(i) = sum_{m <= i} sum_{i' >= m} g(i')`` (a double cumulative sum of the column's
conductances); the word line gives the same form along the row, ``H_wl(j) = sum_{m <= j}
sum_{j' >= m} g(j')``. So, to first order, IR drop is a weight-dependent conductance factor
``max(0, 1 - r (H_bl + H_wl))`` that grows as the square of the array size (the quadratic
dependence along a line that aihwkit's ``ir_drop`` also models). It neglects the second-order
coupling (drops lowering the currents that cause them), so it *overestimates* large drops: against
the exact network (:mod:`.irdrop`, checked with ngspice) the deficit is 2.5 % high at 64 x 64 and
10 % high at 128 x 128 (NeuroSim's 100 kohm on-state, 1.6 ohm per pitch), 38 % high at 256 x 256.
Cell conductance is ``g_on`` times the cell's digit over ``2^cell_bits - 1`` (``g_off`` = 0).

Every function runs on numpy or torch arrays with the same lines (array-API). In torch the result
carries the gradient of the exact product (straight-through over all the quantisers), so
noise-aware training sees the crossbar's forward numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from dse.errors import DseInputError
from dse.xp import is_torch, namespace

from . import fastxbar

__all__ = ["ADC_RANGES", "CrossbarSim", "crossbar_matmul", "ir_drop_factor"]

ADC_RANGES = ("full", "calibrated")


def _int_in(field: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= int(value) <= high:
        raise DseInputError(field, value, f"an integer in [{low}, {high}]")
    return int(value)


@dataclass(frozen=True)
class CrossbarSim:
    """The crossbar knobs that change what a layer computes (see the module docstring).

    ``r_wire_ohm``: wire resistance per cell pitch (ohm, 0 = no IR drop); ``g_on_s``: cell
    on-conductance (S; 1e-4 = a 10 kohm low-resistance state); ``cols``: physical columns per
    array (the word-line length).
    """

    rows: int = 128
    cols: int = 128
    cell_bits: int = 2
    weight_bits: int = 8
    input_bits: int = 8
    dac_bits: int = 1
    adc_bits: int = 8
    adc_range: str = "full"
    adc_clip: float = 1.0
    r_wire_ohm: float = 0.0
    g_on_s: float = 1e-4
    adc_top: float = 0.0
    x_top: float = 0.0

    def __post_init__(self) -> None:
        _int_in("rows", self.rows, 1, 4096)
        _int_in("cols", self.cols, 1, 4096)
        _int_in("cell_bits", self.cell_bits, 1, 8)
        _int_in("weight_bits", self.weight_bits, 1, 16)
        _int_in("input_bits", self.input_bits, 1, 16)
        _int_in("dac_bits", self.dac_bits, 1, 16)
        _int_in("adc_bits", self.adc_bits, 0, 16)
        if self.adc_range not in ADC_RANGES:
            raise DseInputError("adc_range", self.adc_range, "one of " + ", ".join(ADC_RANGES))
        if not (math.isfinite(self.adc_clip) and 0 < self.adc_clip <= 1):
            raise DseInputError("adc_clip", self.adc_clip, "a fraction in (0, 1]")
        if not (math.isfinite(self.r_wire_ohm) and self.r_wire_ohm >= 0):
            raise DseInputError("r_wire_ohm", self.r_wire_ohm, "a resistance >= 0 ohm")
        if not (math.isfinite(self.g_on_s) and self.g_on_s > 0):
            raise DseInputError("g_on_s", self.g_on_s, "a conductance > 0 S")
        for name in ("adc_top", "x_top"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise DseInputError(name, v, "a range >= 0 (0 = set from the call)")

    @property
    def slices(self) -> int:
        return -(-self.weight_bits // self.cell_bits)

    @property
    def steps(self) -> int:
        return -(-self.input_bits // self.dac_bits)

    @property
    def full_scale(self) -> float:
        """Largest partial sum one column can produce (in cell-digit x input-digit units)."""
        return float(self.rows * (2 ** self.dac_bits - 1) * (2 ** self.cell_bits - 1))



def ir_drop_factor(g: np.ndarray, sim: CrossbarSim) -> np.ndarray:
    """First-order IR-drop conductance factor of every cell (see the module docstring).

    ``g``: (..., K, C) conductances in units of ``g_on`` (rows = inputs, C physical columns in
    layout order); returns the factor, same shape, in [0, 1].
    """
    k, c = g.shape[-2], g.shape[-1]
    tiles, arrays = -(-k // sim.rows), -(-c // sim.cols)
    gp = np.zeros((*g.shape[:-2], tiles * sim.rows, arrays * sim.cols))
    gp[..., :k, :c] = g
    bl = gp.reshape(*g.shape[:-2], tiles, sim.rows, arrays * sim.cols)
    h_bl = np.cumsum(np.flip(np.cumsum(np.flip(bl, -2), -2), -2), -2)  # sum_{m<=i} sum_{i'>=m}
    wl = gp.reshape(*g.shape[:-2], tiles * sim.rows, arrays, sim.cols)
    h_wl = np.cumsum(np.flip(np.cumsum(np.flip(wl, -1), -1), -1), -1)
    h = h_bl.reshape(gp.shape) + h_wl.reshape(gp.shape)
    factor = np.maximum(0.0, 1.0 - sim.g_on_s * sim.r_wire_ohm * h)
    return factor[..., :k, :c]


def _digits(xp: Any, q: Any, count: int, bits: int) -> list[Any]:
    """Base-2^bits digits of non-negative integer-valued ``q``, least significant first."""
    base = float(2 ** bits)
    out, rest = [], q
    for _ in range(count):
        high = xp.floor(rest / base)
        out.append(rest - base * high)
        rest = high
    return out


def _levels(bits: int) -> float:
    return float(2 ** (bits - 1) - 1) if bits > 1 else 1.0  # signed: one bit is the sign


def _lsb(top: float, bits: int) -> float:
    return top / _levels(bits)


def _adc_codes_acc(p: np.ndarray, top: float, bits: int, weight: float, acc: np.ndarray | None) -> np.ndarray:
    """``acc + weight * code(p)`` in place (``p`` is a temporary): the ADC's integer codes, shift-added;
    codes x powers of two are exact in float32, so this equals ``sum weight * _adc(p)`` up to rounding."""
    levels = _levels(bits)
    q = np.divide(p, _lsb(top, bits), out=p)
    np.rint(q, out=q)
    np.clip(q, -levels, levels, out=q)
    if weight != 1.0:
        np.multiply(q, weight, out=q)
    if acc is None:
        return q
    return np.add(acc, q, out=acc)


def _adc(xp: Any, p: Any, top: float, bits: int) -> Any:
    """ADC conversion of signed partial sums ``p`` over ``[-top, top]`` (differential pair)."""
    levels = _levels(bits)
    lsb = top / levels
    if isinstance(p, np.ndarray):  # in place: the partial sums are temporaries (same values)
        q = np.divide(p, lsb, out=p)
        np.rint(q, out=q)
        np.clip(q, -levels, levels, out=q)
        return np.multiply(q, lsb, out=q)
    return xp.clip(xp.round(p / lsb), -levels, levels) * lsb


#: numpy path of the ADC partial sums: ``auto`` (:mod:`.fastxbar`, numba when available), ``numba``,
#: ``numpy`` (its numpy fallback) or ``off`` (the reference loop below); all give the same numbers
FAST_PATH = "auto"

#: elements of one (chunk of a) partial-sum array: 128 KB in float32, so the ADC's elementwise passes
#: over a chunk stay in the L2 cache (2^21 was ~2x slower on the 2-core EPYC of benchmarks/cim_throughput.py)
CHUNK_ELEMENTS = 1 << 15


def _chunks(m: int, per_row: int) -> list[slice]:
    step = max(1, CHUNK_ELEMENTS // max(per_row, 1))
    return [slice(i, min(m, i + step)) for i in range(0, m, step)] or [slice(0, 0)]


def _partial_sums(xp: Any, part: Any, gt: Any, sim: CrossbarSim, rows: int, tiles: int, pad: int,
                  top: float | None, measure: bool = False) -> tuple[Any, float]:
    """Shift-and-added (over input steps) partial sums ``(..., tiles, M, S N)`` of one unsigned input
    part, each converted by the ADC over ``[-top, top]`` (``top=None``: not converted), and the
    largest magnitude of any partial sum (``measure=True``; else 0). Runs over chunks of ``M`` rows and one input
    step at a time, so the working set stays small."""
    m = int(part.shape[-2])
    shape = np.broadcast_shapes(tuple(part.shape[:-2]), tuple(gt.shape[:-3]))
    lead = int(np.prod(shape))
    sn = int(gt.shape[-1])
    merged = lead > 1 and all(int(d) == 1 for d in part.shape[:-2])
    if merged:  # inputs shared by all draws: one wide product (rows x draws S N), several x faster
        gm = _move(xp.reshape(gt, (lead, tiles, rows, sn)), 0, -2)
        gm = xp.reshape(gm, (tiles, rows, lead * sn))
        part = xp.reshape(part, (m, int(part.shape[-1])))
    step_w = [float(2 ** (t * sim.dac_bits)) for t in range(sim.steps)]
    outs, peak = [], 0.0
    for sl in _chunks(m, lead * tiles * int(gt.shape[-1])):
        xc = part[..., sl, :]
        digits = [xc] if top is None and not measure else _digits(xp, xc, sim.steps, sim.dac_bits)
        acc = None
        fused = top is not None and not measure and isinstance(xc, np.ndarray)
        for t, d in enumerate(digits):
            p = _tile_x(xp, d, tiles, rows, pad) @ (gm if merged else gt)  # one conversion per element
            if measure and m:
                peak = max(peak, float(xp.max(xp.abs(p))))
            if fused:  # numpy: accumulate integer ADC codes in place, scale by the LSB once
                acc = _adc_codes_acc(p, top, sim.adc_bits, step_w[t], acc)
                continue
            if top is not None:
                p = _adc(xp, p, top, sim.adc_bits)
            p = p * step_w[t] if len(digits) > 1 else p
            acc = p if acc is None else acc + p
        if fused:
            acc *= _lsb(top, sim.adc_bits)
        if merged:  # (tiles, m, lead S N) -> (..., tiles, m, S N)
            acc = xp.reshape(_move(xp.reshape(acc, (tiles, int(acc.shape[1]), lead, sn)), -2, 0),
                             (*shape, tiles, int(acc.shape[1]), sn))
        outs.append(acc)
    return (outs[0] if len(outs) == 1 else xp.concat(outs, axis=-2)), peak


def _part_fast(part: np.ndarray, gt: np.ndarray, sim: CrossbarSim, rows: int, tiles: int, top: float,
               slice_w: np.ndarray) -> np.ndarray:
    """``sum(sum(_partial_sums(...), -3) * slice_w over slices)`` of one input part, (..., M, N), through
    :func:`.fastxbar.partial_sums` (numpy only; the same numbers, see ``FAST_PATH``)."""
    m, k, sn = int(part.shape[-2]), int(part.shape[-1]), int(gt.shape[-1])
    shape = np.broadcast_shapes(tuple(part.shape[:-2]), tuple(gt.shape[:-3]))
    lead = int(np.prod(shape))
    x_shared = all(int(d) == 1 for d in part.shape[:-2])
    g_shared = all(int(d) == 1 for d in gt.shape[:-3])
    x = part.reshape(1, m, k) if x_shared else np.broadcast_to(part, (*shape, m, k)).reshape(lead, m, k)
    sets = 1
    if x_shared and lead > 1:  # inputs shared by all draws: the draws' cells side by side (tiles, rows, S lead N)
        g = gt.reshape(lead, tiles, rows, sim.slices, sn // sim.slices).transpose(1, 2, 3, 0, 4)
        g = np.ascontiguousarray(g).reshape(1, tiles, rows, lead * sn)
        sets = lead
    elif g_shared:
        g = gt.reshape(1, tiles, rows, sn)
    else:
        g = np.broadcast_to(gt, (*shape, tiles, rows, sn)).reshape(lead, tiles, rows, sn)
    out = fastxbar.partial_sums(x, g, steps=sim.steps, dac_bits=sim.dac_bits, tiles=tiles, rows=rows,
                                slice_w=slice_w[::sn // sim.slices], sets=sets, lsb=_lsb(top, sim.adc_bits),
                                levels=_levels(sim.adc_bits), compiled=None if FAST_PATH == "auto" else FAST_PATH == "numba")
    return out.reshape(*shape, m, sn // sim.slices)


def _move(a: Any, src: int, dst: int) -> Any:
    return a.movedim(src, dst) if is_torch(a) else np.moveaxis(a, src, dst)


def adc_top(sim: CrossbarSim, peak: float) -> float:
    """ADC full-scale (partial-sum units): ``full_scale`` (``full``), else ``adc_top`` if set or
    ``adc_clip`` x the observed ``peak``."""
    if sim.adc_range == "full":
        return sim.full_scale
    top = sim.adc_top if sim.adc_top > 0 else sim.adc_clip * peak
    return top if top > 0 else 1.0


def crossbar_matmul(x: Any, w: Any, sim: CrossbarSim, *, stats: dict[str, float] | None = None) -> Any:
    """``x @ w^T`` on the crossbar: ``x`` (..., M, K), ``w`` (..., N, K) -> (..., M, N).

    Leading dimensions broadcast (Monte Carlo draws of ``w``). The weight range is the largest
    magnitude per weight array; the input range is ``sim.x_top`` if set, else the largest input of
    the call (dynamic per-tensor scaling). ``stats`` (a dict) receives ``x_peak`` and ``p_peak``,
    the largest input and partial sum of the call (what :func:`calibrate` records).
    """
    xp = namespace(x, w)
    torch_mode = is_torch(x) or is_torch(w)
    exact = None  # only the torch path needs the exact product (straight-through gradient)
    if torch_mode:
        exact = x @ w.transpose(-1, -2)
    xd = x.detach() if torch_mode else x
    wd = w.detach() if torch_mode else w
    k, n = int(wd.shape[-1]), int(wd.shape[-2])
    wmax = xp.max(xp.abs(wd), axis=(-1, -2), keepdims=True)
    wmax = xp.where(wmax > 0, wmax, xp.ones_like(wmax))
    wl = float(2 ** sim.weight_bits - 1)
    qw = xp.round(wd / wmax * wl)  # signed integer codes, |qw| <= 2^weight_bits - 1
    x_peak = float(xp.max(xp.abs(xd))) if xd.shape[-1] and xd.shape[-2] else 0.0
    xmax = sim.x_top if sim.x_top > 0 else (x_peak if x_peak > 0 else 1.0)
    xl = float(2 ** sim.input_bits - 1)
    if torch_mode:
        qx = xp.clip(xp.round(xd / xmax * xl), -xl, xl)
    else:  # the same operations in place: one temporary instead of four (page faults at 10 draws)
        qx = np.divide(xd, xmax)
        np.multiply(qx, xl, out=qx)
        np.round(qx, out=qx)
        np.clip(qx, -xl, xl, out=qx)
    rows = min(sim.rows, k)  # a short matrix uses the top rows of one array: no zero rows simulated
    tiles = -(-k // rows)
    pad = tiles * rows - k
    # all weight slices side by side: (..., N, K) -> (..., S N, K), slice-major
    cells = _digits(xp, xp.abs(qw), sim.slices, sim.cell_bits)
    g = xp.concat([xp.sign(qw) * c for c in cells], axis=-2)  # differential pair: +/- columns
    if sim.r_wire_ohm > 0:
        g = g * _const(xp, _ir_factor(_numpy(g), sim, n), like=g)
    gt = _tile(xp, g, tiles, rows, pad)  # (..., tiles, rows, S N)
    gt = gt.contiguous() if torch_mode else np.ascontiguousarray(gt)  # BLAS-friendly strides
    slice_w = _const(xp, np.repeat(2.0 ** (np.arange(sim.slices) * sim.cell_bits), n), like=gt)
    non_negative = 0 in tuple(qx.shape) or float(xp.min(qx)) >= 0  # = all(qx >= 0), one pass, no temporary
    parts = [qx] if non_negative else [xp.where(qx > 0, qx, 0 * qx), xp.where(qx < 0, -qx, 0 * qx)]
    need_peak = stats is not None or (sim.adc_bits > 0 and sim.adc_range == "calibrated" and sim.adc_top <= 0)
    p_peak = 0.0
    if need_peak:  # a first pass without conversion finds the largest partial sum
        for part in parts:
            p_peak = max(p_peak, _partial_sums(xp, part, gt, sim, rows, tiles, pad, None, True)[1])
    if stats is not None:
        stats.update(x_peak=x_peak, p_peak=p_peak)
    top = adc_top(sim, p_peak) if sim.adc_bits > 0 else None
    y = None
    fast = FAST_PATH != "off" and top is not None and not torch_mode
    for part_sign, part in zip((1.0, -1.0), parts):
        if fast and top is not None:
            contrib = part_sign * _part_fast(part, gt, sim, rows, tiles, top, slice_w)
            y = contrib if y is None else y + contrib
            continue
        p, _ = _partial_sums(xp, part, gt, sim, rows, tiles, pad, top)
        p = xp.sum(p, axis=-3) * slice_w  # (..., M, S N): row tiles and slices shift-added
        contrib = part_sign * xp.sum(xp.reshape(p, (*p.shape[:-1], sim.slices, n)), axis=-2)
        y = contrib if y is None else y + contrib
    sim_out = y * (wmax / wl * (xmax / xl))
    if exact is not None:
        return exact + (sim_out - exact).detach()
    return sim_out


def _numpy(a: Any) -> np.ndarray:
    return a.detach().cpu().numpy() if hasattr(a, "detach") else np.asarray(a)


def _ir_factor(g_signed: np.ndarray, sim: CrossbarSim, n: int) -> np.ndarray:
    """:func:`_pair_factor`, compiled (:func:`.fastxbar.pair_factor`, same numbers) when ``FAST_PATH``
    allows and numba is available. A short matrix (K < rows) is summed over K rows only: the zero
    rows below it add exact zeros to the suffix sums."""
    if FAST_PATH in ("auto", "numba") and fastxbar.available():
        return fastxbar.pair_factor(g_signed, cell_bits=sim.cell_bits, slices=sim.slices, n=n,
                                    rows=min(sim.rows, int(g_signed.shape[-1])), cols=sim.cols,
                                    cr=sim.g_on_s * sim.r_wire_ohm)
    return _pair_factor(g_signed, sim, n)


def _pair_factor(g_signed: np.ndarray, sim: CrossbarSim, n: int) -> np.ndarray:
    """IR factor of the signed slice-major cells (..., S N, K): each (output, slice) occupies a
    positive and a negative physical column, output-major (``n S + s``), pairs side by side."""
    lead = g_signed.shape[:-2]
    k = g_signed.shape[-1]
    cells = np.abs(g_signed) / float(2 ** sim.cell_bits - 1)  # units of g_on
    by_slice = cells.reshape(*lead, sim.slices, n, k)
    pos = np.where(g_signed.reshape(*lead, sim.slices, n, k) > 0, by_slice, 0.0)
    neg = np.where(g_signed.reshape(*lead, sim.slices, n, k) < 0, by_slice, 0.0)
    phys = np.stack([pos, neg], axis=-2)  # (..., S, N, 2, K)
    phys = np.moveaxis(phys, -4, -3)  # (..., N, S, 2, K): output-major layout
    layout = phys.reshape(*lead, n * sim.slices * 2, k)
    f = ir_drop_factor(np.swapaxes(layout, -1, -2), sim)  # (..., K, C)
    f = np.swapaxes(f, -1, -2).reshape(*lead, n, sim.slices, 2, k)
    f = np.moveaxis(f, -3, -4)  # (..., S, N, 2, K)
    sign = g_signed.reshape(*lead, sim.slices, n, k)
    # each signed cell sits on exactly one of its pair's columns
    chosen = np.where(sign > 0, f[..., 0, :], f[..., 1, :])
    return chosen.reshape(*lead, sim.slices * n, k)


def _const(xp: Any, a: np.ndarray, like: Any) -> Any:
    if is_torch(like):
        import torch

        return torch.as_tensor(a, dtype=like.dtype, device=like.device)
    return a.astype(like.dtype, copy=False)


def _tile(xp: Any, g: Any, tiles: int, rows: int, pad: int) -> Any:
    """(..., N, K) weights -> (..., tiles, rows, N), zero rows padded."""
    gt = xp.moveaxis(g, -1, -2) if hasattr(xp, "moveaxis") else g.transpose(-1, -2)  # (..., K, N)
    if pad:
        zeros = xp.zeros((*gt.shape[:-2], pad, gt.shape[-1]), dtype=gt.dtype)
        if is_torch(gt):
            zeros = zeros.to(gt.device)
        gt = xp.concat([gt, zeros], axis=-2)
    return xp.reshape(gt, (*gt.shape[:-2], tiles, rows, gt.shape[-1]))


def _tile_x(xp: Any, x: Any, tiles: int, rows: int, pad: int) -> Any:
    """(..., M, K) inputs -> (..., tiles, M, rows)."""
    if pad:
        zeros = xp.zeros((*x.shape[:-1], pad), dtype=x.dtype)
        if is_torch(x):
            zeros = zeros.to(x.device)
        x = xp.concat([x, zeros], axis=-1)
    xt = xp.reshape(x, (*x.shape[:-1], tiles, rows))  # (..., M, tiles, rows)
    return xp.moveaxis(xt, -2, -3) if hasattr(xp, "moveaxis") else xt.transpose(-2, -3)
