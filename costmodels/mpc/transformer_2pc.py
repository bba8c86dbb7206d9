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

Non-linear layers (per element; ``cmp`` = a millionaire on ``l - 1`` bits, ``mux`` = two
correlated OTs, ``prod`` = a Gilboa product plus the profile's truncation, ``sq`` = a square, one
cross term (:func:`.blocks.square`) plus the truncation; LayerNorm's variance uses ``sq``):

| op | iron | bolt | bumblebee |
|---|---|---|---|
| GELU | SiRNN sigmoid-based GELU (:func:`.sirnn.gelu`) | 2 ``cmp`` + degree-4 polynomial (powers: 2 ``sq`` + 1 ``prod``, depth 2) + 2 ``mux`` | 3 ``cmp`` + degree-6 and degree-3 polynomials sharing powers (3 ``sq`` + 2 ``prod``, depth 3) + 3 ``mux`` |
| softmax exp | SiRNN look-up exp (:func:`.sirnn.exp`) | clip (1 ``cmp`` + ``mux``) + ``(1 + x/2^n)^(2^n)``, ``n`` ``sq`` | as BOLT |
| softmax max | ``w - 1`` comparisons with select (ReLU blocks) in ``ceil(log2 w)`` levels | same | same |
| 1/sum, 1/sqrt(var) | SiRNN reciprocal (:func:`.sirnn.div`) per row | same | same |
| products (softmax, LayerNorm) | ``prod`` per element | same | same |

OT extension: ``iron`` and ``bolt`` run SCI's IKNP/KK13 OT with faithful truncation
(ASSUMPTION for BOLT: its code is not public); ``bumblebee`` runs silent OT (Ferret, SecretFlow SPU
``libspu/mpc/cheetah``) with Cheetah's approximate truncation over SPU's default 64-bit ring with
18 fractional bits. The polynomial degrees and segment counts follow the papers' descriptions;
the squaring count ``n`` of the exp approximation (``exp_squarings``) and the GELU segments are
knobs of the profile (ASSUMPTION where the papers' exact constants were not available).

BOLT's word elimination (dropping a fraction of the tokens after an encoder layer) changes the
workload, not the protocol: :func:`.word_elimination.word_elimination` prices it by evaluating the layers after the
cut on a shorter sequence.
"""

from __future__ import annotations

import math
from functools import lru_cache

from . import blocks, sirnn
from .blocks import Block
from .he_packing import ct_bytes
from .presets import constant
from .protocols import Cost
from .protocols_2pc import Cheetah, CrypTFlow2

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
    """Shared pricing of the three profiles; subclasses set the OT flavour, matmul scheme and
    the non-linear approximations."""

    scheme = "coeff"
    gelu_segments = 0   #: 0 = SiRNN GELU; else comparisons of the piecewise polynomial
    gelu_products = 0   #: products to build the powers of the polynomial(s), squares included
    gelu_squares = 0    #: of which squares (x^2, x^4 = (x^2)^2, x^6 = (x^3)^2: one cross term each)
    gelu_depth = 0      #: multiplicative depth of the powers
    exp_squarings = 0   #: 0 = SiRNN look-up exp; else n of (1 + x / 2^n)^(2^n)

    def linear(self, x, w, y, macs, operand, *, n, shared, truncate=True, geom=()):
        if not geom or geom[0] != "matmul":
            return super().linear(x, w, y, macs, operand, n=n, shared=shared, truncate=truncate, geom=geom)
        _, batch, mm, nn, kk = geom
        nbytes, _cts = matmul_bytes(self.scheme, mm, nn, kk, N=int(self.he_n), q_in=self.q_in,
                                    q_out=self.q_out, out_bits=self.bits + 1)
        he = Cost(batch * nbytes, 0.0, 1, macs * self.he_limbs * self.t_pmult)
        if operand == "secret":
            he = he.scale(2)
        return he + self.trunc(y) if truncate else he

    # -- blocks -------------------------------------------------------------------------------
    def _trunc(self) -> Block:
        l, s = self.bits, self._scale
        return blocks.trunc_approx(self._ot, l, s) if self._ot.silent else blocks.trunc_faithful(self._ot, l, s)

    def _prod(self) -> Block:
        return blocks.mult(self._ot, self.bits) + self._trunc()

    def _sq(self) -> Block:
        """A square: one cross term (:func:`.blocks.square`) plus the truncation."""
        return blocks.square(self._ot, self.bits) + self._trunc()

    def _cmp(self) -> Block:
        return blocks.drelu(self._ot, self.bits)

    def _mux(self) -> Block:
        return self._ot.cot(self.bits).par(self._ot.cot(self.bits))

    def _times(self, blk: Block, count: int, depth: int) -> Block:
        """``count`` copies of ``blk`` in ``depth`` sequential levels."""
        return Block(count * blk.bits, depth * blk.rounds, count * blk.ots)

    def gelu_block(self) -> Block:
        if not self.gelu_segments:
            return sirnn.gelu(self._ot, self.bits, self._scale)
        cmps = self._times(self._cmp(), self.gelu_segments, 1)
        n_sq = self.gelu_squares
        powers = Block(n_sq * self._sq().bits + (self.gelu_products - n_sq) * self._prod().bits,
                       self.gelu_depth * self._prod().rounds,
                       n_sq * self._sq().ots + (self.gelu_products - n_sq) * self._prod().ots)
        muxes = self._times(self._mux(), self.gelu_segments, 1)
        return cmps.par(powers) + muxes

    def exp_block(self) -> Block:
        if not self.exp_squarings:
            return sirnn.exp(self._ot, self.bits, self._scale)
        clip = self._cmp() + self._mux()
        return clip + self._times(self._sq(), self.exp_squarings, self.exp_squarings)

    # -- operations ---------------------------------------------------------------------------
    def nonlin(self, k, fn, *, n, shared):
        if fn in ("gelu", "silu", "hardswish"):
            return self._block(k, self.gelu_block())
        return super().nonlin(k, fn, n=n, shared=shared)

    def softmax(self, rows, width, *, n, shared):
        """Row max (comparison tree), exp, one reciprocal per row, the products."""
        l, s = self.bits, self._scale
        return (self.maxpool(rows, width, n=n, shared=shared) + self._block(rows * width, self.exp_block())
                + self._block(rows, sirnn.div(self._ot, l, s)) + self._block(rows * width, self._prod()))

    def layernorm(self, rows, width, *, n, shared):
        """Mean (local), variance (squares), 1/sqrt per row as SiRNN's reciprocal (ASSUMPTION),
        the normalising products; the public affine map is local plus one truncation."""
        l, s = self.bits, self._scale
        return (self._block(rows * width, self._sq()) + self._block(rows, sirnn.div(self._ot, l, s))
                + self._block(rows * width, self._prod()) + self.trunc(rows * width))


class Iron(_Transformer2PC):
    """Iron [Iron22]: SCI OT (IKNP/KK13) + SiRNN-style non-linear functions, Cheetah-style
    coefficient-encoded matrix products with the byte-minimising partition."""

    name = "iron"
    key = "iron"
    ot_flavour = "iknp"
    scheme = "coeff"
    packed_bytes = Cheetah.packed_bytes  # convolutions, if any, in Cheetah's coefficient packing


class Bolt(_Transformer2PC):
    """BOLT [BOLT24]: SIMD-packed HE matrix products, polynomial GELU (2 comparisons, degree 4),
    exp by repeated squaring after a clip, IKNP OT (ASSUMPTION)."""

    name = "bolt"
    key = "bolt"
    ot_flavour = "iknp"
    scheme = "simd"
    gelu_segments, gelu_products, gelu_squares, gelu_depth = 2, 3, 2, 2  # x^2, x^3 = x x^2, x^4
    exp_squarings = int(constant("bolt", "exp_squarings"))


class BumbleBee(_Transformer2PC):
    """BumbleBee [BumbleBee25]: silent OT (Ferret), coefficient-encoded products with densely
    re-packed results, piecewise GELU (3 comparisons, degree 6 and 3), exp by squaring."""

    name = "bumblebee"
    key = "bumblebee"
    ot_flavour = "ferret"
    scheme = "coeff-packed"
    gelu_segments, gelu_products, gelu_squares, gelu_depth = 3, 5, 3, 3  # x^2, x^3, x^4, x^5, x^6
    exp_squarings = int(constant("bumblebee", "exp_squarings"))

    _blocks = staticmethod(Cheetah._blocks)  # approximate truncation, MSB0 truncation after ReLU
    packed_bytes = Cheetah.packed_bytes
