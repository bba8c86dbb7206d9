"""Comparing training arms by accuracy and predicted latency (used by the latency-aware study).

``frame``: one row per training run with columns ``protocol``, ``method`` (``baseline`` and the
arms), ``replacement``, ``param`` (lambda or budget), ``seed``, ``acc_val``, ``acc_test`` (fractions),
``latency_s``, ``relus``, ``choices``. :func:`configs_table` aggregates seeds; :func:`headline`
picks each arm's operating point on validation; :func:`front_check` compares the latency-in-loss
front with the ReLU-count front at equal latency.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["configs_table", "headline", "front_check"]


def configs_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (protocol, method, replacement, param): mean/std test accuracy (%), mean val
    accuracy, worst (max) latency over seeds, speedup vs the all-ReLU baseline, modal choices."""
    rows = []
    for (p, m, r, q), g in frame.groupby(["protocol", "method", "replacement", "param"], sort=False):
        rows.append({"protocol": p, "method": m, "replacement": r, "param": q, "acc_test": 100 * g.acc_test.mean(),
                     "acc_std": 100 * g.acc_test.std(ddof=0), "acc_val": 100 * g.acc_val.mean(),
                     "latency_s": g.latency_s.max(), "relus": g.relus.mean(),
                     "choices": g.choices.mode().iloc[0], "n": len(g)})
    out = pd.DataFrame(rows)
    ref = out[out.method == "baseline"].set_index("protocol")
    out["speedup"] = [ref.latency_s[p] / l for p, l in zip(out.protocol, out.latency_s)]
    out["acc_drop_pp"] = [ref.acc_test[p] - a for p, a in zip(out.protocol, out.acc_test)]
    return out


def headline(configs: pd.DataFrame, protocols: Sequence[str], target: Mapping[str, float]) -> pd.DataFrame:
    """Per protocol and arm: the lowest-latency configuration whose validation accuracy is within
    ``target['acc_drop_pp']`` of the baseline's; its test accuracy drop and speedup."""
    rows = []
    for p in protocols:
        c = configs[configs.protocol == p]
        base = c[c.method == "baseline"].iloc[0]
        for arm in ("latency", "relu-count"):
            ok = c[(c.method.isin([arm, "baseline"])) & (c.acc_val >= base.acc_val - target["acc_drop_pp"])]
            best = ok.sort_values(["latency_s", "acc_val"], ascending=[True, False]).iloc[0]
            rows.append({"protocol": p, "arm": arm, "replacement": best.replacement, "param": best.param,
                         "choices": best.choices,
                         "baseline_latency_s": base.latency_s, "latency_s": best.latency_s,
                         "speedup": best.speedup, "baseline_acc": base.acc_test, "acc_test": best.acc_test,
                         "acc_drop_pp": best.acc_drop_pp,
                         "meets_target": bool(best.speedup >= target["speedup"]
                                              and best.acc_drop_pp <= target["acc_drop_pp"])})
    return pd.DataFrame(rows)


def front_check(configs: pd.DataFrame, protocols: Sequence[str]) -> pd.DataFrame:
    """For every ReLU-count configuration, the best latency-in-loss (or baseline) test accuracy at
    no more latency; margin in pp (>= 0: the latency-in-loss front is at least as good there) and
    the standard error of that difference over seeds (``sqrt(s_a^2/n_a + s_b^2/n_b)``)."""
    rows = []
    for p in protocols:
        c = configs[configs.protocol == p]
        lat = c[c.method.isin(["latency", "baseline"])]
        for _, r in c[c.method == "relu-count"].iterrows():
            cand = lat[lat.latency_s <= r.latency_s * (1 + 1e-9)]
            if len(cand):
                b = cand.sort_values("acc_test").iloc[-1]
                best, se = float(b.acc_test), float(np.sqrt(b.acc_std ** 2 / b.n + r.acc_std ** 2 / r.n))
                src = f"{b.method} {b.param:g} ({b.choices})"
            else:
                best, se, src = float("nan"), float("nan"), "none at or below"
            rows.append({"protocol": p, "replacement": r.replacement, "budget": r.param,
                         "relu_count_latency_s": r.latency_s,
                         "relu_count_acc": r.acc_test, "latency_front_acc": best, "from": src,
                         "margin_pp": best - r.acc_test, "se_pp": se,
                         "at_least_as_good": bool(best >= r.acc_test),
                         "within_1se": bool(best - r.acc_test >= -se)})
    return pd.DataFrame(rows)
