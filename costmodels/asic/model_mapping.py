"""``asic``: the mapping-aware accelerator model (loop nests over a per-operand memory hierarchy).

For every design point the architecture (``arch`` parameter: a preset, an engine TOML or a ZigZag
3.x YAML; :mod:`.arch`) is resized by the point's knobs, and every conv/GEMM layer of the
workload (:mod:`.layers7`) gets its best mapping under ``objective`` from
:func:`.mapping_search.search_layer` (memoised per layer shape and architecture, so a sweep pays
once per distinct hardware point). ``mapping`` (a ZigZag mapping YAML or the same keys in TOML;
:mod:`.zigzag_io`) fixes what it fixes and the search does the rest. ``lowering=im2col`` prices
each convolution as the GEMM SCALE-Sim sees (:func:`.layers7.im2col`: flattened reduction and
output pixels, no sliding-window reuse of the input); the default ``loopnest`` keeps the 7 loops.

``node_nm``/``vdd`` set the node of area, leakage and of every energy the architecture takes from
the energy table (MAC, register files, SRAMs; :meth:`.arch.Arch.at_node`); costs written in the
file are its own node's and DRAM is off-chip, so neither is scaled.

Knobs with value 0 keep the architecture file's own value (``rows``, ``cols``: array D1, D2;
``glb_bytes``: the largest SRAM shared by the whole array, its per-bit energy rescaled with size
by the Horowitz SRAM points; ``dram_bw``: bits/cycle of the outermost memory; ``bits``: I/W and
final-output precision; ``clock``: Hz).

Totals: ``latency_s``, ``cycles``, ``energy_j`` = MAC + register files + SRAMs + DRAM + array
network + leakage (``energy_{mac,rf,sram,dram,noc,leak}_j``; the network term is zero unless the
architecture sets ``noc_pj_per_bit``), ``area_m2`` (PEs + on-chip memories, :mod:`.tech`
Aladdin/bitcell figures at ``node_nm``; FP16 PEs from Horowitz's areas, :func:`.energy_table.pe_area_leak`), ``utilization`` (MACs / (PEs x cycles)), ``dram_bytes``,
``macs``, ``power_w``. Per layer: the same except area, and the chosen mapping as text via
:meth:`MappingModel.layer_mappings`. A layer without a feasible mapping makes the point infeasible
with the layer and the reason.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Any

import numpy as np

from dse import CostModel, DesignSpace, Feasibility, Float, Int, Param
from dse.xp import constant, is_torch

from .arch import Arch
from .archfile import load_arch
from .compression import compressed_layers, search_compressed
from .energy_table import pe_area_leak
from .layers7 import LOWERINGS, im2col
from .mapping_search import OBJECTIVES, network_layers, search_layer
from .tech import tech

__all__ = ["MappingModel"]

_LAYER_KEYS = ("cycles", "energy_mac_j", "energy_rf_j", "energy_sram_j", "energy_dram_j", "energy_noc_j", "dram_bytes")


@lru_cache(maxsize=32)
def _arch(spec: str, node_nm: float = 45.0, vdd: float = 0.9) -> Arch:
    """The architecture ``spec`` with its energy-table costs at ``node_nm`` / ``vdd`` (:meth:`Arch.at_node`)."""
    return load_arch(spec).at_node(node_nm, vdd)


@lru_cache(maxsize=32)
def _fixed_mapping(spec: str | None):
    if spec is None:
        return None
    from .zigzag_io import read_mapping

    return read_mapping(spec)


class MappingModel(CostModel):
    """Mapping-aware PE-array model: per-layer mapping search over a memory hierarchy."""

    name = "asic"
    version = "3"
    space = DesignSpace((
        Int("rows", default=0, low=0, high=1024, doc="PE array D1 (0: as the architecture)"),
        Int("cols", default=0, low=0, high=1024, doc="PE array D2 (0: as the architecture)"),
        Float("glb_bytes", default=0.0, low=0.0, high=float(1 << 30), unit="B",
              doc="largest shared SRAM (0: as the architecture)"),
        Float("dram_bw", default=0.0, low=0.0, high=8192.0, unit="1",
              doc="outermost-memory bandwidth in bits/cycle (0: as the architecture)"),
        Int("bits", default=0, low=0, high=16, doc="I/W precision in bits (0: as the architecture)"),
        Float("clock", default=0.0, low=0.0, high=5e9, unit="Hz", doc="clock (0: as the architecture)"),
    ))
    params = (
        Param("arch", "tpu-like", "an architecture preset (tpu-like, eyeriss) or a .toml/.yaml file", parse=str),
        Param("mapping", None, "a ZigZag mapping YAML (or TOML with the same keys); none: search all", parse=str),
        Param("objective", "energy", "mapping-search objective", choices=OBJECTIVES),
        Param("lpf_limit", 6, "LOMA loop-prime-factor limit (2..8)", integer=True, ge=2, le=8),
        Param("spatial_top", 0, "search only the k best-utilised spatial unrollings per layer (0 = all)",
              integer=True, ge=0, le=10000),
        Param("rs_pairs", 0, "1: also search row-stationary unrollings (FY or FX x one loop per array dimension)",
              integer=True, ge=0, le=1),
        Param("lowering", "loopnest", "conv lowering: loopnest (7 loops, halo reuse) or im2col (the GEMM "
              "SCALE-Sim sees: M = B*OY*OX, K = C*FY*FX, N = K; input traffic of the unrolled matrix)",
              choices=LOWERINGS),
        Param("node_nm", 28.0, "technology node in nm for area, leakage and the energy table's MAC/RF/SRAM "
              "energies (7..130; an architecture file's own costs are not scaled)", ge=7, le=130),
        Param("vdd", 0.9, "supply voltage in V for leakage and the energy table's energies (0.3..1.5)", unit="V",
              ge=0.3, le=1.5),
        Param("leak_scale", 1.0, "multiplier on leakage power (0 = none)", ge=0),
    )
    capabilities = frozenset({"batch"})
    metric_units = {"cycles": "1", "utilization": "1", "macs": "1"}
    example_workloads = ("resnet20-cifar",)
    #: conformance runs check the contract, not fidelity: a small search keeps them quick
    example_params = ({"lpf_limit": 4, "spatial_top": 2},)

    def architecture(self) -> Arch:
        return _arch(str(self.param("arch")), float(self.param("node_nm")), float(self.param("vdd")))

    def _point_arch(self, base: Arch, rows: int, cols: int, glb: float, bw: float, bits: int) -> Arch:
        sizes = list(base.sizes)
        if rows > 0:
            sizes[0] = rows
        if cols > 0 and len(sizes) > 1:
            sizes[1] = cols
        return base.with_knobs(sizes=tuple(sizes), glb_bits=glb * 8 if glb > 0 else None,
                               top_bw=bw if bw > 0 else None, bits=bits if bits > 0 else None)

    def _points(self, design) -> list[tuple]:
        cols = [np.asarray(design[k].detach().cpu() if hasattr(design[k], "detach") else design[k], dtype=np.float64)
                for k in ("rows", "cols", "glb_bytes", "dram_bw", "bits", "clock")]
        return [tuple(float(c[i]) for c in cols) for i in range(design.n)]

    def _search(self, arch: Arch, layers):
        fixed = _fixed_mapping(self.param("mapping"))
        obj, lpf, top = str(self.param("objective")), int(self.param("lpf_limit")), int(self.param("spatial_top"))
        pairs = bool(int(self.param("rs_pairs")))
        return [search_layer(l, arch, obj, fixed=fixed.get(l.name) if fixed else None, lpf_limit=lpf, spatial_top=top,
                             pairs=pairs) for l in layers]

    def layer_mappings(self, workload: Any, point: dict[str, Any] | None = None) -> list[str]:
        """The chosen mapping of every layer (text, see :func:`.mapping_search.mapping_text`)."""
        p = {k.name: k.default for k in self.space}
        p.update(point or {})
        arch = self._point_arch(self.architecture(), int(p["rows"]), int(p["cols"]), float(p["glb_bytes"]),
                                float(p["dram_bw"]), int(p["bits"]))
        comp = self._layers(workload)
        return [r.text if r.feasible else f"infeasible: {r.reason}"
                for r in search_compressed(self._search, arch, comp, int(p["bits"]) > 0)]

    def _layers(self, workload):
        """Per-layer compression (compression.py), then the conv lowering (``lowering``)."""
        comp = compressed_layers(workload, network_layers(workload))
        if self.param("lowering") == "im2col":
            comp = replace(comp, layers=tuple(im2col(l) for l in comp.layers))
        return comp

    def _evaluate(self, workload, design, xp):
        comp = self._layers(workload)
        layers = comp.layers
        base = self.architecture()
        n, nl = design.n, len(layers)
        t = tech(float(self.param("node_nm")), float(self.param("vdd")))
        leak_scale = float(self.param("leak_scale"))
        per = {k: np.zeros((n, nl)) for k in _LAYER_KEYS}
        tot = {k: np.zeros(n) for k in ("area_m2", "clock_hz", "leak_w")}
        bad: dict[str, np.ndarray] = {}
        for i, (rows, cols, glb, bw, bits, clock) in enumerate(self._points(design)):
            arch = self._point_arch(base, int(rows), int(cols), glb, bw, int(bits))
            for j, (l, r) in enumerate(zip(layers, search_compressed(self._search, arch, comp, int(bits) > 0))):
                if not r.feasible:
                    bad.setdefault(f"layer {l.name}: {r.reason}", np.zeros(n, dtype=bool))[i] = True
                    continue
                m, rep = r.metrics, l.repeat
                per["cycles"][i, j] = m["cycles"] * rep
                for part in ("mac", "rf", "sram", "dram", "noc"):
                    per[f"energy_{part}_j"][i, j] = m[f"energy_{part}_pj"] * 1e-12 * rep
                per["energy_mac_j"][i, j] *= comp.gate[j]  # zero-weight MACs gated
                per["dram_bytes"][i, j] = m["dram_bits"] / 8 * rep
            mem_bits = sum(mm.size_bits * arch.instances(mm) for mm in arch.memories if mm.kind != "dram")
            pe_area, pe_leak = pe_area_leak(arch.number, arch.bits["O"], t)
            tot["area_m2"][i] = arch.n_pe * pe_area + mem_bits * t.sram_area_per_bit_m2
            tot["leak_w"][i] = (arch.n_pe * pe_leak + mem_bits * t.sram_leak_per_bit_w) * leak_scale
            tot["clock_hz"][i] = clock if clock > 0 else arch.clock_hz
            tot.setdefault("n_pe", np.zeros(n))[i] = arch.n_pe
        macs = float(sum(l.macs for l in layers))
        lat_l = per["cycles"] / tot["clock_hz"][:, None]
        per["latency_s"] = lat_l
        per["energy_leak_j"] = lat_l * tot["leak_w"][:, None]
        per["energy_j"] = sum(per[f"energy_{c}_j"] for c in ("mac", "rf", "sram", "dram", "noc", "leak"))
        mac_l = np.asarray([float(l.macs) for l in layers])
        per["utilization"] = np.where(per["cycles"] > 0, mac_l / (np.maximum(per["cycles"], 1e-300) * tot["n_pe"][:, None]), 0.0)
        totals = {k: per[k].sum(axis=1) for k in ("latency_s", "cycles", "energy_j", "energy_mac_j", "energy_rf_j",
                                                  "energy_sram_j", "energy_dram_j", "energy_noc_j", "energy_leak_j",
                                                  "dram_bytes")}
        totals["area_m2"] = tot["area_m2"]
        totals["macs"] = np.full(n, macs)
        totals["utilization"] = np.where(totals["cycles"] > 0, macs / (np.maximum(totals["cycles"], 1e-300) * tot["n_pe"]), 0.0)
        totals["power_w"] = np.where(totals["latency_s"] > 0, totals["energy_j"] / np.maximum(totals["latency_s"], 1e-300), 0.0)
        like = design["rows"]
        f = Feasibility(xp, n, like=like if is_torch(like) else None)
        for why, mask in bad.items():
            f.require(constant(xp, ~mask, like=like, dtype=xp.bool) if is_torch(like) else ~mask, why)
        if is_torch(like):
            totals = {k: constant(xp, v, like=like) for k, v in totals.items()}
            per = {k: constant(xp, v, like=like) for k, v in per.items()}
        return self.make_metrics(totals=totals, layers=per, layer_names=tuple(l.name for l in layers),
                                 layer_kinds=tuple(l.kind for l in layers), feasibility=f)
