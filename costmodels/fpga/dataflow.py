"""FINN-style streaming dataflow estimator (``fpga-dataflow``): any CNN/MLP as one pipeline of
per-layer units, folded to a target initiation interval.

Mapping (one hardware unit per layer, [FINN-R18]): ``linear`` and ``conv2d`` (groups 1) become a
matrix-vector unit (MVAU) of ``MW x MH`` weights (``MW = C_in k_h k_w``, ``MH = C_out``) applied to
``N`` vectors per frame (output pixels; 1 for a linear layer), a convolution also gets a sliding-window
unit (SWU) streaming its input; depthwise ``conv2d`` becomes a vector-vector unit (``MW = k_h k_w``,
``MH = C``); ``pool2d``, ``add`` and standalone norm/activation layers become streaming units of
``C`` channels over their input pixels (norm and activation are thresholds fused into the
preceding MVAU after FINN's streamlining, so they cost nothing of their own); ``reshape`` and
``flatten`` are free. Any other layer (attention, recurrent, embedding, activation-activation
matmul) has no streaming unit: :class:`~dse.errors.DseInputError` names the node (CLI exit 2).

Folding (FINN's ``SetFolding`` rule): for a target of ``target_cycles`` cycles per frame, each unit
raises SIMD through the divisors of ``MW``, then PE through the divisors of ``MH``, until
``(MH / PE) (MW / SIMD) N <= target`` (or it is fully unfolded). Throughput = ``f / max_l cycles_l``
frames/s, latency ~ ``sum_l cycles_l / f`` (FIFO fill ignored).

Resources per MVAU (FINN formulas, :mod:`costmodels.fpga.resources`): LUT
``300 + 1.1 PE (mult + addertree + acc)`` (multipliers in LUTs for ``mult=lut``), DSP
``PE SIMD ceil((W + A) / 48)`` for ``mult=dsp`` (FINN's own "crude" formula), weight memory
``MW MH / (PE SIMD)`` words of ``PE SIMD W`` bits in RAMB18s (FINN's aspect table; no LUTRAM
option). SWU line buffers: ``k_h`` rows of ``W_in C_in A`` bits in RAMB18s (by bits, [M]).
A layer's compression ``weight_bits`` / ``act_bits`` (:mod:`workloads.compression`) replace ``wbits`` /
``abits`` for its unit (FINN-R's per-layer mixed precision, [FINN-R18]); sparsity is not read (MVAUs
are dense). Not modelled: threshold memories, FIFOs, the SWU's and the streaming units' LUTs, the DSP58 of
Versal. Not validated against FINN's published CNV/TFC figures (see docs/fpga.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dse import Categorical, CostModel, DesignSpace, Feasibility, Int
from dse.errors import DseInputError
from dse.metrics import to_numpy
from dse.xp import constant

from . import presets
from .compression import layer_bits
from .resources import bram18_sdp, lut_mvau

__all__ = ["DataflowModel", "Unit", "map_layers", "unit_resources"]

FREE = ("reshape", "flatten", "slice", "dropout", "identity")
FUSED = ("norm", "activation")


@dataclass(frozen=True)
class Unit:
    """One streaming unit: ``MW x MH`` folded over ``N`` vectors (MVAU/VVAU) or ``C`` channels."""

    name: str
    kind: str            # mvau | vvau | stream
    mw: int
    mh: int
    n: int
    line_bits_per_abit: float = 0.0   # SWU line buffer bits per activation bit (0 without SWU)

    def candidates(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(PE, SIMD, cycles) in FINN's folding order: SIMD over divisors of MW, then PE over MH."""
        div = lambda x: [d for d in range(1, x + 1) if x % d == 0]  # noqa: E731
        pe = [1] * len(div(self.mw)) + div(self.mh)[1:]
        simd = div(self.mw) + [self.mw] * (len(div(self.mh)) - 1)
        pe_a, simd_a = np.array(pe, dtype=float), np.array(simd, dtype=float)
        return pe_a, simd_a, (self.mh / pe_a) * (self.mw / simd_a) * self.n


def map_layers(workload) -> tuple[Unit, ...]:
    """Streaming units of ``workload`` (see the module docstring); unmappable layers raise."""
    units = []
    for layer in workload.layers:
        kind, shape = layer.kind, tuple(int(x) for x in layer.in_shape)
        if kind in FREE or kind in FUSED:
            continue
        if kind == "linear":
            units.append(Unit(layer.name, "mvau", int(np.prod(shape[-1:])), int(layer.out_features),
                              int(np.prod(shape[:-1])) if len(shape) > 1 else 1))
        elif kind == "conv2d":
            kh, kw = (int(k) for k in layer.kernel)
            c_in, c_out = shape[0], int(layer.out_channels)
            out = tuple(int(x) for x in layer.out_shape)
            line = kh * shape[2] * c_in
            if int(layer.groups) == 1:
                units.append(Unit(layer.name, "mvau", c_in * kh * kw, c_out, out[1] * out[2], line))
            elif int(layer.groups) == c_in == c_out:
                units.append(Unit(layer.name, "vvau", kh * kw, c_out, out[1] * out[2], line))
            else:
                raise DseInputError(f"layer {layer.name}", f"grouped conv2d (groups={layer.groups})",
                                    "groups 1 or depthwise (a streaming unit exists)")
        elif kind in ("pool2d", "add"):
            units.append(Unit(layer.name, "stream", 1, shape[0], int(np.prod(shape[1:])) if len(shape) > 1 else 1))
        else:
            raise DseInputError(f"layer {layer.name}", kind,
                                "linear, conv2d, pool2d, add, norm, activation, reshape (layers with a streaming unit)")
    if not units:
        raise DseInputError(f"workload {workload.name}", "no mappable layers", "a CNN or MLP")
    return tuple(units)


def unit_resources(units: tuple[Unit, ...], pe: np.ndarray, simd: np.ndarray, wbits: np.ndarray,
                   abits: np.ndarray, use_dsp: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(LUT, DSP, BRAM36) per unit for folding ``pe``, ``simd`` (``(N, U)``) and operand widths
    ``wbits``, ``abits`` (broadcast to ``(N, U)``; ``abits`` = the unit's input activation bits):
    FINN's MVAU formulas (module docstring); streaming units cost nothing here."""
    mvau = np.array([u.kind != "stream" for u in units])[None, :]
    mw = np.array([u.mw for u in units], dtype=float)[None, :]
    mh = np.array([u.mh for u in units], dtype=float)[None, :]
    lut = np.where(mvau, np.where(use_dsp, lut_mvau(np, pe, simd, wbits, abits, mw, lut_mult=False),
                                  lut_mvau(np, pe, simd, wbits, abits, mw, lut_mult=True)), 0.0)
    dsp = np.where(mvau & use_dsp, pe * simd * np.ceil((wbits + abits) / 48.0), 0.0)
    bram18 = np.where(mvau, bram18_sdp(np, pe * simd * wbits, mw * mh / (pe * simd)), 0.0)
    line = np.array([u.line_bits_per_abit for u in units])[None, :] * abits
    bram18 = bram18 + np.ceil(line / (18 * 1024))
    return lut, dsp, np.ceil(bram18 / 2.0)


class DataflowModel(CostModel):
    """FINN-style dataflow pipeline of a CNN/MLP on one FPGA, folded to a target cycle count."""

    name = "fpga-dataflow"
    version = "1"
    space = DesignSpace((
        Categorical("board", default="zcu102", choices=presets.board_names(), doc="FPGA board (data/boards.csv)"),
        Int("target_cycles", default=100_000, low=64, high=100_000_000, log=True,
            doc="target cycles per frame of every unit (folding)"),
        Int("wbits", default=4, low=1, high=8, doc="weight bits"),
        Int("abits", default=4, low=1, high=8, doc="activation bits"),
        Categorical("mult", default="lut", choices=("lut", "dsp"), doc="multipliers in LUTs or DSPs"),
    ))
    params = ()
    metric_units = {"lut": "1", "dsp": "1", "bram36": "1", "cycles": "1", "pe": "1", "simd": "1"}
    example_workloads = ("lenet5",)
    example_params = ({},)

    def _units(self, workload) -> tuple[Unit, ...]:
        return workload.memo(("fpga.dataflow",), lambda: map_layers(workload))

    def _evaluate(self, workload, design, xp):
        units = self._units(workload)
        target = to_numpy(design["target_cycles"]).astype(float)
        n = len(target)
        pe, simd, cyc = (np.zeros((n, len(units))) for _ in range(3))
        for j, u in enumerate(units):
            p, s, c = u.candidates()
            k = np.minimum(np.searchsorted(-c, -target, side="left"), len(c) - 1)   # first c <= target
            pe[:, j], simd[:, j], cyc[:, j] = p[k], s[k], c[k]
        w = to_numpy(design["wbits"]).astype(float)[:, None]
        a = to_numpy(design["abits"]).astype(float)[:, None]
        lw, hw, la, ha = layer_bits(workload, tuple(u.name for u in units))  # per-layer bits (compression.py)
        w, a = w * (1.0 - hw) + lw * hw, a * (1.0 - ha) + la * ha
        use_dsp = to_numpy(design.eq("mult", "dsp")).astype(bool)[:, None]
        lut, dsp, bram36 = unit_resources(units, pe, simd, w, a, use_dsp)
        code = to_numpy(design["board"]).astype(int)
        table = presets.board_arrays(presets.board_names())
        clock = table["clock_hz"][code]
        c = lambda arr: constant(xp, np.asarray(arr, dtype=float), like=design["target_cycles"])  # noqa: E731
        worst = cyc.max(axis=1)
        totals = {"throughput_per_s": c(clock / worst), "latency_s": c(cyc.sum(axis=1) / clock),
                  "lut": c(lut.sum(axis=1)), "dsp": c(dsp.sum(axis=1)), "bram36": c(bram36.sum(axis=1)),
                  "cycles": c(worst)}
        fz = Feasibility(xp, n, like=design["board"])
        for key, label in (("dsp", "DSP"), ("bram36", "BRAM"), ("lut", "LUT")):
            fz.require(totals[key] <= c(table[f"{key}_budget"][code]), f"exceeds the board's {label} budget ({key})")
        layers = {"cycles": c(cyc), "pe": c(pe), "simd": c(simd), "lut": c(lut), "dsp": c(dsp), "bram36": c(bram36),
                  "latency_s": c(cyc / clock[:, None])}
        return self.make_metrics(totals=totals, layers=layers, layer_names=tuple(u.name for u in units),
                                 layer_kinds=tuple(u.kind for u in units), feasibility=fz)
