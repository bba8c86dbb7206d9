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
