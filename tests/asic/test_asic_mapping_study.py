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
