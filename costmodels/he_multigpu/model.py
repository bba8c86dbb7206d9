"""``he-multigpu``: a CKKS network placed on G GPUs (AEGIS-style token x feature x limb hybrid).

One GPU model: the per-GPU costs are the ``he`` model's (same lowering, per-op costs, bootstrap
placement, ciphertext and key sizes, device profile), so with ``gpus=1`` this model *is* ``he``
(:mod:`.lowering`); this model adds the partition of that work over a mesh, the communication
each partition needs and the per-device memory (:mod:`.placement`).

Knobs: ``seq_len`` (tokens; 0 = the workload's own), ``gpus`` (a power of two), ``placement``
(``hybrid``, ``limb``, ``token``, ``replicate``) and ``overlap`` (pipeline collectives with
computation). Fixed parameters: the GPU and link presets, the memory budget, the CKKS parameter
set (``preset``, or ``logn``/``limbs``/``dnum``/``user_levels``), the ``he`` device profile
(``op_profile``; ``auto`` = the GPU's) and the activation polynomial degree.

Totals: ``latency_s``, ``compute_s``, ``comm_s``, ``comm_bytes`` (summed over devices),
``comm_attention_bytes``, ``comm_ffn_bytes``, ``memory_bytes_per_device``,
``memory_single_gpu_bytes``, ``single_gpu_latency_s``, ``speedup`` and ``scaling_efficiency``
(speedup / G against one GPU with unlimited memory), ``key_switches``, ``bootstraps`` and the
chosen mesh ``mesh_token``, ``mesh_feature``, ``mesh_limb``. Per layer (the ``he`` model's
layers): ``latency_s``, ``compute_s``, ``comm_s``, ``comm_bytes``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dse import Categorical, CostModel, DesignSpace, Feasibility, Int, Param, Pow2
from dse.errors import DseInputError
from dse.metrics import to_numpy
from dse.xp import constant

from . import presets
from .lowering import Compiled, compile_workload, resequence
from .placement import MeshResult, mesh_candidates, mesh_costs

__all__ = ["MAX_GPUS", "PLACEMENTS", "MultiGpuTransformerModel"]

PLACEMENTS = ("hybrid", "limb", "token", "replicate")
MAX_GPUS = 64
_SINGLE = {"token": 0, "replicate": 1, "limb": 2}
_ARRAYS = ("split", "attention", "heads", "scales", "seconds", "cts_in", "entry_limbs", "ks_units", "steps",
           "kv_units", "ar_units", "ar_count", "ct_bytes", "pt_bytes", "key_switches", "bootstraps")


def _preset(value: Any) -> str:
    text = str(value)
    if text:
        presets.from_paramset(text)  # raises with the list of presets
    return text


def _op_profile(value: Any) -> str:
    text = str(value)
    if text != "auto":
        from costmodels.he import get_profile

        if get_profile(text).keyswitch != "hybrid":
            raise DseInputError("op_profile", text, "auto or an he profile with hybrid key switching")
    return text


_D = presets.ckks_defaults()


class MultiGpuTransformerModel(CostModel):
    """Latency, communication and per-device memory of a CKKS network on a GPU mesh."""

    name = "he-multigpu"
    version = "3"  # 3: the preset's encapsulation key switch priced per bootstrap; 2: the he family's lowering and per-op costs (G=1 == he), he device profiles per GPU
    space = DesignSpace((
        Int("seq_len", default=0, low=0, high=16384, doc="tokens (0 = the workload's own sequence length)"),
        Pow2("gpus", default=4, low=1, high=MAX_GPUS, doc="number of GPUs"),
        Categorical("placement", default="hybrid", choices=PLACEMENTS,
                    doc="limb (RNS), token (ciphertext), replicate (replicated stream, split heads/features), "
                        "hybrid (best token x feature x limb mesh that fits in memory)"),
        Categorical("overlap", default="on", choices=("on", "off"),
                    doc="pipeline collectives with computation (reordered polynomial operators)"),
    ))
    params = (
        Param("gpu", "a100-40g", "GPU preset (default 40 GB: the AEGIS premise, long sequences exceed one GPU)",
              choices=presets.gpu_names()),
        Param("link", "auto", "interconnect preset (auto = the GPU's)", choices=("auto",) + presets.link_names()),
        Param("memory_budget", 0.0, "per-GPU memory budget in bytes (0 = the GPU's memory)", unit="B", ge=0),
        Param("preset", "lattigo-n16-h192", "a costmodels.he parameter preset; empty = the logn, limbs, dnum "
              "and user_levels parameters", parse=_preset),
        Param("logn", _D.logn, "log2 ring degree (preset empty)", integer=True, ge=10, le=17),
        Param("limbs", _D.limbs, "ciphertext primes at the top level, L+1 (preset empty)", integer=True, ge=2, le=61),
        Param("dnum", _D.dnum, "key-switching digits (preset empty)", integer=True, ge=1, le=61),
        Param("user_levels", _D.user_levels, "levels a bootstrap returns (preset empty; he's boot_return)",
              integer=True, ge=1, le=60),
        Param("act_degree", 15, "polynomial degree of non-polynomial activations (GELU, softmax, tanh)",
              integer=True, ge=1, le=63),
        Param("weights", "layer", "encoded weights resident: one layer at a time, or all", choices=("layer", "all")),
        Param("chunks", 8, "pipeline pieces per layer when overlapping", integer=True, ge=1, le=4096),
        Param("op_profile", "auto", "the costmodels.he device profile pricing every operation (auto = the "
              "GPU's, data/gpus.toml)", parse=_op_profile),
    )
    capabilities = frozenset({"batch", "des"})
    metric_units = {"speedup": "1", "scaling_efficiency": "1", "key_switches": "1", "bootstraps": "1",
                    "mesh_token": "1", "mesh_feature": "1", "mesh_limb": "1"}
    param_units = {"memory_budget": "B"}
    example_workloads = ("bert-base:layers=2",)

    # -- fixed parameters -----------------------------------------------------------------
    def ckks(self) -> presets.CkksParams:
        """Chain sizes (N, limbs, K = special primes, dnum) of the parameter set in force."""
        if self.param("preset"):
            return presets.from_paramset(self.param("preset"))
        limbs, dnum = self.param("limbs"), self.param("dnum")
        if not 1 <= dnum <= limbs:
            raise DseInputError("dnum", dnum, f"an integer in [1, limbs={limbs}]")
        return presets.ckks_params(logn=self.param("logn"), limbs=limbs, special_limbs=-(-limbs // dnum),
                                   dnum=dnum, word_bytes=_D.word_bytes, user_levels=self.param("user_levels"),
                                   boot_levels=0, source="he-multigpu logn/limbs/dnum/user_levels")

    def gpu_profile(self) -> presets.GpuProfile:
        return presets.gpu(self.param("gpu"))

    def he_profile(self) -> str:
        """Name of the ``costmodels.he`` device profile in force."""
        opp = self.param("op_profile")
        return self.gpu_profile().profile if opp == "auto" else opp

    def he_model(self) -> Any:
        """The ``he`` model this model runs per GPU (same profile, preset and activation degree)."""
        from costmodels.he import CkksModel

        return CkksModel(profile=self.he_profile(), preset=self.param("preset"))

    def he_point(self) -> dict[str, Any]:
        """The ``he`` design point equivalent to this model's parameters."""
        point: dict[str, Any] = {"act_degree": self.param("act_degree")}
        if not self.param("preset"):
            point.update(N=1 << self.param("logn"), levels=self.param("limbs") - 1, dnum=self.param("dnum"),
                         boot_return=self.param("user_levels"))
        return point

    def link_profile(self) -> presets.LinkProfile:
        key = self.param("link")
        return presets.link(self.gpu_profile().link if key == "auto" else key)

    def budget_bytes(self) -> float:
        b = self.param("memory_budget")
        return float(b) if b > 0 else self.gpu_profile().memory_bytes

    def effective_design(self, workload: Any, point: Any) -> dict[str, Any]:
        """``link=auto``, ``memory_budget=0`` and ``op_profile=auto`` mean the GPU's: show them."""
        out = super().effective_design(workload, point)
        out["link"] = self.link_profile().key
        out["memory_budget"] = self.budget_bytes()
        out["op_profile"] = self.he_profile()
        return out

    def compiled(self, workload: Any, seq_len: int = 0) -> Compiled:
        """The ``he`` lowering of ``workload`` at ``seq_len`` tokens, annotated (memoised)."""
        p = self.ckks()
        point = self.he_point()
        key = ("he-multigpu", self.he_profile(), self.param("preset"), tuple(sorted(point.items())), int(seq_len))
        return workload.memo(key, lambda: compile_workload(
            resequence(workload, int(seq_len)), self.he_model(), point,
            boot_return=0 if self.param("preset") else self.param("user_levels"), k_special=p.special_limbs))

    # -- evaluation -----------------------------------------------------------------------
    def _evaluate(self, workload: Any, design: Any, xp: Any) -> Any:
        like = design["gpus"]
        seq = to_numpy(design["seq_len"]).astype(np.int64)
        uniq, inv = np.unique(seq, return_inverse=True)
        comps = [self.compiled(workload, int(t)) for t in uniq]
        first = comps[0]
        idx = constant(xp, inv.reshape(-1).astype(np.int64), like=like, dtype=xp.int64)

        def rows(name: str) -> Any:
            stack = np.stack([np.asarray(getattr(c, name), dtype=np.float64) for c in comps])
            return xp.take(constant(xp, stack, like=like), idx, axis=0)

        arr = {name: rows(name) for name in _ARRAYS}
        arr["key_bytes"] = rows("key_bytes")
        he_ok = rows("feasible") > 0
        gpus = xp.astype(design["gpus"], xp.float64)
        overlap = design.eq("overlap", "on")
        placement = design["placement"]
        kw = {"poly_bytes": float(first_poly_bytes(self)), "top_limbs": float(self.ckks().limbs),
              "link": self.link_profile(), "chunks": self.param("chunks"), "overlap": overlap,
              "budget_bytes": self.budget_bytes(), "all_weights": self.param("weights") == "all", "like": like}
        one = xp.ones_like(gpus)
        best: MeshResult | None = None
        best_key = best_mesh = None
        hybrid = placement == PLACEMENTS.index("hybrid")
        for gt, gf, gl in mesh_candidates(MAX_GPUS):
            prod = float(gt * gf * gl)
            single = {0: (prod, 1, 1), 1: (1, prod, 1), 2: (1, 1, prod)}
            eligible = (gpus == prod) & hybrid
            for name, axis in _SINGLE.items():
                if (gt, gf, gl) == single[axis]:
                    eligible = eligible | ((gpus == prod) & (placement == PLACEMENTS.index(name)))
            if not bool(to_numpy(xp.any(eligible))):
                continue
            r = mesh_costs(xp, arr, gt * one, gf * one, gl * one, **kw)
            total = xp.sum(r.latency_s, axis=1)
            key = xp.where(r.feasible, total, 1e250 + r.memory_bytes)
            key = xp.where(eligible, key, xp.asarray(float("inf"), dtype=xp.float64) + 0 * key)
            if best is None:
                best, best_key, best_mesh = r, key, (gt * one, gf * one, gl * one)
                continue
            take = key < best_key
            best = _select(xp, take, r, best)
            best_key = xp.where(take, key, best_key)
            best_mesh = tuple(xp.where(take, v * one, b) for v, b in zip((gt, gf, gl), best_mesh))
        if best is None or best_mesh is None:
            raise DseInputError("gpus", to_numpy(gpus).tolist(), f"powers of two up to {MAX_GPUS}")
        single = mesh_costs(xp, arr, one, one, one, **kw)

        f = Feasibility(xp, design.n, like=like)
        reasons = sorted({c.reason for c in comps if not c.feasible and c.reason})
        f.require(he_ok, "the he model reports this parameter set infeasible: " + ("; ".join(reasons) or "see he"))
        f.require(best.limb_ok, f"limb partitioning needs at most as many GPUs on the limb axis as ciphertext "
                                f"limbs (limbs={self.ckks().limbs}); lower gpus or use another placement")
        f.require(best.token_ok, "token partitioning needs at least one input ciphertext per GPU on the token "
                                 "axis in every layer of the token stream")
        f.require(best.feature_ok, "replicate (head/feature) partitioning needs gpus on the feature axis "
                                   "<= attention heads")
        f.require(best.memory_ok, f"per-device memory exceeds the memory budget ({self.budget_bytes():.3g} B): "
                                  "more GPUs, weights=layer, or a smaller seq_len")

        attn = arr["attention"]
        ffn = constant(xp, [k in ("linear", "activation") for k in first.kinds], like=like)[None, :] * (1 - attn)
        latency = xp.sum(best.latency_s, axis=1)
        t1 = xp.sum(single.compute_s, axis=1)
        speedup = t1 / latency
        totals = {
            "latency_s": latency,
            "compute_s": xp.sum(best.compute_s, axis=1),
            "comm_s": xp.sum(best.comm_s, axis=1),
            "comm_bytes": xp.sum(best.comm_bytes, axis=1),
            "comm_attention_bytes": xp.sum(best.comm_bytes * attn, axis=1),
            "comm_ffn_bytes": xp.sum(best.comm_bytes * ffn, axis=1),
            "memory_bytes_per_device": best.memory_bytes,
            "memory_single_gpu_bytes": single.memory_bytes,
            "single_gpu_latency_s": t1,
            "speedup": speedup,
            "scaling_efficiency": speedup / gpus,
            "key_switches": xp.sum(arr["key_switches"], axis=1),
            "bootstraps": xp.sum(arr["bootstraps"], axis=1),
            "mesh_token": best_mesh[0], "mesh_feature": best_mesh[1], "mesh_limb": best_mesh[2],
        }
        layers = {"latency_s": best.latency_s, "compute_s": best.compute_s, "comm_s": best.comm_s,
                  "comm_bytes": best.comm_bytes}
        return self.make_metrics(totals=totals, layers=layers, layer_names=first.names, layer_kinds=first.kinds,
                                 feasibility=f)


def first_poly_bytes(model: MultiGpuTransformerModel) -> float:
    """Bytes of one limb-polynomial: N x the he profile's word size."""
    from costmodels.he import get_profile

    return float(model.ckks().n * get_profile(model.he_profile()).word_bytes)


def _select(xp: Any, take: Any, new: MeshResult, old: MeshResult) -> MeshResult:
    t2 = take[:, None]
    return MeshResult(
        compute_s=xp.where(t2, new.compute_s, old.compute_s),
        comm_s=xp.where(t2, new.comm_s, old.comm_s),
        comm_bytes=xp.where(t2, new.comm_bytes, old.comm_bytes),
        latency_s=xp.where(t2, new.latency_s, old.latency_s),
        memory_bytes=xp.where(take, new.memory_bytes, old.memory_bytes),
        limb_ok=xp.where(take, new.limb_ok, old.limb_ok),
        token_ok=xp.where(take, new.token_ok, old.token_ok),
        feature_ok=xp.where(take, new.feature_ok, old.feature_ok),
        memory_ok=xp.where(take, new.memory_ok, old.memory_ok),
    )
