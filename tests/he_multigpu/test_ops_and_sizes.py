"""CKKS sizes and parameter checks of he-multigpu ([CKKS17]/[HanKi20] sizes, derived)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from costmodels.he_multigpu import presets


def test_ciphertext_and_key_sizes_match_derived_examples():
    """Sizes [CKKS17; HanKi20], derived: N=2^16, l=24, w=8 ciphertext = 25.2 MB; K=8, dnum=3 rotation key = 100.7 MB."""
    p = presets.ckks_defaults()
    assert p.ct_bytes(24) == 2 * 24 * 65536 * 8 == 25_165_824
    assert p.key_bytes() == 3 * 2 * (24 + 8) * 65536 * 8 == 100_663_296
    assert p.alpha == 8


def test_bad_ckks_parameters_are_rejected():
    """K must cover one digit (K >= ceil(limbs/dnum)); levels must fit in the chain."""
    from dse.errors import DseInputError

    with pytest.raises(DseInputError, match="special_limbs"):
        presets.check(replace(presets.ckks_defaults(), dnum=1))
    with pytest.raises(DseInputError, match="user_levels"):
        presets.check(replace(presets.ckks_defaults(), boot_return=20))
