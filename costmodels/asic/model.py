"""``asic-systolic``: an R x C systolic PE array with SRAM buffers, DRAM and a roofline overlap.

Per GEMM row of the workload (:mod:`.lowering`) and per design point, vectorised as ``(1, N)``
design rows against ``(L, 1)`` layer columns (:mod:`.arith`):

* **compute cycles** -- SCALE-Sim 3.0.0's count (:mod:`.systolic`):
  ``batch * (ceil(S_R/R) * ceil(S_C/C) * (R + C + T - 2 + [ws|is] R) - 1)``. Sub-8-bit modes pack
  ``p = 8/bits`` values per 8-bit word (a reconfigurable multiplier does ``p`` products per cycle),
  and zero-skipping PEs (``sparse_pe=skip``) compress the weights, so the reduction dimension
  becomes ``K_w = ceil(K * (1 - weight_sparsity) / p)`` (with ``index_bits`` per stored weight); with 8 bits and no skipping ``K_w = K``
  and the count is SCALE-Sim's exactly.
* **DRAM traffic** (:mod:`.memory`) with reuse in the three SRAMs and the psum spill of WS/IS.
* **stall cycles** -- roofline per layer with double-buffered overlap of DRAM transfers and
  compute: ``stall = max(0, ceil(dram_bytes / (dram_bw / clock)) - cycles)`` (whole cycles), so a layer takes
  ``max(compute, memory)`` cycles.
* **energy** -- per executed MAC the multiply (``(bits/8)^2``) and accumulate (``psum_bits``),
  zero-gated for ``gate``/``skip`` PEs, two operand hops PE-to-PE and a register-file psum
  update; SRAM accesses at a per-bit energy growing with each SRAM's size; DRAM bits (or
  global-buffer bits with ``memory=on-chip``); leakage of the PEs and SRAMs over the latency
  (:mod:`.tech` tables, scaled to ``node_nm`` and ``vdd``).

Totals: ``cycles`` (compute, sum over layers), ``stall_cycles``, ``latency_s = (cycles +
stall_cycles) / clock``, ``energy_j``, ``utilization`` (MACs executed / (R*C*p*(cycles+stalls)),
SCALE-Sim's "Overall Util" for dense 8-bit), ``area_m2``, ``power_w``, ``dram_bytes``,
``ops_per_j`` (2 ops per MAC), ``peak_ops_per_s``, ``energy_{array,sram,dram,leak}_j``. Per
layer: ``cycles``, ``stall_cycles``, ``energy_j``, ``dram_bytes``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dse import Categorical, CostModel, DesignSpace, Feasibility, Float, Int, Param, Pow2
from dse.xp import constant, is_torch

from .arith import layer_rows, layers, prepare
from .lowering import lower
from .tech import tech

__all__ = ["SystolicArrayModel"]

#: Design points per numpy chunk: temporaries of CHUNK_ELEMS (points x layers) stay in L2 cache.
CHUNK_ELEMS = 1 << 15


class SystolicArrayModel(CostModel):
    """Systolic-array timing (SCALE-Sim-exact compute cycles), memory roofline, energy and area."""

    name = "asic-systolic"
    version = "2"  # 2: stall cycles and DRAM bytes are whole numbers (rounded up)
    space = DesignSpace((
        Int("rows", default=32, low=1, high=4096, log=True, doc="PE rows R"),
        Int("cols", default=32, low=1, high=4096, log=True, doc="PE columns C"),
        Categorical("dataflow", default="ws", choices=("os", "ws", "is"),
                    doc="output-, weight- or input-stationary"),
        Pow2("ifmap_sram", default=64 * 1024, low=1024, high=1 << 27, unit="B", doc="ifmap SRAM"),
        Pow2("filter_sram", default=64 * 1024, low=1024, high=1 << 27, unit="B", doc="filter SRAM"),
        Pow2("ofmap_sram", default=64 * 1024, low=1024, high=1 << 27, unit="B", doc="ofmap SRAM"),
        Float("dram_bw", default=10e9, low=1e5, high=1e13, log=True, unit="B/s", doc="DRAM bandwidth"),
        Float("clock", default=200e6, low=1e3, high=5e9, log=True, unit="Hz", doc="array clock"),
        Pow2("bits", default=8, low=1, high=8, doc="operand bit width (8/4/2/1-bit multiplier modes)"),
        Float("weight_sparsity", default=0.0, low=0.0, high=0.95, doc="fraction of zero weights"),
        Float("act_sparsity", default=0.0, low=0.0, high=0.95, doc="fraction of zero activations"),
        Categorical("sparse_pe", default="dense", choices=("dense", "gate", "skip"),
                    doc="dense: no zero handling; gate: zero operands gate the MAC (energy only); "
                        "skip: compressed weights are skipped (cycles and energy), activations gated"),
    ))
    params = (
        Param("node_nm", 45.0, "technology node in nm (the scaling table's 7..130)", ge=7, le=130),
        Param("vdd", 0.9, "supply voltage in V (0.3..1.5)", unit="V", ge=0.3, le=1.5),
        Param("psum_bits", 32, "partial-sum width in bits (at least the 8-bit operand width)",
              integer=True, ge=8, le=64),
        Param("index_bits", 4, "index bits per non-zero weight with sparse_pe=skip "
                               "(4-bit relative index: Han et al., EIE, ISCA 2016)", integer=True, ge=0, le=32),
        Param("leak_scale", 1.0, "multiplier on leakage power (0 = no leakage; LP processes < 1)", ge=0),
        Param("memory", "dram", "backing store: dram (off-chip, Eyeriss 200x ladder energy) or on-chip "
              "(a resident SRAM: transfers cost global-buffer energy; tiny edge chips)",
              choices=("dram", "on-chip")),
        Param("max_area_mm2", None, "area budget in mm^2 (points above it are infeasible; none by default)",
              gt=0, optional=True),
    )
    capabilities = frozenset({"batch"})
    metric_units = {"cycles": "1", "stall_cycles": "1", "utilization": "1", "macs": "1",
                    "ops_per_j": "1/J"}
    param_units = {"node_nm": "nm", "vdd": "V", "psum_bits": "bit", "index_bits": "bit", "max_area_mm2": "mm²"}
    example_workloads = ("resnet20-cifar",)
    example_params = ({}, {"node_nm": 28.0, "vdd": 0.8, "max_area_mm2": 2.0})

    # -- evaluation ------------------------------------------------------------------------
    def _evaluate(self, workload, design, xp, per_layer: bool = True):
        tbl = lower(workload)
        n = design.n
        consts = self._constants()
        rows = {k: (v[:, None] if v is not None else None) for k, v in layer_rows(tbl).items()}
        if is_torch(design["rows"]):
            rows = {k: (constant(xp, v, like=design["rows"]) if v is not None else None)
                    for k, v in rows.items()}
            out = layers(xp, prepare(xp, design, slice(None), consts), rows, consts, None)
        else:
            out = self._evaluate_grouped(np, design, rows, consts, n, len(tbl), per_layer)
        f = Feasibility(xp, n, like=design["rows"])
        budget = self.param("max_area_mm2")
        if budget is not None:
            f.require(out["area_m2"] <= budget * 1e-6, f"area exceeds max_area_mm2={budget:g}")
        return self.make_metrics(
            totals={k: v for k, v in out.items() if not k.startswith("layer_")},
            layers={k[len("layer_"):]: v.T for k, v in out.items() if k.startswith("layer_")},
            layer_names=tbl.names, layer_kinds=tbl.kinds, feasibility=f)

    def _evaluate_totals(self, workload, design, xp):
        """Totals only (``evaluate(..., layers=False)``): the numpy path does not copy the
        ``(L, n)`` per-layer arrays out of each chunk (about a third of a sweep's time)."""
        return self._evaluate(workload, design, xp, per_layer=False)

    @staticmethod
    def _evaluate_grouped(xp, design, rows, consts, n: int, n_layers: int, per_layer: bool = True) -> dict[str, Any]:
        """numpy: chunks of ~CHUNK_ELEMS elements (points x layers), each split by dataflow.

        Within a chunk the points of each dataflow are evaluated together with the dataflow fixed
        (no per-element selections) and written back to their positions; designs from grids,
        where long runs share a dataflow, mostly take the single-dataflow fast path. Uses plain
        ``numpy`` (its array-API namespace) rather than the compat wrapper: same functions, less
        per-call overhead on cache-sized chunks."""
        codes = np.asarray(design["dataflow"])
        labels = SystolicArrayModel.space["dataflow"].choices
        step = max(1, CHUNK_ELEMS // n_layers)
        out: dict[str, np.ndarray] = {}

        def emit(part, where):
            for k, v in part.items():
                if not per_layer and k.startswith("layer_"):
                    continue
                if k not in out:
                    out[k] = np.empty(v.shape[:-1] + (n,), v.dtype)
                out[k][..., where] = v

        for s in range(0, n, step):
            chunk = codes[s:s + step]
            first = int(chunk[0])
            if (chunk == first).all():
                sel = slice(s, s + len(chunk))
                emit(layers(xp, prepare(xp, design, sel, consts), rows, consts, labels[first]), sel)
                continue
            for code, label in enumerate(labels):
                idx = np.flatnonzero(chunk == code)
                if len(idx):
                    idx += s
                    emit(layers(xp, prepare(xp, design, idx, consts), rows, consts, label), idx)
        return out

    def _constants(self) -> dict[str, float]:
        t = tech(float(self.param("node_nm")), float(self.param("vdd")))
        leak = float(self.param("leak_scale"))
        return {
            "e_mult8": t.e_mult8_j, "e_acc32": t.e_acc_j, "e_pe_bit": t.e_pe_bit_j,
            "e_rf_bit": t.e_rf_bit_j, "e_glb_bit": t.e_glb_bit_j,
            "e_dram_bit": t.e_dram_bit_j if self.param("memory") == "dram" else t.e_glb_bit_j,
            "pe_area": t.pe_area_m2, "pe_leak": t.pe_leak_w * leak,
            "sram_area_bit": t.sram_area_per_bit_m2, "sram_leak_bit": t.sram_leak_per_bit_w * leak,
            "sram_ref_bytes": t.sram_ref_bytes, "sram_size_exp": t.sram_size_exp,
            "psum_bits": float(self.param("psum_bits")), "index_bits": float(self.param("index_bits")),
        }

