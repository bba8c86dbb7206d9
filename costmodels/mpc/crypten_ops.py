"""CrypTen 0.4.1 communication counters, operator by operator, for ``n`` parties.

Each function returns a :class:`Counter`: the number of communication calls (CrypTen's
``comm_rounds``) and the words (8-byte ring elements) logged by CrypTen's ``_logging`` decorator
(``crypten/communicator/communicator.py``) at rank 0 and summed over all ranks. Wire bytes (what
all parties send together) are ``total_words * 8 / 2``: each word is logged once by its sender and
once by its receiver (CrypTen's own docstring: "sum over all parties and divide by two").

Derived by reading CrypTen 0.4.1 (sources below) and checked call by call against
``run_multiprocess`` traces (``tests/mpc/test_crypten_crosscheck.py``):

* reveal / Beaver opening: ``all_reduce`` logs ``2 * numel`` per party
  (``mpc/primitives/beaver.py::__beaver_protocol``, ``reveal_batch``);
* 2PC truncation is local; with ``n > 2`` ``beaver.wraps`` costs a provider ``scatter`` plus a
  ``gather`` to rank 0 (rank 0 logs ``(n-1) k`` for each, the others ``k``);
* A2B (``converters._A2B``) sums the ``n`` binary shares with a log-depth tree
  (``BinarySharedTensor.sum``); each adder is one AND plus a 6-level (log2 64) Set-Propagate-Kill
  tree (``circuit.py``) whose ANDs open stacked ``2k``-word operands;
* B2A of one bit (``beaver.B2A_single_bit``) is one binary reveal;
* max-pooling is ``max(dim=-1, one_hot=True)`` with ``cfg.functions.max_method =
  "log_reduction"``: ``int(ln k)`` pairwise-``where`` steps, a pairwise argmax on the rest, a
  random tie-break (``weighted_index``, 16-bit ``crypten.rand``), then ``eq`` against the max
  and a second ``weighted_index`` (``common/functions/maximum.py``, ``sampling.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "RAND_BITS",
    "WORD_BYTES",
    "Counter",
    "avgpool",
    "beaver",
    "eq",
    "linear",
    "ltz",
    "maxpool",
    "mul_bits",
    "mul_scaled",
    "poly",
    "prod_bits",
    "public_scale",
    "quadratic",
    "relu",
    "reveal",
    "square",
    "trunc",
    "weighted_index",
    "where",
]

WORD_BYTES = 8  #: ``DistributedCommunicator.BYTES_PER_ELEMENT`` (64-bit ring)
RAND_BITS = 16  #: ``FixedPointEncoder`` default precision bits used by ``crypten.rand``
RING_BITS = 64  #: ``torch.long``
SPK_LEVELS = int(math.log2(RING_BITS))  #: levels of the carry (Set-Propagate-Kill) tree


@dataclass(frozen=True)
class Counter:
    """CrypTen communication counters: calls and logged 8-byte words (rank 0, sum over ranks)."""

    calls: int = 0
    rank0_words: float = 0.0
    total_words: float = 0.0

    def __add__(self, other: Counter) -> Counter:
        return Counter(self.calls + other.calls, self.rank0_words + other.rank0_words,
                       self.total_words + other.total_words)

    def __mul__(self, times: int) -> Counter:
        return Counter(self.calls * times, self.rank0_words * times, self.total_words * times)

    __rmul__ = __mul__

    @property
    def rank0_bytes(self) -> float:
        """Bytes CrypTen's counter reports at rank 0 (sent plus received)."""
        return self.rank0_words * WORD_BYTES

    @property
    def wire_bytes(self) -> float:
        """Bytes sent by all parties together (sum of counters / 2)."""
        return self.total_words * WORD_BYTES / 2


ZERO = Counter()


def reveal(k: float, n: int) -> Counter:
    """Open ``k`` shared words (``all_reduce``: every party logs ``2k``)."""
    return Counter(1, 2 * k, 2 * n * k) if k else ZERO


def trunc(k: float, n: int) -> Counter:
    """Divide ``k`` shared fixed-point values by the scale: local for 2 parties, else ``wraps``."""
    if n == 2 or not k:
        return ZERO
    return Counter(2, 2 * (n - 1) * k, 4 * (n - 1) * k)


def beaver(a: float, b: float, n: int) -> Counter:
    """Beaver multiplication (mul, matmul, conv): open ``eps`` (|a| words) and ``delta`` (|b|)."""
    return reveal(a + b, n)


def mul_scaled(a: float, b: float, out: float, n: int) -> Counter:
    """Product of two fixed-point tensors: Beaver plus truncation of the ``out`` elements."""
    return beaver(a, b, n) + trunc(out, n)


def mul_bits(a: float, b: float, n: int) -> Counter:
    """Product where one operand is a 0/1 tensor of scale 1 (no truncation)."""
    return beaver(a, b, n)


def square(k: float, n: int) -> Counter:
    """``x.square()``: open ``eps`` only, then truncate."""
    return reveal(k, n) + trunc(k, n)


def public_scale(k: float, n: int) -> Counter:
    """Multiply by a public fixed-point scalar or tensor: truncation only."""
    return trunc(k, n)


def _a2b_levels(n: int) -> int:
    return math.ceil(math.log2(n))


def ltz(k: float, n: int) -> Counter:
    """``x < 0``: A2B (tree of binary adders over the n shares) then B2A of the sign bit."""
    if not k:
        return ZERO
    levels = _a2b_levels(n)
    # one adder on m words: AND opening 2m, then SPK_LEVELS ANDs opening 4m (stacked S,P)
    per_party_add_words = 2 * 2 + SPK_LEVELS * 2 * 4  # = 52 per word added
    words = per_party_add_words * (n - 1) * k + 2 * k  # + B2A reveal
    calls = (1 + SPK_LEVELS) * levels + 1
    return Counter(calls, words, n * words)


def relu(k: float, n: int) -> Counter:
    """``x.relu() = x * (x >= 0)``: ``ltz`` plus a bit multiplication."""
    return ltz(k, n) + mul_bits(k, k, n) if k else ZERO


def quadratic(k: float, n: int) -> Counter:
    """``c2 * x.square() + c1 * x + c0`` with public (per-channel) coefficients."""
    return square(k, n) + public_scale(k, n) + public_scale(k, n) if k else ZERO


def poly(k: float, degree: int, n: int) -> Counter:
    """Polynomial of ``degree`` with public coefficients. Degree 2 is :func:`quadratic` (measured);
    higher degrees assume powers by a product tree (``degree - 1`` Beaver products in
    ``ceil(log2 degree)`` calls) plus one public scaling per power: not checked against CrypTen."""
    if not k:
        return ZERO
    if degree <= 1:
        return public_scale(k, n)
    if degree == 2:
        return quadratic(k, n)
    depth = math.ceil(math.log2(degree))
    prods = degree - 1
    return Counter(depth, 0, 0) + Counter(0, 4 * k * prods, 4 * n * k * prods) + \
        depth * trunc(k * prods / depth, n) + degree * public_scale(k, n)


def where(k: float, n: int) -> Counter:
    """``crypten.where(c, x, y) = c * x + (1 - c) * y`` with a 0/1 condition: two bit products."""
    return 2 * mul_bits(k, k, n)


def eq(k: float, n: int) -> Counter:
    """``x == y``: 2PC compares binary shares (6-level propagate tree + B2A); n > 2 uses
    ``1 - ne`` with ``ne = ltz([d, -d]).sum(0)``."""
    if n == 2:
        return SPK_LEVELS * reveal(2 * k, n) + reveal(k, n)
    return ltz(2 * k, n)


def weighted_index(rows: float, width: int, n: int) -> Counter:
    """Random one-hot tie-break over ``rows`` rows of ``width``: 16-bit ``rand`` (one B2A of 16
    bits), ``rand * max_weight`` (the weights are 0/1 sums of scale 1: no truncation) and a
    comparison of the cumulative sums."""
    return reveal(RAND_BITS * rows, n) + mul_bits(rows, rows, n) + ltz(width * rows, n)


def prod_bits(rows: float, terms: int, n: int) -> Counter:
    """Product over ``terms`` 0/1 tensors of ``rows`` words each (tree of bit multiplications)."""
    c = ZERO
    size = terms
    while size > 1:
        pairs = size // 2
        c = c + mul_bits(pairs * rows, pairs * rows, n)
        size = pairs + size % 2
    return c


def _max_pairwise(rows: float, width: int, n: int) -> Counter:
    """``max(dim)`` with the pairwise method: all ``width-1`` rolled comparisons, their product,
    a tie-break and ``max = (x * onehot).sum``."""
    width_eff = width if width > 1 else 2
    comps = (width_eff - 1) * width * rows
    return (ltz(comps, n) + prod_bits(width * rows, width_eff - 1, n)
            + weighted_index(rows, width, n) + mul_bits(width * rows, width * rows, n))


def maxpool(outputs: float, window: int, n: int) -> Counter:
    """``max_pool2d`` with ``outputs`` output elements and ``window = kh * kw`` inputs each."""
    if not outputs:
        return ZERO
    c = ZERO
    m = window
    for _ in range(int(math.log(window))):  # natural log, as in _max_helper_log_reduction
        pairs = m // 2
        c = c + ltz(pairs * outputs, n) + where(pairs * outputs, n)
        m = pairs + m % 2
    c = c + _max_pairwise(outputs, m, n)
    c = c + eq(window * outputs, n) + weighted_index(outputs, window, n)
    return c


def linear(x: float, w: float, y: float, n: int, *, shared_weights: bool) -> Counter:
    """conv2d / linear / matmul producing ``y`` outputs from ``x`` inputs and ``w`` weights.

    Secret-shared weights: one Beaver opening of ``x + w`` words (then truncation of ``y``).
    Public weights: local, truncation only (free in 2PC).
    """
    if shared_weights:
        return mul_scaled(x, w, y, n)
    return public_scale(y, n)


def avgpool(outputs: float, n: int) -> Counter:
    """Average pooling: a local window sum times a public ``1/window`` (truncation only)."""
    return public_scale(outputs, n)
