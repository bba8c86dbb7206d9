"""SiRNN math functions (exp, reciprocal, sigmoid, tanh, GELU) composed from the 2PC blocks of
:mod:`.blocks`, following the call sequence of SCI's ``Math/math-functions.cpp`` (OpenCheetah/EzPC,
[SiRNN21]; read, not copied). ``l`` is the ring width, ``s`` the fixed-point scale.

* ``exp(-x)`` (``lookup_table_exp``): digit decomposition of the ``l``-bit input into
  ``q = ceil(l / 8)`` 8-bit digits (``digit_decomposition_sci``: millionaire-with-equality on
  ``q - 1`` digits, ``q - 1`` ANDs, ``q`` B2A), one 1-of-256 look-up per digit with
  ``(s + 2)``-bit outputs, a product tree of ``q - 1`` products each truncated
  (``truncate_and_reduce``: wrap of the low bits + B2A), then a zero extension to ``l`` bits;
* reciprocal (``div`` with ``iters = 0`` for ``s <= 18``): ``reciprocal_approximation`` (a
  truncate-and-reduce, a 1-of-2^m look-up of ``3m + 7`` bits, one product, an extension) with
  ``m = ceil((s - 2) / 2)``, then the numerator's MSB, one product, a truncate-and-reduce and an
  extension;
* ``sigmoid`` / ``tanh``: MSB, multiplexer, ``exp``, MSB + B2A of the denominator, ``div``,
  multiplexer, one product, truncate-and-reduce, extension. ``gelu(x) = x sigmoid(1.702 x)`` adds
  one product and one truncation (the GELU approximation used by CrypTen-style pipelines — an
  ASSUMPTION, SiRNN has no GELU).

Products of mixed bit widths are priced at the wider width (:func:`.blocks.mult`); a
``truncate_and_reduce`` by ``k`` bits as a millionaire on ``k`` bits plus one B2A.
"""

from __future__ import annotations

import math

from . import blocks as b
from .blocks import Block, OTFlavour

__all__ = ["div", "exp", "gelu", "sigmoid", "tanh"]

DIGIT = 8  #: KKOT_LIMIT in SCI's math functions


def _trunc_reduce(ot: OTFlavour, shift: int, out_bits: int) -> Block:
    return b.millionaire(ot, shift) + b.b2a(ot, out_bits)


def _extend(ot: OTFlavour, l_in: int, l_out: int) -> Block:
    return b.millionaire(ot, l_in) + b.b2a(ot, l_out)


def _msb(ot: OTFlavour, l: int) -> Block:
    return b.millionaire(ot, l - 1)


def _mux(ot: OTFlavour, l: int) -> Block:
    return ot.cot(l).par(ot.cot(l))


def exp(ot: OTFlavour, l: int, s: int) -> Block:
    """``exp(-x)`` for ``x >= 0`` (SCI ``lookup_table_exp``)."""
    q = math.ceil(l / DIGIT)
    and_ = Block(ot.triple() + b.AND_OPEN_BITS, 1.5, ot.triple_ots())
    decomp = Block()
    for _ in range(q - 1):
        decomp = decomp + b.millionaire(ot, DIGIT, equality=True).par(and_)
    decomp = decomp + Block(q * b.b2a(ot, DIGIT).bits, 1, q * b.b2a(ot, DIGIT).ots)
    lut = ot.kkot(2 ** DIGIT, s + 2)
    lut = Block(q * lut.bits, lut.rounds, q * lut.ots)
    tree = Block()
    for _ in range(q - 1):
        tree = tree + b.mult(ot, s + 2) + _trunc_reduce(ot, s, s + 2)
    return decomp + lut + tree + _extend(ot, s + 2, l)


def div(ot: OTFlavour, l: int, s: int) -> Block:
    """Reciprocal / division (SCI ``div``, ``iters = 0``)."""
    m = math.ceil((s - 2) / 2)
    approx = (_trunc_reduce(ot, s - m, m) + ot.kkot(2 ** m, 3 * m + 7) + b.mult(ot, s + 4)
              + _extend(ot, s + 4, s + m + 4))
    return (approx + _trunc_reduce(ot, m + 3, s + 1) + _msb(ot, l) + b.mult(ot, l)
            + _trunc_reduce(ot, s, l) + _extend(ot, l, l))


def sigmoid(ot: OTFlavour, l: int, s: int) -> Block:
    """SCI ``sigmoid`` (``tanh`` has the same sequence)."""
    return (_msb(ot, l) + _mux(ot, l) + exp(ot, l, s) + _msb(ot, s + 2) + b.b2a(ot, s + 2)
            + div(ot, s + 2, s) + _mux(ot, s + 2) + b.mult(ot, s + 2) + _trunc_reduce(ot, s, s + 2)
            + _extend(ot, s + 2, l))


tanh = sigmoid


def gelu(ot: OTFlavour, l: int, s: int) -> Block:
    """``x * sigmoid(1.702 x)``: a sigmoid, one product and one truncation."""
    return sigmoid(ot, l, s) + b.mult(ot, l) + _trunc_reduce(ot, s, l)
