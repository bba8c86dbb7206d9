"""Per-operation CKKS latency from NTT and base-conversion structure, with fitted device constants.

Each operation on a ciphertext with ``limbs`` = l RNS primes (special primes excluded) at ring
degree N is described by two work counts ([MAD23], after SimFHE
``poly.py``/``evaluator.py`` and SEAL ``evaluator.cpp``):

* ``B`` = NTT butterflies = (number of length-N NTTs/INTTs) x (N/2) log2 N,
* ``M`` = element-wise modular operations (products, sums, base-conversion MACs, copies),

and a device :class:`Profile` prices them per operation: ``t = theta_B B + theta_M M + theta_C``
(seconds per butterfly, per element op, per call). Key switching has two shapes:

* ``seal``: one digit per prime and one special prime (alpha = 1, K = 1, beta = l digits):
  ``l + l^2 + 2 + 2l`` NTT-limbs and ``l^2 + 2l(l+1) + 2l`` N-element ops -- quadratic in l;
* ``hybrid`` (OpenFHE/Lattigo, fixed ``dnum``): alpha = ceil((L+1)/dnum) limbs per digit,
  K = alpha special primes, beta = ceil(l/alpha) digits: ModUp ``l + beta(l+K-alpha)`` NTT-limbs and
  ``beta alpha (l+K-alpha)`` base-conversion MACs per coefficient, inner product ``2 beta (l+K)``,
  ModDown ``2K + 2l`` NTT-limbs and ``2Kl`` MACs -- linear in l for fixed dnum.

Hoisted rotations (Halevi-Shoup 2018) share the ModUp: ``r`` rotations of one input cost one
``ks_modup`` plus ``r`` ``rotate_hoisted`` (inner product, ModDown, automorphism).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dse.errors import DseInputError
from dse.xp import namespace

__all__ = [
    "FEATURE_OPS",
    "INTERNAL_OPS",
    "TRACE_OPS",
    "BootConfig",
    "Profile",
    "ciphertext_bytes",
    "keyswitch_geometry",
    "op_latency",
    "op_work",
    "plaintext_bytes",
    "switching_key_bytes",
]

#: operations an HE trace may contain (issue 4 trace format)
TRACE_OPS = ("add", "add_plain", "mul_plain", "mul", "relinearize", "rescale", "rotate", "conjugate",
             "mod_switch", "encode", "encrypt", "decrypt", "bootstrap")
#: operations priced from work counts (bootstrap is a composite, see :mod:`.bootstrap`)
FEATURE_OPS = tuple(op for op in TRACE_OPS if op != "bootstrap")
#: internal operations produced by lowering (hoisted rotation = ModUp shared by a batch)
INTERNAL_OPS = ("ks_modup", "rotate_hoisted")
_KS_OPS = ("relinearize", "rotate", "conjugate")


@dataclass(frozen=True)
class BootConfig:
    """Bootstrapping structure (CoeffToSlot -> EvalMod -> SlotToCoeff), see :mod:`.bootstrap`.

    Defaults follow the level budgets of [Lattigo] N16QP1546H192H32 (CtS + EvalMod + StC
    consume ~9-15 levels; OpenFHE level budget {3, 3}; EvalMod = degree-30 cosine + 3 double-angle
    steps, Bossuat et al. Eurocrypt'21).
    """

    cts_levels: int = 3
    stc_levels: int = 3
    evalmod_degree: int = 30
    double_angle: int = 3
    mod1_inv_degree: int = 0  # arcsine correction polynomial after the cosine (Lattigo Mod1InvDegree)
    extra_levels: int = 0     # levels a preset's chain spends that this structure does not explain
    encapsulation: bool = False  # sparse-secret encapsulation ([BTH22]): one more key switch after ModRaise

    @property
    def evalmod_depth(self) -> int:
        inv = math.ceil(math.log2(self.mod1_inv_degree + 1)) if self.mod1_inv_degree > 0 else 0
        return math.ceil(math.log2(self.evalmod_degree + 1)) + self.double_angle + inv

    @property
    def depth(self) -> int:
        return self.cts_levels + self.evalmod_depth + self.stc_levels + self.extra_levels


@dataclass(frozen=True)
class Profile:
    """Device constants: per-op ``(theta_B, theta_M, theta_C)`` in s/butterfly, s/element-op, s/call."""

    name: str
    keyswitch: str
    coeffs: Mapping[str, tuple[float, float, float]]
    boot_scale: float = 1.0
    boot: BootConfig = field(default_factory=BootConfig)
    hoisting: bool = True
    threads: int = 1
    device: str = "cpu"
    word_bytes: int = 8
    source: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        if self.keyswitch not in ("seal", "hybrid"):
            raise DseInputError(f"profile {self.name}.keyswitch", self.keyswitch, "seal or hybrid")
        missing = [op for op in FEATURE_OPS if op not in self.coeffs]
        if missing:
            raise DseInputError(f"profile {self.name}.coeffs", ",".join(missing), "a coefficient triple for every operation")

    def theta(self, op: str) -> tuple[float, float, float]:
        if op in ("ks_modup", "rotate_hoisted"):
            return self.coeffs["rotate"]
        return self.coeffs[op]


def keyswitch_geometry(limbs: Any, top_limbs: Any, dnum: Any, shape: str) -> tuple[Any, Any, Any]:
    """``(alpha, K, beta)``: limbs per digit, special primes, digits in use at ``limbs``."""
    xp = namespace(limbs, top_limbs, dnum)
    one = xp.ones_like(limbs)
    if shape == "seal":
        return one, one, limbs
    alpha = xp.ceil(top_limbs / xp.maximum(dnum * one, one))
    return alpha, alpha, xp.ceil(limbs / alpha)


def _keyswitch_work(n: Any, logn: Any, l: Any, alpha: Any, k: Any, beta: Any) -> tuple[Any, Any, Any, Any]:
    """(B_modup, M_modup, B_tail, M_tail) of one key switch at ``l`` limbs ([MAD23] work counts, [HanKi20])."""
    half = n / 2.0 * logn
    b_up = half * (l + beta * (l + k - alpha))
    m_up = n * beta * alpha * (l + k - alpha)
    b_tail = half * (2.0 * k + 2.0 * l)
    m_tail = n * (2.0 * beta * (l + k) + 2.0 * k * l)
    return b_up, m_up, b_tail, m_tail


def op_work(op: str, n: Any, limbs: Any, *, alpha: Any = 1.0, k: Any = 1.0, beta: Any = None) -> tuple[Any, Any]:
    """Work counts ``(B, M)`` of one ``op`` at ring degree ``n`` on ``limbs`` limbs (arrays broadcast)."""
    xp = namespace(n, limbs)
    l = limbs
    logn = xp.log2(n)
    half = n / 2.0 * logn
    zero = xp.zeros_like(l * n)
    beta = l if beta is None else beta
    if op == "add":
        return zero, 2.0 * l * n
    if op in ("add_plain", "decrypt"):
        return zero, (1.0 if op == "add_plain" else 2.0) * l * n
    if op == "mul_plain":
        return zero, 2.0 * l * n
    if op == "mul":
        return zero, 4.0 * l * n
    if op == "rescale":
        return half * 2.0 * l, 2.0 * l * n
    if op == "mod_switch":
        return zero, 2.0 * l * n
    if op == "encode":  # complex FFT (~ one NTT-limb) + l NTTs + l reductions
        return half * (l + 1.0), l * n
    if op == "encrypt":  # SEAL encrypts zero one level up (l+1 limbs: NTT of u, e0, e1, pk
        # product, error adds), then drops a limb (INTT + NTT per poly), then adds the plaintext
        return half * 5.0 * (l + 1.0), 7.0 * (l + 1.0) * n
    b_up, m_up, b_tail, m_tail = _keyswitch_work(n, logn, l, alpha, k, beta)
    if op == "ks_modup":
        return b_up, m_up
    if op == "rotate_hoisted":
        return b_tail, m_tail + 2.0 * l * n
    if op in _KS_OPS:  # + 2ln: add back (relin) or automorphism permutation (rotate/conjugate)
        return b_up + b_tail, m_up + m_tail + 2.0 * l * n
    raise DseInputError("op", op, "one of " + ", ".join(FEATURE_OPS + INTERNAL_OPS))


def op_latency(profile: Profile, op: str, n: Any, limbs: Any, *, top_limbs: Any = None, dnum: Any = 1.0) -> Any:
    """Latency in seconds of one ``op`` (vectorised over ``n``, ``limbs``, ``top_limbs``, ``dnum``).

    ``top_limbs`` (L+1) sets the hybrid digit size; it defaults to ``limbs``. Internal ops
    ``ks_modup`` / ``rotate_hoisted`` fall back to a plain rotation / zero on profiles without
    hoisting (SEAL has no hoisted rotations).
    """
    xp = namespace(n, limbs)
    top = limbs if top_limbs is None else top_limbs
    alpha, k, beta = keyswitch_geometry(limbs, top, dnum, profile.keyswitch)
    if not profile.hoisting and op in INTERNAL_OPS:
        if op == "ks_modup":
            return xp.zeros_like(limbs * n)
        op = "rotate"
    b, m = op_work(op, n, limbs, alpha=alpha, k=k, beta=beta)
    tb, tm, tc = profile.theta(op)
    call = 0.0 if op == "ks_modup" else tc
    return tb * b + tm * m + call


def ciphertext_bytes(n: Any, limbs: Any, word_bytes: int = 8) -> Any:
    """A fresh (size-2) ciphertext: 2 polynomials x limbs x N words [CKKS17]."""
    return 2.0 * limbs * n * word_bytes


def plaintext_bytes(n: Any, limbs: Any, word_bytes: int = 8) -> Any:
    """A plaintext in evaluation form: limbs x N words."""
    return limbs * n * word_bytes


def switching_key_bytes(n: Any, top_limbs: Any, dnum: Any, shape: str, word_bytes: int = 8,
                        k_special: Any = None) -> Any:
    """One relinearisation or rotation key: beta_top x 2 x (L+1+K) x N words [HanKi20].

    ``k_special`` overrides K (a chain whose P primes are not alpha = ceil((L+1)/dnum) of them,
    e.g. Lattigo's presets or he-multigpu's ``special_limbs``); beta_top stays ceil((L+1)/alpha).
    """
    _, k, beta = keyswitch_geometry(top_limbs, top_limbs, dnum, shape)
    if k_special is not None:
        k = k_special
    return beta * 2.0 * (top_limbs + k) * n * word_bytes
