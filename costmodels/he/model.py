"""The CKKS cost model: ``dse whatif he --workload W --set N=16384 --set levels=L ...``.

Per design point: parameter set -> security / precision feasibility; workload -> lowered op
counts (:mod:`.lowering`, compiled once per packing variant); per-op latency tables from a device
profile (:mod:`.opcost`); level accounting and bootstrap placement (:mod:`.levels`); memory of
ciphertexts, plaintext weights and switching keys. HE op traces are summed row by row
(:mod:`.trace`). All formulas and sources: docs/he.md.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from dse import Categorical, CostModel, DesignSpace, Feasibility, Int, Param, Pow2
from dse.metrics import to_numpy
from dse.xp import constant

from . import dedup, fastplace
from .bootplan import BootPlan, boot_plan
from .bootstrap import bootstrap_rotation_keys
from .compile import compile_variants
from .gcn import GCN_PACKINGS
from .levels import chain_increments
from .lowering import MATVEC_METHODS, LoweringConfig, parse_keep
from .opcost import ciphertext_bytes, plaintext_bytes, switching_key_bytes
from .params import (
    RING_DEGREES,
    SECURITY_LEVELS,
    log_qp,
    max_log_qp,
    precision_bits,
    security_bound_and_bits,
    special_primes,
)
from .paramsets import encapsulation_reason, paramset, paramset_names
from .placement import Placed, array_place, compiled_place, group_index, op_tables
from .presets import DEFAULT_PROFILE, get_profile
from .primitives import poly_eval_cost_xp
from .security import SECRETS, coverage_reason, effective_hamming

__all__ = ["CkksModel", "parse_profile"]


def _preset(value: Any) -> str:
    text = str(value)
    if text:
        paramset(text)  # raises with the list of presets
    return text

COUNT_METRICS = ("rotations", "pt_mults", "ct_mults", "rescales", "bootstraps", "levels_used", "he_ops",
                 "ring_degree", "chain_levels")


def parse_profile(value: Any) -> str:
    """Validate a profile spec (built-in name or JSON path); the Profile loads lazily."""
    get_profile(value)
    return str(value)


class CkksModel(CostModel):
    """CKKS inference latency, op counts, levels, bootstraps, memory and security per design point."""

    name = "he"
    version = "5"  # 5: encapsulation keys checked, (2^16, h=32) row; 4: sparse rows h=32/64 re-estimated (N = 2^14..2^17); 3: one EvalMod after a partial sum (issue 17)
    space = DesignSpace((
        Pow2("N", default=32768, low=1024, high=131072, doc="ring degree"),
        Int("levels", default=18, low=1, high=60, doc="rescale primes L; a fresh ciphertext holds L+1 limbs"),
        Int("scale_bits", default=40, low=20, high=60, doc="bits of the scale / rescale primes"),
        Int("first_bits", default=60, low=20, high=60, doc="bits of the first prime q0"),
        Int("special_bits", default=60, low=20, high=61, doc="bits of each special (key-switching) prime"),
        Int("dnum", default=3, low=1, high=61, doc="key-switching digits (hybrid profiles; SEAL uses L+1)"),
        Categorical("security", default=128, choices=SECURITY_LEVELS, doc="required classical security"),
        Categorical("ring", default="standard", choices=("standard", "conjugate-invariant"),
                    doc="N/2 complex slots or N real slots"),
        Categorical("packing", default="ama", choices=GCN_PACKINGS, doc="graph-convolution layout"),
        Categorical("matvec", default="bsgs", choices=MATVEC_METHODS, doc="linear layers: BSGS+hoisting or diagonal"),
        Int("act_degree", default=2, low=1, high=63, doc="polynomial degree replacing non-polynomial activations"),
        Int("boot_cts_levels", default=0, low=0, high=8, doc="CoeffToSlot levels (0 = profile/preset): levels vs rotations"),
        Int("boot_stc_levels", default=0, low=0, high=8, doc="SlotToCoeff levels (0 = profile/preset)"),
        Int("boot_return", default=0, low=0, high=60, doc="levels a bootstrap returns (0 = all: L - bootstrap depth)"),
        Categorical("boot_slots", default="full", choices=("full", "sparse"),
                    doc="bootstrap every ciphertext over N/2 slots, or over the slots its data fills"),
    ))
    params = (
        Param("profile", DEFAULT_PROFILE, "a built-in profile name or a JSON profile path", parse=parse_profile),
        Param("nonlinear_keep", "all", "LinGCN kept nodes per graph activation site: all, lingcn or 10,15,25,...",
              parse=lambda v: ",".join(map(str, parse_keep(v))) if parse_keep(v) else "all"),
        Param("secret", "ternary", "secret distribution: ternary (uniform), sparse (Hamming weight `hamming`), gaussian",
              choices=SECRETS),
        Param("hamming", 192, "Hamming weight of a sparse secret", integer=True, ge=1, le=1 << 17),
        Param("preset", "", "a bootstrappable parameter preset (" + ", ".join(paramset_names())
              + "): fixes N, levels, bit sizes, dnum, secret and bootstrapping structure", parse=_preset),
        Param("min_precision_bits", 8.0, "minimum bits of precision after a rescale", ge=0, le=60),
    )
    capabilities = frozenset({"batch"})
    metric_units = {k: "1" for k in COUNT_METRICS}
    param_units = {"min_precision_bits": "bit"}
    workload_kinds = ("network", "he-trace")
    example_workloads = ("resnet20-cifar", "stgcn3-256")
    example_params = ({}, {"profile": "openfhe-cpu"})

    # -- design decoding ----------------------------------------------------------------------
    def _knobs(self, design: Any, xp: Any) -> dict[str, Any]:
        f = {k: xp.astype(design[k], xp.float64) for k in ("N", "levels", "scale_bits", "first_bits",
                                                          "special_bits", "dnum", "act_degree", "boot_cts_levels",
                                                          "boot_stc_levels", "boot_return")}
        codes = design["security"]
        if isinstance(codes, np.ndarray):  # numpy: one gather from the categorical codes
            knob = self.space["security"]
            lookup = np.zeros(len(SECURITY_LEVELS) + 1)
            for lam in SECURITY_LEVELS:
                lookup[int(knob.encode(knob.parse(lam)))] = float(lam)
            sec = lookup[codes.astype(np.int64)]
        else:
            sec = xp.zeros_like(f["N"])
            for lam in SECURITY_LEVELS:
                sec = xp.where(design.eq("security", lam), float(lam), sec)
        f["security"] = sec
        preset = self.param("preset")
        if preset:
            for name, v in paramset(preset).knobs().items():
                f[name] = xp.zeros_like(f["N"]) + v
        f["slots"] = f["N"] / 2.0 * (1.0 + xp.astype(design.eq("ring", "conjugate-invariant"), xp.float64))
        return f

    def secret(self) -> tuple[str, int]:
        """(distribution, Hamming weight) in force: the preset's, else the ``secret``/``hamming`` params."""
        preset = self.param("preset")
        if preset:
            ps = paramset(preset)
            return ps.secret, ps.hamming
        return self.param("secret"), self.param("hamming")

    def _feasibility(self, xp: Any, design: Any, k: dict[str, Any], n: Any, logqp: Any,
                     precision: Any = None, bound: Any = None) -> Feasibility:
        """Security (table of the secret distribution at ring degree ``n``), first prime, precision
        (``precision`` / ``bound``: :func:`.params.precision_bits` / :func:`.params.max_log_qp` at
        ``n``, when the caller has them)."""
        secret, h = self.secret()
        f = Feasibility(xp, design.n, like=design["N"])
        if bound is None:
            bound = max_log_qp(n, k["security"], secret=secret, hamming=h)
        f.require(bound > 0, coverage_reason(secret, h))
        f.require(logqp <= bound,
                  f"insecure: log2(QP) exceeds the maximum for N at the required security ({secret} secret)")
        preset = self.param("preset")
        ps = paramset(preset) if preset else None
        if ps is not None and ps.encapsulation_hamming:  # the dense-to-sparse key: its own lattice instance
            enc = max_log_qp(n, k["security"], secret="sparse", hamming=ps.encapsulation_hamming)
            f.require(enc >= ps.encapsulation_log_qp,
                      encapsulation_reason(ps.encapsulation_hamming, ps.encapsulation_log_qp))
        f.require(k["first_bits"] > k["scale_bits"], "first prime must be larger than the scale (first_bits > scale_bits)")
        if precision is None:
            precision = precision_bits(n, k["scale_bits"], effective_hamming(n, secret, h))
        f.require(precision >= self.param("min_precision_bits"),
                  "precision below min_precision_bits (scale_bits too small for N)")
        return f

    def _profile(self) -> Any:
        """The device profile, with the preset's bootstrapping structure when a preset is set."""
        prof = get_profile(self.param("profile"))
        preset = self.param("preset")
        if preset:
            prof = replace(prof, boot=paramset(preset).boot)
        return prof

    def effective_design(self, workload: Any, point: Any) -> dict[str, Any]:
        """A preset's N, chain, bit sizes, dnum and secret replace the knobs it overrides. An op trace
        carries its own ring degree and chain: ``N`` is the trace's largest and the key-switching
        chain has ``max(levels, trace limbs - 1)`` levels (see :mod:`.trace`)."""
        out = super().effective_design(workload, point)
        preset = self.param("preset")
        if preset:
            ps = paramset(preset)
            out.update({k: int(v) if float(v).is_integer() else round(float(v), 2) for k, v in ps.knobs().items()})
            out["secret"], out["hamming"] = ps.secret, ps.hamming
        if getattr(workload, "kind", "network") == "he-trace":
            from .trace import trace_arrays

            t = trace_arrays(workload)
            out["N"] = int(t["n"].max())
            out["levels"] = max(int(out["levels"]), int(t["limbs"].max()) - 1)
        return out

    # -- evaluation --------------------------------------------------------------------------
    def _evaluate_totals(self, workload: Any, design: Any, xp: Any):
        """Totals only (``evaluate(..., layers=False)``, the sweep's hot loop): per-layer op counts
        are summed once per (lowering variant, activation degree) instead of per point; same totals."""
        return self._evaluate(workload, design, xp, per_layer=False)

    def _evaluate(self, workload: Any, design: Any, xp: Any, per_layer: bool = True):
        prof = self._profile()
        k = self._knobs(design, xp)
        if getattr(workload, "kind", "network") == "he-trace":
            from .trace import evaluate_trace

            return evaluate_trace(self, workload, design, k, prof, xp)
        kspecial = special_primes(k["levels"], k["dnum"], prof.keyswitch)
        logqp = log_qp(k["first_bits"], k["scale_bits"], k["levels"], k["special_bits"], kspecial)
        if self.param("preset"):
            logqp = xp.zeros_like(k["N"]) + paramset(self.param("preset")).log_qp
        secret, h = self.secret()
        precision = precision_bits(k["N"], k["scale_bits"], effective_hamming(k["N"], secret, h))
        bound, sec_bits = security_bound_and_bits(k["N"], k["security"], logqp, secret=secret, hamming=h)
        feas = self._feasibility(xp, design, k, k["N"], logqp, precision, bound)
        common = {"security_bits": sec_bits,
                  "precision_bits": precision,
                  "log_qp_bits": logqp, "ring_degree": k["N"] + 0.0, "chain_levels": k["levels"] + 0.0}
        return self._network(workload, design, k, prof, feas, common, xp, per_layer)

    def _variants(self, workload: Any, design: Any, k: dict[str, Any], prof: Any) -> tuple[Any, np.ndarray]:
        slots = to_numpy(k["slots"]).astype(np.int64)
        pack = to_numpy(design["packing"]).astype(np.int64)
        mv = to_numpy(design["matvec"]).astype(np.int64)
        log_slots = np.frexp(np.maximum(slots, 1))[1] - 1  # slots are powers of two
        first, vidx = group_index((log_slots * 64 + pack) * 64 + mv)
        uniq = zip(slots[first].tolist(), pack[first].tolist(), mv[first].tolist())
        keep = parse_keep(self.param("nonlinear_keep"))
        persons = int(workload.info("persons", 1)) if hasattr(workload, "info") else 1
        cfgs = [LoweringConfig(int(s), GCN_PACKINGS[int(p)], MATVEC_METHODS[int(m)],
                               0.5 if prof.hoisting else 1.0, keep, persons) for s, p, m in uniq]
        return compile_variants(workload, cfgs), vidx.reshape(-1)

    def _network(self, workload: Any, design: Any, k: dict[str, Any], prof: Any, feas: Feasibility,
                 common: dict[str, Any], xp: Any, per_layer: bool = True):
        net, vidx_np = self._variants(workload, design, k, prof)
        like = k["N"]
        vidx = xp.asarray(vidx_np, dtype=xp.int64)
        if hasattr(like, "device"):
            vidx = xp.asarray(vidx_np, dtype=xp.int64, device=like.device)

        def per_point(arr: np.ndarray) -> Any:
            return xp.take(constant(xp, arr, like=like), vidx, axis=0)

        a = _PerPoint(per_point, net.arrays)
        # activation polynomials, depths and the chain: once per (variant, act_degree) pair in the batch
        first, pair = group_index(vidx_np * 128 + to_numpy(k["act_degree"]).astype(np.int64))
        pv = {name: constant(xp, net.arrays[name][vidx_np[first]], like=like)
              for name in ("act_degree", "act_cts", "depth", "act_consumes", "act_seq")}
        knob = xp.take(k["act_degree"], xp.asarray(first.astype(np.int64), dtype=xp.int64, **_dev(like)), axis=0)
        poly = _poly_costs(xp, xp.where(pv["act_degree"] > 0, pv["act_degree"], knob[:, None]))
        active = xp.astype(pv["act_cts"] > 0, xp.float64)
        depth_g = pv["depth"] + pv["act_consumes"] * pv["act_seq"] * poly["depth"] * active
        delta_g, total_g = chain_increments(xp, depth_g, net.parents)
        pair_x = xp.asarray(pair, dtype=xp.int64, **_dev(like))

        def by_pair(arr: Any) -> Any:
            return xp.take(arr, pair_x, axis=0)

        total_depth = by_pair(total_g)
        act_g = (pv["act_cts"] * poly["ct_mults"], pv["act_cts"] * poly["scalar_mults"], pv["act_cts"] * poly["adds"])
        compiled = fastplace.available() and isinstance(like, np.ndarray)
        if compiled and not per_layer:  # the compiled placement reads the pair rows: no (points, layers) copies
            delta = act_ct = act_pt = None
        else:
            delta = by_pair(delta_g)
            act_ct, act_pt = by_pair(act_g[0]), by_pair(act_g[1])

        lmax = int(to_numpy(k["levels"]).max())
        n_c = k["N"][:, None]
        ops = sorted({op for op, _ in net.entries} | {"mul", "relinearize", "rescale", "mul_plain", "add", "encode",
                                                       "encrypt", "decrypt"})
        groups, gidx_np = op_tables(xp, prof, k, ops, lmax)
        # distinct placement keys (numpy): plan and placement once per key, gathered back (dedup.py)
        keys = _distinct_placement(prof, k, design, pair) if isinstance(like, np.ndarray) else None
        sub: Any
        if keys is None:
            sub_k, sub_d, sub = k, design, slice(None)
            act_x = (None, None, None) if compiled else (act_ct, act_pt, by_pair(act_g[2]))
        else:
            sub = keys[0]
            sub_k, sub_d = {name: v[sub] for name, v in k.items()}, design.take(sub)
            act_x = (None, None, None) if compiled else (_rows(act_ct, sub), _rows(act_pt, sub), by_pair(act_g[2])[sub])
        w = prof.word_bytes
        held_v = net.arrays["cts_in"] + net.arrays["cts_out"] + net.arrays["temps"] + net.arrays["live_cts"]
        if isinstance(like, np.ndarray):  # slot fills and live ciphertexts read per lowering variant
            plan = boot_plan(xp, prof, sub_k, sub_d, None, (net.arrays["live_cts"], vidx_np[sub]),
                             (net.arrays["fill"], vidx_np[sub]))
        else:
            plan = boot_plan(xp, prof, k, design, a["fill"], a["live_cts"])
        fused = compiled and not per_layer  # totals only: the kernel sums the per-layer rows itself
        if compiled:
            sums = (net.arrays["live_cts"], held_v, net.arrays["plaintexts"], k["N"][sub], w) if fused else None
            pl = compiled_place(net, groups, ops, gidx_np[sub], vidx_np[sub], act_g, delta_g, sub_k, plan, lmax,
                                pair[sub], sums)
        else:
            pl = array_place(xp, net, groups, gidx_np[sub], vidx if keys is None else vidx[sub], act_x,
                             delta if keys is None else _rows(delta, sub), sub_k, plan, lmax, like)
        if keys is not None:  # every point reads its key's results
            inv = keys[1]
            rows = (None, None, None) if fused else tuple(np.asarray(v)[inv] for v in (pl.entry, pl.booted, pl.lat))
            pl = Placed(np.asarray(pl.ok)[inv], *rows, np.asarray(pl.start)[inv], np.asarray(pl.end)[inv],
                        {name: v[inv] for name, v in pl.totals.items()} if fused else None)
            plan = BootPlan(np.asarray(plan.cost) if fused else np.asarray(plan.cost)[inv],
                            np.asarray(plan.depth)[inv], np.asarray(plan.returns)[inv])
        ok, entry = pl.ok, pl.entry
        counted = ("rotations", "pt_mults", "ct_mults", "rescales", "he_ops")
        if per_layer or not isinstance(like, np.ndarray):
            ops_l = _op_layers(net, per_point, act_ct, act_pt, xp.zeros_like(delta))
        else:  # totals only: the same per-layer rows and row sums, once per (variant, act_degree) pair
            per_pair = _op_layers(net, lambda arr: arr[vidx_np[first]], pv["act_cts"] * poly["ct_mults"],
                                  pv["act_cts"] * poly["scalar_mults"], xp.zeros_like(delta_g))
            ops_l = {}
        if fused:
            assert pl.totals is not None
            totals, layers = {"latency_s": pl.totals["sum_lat"], "bootstraps": pl.totals["sum_boot"]}, {}
            mem_layer_max = pl.totals["mem"]
        else:
            booted = xp.astype(pl.booted, xp.float64)
            layers = {"latency_s": pl.lat + booted * plan.cost, **{n: ops_l[n] for n in counted[:4] if n in ops_l},
                      "bootstraps": booted * a["live_cts"]}
            if delta is not None:
                layers["levels_used"] = delta
            if ops_l:
                layers["he_ops"] = ops_l["he_ops"]
            totals = {name: xp.sum(v, axis=1) for name, v in layers.items() if name != "levels_used"}
            entry_limbs = xp.astype(entry, xp.float64) + 1.0
            layers["memory_bytes"] = (per_point(held_v) * ciphertext_bytes(n_c, entry_limbs, w)
                                      + a["plaintexts"] * plaintext_bytes(n_c, entry_limbs, w))
            mem_layer_max = xp.max(layers["memory_bytes"], axis=1)
        if not ops_l:  # same keys, same order as the per-layer path
            stacked = np.stack([np.sum(per_pair[name], axis=1) for name in counted], axis=1)[pair]  # one gather
            sums = {name: np.ascontiguousarray(stacked[:, j]) for j, name in enumerate(counted)}
            totals = {name: totals[name] if name in totals else sums[name]
                      for name in ("latency_s", *counted[:4], "bootstraps", "he_ops")}
        # no bootstrap placement exists: latency and the bootstrap count cannot exist (NaN, not inf/0)
        totals["latency_s"] = xp.where(ok, totals["latency_s"], float("nan"))
        totals["bootstraps"] = xp.where(ok, totals["bootstraps"], float("nan"))
        totals["levels_used"] = total_depth
        boot_keys = _boot_key_counts(xp, k["N"], prof.boot)
        n_keys = (xp.minimum(a["rot_keys"], k["slots"]) + xp.astype(totals["ct_mults"] > 0, xp.float64)
                  + xp.where(totals["bootstraps"] > 0, boot_keys, 0.0))
        key_bytes = n_keys * switching_key_bytes(k["N"], k["levels"] + 1.0, k["dnum"], prof.keyswitch, w)
        totals["memory_bytes"] = key_bytes + mem_layer_max
        start = xp.clip(xp.astype(pl.start, xp.int64), 0, lmax)
        end = xp.clip(xp.astype(pl.end, xp.int64), 0, lmax)
        gidx = xp.asarray(gidx_np, dtype=xp.int64, **_dev(like))

        def gather(op: str, lev: Any) -> Any:  # latency of op at level lev per point, from the group tables
            flat = xp.reshape(groups[op], (-1,))
            return xp.take(flat, gidx * (lmax + 2) + xp.clip(lev + 1, 1, lmax + 1), axis=0)

        totals["client_s"] = (a["input_cts"] * (gather("encode", start) + gather("encrypt", start))
                              + a["output_cts"] * gather("decrypt", end))
        totals.update(common)
        feas.require((total_depth <= k["levels"]) | (k["levels"] > plan.depth),
                     "multiplicative depth exceeds levels and the chain is too short to bootstrap "
                     "(levels <= bootstrap depth)")
        feas.require(ok,
                     "a layer needs more levels than remain after bootstrapping (levels - bootstrap depth)")
        return self.make_metrics(totals=totals, layers=layers, layer_names=net.names, layer_kinds=net.kinds,
                                 feasibility=feas)


def _boot_key_counts(xp: Any, n: Any, boot: Any) -> Any:
    """Rotation keys bootstrapping needs at ring degree ``n`` (0 off the ring-degree list), per point."""
    table = {deg: float(bootstrap_rotation_keys(deg // 2, boot)) for deg in RING_DEGREES}
    if isinstance(n, np.ndarray):  # numpy: one gather by log2 N
        lookup = np.zeros(64)
        for deg, keys in table.items():
            lookup[deg.bit_length() - 1] = keys
        exp = np.frexp(n)[1] - 1  # log2 N when N is a power of two
        return np.where(np.ldexp(1.0, exp) == n, lookup[np.clip(exp, 0, 63)], 0.0)
    out = xp.zeros_like(n)
    for deg, keys in table.items():
        out = xp.where(n == deg, keys, out)
    return out


def _rows(arr: Any, sub: np.ndarray) -> Any:
    """``arr[sub]`` of a per-point array that exists on this path."""
    assert arr is not None
    return arr[sub]


def _distinct_placement(prof: Any, k: dict[str, Any], design: Any, pair: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``(first, inverse)`` of the distinct placement keys (:mod:`.dedup`) when at most
    ``dedup.MAX_FRACTION`` of the points are distinct, else ``None`` (evaluate every point)."""
    if dedup.MAX_FRACTION <= 0 or len(pair) < 2:
        return None
    limit = int(dedup.MAX_FRACTION * len(pair))
    if dedup.more_than([pair.astype(np.float64), to_numpy(k["levels"])], limit):  # a coarser key: quick no
        return None
    sparse = to_numpy(design.eq("boot_slots", "sparse"))
    return dedup.distinct_keys(dedup.placement_key(prof, k, sparse, pair), limit)


def _op_layers(net: Any, rows: Any, act_ct: Any, act_pt: Any, zeros: Any) -> dict[str, Any]:
    """Per-layer op counts (rotations, PMult, CMult, rescales, their sum) of the rows ``rows`` picks
    from the variants' arrays, plus the activation polynomials' ``act_ct`` / ``act_pt``."""
    def op_count(*names: str) -> Any:
        cols = [e for e, (op, _) in enumerate(net.entries) if op in names]
        return rows(net.counts[:, :, cols].sum(axis=2)) if cols else zeros

    out = {"rotations": op_count("rotate", "rotate_hoisted"), "pt_mults": op_count("mul_plain") + act_pt,
           "ct_mults": op_count("mul") + act_ct, "rescales": op_count("rescale") + act_ct}
    out["he_ops"] = out["rotations"] + out["pt_mults"] + out["ct_mults"]
    return out


def _poly_costs(xp: Any, deg: Any) -> dict[str, Any]:
    """:func:`.primitives.poly_eval_cost_xp` of integer degrees; numpy: once per distinct degree, gathered."""
    if not isinstance(deg, np.ndarray) or deg.size == 0:
        return poly_eval_cost_xp(xp, deg)
    d = deg.astype(np.int64)
    if d.min() < 0 or np.any(d != deg):
        return poly_eval_cost_xp(xp, deg)
    table = poly_eval_cost_xp(np, np.arange(int(d.max()) + 1, dtype=np.float64))
    return {k: v[d] for k, v in table.items()}


class _PerPoint(dict):
    """Per-point rows of the variants' per-layer arrays, gathered on first use."""

    def __init__(self, gather: Any, arrays: dict[str, np.ndarray]):
        super().__init__()
        self._gather, self._arrays = gather, arrays

    def __missing__(self, name: str) -> Any:
        self[name] = value = self._gather(self._arrays[name])
        return value


def _dev(like: Any) -> dict[str, Any]:
    return {"device": like.device} if hasattr(like, "device") and not isinstance(like, np.ndarray) else {}
