"""Private transformer inference (2PC, HE + OT): Iron, BOLT and BumbleBee, composed from the
structural blocks of :mod:`.blocks` and :mod:`.sirnn` and from the papers' matrix-multiplication
packings. The server holds the weights (``weights=public`` only), two parties.

Matrix products ``X (m x n) . W (n x k)`` (``Op.geom = ("matmul", batch, m, n, k)``, set by
:mod:`.lowering` for fully connected layers and the four attention products):

* ``iron`` [Iron22]: Cheetah's coefficient encoding with the partition ``(m_w, n_w, k_w)``,
  ``m_w n_w k_w <= N``, chosen to minimise the bytes (Iron's compact packing); the client's
  share goes out in ``ceil(m/m_w) ceil(n/n_w)`` seeded ciphertexts, the results come back in
  ``ceil(m/m_w) ceil(k/k_w)`` ciphertexts each carrying ``m_w k_w`` useful coefficients (sent as
  Cheetah sends a convolution result: ``(N + used)`` coefficients of ``l + 1`` bits);
* ``bumblebee`` [BumbleBee25]: the same input encoding; the results are re-packed densely
  (``PackLWEs``) into ``ceil(m k / N)`` ciphertexts before they are sent (all ``2 N`` coefficients
  used, ``l + 1`` bits each);
* ``bolt`` [BOLT24]: SIMD (slot) packing with baby-step giant-step rotations; ``ceil(m n / N)``
  input and ``ceil(m k / N)`` output ciphertexts (rotations cost compute, not bytes), full-size
  ciphertexts of SCI_HE's parameters (ASSUMPTION: N = 8192, 180-bit inputs, 120-bit outputs).

A product of two secret matrices (``Q K^T``, ``A V``) runs as its two cross terms, each an HE
product with one party's share in the clear (2x the bytes and compute).

Non-linear layers follow each system's code (:mod:`.transformer_nl`, where the call sequences
and their sources are listed):

| op | iron (BOLT's re-implementation) | bolt | bumblebee |
|---|---|---|---|
| GELU | 0.5 x (1 + tanh(.)), SiRNN tanh, 3 products | degree-4 polynomial on abs(x) < 2.7 at 20 bits | degree-4 on abs(x) < 3 on a 32-bit ring, HE-OLE powers |
| softmax exp | SiRNN look-up exp | range reduction + polynomial + secret shift | 1 + x/2^6 squared 6 times |
| softmax division | SiRNN division per element | one reciprocal per row, product at 19 bits | one reciprocal per row, HE-OLE product |
| LayerNorm | squares, 1/sqrt per row, 2 products (shared weight) | squares, 1/sqrt per row, 1 product, weight under HE | same, HE-OLE products, public weight |
| HE result to shares | truncation | ``gt_p_sub`` (prime field to ring) per element | truncation |

OT extension: ``iron`` and ``bolt`` run SCI's IKNP/KK13 OT (37-bit ring, scale 12, ``bert.h``);
``bumblebee`` runs silent OT (Ferret) over SPU's 64-bit ring with 18 fractional bits, and its
products of two shares are HE OLE (BFV N = 4096) rather than OT products.

BOLT's word elimination (dropping a fraction of the tokens after an encoder layer) changes the
workload, not the protocol: :func:`.word_elimination.word_elimination` prices it by evaluating the layers after the
cut on a shorter sequence.
"""

from __future__ import annotations

import math
from functools import lru_cache

from . import blocks, sirnn
from . import transformer_nl as nl
from .blocks import Block
from .he_packing import ct_bytes
from .presets import constant
from .protocols import Cost
from .protocols_2pc import Cheetah, CrypTFlow2, ring_blocks

__all__ = ["TRANSFORMER_PROTOCOLS", "Bolt", "BumbleBee", "Iron", "matmul_bytes"]

TRANSFORMER_PROTOCOLS = ("iron", "bolt", "bumblebee")


@lru_cache(maxsize=4096)
def _coeff_partition(m: int, n: int, k: int, N: int, in_b: float, out_bits: float,
                     dense_out: bool) -> tuple[float, int]:
    """(bytes, ciphertexts) of one coefficient-encoded product, best partition (powers of two)."""
    best: tuple[float, int] | None = None
    nw_opts = [1 << i for i in range(int(math.log2(N)) + 1)]
    for nw in nw_opts:
        if nw > max(n, 1) * 2:
            break
        for mw in nw_opts:
            if mw * nw > N or mw > max(m, 1) * 2:
                break
            kw = min(N // (mw * nw), 1 << math.ceil(math.log2(max(k, 1))))
            if kw < 1:
                continue
            n_in = math.ceil(m / mw) * math.ceil(n / nw)
            if dense_out:
                n_out = math.ceil(m * k / N)
                out = n_out * 2 * N * out_bits / 8
            else:
                n_out = math.ceil(m / mw) * math.ceil(k / kw)
                used = min(mw, m) * min(kw, k)
                out = n_out * (N + used) * out_bits / 8
            total = n_in * in_b + out
            if best is None or total < best[0]:
                best = (total, n_in + n_out)
    assert best is not None
    return best


def matmul_bytes(scheme: str, m: int, n: int, k: int, *, N: int, q_in: float, q_out: float,
                 out_bits: float) -> tuple[float, int]:
    """(bytes, ciphertexts) of ``X (m x n) . W (n x k)`` with ``X`` the client's share encrypted.
    ``scheme``: ``coeff`` (Iron), ``coeff-packed`` (BumbleBee), ``simd`` (BOLT)."""
    if scheme == "simd":
        n_in, n_out = math.ceil(m * n / N), math.ceil(m * k / N)
        return n_in * ct_bytes(N, q_in) + n_out * ct_bytes(N, q_out), n_in + n_out
    return _coeff_partition(m, n, k, N, ct_bytes(N, q_in, seeded=True), out_bits, scheme == "coeff-packed")


class _Transformer2PC(CrypTFlow2):
    """Shared pricing of the three profiles; subclasses set the OT flavour, the matmul scheme and
    the non-linear protocols (:mod:`.transformer_nl`)."""

    scheme = "coeff"
    _blocks = staticmethod(ring_blocks)  # non-linear layers over the ring (BOLT: after gt_p_sub)

    def linear(self, x, w, y, macs, operand, *, n, shared, truncate=True, geom=()):
        if not geom or geom[0] != "matmul":
            return super().linear(x, w, y, macs, operand, n=n, shared=shared, truncate=truncate, geom=geom)
        _, batch, mm, nn, kk = geom
        nbytes, _cts = matmul_bytes(self.scheme, mm, nn, kk, N=int(self.he_n), q_in=self.q_in,
                                    q_out=self.q_out, out_bits=self.bits + 1)
        he = Cost(batch * nbytes, 0.0, 1, macs * self.he_limbs * self.t_pmult)
        if operand == "secret":
            he = he.scale(2)
        return he + self.rescale(y) if truncate else he

    def rescale(self, k: float) -> Cost:
        """Bringing ``k`` HE results back to shares of the working scale (a truncation)."""
        return self.trunc(k)

    # -- blocks (per element) -----------------------------------------------------------------
    def _prod(self) -> Block:
        return nl.product(self._ot, self.bits, self._scale)

    def _sq(self) -> Block:
        return self._prod()

    def gelu_block(self) -> Block:
        raise NotImplementedError

    def exp_block(self) -> Block:
        raise NotImplementedError

    def _cmp_select(self) -> Block:
        """One comparison with select of the max tree (a ReLU block)."""
        return blocks.relu(self._ot, self.bits)

    # -- operations ---------------------------------------------------------------------------
    def _max(self, rows: float, width: int) -> Cost:
        """Row max: ``width - 1`` comparisons with select per row in ``ceil(log2 width)`` levels."""
        c = self._block(rows * (width - 1), self._cmp_select())
        return Cost(c.online_bytes, 0, c.rounds * math.ceil(math.log2(max(width, 2))), c.compute_s)

    def mul(self, k, *, n, shared):
        return self._block(k, self._prod())

    def nonlin(self, k, fn, *, n, shared):
        if fn in ("gelu", "silu", "hardswish"):
            return self._block(k, self.gelu_block())
        return super().nonlin(k, fn, n=n, shared=shared)

    def softmax(self, rows, width, *, n, shared):
        """Row max, then per element the exp and the normalising product, one reciprocal per row."""
        l, s = self.bits, self._scale
        return (self._max(rows, width) + self._block(rows * width, self.exp_block())
                + self._block(rows, sirnn.div(self._ot, l, s)) + self._block(rows * width, self._prod()))

    def layernorm(self, rows, width, *, n, shared):
        """Mean and variance scalings per row (public: two truncations), squares per element,
        1/sqrt per row, the normalising product per element, the affine map (``_affine``)."""
        l, s = self.bits, self._scale
        row = nl.tr(self._ot, 2 * s, l) + nl.tr(self._ot, 2 * s, l) + nl.rsqrt_row(self._ot, l, s)
        return (self._block(rows * width, self._sq()) + self._block(rows, row)
                + self._block(rows * width, self._prod()) + self._block(rows * width, self._affine()))

    def _affine(self) -> Block:
        return nl.tr(self._ot, self._scale, self.bits)


class Iron(_Transformer2PC):
    """Iron [Iron22] as BOLT re-implemented it (the implementation behind BOLT's published Iron
    figures, :mod:`.transformer_nl`): SCI OT (IKNP/KK13), GELU = 0.5 x (1 + tanh(.)) with SiRNN's
    tanh, softmax with SiRNN's look-up exp and one SiRNN division per element, LayerNorm with a
    secret-shared weight; Cheetah-style coefficient-encoded matrix products."""

    name = "iron"
    key = "iron"
    ot_flavour = "iknp"
    scheme = "coeff"
    packed_bytes = Cheetah.packed_bytes  # convolutions, if any, in Cheetah's coefficient packing

    def gelu_block(self) -> Block:
        return nl.iron_gelu(self._ot, self.bits, self._scale)

    def exp_block(self) -> Block:
        return sirnn.exp(self._ot, self.bits, self._scale)

    def softmax(self, rows, width, *, n, shared):
        """``softmax_iron``: row max, SiRNN exp and SiRNN division of every element by its row sum."""
        l, s = self.bits, self._scale
        return self._max(rows, width) + self._block(rows * width, self.exp_block() + sirnn.div(self._ot, l, s))

    def _affine(self) -> Block:
        return self._prod()  # the LayerNorm weight is secret-shared (ln_share_server)

    def linear(self, x, w, y, macs, operand, *, n, shared, truncate=True, geom=()):
        """Products with a model operand as the base (HE); the two secret x secret attention
        products (Q K^T, A V) by SCI's OT matrix multiplication (``n_matrix_mul_iron`` in BOLT's
        Iron baseline): two cross terms at 37-bit inputs into ``l + s``-bit results (ASSUMPTION:
        the width every product of that code uses), then one ``truncate_reduce`` per output."""
        if operand != "secret" or not geom or geom[0] != "matmul":
            return super().linear(x, w, y, macs, operand, n=n, shared=shared, truncate=truncate, geom=geom)
        _, batch, mm, nn, kk = geom
        l, s = self.bits, self._scale
        bits = 2 * batch * blocks.ot_matmul_cross_term_bits(mm, nn, kk, l, l + s)
        cots = 2 * batch * min(mm, kk) * nn * l
        c = Cost(bits / 8, 0.0, 1, cots * self._unit)
        return c + self._block(y, nl.tr(self._ot, s, l)) if truncate else c


class Bolt(_Transformer2PC):
    """BOLT [BOLT24] from its evaluation code (:mod:`.transformer_nl`): SIMD-packed HE matrix
    products whose results are brought from the plaintext prime to the ring (``gt_p_sub``),
    GELU as a degree-4 polynomial on |x| < 2.7 at 20 bits, exp by range reduction and a
    polynomial, softmax normalised at 19 bits by one reciprocal per row, IKNP OT."""

    name = "bolt"
    key = "bolt"
    ot_flavour = "iknp"
    scheme = "simd"

    def rescale(self, k: float) -> Cost:
        return self._block(k, nl.gt_p_sub(self._ot, self.bits))

    def gelu_block(self) -> Block:
        return nl.bolt_gelu(self._ot, int(constant("bolt", "gelu_bits")), int(constant("bolt", "gelu_scale")),
                            self.bits)

    def exp_block(self) -> Block:
        return nl.bolt_exp(self._ot, self.bits, self._scale, int(constant("bolt", "exp_shift_bound")))

    def softmax(self, rows, width, *, n, shared):
        """``softmax_bolt``: row max, ``exp4``, reduction to ``softmax_bits``, ``div_batch`` (one
        reciprocal per row, one product per element at that width), extension back."""
        s, ls = self._scale, int(constant("bolt", "softmax_bits"))
        per = self.exp_block() + nl.product(self._ot, ls, s) + blocks.b2a(self._ot, self.bits)
        return (self._max(rows, width) + self._block(rows * width, per)
                + self._block(rows, sirnn.div(self._ot, ls, s)))

    def _affine(self) -> Block:
        return nl.gt_p_sub(self._ot, self.bits)  # the weight applied under HE, result converted


class BumbleBee(_Transformer2PC):
    """BumbleBee [BumbleBee25] from OpenBumbleBee (:mod:`.transformer_nl`): silent OT (Ferret) over
    SPU's 64-bit ring, products of shares by HE OLE, GELU on a 32-bit ring, exp by squaring,
    coefficient-encoded matrix products with densely re-packed results."""

    name = "bumblebee"
    key = "bumblebee"
    ot_flavour = "ferret"
    scheme = "coeff-packed"

    _blocks = staticmethod(Cheetah._blocks)  # approximate truncation, MSB0 truncation after ReLU
    packed_bytes = Cheetah.packed_bytes

    def _prod(self) -> Block:
        return nl.bb_mul(self._ot, self.bits, self._scale, self._unit)

    def _sq(self) -> Block:
        return nl.bb_square(self._ot, self.bits, self._scale, self._unit)

    def _cmp_select(self) -> Block:
        return nl._bb_cmp(self._ot, self.bits, self._scale) + nl._mux(self._ot, self.bits)

    def gelu_block(self) -> Block:
        return nl.bb_gelu(self._ot, self.bits, self._scale, self._unit)

    def exp_block(self) -> Block:
        return nl.bb_exp(self._ot, self.bits, self._scale, self._unit)

    def _affine(self) -> Block:
        return nl._bb_trunc(self._ot, self.bits, self._scale)  # public weight: local + truncation

    def trunc(self, k: float) -> Cost:
        """Every truncation is SPU's ``TruncA`` with ``use_heuristic`` (``arithmetic.cc``)."""
        return self._block(k, nl._bb_trunc(self._ot, self.bits, self._scale))
