"""Arm comparison (dse.training.fronts) on a hand-made run table with known answers."""

from __future__ import annotations

import pandas as pd
import pytest

from dse.training.fronts import configs_table, front_check, headline

TARGET = {"speedup": 5.0, "acc_drop_pp": 1.0}


def _runs() -> pd.DataFrame:
    rows = []
    for seed, d in ((0, 0.0), (1, 0.002)):  # two seeds, test accuracies 0.2 pp apart
        rows += [{**r, "protocol": "p", "seed": seed} for r in [
            {"method": "baseline", "replacement": "none", "param": 0.0, "acc_val": 0.990, "acc_test": 0.990 + d,
             "latency_s": 2.0, "relus": 100, "choices": "RR"},
            {"method": "latency", "replacement": "gate", "param": 1.0, "acc_val": 0.985, "acc_test": 0.985 + d,
             "latency_s": 0.3 + 0.01 * seed, "relus": 0, "choices": "PI"},
            {"method": "latency", "replacement": "gate", "param": 9.0, "acc_val": 0.900, "acc_test": 0.900 + d,
             "latency_s": 0.1, "relus": 0, "choices": "II"},
            {"method": "relu-count", "replacement": "poly", "param": 0.0, "acc_val": 0.986, "acc_test": 0.980 + d,
             "latency_s": 0.5, "relus": 0, "choices": "PP"},
            {"method": "relu-count", "replacement": "poly", "param": 0.5, "acc_val": 0.990, "acc_test": 0.992 + d,
             "latency_s": 1.0, "relus": 50, "choices": "mm"},
        ]]
    return pd.DataFrame(rows)


def test_configs_aggregate_seeds_with_worst_latency():
    c = configs_table(_runs()).set_index(["method", "param"])
    assert c.loc[("latency", 1.0), "latency_s"] == pytest.approx(0.31)  # worst over seeds
    assert c.loc[("latency", 1.0), "acc_test"] == pytest.approx(98.6)  # mean, in %
    assert c.loc[("latency", 1.0), "speedup"] == pytest.approx(2.0 / 0.31)
    assert c.loc[("latency", 1.0), "acc_drop_pp"] == pytest.approx(0.5)


def test_headline_picks_the_fastest_point_within_the_budget_on_validation():
    h = headline(configs_table(_runs()), ["p"], TARGET).set_index("arm")
    lat = h.loc["latency"]
    assert lat.param == 1.0 and lat.meets_target  # lambda 9 is faster but 9 pp worse on validation
    rc = h.loc["relu-count"]
    assert rc.param == 0.0 and not rc.meets_target  # 4x only


def test_front_check_compares_at_no_more_latency():
    f = front_check(configs_table(_runs()), ["p"]).set_index("budget")
    assert f.loc[0.0, "margin_pp"] == pytest.approx(0.5) and f.loc[0.0, "at_least_as_good"]
    # at 1.0 s the best latency-arm point is lambda 1 (98.6 %) against 99.3 %: -0.7 pp
    assert f.loc[0.5, "margin_pp"] == pytest.approx(-0.7) and not f.loc[0.5, "at_least_as_good"]
    assert f.loc[0.5, "se_pp"] == pytest.approx((0.1 ** 2 / 2 + 0.1 ** 2 / 2) ** 0.5)  # std 0.1 pp each, n = 2
