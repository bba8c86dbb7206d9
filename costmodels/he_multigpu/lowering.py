"""The ``he`` family's lowering and per-op costs, annotated with what each placement axis splits.

There is one CKKS lowering in the engine, :mod:`costmodels.he` (channel packing, BSGS linear
layers with hoisted rotations, E2DM activation products, polynomial activations, a layers x
levels shortest-path bootstrap placement). This module runs the ``he`` model once per sequence
length on the (flattened) workload and keeps, per ``he`` layer:

* ``seconds``: the ``he`` model's single-GPU latency of the layer, bootstraps included -- so
  that ``he-multigpu`` with G = 1 *is* ``he`` (conformance test ``test_g1_equals_he``);
* ``cts_in``, plaintexts and memory (``he``'s ``compile_network`` and per-layer ``memory_bytes``);
* key switches (rotations + ciphertext products + each bootstrap's own key switches from
  :func:`costmodels.he.bootstrap_ops`), rescales and bootstraps, from ``he``'s per-layer metrics;
* the entry level of each layer, re-walked along the layer chain from ``he``'s levels used and
  bootstrap positions (the ``he`` placement is a DAG path; a residual branch is approximated by
  the chain -- this only sizes limb all-gathers and plaintexts).

Placement roles of a layer (the IR, not costs): ``attention`` = a layer of an expanded
:class:`~workloads.ir.Attention` block (head-parallel under the feature axis; its last linear
all-reduces; an activation x activation product all-gathers its second operand, K or V, under
the token axis); ``split`` = work divisible over the feature axis (attention layers, linear
layers, an activation after a column-parallel linear); everything else runs on the replicated
residual stream. Units: seconds, bytes, limb-polynomials (N x word bytes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from dse.errors import DseInputError
from workloads.graph import Workload
from workloads.ir import Activation, Attention, Linear, MatMul

__all__ = ["Compiled", "boot_keyswitch_units", "compile_workload", "pow2", "resequence"]


def pow2(d: int) -> int:
    """Next power of two >= d."""
    return 1 << max(0, math.ceil(math.log2(max(d, 1))))


@dataclass(frozen=True)
class Compiled:
    """Per-layer arrays ``(L,)`` of one sequence length (layer order = the ``he`` model's)."""

    names: tuple[str, ...]
    kinds: tuple[str, ...]
    attention: np.ndarray       # bool: layer of an attention block
    split: np.ndarray           # bool: work divisible over the feature axis
    heads: np.ndarray           # heads of the attention block (0 elsewhere)
    scales: np.ndarray          # bool: a (tokens, width) layer of the residual stream
    seconds: np.ndarray         # he per-layer latency (s), bootstraps included
    cts_in: np.ndarray
    entry_limbs: np.ndarray
    key_switches: np.ndarray
    bootstraps: np.ndarray
    ks_units: np.ndarray        # limb-polys all-gathered under limb partitioning, x (G_l - 1)/G_l
    steps: np.ndarray           # collective steps under limb partitioning, x (G_l - 1)
    kv_units: np.ndarray        # limb-polys of K/V operands all-gathered under token partitioning
    ar_units: np.ndarray        # limb-polys all-reduced under feature partitioning
    ar_count: np.ndarray
    ct_bytes: np.ndarray        # ciphertext memory of the layer (B)
    pt_bytes: np.ndarray        # plaintext (weight) memory of the layer (B)
    key_bytes: float            # switching keys (B)
    latency_s: float            # the he model's total (s)
    feasible: bool
    reason: str | None


def resequence(workload: Any, tokens: int) -> Any:
    """``workload`` with its sequence length replaced by ``tokens`` (0 or equal: unchanged).

    Only a transformer-style workload (every shape ``(T,)`` or ``(T, d)`` before flattening, with
    T = its ``seq_len``) can be resequenced; T must not also be a feature width (else the leading
    dimension would be ambiguous).
    """
    t0 = workload.info("seq_len") if hasattr(workload, "info") else None
    if not tokens or tokens == t0:
        return workload
    if t0 is None:
        raise DseInputError("seq_len", tokens, "0 (the workload has no sequence length to change)")
    shapes = [s for l in workload.layers for s in (*l.in_shapes, l.out_shape)]
    widths = {d for s in shapes for d in s[1:]}
    if any(len(s) > 2 for s in shapes) or t0 in widths:
        raise DseInputError("seq_len", tokens, f"0: {workload.name}'s sequence length {t0} cannot be told "
                                               "apart from its feature widths")

    def fix(s: tuple[int, ...]) -> tuple[int, ...]:
        return (tokens,) + tuple(s[1:]) if s and s[0] == t0 else tuple(s)

    layers = tuple(replace(l, in_shapes=tuple(fix(s) for s in l.in_shapes)) for l in workload.layers)
    meta = tuple((k, tokens if k == "seq_len" else v) for k, v in workload.meta)
    return Workload(workload.name, fix(tuple(workload.input_shape)), layers, meta, workload.kind)


def boot_keyswitch_units(prof: Any, slots: int, top_limbs: float, k_special: float) -> tuple[float, float, float]:
    """(key switches, limb-polys all-gathered, collective steps) of one bootstrap under limb partitioning.

    Each key switch of the bootstrap (:func:`costmodels.he.bootstrap_ops`: hoisted and plain
    rotations, conjugation, relinearisations) all-gathers its input (l limbs) and the 2K special
    limbs; each rescale broadcasts the dropped limb of both polynomials.
    """
    from costmodels.he import bootstrap_ops

    ks = units = steps = 0.0
    for op, count, off in bootstrap_ops(slots, prof.boot):
        limbs = max(top_limbs - off, 1.0)
        if op in ("rotate", "rotate_hoisted", "conjugate", "relinearize"):
            ks, units, steps = ks + count, units + count * (limbs + 2 * k_special), steps + 2 * count
        elif op == "rescale":
            units, steps = units + 2 * count, steps + count
    return ks, units, steps


def _roles(flat: Any, attn_heads: dict[str, int]) -> dict[str, dict[str, Any]]:
    """Placement role of every flattened layer (see the module docstring)."""
    roles: dict[str, dict[str, Any]] = {}
    col_par: set[str] = set()
    last_linear: dict[str, str] = {}
    for l in flat.layers:
        block = next((b for b in attn_heads if l.name.startswith(b + ".")), "")
        r = {"block": block, "heads": attn_heads.get(block, 0), "split": bool(block), "ar": False, "kv": ""}
        if isinstance(l, Linear):
            r["split"] = True
            if block:
                last_linear[block] = l.name
            elif pow2(l.out_shape[-1]) > pow2(l.in_shape[-1]):
                col_par.add(l.name)
            else:
                r["ar"] = True
        elif isinstance(l, Activation) and l.inputs and l.inputs[0] in col_par:
            r["split"] = True
        elif isinstance(l, MatMul) and l.weights == "none" and block:
            r["kv"] = l.inputs[1]
        roles[l.name] = r
    for name in last_linear.values():
        roles[name]["ar"] = True
    return roles


def compile_workload(workload: Any, he_model: Any, point: dict[str, Any], *, boot_return: int,
                     k_special: int) -> Compiled:
    """Run ``he_model`` at ``point`` on ``workload`` and annotate its layers (module docstring).

    ``boot_return`` = the ``he`` knob (0 = all levels above the bootstrap's depth).
    """
    from costmodels.he import LoweringConfig, compile_network, plaintext_bytes

    m = he_model.evaluate(workload, {k: [v] for k, v in point.items()}).numpy()
    flat = workload.flatten() if any(isinstance(l, Attention) for l in workload.layers) else workload
    prof = he_model._profile()
    n = float(m.totals["ring_degree"][0])
    slots = int(n // 2)
    net = compile_network(flat, LoweringConfig(slots, "ama", "bsgs", 0.5 if prof.hoisting else 1.0, None, 1))
    if tuple(net.names) != tuple(m.layer_names):
        raise RuntimeError("he lowering and he metrics disagree on the layer order")
    heads = {l.name: l.heads for l in workload.layers if isinstance(l, Attention)}
    roles = _roles(flat, heads)
    lay = {k: np.nan_to_num(np.asarray(v[0], dtype=float)) for k, v in m.layers.items()}
    names = tuple(m.layer_names)
    count = len(names)
    top = float(m.totals["chain_levels"][0])
    full = max(top - prof.boot.depth, 0.0)
    user_levels = min(float(boot_return), full) if boot_return > 0 else full
    # entry level of each layer: re-walk he's levels used and bootstrap positions along the chain
    entry = np.zeros(count)
    level = top
    for i in range(count):
        if lay["bootstraps"][i] > 0:
            level = user_levels
        entry[i] = level
        level = max(level - lay["levels_used"][i], 0.0)
    limbs = entry + 1.0
    b_ks, b_units, b_steps = boot_keyswitch_units(prof, slots, top + 1.0, float(k_special))
    ks = lay["rotations"] + lay["ct_mults"]
    boots = lay["bootstraps"]
    index = {nm: i for i, nm in enumerate(names)}
    kv = np.zeros(count)
    ar = np.zeros(count)
    for i, nm in enumerate(names):
        r = roles[nm]
        if r["kv"]:
            kv[i] = net.cts_out[index[r["kv"]]] * 2.0 * limbs[i]
        if r["ar"]:
            ar[i] = net.cts_out[i] * 2.0 * limbs[i]
    w = prof.word_bytes
    mem = lay["memory_bytes"]
    pt = np.minimum(net.plaintexts * np.asarray(plaintext_bytes(n, limbs, w), dtype=float), mem)
    if flat.info("seq_len") is None:  # no token stream (a CNN): every layer that does work is split by ciphertexts
        scales = lay["latency_s"] > 0
    else:
        scales = np.array([len(l.in_shape) == 2 and l.in_shape[0] == flat.info("seq_len") and l.kind != "embedding"
                           for l in flat.layers])
    total_mem = float(np.nan_to_num(m.totals["memory_bytes"][0]))
    return Compiled(
        names=names, kinds=tuple(m.layer_kinds),
        attention=np.array([bool(roles[nm]["block"]) for nm in names]),
        split=np.array([bool(roles[nm]["split"]) for nm in names]),
        heads=np.array([float(roles[nm]["heads"]) for nm in names]),
        scales=scales, seconds=lay["latency_s"], cts_in=np.asarray(net.cts_in, dtype=float), entry_limbs=limbs,
        key_switches=ks + boots * b_ks, bootstraps=boots,
        ks_units=ks * (limbs + 2.0 * k_special) + lay["rescales"] * 2.0 + boots * b_units,
        steps=2.0 * ks + lay["rescales"] + boots * b_steps,
        kv_units=kv, ar_units=ar, ar_count=(ar > 0).astype(float),
        ct_bytes=mem - pt, pt_bytes=pt, key_bytes=max(total_mem - float(mem.max(initial=0.0)), 0.0),
        latency_s=float(m.totals["latency_s"][0]), feasible=bool(m.feasible[0]), reason=m.reason_of(0))
