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
coupling (drops changing the currents that cause them), so it *underestimates* large drops.
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


def _quantise_adc(xp: Any, p: Any, sim: CrossbarSim) -> Any:
    """ADC conversion of signed partial sums ``p`` (differential pair: range +-full)."""
    if sim.adc_bits == 0:
        return p
    if sim.adc_range == "full":
        top = sim.full_scale
    else:
        top = float(xp.max(xp.abs(p))) * sim.adc_clip if p.shape[0] else 1.0
        top = top if top > 0 else 1.0
    levels = float(2 ** (sim.adc_bits - 1) - 1) if sim.adc_bits > 1 else 1.0  # signed: sign bit
    lsb = top / levels
    return xp.clip(xp.round(p / lsb), -levels, levels) * lsb


def crossbar_matmul(x: Any, w: Any, sim: CrossbarSim) -> Any:
    """``x @ w^T`` on the crossbar: ``x`` (..., M, K), ``w`` (..., N, K) -> (..., M, N).

    Leading dimensions broadcast (Monte Carlo draws of ``w``). Input and weight ranges are the
    largest magnitude per weight array and per call (dynamic per-tensor scaling).
    """
    xp = namespace(x, w)
    torch_mode = is_torch(x) or is_torch(w)
    exact = x @ xp.matrix_transpose(w) if hasattr(xp, "matrix_transpose") else x @ w.transpose(-1, -2)
    xd = x.detach() if torch_mode else x
    wd = w.detach() if torch_mode else w
    k, n = int(wd.shape[-1]), int(wd.shape[-2])
    wmax = xp.max(xp.abs(wd), axis=(-1, -2), keepdims=True)
    wmax = xp.where(wmax > 0, wmax, xp.ones_like(wmax))
    wl = float(2 ** sim.weight_bits - 1)
    qw = xp.round(wd / wmax * wl)  # signed integer codes, |qw| <= 2^weight_bits - 1
    xmax = float(xp.max(xp.abs(xd))) if xd.shape[-1] else 1.0
    xmax = xmax if xmax > 0 else 1.0
    xl = float(2 ** sim.input_bits - 1)
    qx = xp.round(xd / xmax * xl)
    tiles = -(-k // sim.rows)
    pad = tiles * sim.rows - k
    # all weight slices side by side: (..., N, K) -> (..., S N, K), slice-major
    cells = _digits(xp, xp.abs(qw), sim.slices, sim.cell_bits)
    g = xp.concat([xp.sign(qw) * c for c in cells], axis=-2)  # differential pair: +/- columns
    if sim.r_wire_ohm > 0:
        g = g * _const(xp, _pair_factor(_numpy(g), sim, n), like=g)
    gt = _tile(xp, g, tiles, sim.rows, pad)  # (..., tiles, rows, S N)
    step_w = _const(xp, 2.0 ** (np.arange(sim.steps) * sim.dac_bits), like=gt)
    slice_w = _const(xp, np.repeat(2.0 ** (np.arange(sim.slices) * sim.cell_bits), n), like=gt)
    y = None
    parts = [qx] if bool(xp.all(qx >= 0)) else [xp.where(qx > 0, qx, 0 * qx), xp.where(qx < 0, -qx, 0 * qx)]
    for part_sign, part in zip((1.0, -1.0), parts):
        if sim.adc_bits == 0:  # an ideal ADC: the partial sums need not be kept apart
            x_all = _tile_x(xp, part, tiles, sim.rows, pad)[None]
            weights_t = step_w[:1] * 0 + 1.0
        else:
            x_all = xp.stack([_tile_x(xp, d, tiles, sim.rows, pad)
                              for d in _digits(xp, part, sim.steps, sim.dac_bits)])
            weights_t = step_w
        p = _quantise_adc(xp, x_all @ gt, sim)  # (T, ..., tiles, M, S N): one conversion each
        shape_t = (p.shape[0],) + (1,) * (p.ndim - 1)
        p = xp.sum(xp.sum(p * xp.reshape(weights_t, shape_t), axis=0), axis=-3)  # (..., M, S N)
        p = p * slice_w
        contrib = part_sign * xp.sum(xp.reshape(p, (*p.shape[:-1], sim.slices, n)), axis=-2)
        y = contrib if y is None else y + contrib
    sim_out = y * (wmax / wl * (xmax / xl))
    if torch_mode:
        return exact + (sim_out - exact).detach()
    return sim_out


def _numpy(a: Any) -> np.ndarray:
    return a.detach().cpu().numpy() if hasattr(a, "detach") else np.asarray(a)


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
