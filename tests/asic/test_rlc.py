"""Eyeriss run-length coding of feature maps (``costmodels/asic/rlc.py``)."""

from __future__ import annotations

import numpy as np
import pytest

from costmodels.asic.rlc import rlc_bits_per_value, rlc_ratio
from dse.errors import DseInputError


def _encode_bits(values: np.ndarray) -> int:
    """Bits of Eyeriss's RLC of ``values``: (5-bit run <= 31, 16-bit level) pairs, three per 64-bit word."""
    pairs, run = 0, 0
    for v in values:
        if v == 0 and run < 31:
            run += 1
            continue
        pairs += 1  # a non-zero level, or a zero level that ends a run of 31 zeros
        run = 0
    if run:
        pairs += 1
    return -(-pairs // 3) * 64


@pytest.mark.parametrize("z", [0.0, 0.387, 0.776, 0.97])
def test_closed_form_matches_an_encoded_iid_stream(z):
    """The expected bits per value equal those of encoding a 200k-value i.i.d. stream (within 1%)."""
    rng = np.random.default_rng(7)
    values = (rng.random(200_000) >= z).astype(np.int8)
    assert rlc_bits_per_value(z) == pytest.approx(_encode_bits(values) / len(values), rel=0.01)


def test_dense_data_expands_and_bad_fraction_is_refused():
    """Dense 16-bit data costs 64/3 bits per value under RLC (x4/3); z outside [0, 1) is an input error."""
    assert rlc_ratio(0.0) == pytest.approx(4 / 3)
    with pytest.raises(DseInputError):
        rlc_bits_per_value(1.0)
