"""Speed of the analytic systolic model vs SCALE-Sim 3.0.0, per layer (issue 3: >= 1000x).

SCALE-Sim times are the wall times recorded with the goldens (``tests/asic/data/
scalesim_goldens.json``: 108 cases = 12 layers x 3 arrays x 3 dataflows), or fresh runs with
``--live`` (needs ``.venv-scalesim``; ``--live-cases N`` limits them). The analytic time per layer
is measured two ways: the scalar closed form (``gemm_cycles`` + ``gemm_sram_accesses``, one
Python call per SCALE-Sim layer) and the vectorised model (``asic-systolic`` per design point and
layer, 10,000 points). Prints the per-layer ratios (min / median / max).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import dse
import workloads
from costmodels.asic import lower
from costmodels.asic.peer_scalesim import analytic, run

GOLDENS = Path(__file__).resolve().parents[1] / "tests" / "asic" / "data" / "scalesim_goldens.json"


def scalar_time_per_case(case: dict, repeats: int = 2000) -> float:
    t0 = time.perf_counter()
    for _ in range(repeats):
        analytic(case)
    return (time.perf_counter() - t0) / repeats


def vector_time_per_layer(points: int = 10_000) -> float:
    model = dse.get_model("asic-systolic")
    w = workloads.load("resnet18-cifar")
    design = model.space.sample(points, 0)
    model.evaluate(w, design.take(slice(0, 100)))
    best = float("inf")
    for _ in range(3):
        c0 = time.process_time()
        model.evaluate(w, design)
        best = min(best, time.process_time() - c0)
    return best / (points * len(lower(w)))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--live", action="store_true", help="re-run SCALE-Sim instead of the recorded times")
    ap.add_argument("--live-cases", type=int, default=12)
    args = ap.parse_args(argv)
    records = json.loads(GOLDENS.read_text())["records"]
    pairs = []  # (scalesim seconds per SCALE-Sim layer, case)
    for rec in records:
        for case, res in zip(rec["scalesim_cases"], rec["results"]):
            pairs.append((res["wall_s"] / len(res["layers"]), case))
    if args.live:
        pairs = pairs[: args.live_cases]
        fresh = run([c for _, c in pairs])
        pairs = [(res["wall_s"] / len(res["layers"]), c) for res, (_, c) in zip(fresh, pairs)]
    ratios_scalar, ratios_vector = [], []
    t_vec = vector_time_per_layer()
    for t_sim, case in pairs:
        t_an = scalar_time_per_case(case) / max(1, len(analytic(case)))
        ratios_scalar.append(t_sim / t_an)
        ratios_vector.append(t_sim / t_vec)
    src = "live runs" if args.live else f"recorded wall times ({GOLDENS.name})"
    sim = [t for t, _ in pairs]
    print(f"SCALE-Sim 3.0.0 per layer ({src}, {len(pairs)} cases): median {statistics.median(sim) * 1e3:.1f} ms, "
          f"min {min(sim) * 1e3:.1f} ms, max {max(sim) * 1e3:.0f} ms")
    print(f"analytic scalar closed form per layer: ~{scalar_time_per_case(pairs[0][1]) * 1e6:.1f} us; "
          f"vectorised model per (point, layer): {t_vec * 1e9:.1f} ns")
    for name, r in (("scalar", ratios_scalar), ("vectorised", ratios_vector)):
        print(f"speed-up {name:10s}: min {min(r):,.0f}x  median {statistics.median(r):,.0f}x  max {max(r):,.0f}x  "
              f"(target >= 1,000x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
