"""The latency-aware training study in quick mode, through `dse study run` (issue 9 Interface)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("torch", reason="torch not installed: the training study needs it")
pytest.importorskip("sklearn", reason="scikit-learn not installed: the study trains on its digits data")

ROOT = Path(__file__).resolve().parents[2]


def test_spec_points_at_the_study_script():
    from dse.study import load_spec

    spec = load_spec(ROOT / "studies" / "latency_aware_training.toml")
    assert spec.script == (ROOT / "studies" / "latency_aware_training.py").resolve()
    assert spec.options["network"] == "wan"


@pytest.mark.slow
def test_quick_study_via_cli(tmp_path):
    """`dse study run` on a quick spec writes CSV + PNG + report.md; the baseline latency equals
    the registered mpc model's all-ReLU latency on the zoo's digits-cnn; the bounds table shows
    what the cost model allows."""
    spec = tmp_path / "quick.toml"
    spec.write_text(f'[study]\nname = "lat_quick"\nscript = "{ROOT / "studies" / "latency_aware_training.py"}"\n'
                    "seed = 0\n\n[options]\nquick = true\nworkers = 2\n")
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "dse", "study", "run", str(spec), "--out", str(out)],
                       capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    for f in ("runs.csv", "configs.csv", "bounds.csv", "sites.csv", "pareto.png", "report.md"):
        assert (out / f).is_file(), f
    cfg = pd.read_csv(out / "configs.csv")
    assert set(cfg.method) == {"baseline", "latency", "relu-count"}
    assert set(cfg.protocol) == {"crypten", "cryptflow2"}
    base_acc = float(cfg[cfg.method == "baseline"].acc_test.iloc[0])

    import workloads
    from dse import models

    w = workloads.load("digits-cnn")
    for proto, weights in (("crypten", "shared"), ("cryptflow2", "public")):
        m = models.get("mpc")().evaluate(w, {"protocol": [proto], "weights": [weights], "network": ["wan"],
                                              "relu_keep": [1.0]}).numpy()
        base = cfg[(cfg.protocol == proto) & (cfg.method == "baseline")].latency_s.iloc[0]
        assert base == pytest.approx(float(m.totals["latency_s"][0]), rel=1e-12)
    bounds = pd.read_csv(out / "bounds.csv").set_index(["workload", "protocol"])
    assert bounds.loc[("digits-cnn", "crypten"), "max_speedup"] > 5
    # CrypTFlow2: no polynomial choice helps (its poly costs more than a ReLU); linearising every
    # ReLU is the best assignment (with average pools since the structural 2PC blocks, mpc model
    # version 4: a faithful truncation takes 6 round trips, a 2x2 max-pool 2 x 5), and its latency
    # is the mpc model's on the linearised workload
    cf2 = bounds.loc[("digits-cnn", "cryptflow2")]
    assert cf2.best_choices == "IIAIAI"

    def cf2_latency(layers):
        v = type(w)(w.name, w.input_shape, tuple(layers), w.meta, w.kind)
        return float(models.get("mpc")().evaluate(v, {"protocol": ["cryptflow2"], "weights": ["public"],
                                                      "network": ["wan"], "relu_keep": [1.0]}).numpy()
                     .totals["latency_s"][0])

    avg = [replace(l, mode="avg") if l.kind == "pool2d" else l for l in w.layers]
    lin = [replace(l, fn="identity") if l.kind == "activation" else l for l in avg]
    assert cf2.best_s == pytest.approx(cf2_latency(lin), rel=1e-12)
    # without the identity only the pool swap helps (no polynomial choice does)
    assert cf2.max_speedup_no_identity == pytest.approx(cf2.all_relu_s / cf2_latency(avg), rel=1e-9)
    # linear layers (HE + faithful truncation) dominate on WAN: linearising stays far below 5x
    assert cf2.max_speedup == pytest.approx(cf2.all_relu_s / cf2.best_s, rel=1e-12) and cf2.max_speedup < 5
    # folding linearised runs: only the all-linear network (one 64 -> 10 map) passes 5x under CrypTFlow2
    assert cf2.best_folded_choices == "IIAIAI" and cf2.max_speedup_folded > 5
    assert cf2.max_speedup_folded_nonlinear < 5
    # the ReLU-count arm drops to the identity under CrypTFlow2 (the only replacement cheaper than a
    # ReLU there) and to both replacements under CrypTen; its masks can no longer make it slower
    rc = cfg[cfg.method == "relu-count"]
    assert set(rc[rc.protocol == "cryptflow2"].replacement) == {"identity"}
    assert set(rc[rc.protocol == "crypten"].replacement) == {"poly", "identity"}
    assert (rc[rc.protocol == "cryptflow2"].speedup >= 1 - 1e-12).all()
    assert set("".join(cfg.choices)) <= set("RPIMAm")
    report = (out / "report.md").read_text()
    assert "Headline" in report and "PASNet" in report and "AutoReP" in report
    assert "Folded bounds" in report and "best linear classifier" in report
    assert f"{base_acc:.2f}%" in report  # the baseline accuracy the run measured, not a copied figure
