"""The compiled per-candidate counts (:mod:`costmodels.asic.mapping_fast`, numba) equal the array
version bit for bit: every output of the grouped and the generic evaluator, on the three preset
architectures (per-PE network energy on Eyeriss, a 3-D array without DRAM on the VA chip), a
double-buffered variant, systolic os/ws variants (fill/drain per fold) and strided, dilated, depthwise and GEMM layers; and whole searches."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from costmodels.asic import mapping_fast
from costmodels.asic.archfile import load_arch
from costmodels.asic.mapping import Layer7, evaluate_mappings
from costmodels.asic.mapping_groups import evaluate_groups, stacked_candidates
from costmodels.asic.mapping_search import _groups, clear_cache, search_layer

pytestmark = pytest.mark.skipif(not mapping_fast.available(), reason="numba not installed (.ci/setup_numba.sh)")

LAYERS = (Layer7("c3", (1, 64, 32, 14, 14, 3, 3)),
          Layer7("c7s2", (1, 64, 3, 56, 56, 7, 7), stride=(2, 2)),
          Layer7("dil", (2, 16, 16, 12, 12, 3, 3), dilation=(2, 2)),
          Layer7("dw", (1, 32, 1, 28, 28, 3, 3), depthwise=True),
          Layer7("fc", (4, 1000, 512, 1, 1, 1, 1)))


def _archs():
    out = [load_arch(n) for n in ("tpu-like", "eyeriss", "va-chip")]
    tpu = out[0]
    mems = list(tpu.memories)
    mems[2] = replace(mems[2], double_buffer=True, size_bits=mems[2].size_bits / 64)  # tight, double-buffered
    out.append(replace(tpu, memories=tuple(mems)))
    out += [replace(tpu, name="tpu-os", systolic="os"), replace(load_arch("eyeriss"), name="eyeriss-ws", systolic="ws")]
    return out


def _same(a: dict, b: dict) -> None:
    assert list(a) == list(b)  # same keys in the same order (metrics are reported in it)
    for k in a:
        x, y = np.asarray(a[k]), np.asarray(b[k])
        assert x.shape == y.shape and x.dtype == y.dtype and np.array_equal(x, y), k


@pytest.mark.parametrize("arch", _archs(), ids=lambda a: a.name + ("-db" if any(m.double_buffer for m in a.memories) else ""))
def test_compiled_counts_equal_array_version(arch):
    for layer in LAYERS:
        groups, _ = _groups(layer, arch, None, 5)
        gsp, gd, gf, gid, perm = stacked_candidates(groups)
        sel = np.random.default_rng(3).permutation(len(gid))[:3000]
        gid, perm = gid[sel], perm[sel]
        fast = evaluate_groups(layer, arch, gsp, gd, gf, gid, perm, fast=True)
        ref = evaluate_groups(layer, arch, gsp, gd, gf, gid, perm, fast=False)
        _same(fast, ref)
        _same(evaluate_groups(layer, arch, gsp, gd, gf, gid, perm, fast="counts"), ref)  # kernel counts, array tail
        assert fast["feasible"].any() and np.ptp(fast["energy_pj"][fast["feasible"]]) > 0  # a non-trivial case
        sp, td, tf = gsp[gid], gd[gid[:, None], perm], gf[gid[:, None], perm]
        _same(evaluate_mappings(layer, arch, sp, td, tf, fast=True), ref)
        _same(evaluate_mappings(layer, arch, sp, td, tf, fast=False), ref)


def test_searches_equal_with_and_without_the_kernel(monkeypatch):
    arch = load_arch("eyeriss")
    layers = LAYERS[:2] + LAYERS[3:]
    got = []
    for on in (True, False):
        monkeypatch.setattr(mapping_fast, "available", lambda on=on: on)
        clear_cache()
        got.append([(r.text, r.metrics, r.evaluated) for r in
                    (search_layer(l, arch, obj) for l in layers for obj in ("energy", "edp"))])
    clear_cache()
    assert got[0] == got[1]
