"""Compression projections for ADMM training: pruning, quantisation and block-circulant weights.

ADMM compression (Zhang et al. ECCV 2018 [ZhangADMM18]; ADMM-NN, Ren et al. ASPLOS 2019
[ADMMNN19]; Leng et al. AAAI 2018 [Leng18]) alternates SGD on ``loss(W) + rho/2 ||W - Z + U||^2``
with the *Euclidean projection* ``Z = proj_S(W + U)`` onto the constraint set ``S``. Each kernel
here is such a projection on a weight array (numpy reference; the torch entry runs the same
projection on a detached tensor and returns a tensor of the input's dtype/device: ADMM never
differentiates through ``Z``).

===================  ============================================================================
``prune-unstructured``  keep the ``k = round(density * size)`` largest ``|w|``; exact nearest point
``prune-filter``     keep the ``k`` slices along ``axis`` (0: output filters/rows, 1: input
                     channels/columns) of largest L2 norm; exact nearest point
``prune-block``      weight viewed as ``(rows, cols)`` (conv: ``(O, I*kh*kw)``), tiled in
                     ``block = (bh, bw)`` tiles (edge tiles smaller); keep the ``k`` tiles of largest
                     L2 norm; exact nearest point
``prune-pattern``    conv ``(O, I, kh, kw)``: each kernel keeps one pattern of a library (default:
                     every ``n_entries``-entry mask containing the centre, PatDNN's 4-entry patterns
                     [PatDNN20]), the one retaining most energy; with ``kernel_density`` only the
                     ``k`` kernels retaining most energy stay (connectivity pruning); exact nearest point
``quantize``         nearest of the levels ``scale * L`` with ``L`` = uniform symmetric
                     ``{-(2^(b-1)-1)..2^(b-1)-1}``, ternary ``{-1, 0, 1}`` or power-of-two
                     ``{0, +-2^-j, j = 0..2^(b-1)-2}`` (sign + exponent code); at a given ``scale``
                     the projection is the exact nearest point; ``scale=None`` fits the scale by
                     alternating minimisation (ADMM-NN / Leng18 style: a local optimum, not
                     provably the best scale)
``block-circulant``  weight ``(m, n)`` made the truncation of a ``p x q`` grid of ``b x b``
                     circulant blocks (C[r, c] = c[(r - c) mod b], the convention of the FPGA
                     family's ``block_circulant`` kernel, [CirCNN17; ERNN19; FTRANS20]): each
                     circulant diagonal takes the mean of its entries (orthogonal projection onto a
                     linear subspace: exact nearest point)
===================  ============================================================================

Ties (equal magnitudes or norms) are broken by the lower flat index, so every projection is
deterministic and idempotent. ``density`` is the kept fraction in ``(0, 1]``.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import DseInputError
from . import KernelSpec

__all__ = ["prune_unstructured", "prune_filter", "prune_block", "prune_pattern", "pattern_library",
           "quantize", "quantize_levels", "quant_levels", "fit_scale", "block_circulant_project",
           "circulant_first_columns", "QUANT_KINDS", "PRUNE_UNSTRUCTURED", "PRUNE_FILTER", "PRUNE_BLOCK",
           "PRUNE_PATTERN", "QUANTIZE", "BLOCK_CIRCULANT_PROJECT", "KERNELS"]

QUANT_KINDS = ("uniform", "ternary", "pow2")


def _arr(w: Any) -> np.ndarray:
    return np.asarray(w, dtype=np.float64)


def _count(density: float, n: int) -> int:
    d = float(density)
    if not 0.0 < d <= 1.0:
        raise DseInputError("density", density, "a kept fraction in (0, 1]")
    return max(1, min(n, int(round(d * n))))


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Boolean mask of the ``k`` largest scores (ties: lower index first)."""
    order = np.lexsort((np.arange(scores.size), -scores.ravel()))
    keep = np.zeros(scores.size, dtype=bool)
    keep[order[:k]] = True
    return keep.reshape(scores.shape)


# -- pruning ---------------------------------------------------------------------------------------

def prune_unstructured(w: Any, *, density: float) -> np.ndarray:
    """``w`` with all but the ``round(density * w.size)`` largest magnitudes set to 0."""
    w = _arr(w)
    return np.where(_top(np.abs(w), _count(density, w.size)), w, 0.0)


def prune_filter(w: Any, *, density: float, axis: int = 0) -> np.ndarray:
    """Keep the ``round(density * w.shape[axis])`` slices along ``axis`` of largest L2 norm."""
    w = _arr(w)
    if w.ndim < 2 or axis not in (0, 1):
        raise DseInputError("axis", axis, "0 (filters/rows) or 1 (channels/columns) of an array with ndim >= 2")
    other = tuple(a for a in range(w.ndim) if a != axis)
    norms = np.sqrt((w * w).sum(axis=other))
    keep = _top(norms, _count(density, w.shape[axis]))
    shape = [1] * w.ndim
    shape[axis] = -1
    return np.where(keep.reshape(shape), w, 0.0)


def prune_block(w: Any, *, density: float, block: Sequence[int] = (4, 4)) -> np.ndarray:
    """Tile ``w`` viewed as ``(w.shape[0], rest)`` in ``block`` tiles; keep the tiles of largest norm."""
    w = _arr(w)
    bh, bw = (int(b) for b in block)
    if bh < 1 or bw < 1:
        raise DseInputError("block", tuple(block), "two positive tile sizes (rows, cols)")
    m = w.reshape(w.shape[0], -1) if w.ndim > 1 else w.reshape(1, -1)
    rows, cols = m.shape
    p, q = math.ceil(rows / bh), math.ceil(cols / bw)
    padded = np.zeros((p * bh, q * bw))
    padded[:rows, :cols] = m * m
    energy = padded.reshape(p, bh, q, bw).sum(axis=(1, 3))
    keep = _top(energy, _count(density, p * q))
    mask = np.repeat(np.repeat(keep, bh, axis=0), bw, axis=1)[:rows, :cols]
    return np.where(mask, m, 0.0).reshape(w.shape)


def pattern_library(kh: int = 3, kw: int = 3, n_entries: int = 4, with_centre: bool = True) -> np.ndarray:
    """Every ``(kh, kw)`` 0/1 mask with ``n_entries`` ones (containing the centre when asked),
    in lexicographic order of the kept flat positions: ``(n_patterns, kh, kw)``."""
    size, centre = kh * kw, (kh // 2) * kw + kw // 2
    if not 1 <= n_entries <= size:
        raise DseInputError("n_entries", n_entries, f"1..{size} kept entries per {kh}x{kw} kernel")
    pats = []
    for keep in itertools.combinations(range(size), n_entries):
        if with_centre and centre not in keep:
            continue
        m = np.zeros(size)
        m[list(keep)] = 1.0
        pats.append(m.reshape(kh, kw))
    return np.stack(pats)


def prune_pattern(w: Any, *, patterns: Any = None, n_entries: int = 4, kernel_density: float = 1.0) -> np.ndarray:
    """Each ``(kh, kw)`` kernel of a conv weight ``(O, I, kh, kw)`` keeps the library pattern that
    retains most energy (ties: first pattern); ``kernel_density < 1`` also drops whole kernels."""
    w = _arr(w)
    if w.ndim != 4:
        raise DseInputError("w", tuple(w.shape), "a conv weight of shape (O, I, kh, kw)")
    lib = pattern_library(w.shape[2], w.shape[3], n_entries) if patterns is None else np.asarray(patterns, float)
    if lib.ndim != 3 or lib.shape[1:] != w.shape[2:] or not np.isin(lib, (0.0, 1.0)).all():
        raise DseInputError("patterns", lib.shape, f"0/1 masks of shape (n, {w.shape[2]}, {w.shape[3]})")
    retained = np.einsum("oikl,pkl->oip", w * w, lib)          # energy kept by each pattern
    best = retained.argmax(axis=-1)                           # first maximum: deterministic
    out = w * lib[best]
    if kernel_density < 1.0:
        energy = np.take_along_axis(retained, best[..., None], axis=-1)[..., 0]
        out = np.where(_top(energy, _count(kernel_density, energy.size))[..., None, None], out, 0.0)
    return out


# -- quantisation ----------------------------------------------------------------------------------

def quant_levels(bits: int, kind: str = "uniform") -> np.ndarray:
    """Sorted integer/dyadic level set ``L`` (the projection uses ``scale * L``)."""
    if kind not in QUANT_KINDS:
        raise DseInputError("kind", kind, "one of " + ", ".join(QUANT_KINDS))
    b = 2 if kind == "ternary" else int(bits)
    if b < 2 or b > 16:
        raise DseInputError("bits", bits, "an integer bit width in 2..16")
    if kind in ("uniform", "ternary"):
        q = 2 ** (b - 1) - 1
        return np.arange(-q, q + 1, dtype=np.float64)
    mags = 2.0 ** -np.arange(2 ** (b - 1) - 1)                 # 1, 1/2, 1/4, ...
    return np.concatenate([-mags, [0.0], mags[::-1]])


def quantize_levels(w: Any, levels: Any) -> np.ndarray:
    """Each entry of ``w`` replaced by the nearest of ``levels`` (ties: the lower level)."""
    w, lv = _arr(w), np.unique(np.asarray(levels, dtype=np.float64))
    hi = np.clip(np.searchsorted(lv, w), 1, len(lv) - 1) if len(lv) > 1 else np.zeros(w.shape, int)
    if len(lv) == 1:
        return np.full(w.shape, lv[0])
    lo_v, hi_v = lv[hi - 1], lv[hi]
    return np.where(w - lo_v <= hi_v - w, lo_v, hi_v)


def fit_scale(w: Any, bits: int, kind: str = "uniform", iters: int = 20) -> float:
    """A scale ``s`` (local minimum of ``||w - proj_{sL}(w)||``): start at ``max|w| / max L``, then
    alternate nearest-level assignment and the least-squares scale ``<w, l> / <l, l>``."""
    w, lv = _arr(w).ravel(), quant_levels(bits, kind)
    top = float(np.abs(w).max()) if w.size else 0.0
    if top == 0.0:
        return 1.0
    s = top / float(lv.max())
    best_s, best_err = s, np.inf
    for _ in range(int(iters)):
        codes = quantize_levels(w / s, lv)
        err = float(((w - s * codes) ** 2).sum())
        if not err < best_err * (1 - 1e-12):
            break
        best_s, best_err = s, err
        denom = float((codes * codes).sum())
        if denom == 0.0:
            break
        s = float((w * codes).sum()) / denom
    return best_s


def quantize(w: Any, *, bits: int = 8, kind: str = "uniform", scale: float | None = None) -> np.ndarray:
    """Nearest point of ``scale * quant_levels(bits, kind)`` (``scale=None``: :func:`fit_scale`)."""
    s = fit_scale(w, bits, kind) if scale is None else float(scale)
    if not s > 0:
        raise DseInputError("scale", scale, "a positive quantisation step")
    return quantize_levels(w, s * quant_levels(bits, kind))


# -- block-circulant -------------------------------------------------------------------------------

def _circ_index(rows: int, cols: int, b: int) -> np.ndarray:
    """Flat parameter index ``(i * q + j) * b + (r - c) mod b`` of every entry of an ``(rows, cols)`` matrix."""
    q = math.ceil(cols / b)
    r, c = np.arange(rows)[:, None], np.arange(cols)[None, :]
    return ((r // b) * q + c // b) * b + (r % b - c % b) % b


def circulant_first_columns(w: Any, *, block: int) -> np.ndarray:
    """The ``(p, q, b)`` first columns of the nearest block-circulant matrix to ``w`` (viewed as
    ``(w.shape[0], rest)``); diagonals with no entry inside ``w`` (truncated edge blocks) are 0."""
    w = _arr(w)
    b = int(block)
    if b < 1:
        raise DseInputError("block", block, "a positive block size")
    m = w.reshape(w.shape[0], -1) if w.ndim > 1 else w.reshape(1, -1)
    rows, cols = m.shape
    p, q = math.ceil(rows / b), math.ceil(cols / b)
    idx = _circ_index(rows, cols, b).ravel()
    sums = np.bincount(idx, weights=m.ravel(), minlength=p * q * b)
    counts = np.bincount(idx, minlength=p * q * b)
    return np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0).reshape(p, q, b)


def block_circulant_project(w: Any, *, block: int) -> np.ndarray:
    """The nearest matrix (same shape as ``w``) that is the truncation of a block-circulant one."""
    w = _arr(w)
    c = circulant_first_columns(w, block=block)
    m = w.reshape(w.shape[0], -1) if w.ndim > 1 else w.reshape(1, -1)
    return c.ravel()[_circ_index(m.shape[0], m.shape[1], int(block))].reshape(w.shape)


# -- torch wrappers and registry specs ---------------------------------------------------------------

def _torch(fn: Callable[..., np.ndarray]) -> Callable[..., Any]:
    def run(w: Any, **params: Any) -> Any:
        import torch

        out = fn(w.detach().cpu().double().numpy(), **params)
        return torch.as_tensor(out, dtype=w.dtype, device=w.device)

    run.__doc__ = f"Torch entry of :func:`{fn.__name__}` (detached; same numbers)."
    return run


_ADMM = "[ZhangADMM18; ADMMNN19]"
PRUNE_UNSTRUCTURED = KernelSpec("prune-unstructured", prune_unstructured, _torch(prune_unstructured), None,
                                "ADMM projection: keep the largest |w| (kept fraction `density`)", _ADMM)
PRUNE_FILTER = KernelSpec("prune-filter", prune_filter, _torch(prune_filter), None,
                          "ADMM projection: keep whole filters (axis 0) or channels (axis 1) of largest L2 norm",
                          _ADMM)
PRUNE_BLOCK = KernelSpec("prune-block", prune_block, _torch(prune_block), None,
                         "ADMM projection: keep the (bh, bw) weight tiles of largest L2 norm", _ADMM)
PRUNE_PATTERN = KernelSpec("prune-pattern", prune_pattern, _torch(prune_pattern), None,
                           "ADMM projection: one library pattern per conv kernel (+ connectivity pruning)",
                           "[PatDNN20]")
QUANTIZE = KernelSpec("quantize", quantize, _torch(quantize), None,
                      "ADMM projection onto scale * levels: uniform b-bit, ternary or power-of-two",
                      "[Leng18; ADMMNN19]")
BLOCK_CIRCULANT_PROJECT = KernelSpec("block-circulant-project", block_circulant_project,
                                     _torch(block_circulant_project), None,
                                     "ADMM projection onto block-circulant weights (block size b)",
                                     "[CirCNN17; ERNN19; FTRANS20]")
KERNELS = (PRUNE_UNSTRUCTURED, PRUNE_FILTER, PRUNE_BLOCK, PRUNE_PATTERN, QUANTIZE, BLOCK_CIRCULANT_PROJECT)
