"""Protocol profiles: what each MPC operation costs (online/offline bytes, rounds, local compute).

A profile prices the operations of :mod:`costmodels.mpc.lowering` for ``n`` parties and a weight
placement (``shared``: the model owner's weights are secret-shared; ``public``: known to the
computing party). Bytes are the total sent by all parties; rounds are sequential message
exchanges of one layer (each costs one RTT); compute is local time on one party.

Profiles here: ``crypten`` (additive sharing, n parties; exact CrypTen 0.4.1 counters, see
:mod:`costmodels.mpc.crypten_ops`), ``shamir`` (semi-honest Shamir, MP-SPDZ ``Compiler/cost.py``
model; ReLU by bit decomposition) and ``ssnet`` (Shamir with SSNet-style masking for the
non-linear operations). Two-party HE/OT profiles live in :mod:`costmodels.mpc.protocols_2pc`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import crypten_ops as cx
from .lowering import Op
from .presets import constant

__all__ = ["NONLINEAR_RELU_RATIO", "Cost", "CrypTen", "Protocol", "Rep3", "SSNet", "Shamir"]


@dataclass(frozen=True)
class Cost:
    """Cost of one operation or layer: bytes (all parties), rounds, local compute seconds."""

    online_bytes: float = 0.0
    offline_bytes: float = 0.0
    rounds: float = 0.0
    compute_s: float = 0.0

    def __add__(self, o: Cost) -> Cost:
        return Cost(self.online_bytes + o.online_bytes, self.offline_bytes + o.offline_bytes,
                    self.rounds + o.rounds, self.compute_s + o.compute_s)

    def scale(self, f: float, rounds: bool = False) -> Cost:
        """Bytes and compute times ``f`` (rounds too when ``rounds``)."""
        return Cost(self.online_bytes * f, self.offline_bytes * f,
                    self.rounds * (f if rounds else 1), self.compute_s * f)

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.online_bytes, self.offline_bytes, self.rounds, self.compute_s)


ZERO = Cost()

#: CrypTen 2PC measured cost of non-linear pieces relative to a ReLU (bytes, calls), [CrypTen21; crypten 0.4.1, measured]:
#: exp 128 B / 8 calls, reciprocal 1568 / 47, sigmoid 752 / 23 against ReLU 464 / 9; inverse
#: square root (``inv_sqrt``, 512 elements, 2026-12-06) 384 B / 18 calls. Used by profiles without
#: their own numbers for transformer pieces (an assumption for those other than CrypTen).
NONLINEAR_RELU_RATIO = {
    "exp": (128 / 464, 8 / 9), "recip": (1568 / 464, 47 / 9), "sigmoid": (752 / 464, 23 / 9),
    "rsqrt": (384 / 464, 18 / 9),
}


class Protocol:
    """Base profile. Subclasses implement the operation methods below."""

    name = ""
    min_parties = 2
    max_parties: int | None = None
    shared_weights = True  #: can evaluate secret-shared model weights
    #: moves a linear layer's truncation into the following ReLU (``relu_trunc``); see
    #: :func:`costmodels.mpc.lowering.fused_truncation`
    fuses_truncation = False

    def feasible(self, parties: int, weights: str) -> str:
        """Empty when (parties, weights) is supported, else the reason."""
        if parties < self.min_parties:
            return f"{self.name} needs parties >= {self.min_parties}"
        if self.max_parties is not None and parties > self.max_parties:
            return f"{self.name} is a {self.max_parties}-party protocol (parties must be {self.max_parties})"
        if weights == "shared" and not self.shared_weights:
            return f"{self.name}: the server holds the weights in the clear (weights=public only)"
        return ""

    def op_cost(self, op: Op, n: int, shared: bool) -> Cost:
        return getattr(self, op.name)(*op.args, n=n, shared=shared)

    def replacement(self, k: float, degree: int, n: int, shared: bool) -> Cost:
        """Cost of replacing ``k`` ReLUs by a polynomial of ``degree`` (public coefficients)."""
        return self.poly(k, degree, n=n, shared=shared)

    # -- composite pieces with a generic default (ReLU-equivalents) ---------------------------
    def _like_relu(self, k: float, piece: str, n: int) -> Cost:
        b, r = NONLINEAR_RELU_RATIO[piece]
        base = self.relu(k, n=n, shared=False)
        return Cost(base.online_bytes * b, base.offline_bytes * b, math.ceil(base.rounds * r),
                    base.compute_s * b)

    def nonlin(self, k: float, fn: str, *, n: int, shared: bool) -> Cost:
        if fn in ("sigmoid",):
            return self._like_relu(k, "sigmoid", n)
        if fn == "tanh":  # tanh(x) = 2 sigmoid(2x) - 1
            return self._like_relu(k, "sigmoid", n)
        if fn in ("gelu", "silu", "hardswish"):  # x * sigmoid(a x)
            return self._like_relu(k, "sigmoid", n) + self.mul(k, n=n, shared=shared)
        raise NotImplementedError(f"{self.name}: activation {fn}")

    def softmax(self, rows: float, width: int, *, n: int, shared: bool) -> Cost:
        """max (as a max-pool over the row), exp, one reciprocal per row, a product."""
        return (self.maxpool(rows, width, n=n, shared=shared) + self._like_relu(rows * width, "exp", n)
                + self._like_relu(rows, "recip", n) + self.mul(rows * width, n=n, shared=shared))

    def layernorm(self, rows: float, width: int, *, n: int, shared: bool) -> Cost:
        """mean (public scale), variance (square), 1/sqrt per row (CrypTen's ``inv_sqrt``), product."""
        return (self.avgpool(rows, n=n, shared=shared) + self.mul(rows * width, n=n, shared=shared)
                + self._like_relu(rows, "rsqrt", n) + self.mul(rows * width, n=n, shared=shared))


class CrypTen(Protocol):
    """CrypTen 0.4.1, additive sharing over Z_2^64, trusted-first-party triples (no offline
    traffic), ``n >= 2`` parties. Bytes and rounds are CrypTen's own counters
    (:mod:`costmodels.mpc.crypten_ops`); compute from constants measured on this VM."""

    name = "crypten"

    def __init__(self) -> None:
        self.t_mac = constant("crypten", "compute_s_per_mac")
        self.t_mac_public = constant("crypten", "compute_s_per_mac_public")
        self.t_word = constant("crypten", "compute_s_per_word")

    def _cost(self, c: cx.Counter, macs: float = 0.0, t_mac: float = 0.0) -> Cost:
        return Cost(c.wire_bytes, 0.0, c.calls, c.rank0_words * self.t_word + macs * t_mac)

    def counter(self, op: Op, n: int, shared: bool) -> cx.Counter:
        """CrypTen's counters for one operation (used by the cross-check)."""
        a = op.args
        if op.name == "linear":
            x, w, y, _macs, operand = a
            return cx.linear(x, w, y, n, shared_weights=shared or operand == "secret")
        if op.name == "relu":
            return cx.relu(a[0], n)
        if op.name == "poly":
            return cx.poly(a[0], a[1], n)
        if op.name == "maxpool":
            return cx.maxpool(a[0], a[1], n)
        if op.name == "avgpool":
            return cx.avgpool(a[0], n)
        if op.name == "mul":
            return cx.mul_scaled(a[0], a[0], a[0], n)
        raise NotImplementedError(op.name)

    def linear(self, x, w, y, macs, operand, *, n, shared):
        secret = shared or operand == "secret"
        c = cx.linear(x, w, y, n, shared_weights=secret)
        return self._cost(c, macs, self.t_mac if secret else self.t_mac_public)

    def relu(self, k, *, n, shared):
        return self._cost(cx.relu(k, n))

    def poly(self, k, degree, *, n, shared):
        return self._cost(cx.poly(k, degree, n))

    def maxpool(self, outputs, window, *, n, shared):
        return self._cost(cx.maxpool(outputs, window, n))

    def avgpool(self, outputs, *, n, shared):
        return self._cost(cx.avgpool(outputs, n))

    def mul(self, k, *, n, shared):
        return self._cost(cx.mul_scaled(k, k, k, n))

    def layernorm(self, rows, width, *, n, shared):
        """As CrypTen computes it: mean (public scale), ``square`` of the centred values,
        ``inv_sqrt`` per row (measured ratio to a ReLU), the product with the per-row factor
        broadcast (Beaver opening of ``rows * width + rows`` words)."""
        k = rows * width
        return (self.avgpool(rows, n=n, shared=shared) + self._cost(cx.square(k, n))
                + self._like_relu(rows, "rsqrt", n) + self._cost(cx.mul_scaled(k, rows, k, n)))


class Shamir(Protocol):
    """Semi-honest Shamir sharing over a 128-bit field, ``n >= 3`` parties (threshold
    ``t = n // 2``), costed with MP-SPDZ's compile-time model (``Compiler/cost.py``):
    multiplication ``n(n-1)/2`` elements, opening ``3(n-1)//2``, a random bit offline
    ``t * n(n-1)/2 + (t+1) * (n//2)``. ReLU (``ml.relu``) = 56 multiplications + 1 opening online
    and 72 random bits offline; a fixed-point truncation = 1 opening online, 87 bits offline
    (both fitted exactly to ``compile.py -E shamir`` at n=3 and n=5, [MPSPDZ20; compile.py -E])."""

    name = "shamir"
    min_parties = 3

    def __init__(self) -> None:
        self.eb = constant("shamir", "field_bytes")
        self.t_word = constant("shamir", "compute_s_per_word")
        self.t_mac = constant("crypten", "compute_s_per_mac_public")

    @staticmethod
    def mult_elems(n: int) -> float:
        return n * (n - 1) / 2

    @staticmethod
    def reveal_elems(n: int) -> float:
        return 3 * (n - 1) // 2

    @staticmethod
    def bit_elems(n: int) -> float:
        t = n // 2
        return t * n * (n - 1) / 2 + (t + 1) * (n // 2)

    @staticmethod
    def random_elems(n: int) -> float:
        return n * (n // 2) / ((n + 2) // 2)

    def _elems(self, online: float, offline: float, rounds: float) -> Cost:
        """Field elements -> bytes; local work proportional to the elements sent (proxy)."""
        return Cost(online * self.eb, offline * self.eb, rounds, online * self.t_word)

    def trunc(self, k: float, n: int) -> Cost:
        return self._elems(k * self.reveal_elems(n), k * constant("shamir", "mulfix_bits") * self.bit_elems(n), 1)

    def mult(self, k: float, n: int) -> Cost:
        return self._elems(k * self.mult_elems(n), 0.0, 1)

    def linear(self, x, w, y, macs, operand, *, n, shared):
        local = Cost(compute_s=macs * self.t_mac)
        if shared or operand == "secret":  # cheap dot product: one degree reduction per output
            return local + self.mult(y, n) + self.trunc(y, n)
        return local + self.trunc(y, n)

    def relu(self, k, *, n, shared):
        c = constant
        online = k * (c("shamir", "relu_mults") * self.mult_elems(n)
                      + c("shamir", "relu_reveals") * self.reveal_elems(n))
        offline = k * c("shamir", "relu_bits") * self.bit_elems(n)
        return self._elems(online, offline, c("shamir", "relu_rounds"))

    def poly(self, k, degree, *, n, shared):
        """Powers by a product tree (``degree - 1`` products, each truncated), then one
        truncation of the public-coefficient combination."""
        total = self.trunc(k, n)
        prods = max(degree - 1, 0)
        if prods:
            depth = math.ceil(math.log2(degree))
            m = self.mult(k * prods, n) + self.trunc(k * prods, n)
            total = total + Cost(m.online_bytes, m.offline_bytes, 2 * depth, m.compute_s)
        return total

    def maxpool(self, outputs, window, *, n, shared):
        """``window - 1`` comparisons per output (ReLU-priced) in ``ceil(log2 window)`` levels."""
        per = self.relu(outputs * (window - 1), n=n, shared=shared)
        return Cost(per.online_bytes, per.offline_bytes, per.rounds * math.ceil(math.log2(window)),
                    per.compute_s)

    def avgpool(self, outputs, *, n, shared):
        return self.trunc(outputs, n)

    def mul(self, k, *, n, shared):
        return self.mult(k, n) + self.trunc(k, n)


class SSNet(Shamir):
    """Shamir sharing with SSNet-style masking [SSNet24] for the
    non-linear operations. SSNet has no public code, so the masking protocol is an assumption:
    ``sign(x) = sign(x * r)`` for a pre-shared random ``r > 0`` costs one degree reduction and one
    opening online and one random element offline; truncation by masking costs one opening online
    and two random elements offline. Linear layers as in :class:`Shamir`."""

    name = "ssnet"

    def trunc(self, k: float, n: int) -> Cost:
        return self._elems(k * self.reveal_elems(n), k * 2 * self.random_elems(n), 1)

    def relu(self, k, *, n, shared):
        online = k * (self.mult_elems(n) + self.reveal_elems(n))
        return self._elems(online, k * self.random_elems(n), constant("ssnet", "relu_rounds"))


class Rep3(Protocol):
    """Three-party replicated secret sharing over Z_2^64, semi-honest, honest majority (the
    Falcon/CryptGPU setting), costed with MP-SPDZ's compile-time model for ``ring``
    ([MPSPDZ20, code Compiler/cost.py]): a multiplication or a dot product reshares 3 ring
    elements (one per party), a probabilistic truncation costs 4, an opening 3; no offline phase.
    ReLU: MP-SPDZ's ``ml.relu`` under ``compile.py -E ring``, 91 B online and 8 VM rounds per
    element ([MPSPDZ20; compile.py -E ring]). A public linear map is local on replicated shares."""

    name = "rep3"
    min_parties = 3
    max_parties = 3

    def __init__(self, device: str = "cpu") -> None:
        """``device``: ``cpu`` (CrypTen's measured per-word and per-MAC CPU times as a proxy) or a
        GPU of :mod:`costmodels.mpc.gpu` (CryptGPU-style fp64 block products, datasheet rates)."""
        from .gpu import CPU, gpu_profile

        self.wb = constant("rep3", "word_bytes")
        self.gpu = None if device == CPU else gpu_profile(device)
        self.t_word = constant("shamir", "compute_s_per_word") if self.gpu is None else self.gpu.word_s
        self.t_mac = constant("crypten", "compute_s_per_mac_public")

    def _local(self, macs: float, shared: bool) -> Cost:
        if self.gpu is None:
            return Cost(compute_s=macs * self.t_mac)
        return Cost(compute_s=self.gpu.linear_s(macs, shared))

    def _words(self, k: float, words: float, rounds: float) -> Cost:
        return Cost(k * words * self.wb, 0.0, rounds if k else 0, k * words * self.t_word)

    def trunc(self, k: float) -> Cost:
        return self._words(k, constant("rep3", "trunc_words"), 1)

    def mult(self, k: float) -> Cost:
        return self._words(k, constant("rep3", "mult_words"), 1)

    def linear(self, x, w, y, macs, operand, *, n, shared):
        secret = shared or operand == "secret"
        local = self._local(macs, secret)
        if secret:  # cheap dot product: one reshare per output
            return local + self.mult(y) + self.trunc(y)
        return local + self.trunc(y)

    def relu(self, k, *, n, shared):
        return Cost(k * constant("rep3", "relu_bytes"), 0.0, constant("rep3", "relu_rounds") if k else 0,
                    k * constant("rep3", "relu_bytes") / self.wb * self.t_word)

    def poly(self, k, degree, *, n, shared):
        total = self.trunc(k)
        prods = max(degree - 1, 0)
        if prods:
            m = self.mult(k * prods) + self.trunc(k * prods)
            total = total + Cost(m.online_bytes, 0.0, 2 * math.ceil(math.log2(degree)), m.compute_s)
        return total

    def maxpool(self, outputs, window, *, n, shared):
        per = self.relu(outputs * (window - 1), n=n, shared=shared)
        return Cost(per.online_bytes, 0.0, per.rounds * math.ceil(math.log2(window)), per.compute_s)

    def avgpool(self, outputs, *, n, shared):
        return self.trunc(outputs)

    def mul(self, k, *, n, shared):
        return self.mult(k) + self.trunc(k)
