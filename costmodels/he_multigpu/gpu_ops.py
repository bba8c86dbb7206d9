"""Per-operation CKKS latency on one GPU: a roofline over HBM traffic and modular multiplies.

For each primitive at ``limbs`` = l ciphertext primes ([MAD23] SimFHE work counts, [HanKi20] key switching):

=========  ===========================================  ==================================
op         HBM traffic (in limb-polynomials, x N*w B)   modular multiplies
=========  ===========================================  ==================================
add        6 l  (read 2 ct, write 1)                    0
pmult      5 l  (read ct + pt, write ct)                2 l N
tensor     7 l  (read 2 ct, write 3 polys)              4 l N
rescale    4 l - 2                                      2 l NTT-limbs + 2 l N
keyswitch  3 l + 4 b (l+K) + 4 (l+K)                    NTT-limbs l + b(l+K-a) + 2K + 2l,
                                                         BConv b a (l+K-a) N + 2 K l N,
                                                         inner product 2 b (l+K) N
=========  ===========================================  ==================================

with a = ceil((L+1)/dnum) limbs per digit, b = ceil(l/a) digits in use and one NTT-limb =
(N/2) log2 N multiplies. rotate = keyswitch + automorphism (4 l) + add; relin = keyswitch + add;
hmult = tensor + relin + rescale; bootstrap = ``boot_hmult_equivalents`` x hmult at the top level
([HyPHEN24] ratio). Time = max(bytes / (eta * HBM bandwidth), modmults * c / INT32 rate) +
kernels * launch latency, where eta (``hbm_efficiency``) is fitted once to a published GPU
bootstrap (``fit_hbm_efficiency``).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from .presets import CkksParams, Constants, GpuProfile

__all__ = ["OPS", "bootstrap_seconds", "fit_hbm_efficiency", "op_seconds", "op_traffic"]

OPS = ("add", "pmult", "tensor", "rescale", "keyswitch", "rotate", "relin", "hmult")

_KERNELS = {"add": 1, "pmult": 1, "tensor": 1, "rescale": 2, "keyswitch": 6, "rotate": 8, "relin": 7,
            "hmult": 10}


def op_traffic(p: CkksParams, limbs: Any) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(HBM bytes, modular multiplies) per primitive at ``limbs`` (array or int)."""
    l = np.asarray(limbs, dtype=np.float64)
    n, w, k, a = float(p.n), float(p.word_bytes), float(p.special_limbs), float(p.alpha)
    b = np.ceil(l / a)
    ntt = n / 2 * math.log2(n)
    poly = n * w
    add = (6 * l * poly, 0 * l)
    pmult = (5 * l * poly, 2 * l * n)
    tensor = (7 * l * poly, 4 * l * n)
    rescale = ((4 * l - 2) * poly, 2 * l * ntt + 2 * l * n)
    ks_bytes = (3 * l + 4 * b * (l + k) + 4 * (l + k)) * poly
    ks_mm = ((l + b * (l + k - a) + 2 * k + 2 * l) * ntt + b * a * (l + k - a) * n + 2 * k * l * n
             + 2 * b * (l + k) * n)
    keyswitch = (ks_bytes, ks_mm)
    rotate = (ks_bytes + 4 * l * poly + add[0], ks_mm)
    relin = (ks_bytes + add[0], ks_mm)
    hmult = (tensor[0] + relin[0] + rescale[0], tensor[1] + relin[1] + rescale[1])
    return {"add": add, "pmult": pmult, "tensor": tensor, "rescale": rescale, "keyswitch": keyswitch,
            "rotate": rotate, "relin": relin, "hmult": hmult}


def op_seconds(p: CkksParams, c: Constants, g: GpuProfile, limbs: Any) -> dict[str, np.ndarray]:
    """Latency (s) of each primitive on GPU ``g`` at ``limbs`` (roofline, module docstring)."""
    bw = c.hbm_efficiency * g.hbm_bytes_per_s
    mm_rate = g.int32_ops_per_s / c.int32_ops_per_modmul
    out = {}
    for op, (nbytes, mm) in op_traffic(p, limbs).items():
        out[op] = np.maximum(nbytes / bw, mm / mm_rate) + _KERNELS[op] * c.kernel_launch_s
    return out


def bootstrap_seconds(p: CkksParams, c: Constants, g: GpuProfile) -> float:
    """One bootstrap: ``boot_hmult_equivalents`` HMults at the top level [HyPHEN24]."""
    return float(c.boot_hmult_equivalents * op_seconds(p, c, g, p.limbs)["hmult"])


def fit_hbm_efficiency(p: CkksParams, c: Constants, g: GpuProfile, target_boot_s: float) -> float:
    """The ``hbm_efficiency`` at which the modelled bootstrap on ``g`` takes ``target_boot_s``.

    Bisection on eta in (0, 1]; the bootstrap time is monotone decreasing in eta.
    """
    lo, hi = 1e-3, 1.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        t = bootstrap_seconds(p, replace(c, hbm_efficiency=mid), g)
        lo, hi = (mid, hi) if t > target_boot_s else (lo, mid)
    return 0.5 * (lo + hi)
