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


@pytest.mark.parametrize("text,kind,expected", [("10e9", "B/s", 10e9), ("200e6", "Hz", 200e6), ("0.04", "s", 0.04),
                                                ("4096", "B", 4096.0), ("1e-6", "m2", 1e-6), (4096, "B", 4096.0)])
def test_plain_si_numbers_are_accepted_for_every_unit(text, kind, expected):
    """A plain number (as `dse models`, --json and TOML specs print them) is in the SI base unit."""
    assert parse_quantity(text, kind) == expected


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-inf", "1e400", float("nan"), float("inf")])
def test_non_finite_values_are_rejected_as_such(text):
    """NaN and infinities (also by overflow) are rejected with a message saying so, not a unit hint only."""
    with pytest.raises(DseInputError) as err:
        parse_quantity(text, "1", field="relu_keep")
    assert "NaN and infinity are not allowed" in str(err.value)


@pytest.mark.parametrize("kind,hint", [("B/s", "1 Gbps = 125 MB/s"), ("B", "1 KiB = 1024 B"), ("s", "40ms"),
                                       ("Hz", "200MHz")])
def test_unit_errors_suggest_units_of_the_right_kind(kind, hint):
    """A value in the wrong kind of unit gets an example of the right kind, with the conversion."""
    with pytest.raises(DseInputError) as err:
        parse_quantity("3 parsecs", kind, field="x")
    assert hint in str(err.value)
