"""The small network run under CrypTen for the cross-check, and the golden-value recorder.

Run ``python tests/mpc/crypten_net.py`` (needs crypten, ``bash .ci/setup_crypten.sh``) to rewrite
``tests/mpc/data/crypten_golden.json`` from a live CrypTen run.
"""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path

GOLDEN = Path(__file__).with_name("data") / "crypten_golden.json"
CONFIGS = ((2, "shared"), (2, "public"), (3, "shared"))


def build_net():
    """conv-bn-relu-maxpool, conv-x^2 (quadratic), a residual conv + add, a 3x3 max-pool
    (stride 1), avg-pool, flatten, linear: every layer kind of the cross-check."""
    from workloads import WorkloadBuilder

    b = WorkloadBuilder("crypten-xcheck", (3, 16, 16))
    x = b.conv2d(b.input, 8, 3, padding=1, name="conv1")
    x = b.relu(b.norm(x, name="bn1"), name="relu1")
    x = b.maxpool(x, 2, name="maxpool2x2")
    y = b.conv2d(x, 16, 3, padding=1, name="conv2")
    y = b.act(y, "poly", degree=2, name="poly2")
    z = b.conv2d(y, 16, 3, padding=1, name="conv3")
    y = b.add(z, y, name="residual")
    y = b.maxpool(y, 3, stride=1, padding=1, name="maxpool3x3")
    y = b.avgpool(y, 2, name="avgpool")
    y = b.flatten(y, name="flatten")
    b.linear(y, 10, name="fc")
    return b.build()


def record(path: Path = GOLDEN) -> dict:
    from costmodels.mpc.calibrate import import_crypten, measure_workload

    crypten = import_crypten()
    import torch

    wl = build_net()
    out = {"source": "live run of tests/mpc/crypten_net.py: crypten.mpc.run_multiprocess, "
                     "cfg.communicator.verbose = True, counters reset per layer",
           "crypten_version": getattr(crypten, "__version__", "?"), "torch_version": torch.__version__,
           "date": datetime.date.today().isoformat(), "workload": wl.name, "configs": []}
    for parties, weights in CONFIGS:
        frame = measure_workload(wl, parties=parties, weights=weights, seed=0)
        out["configs"].append({
            "parties": parties, "weights": weights,
            "layers": [{"layer": r.layer, "calls": int(r.calls), "rank0_bytes": float(r.rank0_bytes),
                        "wire_bytes": float(r.wire_bytes)} for r in frame.itertuples()]})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1) + "\n")
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    rec = record()
    print(f"wrote {GOLDEN} (crypten {rec['crypten_version']}, {rec['date']})")
