"""Human-unit parsing at the boundary (CLI --set, spec files)."""

from __future__ import annotations

import pytest

from dse.errors import DseInputError
from dse.units import format_quantity, parse_quantity


@pytest.mark.parametrize(
    "text,kind,expected",
    [
        ("400Mbps", "B/s", 50e6),        # Cheetah WAN preset: 400 Mbit/s = 50 MB/s
        ("3Gbit/s", "B/s", 375e6),       # Cheetah LAN preset
        ("77GB/s", "B/s", 77e9),         # Alveo DDR boards (UG1393)
        ("2MiB", "B", 2 * 2**20),
        ("64kB", "B", 64e3),
        ("512kbit", "B", 64e3),
        ("200MHz", "Hz", 200e6),
        ("40ms", "s", 0.04),
        ("0.3 ms", "s", 3e-4),
        ("10.6uW", "W", 10.6e-6),
        ("5pJ", "J", 5e-12),
        ("18.6mm2", "m2", 18.6e-6),
        ("12.9K", "1", 12900.0),
        (7, "1", 7.0),
    ],
)
def test_parse_quantity(text, kind, expected):
    """Each human unit converts to the SI base unit of its kind."""
    assert parse_quantity(text, kind) == pytest.approx(expected)


@pytest.mark.parametrize("text,kind", [("3 parsecs", "s"), ("fast", "Hz"), ("10MHz", "B"), ("inf", "s"), ("", "1")])
def test_parse_quantity_rejects(text, kind):
    """Unknown units or non-numbers give a DseInputError naming the field and an example."""
    with pytest.raises(DseInputError) as err:
        parse_quantity(text, kind, field="clock")
    assert str(err.value).startswith("clock: got")
    assert "\n" not in str(err.value)


def test_format_quantity():
    """Engineering notation for human tables."""
    assert format_quantity(4.2e-3, "s") == "4.2 ms"
    assert format_quantity(10.6e-6, "W") == "10.6 uW"
    assert format_quantity(0, "s") == "0"
