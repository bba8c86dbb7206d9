"""Regression pins (the model's own earlier outputs; not validations): each recomputed value equals
the recorded one. Regenerate with ``python -m tests.regression.pins --why "..."``."""

from __future__ import annotations

import pytest

from tests.regression.pins import COMPUTE, load


@pytest.mark.parametrize("name", sorted(COMPUTE))
def test_pin_has_not_moved(name):
    """The recomputed value equals the pinned one to 1e-9 (relative)."""
    pin = load()[name]
    assert pin["changed"], "a pin records what last changed it"
    assert COMPUTE[name]() == pytest.approx(pin["value"], rel=1e-9), pin
