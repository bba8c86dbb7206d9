"""``he-multigpu``: an encrypted (CKKS) transformer placed on G GPUs (AEGIS-style hybrid).

Knobs: ``seq_len`` (tokens; 0 = the workload's own), ``gpus`` (a power of two), ``placement``
(``hybrid``, ``limb``, ``token``, ``replicate``; see :mod:`.placement`) and ``overlap`` (pipeline
collectives with computation). Fixed parameters: the GPU and link presets, the memory budget,
the CKKS parameter set (defaults in ``data/ckks.toml``) and weight residency.

Totals: ``latency_s``, ``compute_s``, ``comm_s``, ``comm_bytes`` (summed over devices),
``comm_attention_bytes``, ``comm_ffn_bytes``, ``memory_bytes_per_device``,
``memory_single_gpu_bytes``, ``single_gpu_latency_s``, ``speedup`` and ``scaling_efficiency``
(speedup / G against one GPU with unlimited memory), ``key_switches``, ``bootstraps`` and the
chosen mesh ``mesh_token``, ``mesh_feature``, ``mesh_limb``. Per layer: ``latency_s``,
``compute_s``, ``comm_s``, ``comm_bytes``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dse import Categorical, CostModel, DesignSpace, Feasibility, Int, Param, Pow2
from dse.errors import DseInputError
from dse.xp import constant

from . import presets
from .lowering import Compiled, basis_values, compile_workload
from .placement import MeshResult, mesh_candidates, mesh_costs

__all__ = ["MAX_GPUS", "PLACEMENTS", "MultiGpuTransformerModel"]

PLACEMENTS = ("hybrid", "limb", "token", "replicate")
MAX_GPUS = 64
_SINGLE = {"token": 0, "replicate": 1, "limb": 2}


def _preset(value: Any) -> str:
    text = str(value)
    if text:
        presets.from_paramset(text)  # raises with the list of presets
    return text


def _op_profile(value: Any) -> str:
    text = str(value)
    if text != "roofline":
        from costmodels.he import get_profile

        if get_profile(text).keyswitch != "hybrid":
            raise DseInputError("op_profile", text, "roofline or an he profile with hybrid key switching")
    return text


_D = presets.ckks_defaults()


class MultiGpuTransformerModel(CostModel):
    """Latency, communication and per-device memory of a CKKS transformer on a GPU mesh."""

    name = "he-multigpu"
    version = "1"
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
        Param("gpu", "a100-40g", "GPU preset (default 40 GB: the AEGIS premise, 2048 tokens exceed one GPU)", choices=presets.gpu_names()),
        Param("link", "auto", "interconnect preset (auto = the GPU's)", choices=("auto",) + presets.link_names()),
        Param("memory_budget", 0.0, "per-GPU memory budget in bytes (0 = the GPU's memory)", unit="B", ge=0),
        Param("logn", _D.logn, "log2 ring degree", integer=True, ge=10, le=17),
        Param("limbs", _D.limbs, "ciphertext primes at the top level (L+1)", integer=True, ge=2, le=200),
        Param("special_limbs", _D.special_limbs, "special primes K", integer=True, ge=1, le=200),
        Param("dnum", _D.dnum, "key-switching digits", integer=True, ge=1, le=200),
        Param("user_levels", _D.user_levels, "levels after a bootstrap", integer=True, ge=1, le=200),
        Param("boot_levels", _D.boot_levels, "levels a bootstrap consumes", integer=True, ge=0, le=200),
        Param("weights", "layer", "encoded weights resident: one encoder layer at a time, or all",
              choices=("layer", "all")),
        Param("chunks", 8, "pipeline pieces per layer when overlapping", integer=True, ge=1, le=4096),
        Param("preset", "", "a costmodels.he parameter preset (e.g. lattigo-n16-h192): replaces logn, limbs, "
              "special_limbs, dnum, user_levels and boot_levels", parse=_preset),
        Param("op_profile", "roofline", "per-op costs: this model's GPU roofline, or an `he` device profile "
              "(gpu-cheddar-a100, ...) shared with the he model", parse=_op_profile),
    )
    capabilities = frozenset({"batch", "des"})
    metric_units = {"speedup": "1", "scaling_efficiency": "1", "key_switches": "1", "bootstraps": "1",
                    "mesh_token": "1", "mesh_feature": "1", "mesh_limb": "1"}
    param_units = {"memory_budget": "B"}
    example_workloads = ("bert-base:layers=2",)

    # -- fixed parameters -----------------------------------------------------------------
    def ckks(self) -> presets.CkksParams:
        if self.param("preset"):
            return presets.from_paramset(self.param("preset"))
        return presets.ckks_params(logn=self.param("logn"), limbs=self.param("limbs"),
                                   special_limbs=self.param("special_limbs"), dnum=self.param("dnum"),
                                   word_bytes=_D.word_bytes, user_levels=self.param("user_levels"),
                                   boot_levels=self.param("boot_levels"), source=_D.source)

    def gpu_profile(self) -> presets.GpuProfile:
        return presets.gpu(self.param("gpu"))

    def link_profile(self) -> presets.LinkProfile:
        key = self.param("link")
        return presets.link(self.gpu_profile().link if key == "auto" else key)

    def budget_bytes(self) -> float:
        b = self.param("memory_budget")
        return float(b) if b > 0 else self.gpu_profile().memory_bytes

    def effective_design(self, workload: Any, point: Any) -> dict[str, Any]:
        """``link=auto`` and ``memory_budget=0`` mean the GPU's: show the link and budget used."""
        out = super().effective_design(workload, point)
        out["link"] = self.link_profile().key
        out["memory_budget"] = self.budget_bytes()
        return out

    def compiled(self, workload: Any) -> Compiled:
        p, g = self.ckks(), self.gpu_profile()
        opp = self.param("op_profile")
        key = ("he-multigpu", p, g.key, opp)
        return workload.memo(key, lambda: compile_workload(workload, p, presets.constants(), g, opp))

    def resident_weight_polys(self, comp: Compiled) -> float:
        if self.param("weights") == "all":
            return float(comp.weight_polys.sum())
        per_group: dict[str, float] = {}
        for grp, w in zip(comp.groups, comp.weight_polys):
            per_group[grp] = per_group.get(grp, 0.0) + float(w)
        return max(per_group.values(), default=0.0)

    # -- evaluation -----------------------------------------------------------------------
    def _evaluate(self, workload: Any, design: Any, xp: Any) -> Any:
        p, link = self.ckks(), self.link_profile()
        comp = self.compiled(workload)
        like = design["gpus"]
        basis = basis_values(xp, comp, design["seq_len"], p.slots)
        gpus = xp.astype(design["gpus"], xp.float64)
        overlap = design.eq("overlap", "on")
        placement = design["placement"]
        kw = {"p": p, "link": link, "chunks": self.param("chunks"), "overlap": overlap,
              "budget_bytes": self.budget_bytes(), "weight_polys": self.resident_weight_polys(comp), "like": like}
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
            r = mesh_costs(xp, comp, basis, gt * one, gf * one, gl * one, **kw)
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
        assert best is not None and best_mesh is not None
        single = mesh_costs(xp, comp, basis, one, one, one, **kw)

        f = Feasibility(xp, design.n, like=like)
        f.require(best.limb_ok, f"limb partitioning needs at most as many GPUs on the limb axis as ciphertext "
                                f"limbs (limbs={p.limbs}); lower gpus or use another placement")
        f.require(best.token_ok, "token partitioning needs at least one activation ciphertext per GPU "
                                 "(ceil(seq_len * d_model_p / slots) >= gpus on the token axis)")
        f.require(best.feature_ok, "replicate (head/feature) partitioning needs gpus on the feature axis "
                                   "<= attention heads")
        f.require(best.memory_ok, f"per-device memory exceeds the memory budget ({self.budget_bytes():.3g} B): "
                                  "more GPUs, weights=layer, or a smaller seq_len")

        names, kinds = comp.names, comp.kinds
        attn = constant(xp, [k == "attention" for k in kinds], like=like)
        ffn = constant(xp, [k in ("linear", "activation") for k in kinds], like=like)
        latency = xp.sum(best.latency_s, axis=1)
        t1 = xp.sum(single.compute_s, axis=1)
        speedup = t1 / latency
        coef = lambda m: xp.sum(basis * _c(xp, m, like)[None], axis=-1)
        totals = {
            "latency_s": latency,
            "compute_s": xp.sum(best.compute_s, axis=1),
            "comm_s": xp.sum(best.comm_s, axis=1),
            "comm_bytes": xp.sum(best.comm_bytes, axis=1),
            "comm_attention_bytes": xp.sum(best.comm_bytes * attn[None, :], axis=1),
            "comm_ffn_bytes": xp.sum(best.comm_bytes * ffn[None, :], axis=1),
            "memory_bytes_per_device": best.memory_bytes,
            "memory_single_gpu_bytes": single.memory_bytes,
            "single_gpu_latency_s": t1,
            "speedup": speedup,
            "scaling_efficiency": speedup / gpus,
            "key_switches": xp.sum(coef(comp.key_switches), axis=1),
            "bootstraps": xp.sum(coef(comp.bootstraps), axis=1),
            "mesh_token": best_mesh[0], "mesh_feature": best_mesh[1], "mesh_limb": best_mesh[2],
        }
        layers = {"latency_s": best.latency_s, "compute_s": best.compute_s, "comm_s": best.comm_s,
                  "comm_bytes": best.comm_bytes}
        return self.make_metrics(totals=totals, layers=layers, layer_names=names, layer_kinds=kinds,
                                 feasibility=f)


def _c(xp: Any, a: np.ndarray, like: Any) -> Any:
    return constant(xp, a, like=like)


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
