"""Run-length coding (RLC) of feature maps in DRAM, Eyeriss's format ([Eyeriss17], Sec. IV-B, Fig. 8).

Eyeriss stores every feature map except the network's input run-length coded in DRAM: a run of at
most 31 zeros (5-bit *run*) followed by one 16-bit *level*; three (run, level) pairs and a
1-bit last-word flag fill a 64-bit word. For a stream whose values are zero independently with
probability ``z`` (the i.i.d. assumption is the model's, not the paper's), a pair ends at every
non-zero value and at every 32nd consecutive zero, so the expected pairs per value are
``(1 - z) / (1 - z**32)`` and the expected bits per value ``pairs x 64 / 3``.

:func:`rlc_ratio` is the DRAM traffic of RLC-coded data relative to plain ``bits``-bit words
(> 1 when sparsity is low: the code expands dense data, which is why Eyeriss leaves the image
uncoded). It is applied to the DRAM traffic of the chosen mapping (the mapping search does not
see it).
"""

from __future__ import annotations

from dse.errors import DseInputError

__all__ = ["rlc_bits_per_value", "rlc_ratio"]

RUN_BITS, LEVEL_BITS, PAIRS_PER_WORD, WORD_BITS = 5, 16, 3, 64


def rlc_bits_per_value(zero_frac: float) -> float:
    """Expected DRAM bits per feature-map value under Eyeriss's RLC at zero fraction ``zero_frac``."""
    if not 0.0 <= zero_frac < 1.0:
        raise DseInputError("zero_frac", zero_frac, "a fraction in [0, 1)")
    max_run = (1 << RUN_BITS)  # 31 zeros + the level (a zero level when the run is cut) = 32 values
    pairs = (1.0 - zero_frac) / (1.0 - zero_frac ** max_run)
    return pairs * WORD_BITS / PAIRS_PER_WORD


def rlc_ratio(zero_frac: float, bits: int = LEVEL_BITS) -> float:
    """RLC-coded DRAM bits over plain ``bits``-bit storage at zero fraction ``zero_frac``."""
    return rlc_bits_per_value(zero_frac) / bits
