"""studies/he_gcn.py in quick mode: files written, published directions reproduced."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _study():
    spec = importlib.util.spec_from_file_location("he_gcn", ROOT / "studies" / "he_gcn.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_digitised_points_match_the_readme():
    """The digitised frontier of harveyp123/LinGCN-Neurips23 (figures/plot_frontiers_LinGCN.png)
    reproduces the README's numbers: STGCN-6-256 at 85.78 % / 6371 s, and 14.2x between CryptoGCN's
    and LinGCN's ~75 % points (tolerance: reading error of a log axis, 3 %)."""
    pts = {(s, b): (acc, lat) for s, b, acc, lat, _ in _study().FIGURE_POINTS}
    acc, lat = pts[("LinGCN", "STGCN-6-256")]
    assert abs(acc - 85.78) < 0.1 and abs(lat / 6371 - 1) < 0.03
    ratio = pts[("CryptoGCN", "STGCN-3-256")][1] / pts[("LinGCN", "STGCN-3-128")][1]
    assert abs(ratio / 14.2 - 1) < 0.03
    assert abs(pts[("CryptoGCN", "STGCN-3-256")][0] - pts[("LinGCN", "STGCN-3-128")][0]) < 0.5  # same accuracy


def test_he_gcn_quick(tmp_path):
    """CryptoGCN (arXiv 2209.11904: up to 3.10x, -77.4 % HE ops): on its STGCN-3-128/3-256 backbones AMA
    beats the feature-wise packing on the whole network (>1.5x, at most ~4x) and cuts graph-conv
    rotations by >80 %; LinGCN STGCN-3-128 (E=2) beats CryptoGCN STGCN-3-256 (paper 14.2x), mostly
    through cheaper (lower-level) operations, and the same-backbone gain is also per-op."""
    head = _study().run(tmp_path, quick=True)
    for name in ("report.md", "cryptogcn_vs_naive.csv", "lingcn_vs_cryptogcn.csv", "published_points.csv",
                 "he_gcn.png"):
        assert (tmp_path / name).is_file(), name
    for w in ("stgcn3_128", "stgcn3_256"):
        assert 1.5 < head[f"{w}_naive_network_speedup"] < 4.5
        assert head[f"{w}_naive_network_speedup"] > head[f"{w}_naive_cyclic_network_speedup"] > 1.0
        assert head[f"{w}_naive_gcn_rotations_change"] < -0.8
        assert head[f"{w}_naive_network_total_ops_change"] < -0.15
        # key switches (rotations + relinearisations): AMA removes ~3/4 of them (published HE-op count: -77.4 %)
        assert -0.85 < head[f"{w}_naive_network_keyswitch_change"] < -0.65
    assert 4 < head["lingcn_vs_cryptogcn"] < 30
    assert head["pair_per_op_ratio"] > head["pair_op_count_ratio"] > 1
    assert head["lingcn_same_backbone"] > 1.5
    assert head["same_backbone_per_op_ratio"] > head["same_backbone_op_count_ratio"]
    assert "14.2x" in (tmp_path / "report.md").read_text()
    # CryptoGCN's other digitised markers sit at the same ours/published factor as LinGCN's points
    # (0.65-0.85 vs 0.67-0.70); only its 75.32 % point (the 14.2x anchor) is ~2x off
    assert 0.5 < head["cryptogcn_series_ratio_max_without_top"] < 1.0
    assert 0.5 < head["lingcn_anchor_ratio_mean"] < 1.0 and head["crypto_anchor_ratio"] < 0.45
    assert (tmp_path / "cryptogcn_series.csv").is_file()
