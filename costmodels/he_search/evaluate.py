"""Stage 2 of the search: the analytic CKKS cost model (``costmodels.he``) plus the search constraints.

A configuration is a dict of ``costmodels.he`` knobs (``N``, ``levels``, ``scale_bits``,
``first_bits``, ``special_bits``, ``dnum``, ``ring``, ``matvec``, ``act_degree``). The
:class:`Evaluator` evaluates batches in one ``CkksModel.evaluate`` call, counts every design point
it evaluates (the "model evaluations" the study reports), and adds the search constraints on top
of the model's own (security at 128 bits, rescale precision via ``min_precision_bits``):
per-device memory <= budget and activation approximation precision >= target.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from costmodels.he import CkksModel, get_profile

from .benchmarks import Benchmark
from .precision import activation_bits
from .static import keyswitch_noise_ok

__all__ = ["KNOBS", "Evaluator", "config_key"]

KNOBS = ("N", "levels", "scale_bits", "first_bits", "special_bits", "dnum", "ring", "matvec", "act_degree")


def config_key(cfg: Mapping[str, Any]) -> tuple:
    return tuple((k, cfg[k] if isinstance(cfg[k], str) else int(cfg[k])) for k in KNOBS)


class Evaluator:
    """Batched analytic evaluation of configurations for one benchmark, with an evaluation counter."""

    def __init__(self, bench: Benchmark, *, input_range: float = 8.0):
        self.bench = bench
        self.input_range = float(input_range)
        self.model = CkksModel(profile=bench.profile, min_precision_bits=bench.precision_bits)
        self.workload = bench.search_workload()
        self.n_evals = 0
        self.shape = get_profile(bench.profile).keyswitch

    def act_bits(self, degree: float) -> float:
        if not self.bench.approximated:
            return math.inf
        return activation_bits(self.bench.activation, int(degree), self.input_range)

    def __call__(self, cfgs: Iterable[Mapping[str, Any]], *, workload: Any = None,
                 act_bits: float | None = None, count: bool = True) -> pd.DataFrame:
        """One row per configuration: the knobs, metrics, ``feasible`` and ``reason``.

        ``workload`` / ``act_bits`` override the benchmark's searchable workload and the activation
        precision (layer-wise repairs and Orion's composite activations).
        """
        cfgs = [dict(c) for c in cfgs]
        if not cfgs:
            return pd.DataFrame()
        design = {k: [c[k] for c in cfgs] for k in KNOBS}
        design["security"] = [128] * len(cfgs)
        m = self.model.evaluate(workload if workload is not None else self.workload, design).numpy()
        if count:
            self.n_evals += len(cfgs)
        t = m.totals
        rows = pd.DataFrame(cfgs)
        for k in ("latency_s", "memory_bytes", "bootstraps", "levels_used", "security_bits", "log_qp_bits",
                  "rotations", "ct_mults", "pt_mults"):
            rows[k] = t[k]
        abits = np.array([act_bits if act_bits is not None else self.act_bits(c["act_degree"]) for c in cfgs])
        rows["rescale_precision_bits"] = t["precision_bits"]
        rows["activation_bits"] = abits
        rows["precision_bits"] = np.minimum(t["precision_bits"], abits)
        rows["headroom_bits"] = rows["precision_bits"] - self.bench.precision_bits
        reasons = list(m.reason_texts())
        budget = self.bench.memory_budget_bytes
        ks_ok = keyswitch_noise_ok(self.shape, design["levels"], design["dnum"], design["first_bits"],
                                   design["scale_bits"], design["special_bits"])
        for i in range(len(cfgs)):
            if reasons[i] is None and not ks_ok[i]:
                reasons[i] = "key-switching noise: special modulus P smaller than the largest digit"
            if reasons[i] is None and not t["memory_bytes"][i] <= budget:
                reasons[i] = f"memory {t['memory_bytes'][i]:.3g} B exceeds the budget {budget:.3g} B"
            if reasons[i] is None and not abits[i] >= self.bench.precision_bits:
                reasons[i] = "activation approximation precision below target (act_degree too low)"
        rows["reason"] = [r or "" for r in reasons]
        rows["feasible"] = [r is None for r in reasons]
        rows["memory_excess"] = t["memory_bytes"] / budget - 1.0
        self._last = m
        return rows

    def last_layers(self, i: int, metric: str) -> pd.Series:
        """Per-layer ``metric`` of row ``i`` of the last call (for bottleneck diagnosis)."""
        m = self._last
        return pd.Series(m.layers[metric][i], index=list(m.layer_names))
