"""Analytic compute-in-memory crossbar model: mapping, ADC/DAC, latency, energy, area, programming.

Per mapped part (see :mod:`costmodels.cim.mapping`: ``G`` matrices of ``K x N`` weights, ``V``
input vectors), with ``s = ceil(weight_bits / cell_bits)`` cells per weight magnitude, structured
pruning keeping ``K' = ceil(K row_keep)`` rows and ``N' = ceil(N col_keep)`` columns, and
``b = ceil(input_bits / dac_bits)`` bit-serial input steps [NeuroSim21]:

* columns: ``differential``: ``2 N' s`` physical columns (pair currents subtracted before the
  ADC, one conversion per pair); ``offset``: ``N' s`` data columns plus one reference column per
  crossbar (``C - 1`` data columns each), every column converted;
* ``crossbars = G ceil(K'/R) col_tiles``;
  ``adc_conversions = G V b ceil(K'/R) converted_columns`` (row tiles digitised separately);
* latency per vector: ``b cols_per_adc (t_read + 1/adc_rate) + ceil(log2 row_tiles) t_add``
  (NeuroSim-style column muxing, [NeuroSim21]; ISAAC shift-add tree [ISAAC16]); the crossbars of a layer work
  in parallel, layers run one after another (``latency_s``); ``pipeline_interval_s`` is the
  slowest layer (layer pipelining across tiles);
* energy: ADC (survey bound of :mod:`.adc` or the ISAAC table) + DAC (ISAAC 1-bit driver,
  x2 per extra bit) + cell read ``V_read^2 G_mean t_read`` per active cell and input bit (input
  activity from NeuroSim's toggle rate) + ISAAC shift-add per conversion + ISAAC eDRAM traffic of
  the layer's input and output activations + ISAAC sample-and-hold and output register per conversion,
  input register per bit applied to a row, eDRAM-IMA bus per bit and router per 256 bits of the
  layer's input and output activations (``energy_{sample_hold,registers,interconnect}_j``);
* area per crossbar: ``R C`` cells (NeuroSim 1T1R 4F x 12F or crossbar 2F x 2F) + ``R`` DACs +
  ``ceil(C / cols_per_adc)`` ADCs with a shift-add unit each (ISAAC areas, 32 nm);
* programming (:mod:`.writeverify`): every used cell written once, ``verify_fraction`` of them
  write-verified at device variation ``sigma``; ``weight_sigma`` is the Notre Dame factor
  ``sqrt(sum 4^(iD)) / sum 2^(iD)`` times sigma [NeFT23, code src/generate_noise.py] and ``effective_weight_sigma``
  its RMS after selective write-verify.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from dse import (  # noqa: F401
    Categorical,
    Constraint,
    CostModel,
    DesignSpace,
    Feasibility,
    Float,
    Int,
    Param,
    Pow2,
)
from dse.errors import DseInputError
from dse.metrics import to_numpy
from dse.xp import constant as xconst

from . import adc
from .compression import part_compression
from .mapping import compile_workload
from .presets import constant
from .writeverify import verified_sigma, wv_iterations

__all__ = ["ACCURACY_PROBE", "CrossbarModel", "weight_sigma_factor"]

#: ``probe(design, feasible, draws, seed) -> {metric: (N,) array}`` behind ``accuracy_draws``; set by
#: :mod:`.accuracy_probe` when the package loads (this module cannot import it: the probe runs
#: :mod:`.codesign`, which imports this model)
ACCURACY_PROBE: Callable[[Any, np.ndarray, int, int], dict[str, np.ndarray]] | None = None


def weight_sigma_factor(weight_bits: Any, cell_bits: Any) -> Any:
    """Notre Dame sigma_w / (sigma max|W|) = sqrt(sum_i 4^(iD)) / sum_i 2^(iD), i < ceil(W/D).

    Closed form of the geometric sums; gives 0.778 for 8-bit weights on 2-bit devices.
    """
    n = -(-weight_bits // cell_bits) if isinstance(weight_bits, int) else None
    if n is None:
        from dse.xp import namespace

        xp = namespace(weight_bits, cell_bits)
        w = xp.astype(weight_bits, xp.float64)
        d = xp.astype(cell_bits, xp.float64)
        n = xp.ceil(w / d)
        return xp.sqrt((4.0 ** (n * d) - 1.0) / (4.0 ** d - 1.0)) / ((2.0 ** (n * d) - 1.0) / (2.0 ** d - 1.0))
    d = cell_bits
    return math.sqrt((4 ** (n * d) - 1) / (4 ** d - 1)) / ((2 ** (n * d) - 1) / (2 ** d - 1))


class CrossbarModel(CostModel):
    """ReRAM/NVM crossbar accelerator (NeuroSim-like defaults, ISAAC periphery, survey-bound ADC)."""

    name = "cim"
    version = "4"
    space = DesignSpace(
        (
            Pow2("rows", default=128, low=16, high=1024, doc="crossbar rows R (NeuroSim 128)"),
            Pow2("cols", default=128, low=16, high=1024, doc="crossbar columns C (NeuroSim 128)"),
            Int("cell_bits", default=2, low=1, high=8, doc="bits per cell D"),
            Int("weight_bits", default=8, low=1, high=16, doc="weight magnitude bits W"),
            Int("input_bits", default=8, low=1, high=16, doc="activation bits"),
            Int("dac_bits", default=1, low=1, high=8, doc="input bits applied per step"),
            Int("adc_bits", default=6, low=1, high=12, doc="ADC resolution"),
            Pow2("cols_per_adc", default=8, low=1, high=128, doc="columns sharing one ADC (NeuroSim 8)"),
            Float("adc_rate", default=1.2e9, low=1e6, high=1e10, unit="Hz", log=True,
                  doc="ADC sampling rate (ISAAC 1.2 GS/s)"),
            Float("sigma", default=0.1, low=0.0, high=1.0,
                  doc="device variation, std in device-range units (Notre Dame var1 = 0.1)"),
            Float("verify_fraction", default=0.0, low=0.0, high=1.0, doc="fraction of cells write-verified"),
            Float("row_keep", default=1.0, low=0.01, high=1.0, doc="fraction of rows kept by structured pruning"),
            Float("col_keep", default=1.0, low=0.01, high=1.0, doc="fraction of columns kept by structured pruning"),
        ),
        constraints=(
            Constraint("cell_le_weight", lambda d, xp: d["cell_bits"] <= d["weight_bits"],
                       "cell_bits must not exceed weight_bits"),
            Constraint("dac_le_input", lambda d, xp: d["dac_bits"] <= d["input_bits"],
                       "dac_bits must not exceed input_bits"),
            Constraint("mux_le_cols", lambda d, xp: d["cols_per_adc"] <= d["cols"],
                       "cols_per_adc must not exceed cols"),
        ),
    )
    params = (
        Param("signed", "differential", "how signed weights are stored", choices=("differential", "offset")),
        Param("cell_type", "1T1R", "cell footprint (NeuroSim)", choices=("1T1R", "crossbar")),
        Param("adc_model", "survey-fit", "ADC energy: typical survey designs (fit), survey best-case bound, ISAAC table, "
              "NeuroSim V1.3 32 nm SAR", choices=("survey-fit", "survey", "isaac", "neurosim-sar")),
        Param("input_activity", constant("input_activity"), "fraction of input bits that are 1, in (0, 1]",
              gt=0, le=1),
        Param("wv_tolerance", constant("wv_tolerance"), "write-verify tolerance (device-range units) > 0",
              gt=0, le=1),
        Param("feature_m", constant("feature_m"), "feature size F in m (an IC feature size: > 0, <= 10 um)",
              unit="m", gt=0, le=1e-5),
        Param("r_on_ohm", constant("r_on"), "on-state cell resistance in ohm (> 0, <= 1e9); the off state is "
              "r_off / r_on = 17 times it (NeuroSim on/off ratio)", gt=0, le=1e9),
        Param("accuracy_draws", 0, "Monte Carlo draws of the digits-CNN accuracy probe (0 = off; "
              "adds probe_kpp, probe_accuracy; see accuracy_probe.py)", integer=True, ge=0, le=100000),
        Param("accuracy_seed", 0, "seed of the probe's training and draws", integer=True, ge=0),
    )
    capabilities = frozenset({"batch", "grad"})
    grad_knobs = ("adc_rate",)
    grad_metric = "latency_s"
    metric_units = {k: "1" for k in ("crossbars", "adc_conversions", "cells", "wv_iterations", "weight_sigma",
                                     "effective_weight_sigma", "unmapped_macs", "utilization",
                                     "probe_kpp", "probe_accuracy")}
    param_units = {"feature_m": "m"}
    example_workloads = ("resnet20-cifar",)
    example_params = ({}, {"signed": "offset", "adc_model": "isaac", "cell_type": "crossbar"},
                      {"adc_model": "neurosim-sar"})

    def _evaluate(self, workload: Any, design: Any, xp: Any) -> Any:
        mp = compile_workload(workload)
        like = design["sigma"]

        def part(a: Any) -> Any:
            return xconst(xp, a, like=like)[None, :]

        def knob(name: str) -> Any:
            return xp.astype(design[name], xp.float64)[:, None]

        g, v, k, n = part(mp.groups), part(mp.vectors), part(mp.k), part(mp.n)
        pc = part_compression(workload, mp)  # per-layer compression of the workload (compression.py)
        has_w, has_a = part(pc.has_weight_bits), part(pc.has_act_bits)
        rows, cols, cb = knob("rows"), knob("cols"), knob("cell_bits")
        wb = knob("weight_bits") * (1.0 - has_w) + part(pc.weight_bits) * has_w
        in_bits = knob("input_bits") * (1.0 - has_a) + part(pc.act_bits) * has_a
        steps = xp.ceil(in_bits / knob("dac_bits"))
        cpa, adc_bits, rate = knob("cols_per_adc"), knob("adc_bits"), design["adc_rate"][:, None]
        slices = xp.ceil(wb / cb)
        k_eff = xp.ceil(k * knob("row_keep") * part(pc.row_keep))
        n_eff = xp.ceil(n * knob("col_keep") * part(pc.col_keep))
        logical = n_eff * slices
        if self.param("signed") == "differential":
            phys = 2.0 * logical
            col_tiles = xp.ceil(phys / cols)
            converted = logical
        else:
            col_tiles = xp.ceil(logical / (cols - 1.0))
            phys = logical + col_tiles
            converted = phys
        row_tiles = xp.ceil(k_eff / rows)
        crossbars = g * row_tiles * col_tiles
        conversions = g * v * steps * row_tiles * converted
        cells = g * k_eff * phys

        # latency (s): the layer's crossbars work in parallel on its V vectors
        t_read, t_add = constant("t_read"), constant("isaac_shift_add_t")
        t_vec = steps * cpa * (t_read + 1.0 / rate) + xp.ceil(xp.log2(row_tiles)) * t_add
        latency = v * t_vec

        # energy (J)
        r_on = self.param("r_on_ohm")
        g_mean = 0.5 * (1.0 / r_on + constant("r_on") / (constant("r_off") * r_on))
        if self.param("adc_model") == "survey-fit":
            e_conv = adc.typical_energy(adc_bits, rate, xp)
        elif self.param("adc_model") == "survey":
            e_conv = adc.survey_energy(adc_bits, rate, xp)
        elif self.param("adc_model") == "neurosim-sar":  # column of min(R, K') active rows at mean conductance
            g_col = xp.minimum(rows, k_eff) * self.param("input_activity") * g_mean
            e_conv = adc.neurosim_sar_energy(adc_bits, 1.0 / g_col, xp)
        else:
            e_conv = adc.isaac_energy(design["adc_bits"], xp, like=like)[:, None]
        dac_scale = 2.0 ** (knob("dac_bits") - 1.0)
        e_cell = self.param("input_activity") * constant("v_read") ** 2 * g_mean * t_read
        e_adc = conversions * e_conv
        e_dac = g * v * steps * k_eff * col_tiles * constant("isaac_dac_e1") * dac_scale
        e_cells = g * v * steps * k_eff * phys * e_cell
        e_sa = conversions * constant("isaac_shift_add_e")
        moved_bits = (part(mp.in_elems) + part(mp.out_elems)) * in_bits + 0.0 * rows  # layer in + out, bits
        e_buf = moved_bits / 256.0 * constant("isaac_edram_e256")
        # ISAAC periphery per action: S+H per column read (= per conversion), IR per bit applied to a
        # row (= per DAC drive bit), OR per shift-and-add result (= per conversion)
        e_sh = conversions * constant("isaac_sh_e")
        e_ir = g * v * steps * k_eff * col_tiles * knob("dac_bits") * constant("isaac_ir_e1")
        e_or = conversions * constant("isaac_or_e")
        # interconnect: eDRAM-IMA bus per bit and router per 256 bits of the layer's input and output
        e_net = moved_bits * constant("isaac_bus_e1") + moved_bits / 256.0 * constant("isaac_router_e256")
        energy = e_adc + e_dac + e_cells + e_sa + e_buf + e_sh + e_ir + e_or + e_net

        # area (m^2)
        cell_f2 = constant("cell_1t1r_f2") if self.param("cell_type") == "1T1R" else constant("cell_crossbar_f2")
        a_cell = cell_f2 * self.param("feature_m") ** 2
        a_adc = adc.isaac_area(design["adc_bits"], xp, like=like)[:, None]
        per_xbar = rows * cols * a_cell + rows * constant("isaac_dac_a1") * dac_scale \
            + xp.ceil(cols / cpa) * (a_adc + constant("isaac_shift_add_a"))
        area = crossbars * per_xbar

        # programming and variation
        sigma = design["sigma"][:, None]
        frac = design["verify_fraction"][:, None]
        tol = self.param("wv_tolerance")
        n_iter = wv_iterations(sigma, tol)
        t_w, t_v = constant("t_write"), constant("t_verify")
        e_w = constant("v_write") ** 2 / r_on * t_w
        e_v = constant("v_read") ** 2 / r_on * t_v
        prog_t = cells * (frac * n_iter * (t_w + t_v) + (1.0 - frac) * t_w)
        prog_e = cells * (frac * n_iter * (e_w + e_v) + (1.0 - frac) * e_w)
        factor = weight_sigma_factor(design["weight_bits"], design["cell_bits"])
        s_v = verified_sigma(design["sigma"], tol)
        s = design["sigma"]
        eff = factor * xp.sqrt(design["verify_fraction"] * s_v * s_v + (1.0 - design["verify_fraction"]) * s * s)

        a = xconst(xp, mp.part_to_row, like=like)

        def rows_of(x: Any) -> Any:
            return x @ a

        layers = {"crossbars": rows_of(crossbars), "adc_conversions": rows_of(conversions),
                  "latency_s": rows_of(latency), "energy_j": rows_of(energy), "area_m2": rows_of(area),
                  "program_time_s": rows_of(prog_t)}
        total_cells = xp.sum(crossbars * rows * cols, axis=1)
        totals = {k2: xp.sum(val, axis=1) for k2, val in layers.items()}
        totals.update({
            "pipeline_interval_s": xp.max(layers["latency_s"], axis=1),
            "energy_adc_j": xp.sum(e_adc, axis=1), "energy_dac_j": xp.sum(e_dac, axis=1),
            "energy_cell_j": xp.sum(e_cells, axis=1), "energy_shift_add_j": xp.sum(e_sa, axis=1),
            "energy_buffer_j": xp.sum(e_buf, axis=1), "energy_sample_hold_j": xp.sum(e_sh, axis=1),
            "energy_registers_j": xp.sum(e_ir + e_or, axis=1), "energy_interconnect_j": xp.sum(e_net, axis=1),
            "cells": xp.sum(cells, axis=1), "utilization": xp.sum(cells, axis=1) / total_cells,
            "program_energy_j": xp.sum(prog_e, axis=1),
            "wv_iterations": n_iter[:, 0], "weight_sigma": factor * s, "effective_weight_sigma": eff,
            "unmapped_macs": mp.unmapped_macs + 0.0 * s,
        })
        f = Feasibility(xp, design.n, like=design["rows"])
        draws = int(self.param("accuracy_draws"))
        if draws:  # the digits-CNN probe through the functional crossbar (accuracy_probe.py)
            if ACCURACY_PROBE is None:
                raise DseInputError("accuracy_draws", draws, "0 (costmodels.cim.accuracy_probe is not loaded)")
            ok = np.ones(design.n, dtype=bool)
            for c in self.space.constraints:
                ok &= to_numpy(c.fn(design, xp)).astype(bool)
            for name, val in ACCURACY_PROBE(design, ok, draws, int(self.param("accuracy_seed"))).items():
                totals[name] = xconst(xp, val, like=like)
        return self.make_metrics(totals=totals, layers=layers, layer_names=mp.row_names,
                                 layer_kinds=mp.row_kinds, feasibility=f)
