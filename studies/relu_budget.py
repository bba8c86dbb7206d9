"""ReLU budget vs latency and bytes: WRN-22-8 and ResNet-18 (CIFAR), CrypTen / CrypTFlow2 / DELPHI,
LAN and WAN. Budgets from 12.9K (AutoReP's CIFAR point, [AutoReP23, abstract]) to all ReLUs.

For every (workload, protocol, network, budget) the ReLU-budget MILP (``costmodels/mpc/relu_budget.py``,
uniform sensitivity: keep exactly the budget, placed to minimise latency) chooses which channels
stay ReLU; the rest become ``a x^2 + b x + c``. We report latency, online/offline bytes and their
split into ReLU, polynomial and non-ReLU traffic, next to the uniform spread of the same budget,
and show that the polynomial replacements are not free: at 12.9K their traffic is several times
the remaining ReLUs' (derived from [CrypTen21; crypten 0.4.1, measured]: 21.6 MB vs 6.0 MB, 3.6x, for WRN-22-8 in CrypTen 2PC).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from costmodels.mpc import MpcModel, latency_table
from costmodels.mpc.presets import constants
from costmodels.mpc.relu_budget import allocate
from dse.errors import UnknownNameError
from dse.report import StudyOutput, markdown_table
from dse.study import script_main

REFERENCE = {"relu_mb": 6.0, "poly_mb": 21.6, "ratio": 3.6,
             "source": "derived from [CrypTen21; crypten 0.4.1, measured]: WRN-22-8 at 12.9K in CrypTen 2PC (464 B/ReLU, 16 B/poly)"}


def _workload(name: str):
    """Zoo workload; WRN-22-8 falls back to a local pre-activation build if the zoo lacks it."""
    import workloads

    try:
        return workloads.load(name)
    except UnknownNameError:
        if name != "wrn22-8-cifar":
            raise
    b = workloads.WorkloadBuilder("wrn22-8-cifar", (3, 32, 32), dataset="cifar")
    x = b.conv2d(b.input, 16, 3, padding=1, name="stem")
    for stage, w in enumerate([128, 256, 512], start=1):
        for i in range(3):
            with b.scope(f"block{stage}.{i}"):
                a = b.relu(b.norm(x))
                y = b.conv2d(a, w, 3, stride=2 if (i == 0 and stage > 1) else 1, padding=1)
                y = b.conv2d(b.relu(b.norm(y)), w, 3, padding=1)
                if i == 0:
                    x = b.conv2d(a, w, 1, stride=2 if stage > 1 else 1, name="shortcut")
                x = b.add(y, x)
    b.linear(b.flatten(b.global_avgpool(b.norm(x, name="final_bn"))), 10, name="fc")
    return b.build()


def _budgets(total: int, quick: bool) -> list[int]:
    base = [12_900, 100_000] if quick else [12_900, 25_000, 50_000, 100_000, 200_000, 400_000]
    return sorted({b for b in base if b < total} | {total})


def _rows(wl, proto: str, net: str, budgets: Sequence[int], granularity) -> list[dict[str, Any]]:
    t = latency_table(wl, proto, 2, "public", net)
    model = MpcModel()
    rows = []
    for b in budgets:
        a = allocate(t, [b], None, granularity=granularity)
        keep = a.keep[0]
        uni = model.evaluate(wl, {"protocol": [proto], "weights": ["public"], "network": [net],
                                  "relu_keep": [b / t.total_relus]}).numpy().totals
        rows.append({
            "workload": wl.name, "protocol": proto, "network": net, "budget": b,
            "relus_kept": float(a.relus[0]), "latency_s": float(a.latency_s[0]),
            "comm_bytes": float(a.comm_bytes[0]),
            "relu_bytes": float((keep * t.bytes_relu).sum()),
            "poly_bytes": float(((1 - keep) * t.bytes_poly).sum()),
            "nonrelu_bytes": t.base_bytes,
            "offline_bytes": float((keep * t.offline_bytes_relu + (1 - keep) * t.offline_bytes_poly).sum()),
            "sites_mixed": int(((keep > 0) & (keep < 1)).sum()),
            "uniform_latency_s": float(uni["latency_s"][0]), "uniform_comm_bytes": float(uni["comm_bytes"][0]),
            "solve_s": a.wall_time_s,
        })
    return rows


def _plot(out: StudyOutput, frame: pd.DataFrame) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    wls = list(dict.fromkeys(frame.workload))
    fig, axes = plt.subplots(len(wls), 2, figsize=(11, 4 * len(wls)), squeeze=False)
    for r, wl in enumerate(wls):
        sub = frame[frame.workload == wl]
        for (proto, net), g in sub.groupby(["protocol", "network"], sort=False):
            style = "-" if net == "lan" else "--"
            axes[r, 0].plot(g.budget, g.latency_s, style, marker="o", label=f"{proto} {net}")
            if net == sub.network.iloc[0]:
                axes[r, 1].plot(g.budget, g.relu_bytes / 1e6, "-", marker="o", label=f"{proto} ReLU")
                axes[r, 1].plot(g.budget, g.poly_bytes / 1e6, ":", marker="s", label=f"{proto} poly")
        for ax, ylab in zip(axes[r], ("latency (s)", "online MB (ReLU vs poly)")):
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("ReLU budget")
            ax.set_ylabel(ylab)
            ax.set_title(wl)
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=7)
    out.figure("relu_budget", fig)


def _constants() -> pd.DataFrame:
    from costmodels.mpc.protocols_2pc import CrypTFlow2

    c = constants()
    cf = CrypTFlow2()
    rows = [("crypten 2PC ReLU / x^2 bytes", "464 / 16 B per element", "[CrypTen21; crypten 0.4.1, measured] (model exact)"),
            ("cryptflow2 ReLU bytes (l=37)", f"{cf.relu_b:.1f} B from IKNP/KK13 blocks, SCI_HE field ReLU (SCI_OT ring ReLU measured "
             f"{c['cryptflow2']['relu_bytes_l37']} B)", "costmodels/mpc/blocks.py; [CrypTFlow2-20; SCI, measured]"),
            ("cryptflow2 faithful truncation (l=37)", f"{cf.trunc_b:.1f} B from blocks (SCI measured "
             f"{c['cryptflow2']['trunc_bytes_l37']} B); fused after a ReLU {cf.fused_b:.1f} B",
             "costmodels/mpc/blocks.py; [CrypTFlow2-20; SCI, measured]"),
            ("delphi GC ReLU (l=41)", f"{c['delphi']['gc_bytes_l41']} B total, 16 l B online", "[HalfGates15; SCI GC/, measured]"),
            ("LAN / WAN", "3 Gbit/s, 0.3 ms / 400 Mbit/s, 40 ms", "[Cheetah22, code scripts/throttle.sh]"),
            ("weights", "public (the server's); batch norm folded", "assumption"),
            ("replacement", "a x^2 + b x + c, public per-channel coefficients", "[AutoReP23]"),
            ("sensitivity", "uniform (MILP keeps exactly the budget, placement minimises latency)", "assumption")]
    return pd.DataFrame(rows, columns=["constant", "value", "source"])


def run(out: Path, *, quick: bool = False, seed: int = 0,
        workloads: Sequence[str] = ("wrn22-8-cifar", "resnet18-cifar"),
        protocols: Sequence[str] = ("crypten", "cryptflow2", "delphi"),
        networks: Sequence[str] = ("lan", "wan"), granularity: str | int = "channel") -> dict:
    """Writes results.csv, headline.csv, constants.csv, relu_budget.png, report.md into ``out``."""
    if quick:
        workloads, protocols, granularity = ("resnet18-cifar",), ("crypten", "delphi"), 16
    rows: list[dict[str, Any]] = []
    for name in workloads:
        wl = _workload(name)
        for proto in protocols:
            for net in networks:
                rows += _rows(wl, proto, net, _budgets(wl.relus, quick), granularity)
    frame = pd.DataFrame(rows)
    low = frame[frame.budget == frame.budget.min()].copy()
    low["poly_over_relu"] = low.poly_bytes / low.relu_bytes
    head_cols = ["workload", "protocol", "network", "relus_kept", "relu_bytes", "poly_bytes",
                 "poly_over_relu", "nonrelu_bytes", "latency_s", "uniform_latency_s"]
    headline = low[head_cols]
    wrn = low[(low.workload == "wrn22-8-cifar") & (low.protocol == "crypten")]
    head = {"min_budget": int(frame.budget.min()),
            "max_poly_over_relu": float(low.poly_over_relu.max())}
    if len(wrn):
        head.update(wrn_crypten_relu_mb=float(wrn.relu_bytes.iloc[0] / 1e6),
                    wrn_crypten_poly_mb=float(wrn.poly_bytes.iloc[0] / 1e6),
                    wrn_crypten_ratio=float(wrn.poly_over_relu.iloc[0]))
    with StudyOutput(out) as o:
        o.table("results", frame)
        o.table("headline", headline)
        o.table("constants", _constants())
        _plot(o, frame)
        o.markdown(_report(frame, headline, head, quick, granularity))
    return head


def _report(frame, headline, head, quick, granularity) -> str:
    fmt = headline.copy()
    for c in ("relu_bytes", "poly_bytes", "nonrelu_bytes"):
        fmt[c] = (fmt[c] / 1e6).round(3)
    ref = ""
    if "wrn_crypten_ratio" in head:
        ref = (f"\n| quantity | ours | derived from [CrypTen21; measured] |\n|---|---|---|\n"
               f"| ReLU traffic at 12.9K (MB) | {head['wrn_crypten_relu_mb']:.2f} | {REFERENCE['relu_mb']} |\n"
               f"| polynomial traffic (MB) | {head['wrn_crypten_poly_mb']:.2f} | {REFERENCE['poly_mb']} |\n"
               f"| poly / ReLU | {head['wrn_crypten_ratio']:.2f} | {REFERENCE['ratio']} |\n\n"
               f"Source of the reference column: {REFERENCE['source']}. Our kept count differs from 12,900 by "
               f"the channel granularity (whole channels are kept).\n")
    return (
        "# ReLU budget: latency and bytes vs budget\n\n"
        f"Mode: {'quick' if quick else 'full'}; granularity {granularity}; weights public, 2 parties.\n\n"
        "## Polynomials are not free (lowest budget)\n\n"
        "Bytes in MB (online). `poly_over_relu` = traffic of the replacement polynomials divided by the "
        "traffic of the ReLUs that remain.\n\n" + markdown_table(fmt) + ref +
        "\nIn CrypTFlow2 a polynomial needs an OT-based product and a faithful truncation, so it costs more "
        "than the ReLU it replaces: dropping ReLUs *raises* CrypTFlow2's latency. DELPHI's quadratics are "
        "cheap online but need HE triples offline.\n\n"
        "## All points\n\n" + markdown_table(frame.drop(columns=["solve_s"])) +
        "\nFiles: results.csv, headline.csv, constants.csv (every assumed constant with its source), "
        "relu_budget.png.\n"
    )


def main(argv: list[str] | None = None) -> int:
    return script_main("relu_budget", __doc__, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
