"""Two-party non-linear building blocks priced from their protocol structure (bits and round trips).

Every block is a count of oblivious transfers (OT) of a stated kind and message length, plus bits
opened in the clear; the bytes follow from what each OT extension sends per OT:

* ``iknp`` (CrypTFlow2/SCI, [IKNP03]; [KK13] for 1-of-N): a 1-of-2 OT costs the receiver ``lambda =
  128`` bits (its column of the extension matrix) and the sender its masked messages; SCI's
  1-of-N KK13 OT sends a 256-bit codeword per OT (SCI ``OT/split-kkot.h``: ``lambda = 256``) plus
  ``N`` masked messages. All of it runs online (SCI has no offline phase).
* ``ferret`` (Cheetah, silent OT from VOLE/LPN, [Ferret20]): a random correlated OT costs
  ``eps`` bits amortised; a chosen choice adds one correction bit; a 1-of-N OT is ``log2 N``
  chosen-choice random OTs plus ``N`` masked messages (OpenCheetah ``OT/ferret/silent_ot.h``,
  ``send_ot_cm_cc``). ``eps = 1.37`` bits: Silver's abstract puts Ferret at ~14x Silver's 122 KB
  per 10^7 random OTs, i.e. 1.37 bit/OT including its one-time setup ([Silver21, abstract],
  derived); IKNP at ~1300x, i.e. 127 bit/OT, agrees with ``lambda``.

Blocks (structure read in OpenCheetah/EzPC ``SCI/src``: ``Millionaire/millionaire.h``,
``Millionaire/bit-triple-generator.h``, ``BuildingBlocks/aux-protocols.cpp``,
``BuildingBlocks/truncation.cpp``, ``truncation-cheetah.cpp``):

* millionaire on ``m`` bits, radix ``beta = 4``: ``q = ceil(m / 4)`` leaf 1-of-16 OTs with 2-bit
  messages (comparison and equality bit), then an AND tree of ``2q - 2 - ceil(log2 q)`` bit
  triples (SCI: correlated pairs from 1-of-8 KK13 OTs and standard pairs from 1-of-16 OTs;
  Cheetah: one triple from 2 random OTs), each AND opening 4 bits (both parties send e and f);
* ``mux`` (ReLU's select): two correlated OTs with ``l``-bit messages, one in each direction;
* ``B2A`` of one bit to ``l`` bits: one correlated OT with an ``l``-bit message;
* look-up table 1-of-``N``: one 1-of-N OT;
* truncation by ``s`` bits: SCI faithful (wrap of the low ``s`` bits by a millionaire, a
  millionaire-with-equality on the high ``l - s`` bits, an AND, two B2A); SCI with the MSB known
  (a 1-of-4 look-up replaces the high comparison); Cheetah's approximate one (a millionaire on
  ``l`` bits and one B2A, error of 1 ulp), and Cheetah's MSB-known-zero one fused into the
  preceding ReLU (one chosen OT of 1-bit messages and one B2A).

Compute: ``ots`` work units per element times a per-unit time (:func:`ot_unit_s`). Round trips: an OT batch = 1 (request, then the masked messages), an AND level = 1/2 (both
parties send at once), B2A = 1. These are the dependency depths of the code with no pipelining,
an upper bound on SCI's own counter (which counts direction switches, see docs/mpc.md).
``MillionaireWithEquality`` is modelled as a millionaire with 2-bit leaves everywhere and two ANDs
per tree node (comparison and equality), an approximation of ``compare_with_eq``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .presets import constant

__all__ = ["Block", "OTFlavour", "b2a", "drelu", "drelu_field", "flavour", "millionaire", "mult", "ot_matmul_cross_term_bits",
           "ot_unit_s", "relu", "relu_field", "square",
           "trunc_approx", "trunc_faithful", "trunc_msb0", "trunc_msb_known"]

RADIX = 4  #: SCI's MILL_PARAM (millionaire.h)


@dataclass(frozen=True)
class Block:
    """Cost of one block per element: ``bits`` sent by both parties, ``rounds`` (round trips),
    ``ots`` OT work units (the compute proxy: a 1-of-2 IKNP OT or one silent random OT = 1, a
    KK13 1-of-N OT = 2 for its 256-bit rows, a silent 1-of-N OT = log2 N random OTs)."""

    bits: float = 0.0
    rounds: float = 0.0
    ots: float = 0.0

    def __add__(self, o: Block) -> Block:
        return Block(self.bits + o.bits, self.rounds + o.rounds, self.ots + o.ots)

    def par(self, o: Block) -> Block:
        """Two blocks run side by side: bits and work add, rounds take the maximum."""
        return Block(self.bits + o.bits, max(self.rounds, o.rounds), self.ots + o.ots)

    @property
    def bytes(self) -> float:
        return self.bits / 8.0


@dataclass(frozen=True)
class OTFlavour:
    """Bits an OT extension sends per OT, beyond the masked messages."""

    name: str
    rot_bits: float     #: random correlated OT, random choice (amortised)
    choice_bits: float  #: extra for a chosen choice bit
    kkot_bits: float    #: 1-of-N (N > 2) receiver overhead; 0 = built from log2 N chosen OTs
    silent: bool        #: bit triples from 2 random OTs (Cheetah) instead of KK13 OTs (SCI)

    def cot(self, msg: float) -> Block:
        """Correlated OT, chosen choice, one ``msg``-bit correction message (``send_cot``)."""
        return Block(self.rot_bits + self.choice_bits + msg, 1, 1)

    def ot(self, msg: float) -> Block:
        """1-of-2 OT of two chosen ``msg``-bit messages."""
        return Block(self.rot_bits + self.choice_bits + 2 * msg, 1, 1)

    def kkot(self, n: int, msg: float) -> Block:
        """1-of-``n`` OT of ``msg``-bit messages."""
        if n <= 2:
            return self.ot(msg)
        recv = self.kkot_bits or math.ceil(math.log2(n)) * (self.rot_bits + self.choice_bits)
        units = 2 if self.kkot_bits else math.ceil(math.log2(n))
        return Block(recv + n * msg, 1, units)

    def triple_ots(self) -> float:
        """OT work units per bit triple (SCI: half a KK13 OT; silent: 2 random OTs)."""
        return 2.0 if self.silent else 1.0

    def triple(self) -> float:
        """Bits per bit triple (SCI: half a 1-of-16 OT of 2-bit messages; silent: 2 random OTs)."""
        if self.silent:
            return 2 * self.rot_bits
        return self.kkot(16, 2).bits / 2

    def corr_triple(self) -> float:
        """Bits per correlated bit triple (SCI: half a 1-of-8 OT of 2-bit messages)."""
        if self.silent:
            return self.triple()
        return self.kkot(8, 2).bits / 2


def flavour(name: str) -> OTFlavour:
    """``"iknp"`` (SCI) or ``"ferret"`` (Cheetah), constants from ``data/protocols.csv``."""
    if name == "iknp":
        lam = constant("ot", "iknp_lambda_bits")
        return OTFlavour("iknp", lam, 0.0, constant("ot", "kk13_codeword_bits"), False)
    return OTFlavour("ferret", constant("ot", "ferret_bits_per_rot"), 1.0, 0.0, True)

AND_OPEN_BITS = 4  #: both parties send their shares of e and f (1 bit each)


def millionaire(ot: OTFlavour, m: int, *, equality: bool = False) -> Block:
    """Compare two ``m``-bit private inputs (shares of the result): leaves plus an AND tree."""
    if m <= 0:
        return Block()
    q = math.ceil(m / RADIX)
    r = m % RADIX
    if q == 1:
        return ot.kkot(2 ** m, 1)
    nk = ot.kkot(2 ** RADIX, 2).ots
    levels = math.ceil(math.log2(q))
    if ot.silent or equality:  # every digit a 1-of-16 OT of 2 bits (OpenCheetah: USE_CHEETAH)
        leaves = q * ot.kkot(2 ** RADIX, 2).bits
    else:  # SCI: first digit 1-bit messages, last digit 1-of-2^r when r > 0
        leaves = ot.kkot(2 ** RADIX, 1).bits + (q - 2) * ot.kkot(2 ** RADIX, 2).bits
        leaves += ot.kkot(2 ** (r or RADIX), 2).bits
    lnd = q.bit_length()  # sci::bitlen(q)
    n_std, n_corr = lnd, 2 * q - 2 - 2 * lnd
    if equality:
        n_std, n_corr = 2 * (q - 1), 0
    tri = n_std * ot.triple() + n_corr * ot.corr_triple()
    ands = (n_std + n_corr) * AND_OPEN_BITS
    return Block(leaves + tri + ands, 2 + 0.5 * levels, q * nk + (n_std + n_corr) * ot.triple_ots())


def drelu(ot: OTFlavour, l: int) -> Block:
    """Sign bit of an ``l``-bit shared value: a millionaire on the low ``l - 1`` bits."""
    return millionaire(ot, l - 1)


def b2a(ot: OTFlavour, l: int) -> Block:
    """Boolean share of one bit to an arithmetic ``l``-bit share: one correlated OT."""
    return ot.cot(l)


def relu(ot: OTFlavour, l: int) -> Block:
    """ReLU = DReLU + multiplexer (two correlated OTs of ``l`` bits, one each way, in parallel)."""
    mux = ot.cot(l).par(ot.cot(l))
    return drelu(ot, l) + mux


def trunc_faithful(ot: OTFlavour, l: int, s: int) -> Block:
    """SCI ``Truncation::truncate`` without the MSB: exact, by ``s`` bits."""
    lower = millionaire(ot, s)
    upper = millionaire(ot, l - s, equality=True)
    and_ = Block(ot.triple() + AND_OPEN_BITS, 1.5, ot.triple_ots())
    return lower.par(upper) + and_ + b2a(ot, s).par(b2a(ot, l))


def trunc_msb_known(ot: OTFlavour, l: int, s: int) -> Block:
    """SCI truncation when the MSB is known in shared form (after a ReLU): the high-part
    comparison becomes a 1-of-4 look-up of 1 bit (``MSB_to_Wrap``)."""
    return millionaire(ot, s).par(ot.kkot(4, 1)) + b2a(ot, s).par(b2a(ot, l))


def trunc_approx(ot: OTFlavour, l: int, s: int) -> Block:
    """Cheetah's truncation (``truncation-cheetah.cpp``): wrap of the whole share by a
    millionaire on ``l`` bits and one B2A to ``s`` bits; 1-ulp error."""
    return millionaire(ot, l) + b2a(ot, s)


def trunc_msb0(ot: OTFlavour, l: int, s: int) -> Block:
    """Cheetah's truncation of a value known non-negative (``truncate_msb0``, fused into the
    preceding ReLU): one chosen OT of 1-bit messages (``msb0_to_wrap``) and one B2A to ``s`` bits."""
    return ot.ot(1) + b2a(ot, s)


def mult(ot: OTFlavour, l: int) -> Block:
    """Product of two secret ``l``-bit shares by correlated OTs (Gilboa style, as SCI's
    ``LinearOT`` products): two cross terms, each ``l`` correlated OTs whose messages shrink
    from ``l`` to 1 bit (the bits above ``2^l`` are dropped)."""
    per = l * (ot.rot_bits + ot.choice_bits) + l * (l + 1) / 2
    return Block(2 * per, 1, 2 * l)


def square(ot: OTFlavour, l: int) -> Block:
    """Square of one secret ``l``-bit share: ``(x0 + x1)^2 = x0^2 + 2 x0 x1 + x1^2`` has a single
    cross term, so half of :func:`mult` (one batch of ``l`` correlated OTs)."""
    per = l * (ot.rot_bits + ot.choice_bits) + l * (l + 1) / 2
    return Block(per, 1, l)


def ot_unit_s(name: str) -> float:
    """Seconds per OT work unit. IKNP: CALIBRATED — the SCI ReLU time measured on this VM
    (``cryptflow2.relu_compute_s``, [CrypTFlow2-20; SCI, measured]) divided by the units of a
    ReLU at l = 32 (the measured width). Ferret: one correlated OT in 22 ns ([Ferret20, abstract],
    malicious version at 50 Mbps; the semi-honest one is 1-3 ns faster)."""
    if name == "iknp":
        return constant("cryptflow2", "relu_compute_s") / relu(flavour("iknp"), 32).ots
    return constant("ot", "ferret_s_per_rot")


def ot_matmul_cross_term_bits(d1: int, d2: int, d3: int, m: int, l: int, lam: float = 128.0) -> float:
    """Bits of one cross term of a secret x secret matrix product ``(d1 x d2) . (d2 x d3)`` by
    correlated OTs (SCI ``LinearOT::matmul_cross_terms``): the ``d1 d2`` entries of the receiver's
    ``m``-bit matrix each take ``m`` COTs (``lambda`` bits each) whose messages are rows of ``d3``
    values of ``l - i`` bits for bit ``i`` — SCI's own ``cross_term_cost`` formula,
    ``d1 d2 (128 m + d3 (m (l - m) + (m^2 + m) / 2))``; SCI picks the cheaper orientation, so the
    minimum over the two is returned."""

    def cost(a: int, b: int, c: int) -> float:
        return a * b * (m * lam + c * (m * (l - m) + (m * m + m) / 2.0))

    return min(cost(d1, d2, d3), cost(d3, d2, d1))


def drelu_field(ot: OTFlavour, l: int) -> Block:
    """Sign of a share over a prime field of ``l`` bits (SCI ``NonLinear/drelu-field.h``, the
    DReLU of SCI_HE): two comparisons per element (the wrap and the sign against ``(p - 1)/2``)
    share each leaf 1-of-16 OT (4-bit messages; 2-bit on the first digit, the last digit
    1-of-``2^r`` or an IKNP 1-of-2 when ``r = 1``), the AND tree runs for both comparisons, and a
    1-of-4 OT of one bit combines them."""
    q = math.ceil(l / RADIX)
    r = l % RADIX
    last = ot.ot(4) if r == 1 else ot.kkot(2 ** (r or RADIX), 4)
    leaves = ot.kkot(2 ** RADIX, 2).bits + max(q - 2, 0) * ot.kkot(2 ** RADIX, 4).bits + last.bits
    lnd = q.bit_length()
    n_std, n_corr = 2 * lnd, 2 * (2 * q - 2 - 2 * lnd)
    tri = n_std * ot.triple() + n_corr * ot.corr_triple()
    ands = (n_std + n_corr) * AND_OPEN_BITS
    mux = ot.kkot(4, 1)
    units = (q - 1) * ot.kkot(2 ** RADIX, 2).ots + last.ots + (n_std + n_corr) * ot.triple_ots() + mux.ots
    return Block(leaves + tri + ands + mux.bits, 2 + 0.5 * math.ceil(math.log2(q)) + 1, units)


def relu_field(ot: OTFlavour, l: int) -> Block:
    """SCI_HE ReLU (``NonLinear/relu-field.h``): field DReLU, then two chosen 1-of-2 OTs of
    ``l``-bit messages with reversed roles (``iknp_straight`` / ``iknp_reversed``)."""
    return drelu_field(ot, l) + ot.ot(l).par(ot.ot(l))
