"""AEGIS-style multi-GPU placement of an encrypted (CKKS) BERT: communication, scaling, memory.

Question: on G GPUs, how much inter-GPU communication does the hybrid token x feature x limb
placement save against the best single-dimension placement (limb / token / replicate), and what
scaling efficiency, speedup and per-device memory reduction does it reach? Published (AEGIS,
Gong, Ran, Yao, Wen, ICS'26, [AEGIS26, abstract]): at 2048 tokens -57.9 % FFN
and -81.3 % attention communication; on 4 GPUs 96.62 % scaling efficiency, 3.86x end-to-end
speedup, -69.1 % per-device memory.

Baselines run bulk-synchronous (``overlap=off``: prior multi-GPU designs synchronise per
collective); the hybrid overlaps its collectives (``overlap=on``, AEGIS's operator reordering).
The SimPy twin re-times the headline point. Run: ``python studies/aegis_multigpu.py [--quick]``
or ``dse study run studies/aegis_multigpu.toml``.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pandas as pd

from costmodels.he_multigpu import MultiGpuTransformerModel, presets
from costmodels.he_multigpu.des import simulate
from dse.report import StudyOutput, markdown_table
from dse.study import script_main

__all__ = ["PUBLISHED", "main", "run"]

PUBLISHED = {"ffn_comm_reduction": -0.579, "attention_comm_reduction": -0.813, "scaling_efficiency": 0.9662,
             "speedup": 3.86, "memory_reduction": -0.691}
SINGLE = ("limb", "token", "replicate")


def _evaluate(model: MultiGpuTransformerModel, workload: Any, rows: list[dict[str, Any]]) -> pd.DataFrame:
    design = {k: [r[k] for r in rows] for k in ("seq_len", "gpus", "placement", "overlap")}
    m = model.evaluate(workload, design).numpy()
    frame = pd.DataFrame(rows)
    for k, v in m.totals.items():
        frame[k] = v
    frame["feasible"] = m.feasible
    frame["reason"] = [r or "" for r in m.reason_texts()]
    return frame


def _grid(seq_lens: list[int], gpus: list[int]) -> list[dict[str, Any]]:
    rows = []
    for t, g in itertools.product(seq_lens, gpus):
        for pl in SINGLE:
            rows.append({"seq_len": t, "gpus": g, "placement": pl, "overlap": "off"})
        rows.append({"seq_len": t, "gpus": g, "placement": "hybrid", "overlap": "on"})
        rows.append({"seq_len": t, "gpus": g, "placement": "hybrid", "overlap": "off"})
    return rows


def headline(frame: pd.DataFrame, seq_len: int, gpus: int) -> dict[str, Any]:
    """Hybrid vs the best feasible single-dimension placement at (seq_len, gpus)."""
    at = frame[(frame.seq_len == seq_len) & (frame.gpus == gpus)]
    hyb = at[(at.placement == "hybrid") & (at.overlap == "on")].iloc[0]
    single = at[at.placement.isin(SINGLE)]
    feas = single[single.feasible] if single.feasible.any() else single
    out: dict[str, Any] = {"seq_len": seq_len, "gpus": gpus,
                           "mesh": f"{int(hyb.mesh_token)}x{int(hyb.mesh_feature)}x{int(hyb.mesh_limb)}",
                           "hybrid_feasible": bool(hyb.feasible)}
    for part, col in (("ffn", "comm_ffn_bytes"), ("attention", "comm_attention_bytes"), ("total", "comm_bytes")):
        best = feas.loc[feas[col].idxmin()]
        out[f"{part}_best_single"] = best.placement
        out[f"{part}_best_single_bytes"] = float(best[col])
        out[f"{part}_hybrid_bytes"] = float(hyb[col])
        out[f"{part}_comm_reduction"] = float(hyb[col] / best[col] - 1.0) if best[col] > 0 else 0.0
    out["scaling_efficiency"] = float(hyb.scaling_efficiency)
    out["speedup"] = float(hyb.speedup)
    out["memory_per_device_bytes"] = float(hyb.memory_bytes_per_device)
    out["memory_single_gpu_bytes"] = float(hyb.memory_single_gpu_bytes)
    out["memory_reduction"] = float(hyb.memory_bytes_per_device / hyb.memory_single_gpu_bytes - 1.0)
    best_lat = feas.loc[feas["latency_s"].idxmin()]
    out["fastest_single"] = best_lat.placement
    out["latency_gain_vs_fastest_single"] = float(hyb.latency_s / best_lat.latency_s - 1.0)
    return out


def pays_off(sens: pd.DataFrame) -> str:
    """Plain-language verdict per GPU: where the hybrid placement stops paying off."""
    lines = []
    for _, r in sens.iterrows():
        single_axis = sorted(int(x) for x in str(r["mesh"]).split("x")).count(1) == 2
        gain = r["latency_gain_vs_fastest_single"]
        if single_axis or gain > -0.005:
            why = (f"the hybrid reduces to one axis (mesh {r['mesh']}) and is {gain:+.1%} vs the fastest single "
                   f"placement ({r['fastest_single']})")
            if r["attention_comm_reduction"] > 0:
                why += (f"; its attention traffic is {r['attention_comm_reduction']:+.1%} vs the best single placement "
                        f"for attention ({r['attention_best_single']}), because the mesh minimises total latency, "
                        "not attention bytes")
            lines.append(f"- `{r['gpu']}`: does not pay off: {why}.")
        else:
            lines.append(f"- `{r['gpu']}`: pays off (mesh {r['mesh']}, {gain:+.1%} latency vs {r['fastest_single']}, "
                         f"FFN comm {r['ffn_comm_reduction']:+.1%}, attention comm {r['attention_comm_reduction']:+.1%}).")
    return "\n".join(lines) + "\n"


def _plots(out: StudyOutput, frame: pd.DataFrame, gpus: int, seq_len: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    sub = frame[(frame.gpus == gpus)]
    for (pl, ov), grp in sub.groupby(["placement", "overlap"]):
        if pl == "hybrid" and ov == "off":
            continue
        axes[0].plot(grp.seq_len, grp.comm_bytes, marker="o", label=pl)
        bad = grp[~grp.feasible]
        axes[0].plot(bad.seq_len, bad.comm_bytes, "x", color="k", ms=9)
    axes[0].set(xscale="log", yscale="log", xlabel="sequence length (tokens)", ylabel="communication (B)",
                title=f"{gpus} GPUs: inter-GPU bytes per inference")
    axes[0].legend()
    sub = frame[(frame.seq_len == seq_len)]
    for (pl, ov), grp in sub.groupby(["placement", "overlap"]):
        if pl == "hybrid" and ov == "off":
            continue
        axes[1].plot(grp.gpus, grp.scaling_efficiency, marker="o", label=pl)
        axes[2].plot(grp.gpus, grp.memory_bytes_per_device / 1e9, marker="o", label=pl)
        bad = grp[~grp.feasible]
        axes[1].plot(bad.gpus, bad.scaling_efficiency, "x", color="k", ms=9)
        axes[2].plot(bad.gpus, bad.memory_bytes_per_device / 1e9, "x", color="k", ms=9)
    axes[1].axhline(PUBLISHED["scaling_efficiency"], color="k", ls="--", lw=0.8, label="AEGIS 4 GPUs")
    axes[1].set(xscale="log", xlabel="GPUs", ylabel="scaling efficiency",
                title=f"{seq_len} tokens (x = infeasible: memory or split)")
    axes[1].legend()
    axes[2].set(xscale="log", yscale="log", xlabel="GPUs", ylabel="memory per device (GB)",
                title=f"{seq_len} tokens")
    axes[2].legend()
    for ax in axes:
        ax.minorticks_off()
    for ax in axes[1:]:
        ax.set_xticks(sorted(set(frame.gpus)), [str(g) for g in sorted(set(frame.gpus))])
    axes[0].set_xticks(sorted(set(frame.seq_len)), [str(t) for t in sorted(set(frame.seq_len))])
    out.figure("aegis_multigpu.png", fig)


def _constants_table(model: MultiGpuTransformerModel) -> pd.DataFrame:
    g, link, p, c = model.gpu_profile(), model.link_profile(), model.ckks(), presets.constants()
    rows = [
        ("GPU", g.name, g.source),
        ("GPU memory (B)", f"{g.memory_bytes:.3g}", g.source),
        ("HBM bandwidth (B/s)", f"{g.hbm_bytes_per_s:.4g}", g.source),
        ("INT32 rate (op/s)", f"{g.int32_ops_per_s:.3g}", g.source),
        ("link bandwidth per direction (B/s)", f"{link.bytes_per_s:.3g}", link.source),
        ("fabric bandwidth (B/s)", f"{link.fabric_bytes_per_s:.3g}", link.source),
        ("collective step latency (s)", f"{link.latency_s:.3g}", link.source),
        ("CKKS N, limbs, K, dnum, word bytes", f"2^{p.logn}, {p.limbs}, {p.special_limbs}, {p.dnum}, {p.word_bytes}",
         p.source),
        ("user / bootstrap levels", f"{p.user_levels} / {p.boot_levels}", p.source),
        ("bootstrap = HMult equivalents", f"{c.boot_hmult_equivalents}", "[HyPHEN24] HEaaN 2160/17.3 ms"),
        ("HBM efficiency (fitted)", f"{c.hbm_efficiency}", "fit to WarpDrive's A100-80G bootstrap 121 ms [WarpDrive25]"),
        ("INT32 ops per modmul", f"{c.int32_ops_per_modmul}", "assumed"),
        ("kernel launch (s)", f"{c.kernel_launch_s}", "assumed"),
        ("GELU degree / exp squarings / Newton iterations",
         f"{c.gelu_degree} / {c.exp_squarings} / {c.inverse_iterations}", "assumed (THE-X/NEXUS-like)"),
        ("weights resident", model.param("weights"), "one encoder layer's encoded weights at a time (assumed)"),
        ("pipeline chunks", str(model.param("chunks")), "assumed"),
    ]
    return pd.DataFrame(rows, columns=["constant", "value", "source"])


def run(out: Path, *, quick: bool = False, seed: int = 0, workload: str = "bert-base",
        layers: int = 12, gpu: str = "a100-40g", seq_lens: list[int] | None = None,
        gpus: list[int] | None = None, headline_seq_len: int = 2048, headline_gpus: int = 4,
        sensitivity_gpus: list[str] | None = None) -> dict[str, Any]:
    """Writes results.csv, headline.csv, sensitivity.csv, constants.csv, a PNG and report.md."""
    import workloads

    del seed  # deterministic: no random draws
    seq_lens = list(seq_lens or ([512, 2048] if quick else [512, 1024, 2048, 4096]))
    gpus = list(gpus or ([1, 4] if quick else [1, 2, 4, 8]))
    if headline_seq_len not in seq_lens:
        seq_lens.append(headline_seq_len)
    if headline_gpus not in gpus:
        gpus.append(headline_gpus)
    layers = 2 if quick else layers
    wl = workloads.load(f"{workload}:layers={layers}")
    model = MultiGpuTransformerModel(gpu=gpu)
    frame = _evaluate(model, wl, _grid(seq_lens, gpus))
    head = headline(frame, headline_seq_len, headline_gpus)

    des_rows = []
    for pl, ov in (("hybrid", "on"), ("hybrid", "off"), ("limb", "off"), ("limb", "on")):
        r = simulate(model, wl, {"seq_len": headline_seq_len, "gpus": headline_gpus, "placement": pl, "overlap": ov})
        des_rows.append({"placement": pl, "overlap": ov, "analytic_latency_s": r.analytic_latency_s,
                         "des_latency_s": r.latency_s, "des_vs_analytic": r.latency_s / r.analytic_latency_s - 1})
    des = pd.DataFrame(des_rows)

    sens_rows = []
    keys = sensitivity_gpus or (["a100-80g"] if quick else ["a100-80g", "h100-sxm", "rtx4090"])
    for key in [gpu] + [k for k in keys if k != gpu]:
        f2 = _evaluate(MultiGpuTransformerModel(gpu=key), wl, _grid([headline_seq_len], [1, headline_gpus]))
        sens_rows.append({"gpu": key, **headline(f2, headline_seq_len, headline_gpus)})
    sens = pd.DataFrame(sens_rows)

    cmp_rows = [
        ("FFN comm vs best single placement", PUBLISHED["ffn_comm_reduction"], head["ffn_comm_reduction"],
         head["ffn_best_single"]),
        ("attention comm vs best single placement", PUBLISHED["attention_comm_reduction"],
         head["attention_comm_reduction"], head["attention_best_single"]),
        ("scaling efficiency", PUBLISHED["scaling_efficiency"], head["scaling_efficiency"], "vs 1 GPU, unlimited memory"),
        ("speedup", PUBLISHED["speedup"], head["speedup"], "vs 1 GPU, unlimited memory"),
        ("memory per device", PUBLISHED["memory_reduction"], head["memory_reduction"], "vs 1-GPU footprint"),
    ]
    cmp = pd.DataFrame(cmp_rows, columns=["quantity", "AEGIS (published)", "ours", "comparator"])
    consts = _constants_table(model)

    with StudyOutput(out) as o:
        o.table("results.csv", frame)
        o.table("headline.csv", pd.DataFrame([head]))
        o.table("comparison.csv", cmp)
        o.table("des_check.csv", des)
        o.table("sensitivity.csv", sens)
        o.table("constants.csv", consts)
        _plots(o, frame, headline_gpus, headline_seq_len)
        o.markdown(_report(wl.name, layers, gpu, head, cmp, des, sens, consts, quick))
    return head


def _report(wl: str, layers: int, gpu: str, head: dict[str, Any], cmp: pd.DataFrame, des: pd.DataFrame,
            sens: pd.DataFrame, consts: pd.DataFrame, quick: bool) -> str:
    sens_cols = ["gpu", "mesh", "latency_gain_vs_fastest_single", "ffn_comm_reduction", "attention_comm_reduction",
                 "scaling_efficiency", "speedup", "memory_reduction", "ffn_best_single", "attention_best_single"]
    return (
        f"# AEGIS-style multi-GPU placement of encrypted {wl} ({layers} layers{', quick' if quick else ''})\n\n"
        f"GPU preset `{gpu}`; headline point {head['seq_len']} tokens on {head['gpus']} GPUs; hybrid mesh "
        f"(token x feature x limb) = {head['mesh']}.\n\n"
        "## Ours next to AEGIS (arXiv 2604.03425, abstract)\n\n" + markdown_table(cmp, ".3f") +
        "\nReductions are hybrid / best feasible single-dimension placement - 1 (negative = less). "
        "Baselines are bulk-synchronous, the hybrid overlaps collectives with compute.\n\n"
        "What differs from the paper: AEGIS's placement, packing and kernels are not public (only the "
        "abstract is); our lowering is token-major packing with GAZELLE/BSGS matmuls and slot-wise ct-ct "
        "attention (docs/he_multigpu.md), our baselines are the three single-axis placements of that "
        "lowering, and AEGIS's 'prior state of the art' may synchronise more often than our best baseline. "
        "When memory allows token partitioning (80 GB GPUs, see sensitivity), FFN needs no communication "
        "at all and the hybrid degenerates to it.\n\n"
        "## SimPy twin at the headline point\n\n" + markdown_table(des, ".4g") +
        "\nWith overlap off the twin must equal the analytic model exactly; with overlap on the twin lets "
        "pipelines run across layers and is at most the analytic estimate.\n\n"
        "## Sensitivity to the GPU preset\n\n" + markdown_table(sens[sens_cols], ".3f") +
        "\nWhere the hybrid placement stops paying off:\n\n" + pays_off(sens) +
        "\n## Assumed constants\n\n" + markdown_table(consts) +
        "\nFiles: results.csv (every point), headline.csv, comparison.csv, des_check.csv, sensitivity.csv, "
        "constants.csv, aegis_multigpu.png.\n"
    )


def main(argv: list[str] | None = None) -> int:
    return script_main("aegis_multigpu", __doc__, run, argv,
                       options=lambda ap: ap.add_argument("--gpu", default="a100-40g"))


if __name__ == "__main__":
    raise SystemExit(main())
