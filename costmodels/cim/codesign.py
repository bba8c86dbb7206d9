"""Accuracy as a consequence of the cost knobs: one design point of ``cim``, two views.

A design point of :class:`~.model.CrossbarModel` (``rows``, ``cols``, ``cell_bits``,
``weight_bits``, ``input_bits``, ``dac_bits``, ``adc_bits``, ``sigma``) gives both

* its cost — ``CrossbarModel().evaluate(to_workload(net), design)``: energy, area, latency; and
* its accuracy — :func:`crossbar_for` builds the :class:`~.crossbar_sim.CrossbarSim` with the same
  knobs plus the physics the cost model does not price (ADC range policy, wire resistance, cell
  on-conductance), :func:`calibrate` fixes every layer's input and ADC range on the nominal weights
  (what a chip does once after programming), and :func:`point_accuracy` runs the Monte Carlo
  KPP over device instances of the Notre Dame variation model at the point's ``sigma``,
  ``weight_bits`` and ``cell_bits`` (so ``cell_bits`` changes the weight-referred sigma,
  0.580 / 0.778 / 0.943 for 1 / 2 / 4-bit cells at 8-bit weights).

:func:`sweep` evaluates a grid of knobs both ways and marks the Pareto front of (energy, area,
k-th percentile accuracy). Device variation enters as weight-referred noise before slicing (the
closed form of :func:`~.variation.gaussian_weights`); the crossbar then re-quantises each noisy
weight to ``weight_bits``, which adds at most half a weight LSB (1/510 of max|W| at 8 bits) to a
noise of std 0.078 max|W| (sigma 0.1, 2-bit cells).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from dse.errors import DseInputError

from .crossbar_sim import ADC_RANGES, CrossbarSim
from .experiment import make_sampler
from .model import CrossbarModel
from .montecarlo import kpp, mc_accuracy
from .network import Net, forward, to_workload
from .presets import constant

__all__ = ["SIM_KNOBS", "calibrate", "crossbar_for", "point_accuracy", "sweep"]

#: the cost-model knobs that change what the crossbar computes
SIM_KNOBS = ("rows", "cols", "cell_bits", "weight_bits", "input_bits", "dac_bits", "adc_bits")


def _defaults() -> dict[str, Any]:
    return dict(CrossbarModel.space.defaults())


def crossbar_for(point: Mapping[str, Any], *, adc_range: str = "calibrated", adc_clip: float = 1.0,
                 r_wire_ohm: float | None = None, g_on_s: float | None = None) -> CrossbarSim:
    """The :class:`CrossbarSim` of one ``cim`` design point (missing knobs take the model defaults).

    ``r_wire_ohm`` defaults to ``r_wire_cell`` (1.6 ohm per cell pitch, an estimate [M]) and
    ``g_on_s`` to ``1 / r_on`` (NeuroSim's 100 kohm on-state), so IR drop is on unless 0 is given.
    """
    unknown = sorted(set(point) - set(CrossbarModel.space.names))
    if unknown:
        raise DseInputError("knob", unknown[0], "a knob of the cim model: " + ", ".join(CrossbarModel.space.names))
    if adc_range not in ADC_RANGES:
        raise DseInputError("adc_range", adc_range, "one of " + ", ".join(ADC_RANGES))
    d = {**_defaults(), **point}
    return CrossbarSim(**{k: int(d[k]) for k in SIM_KNOBS}, adc_range=adc_range, adc_clip=float(adc_clip),
                       r_wire_ohm=constant("r_wire_cell") if r_wire_ohm is None else float(r_wire_ohm),
                       g_on_s=1.0 / constant("r_on") if g_on_s is None else float(g_on_s))


def calibrate(net: Net, x: np.ndarray, sim: CrossbarSim) -> list[CrossbarSim]:
    """One sim per Dense/Conv layer with its ranges fixed on ``x`` and the nominal weights:
    ``x_top`` = the layer's largest input, ``adc_top`` = ``adc_clip`` x its largest partial sum
    (used by the ``calibrated`` policy; ``full`` keeps the full-scale range)."""
    n = len(net.slots())  # one sim per Dense/Conv layer (a shared block has one per use)
    stats: list[dict[str, float]] = []
    sims = [replace(sim, x_top=0.0, adc_top=0.0)] * n
    for i in range(n):  # layer by layer: a layer's inputs depend on the calibrated layers before it
        stats = []
        forward(net, x, crossbar=sims, stats=stats)
        peak_x, peak_p = stats[i]["x_peak"], stats[i]["p_peak"]
        sims[i] = replace(sim, x_top=peak_x if peak_x > 0 else 1.0,
                          adc_top=sim.adc_clip * peak_p if peak_p > 0 else 1.0)
    return sims


def point_accuracy(net: Net, x: np.ndarray, y: np.ndarray, point: Mapping[str, Any], *, x_cal: np.ndarray,
                   draws: int = 100, seed: int = 0, chunk: int = 10, noise: str = "gaussian",
                   **sim_kw: Any) -> np.ndarray:
    """Per-draw accuracy (draws,) of ``net`` on the crossbar of ``point`` with device variation
    ``point["sigma"]`` (Notre Dame model at the point's weight/cell bits); ``sigma = 0`` and
    ``draws = 1`` give the deterministic accuracy of the quantisation and IR drop alone."""
    d = {**_defaults(), **point}
    sims = calibrate(net, x_cal, crossbar_for(point, **sim_kw))
    sampler = make_sampler(noise, sigma=float(d["sigma"]), weight_bits=int(d["weight_bits"]),
                           cell_bits=int(d["cell_bits"]))
    return mc_accuracy(net, x, y, sampler, draws, seed=seed, chunk=chunk, crossbar=sims)


def _grid_points(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    names = list(grid)
    return [dict(zip(names, vals)) for vals in itertools.product(*(grid[n] for n in names))]


def sweep(net: Net, x: np.ndarray, y: np.ndarray, grid: Mapping[str, Sequence[Any]], *, x_cal: np.ndarray,
          base: Mapping[str, Any] | None = None, draws: int = 100, seed: int = 0, k: float = 1.0,
          progress: Any = None, **sim_kw: Any) -> Any:
    """Cost and accuracy of every point of ``grid`` (knob -> values), one row each (pandas).

    Columns: the knobs, ``energy_j``, ``area_m2``, ``latency_s``, ``energy_adc_j`` (cost model on
    ``to_workload(net)``), ``acc_mean``, ``kpp`` (k-th percentile accuracy over ``draws``),
    ``kpp_lo``/``kpp_hi`` (95% distribution-free interval, -inf/inf when draws are too few),
    ``feasible`` and ``pareto`` (non-dominated in energy, area and -kpp among feasible points).
    """
    import pandas as pd

    from dse.pareto import non_dominated

    points = [{**(base or {}), **p} for p in _grid_points(grid)]
    if not points:
        raise DseInputError("grid", dict(grid), "at least one value per knob")
    model = CrossbarModel()
    metrics = model.evaluate(to_workload(net), model.space.design(
        {n: [p.get(n, _defaults()[n]) for p in points] for n in points[0]})).numpy()
    rows = []
    for i, p in enumerate(points):
        acc = point_accuracy(net, x, y, p, x_cal=x_cal, draws=draws, seed=seed, **sim_kw)
        q = kpp(acc, k)
        rows.append({**p, "acc_mean": float(acc.mean()), "kpp": q.value, "kpp_lo": q.lo, "kpp_hi": q.hi})
        if progress is not None:
            progress(i, p, q)
    df = pd.DataFrame(rows)
    for name in ("energy_j", "area_m2", "latency_s", "energy_adc_j"):
        df[name] = np.asarray(metrics.totals[name], dtype=np.float64)
    df["feasible"] = np.asarray(metrics.feasible, dtype=bool)
    obj = np.column_stack([df["energy_j"], df["area_m2"], -df["kpp"]])
    obj[~df["feasible"].to_numpy()] = np.nan
    df["pareto"] = non_dominated(obj)
    return df
