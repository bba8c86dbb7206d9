"""Speed and memory of the mapping-aware ``asic`` model (issue 16 targets).

Usage: ``python benchmarks/asic_mapping.py [--hw-points 20] [--skip-resnet50]``. Reports, using
process CPU time (best of 3 where cheap; the machine is shared, so wall time is not used):

1. layer-mapping evaluations per second per core (:func:`evaluate_mappings` on the candidate
   batch of a ResNet-18 3x3 layer on ``tpu-like``; target >= 1e6/s);
2. ResNet-18 (ImageNet) with every layer's mapping searched, cold cache (target <= 1 s);
3. ``--hw-points`` random hardware points (rows, cols, SRAM, DRAM bandwidth, bits) x ResNet-18,
   each with its own mapping search, extrapolated to 1e4 points on 2 cores (target <= 5 min);
4. peak resident memory after the ResNet-50 search (target < 2 GiB).
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
from costmodels.asic.mapping_search import (
    CHUNK,
    _candidates,
    clear_cache,
    network_layers,
    search_layer,
)


def evals_per_s(repeats: int = 3) -> tuple[float, int]:
    arch = load_arch("tpu-like")
    layer = Layer7("l", (1, 128, 128, 28, 28, 3, 3))
    (sp, td, tf), _ = _candidates(layer, arch, None, 6)
    best = np.inf
    for _ in range(repeats):
        t = time.process_time()
        for s in range(0, len(td), CHUNK):
            evaluate_mappings(layer, arch, sp[s:s + CHUNK], td[s:s + CHUNK], tf[s:s + CHUNK])
        best = min(best, time.process_time() - t)
    return len(td) / best, len(td)


def network_search(name: str, arch=None) -> tuple[float, int]:
    arch = arch or load_arch("tpu-like")
    layers = network_layers(workloads.load(name))
    clear_cache()
    t = time.process_time()
    unique = {l.key(): l for l in layers}  # repeated shapes are memoised: count them once
    for l in layers:
        search_layer(l, arch, "energy")
    n = sum(search_layer(l, arch, "energy").evaluated for l in unique.values())
    return time.process_time() - t, n


def hw_points(k: int, seed: int = 0, spatial_top: int = 0) -> tuple[float, float]:
    """CPU seconds per hardware point (ResNet-18, cold per point) and, with ``spatial_top``, the
    worst ratio of the pruned search's network energy to the exhaustive one over the points."""
    rng = np.random.default_rng(seed)
    base = load_arch("tpu-like")
    layers = network_layers(workloads.load("resnet18-imagenet"))
    archs = [base.with_knobs(sizes=(int(rng.choice([8, 16, 32, 64])), int(rng.choice([8, 16, 32, 64]))),
                             glb_bits=float(rng.choice([2 ** 16, 2 ** 18, 2 ** 20, 2 ** 21])) * 8,
                             top_bw=float(rng.choice([32, 64, 128])), bits=int(rng.choice([4, 8])))
             for _ in range(k)]
    t = time.process_time()
    energies = [sum(search_layer(l, a, "energy", spatial_top=spatial_top).metrics.get("energy_pj", 0) * l.repeat
                    for l in layers) for a in archs]
    per = (time.process_time() - t) / k
    worst = 1.0
    if spatial_top:
        full = [sum(search_layer(l, a, "energy").metrics.get("energy_pj", 0) * l.repeat for l in layers) for a in archs]
        worst = max(e / f for e, f in zip(energies, full))
    return per, worst


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hw-points", type=int, default=20)
    p.add_argument("--skip-resnet50", action="store_true")
    a = p.parse_args(argv)
    rate, n = evals_per_s()
    print(f"1. layer-mapping evaluations: {rate:,.0f} /s/core over {n:,} candidates (target >= 1e6)")
    cpu, n = network_search("resnet18-imagenet")
    print(f"2. ResNet-18 ImageNet, all mappings searched: {cpu:.2f} s CPU, {n:,} evaluations (target <= 1 s)")
    for top in (0, 8, 4):
        per, worst = hw_points(a.hw_points, spatial_top=top)
        label = "all spatial unrollings" if not top else f"spatial_top={top}, energy <= {worst:.4f}x exhaustive"
        print(f"3. hardware points x ResNet-18 ({label}): {per * 1e3:.0f} ms CPU per point -> 1e4 points on "
              f"2 cores ~ {per * 1e4 / 2 / 60:.1f} min (extrapolated from {a.hw_points}; target <= 5 min)")
    if not a.skip_resnet50:
        cpu, n = network_search("resnet50-imagenet")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"4. ResNet-50 search: {cpu:.2f} s CPU, {n:,} evaluations, peak RSS {rss:.0f} MiB (target < 2048 MiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
