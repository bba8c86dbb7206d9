"""Speed and memory of the mapping-aware ``asic`` model (issue 16 targets).

Usage: ``python benchmarks/asic_mapping.py [--hw-points 20] [--skip-resnet50]``. Reports, using
process CPU time (best of 3 where cheap; the machine is shared, so wall time is not used):

1. layer-mapping evaluations per second per core on every candidate of a ResNet-18 3x3 layer on
   ``tpu-like``: the search's grouped evaluator (:func:`evaluate_groups`) and the generic
   :func:`evaluate_mappings` (target >= 1e6/s);
2. ResNet-18 (ImageNet) with every layer's mapping searched, cold cache (target <= 1 s);
3. ``--hw-points`` random hardware points (rows, cols, SRAM, DRAM bandwidth, bits) x ResNet-18,
   each with its own exact (pruned, equal to exhaustive) mapping search under the energy and EDP
   objectives, and the ``spatial_top=4`` heuristic for comparison, extrapolated to 1e4 points on
   2 cores (target <= 5 min);
4. peak resident memory after the ResNet-50 search (target < 2 GiB);
5. the 1e4-point grid (rows, cols, shared SRAM, DRAM bandwidth; 10 values each): CPU time of the
   first point of a (rows, cols, SRAM) family and of each of its other 9 bandwidths in random
   order (searches share exact bandwidth-free shortlists/bounds, :mod:`costmodels.asic.mapping_share`),
   extrapolated to the whole grid on 2 cores (target <= 5 min); ``--full-grid edp|energy`` runs
   the whole grid on 2 processes instead and reports each one's CPU time and the wall time.
Run with ``OMP_NUM_THREADS=1``.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

import workloads
from costmodels.asic.archfile import load_arch
from costmodels.asic.mapping import Layer7, evaluate_mappings
from costmodels.asic.mapping_groups import evaluate_groups, stacked_candidates
from costmodels.asic.mapping_search import CHUNK, _groups, clear_cache, network_layers, search_layer


def evals_per_s(repeats: int = 3) -> tuple[float, float, int]:
    """Evaluations per CPU second of every candidate of a ResNet-18 3x3 layer on ``tpu-like``:
    the generic batch evaluator and the search's grouped (subset-table) evaluator."""
    arch = load_arch("tpu-like")
    layer = Layer7("l", (1, 128, 128, 28, 28, 3, 3))
    groups, _ = _groups(layer, arch, None, 6)
    gsp, gd, gf, gid, perm = stacked_candidates(groups)
    sp, td, tf = gsp[gid], gd[gid[:, None], perm], gf[gid[:, None], perm]
    n = len(gid)
    rates = []
    for fn in (lambda s: evaluate_mappings(layer, arch, sp[s], td[s], tf[s]),
               lambda s: evaluate_groups(layer, arch, gsp, gd, gf, gid[s], perm[s])):
        best = np.inf
        for _ in range(repeats):
            t0 = time.process_time()
            for c in range(0, n, CHUNK):
                fn(slice(c, c + CHUNK))
            best = min(best, time.process_time() - t0)
        rates.append(n / best)
    return rates[0], rates[1], n


def network_search(name: str, arch=None, objective: str = "energy") -> tuple[float, int, int]:
    """CPU seconds of a cold search of every layer, candidates evaluated and generated (distinct shapes)."""
    arch = arch or load_arch("tpu-like")
    layers = network_layers(workloads.load(name))
    clear_cache()
    t = time.process_time()
    unique = {l.key(): l for l in layers}  # repeated shapes are memoised: count them once
    for l in layers:
        search_layer(l, arch, objective)
    res = [search_layer(l, arch, objective) for l in unique.values()]
    return time.process_time() - t, sum(r.evaluated for r in res), sum(r.candidates for r in res)


def hw_points(k: int, seed: int = 0, spatial_top: int = 0, objective: str = "energy") -> tuple[float, float]:
    """CPU seconds per hardware point (ResNet-18, cold per point; the exact pruned search) and,
    with ``spatial_top``, the worst ratio of the heuristic's network objective to the exact one."""
    rng = np.random.default_rng(seed)
    base = load_arch("tpu-like")
    layers = network_layers(workloads.load("resnet18-imagenet"))
    archs = [base.with_knobs(sizes=(int(rng.choice([8, 16, 32, 64])), int(rng.choice([8, 16, 32, 64]))),
                             glb_bits=float(rng.choice([2 ** 16, 2 ** 18, 2 ** 20, 2 ** 21])) * 8,
                             top_bw=float(rng.choice([32, 64, 128])), bits=int(rng.choice([4, 8])))
             for _ in range(k)]

    def total(a, top: int) -> float:
        e = sum(search_layer(l, a, objective, spatial_top=top).metrics.get("energy_pj", 0) * l.repeat for l in layers)
        c = sum(search_layer(l, a, objective, spatial_top=top).metrics.get("cycles", 0) * l.repeat for l in layers)
        return {"energy": e, "latency": c, "edp": e * c}[objective]

    clear_cache()
    t = time.process_time()
    got = [total(a, spatial_top) for a in archs]
    per = (time.process_time() - t) / k
    worst = 1.0
    if spatial_top:
        worst = max(g / total(a, 0) for g, a in zip(got, archs))
    return per, worst


#: a 10 x 10 x 10 x 10 = 1e4-point hardware grid on tpu-like (rows, cols, shared SRAM bytes, DRAM bits/cycle)
GRID_SIDES = (4, 8, 12, 16, 24, 32, 48, 64, 96, 128)
GRID_GLB = tuple(int(2 ** (14 + 0.9 * i)) for i in range(10))  # 16 KiB .. ~4 MiB
GRID_BW = (8, 16, 24, 32, 48, 64, 96, 128, 192, 256)


def hw_grid(families: int, per_family: int, objective: str = "energy", seed: int = 0) -> tuple[float, float]:
    """CPU seconds of the first point of a (rows, cols, SRAM) family and of each further DRAM
    bandwidth of it, in random order (energy: the shortlist is shared; latency/EDP: the record of
    bandwidth-free bounds), on random families of the 1e4-point grid, ResNet-18, exact search."""
    rng = np.random.default_rng(seed)
    base = load_arch("tpu-like")
    layers = network_layers(workloads.load("resnet18-imagenet"))
    clear_cache()
    first = rest = 0.0
    for _ in range(families):
        r, c, g = int(rng.choice(GRID_SIDES)), int(rng.choice(GRID_SIDES)), int(rng.choice(GRID_GLB))
        for j, bw in enumerate(rng.choice(GRID_BW, size=per_family, replace=False)):
            a = base.with_knobs(sizes=(r, c), glb_bits=g * 8.0, top_bw=float(bw))
            t = time.process_time()
            for l in layers:
                search_layer(l, a, objective)
            dt = time.process_time() - t
            if j == 0:
                first += dt
            else:
                rest += dt
    return first / families, rest / max(families * (per_family - 1), 1)


def _grid_worker(args: tuple[int, int, str]) -> float:
    """CPU seconds of worker ``k`` of ``n`` on its share of the whole grid (families ``k, k+n, ...``
    in grid order, each family's bandwidths in grid order), ResNet-18, exact search."""
    k, n, objective = args
    base = load_arch("tpu-like")
    layers = network_layers(workloads.load("resnet18-imagenet"))
    clear_cache()
    fams = [(r, c, g) for r in GRID_SIDES for c in GRID_SIDES for g in GRID_GLB][k::n]
    t = time.process_time()
    for r, c, g in fams:
        for bw in GRID_BW:
            a = base.with_knobs(sizes=(r, c), glb_bits=g * 8.0, top_bw=float(bw))
            for l in layers:
                search_layer(l, a, objective)
    return time.process_time() - t


def full_grid(objective: str, workers: int = 2) -> tuple[float, float]:
    """The whole 1e4-point grid on ``workers`` processes: (wall seconds, largest worker CPU seconds)."""
    from multiprocessing import get_context

    t = time.perf_counter()
    with get_context("spawn").Pool(workers) as pool:
        cpu = pool.map(_grid_worker, [(k, workers, objective) for k in range(workers)])
    return time.perf_counter() - t, max(cpu)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hw-points", type=int, default=20)
    p.add_argument("--skip-resnet50", action="store_true")
    p.add_argument("--grid-families", type=int, default=4)
    p.add_argument("--full-grid", choices=("energy", "edp"), default=None,
                   help="run the whole 1e4-point grid on 2 processes under this objective and exit")
    a = p.parse_args(argv)
    if a.full_grid:
        wall, cpu = full_grid(a.full_grid)
        print(f"5'. the whole 1e4-point grid x ResNet-18, {a.full_grid}, exact search, 2 processes: "
              f"{cpu / 60:.1f} min CPU on the busier process, {wall / 60:.1f} min wall (target <= 5 min)")
        return 0
    generic, grouped, n = evals_per_s()
    print(f"1. layer-mapping evaluations per CPU second (one core), {n:,} candidates of a 3x3 layer: "
          f"search path (grouped subset tables) {grouped:,.0f}/s, generic batch {generic:,.0f}/s (target >= 1e6)")
    cpu, ev, cand = network_search("resnet18-imagenet")
    print(f"2. ResNet-18 ImageNet, every layer's mapping searched (energy, exact pruning): {cpu:.2f} s CPU, "
          f"{ev:,} of {cand:,} candidates evaluated (after dropping symmetric unrollings; target <= 1 s)")
    for obj, top in (("energy", 0), ("edp", 0), ("energy", 4)):
        per, worst = hw_points(a.hw_points, spatial_top=top, objective=obj)
        label = (f"{obj}, exact search" if not top else
                 f"{obj}, heuristic spatial_top={top}: objective <= {worst:.4f}x the exact search")
        print(f"3. hardware points x ResNet-18 ({label}): {per * 1e3:.0f} ms CPU per point -> 1e4 points on "
              f"2 cores ~ {per * 1e4 / 2 / 60:.1f} min (extrapolated from {a.hw_points}; target <= 5 min)")
    for obj in ("energy", "edp"):
        t1, t2 = hw_grid(a.grid_families, len(GRID_BW), obj)
        n_fam = len(GRID_SIDES) ** 2 * len(GRID_GLB)
        total = n_fam * t1 + n_fam * (len(GRID_BW) - 1) * t2
        print(f"5. the 1e4-point grid (rows x cols x SRAM x DRAM bandwidth, 10 values each) x ResNet-18, {obj}, "
              f"exact search: {t1 * 1e3:.0f} ms CPU for a family's first point, {t2 * 1e3:.0f} ms for each further "
              f"bandwidth -> {total / 2 / 60:.1f} min on 2 cores (extrapolated from {a.grid_families} families; "
              "target <= 5 min)")
    if not a.skip_resnet50:
        cpu, ev, cand = network_search("resnet50-imagenet")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"4. ResNet-50 search: {cpu:.2f} s CPU, {ev:,} of {cand:,} candidates evaluated, peak RSS {rss:.0f} MiB "
              "(target < 2048 MiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
