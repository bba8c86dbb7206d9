"""Claims of the ``he_search`` family (``dse validate --family he_search``): the comparisons
README.md and docs/he_search.md make, classified honestly (see :mod:`dse.claims`).

The search results against random/grid search are properties of the search under our own cost
model, not agreement with something real, so they are not claims; what is: Orion's shipped
parameters restated through our security arithmetic, FHE-Agent's headline (a feasible 128-bit
AlexNet exists in this space), and the TenSEAL stage-3 measurement, with the profile calibrated
on the same host as the measurement.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from dse.claims import Claim

__all__ = ["CLAIMS"]

MLP_CFG = {"N": 8192, "levels": 5, "scale_bits": 26, "first_bits": 29, "special_bits": 29, "dnum": 3,
           "ring": "standard", "matvec": "bsgs", "act_degree": 2}


def _orion_security(key: str) -> float:
    """Security (bits) of Orion's shipped chain as written in its YAML (Q and P primes summed)."""
    import numpy as np

    from costmodels.he import security_bits

    from .benchmarks import orion_config

    c = orion_config(key)
    return float(security_bits(np.array(float(1 << c.log_n)), np.array(float(sum(c.log_q) + sum(c.log_p)))))


def _alexnet_feasible() -> float:
    from .benchmarks import benchmark
    from .search import multi_fidelity_search

    res = multi_fidelity_search(benchmark("alexnet"), n_trials=64, seed=0)
    return 1.0 if res.best is not None else 0.0


def trace_error_same_host(reps: int = 7) -> float:
    """``predicted / measured - 1`` of Orion's MLP trace, with a SEAL profile calibrated on this host
    in the same timing rounds as the trace's own SEAL calls (both sides on one machine, at one time)."""
    from costmodels.he.calibrate import calibrate
    from costmodels.he.presets import profile_to_dict

    from .benchmarks import benchmark
    from .evaluate import Evaluator
    from .measure import predict_trace, trace_of, trace_runners

    tr = trace_of(Evaluator(benchmark("mlp")), MLP_CFG)
    # top = the trace's 6 limbs (levels + 1), so key switching is fitted at the trace's key level
    prof, rec = calibrate(grid={8192: (6, (1, 2, 4, 6), ())}, reps=reps, alongside=trace_runners(MLP_CFG, tr))
    meas = sum(t * c for t, c in zip(rec["alongside_s"], tr["count"]))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "local.json"
        path.write_text(json.dumps(profile_to_dict(prof)))
        pred = float(predict_trace(str(path), MLP_CFG, tr).sum())
    return pred / meas - 1.0


CLAIMS: list[Claim] = [
    *[Claim(f"he_search-orion-{key}-secure", "he_search", f"Orion {key} shipped parameters (log2 QP "
            f"{qp} at N = 2^{logn}) classified 128-bit secure by our HE-standard table", 128.0, "bits",
            f"[Orion25] baahl-nyu/orion configs/{key}.yml, 128-bit per its authors; [HEStandard18] bound",
            "restatement", (lambda key=key: _orion_security(key)), abs_tol=0.0)
      for key, qp, logn in (("mlp", 217, 13), ("lenet", 380, 14))],
    Claim("he_search-alexnet-feasible", "he_search", "a 128-bit AlexNet configuration meeting precision "
          "and a 64 GB memory budget exists and is found (1 = found)", 1.0, "1",
          "[FHEAgent25] abstract (arXiv 2511.18653): feasible 128-bit AlexNet", "validation",
          _alexnet_feasible, abs_tol=0.0, slow=True),
    Claim("he_search-tenseal-trace", "he_search", "Orion MLP trace: predicted (SEAL profile calibrated "
          "on this host, in the same timing rounds as the trace) / measured (TenSEAL, same host) - 1 "
          "(8 runs on 2026-12-06: -4.8 % to +1.8 %; the 40 % tolerance this claim had before hid a "
          "calibration fitted at 4 limbs standing in for the trace's 6, and timings taken minutes apart)",
          0.0, "1", "TenSEAL / SEAL [TenSEAL21] (costmodels.he_search.measure.trace_runners)", "peer",
          trace_error_same_host, abs_tol=0.20, requires=("tenseal",), slow=True),
]
