"""CryptGPU's own 3-party protocols [CryptGPU21], counted from its code (``cryptgpu`` profile).

CryptGPU (``jeffreysijuntan/CryptGPU``, ``crypten/mpc/primitives/``) keeps values as 3-out-of-3
additive shares over ``Z_2^64`` and makes them replicated on demand: ``replicate_shares`` sends each
party's 8-byte share to its neighbour (3 words in all, one round). From the code:

* batch norm: two private products (:meth:`CryptGPU.op_cost`).
* private product / conv (``resharing.__replicated_secret_sharing_protocol``): replicate both
  operands that are not yet replicated (model weights are, once: ``model.replicate_parameters()``
  in ``scripts/benchmark.py``), 3 local products, then ``resharing.truncation`` of the output
  (``arithmetic._arithmetic_function``), which is one more replicate; a public operand skips the
  replicate. Average pooling divides by a public integer = a public product = one truncation.
* ReLU (``mpc.relu``): ``mixed_mul(x, get_msb(x) ^ 1)``.
  ``get_msb`` = ``_A2B`` (one replicate of ``x``) then ``circuit.extract_msb``: the 64-bit word as
  8 blocks of 8 bits, an 8-step ripple over both carry-in guesses (each step one ``AND_gate`` on
  ``2 x 8`` bits per element), an 8-step select (two ``AND_gate`` on 1 bit each) and the sign bit
  (two ``AND_gate``). ``AND_gate`` replicates both operands as packed bits, one wait each: 2 rounds,
  ``3 x 2 x bits / 8`` bytes. ``mixed_mul``: a replicate of the bit share (an int64 tensor), the
  3-party OT (sender 2 words to the receiver and 2 to the helper, helper 1 word to the receiver:
  2 rounds), ``a *= scale`` (a public product: one truncation), then ``x * a`` (replicate ``x`` and
  ``a``, truncation).
  Per element: 24 + 96 + 12 + 1.5 B (A2B) + 24 + 40 + 24 + 48 + 24 B (mixed_mul) = 293.5 B in
  1 + 16 + 32 + 4 + 1 + 2 + 1 + 2 + 1 = 60 rounds.

Rounds are the code's sequential waits (its two replicates of an ``AND_gate`` are awaited one after
the other). Local compute: :class:`~costmodels.mpc.protocols.Rep3`'s (``device`` = CPU proxy or a
GPU roofline of :mod:`costmodels.mpc.gpu`), words = bytes sent / 8.
"""

from __future__ import annotations

import math

from .protocols import Cost, Rep3

__all__ = ["CryptGPU", "and_gate", "relu_cost", "replicate", "replicate_bits"]

PARTIES = 3
WORD = 8.0


def replicate(k: float) -> tuple[float, float]:
    """(bytes, rounds) of ``replicate_shares`` on ``k`` ring elements."""
    return (PARTIES * WORD * k, 1.0) if k else (0.0, 0.0)


def replicate_bits(bits: float) -> tuple[float, float]:
    """(bytes, rounds) of ``replicate_shares_bit`` on ``bits`` packed bits."""
    return (PARTIES * bits / 8.0, 1.0) if bits else (0.0, 0.0)


def and_gate(bits: float) -> tuple[float, float]:
    """(bytes, rounds) of ``AND_gate``: both operands replicated, one after the other."""
    b, r = replicate_bits(bits)
    return 2 * b, 2 * r


def _seq(*parts: tuple[float, float]) -> tuple[float, float]:
    return sum(p[0] for p in parts), sum(p[1] for p in parts)


def relu_cost(k: float) -> tuple[float, float]:
    """(bytes, rounds) of ``k`` CryptGPU ReLUs (module doc)."""
    if not k:
        return 0.0, 0.0
    ripple = _seq(*[and_gate(2 * 8 * k)] * 8)
    select = _seq(*[and_gate(k)] * 16)
    sign = _seq(*[and_gate(k)] * 2)
    a2b = _seq(replicate(k), ripple, select, sign)
    ot = ((2 + 2 + 1) * WORD * k, 2.0)  # sender -> receiver, helper (2 words each); helper -> receiver
    mixed = _seq(replicate(k), ot, replicate(k), replicate(k), replicate(k), replicate(k))
    return _seq(a2b, mixed)


class CryptGPU(Rep3):
    """CryptGPU's protocols (3 parties, replicated on demand over Z_2^64), bytes and rounds from its
    code (module doc); local compute as :class:`Rep3` on ``device``."""

    name = "cryptgpu"

    def _bytes(self, nbytes: float, rounds: float) -> Cost:
        return Cost(nbytes, 0.0, rounds, nbytes / self.wb * self.t_word)

    def trunc(self, k: float) -> Cost:
        return self._bytes(*replicate(k))

    def mult(self, k: float) -> Cost:
        """Replicate both operands and multiply (no truncation)."""
        return self._bytes(*_seq(replicate(k), replicate(k)))

    def linear(self, x, w, y, macs, operand, *, n, shared):
        secret = shared or operand == "secret"
        local = self._local(macs, secret)
        if operand == "secret":  # both operands fresh activations: replicate both
            return local + self._bytes(*_seq(replicate(x), replicate(w))) + self.trunc(y)
        if shared:  # weights replicated once at model load: replicate the input only
            return local + self._bytes(*replicate(x)) + self.trunc(y)
        return local + self.trunc(y)

    def op_cost(self, op, n: int, shared: bool) -> Cost:
        """Batch norm (``batchnorm=separate``) as CryptGPU evaluates it on encrypted parameters
        (``gradients.AutogradBatchNorm``): ``((x - mean) * inv_var) * weight + bias``, two private
        products; each replicates the activation and the per-channel factor (a buffer, or a
        reshaped parameter, neither pre-replicated) and truncates. Public parameters: two
        truncated public products."""
        if op.name == "linear" and op.geom[:1] == ("bn",):
            k, channels = op.args[0], op.args[1] / 2
            if not shared:
                return self.trunc(k) + self.trunc(k)
            one = self._bytes(*_seq(replicate(k), replicate(channels), replicate(k)))
            return one + one
        return super().op_cost(op, n, shared)

    def relu(self, k, *, n, shared):
        return self._bytes(*relu_cost(k))

    def poly(self, k, degree, *, n, shared):
        """Degree 2: ``resharing.square`` (one replicate, a truncation); higher degrees by a product
        tree (``degree - 1`` private products of fresh operands, each truncated). Then one truncated
        public product per coefficient, side by side (one round)."""
        if not k:
            return Cost()
        coeffs = self._bytes(degree * replicate(k)[0], 1.0)
        if degree <= 1:
            return coeffs
        if degree == 2:
            return self._bytes(*_seq(replicate(k), replicate(k))) + coeffs
        depth = math.ceil(math.log2(degree))
        m = self.mult(k * (degree - 1)) + self.trunc(k * (degree - 1))
        return Cost(m.online_bytes, 0.0, 3 * depth, m.compute_s) + coeffs

    # maxpool, avgpool and mul are Rep3's: they call this class's relu, mult and trunc
