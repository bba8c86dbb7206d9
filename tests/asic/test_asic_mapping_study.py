"""``studies/asic_mapping.py --quick`` runs and reports the ZigZag agreement it measures."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "studies"))


def test_quick_study_writes_tables(tmp_path):
    """The quick study writes its tables; ZigZag energy agrees on 21 layers, cycles on 19; every
    strategy of the 8-point DSE grid is feasible, and fixed ``is`` is worse in EDP than the search."""
    import asic_mapping

    head = asic_mapping.run(tmp_path, quick=True)
    assert head["zigzag_layers_energy_within_10pct"] == 21 and head["zigzag_layers_cycles_within_10pct"] == 19
    grid = pd.read_csv(tmp_path / "asic_mapping_dse.csv")
    assert len(grid) == 8 * 4 and grid["feasible"].all()
    summary = pd.read_csv(tmp_path / "asic_mapping_dse_summary.csv").set_index("strategy")
    assert summary.loc["is", "best_edp_vs_searched"] > 1.0
    assert json.loads((tmp_path / "headline.json").read_text())["dse_points"] == 8


def test_va_chip_with_best_mappings_counts_hand_checkable_parts():
    """Part (3): the VA chip on the va-chip architecture runs every ecg-va layer, its clock fits
    0.035 ms exactly, leakage scales with leak_scale only, and the average power is the duty-cycled sum."""
    import asic_mapping
    import pytest

    va = asic_mapping.va_chip(quick=True).set_index(["bits", "leak_scale"])
    for _, r in va.iterrows():
        assert r.cycles / (r.clock_mhz * 1e6) == pytest.approx(0.035e-3)
        duty = 0.035e-3 * 250
        e = (r.dynamic_nj + r.active_leak_nj) * 1e-9
        assert r.avg_power_uw == pytest.approx((e * 250 + r.idle_uw * 1e-6 * (1 - duty)) * 1e6)
    assert va.loc[(8, 1.0), "dynamic_nj"] == pytest.approx(va.loc[(8, 0.001), "dynamic_nj"], rel=1e-12)
    assert va.loc[(8, 1.0), "idle_uw"] == pytest.approx(1000 * va.loc[(8, 0.001), "idle_uw"])


def test_eve_variants_gate_mac_energy_by_density():
    """Part (3), EVE on this model: a variant's MAC energy is the dense variant's times the kept
    weight fraction (zero-weight MACs gated), and the summary table pairs it with asic-systolic's."""
    import asic_mapping

    from costmodels.asic.va_mapping import eve_variant_point

    dense = eve_variant_point(0.0)
    for s in (0.5, 0.9):
        assert abs(eve_variant_point(s)["energy_mac_j"] - (1 - s) * dense["energy_mac_j"]) <= 1e-9 * dense["energy_mac_j"]
    v, twin = asic_mapping.eve_recomputed()
    assert list(v["variant"]) == ["dense", "sparse50", "sparse75", "sparse90"]
    assert (twin["asic_served"].diff().dropna() >= 0).all() and twin["asic_served"].iloc[-1] == 1.0
