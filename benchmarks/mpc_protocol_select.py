"""Solve time of the per-layer protocol selection MILP (``protocol=auto``, issue 18: <= 5 s each
for ResNet-50 and BERT-base on 2 cores).

For each workload and network (LAN, WAN): the layer cost tables are built first (not timed: the
model memoises them per workload), then :func:`costmodels.mpc.protocol_select.select` is timed
(Pyomo model build + HiGHS solve). Prints layers, binaries, time, the mix and the latency of the
mix next to the best single protocol.
"""

from __future__ import annotations

import argparse
import collections
import time

import workloads
from costmodels.mpc import MpcModel, layer_costs
from costmodels.mpc.presets import network
from costmodels.mpc.protocol_select import select

TARGET_S = 5.0
SINGLE = ("crypten", "cryptflow2", "delphi", "cheetah")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--workloads", nargs="+", default=["resnet50-imagenet", "bert-base"])
    args = ap.parse_args(argv)
    ok = True
    for name in args.workloads:
        wl = workloads.load(name)
        for p in SINGLE:  # warm the memoised layer tables
            layer_costs(wl, p, 2, "public")
        for net in ("lan", "wan"):
            n = network(net)
            t0 = time.perf_counter()
            s = select(wl, 2, "public", bandwidth_Bps=n.bytes_per_s, rtt_s=n.rtt_s)
            dt = time.perf_counter() - t0
            m = MpcModel()
            best = min((float(m.evaluate(wl, {"protocol": p, "parties": 2, "weights": "public", "network": net})
                              .totals["latency_s"][0]), p) for p in SINGLE)
            mix = dict(collections.Counter(s.protocols))
            print(f"{name:18s} {net}: {len(wl.layers)} layers, {dt:5.2f} s (target <= {TARGET_S} s); "
                  f"auto {s.objective:8.2f} s vs best single {best[1]} {best[0]:8.2f} s; mix {mix}")
            ok &= dt <= TARGET_S
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
