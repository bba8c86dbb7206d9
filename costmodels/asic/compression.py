"""How the ``asic`` mapping model reads a workload's per-layer compression (:mod:`workloads.compression`).

Rules (a dense PE array with a loop-nest dataflow, no sparse-index hardware):

* ``filter`` / ``channel`` pruning removes whole output filters / input channels, so the layer *is*
  a smaller dense layer: ``K' = ceil(K d)`` (filter) or ``C' = ceil(C d)`` (channel) and the mapping
  search maps the smaller loop nest; cycles, every energy term and DRAM traffic shrink
  (structured pruning gives dense layers any accelerator runs faster: [Wen16]).
* ``unstructured`` / ``block`` / ``pattern`` sparsity cannot shorten a dense schedule: the PE still
  owns its slot, so compute cycles stay and zero-weight MACs are *gated*: MAC energy times the kept
  fraction ``d`` (the weights' memory traffic follows the storage rule below). Eyeriss gates the MAC on a zero operand, saving energy but not
  cycles [Eyeriss17]; it gates zero input activations, and the same gate applies to a zero weight
  (operand reads are not gated here, a conservative choice). Skipping zeros for cycles
  needs sparse-index hardware (Cambricon-X [CambriconX16], SCNN [SCNN17]): not modelled here.
* weight storage: the ``W`` operand is stored and moved (DRAM, SRAM, register files) at its
  quantised width ``w`` when that is below the array's (sub-word weights packed), and irregular
  sparsity (``unstructured`` / ``block`` / ``pattern``) is stored as a bitmap, one presence bit per
  weight plus the non-zeros, ``d w + 1`` bits per weight position, whenever that is smaller
  [an engine assumption: the simplest lossless format; Cambricon-X's step indices [CambriconX16] and
  SCNN's run lengths [SCNN17] are alternatives]. MAC energy does not change with it.
* MAC precision: with the ``bits`` knob at 0 the array is precision-scalable and runs each layer at
  ``max(weight_bits, act_bits)`` (each defaulting to the architecture's own I/W precision), with the
  MAC energy on the Horowitz curve (:meth:`.arch.Arch.with_knobs`), as Bit Fusion fuses bit-bricks
  per layer [BitFusion18]; a non-zero ``bits`` knob is a fixed-precision array (MACs at that width).
* block-circulant weights (``circulant``) are not read: the array has no FFT unit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Callable

from workloads.compression import compression_of

from .mapping import Layer7

__all__ = ["CompressedLayers", "compressed_layers", "layer_arch", "search_compressed"]

_K, _C = 1, 2  # Layer7.dims indices of output channels and input channels


@dataclass(frozen=True)
class CompressedLayers:
    """Loop nests after structured pruning, MAC-energy gate per layer, (weight, act) bits per layer."""

    layers: tuple[Layer7, ...]
    gate: tuple[float, ...]
    bits: tuple[tuple[int | None, int | None], ...]
    irregular: tuple[float, ...]  # kept fraction of irregular (bitmap-stored) sparsity, 1.0 if none

    @property
    def plain(self) -> bool:
        return all(w is None and a is None for w, a in self.bits) and all(d == 1.0 for d in self.irregular)


def _source(workload: Any) -> dict[str, Any]:
    return {l.name: l for l in workload.layers}


def _compress(workload: Any, layers7: list[Layer7]) -> CompressedLayers:
    by_name = _source(workload)
    out, gate, bits = [], [], []
    for l7 in layers7:
        src = by_name.get(l7.name) or by_name.get(l7.name.rsplit(".", 1)[0])
        c = compression_of(src)
        dims = list(l7.dims)
        g = 1.0
        if c.is_sparse and (c.structure == "filter" or (c.structure == "channel" and l7.depthwise)):
            dims[_K] = max(1, math.ceil(dims[_K] * c.density))
        elif c.is_sparse and c.structure == "channel":
            dims[_C] = max(1, math.ceil(dims[_C] * c.density))
        elif c.is_sparse:
            g = c.density
        out.append(replace(l7, dims=tuple(dims)) if dims != list(l7.dims) else l7)
        gate.append(g)
        bits.append((c.weight_bits, c.act_bits))
    return CompressedLayers(tuple(out), tuple(gate), tuple(bits), tuple(gate))


def compressed_layers(workload: Any, layers7: list[Layer7]) -> CompressedLayers:
    """The compressed view of ``layers7`` (memoised per workload)."""
    return workload.memo("asic.compressed", lambda: _compress(workload, layers7))


def layer_arch(arch: Any, bits: tuple[int | None, int | None], irregular: float, fixed_bits: bool) -> Any:
    """The architecture one layer runs on: MAC precision (unless ``fixed_bits``), then the weight
    operand's storage width (packed quantised weights, bitmap-stored irregular sparsity)."""
    w, a = bits
    if not fixed_bits and (w is not None or a is not None):
        prec = max(w or int(arch.bits["W"]), a or int(arch.bits["I"]))
        if prec != max(int(arch.bits["W"]), int(arch.bits["I"])):
            arch = arch.with_knobs(bits=prec)
    full = float(arch.bits["W"])
    q = min(float(w), full) if w is not None else full
    store = min(q, irregular * q + 1.0) if irregular < 1.0 else q
    return arch if store >= full else replace(arch, bits={**arch.bits, "W": store})


def search_compressed(search: Callable[[Any, list[Layer7]], list[Any]], arch: Any, comp: CompressedLayers,
                      fixed_bits: bool) -> list[Any]:
    """``search(arch, layers)`` per group of layers that run on the same architecture variant
    (:func:`layer_arch`); an uncompressed workload is one plain ``search(arch, layers)``."""
    layers = list(comp.layers)
    if comp.plain:
        return search(arch, layers)
    archs = [layer_arch(arch, b, d, fixed_bits) for b, d in zip(comp.bits, comp.irregular)]
    out: list[Any] = [None] * len(layers)
    groups: dict[tuple, list[int]] = {}
    for i, a in enumerate(archs):
        groups.setdefault(a.key(), []).append(i)
    for idx in groups.values():
        for i, r in zip(idx, search(archs[idx[0]], [layers[i] for i in idx])):
            out[i] = r
    return out
