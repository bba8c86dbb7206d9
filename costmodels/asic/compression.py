"""How the ``asic`` mapping model reads a workload's per-layer compression (:mod:`workloads.compression`).

Rules (a dense PE array with a loop-nest dataflow, no sparse-index hardware):

* ``filter`` / ``channel`` pruning removes whole output filters / input channels, so the layer *is*
  a smaller dense layer: ``K' = ceil(K d)`` (filter) or ``C' = ceil(C d)`` (channel) and the mapping
  search maps the smaller loop nest; cycles, every energy term and DRAM traffic shrink
  (structured pruning gives dense layers any accelerator runs faster: [Wen16]).
* ``unstructured`` / ``block`` / ``pattern`` sparsity cannot shorten a dense schedule: the PE still
  owns its slot, so cycles and memory traffic stay and only zero-weight MACs are *gated*: MAC energy
  times the kept fraction ``d``. Eyeriss gates the MAC on a zero operand, saving energy but not
  cycles [Eyeriss17]; it gates zero input activations, and the same gate applies to a zero weight
  (operand reads are not gated here, a conservative choice). Skipping zeros for cycles
  needs sparse-index hardware (Cambricon-X [CambriconX16], SCNN [SCNN17]): not modelled here.
* bits: with the ``bits`` knob at 0 the array is precision-scalable and runs each layer at
  ``max(weight_bits, act_bits)`` (each defaulting to the architecture's own I/W precision), with the
  MAC energy on the Horowitz curve and operands stored at that width (:meth:`.arch.Arch.with_knobs`),
  as Bit Fusion fuses bit-bricks per layer [BitFusion18]; a non-zero ``bits`` knob is a
  fixed-precision array and per-layer bits change nothing.
* block-circulant weights (``circulant``) are not read: the array has no FFT unit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Callable

from workloads.compression import compression_of

from .mapping import Layer7

__all__ = ["CompressedLayers", "compressed_layers", "search_compressed"]

_K, _C = 1, 2  # Layer7.dims indices of output channels and input channels


@dataclass(frozen=True)
class CompressedLayers:
    """Loop nests after structured pruning, MAC-energy gate per layer, (weight, act) bits per layer."""

    layers: tuple[Layer7, ...]
    gate: tuple[float, ...]
    bits: tuple[tuple[int | None, int | None], ...]

    @property
    def any_bits(self) -> bool:
        return any(w is not None or a is not None for w, a in self.bits)


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
    return CompressedLayers(tuple(out), tuple(gate), tuple(bits))


def compressed_layers(workload: Any, layers7: list[Layer7]) -> CompressedLayers:
    """The compressed view of ``layers7`` (memoised per workload)."""
    return workload.memo("asic.compressed", lambda: _compress(workload, layers7))


def search_compressed(search: Callable[[Any, list[Layer7]], list[Any]], arch: Any, comp: CompressedLayers,
                      fixed_bits: bool) -> list[Any]:
    """``search(arch, layers)`` per precision group: each layer on ``arch`` at its own precision
    unless ``fixed_bits`` (the design's ``bits`` knob is set)."""
    layers = list(comp.layers)
    if fixed_bits or not comp.any_bits:
        return search(arch, layers)
    base_w, base_i = int(arch.bits["W"]), int(arch.bits["I"])
    prec = [max(w or base_w, a or base_i) for w, a in comp.bits]
    out: list[Any] = [None] * len(layers)
    for b in sorted(set(prec)):
        idx = [i for i, p in enumerate(prec) if p == b]
        a = arch if b == max(base_w, base_i) else arch.with_knobs(bits=b)
        for i, r in zip(idx, search(a, [layers[i] for i in idx])):
            out[i] = r
    return out
