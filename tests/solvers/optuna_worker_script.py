"""Run an Optuna study in a separate process (used by the kill-and-resume and multi-process tests).

``python optuna_worker_script.py OUT N_TRIALS BATCH [HANG_AFTER_CALLS] [STORAGE]``: with
HANG_AFTER_CALLS, the model's evaluate writes ``OUT/hung`` on that call and then blocks, so the
test can kill the process while a batch of trials is RUNNING.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import workloads
from solvers import Objective, Problem
from solvers.optuna_search import OptunaSolver
from tests.dse.toy_model import ToyModel


class HangingToy(ToyModel):
    hang_after: int | None = None
    out: Path | None = None
    calls = 0

    def _evaluate(self, workload, design, xp):
        HangingToy.calls += 1
        if self.hang_after is not None and HangingToy.calls >= self.hang_after:
            (self.out / "hung").write_text(str(HangingToy.calls))
            time.sleep(3600)
        return super()._evaluate(workload, design, xp)


def problem(model=None) -> Problem:
    return Problem(model or ToyModel(), workloads.load("resnet20-cifar"),
                   (Objective("latency_s"), Objective("energy_j")), seed=0)


if __name__ == "__main__":
    out, n_trials, batch = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    hang = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[4] != "-" else None
    storage = sys.argv[5] if len(sys.argv) > 5 else None
    HangingToy.hang_after, HangingToy.out = hang, out
    r = OptunaSolver(n_trials=n_trials, batch_size=batch, sampler="random", storage=storage).solve(
        problem(HangingToy()), out_dir=out)
    print(",".join(str(n) for n in r.info["worker_stats"][0]["numbers"]))
