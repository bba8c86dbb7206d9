"""Accuracy as a metric of ``dse whatif cim``: the digits-CNN probe (``--set accuracy_draws=N``).

With ``accuracy_draws = N > 0`` the ``cim`` model also reports, for every design point,

* ``probe_kpp`` — the 1st-percentile accuracy over ``N`` Monte Carlo device instances, and
* ``probe_accuracy`` — their mean,

of a **fixed probe network**, not of the workload: the digits CNN of :mod:`.experiment`
(conv3x3(16)-pool-64-10, scikit-learn digits, trained without noise for 15 epochs from seed
``accuracy_seed``), run through the functional crossbar (:mod:`.crossbar_sim`) at the point's
``rows``, ``cols``, ``cell_bits``, ``weight_bits``, ``input_bits``, ``dac_bits`` and ``adc_bits``,
with the ADC range calibrated per layer on 100 validation images, first-order IR drop (1.6 ohm
per cell pitch, 100 kohm on-state) and Notre Dame device variation at the point's ``sigma``;
scored on the first 150 test images. This is the setup of ``studies/cim_adc_sweep.py``, so a
point's ``probe_kpp`` equals that study's ``kpp`` at the same knobs, draws and seed.

The probe says what the crossbar's ADC, DAC, array size and cell resolution do to a network it
can train in seconds; the workload's own accuracy needs a trained copy of that workload, which
the cost model does not have. Default ``accuracy_draws = 0``: no probe, the cost path stays
analytic. Deterministic: the training seed and the Monte Carlo seed (``accuracy_seed + 7``) are
explicit; infeasible points (violated constraints) get NaN.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from dse.metrics import to_numpy

from . import model as _model

__all__ = ["PROBE_IMAGES", "PROBE_EPOCHS", "probe_data", "probe_metrics"]

PROBE_IMAGES = 150  #: test images scored per draw (as ``studies/cim_adc_sweep.py``)
PROBE_CAL = 100  #: validation images that calibrate the per-layer input and ADC ranges
PROBE_EPOCHS = 15  #: training epochs of the probe CNN (as ``studies/cim_adc_sweep.py``)


@lru_cache(maxsize=4)
def probe_data(seed: int) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray]:
    """(trained digits CNN, test images, test labels, calibration images) for ``seed`` (cached)."""
    from .experiment import make_net
    from .train import load_digits, train

    data = load_digits(seed, image=True)
    net = train(make_net("cnn", seed), data["x_train"], data["y_train"], epochs=PROBE_EPOCHS, seed=seed)
    return net, data["x_test"][:PROBE_IMAGES], data["y_test"][:PROBE_IMAGES], data["x_val"][:PROBE_CAL]


def probe_metrics(design: Any, feasible: np.ndarray, draws: int, seed: int) -> dict[str, np.ndarray]:
    """``probe_kpp`` and ``probe_accuracy`` (N,) of every design point (NaN where infeasible)."""
    from .codesign import SIM_KNOBS, point_accuracy
    from .montecarlo import kpp

    net, x, y, x_cal = probe_data(seed)
    n = design.n
    cols = {k: to_numpy(design[k]) for k in (*SIM_KNOBS, "sigma")}
    q1 = np.full(n, np.nan)
    mean = np.full(n, np.nan)
    for i in range(n):
        if not feasible[i]:
            continue
        point: dict[str, Any] = {k: int(round(float(cols[k][i]))) for k in SIM_KNOBS}
        point["sigma"] = float(cols["sigma"][i])
        acc = point_accuracy(net, x, y, point, x_cal=x_cal, draws=draws, seed=seed + 7)
        q1[i] = kpp(acc, 1.0).value
        mean[i] = float(acc.mean())
    return {"probe_kpp": q1, "probe_accuracy": mean}


_model.ACCURACY_PROBE = probe_metrics  # the model calls the probe through this hook (no import cycle)
