"""Compression x hardware co-design: per-layer ADMM pruning/quantisation of the digits CNN with ASIC and CiM knobs.

Question: when the search chooses each layer's compression (kept fraction, pruning structure,
weight bits) *and* the accelerator's knobs together, is the (accuracy, energy, area) front better
than the two-stage flow that first sizes the hardware for the uncompressed network, then
compresses the network for it? Which compression ratio holds at no accuracy loss on our network,
and what energy/area does each hardware family draw from it?

Networks: the digits CNN of ``latency_aware_training.py`` pre-trained once, then compressed by
ADMM ([ZhangADMM18]; [ADMMNN19]; ``dse.training.admm``): pruning ADMM + masked retrain, then
quantisation ADMM (uniform symmetric, ternary at 2 bits) with zeros held. Each trained network
becomes a compressed workload (``workloads.compression``): measured kept fraction per layer (for
``filter`` pruning: the fraction of live filters/rows), structure, weight bits; activations stay
8-bit (ADMM quantises weights only).

Hardware (exhaustive per network, cheap next to a training): ``asic`` (the mapping model, tpu-like
preset, ``rows`` x ``cols`` x ``glb_bytes``, 8-bit array: W<=8/A8 layers' MACs run at 8 bits;
filter pruning shrinks the layer, other zeros gate MAC energy and are stored as a bitmap, quantised
weights are stored packed, which cuts the DRAM traffic that dominates this small network's energy) and
``cim`` (square ``rows = cols`` x ``cols_per_adc`` x ``cell_bits``; filter pruning unmaps columns,
fewer weight bits need fewer cells). Every design must meet the latency of the two-stage hardware on
the uncompressed network (a throughput target; without one the smallest array always wins on area).

Arms. *Two-stage*: stage 1 picks, per family, the design with the lowest energy-delay product for
the uncompressed network; stage 2 trains a uniform grid (one kept fraction for every layer except the
first conv (>= 0.5) and the classifier (dense), unstructured, one bit width) and deploys it on the
stage-1 design. *Co-design*: Optuna (TPE, seeded, batches of ``workers`` trials trained in
parallel) over per-layer kept fractions and bits and the pruning structure; every trained network
is priced on every hardware design that meets the target. Fronts: (-validation accuracy %,
energy / dense energy, area / dense area) per family; hypervolume against the fixed reference
``REF`` = (-90 %, 1.1, 1.1), set before any run: only networks of at least 90 % validation accuracy
and designs within 1.1x the stage-1 design's energy and area count (a 40 %-accurate network is not
a design anyone ships, and a data-derived reference would let such points dominate the volume).
Run ``python studies/codesign_hw.py [--quick]``.
"""

from __future__ import annotations

import functools
import itertools
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from latency_aware_training import _net, digits_cnn_workload, digits_split  # noqa: E402

from dse.kernels import compression as C  # noqa: E402
from dse.pareto import hypervolume, non_dominated  # noqa: E402
from dse.report import StudyOutput, markdown_table  # noqa: E402
from dse.study import script_main  # noqa: E402
from dse.training.admm import admm_compress, compression_stats, weight_parameters  # noqa: E402
from dse.training.loop import accuracy, fit, fork_map  # noqa: E402

__all__ = ["run", "main", "settings", "hardware_points", "network_workload", "LAYERS"]

#: torch weight name -> workload layer (digits-cnn, in order)
LAYERS = {"0.weight": "conv0", "3.weight": "conv1", "7.weight": "conv2", "12.weight": "linear0", "15.weight": "linear1"}
SEARCHED = ("conv1", "conv2", "linear0")  # per-layer knobs; conv0 (144 weights) keeps >= 0.5, linear1 dense
DENSITIES = (1.0, 0.5, 0.3, 0.2, 0.1, 0.05)
BITS = (8, 4, 2)
#: hypervolume reference (-validation accuracy %, energy / stage-1 energy, area / stage-1 area)
REF = np.array([-90.0, 1.1, 1.1])
_CTX: dict[str, Any] = {}


def settings(quick: bool, **over: Any) -> dict[str, Any]:
    s = {"pretrain_epochs": 8 if quick else 15, "admm_epochs": 3 if quick else 8, "retrain_epochs": 3 if quick else 8,
         "lr": 3e-3, "rho": 1e-2, "trials": 4 if quick else 24, "workers": 2,
         "grid_density": (0.3, 0.1) if quick else (0.5, 0.3, 0.2, 0.1, 0.05), "grid_bits": (4,) if quick else (8, 4, 2),
         "loss_pp": 1.0}
    s.update({k: v for k, v in over.items() if v is not None})
    return s


def hardware_points(family: str) -> pd.DataFrame:
    """The hardware grid of a family (one row per design)."""
    if family == "asic":
        rows = [{"rows": r, "cols": c, "glb_bytes": g} for r, c, g in itertools.product((4, 8, 16, 32), (4, 8, 16, 32),
                                                                                       (16384.0, 65536.0))]
    else:
        rows = [{"rows": r, "cols": r, "cols_per_adc": a, "cell_bits": b}
                for r, a, b in itertools.product((64, 128, 256), (4, 8, 16), (1, 2))]
    return pd.DataFrame(rows)


def _models() -> dict[str, Any]:
    from costmodels.asic.model_mapping import MappingModel
    from costmodels.cim import CrossbarModel

    return {"asic": MappingModel(lpf_limit=4, spatial_top=2), "cim": CrossbarModel()}


def network_workload(comp: dict[str, dict[str, Any]] | None) -> Any:
    """The digits CNN carrying ``comp`` (layer -> compression table); None: uncompressed."""
    w = digits_cnn_workload()
    return w.with_compression(comp) if comp else w


def price(comp: dict[str, dict[str, Any]] | None, family: str, hw: pd.DataFrame) -> pd.DataFrame:
    """Energy, area and latency of one network on every design of ``hw`` (one row per design)."""
    design = {k: hw[k].to_numpy() for k in hw.columns}
    m = _models()[family].evaluate(network_workload(comp), design).numpy()
    return hw.assign(energy_j=m.totals["energy_j"], area_m2=m.totals["area_m2"], latency_s=m.totals["latency_s"],
                     feasible=m.feasible)


def _pretrain(seed: int) -> dict[str, Any]:
    (Xtr, ytr), (Xva, yva), (Xte, yte) = (_CTX["data"][k] for k in ("train", "val", "test"))
    net = _net(seed)
    fit(net, Xtr, ytr, epochs=_CTX["st"]["pretrain_epochs"], lr=_CTX["st"]["lr"], seed=seed)
    return {"acc_val": 100 * accuracy(net, Xva, yva), "acc_test": 100 * accuracy(net, Xte, yte),
            "state": {k: v.clone() for k, v in net.state_dict().items()}}


def _train(job: dict[str, Any]) -> dict[str, Any]:
    """ADMM-compress the pre-trained network to ``job`` (density/bits per layer, structure); measure it."""
    st, seed = _CTX["st"], job["seed"]
    (Xtr, ytr), (Xva, yva), (Xte, yte) = (_CTX["data"][k] for k in ("train", "val", "test"))
    net = _net(seed)
    net.load_state_dict(_CTX["state"])
    params = weight_parameters(net)
    prune, quant = {}, {}
    for name, layer in LAYERS.items():
        d, b = job["density"].get(layer, 1.0), job["bits"].get(layer, 8)
        if d < 1.0:
            filt = job["structure"] == "filter" and layer != "linear1"
            prune[name] = functools.partial(C.prune_filter if filt else C.prune_unstructured, density=d)
        quant[name] = functools.partial(C.quantize, bits=b, kind="ternary" if b == 2 else "uniform")
    t0 = time.perf_counter()
    admm_compress(net, Xtr, ytr, prune=prune, quantize=quant, admm_epochs=st["admm_epochs"],
                  retrain_epochs=st["retrain_epochs"], rho=st["rho"], lr=st["lr"], seed=seed)
    stats = compression_stats(net, {n: job["bits"].get(LAYERS[n], 8) for n in params})
    comp = {}
    for name, layer in LAYERS.items():
        w = params[name].detach().numpy().reshape(params[name].shape[0], -1)
        filt = job["structure"] == "filter" and name in prune
        kept = float((np.abs(w).sum(axis=1) > 0).mean()) if filt else float(np.count_nonzero(w) / w.size)
        comp[layer] = {"weight_bits": job["bits"].get(layer, 8), "act_bits": 8}
        if kept < 1.0:
            comp[layer].update(density=max(kept, 1e-6), structure="filter" if filt else "unstructured")
    return {**{k: v for k, v in job.items() if k not in ("density", "bits")},
            "density": ",".join(f"{job['density'].get(l, 1.0):g}" for l in LAYERS.values()),
            "bits": ",".join(str(job["bits"].get(l, 8)) for l in LAYERS.values()),
            "acc_val": 100 * accuracy(net, Xva, yva), "acc_test": 100 * accuracy(net, Xte, yte),
            "ratio": stats["ratio"], "train_s": time.perf_counter() - t0, "comp": comp}


def _grid_jobs(st: dict[str, Any], seed: int) -> list[dict[str, Any]]:
    jobs = []
    for d, b in itertools.product(st["grid_density"], st["grid_bits"]):
        dens = {"conv0": max(d, 0.5), "conv1": d, "conv2": d, "linear0": d}
        jobs.append({"arm": "two-stage", "seed": seed, "structure": "unstructured", "density": dens,
                     "bits": {k: b for k in ("conv0", "conv1", "conv2", "linear0", "linear1")}})
    return jobs


def codesign(st: dict[str, Any], seed: int, targets: dict[str, float]) -> tuple[list[dict[str, Any]], int]:
    """Optuna over per-layer compression; each trial's objectives: accuracy and the best energy per family.

    ``st["trials"]`` distinct configurations are trained; a configuration TPE proposes again is told
    the stored values without retraining (returned count of such repeats; at most 4 x trials asks)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(directions=["maximize", "minimize", "minimize"],
                                sampler=optuna.samplers.TPESampler(seed=seed, n_startup_trials=min(8, st["trials"])))
    done: list[dict[str, Any]] = []
    seen: dict[tuple, list[float]] = {}
    repeats, asks = 0, 0
    while len(done) < st["trials"] and asks < 4 * st["trials"]:
        trials, jobs, later = [], [], []
        while len(jobs) < min(st["workers"], st["trials"] - len(done)) and asks < 4 * st["trials"]:
            t = study.ask()
            asks += 1
            dens = {l: t.suggest_categorical(f"density_{l}", DENSITIES) for l in SEARCHED}
            dens["conv0"] = t.suggest_categorical("density_conv0", (1.0, 0.5))
            bits = {l: t.suggest_categorical(f"bits_{l}", BITS) for l in SEARCHED}
            structure = t.suggest_categorical("structure", ("unstructured", "filter"))
            key = tuple(sorted(t.params.items()))
            if key in seen:
                study.tell(t, seen[key])
                repeats += 1
                continue
            if any(key == k for _, k in later) or any(key == tuple(sorted(x.params.items())) for x in trials):
                later.append((t, key))
                continue
            trials.append(t)
            jobs.append({"arm": "codesign", "seed": seed, "trial": t.number, "structure": structure, "density": dens,
                         "bits": bits})
        for t, r in zip(trials, fork_map(_train, jobs, st["workers"])):
            best = []
            for fam in ("asic", "cim"):
                p = price(r["comp"], fam, hardware_points(fam))
                ok = p[p.feasible & (p.latency_s <= targets[fam] * (1 + 1e-9))]
                best.append(float(ok.energy_j.min()) if len(ok) else float("inf"))
            seen[tuple(sorted(t.params.items()))] = [r["acc_val"], *best]
            study.tell(t, seen[tuple(sorted(t.params.items()))])
            done.append(r)
        for t, key in later:
            study.tell(t, seen[key])
            repeats += 1
    return done, repeats


def _stage1(family: str) -> tuple[pd.Series, pd.DataFrame]:
    """The design with the lowest energy-delay product for the uncompressed network, and the whole dense table."""
    p = price({l: {"weight_bits": 8, "act_bits": 8} for l in LAYERS.values()}, family, hardware_points(family))
    p = p[p.feasible]
    return p.loc[(p.energy_j * p.latency_s).idxmin()], p


def _points(nets: pd.DataFrame, family: str, hw: pd.DataFrame, target: float, e0: float, a0: float) -> pd.DataFrame:
    rows = []
    for _, n in nets.iterrows():
        p = price(n["comp"], family, hw)
        p = p[p.feasible & (p.latency_s <= target * (1 + 1e-9))]
        rows.append(p.assign(net=n["net"], arm=n["arm"], acc_val=n["acc_val"], acc_test=n["acc_test"],
                             ratio=n["ratio"], energy_rel=p.energy_j / e0, area_rel=p.area_m2 / a0))
    return pd.concat(rows, ignore_index=True)


def _front(pts: pd.DataFrame) -> pd.DataFrame:
    F = np.stack([-pts.acc_val.to_numpy(), pts.energy_rel.to_numpy(), pts.area_rel.to_numpy()], 1)
    return pts.iloc[np.flatnonzero(non_dominated(F))].sort_values("energy_rel")


def _F(pts: pd.DataFrame) -> np.ndarray:
    return np.stack([-pts.acc_val.to_numpy(), pts.energy_rel.to_numpy(), pts.area_rel.to_numpy()], 1)


def run(out: Path, *, quick: bool = False, seed: int = 0, trials: int | None = None,
        workers: int | None = None, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The study (``overrides``: settings keys, for tests); writes CSV, PNG, report.md, headline.json."""
    import torch

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    st = settings(quick, **{**(overrides or {}), **{k: v for k, v in (("trials", trials), ("workers", workers))
                                                      if v is not None}})
    _CTX.update(st=st, data=digits_split(0))
    base = _pretrain(seed)
    _CTX["state"] = base.pop("state")
    dense = {"arm": "dense", "net": "dense", "acc_val": base["acc_val"], "acc_test": base["acc_test"], "ratio": 1.0,
             "comp": {l: {"weight_bits": 8, "act_bits": 8} for l in LAYERS.values()}}
    stage1 = {f: _stage1(f) for f in ("asic", "cim")}
    targets = {f: float(s[0].latency_s) for f, s in stage1.items()}
    grid = fork_map(_train, _grid_jobs(st, seed), st["workers"])
    co, repeats = codesign(st, seed, targets)
    nets = pd.DataFrame([dense] + [{**r, "net": f"grid{i}"} for i, r in enumerate(grid)]
                        + [{**r, "net": f"trial{r['trial']}"} for r in co])
    pts, fronts, hv, refs, gains = {}, {}, {}, {}, {}
    for fam in ("asic", "cim"):
        best, _ = stage1[fam]
        e0, a0 = float(best.energy_j), float(best.area_m2)
        fixed = hardware_points(fam).loc[[best.name]]
        two = _points(nets[nets.arm.isin(("dense", "two-stage"))], fam, fixed, targets[fam], e0, a0)
        cod = _points(nets, fam, hardware_points(fam), targets[fam], e0, a0)  # co-design may use any trained net
        mix = _points(nets[nets.arm == "codesign"], fam, fixed, targets[fam], e0, a0)
        arms = {"two-stage": two, "co-design": cod, "searched nets, fixed hw": mix}
        ref = REF
        pts[fam], refs[fam] = pd.concat([a.assign(front_arm=k) for k, a in arms.items()], ignore_index=True), ref
        fronts[fam] = {k: _front(a) for k, a in arms.items()}
        hv[fam] = {k: hypervolume(_F(a), ref) for k, a in arms.items()}
        gains[fam] = {arm: _gain(arms[arm], base["acc_val"], st["loss_pp"]) for arm in ("two-stage", "co-design")}
    ok = nets[nets.acc_val >= base["acc_val"] - st["loss_pp"]]
    top = ok.loc[ok.ratio.idxmax()]
    others = other_families(top["comp"])
    head = {"base_acc_val": base["acc_val"], "ratio_within_loss": float(top.ratio), "ratio_net": str(top.net),
            **{f"hv_{fam}_{k.split(',')[0].replace(' ', '_').replace('-', '_')}": v
               for fam in hv for k, v in hv[fam].items()},
            **{f"{fam}_{arm.replace('-', '_')}_{k}": v for fam in gains for arm, g in gains[fam].items()
               for k, v in g.items() if k.endswith("gain")},
            "trainings": int(len(nets) - 1), "repeated_proposals": repeats,
            "train_s_mean": float(nets.train_s.dropna().mean()),
            "elapsed_s": time.perf_counter() - t0}
    with StudyOutput(out) as so:
        so.table("networks", nets.drop(columns=["comp"]))
        so.table("points", pd.concat([p.assign(family=f) for f, p in pts.items()], ignore_index=True))
        so.table("fronts", pd.concat([fr.assign(family=f, front_arm=k) for f in fronts for k, fr in fronts[f].items()],
                                     ignore_index=True))
        so.figure("fronts", _plot(fronts))
        so.table("other_families", others)
        so.markdown(_report(st, base, stage1, targets, nets, fronts, hv, refs, gains, head, top, others))
        so.json("headline", head)
    return head


def other_families(comp: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """The selected network on the families that read other fields: ``mpc`` (the ring its bits allow; Cheetah and
    CrypTFlow2, server-held weights, WAN) and ``fpga-dataflow`` (per-layer bits; ZCU102, DSP multipliers)."""
    from costmodels.fpga.dataflow import DataflowModel
    from costmodels.mpc import MpcModel
    from costmodels.mpc.compression import ring_bits

    dense, quant = network_workload(None), network_workload(comp)
    rows = []
    for proto in ("cheetah", "cryptflow2"):
        d = {"protocol": [proto], "weights": ["public"], "network": ["wan"]}
        a, b = (MpcModel().evaluate(w, d).numpy().totals for w in (dense, quant))
        rows.append({"family": "mpc", "design": f"{proto}, ring {ring_bits(quant)} bits (default profile ring dense)",
                     "metric": "comm_bytes", "dense": float(a["comm_bytes"][0]), "compressed": float(b["comm_bytes"][0])})
        rows.append({"family": "mpc", "design": proto, "metric": "latency_s", "dense": float(a["latency_s"][0]),
                     "compressed": float(b["latency_s"][0])})
    d = {"board": ["zcu102"], "target_cycles": [4096], "wbits": [8], "abits": [8], "mult": ["dsp"]}
    a, b = (DataflowModel().evaluate(w, d).numpy().totals for w in (dense, quant))
    for k in ("lut", "dsp", "bram36"):
        rows.append({"family": "fpga-dataflow", "design": "zcu102, 4096 cycles/frame, DSP, 8-bit knobs",
                     "metric": k, "dense": float(a[k][0]), "compressed": float(b[k][0])})
    out = pd.DataFrame(rows)
    return out.assign(gain=out.dense / out.compressed)


def _gain(pts: pd.DataFrame, base_acc: float, loss_pp: float) -> dict[str, Any]:
    """Lowest energy and lowest area (each over the stage-1 design on the uncompressed network; they may
    be different points) among the points within ``loss_pp`` of the baseline's validation accuracy."""
    ok = pts[pts.acc_val >= base_acc - loss_pp]
    if not len(ok):
        return {"energy_gain": float("nan"), "area_gain": float("nan"), "energy_at": "", "area_at": ""}
    e, a = ok.loc[ok.energy_rel.idxmin()], ok.loc[ok.area_rel.idxmin()]
    hw = [c for c in ("rows", "cols", "glb_bytes", "cols_per_adc", "cell_bits") if c in ok.columns]
    at = lambda r: f"{r.net} on " + ",".join(f"{c}={r[c]:g}" for c in hw)  # noqa: E731
    return {"energy_gain": float(1.0 / e.energy_rel), "area_gain": float(1.0 / a.area_rel),
            "energy_at": at(e), "area_at": at(a)}


def _plot(fronts: dict[str, dict[str, pd.DataFrame]]) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(9, 7))
    colors = {"two-stage": "tab:blue", "co-design": "tab:red", "searched nets, fixed hw": "tab:gray"}
    for row, fam in enumerate(("asic", "cim")):
        for col, key in enumerate(("energy_rel", "area_rel")):
            ax = axes[row, col]
            for arm, f in fronts[fam].items():
                ax.scatter(f[key], f.acc_val, s=18, color=colors[arm], label=arm, alpha=0.8)
            ax.set_xscale("log")
            ax.set_xlabel(f"{fam} {key.split('_')[0]} / two-stage dense design")
            ax.set_ylabel("validation accuracy (%)")
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def _report(st, base, stage1, targets, nets, fronts, hv, refs, gains, head, top, others) -> str:
    cols = ["net", "acc_val", "acc_test", "ratio", "energy_rel", "area_rel", "latency_s"]
    hwcols = {"asic": ["rows", "cols", "glb_bytes"], "cim": ["rows", "cols_per_adc", "cell_bits"]}
    lines = ["# Compression x hardware co-design (digits CNN; asic and cim)", "",
             f"Pre-trained network: validation {base['acc_val']:.2f}%, test {base['acc_test']:.2f}%. "
             f"{head['trainings']} ADMM compressions ({head['train_s_mean']:.1f} s each on one core); TPE proposed "
             f"{head['repeated_proposals']} configurations again (told the stored result, not retrained).", "",
             f"**Compression ratio within {st['loss_pp']:g} pp of the baseline's validation accuracy: "
             f"{head['ratio_within_loss']:.1f}x** (`{top.net}`: kept fractions {top.density} per layer "
             f"conv0..linear1, bits {top.bits}, structure {top.structure}; validation {top.acc_val:.2f}%, test "
             f"{top.acc_test:.2f}%). Ratio = 32 x weights / (non-zeros x bits), index storage not counted.", "",
             "## Energy and area each family draws from compression", "",
             f"Lowest energy and lowest area among points within {st['loss_pp']:g} pp of the baseline's validation "
             "accuracy, as gains over the stage-1 design running the uncompressed network (same latency target; "
             "the two may be different points). Two-stage: compressed networks on the stage-1 design; co-design: "
             "any trained network on any design.", "",
             markdown_table(pd.DataFrame([{"family": f, "arm": arm, **g} for f in gains for arm, g in gains[f].items()])),
             "", f"The same selected network (`{top.net}`) on the families that read other fields (its weight bits; "
             "sparsity is not read there):", "", markdown_table(others), ""]
    for fam in ("asic", "cim"):
        s = stage1[fam][0]
        lines += [f"## {fam}", "",
                  f"Stage-1 design (lowest energy-delay product, uncompressed): {s[hwcols[fam]].to_dict()}; latency target "
                  f"{targets[fam]:.3g} s.", "",
                  f"Hypervolume of (-accuracy %, energy ratio, area ratio), reference {np.round(refs[fam], 4).tolist()}: "
                  + ", ".join(f"{k} **{v:.4g}**" for k, v in hv[fam].items()) + ".", ""]
        for arm, f in fronts[fam].items():
            lines += [f"### {arm} front", "", markdown_table(f[cols + hwcols[fam]].head(15)), ""]
    lines += ["## Notes", "",
              "- `searched nets, fixed hw` prices the co-design's networks on the stage-1 design: it separates what "
              "the per-layer search gives from what adapting the hardware gives.",
              "- ASIC: activations stay 8-bit, so MACs run at 8 bits; compression acts through weight traffic "
              "(packed quantised weights, bitmap-stored sparsity: DRAM dominates this network's energy), MAC gating "
              "and, for filter pruning, smaller layers (fewer cycles, so a smaller array meets the latency target). "
              "Filter pruning is declared on the pruned layer only: the next layer's dead input channels are not "
              "removed (BatchNorm shifts keep them non-zero).",
              "- CiM gains come from fewer cells per weight (bits) and unmapped columns (filter pruning); "
              "unstructured zeros stay mapped. ADC resolution is not searched: the model has no accuracy for it.",
              f"- Settings: `{st}`.", ""]
    return "\n".join(lines)


def _options(ap) -> None:
    ap.add_argument("--trials", type=int, default=None)
    ap.add_argument("--workers", type=int, default=None)


def main(argv: list[str] | None = None) -> int:
    return script_main("codesign_hw", __doc__, run, argv, options=_options)


if __name__ == "__main__":
    raise SystemExit(main())
