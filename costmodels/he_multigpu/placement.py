"""Placement of an encrypted transformer on a G = G_t x G_f x G_l mesh of GPUs.

Three partition axes, each a single-dimension placement when it takes all G devices:

* **token** (G_t, ciphertext partitioning): each device owns ceil(C/G_t) of the activation
  ciphertexts with all their limbs, so key switches are local; plaintext weights and switching
  keys are replicated; attention all-gathers K and V (application-level aggregation).
* **feature** (G_f, the ``replicate`` placement, Megatron-style head/feature parallelism): the
  residual stream is *replicated* on every device; heads and FFN columns are split; one ring
  all-reduce of the stream after the attention output projection and after every row-parallel
  linear (dout <= din).
* **limb** (G_l, RNS partitioning): each device owns ceil(l/G_l) limbs of every ciphertext,
  plaintext and key; element-wise ops and NTTs are local, but every key switch all-gathers its
  input polynomial (l limbs) for ModUp and the 2K special limbs for ModDown, and every rescale
  broadcasts the dropped limb (key switching [HanKi20]; the all-gather per key switch is derived).

The AEGIS-style **hybrid** picks the mesh with the lowest latency that fits in memory: token
groups keep modulus-coherent (all limbs) and token-coherent data together, and limbs or features
are split only as far as memory requires ([AEGIS26, abstract]).

Per device and layer, with B = N * word_bytes bytes per limb-polynomial:

* compute  = t * f / G (feature-split layers) or t * f / (G_t G_l) (replicated stream), t = the
  ``he`` model's single-GPU seconds of the layer, f = load-imbalance factors ceil(C/G_t) G_t / C,
  ceil(l/G_l) G_l / l, ceil(H/G_f) G_f / H (C = input ciphertexts, l = entry limbs, H = heads);
* limb all-gather bytes = B ks_units / (G_t G_f or G_t) (G_l - 1) / G_l,
  ks_units = sum over key switches of (l + 2K) + 2 per rescale (+ each bootstrap's key switches);
* K/V all-gather bytes  = B kv_units (G_t - 1) / G_t / (G_f G_l);
* all-reduce bytes      = B ar_units 2 (G_f - 1) / G_f / (G_t G_l)  (ring all-reduce);
* comm time = bytes / min(link, fabric / G) + steps * link latency;
* latency = compute + comm (``overlap`` off) or max(compute, comm) + min(compute, comm) / chunks
  (a two-stage pipeline of ``chunks`` equal pieces; the SimPy twin runs the same pipeline).

``comm_bytes`` totals bytes received summed over all devices (G x per-device bytes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dse.xp import constant

from .presets import LinkProfile

__all__ = ["MeshResult", "mesh_candidates", "mesh_costs"]


@dataclass
class MeshResult:
    """Per-layer ``(N, L)`` and per-point ``(N,)`` arrays of one mesh choice."""

    compute_s: Any
    comm_s: Any
    comm_bytes: Any          # per layer, summed over devices
    latency_s: Any
    memory_bytes: Any        # (N,) per device
    limb_ok: Any
    token_ok: Any
    feature_ok: Any
    memory_ok: Any

    @property
    def feasible(self) -> Any:
        return self.limb_ok & self.token_ok & self.feature_ok & self.memory_ok


def mesh_candidates(max_gpus: int) -> list[tuple[int, int, int]]:
    """Every (G_t, G_f, G_l) of powers of two with product <= ``max_gpus``."""
    out = []
    k = max_gpus.bit_length() - 1
    for a in range(k + 1):
        for b in range(k + 1 - a):
            for c in range(k + 1 - a - b):
                out.append((1 << a, 1 << b, 1 << c))
    return out


def mesh_costs(xp: Any, arr: dict[str, Any], gt: Any, gf: Any, gl: Any, *, poly_bytes: float, top_limbs: float,
               link: LinkProfile, chunks: int, overlap: Any, budget_bytes: float, all_weights: bool,
               like: Any) -> MeshResult:
    """Costs of the mesh ``(gt, gf, gl)`` (float arrays ``(N,)``) for every design point.

    ``arr`` holds the per-point per-layer arrays ``(N, L)`` of :class:`.lowering.Compiled`
    (gathered by sequence length) and ``key_bytes`` ``(N,)``.
    """
    gt2, gf2, gl2 = gt[:, None], gf[:, None], gl[:, None]
    g2 = gt2 * gf2 * gl2
    split = arr["split"]
    rep = 1.0 - split
    cin = xp.maximum(arr["cts_in"], 1.0)
    f_tok = xp.ceil(cin / gt2) * gt2 / cin
    minl = xp.maximum(arr["entry_limbs"], 1.0)
    f_limb = xp.ceil(minl / gl2) * gl2 / minl
    heads = xp.maximum(arr["heads"], 1.0)
    is_attn = arr["attention"]
    f_feat = 1.0 + is_attn * (xp.ceil(heads / gf2) * gf2 / heads - 1.0)
    share = split * f_feat / g2 + rep / (gt2 * gl2)
    compute = arr["seconds"] * share * f_tok * f_limb

    spread = split / (gt2 * gf2) + rep / gt2
    limb_b = poly_bytes * arr["ks_units"] * spread * (gl2 - 1) / gl2
    limb_steps = arr["steps"] * spread * (gl2 - 1)
    kv_b = poly_bytes * arr["kv_units"] * (gt2 - 1) / gt2 / (gf2 * gl2)
    kv_steps = (arr["kv_units"] > 0) * 2 * (gt2 - 1)
    ar_b = poly_bytes * arr["ar_units"] * 2 * (gf2 - 1) / gf2 / (gt2 * gl2)
    ar_steps = arr["ar_count"] * 2 * (gf2 - 1)
    dev_bytes = limb_b + kv_b + ar_b
    cst = lambda v: constant(xp, v, like=like)
    bw = xp.minimum(cst(link.bytes_per_s), cst(link.fabric_bytes_per_s) / g2)
    comm = dev_bytes / bw + (limb_steps + kv_steps + ar_steps) * link.latency_s

    k = float(chunks)
    piped = xp.maximum(compute, comm) + xp.minimum(compute, comm) / k
    latency = xp.where(overlap[:, None], piped, compute + comm)

    w_share = split / (gf2 * gl2) + rep / gl2
    act = (arr["ct_bytes"] * (split / g2 + rep / (gt2 * gl2)) + arr["pt_bytes"] * w_share
           + poly_bytes * arr["kv_units"] * (1.0 - 1.0 / gt2) / (gf2 * gl2))
    weights = xp.sum(arr["pt_bytes"] * w_share, axis=1) if all_weights else 0.0
    memory = arr["key_bytes"] / gl + weights + xp.max(act, axis=1)

    big = cst(1e30) + 0 * cin
    cin_min = xp.min(xp.where(arr["scales"] > 0, cin, big), axis=1)
    h_min = xp.min(xp.where(is_attn > 0, heads, big), axis=1)
    return MeshResult(
        compute_s=compute, comm_s=comm, comm_bytes=dev_bytes * g2, latency_s=latency,
        memory_bytes=memory,
        limb_ok=gl <= top_limbs,
        token_ok=gt <= cin_min,
        feature_ok=gf <= h_min,
        memory_ok=memory <= budget_bytes,
    )
