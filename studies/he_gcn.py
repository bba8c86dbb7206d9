"""CryptoGCN vs a feature-wise GCN packing, and LinGCN vs CryptoGCN, on the CKKS cost model.

Published ([CryptoGCN22, abstract], [LinGCN23, code README.md]):

* CryptoGCN (Ran et al., NeurIPS'22, arXiv 2209.11904 abstract): the AMA format "reduces the total
  Homomorphic Operation Count by 77.4 %" and latency "as much as 3.10x" vs "state-of-the-art
  solutions" on NTU-XVIEW. The paper's body (baseline definition, per-model table, N, levels) is
  not in any corpus we can read; LinGCN's frontier figure shows CryptoGCN evaluated on
  STGCN-3-128 and STGCN-3-256, and LinGCN's configs reduce the clip to 256 frames.
* LinGCN (Peng et al., NeurIPS'23, harveyp123/LinGCN-Neurips23 README + figures/
  plot_frontiers_LinGCN.png): **14.2x** lower latency than CryptoGCN at ~75 % accuracy; digitised,
  that is CryptoGCN's most accurate point (75.3 %, 10.5 ks) over LinGCN STGCN-3-128 (75.2 %, 733 s);
  85.78 % at 6371 s (STGCN-6-256); the gain is attributed to fewer multiplication levels.

Method: model ``he`` (:mod:`costmodels.he`) with a device profile (default: SEAL calibrated on this
VM). Per configuration the depth D comes from the lowering and N from EVA's rule (smallest N with
``first + D*scale + special <= HE-standard 128-bit bound``); latency and counts at ``(N, L = D)``.
Part A compares AMA with the feature-wise packing (``naive``: 2V-1 node diagonals per partition,
``naive-cyclic``: the V-diagonal lower bound) on CryptoGCN's backbones and its released 6-block
model, per graph-conv layer and for the network, counting HE ops as rotations + multiplies and as
the total incl. additions. Part B compares CryptoGCN's lowering (``ama``, all x^2 sites) with
LinGCN's (``ama-fused``, E effective non-linear layers), splits the gain into "fewer operations"
x "cheaper operations", and compares our latencies with the digitised published points.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from costmodels.he import LINGCN_SHIPPED_KEEP, CkksModel, LoweringConfig, lower_workload, parse_keep, smallest_ring
from costmodels.he.primitives import poly_eval_cost
from dse.report import StudyOutput, markdown_table
from dse.study import script_main
from workloads import load

PAPER = {"cryptogcn_he_ops_reduction": -0.774, "cryptogcn_speedup": 3.10, "lingcn_speedup": 14.2,
         "lingcn_latency_s": 6371.0, "lingcn_accuracy": 85.78}
SOURCES = {"cryptogcn": "[CryptoGCN22, abstract] (arXiv 2209.11904)",
           "lingcn": "[LinGCN23, code README.md] (harveyp123/LinGCN-Neurips23)",
           "figure": "LinGCN-Neurips23 figures/plot_frontiers_LinGCN.png, digitised"}
#: digitised points of LinGCN's latency-accuracy figure: (system, backbone, accuracy %, latency s,
#: our configuration). Log-x axis calibrated on the 10^3 / 10^4 gridlines (x = 194.5 / 519.5 px of
#: the 909x418 PNG), accuracy on the 85 % / 80 % gridlines (y = 42 / 126 px); marker centroids by
#: colour. Checks: the 6-256 knee reads 6359 s / 85.78 % (README: 6371 s / 85.78 %); 10539 / 733 =
#: 14.4x (README: 14.2x).
FIGURE_POINTS = (
    ("CryptoGCN", "STGCN-3-256", 75.32, 10539.0, "stgcn3-256, ama, all 6 x^2 sites (its most accurate point)"),
    ("LinGCN", "STGCN-3-128", 75.20, 733.0, "stgcn3-128, ama-fused, E=2 (assumed for ~75 %)"),
    ("LinGCN", "STGCN-3-256", 78.70, 3665.0, "stgcn3-256, ama-fused, shipped mask E=4 (78.59 % in its log)"),
    ("LinGCN", "STGCN-6-256", 85.78, 6359.0, "E not published: not compared"),
)
#: every CryptoGCN marker of the same figure (same axis calibration; markers found as dark blobs
#: after a 3x3 opening, keeping blobs at least 6 px wide and at most 10 px tall, which drops the
#: vertical piece of the connecting line at 1.86 ks): (accuracy %, latency s). The legend
#: pools STGCN-3-128 and STGCN-3-256; by latency they form two groups (~1.86 ks and 4.3-4.9 ks)
#: plus the 75.32 % point. Assigned here: the ~1.86 ks group to 3-128, the rest to 3-256.
CRYPTOGCN_SERIES = (
    ("stgcn3-128", 70.26, 1852.0), ("stgcn3-128", 73.08, 1869.0),
    ("stgcn3-256", 71.32, 4822.0), ("stgcn3-256", 73.77, 4851.0), ("stgcn3-256", 74.23, 4268.0),
    ("stgcn3-256", 75.32, 10536.0),
)
ASSUMED = [
    ("scale_bits", 30, "CryptoGCN st-gcn code uses a 2^30 scale [CryptoGCN22]"),
    ("first_bits / special_bits", "60 / 60", "SEAL/EVA convention [EVA20]"),
    ("security", "128-bit classic, ternary secret; N by EVA's rule", "HE-standard table [HEStandard18; OpenFHE22]"),
    ("persons per clip", 2, "NTU-RGB+D, zoo meta (both persons in the slots, CryptoGCN layout)"),
    ("frames", "256 for the 3-layer backbones, 300 for CryptoGCN's released 6-block model",
     "LinGCN configs 'Reduce the frame size to 256' (2 x 64 x 256 = 32768 slots = one N=2^16 ciphertext per joint)"),
    ("STGCN-3-128", "3->64->128 (stride 2)->128", "LinGCN net/st_gcn.py Model_3layers_1"),
    ("CryptoGCN backbones", "STGCN-3-128, STGCN-3-256", "legend of LinGCN's frontier figure; the paper's own table is not readable here"),
    ("CryptoGCN baseline", "feature-wise packing, sparsity-unaware diagonal A·X",
     "the abstract says 'state-of-the-art solutions'; the definition is in the paper body, which is not readable here"),
    ("HE operation count", "rot + PMult + CMult (model he_ops) and total = + additions",
     "the abstract's 'total Homomorphic Operation Count'; which ops it sums is not readable here"),
    ("LinGCN ~75 % accuracy", "STGCN-3-128 with E = 2 effective non-linear layers", "assumed: E of the 733 s point is not published"),
    ("LinGCN masks", "kept nodes spread evenly over the 6 sites; E=4 on 3-256 uses the shipped [10,15,25,25,25,0]",
     "structural linearisation: every node keeps E sites"),
    ("CryptoGCN activations", "all x^2 sites kept", "its activation pruning is not modelled"),
]
GCN_KINDS = ("graphconv",)


def backbone(name: str) -> Any:
    """The ST-GCN backbones of the two papers (NTU-RGB+D, 25 joints, 2 persons)."""
    if name == "stgcn3-128":  # LinGCN Model_3layers_1, 256 frames
        return load("stgcn-ntu", blocks=3, channels="64-128-128", frames=256)
    if name == "stgcn3-256":  # LinGCN Model_3layers_2, 256 frames
        return load("stgcn3-256")
    return load("stgcn-ntu")  # CryptoGCN's released 6-block model, 300 frames


def keep_mask(effective: int, sites: int = 6, nodes: int = 25, backbone_name: str = "") -> str:
    """Kept nodes per site for E effective non-linear layers (LinGCN's shipped mask for 3-256, E=4)."""
    if effective == 4 and sites == 6 and nodes == 25 and backbone_name == "stgcn3-256":
        return ",".join(map(str, LINGCN_SHIPPED_KEEP))
    total = nodes * effective
    return ",".join(str(total // sites + (1 if s < total % sites else 0)) for s in range(sites))


def additions(workload: Any, packing: str, slots: int, keep: str) -> tuple[float, float]:
    """(network, graph-conv layers) ciphertext additions of the lowering (x^2 adds none)."""
    ops = lower_workload(workload, LoweringConfig(slots=slots, packing=packing, keep=parse_keep(keep),
                                                  persons=int(workload.info("persons", 1))))
    per = [o.counts.count("add") + o.act_cts * poly_eval_cost(o.act_degree or 2)["adds"] for o in ops]
    return float(sum(per)), float(sum(p for p, o in zip(per, ops) if o.kind in GCN_KINDS))


def evaluate(workload: Any, packing: str, keep: str, profile: str, scale: int, first: int,
             n_fixed: int | None = None) -> dict[str, Any]:
    """Depth from the lowering, N by EVA's rule (or ``n_fixed``), then one evaluation at (N, L = depth)."""
    model = CkksModel(profile=profile, nonlinear_keep=keep)
    probe = {"N": [65536], "levels": [60], "scale_bits": [scale], "first_bits": [first], "packing": [packing]}
    depth = int(model.evaluate(workload, probe).numpy().totals["levels_used"][0])
    n = n_fixed or int(smallest_ring(np.array(float(depth)), scale_bits=scale, first_bits=first, special_bits=60))
    m = model.evaluate(workload, {"N": [n], "levels": [depth], "scale_bits": [scale], "first_bits": [first],
                                  "packing": [packing]}).numpy()
    gcn = [j for j, k in enumerate(m.layer_kinds) if k in GCN_KINDS]
    row: dict[str, Any] = {"N": n, "levels": depth, "feasible": bool(m.feasible[0]), "reason": m.reason_of(0) or ""}
    for key in ("latency_s", "rotations", "pt_mults", "ct_mults", "he_ops", "bootstraps", "memory_bytes"):
        row[key] = float(m.totals[key][0])
    for key in ("latency_s", "rotations", "pt_mults", "he_ops"):
        row[f"gcn_{key}"] = float(m.layers[key][0, gcn].sum())
    row["adds"], row["gcn_adds"] = additions(workload, packing, n // 2, keep)
    row["total_ops"] = row["he_ops"] + row["adds"]
    row["gcn_total_ops"] = row["gcn_he_ops"] + row["gcn_adds"]
    # key switches: every rotation and every relinearisation (one per ct-ct multiply)
    row["keyswitch"] = row["rotations"] + row["ct_mults"]
    row["gcn_keyswitch"] = row["gcn_rotations"] + float(m.layers["ct_mults"][0, gcn].sum())
    return row


def part_a(profile: str, scale: int, first: int) -> pd.DataFrame:
    rows = []
    for wname in ("stgcn3-128", "stgcn3-256", "stgcn-ntu"):
        w = backbone(wname)
        for packing in ("naive", "naive-cyclic", "ama"):
            rows.append({"workload": wname, "packing": packing, **evaluate(w, packing, "all", profile, scale, first)})
    return pd.DataFrame(rows)


def part_b(profile: str, scale: int, first: int, quick: bool) -> pd.DataFrame:
    rows = []
    for wname in ("stgcn3-256", "stgcn3-128"):
        rows.append({"config": f"CryptoGCN {wname}", "system": "CryptoGCN", "workload": wname, "effective": 6,
                     **evaluate(backbone(wname), "ama", "all", profile, scale, first)})
    for wname in ("stgcn3-128", "stgcn3-256"):
        w = backbone(wname)
        for e in ((1, 2, 4, 6) if quick else (1, 2, 3, 4, 5, 6)):
            rows.append({"config": f"LinGCN {wname}, E={e}", "system": "LinGCN", "workload": wname, "effective": e,
                         **evaluate(w, "ama-fused", keep_mask(e, backbone_name=wname), profile, scale, first)})
    return pd.DataFrame(rows)


def _row(df: pd.DataFrame, **match: Any) -> pd.Series:
    sel = np.ones(len(df), dtype=bool)
    for k, v in match.items():
        sel &= (df[k] == v).to_numpy()
    return df[sel].iloc[0]


def _figure(a: pd.DataFrame, b: pd.DataFrame, anchors: pd.DataFrame):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.2))
    names = list(dict.fromkeys(a.workload))
    x = np.arange(len(names))
    for i, (base, col) in enumerate((("naive", "C0"), ("naive-cyclic", "C1"))):
        sp = [_row(a, workload=n, packing=base).latency_s / _row(a, workload=n, packing="ama").latency_s for n in names]
        ax1.bar(x + (i - 0.5) * 0.38, sp, 0.38, color=col, label=f"network, vs {base}")
    ax1.axhline(PAPER["cryptogcn_speedup"], ls="--", color="k", label="paper: up to 3.10x")
    ax1.axhline(1.0, color="gray", lw=0.8)
    ax1.set_xticks(x, names)
    ax1.set_ylabel("AMA speedup (x)")
    ax1.set_title("A: CryptoGCN AMA vs feature-wise packing")
    ax1.legend(fontsize=8)
    for wname, mk in (("stgcn3-128", "o-"), ("stgcn3-256", "s-")):
        lin = b[(b.system == "LinGCN") & (b.workload == wname)]
        ax2.plot(lin.effective, lin.latency_s, mk, label=f"ours: LinGCN {wname}")
    crypto = _row(b, config="CryptoGCN stgcn3-256")
    ax2.axhline(crypto.latency_s, ls="--", color="k", label="ours: CryptoGCN stgcn3-256")
    for r in anchors.itertuples():
        ax2.plot(r.effective, r.published_s, "x", ms=9, color="r")
        ax2.annotate(f"paper {r.system} {r.backbone[6:]}", (r.effective, r.published_s), fontsize=7,
                     xytext=(-60, 6), textcoords="offset points")
    ax2.set_xlim(0.5, 6.5)
    ax2.set_xlabel("effective non-linear layers E")
    ax2.set_ylabel("latency (s)")
    ax2.set_yscale("log")
    ax2.set_title("B: LinGCN vs CryptoGCN (x: digitised paper points)")
    ax2.legend(fontsize=7)
    fig.tight_layout()
    return fig


def headline(a: pd.DataFrame, b: pd.DataFrame, fixed: dict[str, float]) -> tuple[dict[str, float], pd.DataFrame]:
    head: dict[str, float] = {}
    for wname in ("stgcn3-128", "stgcn3-256", "stgcn-ntu"):
        am = _row(a, workload=wname, packing="ama")
        key = wname.replace("-", "_")
        for base in ("naive", "naive-cyclic"):
            nv = _row(a, workload=wname, packing=base)
            tag = f"{key}_{base.replace('-', '_')}"
            head[f"{tag}_network_speedup"] = nv.latency_s / am.latency_s
            head[f"{tag}_gcn_speedup"] = nv.gcn_latency_s / am.gcn_latency_s
            for q in ("he_ops", "total_ops", "rotations", "keyswitch"):
                head[f"{tag}_network_{q}_change"] = am[q] / nv[q] - 1
                head[f"{tag}_gcn_{q}_change"] = am[f"gcn_{q}"] / nv[f"gcn_{q}"] - 1
    crypto = _row(b, config="CryptoGCN stgcn3-256")
    lin2 = _row(b, config="LinGCN stgcn3-128, E=2")
    same = _row(b, config="LinGCN stgcn3-256, E=2")
    head["lingcn_vs_cryptogcn"] = crypto.latency_s / lin2.latency_s
    head["lingcn_vs_cryptogcn_fixed_n16"] = fixed["crypto"] / fixed["lin"]
    head["lingcn_same_backbone"] = crypto.latency_s / same.latency_s
    lin128 = b[(b.system == "LinGCN") & (b.workload == "stgcn3-128")]
    head["lingcn_vs_cryptogcn_min"] = crypto.latency_s / lin128.latency_s.max()
    head["lingcn_vs_cryptogcn_max"] = crypto.latency_s / lin128.latency_s.min()
    for tag, lin in (("pair", lin2), ("same_backbone", same)):
        head[f"{tag}_op_count_ratio"] = crypto.he_ops / lin.he_ops
        head[f"{tag}_per_op_ratio"] = (crypto.latency_s / crypto.he_ops) / (lin.latency_s / lin.he_ops)
    ours = {"CryptoGCN": crypto.latency_s, "STGCN-3-128": lin2.latency_s,
            "STGCN-3-256": _row(b, config="LinGCN stgcn3-256, E=4").latency_s}
    rows = []
    for system, bb, acc, lat, cfg in FIGURE_POINTS:
        o = ours["CryptoGCN"] if system == "CryptoGCN" else ours.get(bb)
        if o is None:
            continue
        eff = 6 if system == "CryptoGCN" else (2 if bb == "STGCN-3-128" else 4)
        rows.append({"system": system, "backbone": bb, "accuracy_pct": acc, "published_s": lat, "ours_s": o,
                     "ours_over_published": o / lat, "effective": eff, "our_config": cfg})
    anchors = pd.DataFrame(rows)
    head["published_pair_ratio"] = FIGURE_POINTS[0][3] / FIGURE_POINTS[1][3]
    # the next CryptoGCN point of the figure (74.23 %, 3-256) over the same LinGCN point
    head["published_pair_ratio_next_cryptogcn"] = 4268.0 / FIGURE_POINTS[1][3]
    head["crypto_anchor_ratio"] = float(anchors.ours_over_published.iloc[0])
    head["lingcn_anchor_ratio_mean"] = float(anchors.ours_over_published.iloc[1:].mean())
    return head, anchors


def cryptogcn_series(b: pd.DataFrame) -> pd.DataFrame:
    """Our all-activation CryptoGCN latency per backbone next to each digitised CryptoGCN marker
    (the markers include its activation-pruned variants, which our rows do not model)."""
    rows = []
    for wname, acc, lat in CRYPTOGCN_SERIES:
        ours = float(_row(b, config=f"CryptoGCN {wname}").latency_s)
        rows.append({"backbone (assigned)": wname, "accuracy_pct": acc, "published_s": lat, "ours_all_x2_s": ours,
                     "ours_over_published": ours / lat})
    return pd.DataFrame(rows)


def run(out: Path, *, quick: bool = False, seed: int = 0, profile: str = "seal-tenseal-vm", scale_bits: int = 30,
        first_bits: int = 60, **_: Any) -> dict[str, float]:
    """Writes CSV + PNG + report.md into ``out``; returns the headline ratios."""
    a = part_a(profile, scale_bits, first_bits)
    b = part_b(profile, scale_bits, first_bits, quick)
    fixed = {"crypto": evaluate(backbone("stgcn3-256"), "ama", "all", profile, scale_bits, first_bits, 65536)["latency_s"],
             "lin": evaluate(backbone("stgcn3-128"), "ama-fused", keep_mask(2), profile, scale_bits, first_bits,
                             65536)["latency_s"]}
    head, anchors = headline(a, b, fixed)
    series = cryptogcn_series(b)
    head["cryptogcn_series_ratio_min"] = float(series.ours_over_published.min())
    head["cryptogcn_series_ratio_max_without_top"] = float(series.ours_over_published.iloc[:-1].max())
    crypto = _row(b, config="CryptoGCN stgcn3-256")
    b["speedup_vs_cryptogcn_3_256"] = crypto.latency_s / b["latency_s"]

    def pct(v: float) -> str:
        return f"{100 * v:+.1f}%"

    comp = []
    for wname in ("stgcn3-128", "stgcn3-256", "stgcn-ntu"):
        key = wname.replace("-", "_")
        note = "" if wname != "stgcn-ntu" else " (released 6-block, 300 frames)"
        for base in ("naive", "naive-cyclic"):
            t = f"{key}_{base.replace('-', '_')}"
            comp += [{"quantity": f"{wname}{note} vs {base}: network speedup / graph-conv speedup",
                      "ours": f"{head[f'{t}_network_speedup']:.2f}x / {head[f'{t}_gcn_speedup']:.2f}x",
                      "paper": "up to 3.10x", "source": SOURCES["cryptogcn"]},
                     {"quantity": f"{wname} vs {base}: total HE ops incl. adds, network / graph-conv",
                      "ours": f"{pct(head[f'{t}_network_total_ops_change'])} / {pct(head[f'{t}_gcn_total_ops_change'])}",
                      "paper": "-77.4%", "source": SOURCES["cryptogcn"]},
                     {"quantity": f"{wname} vs {base}: rot+PMult+CMult, network / graph-conv",
                      "ours": f"{pct(head[f'{t}_network_he_ops_change'])} / {pct(head[f'{t}_gcn_he_ops_change'])}",
                      "paper": "-77.4%", "source": SOURCES["cryptogcn"]},
                     {"quantity": f"{wname} vs {base}: key switches (rotations + relinearisations), network / graph-conv",
                      "ours": f"{pct(head[f'{t}_network_keyswitch_change'])} / {pct(head[f'{t}_gcn_keyswitch_change'])}",
                      "paper": "-77.4%", "source": SOURCES["cryptogcn"]}]
    comp += [{"quantity": "LinGCN STGCN-3-128 (E=2) vs CryptoGCN STGCN-3-256 (the figure's ~75 % pair), EVA N",
              "ours": f"{head['lingcn_vs_cryptogcn']:.1f}x (E=1..6: {head['lingcn_vs_cryptogcn_min']:.1f}-"
                      f"{head['lingcn_vs_cryptogcn_max']:.1f}x)", "paper": "14.2x (digitised 14.4x)",
              "source": SOURCES["lingcn"]},
             {"quantity": "  = HE-op count ratio x latency-per-op ratio (levels, ring)",
              "ours": f"{head['pair_op_count_ratio']:.2f}x x {head['pair_per_op_ratio']:.2f}x", "paper": "mostly levels",
              "source": SOURCES["lingcn"]},
             {"quantity": "  same pair, both at N = 2^16", "ours": f"{head['lingcn_vs_cryptogcn_fixed_n16']:.1f}x",
              "paper": "14.2x", "source": SOURCES["lingcn"]},
             {"quantity": "LinGCN STGCN-3-256 (E=2) vs CryptoGCN STGCN-3-256 (same backbone)",
              "ours": f"{head['lingcn_same_backbone']:.1f}x = {head['same_backbone_op_count_ratio']:.2f}x x "
                      f"{head['same_backbone_per_op_ratio']:.2f}x", "paper": "(not published)", "source": ""},
             {"quantity": "ours / published latency: CryptoGCN point vs LinGCN points (mean)",
              "ours": f"{head['crypto_anchor_ratio']:.2f} vs {head['lingcn_anchor_ratio_mean']:.2f}",
              "paper": "equal if the model explains the gap", "source": SOURCES["figure"]}]
    with StudyOutput(out) as so:
        so.table("cryptogcn_vs_naive", a)
        so.table("lingcn_vs_cryptogcn", b)
        so.table("published_points", anchors)
        so.table("cryptogcn_series", series)
        so.figure("he_gcn", _figure(a, b, anchors))
        cols_a = ["workload", "packing", "N", "levels", "gcn_rotations", "gcn_he_ops", "gcn_total_ops", "gcn_latency_s",
                  "he_ops", "total_ops", "latency_s"]
        cols_b = ["config", "effective", "N", "levels", "rotations", "ct_mults", "he_ops", "latency_s",
                  "speedup_vs_cryptogcn_3_256"]
        text = [(f"# CryptoGCN and LinGCN on the CKKS cost model\n\nProfile `{profile}`; scale {scale_bits} bits, "
                 f"first/special primes {first_bits}/60 bits; N by EVA's rule at 128-bit security.\n"),
                "## Ours next to the papers\n", markdown_table(pd.DataFrame(comp)),
                ("\nCryptoGCN's baseline and operation count are defined in the paper body, which no corpus here "
                 "holds; `naive` (2V-1 node diagonals, correct for node blocks packed side by side) and "
                 "`naive-cyclic` (V diagonals, a lower bound) bracket the feature-wise packing.\n"),
                "\n## A. AMA vs feature-wise packing\n", markdown_table(a[cols_a]),
                "\n## B. LinGCN vs CryptoGCN\n", markdown_table(b[cols_b]),
                "\n## Published points (digitised) next to ours\n", markdown_table(anchors),
                ("\n## CryptoGCN's whole digitised series next to ours\n\nOur row per backbone keeps all six x^2 "
                 "sites; the markers include CryptoGCN's activation-pruned variants. The 75.32 % point is "
                 f"{10536 / 4851:.1f}-{10536 / 4268:.1f}x above the other 3-256 markers, which our model places "
                 "within the machine factor of LinGCN's points; against the next CryptoGCN point (74.23 %, 4268 s) "
                 f"LinGCN's 733 s point is {4268 / 733:.1f}x (published), against the 75.32 % point 14.4x.\n"),
                markdown_table(series),
                "\n## Assumed constants\n", markdown_table(pd.DataFrame(ASSUMED, columns=["constant", "value", "why"]))]
        so.markdown("\n".join(text))
        so.json("headline", head)
    return head


def main(argv: list[str] | None = None) -> int:
    return script_main("he_gcn", __doc__, run, argv,
                       options=lambda ap: ap.add_argument("--profile", default="seal-tenseal-vm"))


if __name__ == "__main__":
    raise SystemExit(main())
