"""Wall time of one inner training of ``studies/codesign_pi.py`` (digits CNN, one torch thread).

Target (issue 20): one inner training <= 10 s on one core. Prints the time of ``train_trial`` at the
study's full settings (6 search + 4 fine-tune epochs from the pre-trained network) and quick
settings (3 + 2), CrypTen/WAN costs, lambda = 4. Run: ``python benchmarks/codesign_inner.py``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "studies"))
from codesign_pi import prepare_ctx as prepare, settings, train_trial  # noqa: E402


def main() -> None:
    torch.set_num_threads(1)
    for quick in (False, True):
        st = settings(quick)
        t = time.perf_counter()
        ctx = prepare(st)
        pre = time.perf_counter() - t
        times = []
        for protocol in ("crypten", "cryptflow2"):
            t = time.perf_counter()
            r = train_trial(ctx, st, protocol, 4.0)
            times.append(time.perf_counter() - t)
            print(f"{'quick' if quick else 'full '} {protocol:10s} inner training {times[-1]:.2f} s "
                  f"(search {st['search_epochs']} + fine-tune {st['finetune_epochs']} epochs; acc_val {r['acc_val']:.1f}%)")
        print(f"{'quick' if quick else 'full '} pre-training ({st['pretrain_epochs']} epochs, once per study): {pre:.2f} s")


if __name__ == "__main__":
    main()
