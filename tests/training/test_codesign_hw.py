"""studies/codesign_hw.py: trained networks become compressed workloads; the study writes fronts and hypervolumes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("optuna")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "studies"))
import codesign_hw as H  # noqa: E402

from workloads.compression import compression_of  # noqa: E402

TINY = {"pretrain_epochs": 1, "admm_epochs": 1, "retrain_epochs": 1, "trials": 2, "workers": 1,
        "grid_density": (0.3,), "grid_bits": (4,)}


@pytest.fixture(scope="module")
def ctx():
    import torch
    from latency_aware_training import digits_split

    torch.set_num_threads(1)
    H._CTX.update(st=H.settings(True, **TINY), data=digits_split(0))
    H._CTX["state"] = H._pretrain(0).pop("state")
    return H._CTX


def test_filter_job_measures_live_filters_and_bits(ctx):
    """A filter-pruned, 4-bit job yields per-layer density = live-filter fraction, structure filter, 4 bits."""
    job = {"arm": "x", "seed": 0, "structure": "filter", "density": {"conv1": 0.5, "conv2": 0.25, "linear0": 0.25},
           "bits": {"conv1": 4, "conv2": 4, "linear0": 4}}
    r = H._train(job)
    w = H.network_workload(r["comp"])
    c2 = compression_of(w.layer("conv2"))
    assert (c2.structure, c2.weight_bits, c2.act_bits) == ("filter", 4, 8)
    assert c2.density == pytest.approx(16 / 64)  # prune_filter keeps exactly ceil(0.25 * 64) filters
    c0 = compression_of(w.layer("conv0"))  # not pruned: only zeros that 8-bit rounding made
    assert c0.structure == "unstructured" and c0.density > 0.9 and r["ratio"] > 8


def test_study_writes_fronts_and_hypervolumes(ctx, tmp_path):
    """A tiny run writes networks/points/fronts CSVs, a plot and a report whose hypervolumes match headline.json."""
    head = H.run(tmp_path, quick=True, overrides=TINY)
    for f in ("networks.csv", "points.csv", "fronts.csv", "fronts.png", "report.md", "headline.json"):
        assert (tmp_path / f).is_file(), f
    saved = json.loads((tmp_path / "headline.json").read_text())
    assert saved["hv_cim_co_design"] == pytest.approx(head["hv_cim_co_design"])
    # the co-design arm may use every trained net on every design: its front dominates at least the two-stage's
    assert head["hv_asic_co_design"] >= head["hv_asic_two_stage"] - 1e-12
    assert head["hv_cim_co_design"] >= head["hv_cim_two_stage"] - 1e-12
    assert "Hypervolume" in (tmp_path / "report.md").read_text()
