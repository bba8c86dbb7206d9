"""Compile a workload's lowering into arrays, once per (slots, packing, matvec, ...) variant.

The model evaluates many design points; layer loops happen here, memoised on the workload
(``workload.memo``). :func:`compile_variants` stacks the variants present in a batch into arrays
``(variants, layers, ...)`` that the model gathers per design point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .lowering import LayerOps, LoweringConfig, lower_workload

__all__ = ["CompiledNetwork", "StackedNetwork", "compile_network", "compile_variants"]


@dataclass(frozen=True)
class CompiledNetwork:
    """One variant: per-layer counts ``counts[layer, entry]`` for ``entries = ((op, offset), ...)``."""

    names: tuple[str, ...]
    kinds: tuple[str, ...]
    entries: tuple[tuple[str, int], ...]
    counts: np.ndarray        # (layers, entries)
    depth: np.ndarray         # (layers,) fixed levels consumed
    act_cts: np.ndarray       # (layers,)
    act_degree: np.ndarray    # (layers,) 0 -> knob
    act_seq: np.ndarray       # (layers,)
    act_consumes: np.ndarray  # (layers,) 0/1
    parents: tuple[tuple[int, ...], ...]
    live_cts: np.ndarray      # (layers,) ciphertexts alive across the cut before the layer
    cts_in: np.ndarray
    cts_out: np.ndarray
    temps: np.ndarray
    plaintexts: np.ndarray
    fill: np.ndarray          # (layers,) slots the layer's input data occupies per ciphertext
    rot_keys: int             # distinct rotation amounts (identical layers share keys)
    input_cts: float
    output_cts: float


def compile_network(workload: Any, cfg: LoweringConfig) -> CompiledNetwork:
    """Lower ``workload`` under ``cfg`` (memoised on the workload)."""
    return workload.memo(("he.compile", cfg), lambda: _build(workload, cfg))


def _build(workload: Any, cfg: LoweringConfig) -> CompiledNetwork:
    ops: list[LayerOps] = lower_workload(workload, cfg)
    entries = sorted({key for o in ops for key in o.counts.ops})
    col = {e: j for j, e in enumerate(entries)}
    counts = np.zeros((len(ops), len(entries)))
    for i, o in enumerate(ops):
        for key, c in o.counts.ops.items():
            counts[i, col[key]] += c
    n = len(ops)
    # live ciphertexts at the cut before layer i: every tensor produced before i and read at >= i
    last_use = {-1: -1}
    for i, o in enumerate(ops):
        for p in o.inputs:
            last_use[p] = max(last_use.get(p, -1), i)
    cts_of = {-1: ops[0].cts_in if ops else 0.0}
    cts_of.update({i: o.cts_out for i, o in enumerate(ops)})
    live = np.zeros(n)
    for i in range(n):
        live[i] = sum(cts_of[p] for p, last in last_use.items() if p < i and last >= i)
    fill = _fill(workload, ops)
    return CompiledNetwork(
        fill=fill, names=tuple(o.name for o in ops), kinds=tuple(o.kind for o in ops), entries=tuple(entries), counts=counts,
        depth=np.array([o.counts.depth for o in ops], float), act_cts=np.array([o.act_cts for o in ops], float),
        act_degree=np.array([o.act_degree for o in ops], float), act_seq=np.array([o.act_seq for o in ops], float),
        act_consumes=np.array([1.0 if o.act_consumes else 0.0 for o in ops]),
        parents=tuple(o.inputs for o in ops), live_cts=live, cts_in=np.array([o.cts_in for o in ops], float),
        cts_out=np.array([o.cts_out for o in ops], float), temps=np.array([o.counts.temps for o in ops], float),
        plaintexts=np.array([o.counts.plaintexts for o in ops], float),
        rot_keys=int(sum({o.signature: o.counts.rot_keys for o in ops}.values())),
        input_cts=float(ops[0].cts_in) if ops else 0.0, output_cts=float(ops[-1].cts_out) if ops else 0.0)


def _fill(workload: Any, ops: list[LayerOps]) -> np.ndarray:
    """Slots occupied per input ciphertext of each layer: input elements / input ciphertexts.

    Used by sparse-slot bootstrapping (a ciphertext holding ``fill`` values is bootstrapped over
    2^ceil(log2 fill) slots). Layers without a known input shape count as full (inf).
    """
    shapes = {}
    for layer in getattr(workload, "layers", ()):
        shp = getattr(layer, "in_shape", None)
        if shp:
            shapes[layer.name] = float(np.prod(shp))
    out = np.full(len(ops), np.inf)
    for i, o in enumerate(ops):
        el = shapes.get(o.name)
        if el and o.cts_in > 0:
            out[i] = el / o.cts_in
    return out


@dataclass(frozen=True)
class StackedNetwork:
    """Variants stacked: every per-layer array gains a leading variant axis; ``entries`` is the union."""

    names: tuple[str, ...]
    kinds: tuple[str, ...]
    parents: tuple[tuple[int, ...], ...]
    entries: tuple[tuple[str, int], ...]
    counts: np.ndarray  # (variants, layers, entries)
    arrays: dict[str, np.ndarray]  # name -> (variants, layers) or (variants,)


def compile_variants(workload: Any, cfgs: Sequence[LoweringConfig]) -> StackedNetwork:
    """The lowered variants ``cfgs`` of ``workload`` stacked (memoised on the workload when it can memoise)."""
    if hasattr(workload, "memo"):
        return workload.memo(("he.variants", tuple(cfgs)), lambda: _stack(workload, cfgs))
    return _stack(workload, cfgs)


def _stack(workload: Any, cfgs: Sequence[LoweringConfig]) -> StackedNetwork:
    nets = [compile_network(workload, c) for c in cfgs]
    entries = tuple(sorted({e for net in nets for e in net.entries}))
    col = {e: j for j, e in enumerate(entries)}
    counts = np.zeros((len(nets), len(nets[0].names), len(entries)))
    for v, net in enumerate(nets):
        for j, e in enumerate(net.entries):
            counts[v, :, col[e]] = net.counts[:, j]
    names = ("depth", "act_cts", "act_degree", "act_seq", "act_consumes", "live_cts", "cts_in", "cts_out",
             "temps", "plaintexts", "fill")
    arrays = {k: np.stack([getattr(net, k) for net in nets]) for k in names}
    for k in ("rot_keys", "input_cts", "output_cts"):
        arrays[k] = np.array([float(getattr(net, k)) for net in nets])
    first = nets[0]
    return StackedNetwork(first.names, first.kinds, first.parents, entries, counts, arrays)
