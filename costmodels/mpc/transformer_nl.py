"""The non-linear protocols of Iron, BOLT and BumbleBee, per element, composed from the 2PC blocks
of :mod:`.blocks` and :mod:`.sirnn` following the call sequences of the papers' code (read, not
copied). Each function returns a :class:`~.blocks.Block` (bits, round trips, work units) per
element; row-wise pieces (one reciprocal or 1/sqrt per row) are separate functions.

Sources (cited in docs/references.md):

* **BOLT** [BOLT24]: the BOLT evaluation code (EzPC/SCI-based; ``bert.h``: ``NL_ELL = 37``,
  ``NL_SCALE = 12``, ``GELU_ELL = 20``, ``GELU_SCALE = 11``; ``bert.cpp``: every HE result is
  brought from the BFV plaintext prime to the ring by ``gt_p_sub``; ``fixed-math.cpp``:
  ``FPMath::gelu_bolt``, ``FPMath::softmax_bolt`` with ``exp4`` and ``div_batch`` at
  ``exp_ell = 19`` bits) as preserved in a public fork read through the code index [BOLT24-code].
* **Iron** [Iron22] has no public code; BOLT's published Iron figures come from BOLT's own
  re-implementation of it in the same file (``FPMath::gelu_iron``: ``0.5 x (1 + tanh(...))``
  with SiRNN's tanh; ``softmax_iron``: SiRNN's look-up exp and one SiRNN *division per element*;
  ``layer_norm_iron``: squares, SiRNN's 1/sqrt per row, two products per element), which is what
  is priced here as ``iron``.
* **BumbleBee** [BumbleBee25]: OpenBumbleBee (SecretFlow SPU fork) ``libspu/kernel/hal/intrinsic/
  nn/activation.cc`` (``f_seg3_gelu``: cast to a 32-bit ring, 12 fractional bits, 3 batched
  comparisons, ``|x|``, powers ``x^2, x^3, x^4``, two selects, cast back; ``f_neg_exp_taylor``: one
  comparison with -14, ``(1 + x/2^n)^(2^n)`` by ``n`` squares, one select), ``libspu/mpc/bumblebee/
  arithmetic.cc`` (products of two shares by HE OLE when the batch is >= 4096 elements, a square
  as one cross term; comparisons as ``MsbA2B`` skipping ``fxp - 4`` low bits,
  ``SPU_BB_ENABLE_APPROX_LESS_THAN`` on by default; truncation with ``use_heuristic``) and
  ``arith/bumblebee_mul_impl.cc`` (BFV N = 4096, moduli {60, 52}, plaintext CRT primes of 45 bits,
  ``ceil((msg + ring + 4) / 45)`` of them with the default one-bit error allowance; the input
  sent as a seeded symmetric ciphertext, the masked product returned mod-switched to one prime
  and truncated); ``fxp_exp_iters = 6`` from ``examples/python/llm/flax_bert/2pc.json``.

Block notation: ``tr(s, l)`` is SCI's ``truncate_reduce`` by ``s`` bits to an ``l``-bit result
(:func:`.sirnn._trunc_reduce`), a product with a public constant is local plus one ``tr``, a
product of two shares is a Gilboa OT product (:func:`.blocks.mult`) plus one ``tr`` (BOLT, Iron)
or an HE OLE (BumbleBee). ASSUMPTIONS (the code calls a helper whose cost was not read): BOLT's
``poly1`` on the reduced argument is one product at ``s + 2`` bits; SCI's ``right_shift`` by a
secret amount is a 1-of-16 look-up of the power of two, one product and one ``tr``; an extension
with the MSB known is one B2A; SPU's ``CastRing`` up to 64 bits is a millionaire on 32 bits and a
B2A; the HE OLE result keeps ``log2 t + 1`` bits per coefficient (as :mod:`.he_packing` assumes
for Cheetah's ``truncate_for_decryption``).
"""

from __future__ import annotations

import math

from . import blocks as b
from . import sirnn
from .blocks import Block, OTFlavour
from .presets import constant

__all__ = ["bb_exp", "bb_gelu", "bb_mul", "bb_square", "bolt_exp", "bolt_gelu", "gt_p_sub", "iron_gelu",
           "ole_bits", "product", "rsqrt_row", "tr"]


def tr(ot: OTFlavour, s: int, l: int) -> Block:
    """SCI ``truncate_reduce`` by ``s`` bits to an ``l``-bit result."""
    return sirnn._trunc_reduce(ot, s, l)


def product(ot: OTFlavour, l: int, s: int) -> Block:
    """Product of two ``l``-bit shares (Gilboa OT) and its ``truncate_reduce`` by ``s``."""
    return b.mult(ot, l) + tr(ot, s, l)


def _mux(ot: OTFlavour, l: int) -> Block:
    return ot.cot(l).par(ot.cot(l))


def _cmp(ot: OTFlavour, l: int) -> Block:
    """Comparison of an ``l``-bit share with a public constant (its MSB: a millionaire on l - 1)."""
    return b.millionaire(ot, l - 1)


def _levels(*blks: Block) -> Block:
    """Blocks run side by side (one level)."""
    out = Block()
    for x in blks:
        out = out.par(x)
    return out


def _times(blk: Block, count: int) -> Block:
    return Block(count * blk.bits, blk.rounds, count * blk.ots)


def rsqrt_row(ot: OTFlavour, l: int, s: int) -> Block:
    """1/sqrt of one row's variance: SiRNN's ``sqrt(.., recp_sqrt=true)``, priced as SiRNN's
    reciprocal (:func:`.sirnn.div`; ASSUMPTION: same look-up + product structure)."""
    return sirnn.div(ot, l, s)


# -- Iron, as BOLT re-implemented it -------------------------------------------------------------
def iron_gelu(ot: OTFlavour, l: int, s: int) -> Block:
    """``FPMath::gelu_iron``: x^2, x^3 (products), two public scalings, SiRNN tanh, 0.5 x (public),
    the final product."""
    pub = tr(ot, s, l)
    return (product(ot, l, s) + product(ot, l, s) + pub + pub + sirnn.tanh(ot, l, s)
            + product(ot, l, s))


# -- BOLT ---------------------------------------------------------------------------------------
def gt_p_sub(ot: OTFlavour, l: int) -> Block:
    """BOLT's conversion of an HE result from the plaintext prime field to the ring: compare with
    ``p`` and subtract it where greater (one comparison, one select)."""
    return _cmp(ot, l) + _mux(ot, l)


def bolt_gelu(ot: OTFlavour, l: int, s: int, l_out: int) -> Block:
    """``FPMath::gelu_bolt`` at ``l = GELU_ELL`` bits, scale ``s``: MSB and |x|; powers x^2, x^3,
    x^4 (depth 2) with four public scalings; |x| < 2.7; the (x + |x|)/2 branch; select; AND of
    two bits; extension to ``l_out`` bits and a shift by 7 with the MSB known."""
    powers = Block(3 * product(ot, l, s).bits, 2 * product(ot, l, s).rounds, 3 * product(ot, l, s).ots)
    pubs = _times(tr(ot, s, l), 4)
    and_ = Block(ot.triple() + b.AND_OPEN_BITS, 1.5, ot.triple_ots())
    return (_cmp(ot, l) + _mux(ot, l) + _levels(powers + pubs, _cmp(ot, l), tr(ot, 1, l)) + _mux(ot, l)
            + and_ + b.b2a(ot, l_out) + tr(ot, 7, l_out))


def bolt_exp(ot: OTFlavour, l: int, s: int, bound: int) -> Block:
    """``FPMath::exp4``: x / -ln2 and its integer part (public scaling, two ``tr``), ``l ln2``
    (public, ``tr``), the reduced argument on ``s + 2`` bits, ``poly1`` (ASSUMPTION: one product
    at ``s + 2`` bits), extension to ``l`` bits, the shift amount clipped at ``bound`` (one
    comparison on ``l - s`` bits and a select), the secret right shift (ASSUMPTION: a 1-of-16
    look-up of ``2^-k``, one product, one ``tr``)."""
    rng = tr(ot, s, l) + tr(ot, s, l - s) + tr(ot, s, l)
    poly = product(ot, s + 2, s) + b.b2a(ot, l)
    clip = _cmp(ot, l - s) + _mux(ot, l - s)
    k = max(2, math.ceil(math.log2(bound + 1)))
    shift = ot.kkot(2 ** k, l) + product(ot, l, s + 1)
    return rng + poly.par(clip) + shift


# -- BumbleBee ----------------------------------------------------------------------------------
def _bb(key: str) -> float:
    return constant("bumblebee", key)


def ole_primes(ring: int, msg: int | None = None) -> int:
    """CRT plaintext primes of BumbleBee's HE OLE (``TotalCRTBitLen`` with the one-bit-error
    allowance on: ``msg + ring + 4`` bits in primes of ``ole_prime_bits``)."""
    msg = ring if msg is None else msg
    return math.ceil((msg + ring + _bb("ole_margin_bits")) / _bb("ole_prime_bits"))


def ole_bits(ring: int) -> float:
    """Bits per element of one HE OLE cross term: per CRT prime, a seeded ciphertext at the full
    modulus (``q`` bits per slot) one way and the masked product at one prime with ``log2 t + 1``
    bits per coefficient (2 per slot) back."""
    per_prime = _bb("ole_q_bits") + 2 * (_bb("ole_prime_bits") + 1)
    return ole_primes(ring) * per_prime


def _ole(ring: int, terms: int, unit_s: float) -> Block:
    """``terms`` cross terms side by side; compute: one plaintext product per prime over the two
    data limbs per element and term, in OT work units of ``unit_s`` (a lower bound)."""
    t = constant("bumblebee", "he_pmult_s_per_coeff_limb")
    return Block(terms * ole_bits(ring), 1, terms * ole_primes(ring) * 2 * t / unit_s)


def _bb_trunc(ot: OTFlavour, l: int, s: int) -> Block:
    """SPU Cheetah truncation with ``use_heuristic`` (the MSB made known: Cheetah's
    ``truncate_msb0``)."""
    return b.trunc_msb0(ot, l, s)


def bb_square(ot: OTFlavour, l: int, s: int, unit_s: float) -> Block:
    return _ole(l, 1, unit_s) + _bb_trunc(ot, l, s)


def bb_mul(ot: OTFlavour, l: int, s: int, unit_s: float) -> Block:
    return _ole(l, 2, unit_s) + _bb_trunc(ot, l, s)


def _bb_cmp(ot: OTFlavour, l: int, fxp: int) -> Block:
    """``LessAP`` with the approximate less-than: the MSB of ``l - (fxp - 4)`` bits."""
    return b.millionaire(ot, l - max(0, fxp - 4) - 1)


def bb_gelu(ot: OTFlavour, l: int, s: int, unit_s: float) -> Block:
    """``f_seg3_gelu``: cast down to ``gelu_ring`` bits (local), truncate to 12 fractional bits,
    3 batched comparisons, |x|, x^2 and x^4 (squares) and x^3 (product), one truncation of the
    polynomial, two selects (bit x value), cast back to ``l`` bits."""
    r, f = int(_bb("gelu_ring")), int(_bb("gelu_fxp"))
    cmps = _times(_bb_cmp(ot, r, f), 3)
    sq, mul = bb_square(ot, r, f, unit_s), bb_mul(ot, r, f, unit_s)
    powers = Block(2 * sq.bits + mul.bits, 2 * max(sq.rounds, mul.rounds), 2 * sq.ots + mul.ots)
    return (_bb_trunc(ot, r, s - f) + cmps + _mux(ot, r) + powers + _bb_trunc(ot, r, f)
            + _times(_mux(ot, r), 2) + b.millionaire(ot, r) + b.b2a(ot, l))


def bb_exp(ot: OTFlavour, l: int, s: int, unit_s: float) -> Block:
    """``f_neg_exp_taylor``: comparison with -14, the ``2^-n`` truncation, ``n`` squares, one
    select (bit x value)."""
    n = int(_bb("exp_iters"))
    sq = bb_square(ot, l, s, unit_s)
    return (_bb_cmp(ot, l, s).par(_bb_trunc(ot, l, n)) + Block(n * sq.bits, n * sq.rounds, n * sq.ots)
            + _mux(ot, l))
