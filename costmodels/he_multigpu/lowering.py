"""Lowering of a transformer workload to CKKS operations, with level accounting (our lowering).

Layout: token-major packing. A ``(T, d)`` activation pads d to the next power of two d_p and
holds S/d_p tokens per ciphertext (S = N/2 slots), so it occupies ``ceil(T d_p / S)``
ciphertexts. Counts are linear in a small *basis* of sequence-length functions evaluated per
layer (all ``ceil``):

==========  ===============================  ==================================================
basis       value                            used by
==========  ===============================  ==================================================
ONE         1                                -
CIN, COUT   ciphertexts of input / output    every layer
GROUPS      ceil(T max(din_p, dout_p) / S)    ct-pt matmul token groups
CS          ceil(H T^2 / S)                  attention scores (dense packing)
PROD        ceil(T^2 D / S)                  slot products of QK^T and of A.V (each)
CR          ceil(H T / S)                    softmax row sums
CSLOGT      CS ceil(log2 T)                  softmax sum + broadcast rotations
CXLOGT      CIN ceil(log2 T)                 A.V reduction rotations
==========  ===============================  ==================================================

Per layer kind (m = min(din_p, dout_p), r = max/min; op counts per layer after [Gazelle18] and [Orion25]):

* ``linear``: GAZELLE hybrid diagonal method with BSGS per token group: ``m`` PMults and adds,
  ``2 ceil(sqrt m) + log2 r`` rotations, one rescale per output ciphertext; ``m`` plaintexts.
* ``attention``: Q/K/V/O projections as four D x D ``linear`` maps; QK^T and A.V as slot-wise
  ct-ct products (PROD multiplies + relins, one alignment rotation each, then a rotate-and-sum
  over head_dim / T); softmax exp by ``exp_squarings`` squarings, 1/sum by ``inverse_iterations``
  Newton steps (2 multiplies each) on the row sums.
* ``activation``: Paterson-Stockmeyer polynomial of degree ``gelu_degree``:
  ``ceil(sqrt(2d)) + ceil(log2 d)`` non-scalar multiplies, d scalar multiplies, depth
  ``ceil(log2(d+1))``.
* ``norm`` (layer): two rotate-and-sums over d_p, 1/sqrt by Newton (3 multiplies per
  iteration), depth ``2 it + 2``. Batch norm folds into the previous layer (free).
* ``add``: one addition per ciphertext. Everything else (embedding, slice, reshape) is free
  (client-side or a re-indexing).

Level walk: a fresh ciphertext has ``limbs-1`` levels; a sub-stage whose depth does not fit
bootstraps its input tensor first (to ``user_levels``), and a sub-stage deeper than
``user_levels`` bootstraps again mid-way. Orion/EVA place bootstraps the same greedy way along a
chain [Orion25; EVA20]; this is the simple chain version.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dse.xp import constant
from workloads.ir import Attention, Linear

from .gpu_ops import bootstrap_seconds, he_bootstrap_seconds, he_op_seconds, op_seconds
from .presets import CkksParams, Constants, GpuProfile

__all__ = ["BASIS", "Compiled", "SubStage", "basis_values", "compile_workload", "pow2"]

BASIS = ("ONE", "CIN", "COUT", "GROUPS", "CS", "PROD", "CR", "CSLOGT", "CXLOGT")
_IX = {b: i for i, b in enumerate(BASIS)}
_K = len(BASIS)


def pow2(d: int) -> int:
    """Next power of two >= d."""
    return 1 << max(0, math.ceil(math.log2(max(d, 1))))


def _vec(**terms: float) -> np.ndarray:
    v = np.zeros(_K)
    for name, coef in terms.items():
        v[_IX[name]] += coef
    return v


@dataclass
class SubStage:
    """One step of a layer: depth, op counts (basis coefficient vectors) and what it refreshes."""

    name: str
    depth: int
    ops: dict[str, np.ndarray]
    boot_on: np.ndarray
    feature_split: bool = True
    kv_cts: np.ndarray | None = None         # K and V ciphertexts produced (token all-gather)
    allreduce_cts: np.ndarray | None = None  # ciphertexts all-reduced under feature partitioning
    plaintexts: float = 0.0                  # encoded weight plaintexts (at this sub-stage's limbs)
    live_split: np.ndarray | None = None     # ciphertexts live, partitioned by features/heads
    live_stream: np.ndarray | None = None    # ciphertexts live on the replicated residual stream
    limbs: float = 0.0                       # mean limbs during the sub-stage (set by the walk)
    limbs_in: float = 0.0                    # limbs of the input ciphertexts (before any refresh)
    limbs_out: float = 0.0                   # limbs of the output ciphertexts
    boots: np.ndarray = field(default_factory=lambda: np.zeros(_K))


@dataclass
class LayerDims:
    name: str
    kind: str
    tokens: int          # tokens of the layer's input rows
    scales: bool         # whether ``tokens`` follows the design's seq_len
    din_p: int
    dout_p: int
    heads: int = 0
    d_model: int = 0
    group: str = ""


def _dims(layer: Any, seq_len: int | None) -> LayerDims:
    shape = layer.in_shape
    tokens = shape[0] if len(shape) >= 2 else 1
    width = shape[-1]
    out = layer.out_shape[-1]
    scales = seq_len is not None and len(shape) >= 2 and tokens == seq_len
    if isinstance(layer, Attention):
        return LayerDims(layer.name, "attention", tokens, scales, pow2(width), pow2(width), layer.heads,
                         width, layer.group)
    return LayerDims(layer.name, layer.kind, tokens, scales, pow2(width), pow2(out), group=layer.group)


def _linear_sub(name: str, din_p: int, dout_p: int, c: Constants, *, count: int = 1,
                basis_in: str = "CIN", basis_out: str = "COUT", groups: str = "GROUPS") -> SubStage:
    m, r = min(din_p, dout_p), max(din_p, dout_p) // min(din_p, dout_p)
    rot = 2 * math.ceil(math.sqrt(m)) + math.log2(r)
    ops = {"pmult": _vec(**{groups: count * m}), "add": _vec(**{groups: count * m}),
           "rotate": _vec(**{groups: count * rot}), "rescale": _vec(**{basis_out: count})}
    return SubStage(name, 1, ops, _vec(**{basis_in: 1}), plaintexts=count * m,
                    live_stream=_vec(**{basis_in: 1}), live_split=_vec(**{basis_out: count}))


def lower_layer(layer: Any, dims: LayerDims, c: Constants, column_parallel_inputs: set[str]) -> list[SubStage]:
    """Sub-stages of one layer (see the module docstring for the formulas)."""
    it = c.inverse_iterations
    if dims.kind == "attention":
        d_p, hd = dims.din_p, dims.d_model // dims.heads
        qkv = _linear_sub("qkv", d_p, d_p, c, count=3, basis_out="CIN", groups="CIN")
        qkv.kv_cts = _vec(CIN=2)
        r = c.exp_squarings
        qk = SubStage("qk", 1, {"tensor": _vec(PROD=1), "relin": _vec(PROD=1), "add": _vec(PROD=1),
                                "rotate": _vec(PROD=1, CS=math.ceil(math.log2(max(hd, 2)))),
                                "rescale": _vec(CS=1)}, _vec(CIN=2), live_split=_vec(CIN=3, CS=1))
        sm = SubStage("softmax", r + 2 * it + 1,
                      {"tensor": _vec(CS=r + 1, CR=2 * it), "relin": _vec(CS=r + 1, CR=2 * it),
                       "rotate": _vec(CSLOGT=2), "add": _vec(CS=2), "rescale": _vec(CS=r + 1, CR=2 * it)},
                      _vec(CS=1), live_split=_vec(CIN=1, CS=1))
        av = SubStage("av", 1, {"tensor": _vec(PROD=1), "relin": _vec(PROD=1), "add": _vec(PROD=1),
                                "rotate": _vec(PROD=1, CXLOGT=1), "rescale": _vec(CIN=1)},
                      _vec(CS=1, CIN=1), live_split=_vec(CIN=2, CS=1))
        out = _linear_sub("out", d_p, d_p, c, basis_out="CIN", groups="CIN")
        out.allreduce_cts = _vec(CIN=1)
        subs = [qkv, qk, sm, av, out]
        for s in subs:
            s.live_stream = _vec(CIN=1)
        return subs
    if dims.kind == "linear":
        s = _linear_sub("matmul", dims.din_p, dims.dout_p, c)
        if dims.dout_p <= dims.din_p:      # row-parallel under feature partitioning: all-reduce
            s.allreduce_cts = _vec(COUT=1)
            s.live_split, s.live_stream = _vec(CIN=1), _vec(COUT=1)
        return [s]
    if dims.kind == "activation" and getattr(layer, "fn", "") != "identity":
        dg = c.gelu_degree
        nonscalar = math.ceil(math.sqrt(2 * dg)) + math.ceil(math.log2(dg))
        split = layer.inputs[0] in column_parallel_inputs
        live = _vec(CIN=2)
        return [SubStage("poly", math.ceil(math.log2(dg + 1)),
                         {"tensor": _vec(CIN=nonscalar), "relin": _vec(CIN=nonscalar),
                          "rescale": _vec(CIN=nonscalar), "pmult": _vec(CIN=dg), "add": _vec(CIN=dg)},
                         _vec(CIN=1), feature_split=split,
                         live_split=live if split else None, live_stream=None if split else live)]
    if dims.kind == "norm" and getattr(layer, "mode", "") == "layer":
        mults = 1 + 3 * it + 1
        lg = math.ceil(math.log2(max(dims.din_p, 2)))
        return [SubStage("layernorm", 2 * it + 2,
                         {"rotate": _vec(CIN=2 * lg), "tensor": _vec(CIN=mults), "relin": _vec(CIN=mults),
                          "rescale": _vec(CIN=mults), "pmult": _vec(CIN=2), "add": _vec(CIN=4)},
                         _vec(CIN=1), feature_split=False, live_stream=_vec(CIN=2))]
    if dims.kind == "add":
        return [SubStage("add", 0, {"add": _vec(COUT=1)}, _vec(COUT=1), feature_split=False,
                         live_stream=_vec(COUT=2))]
    return []


@dataclass
class Compiled:
    """Per-layer coefficient matrices ``(L, K)`` over :data:`BASIS` plus per-layer dimensions.

    Byte-valued entries are in units of ``N * word_bytes`` (one limb-polynomial).
    """

    names: tuple[str, ...]
    kinds: tuple[str, ...]
    groups: tuple[str, ...]
    tokens: np.ndarray          # (L,) fixed tokens of non-scaling layers
    scales: np.ndarray          # (L,) bool
    din_p: np.ndarray
    dout_p: np.ndarray
    heads: np.ndarray
    d_model: np.ndarray
    sec_split: np.ndarray       # single-GPU seconds, divisible over all three mesh axes
    sec_rep: np.ndarray         # seconds replicated across feature groups
    ks_units_split: np.ndarray  # limb all-gather limb-polys per (G_l - 1)/G_l, split part
    ks_units_rep: np.ndarray
    steps_split: np.ndarray     # collective steps per (G_l - 1), split part
    steps_rep: np.ndarray
    kv_units: np.ndarray        # limb-polys of K and V (token all-gather)
    ar_units: np.ndarray        # limb-polys all-reduced under feature partitioning
    ar_count: np.ndarray        # (L,) all-reduces per layer
    live_split: np.ndarray      # limb-polys live, split over every axis
    live_stream: np.ndarray     # limb-polys live on the replicated stream
    key_switches: np.ndarray
    bootstraps: np.ndarray
    weight_polys: np.ndarray    # (L,) limb-polys of encoded plaintext weights
    min_limbs: np.ndarray       # (L,) lowest limbs reached in the layer
    rotation_keys: int
    substages: list[list[SubStage]] = field(repr=False, default_factory=list)


def compile_workload(workload: Any, p: CkksParams, c: Constants, g: GpuProfile, op_profile: str = "roofline") -> Compiled:
    """Lower every layer, walk the levels and fold op latencies into coefficient matrices.

    ``op_profile`` = ``roofline`` prices ops with this package's GPU roofline (:mod:`.gpu_ops`);
    an ``he`` profile name prices them with the ``he`` model's per-op and bootstrap formulas.
    """
    seq_len = workload.info("seq_len")
    layers = list(workload.layers)
    col_par = {l.name for l in layers if isinstance(l, Linear) and pow2(l.out_shape[-1]) > pow2(l.in_shape[-1])}
    dims = [_dims(l, seq_len) for l in layers]
    subs = [lower_layer(l, d, c, col_par) for l, d in zip(layers, dims)]
    ref = basis_values(np, _plan_view(dims), np.array([PLAN_TOKENS]), p.slots)[0]
    _walk_levels(subs, p, [float(ref[i] @ s.boot_on) for i, ls in enumerate(subs) for s in ls])
    L = len(layers)
    z = lambda: np.zeros((L, _K))
    out = {k: z() for k in ("sec_split", "sec_rep", "ks_units_split", "ks_units_rep", "steps_split",
                            "steps_rep", "kv_units", "ar_units", "live_split", "live_stream",
                            "key_switches", "bootstraps")}
    weight_polys, min_limbs, ar_count = np.zeros(L), np.full(L, float(p.limbs)), np.zeros(L)
    roofline = op_profile == "roofline"
    t_boot = bootstrap_seconds(p, c, g) if roofline else he_bootstrap_seconds(p, op_profile)
    hme, kk, top = c.boot_hmult_equivalents, p.special_limbs, p.limbs
    rot_sizes: set[int] = set()
    for i, layer_subs in enumerate(subs):
        for s in layer_subs:
            t = op_seconds(p, c, g, s.limbs) if roofline else he_op_seconds(p, op_profile, s.limbs)
            sec = sum(coef * float(t[op]) for op, coef in s.ops.items()) + s.boots * t_boot
            ks = s.ops.get("rotate", 0) + s.ops.get("relin", 0)
            resc = s.ops.get("rescale", 0)
            units = ks * (s.limbs + 2 * kk) + resc * 2 + s.boots * hme * (top + 2 * kk)
            steps = 2 * ks + resc + s.boots * hme * 2
            part = "split" if s.feature_split else "rep"
            out[f"sec_{part}"][i] += sec
            out[f"ks_units_{part}"][i] += units
            out[f"steps_{part}"][i] += steps
            out["key_switches"][i] += ks + s.boots * hme
            out["bootstraps"][i] += s.boots
            ct_in, ct_out = 2 * s.limbs_in, 2 * s.limbs_out
            if s.kv_cts is not None:
                out["kv_units"][i] += s.kv_cts * ct_out
            if s.allreduce_cts is not None:
                out["ar_units"][i] += s.allreduce_cts * ct_out
                ar_count[i] += 1
            if s.live_split is not None:
                out["live_split"][i] = np.maximum(out["live_split"][i], s.live_split * ct_in)
            if s.live_stream is not None:
                out["live_stream"][i] = np.maximum(out["live_stream"][i], s.live_stream * ct_in)
            weight_polys[i] += s.plaintexts * s.limbs_in
            min_limbs[i] = min(min_limbs[i], s.limbs - (s.depth - 1) / 2.0)
            if s.plaintexts:
                rot_sizes.add(int(min(dims[i].din_p, dims[i].dout_p)))
    keys = sum(2 * math.ceil(math.sqrt(m)) for m in rot_sizes) + int(math.log2(p.slots)) + 2
    return Compiled(
        names=tuple(l.name for l in layers), kinds=tuple(d.kind for d in dims),
        groups=tuple(d.group for d in dims),
        tokens=np.array([d.tokens for d in dims], float), scales=np.array([d.scales for d in dims]),
        din_p=np.array([d.din_p for d in dims], float), dout_p=np.array([d.dout_p for d in dims], float),
        heads=np.array([d.heads for d in dims], float), d_model=np.array([d.d_model for d in dims], float),
        ar_count=ar_count, weight_polys=weight_polys, min_limbs=np.floor(min_limbs),
        rotation_keys=keys, substages=subs, **out)


#: Sequence length at which bootstrap placement weighs tensor sizes (scores grow as T^2, the
#: residual stream as T); the plan is fixed at compile time so that it does not vary per point.
PLAN_TOKENS = 2048


def _consume(depth: int, level: int, user: int) -> tuple[int, int]:
    """(bootstraps, end level) of a depth-``depth`` step started at ``level`` (mid-way refreshes)."""
    if depth <= level:
        return 0, level - depth
    remaining = depth - level
    nb = -(-remaining // user)
    return nb, user - (remaining - (nb - 1) * user)


def _walk_levels(subs: list[list[SubStage]], p: CkksParams, weights: list[float]) -> None:
    """Bootstrap placement as a shortest path over (sub-stage, level) (Orion's level DAG, [Orion25]).

    At each sub-stage either continue at the current level (refreshing mid-way if deeper than
    what is left) or bootstrap the input first; the cost of a bootstrap is the number of
    ciphertexts it refreshes at :data:`PLAN_TOKENS` tokens (``weights``). Sets ``limbs`` (mean
    limbs during the step) and ``boots`` (basis coefficients) of every sub-stage.
    """
    flat = [s for layer_subs in subs for s in layer_subs]
    top, user = p.limbs - 1, p.user_levels
    inf = float("inf")
    cost = [inf] * (top + 1)
    cost[top] = 0.0
    back: list[list[tuple[int, int, int, int]]] = []
    for s, w in zip(flat, weights):
        new = [inf] * (top + 1)
        choice: list[tuple[int, int, int, int]] = [(-1, 0, 0, 0)] * (top + 1)
        for lv in range(top + 1):
            if cost[lv] == inf:
                continue
            for refresh in (0, 1):
                start = user if refresh else lv
                nb, end = _consume(s.depth, start, user)
                c = cost[lv] + (nb + refresh) * w + 1e-9 * refresh
                if c < new[end]:
                    new[end] = c
                    choice[end] = (lv, refresh, nb, start)
        back.append(choice)
        cost = new
    end = min(range(top + 1), key=lambda lv: (cost[lv], -lv))
    for s, choice in zip(reversed(flat), reversed(back)):
        prev, refresh, nb, start = choice[end]
        s.boots = s.boot_on * (nb + refresh)
        s.limbs_in, s.limbs_out = (user if refresh else prev) + 1.0, end + 1.0
        s.limbs = (start + end) / 2.0 + 1.0 if s.depth and nb == 0 else \
            (user + max(end, 0)) / 2.0 + 1.0 if s.depth else end + 1.0
        end = prev


def _plan_view(dims: list[LayerDims]) -> Any:
    """A minimal object with the per-layer fields :func:`basis_values` reads."""
    from types import SimpleNamespace

    return SimpleNamespace(tokens=np.array([d.tokens for d in dims], float),
                           scales=np.array([d.scales for d in dims]),
                           din_p=np.array([d.din_p for d in dims], float),
                           dout_p=np.array([d.dout_p for d in dims], float),
                           heads=np.array([d.heads for d in dims], float),
                           d_model=np.array([d.d_model for d in dims], float))


def basis_values(xp: Any, comp: Compiled, seq_len: Any, slots: int) -> Any:
    """``(N, L, K)`` basis values for the design's sequence lengths (0 = the workload's own)."""
    like = seq_len
    cst = lambda a: constant(xp, np.asarray(a, dtype=np.float64), like=like)
    t_design = xp.astype(seq_len, xp.float64)[:, None]
    scales = cst(comp.scales)[None, :] > 0
    t = xp.where(scales & (t_design > 0), t_design, cst(comp.tokens)[None, :] + 0 * t_design)
    din, dout, heads, dm = (cst(a)[None, :] for a in (comp.din_p, comp.dout_p, comp.heads, comp.d_model))
    s = float(slots)
    cin = xp.ceil(t * din / s)
    cout = xp.ceil(t * dout / s)
    groups = xp.ceil(t * xp.maximum(din, dout) / s)
    cs = xp.ceil(heads * t * t / s)
    prod = xp.ceil(t * t * dm / s)
    cr = xp.ceil(heads * t / s)
    logt = xp.ceil(xp.log2(xp.maximum(t, 2.0)))
    one = 1.0 + 0 * t
    return xp.stack([one, cin, cout, groups, cs, prod, cr, cs * logt, cin * logt], axis=-1)
