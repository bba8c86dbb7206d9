"""Published FINN designs (Xilinx BNN-PYNQ CNV and LFC on a PYNQ-Z1) priced with the
``fpga-dataflow`` formulas at their published folding.

``data/finn_designs.csv`` holds each design's layers with the PE/SIMD the Finnthesizer chose
([BNNPYNQ18, code bnn/src/network/<design>/hw/config.h]); ``data/finn_published.csv`` its
post-placement utilisation (Vivado 2018.2, the whole design: accelerator plus AXI/DMA glue), the
fabric clock of the PYNQ-Z1 overlay (FCLK0 = 100 MHz) and the frame rate recorded in the notebooks
over the 10,000-image test sets with the clock it ran at (``fps_clock_hz``: the Ultra96 overlay's
300 MHz ap_clk, same folding; inferred from the repository history, see the CSV's source column,
because the CNV rates exceed what any pipeline with these per-layer cycle counts can reach at 100 MHz). :func:`estimate` runs the same per-unit formulas as
:class:`~costmodels.fpga.dataflow.DataflowModel` (:func:`~costmodels.fpga.dataflow.unit_resources`)
and the same throughput rule ``f / max_l cycles_l`` with ``cycles_l = (MH/PE) (MW/SIMD) N``.

What the estimate leaves out (so it undercounts a whole-design report): threshold memories, FIFOs,
sliding-window and pooling logic, the input/output DMA and the AXI interconnect, and the DSPs that
Vivado infers for the 8-bit first layer and the glue (the estimate prices multipliers in LUTs).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from dse.datafiles import load_csv
from dse.errors import UnknownNameError

from .dataflow import Unit, unit_resources
from .presets import _data

__all__ = ["FinnEstimate", "design_names", "estimate", "published"]


@dataclass(frozen=True)
class FinnEstimate:
    """Totals of one design at its published folding; per-layer ``cycles`` in layer order."""

    name: str
    lut: float
    bram36: float
    cycles: np.ndarray
    clock_hz: float
    fps_clock_hz: float

    @property
    def max_cycles(self) -> float:
        return float(self.cycles.max())

    @property
    def throughput_per_s(self) -> float:
        """Frames per second of the dataflow pipeline: ``f / max_l cycles_l``."""
        return self.clock_hz / self.max_cycles

    @property
    def measured_rate_model_per_s(self) -> float:
        """Frames per second at the clock the published rate was measured at: ``fps_clock_hz / max cycles``."""
        return self.fps_clock_hz / self.max_cycles


@cache
def _layers() -> tuple[dict, ...]:
    return tuple(load_csv(_data("finn_designs.csv")))


@cache
def _published() -> dict[str, dict]:
    return {r["design"]: r for r in load_csv(_data("finn_published.csv"))}


def design_names() -> tuple[str, ...]:
    return tuple(_published())


def published(name: str) -> dict[str, float]:
    """Published figures of ``name``: ``lut``, ``bram36``, ``dsp``, ``fps``, ``clock_hz``, ``fps_clock_hz`` (Hz)."""
    if name not in _published():
        raise UnknownNameError("FINN design", name, design_names())
    row = _published()[name]
    return {k: float(row[k]) for k in ("lut", "bram36", "dsp", "fps", "clock_hz", "fps_clock_hz")}


@cache
def estimate(name: str) -> FinnEstimate:
    """LUT, BRAM36 and cycles per layer of ``name`` at its published folding (LUT multipliers)."""
    pub = published(name)
    rows = [r for r in _layers() if r["design"] == name]
    units = tuple(Unit(r["layer"], "mvau", int(r["mw"]), int(r["mh"]), int(r["n"]), float(r["line_bits_per_abit"]))
                  for r in rows)
    col = lambda key: np.array([[float(r[key]) for r in rows]])  # noqa: E731
    pe, simd, w, a = col("pe"), col("simd"), col("wbits"), col("abits")
    lut, _, bram36 = unit_resources(units, pe, simd, w, a, np.zeros_like(pe, dtype=bool))
    mw, mh, n = col("mw"), col("mh"), col("n")
    cycles = (mh / pe) * (mw / simd) * n
    return FinnEstimate(name, float(lut.sum()), float(bram36.sum()), cycles[0], pub["clock_hz"], pub["fps_clock_hz"])
