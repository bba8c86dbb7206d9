"""Speed targets of issue 20 for the searches that train (``studies/codesign_pi.py``), digits CNN.

* one inner training <= 10 s on one core: ``python benchmarks/codesign_inner.py`` times
  ``train_trial`` at the study's full settings (6 search + 4 fine-tune epochs from the pre-trained
  network) and quick settings (3 + 2), CrypTen / CrypTFlow2 / gradient co-design (joint), WAN,
  lambda = 4, one torch thread;
* a 100-trial co-design study with pruning <= 15 min on 2 cores: ``python
  benchmarks/codesign_inner.py --study [--trials 100 --workers 2]`` runs the Optuna arm alone
  (``codesign_pi.codesign``: training study through ``solvers.optuna_train``, median pruning,
  SQLite storage, 2 worker processes) into a fresh temporary folder and prints its wall time,
  trial counts and the mean time of a trial.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "studies"))
from codesign_pi import codesign, prepare_ctx, settings, train_trial  # noqa: E402


def inner() -> None:
    torch.set_num_threads(1)
    for quick in (False, True):
        st = settings(quick)
        t = time.perf_counter()
        ctx = prepare_ctx(st)
        pre = time.perf_counter() - t
        for protocol in ("crypten", "cryptflow2", "joint"):
            t = time.perf_counter()
            r = train_trial(ctx, st, protocol, 4.0)
            print(f"{'quick' if quick else 'full '} {protocol:10s} inner training {time.perf_counter() - t:.2f} s "
                  f"(search {st['search_epochs']} + fine-tune {st['finetune_epochs']} epochs; acc_val {r['acc_val']:.1f}%)")
        print(f"{'quick' if quick else 'full '} pre-training ({st['pretrain_epochs']} epochs, once per study): {pre:.2f} s")


def study(trials: int, workers: int) -> None:
    torch.set_num_threads(1)
    st = settings(False, trials=trials)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        df = codesign(Path(tmp), st, seed=0, workers=workers)
        wall = time.perf_counter() - t
    n_pruned = int((df.state == "PRUNED").sum())
    print(f"co-design study: {len(df)} trials ({n_pruned} pruned), {workers} worker(s): {wall:.1f} s wall "
          f"({wall / 60:.2f} min; target <= 15 min); mean train_s per trial {df.train_s.mean():.2f} s")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.strip().split("\n")[0])
    ap.add_argument("--study", action="store_true", help="time a whole co-design study instead")
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    study(args.trials, args.workers) if args.study else inner()


if __name__ == "__main__":
    main()
