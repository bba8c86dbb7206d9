"""Human units, parsed only at the boundary (CLI ``--set``, spec files).

Inside the engine every quantity is in SI base units (seconds, hertz, bytes, bytes per second,
watts, joules, square metres). A knob declares one of the unit kinds below; :func:`parse_quantity`
turns text such as ``"400Mbps"``, ``"200MHz"`` or ``"2MiB"`` into that base unit. A plain number
(``"10e9"``, ``"0.04"``, ``4096``) is already in the base unit, which is how ``dse models``, the
``--json`` echo and the TOML specs print values. NaN and infinities are never accepted.

Bandwidth is stored in **bytes per second**: ``400Mbps`` = 400e6 bit/s = 5e7 B/s (1 Gbps = 125 MB/s).
"""

from __future__ import annotations

import math
import re

from .errors import DseInputError

__all__ = ["UNIT_KINDS", "UNIT_HINTS", "parse_quantity", "format_quantity", "unit_hint"]

_SI = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15,
       "m": 1e-3, "u": 1e-6, "µ": 1e-6, "n": 1e-9, "p": 1e-12, "f": 1e-15}
_BIN = {"Ki": 2.0**10, "Mi": 2.0**20, "Gi": 2.0**30, "Ti": 2.0**40}

# unit kind -> {unit symbol: factor to base unit}; prefixes are applied on top.
UNIT_KINDS: dict[str, dict[str, float]] = {
    "1": {"": 1.0},
    "s": {"s": 1.0, "sec": 1.0, "min": 60.0, "h": 3600.0},
    "Hz": {"Hz": 1.0, "hz": 1.0},
    "B": {"B": 1.0, "byte": 1.0, "bytes": 1.0, "b": 0.125, "bit": 0.125, "bits": 0.125},
    "B/s": {"B/s": 1.0, "Bps": 1.0, "bps": 0.125, "bit/s": 0.125, "b/s": 0.125},
    "W": {"W": 1.0},
    "J": {"J": 1.0},
    "m2": {"m2": 1.0, "m^2": 1.0},
    "m": {"m": 1.0},
    "V": {"V": 1.0},
}

#: How to write a value of each kind, with the conversion a reader needs (used in error texts).
UNIT_HINTS: dict[str, str] = {
    "1": "a plain number, e.g. 0.5 or 12.9K",
    "s": "seconds or a unit, e.g. 40ms or 0.04 (= 40 ms)",
    "Hz": "Hz or a unit, e.g. 200MHz or 200e6",
    "B": "bytes or a unit, e.g. 4096, 64KiB or 2MB (1 KiB = 1024 B; 8 bit = 1 B)",
    "B/s": "B/s or a unit, e.g. 400MB/s or 3.2Gbps (1 Gbps = 125 MB/s)",
    "W": "W or a unit, e.g. 10uW or 1e-5",
    "J": "J or a unit, e.g. 5pJ or 5e-12",
    "m2": "m2 or a unit, e.g. 1mm2 or 1e-6 (1 mm2 = 1e-6 m2)",
    "m": "metres or a unit, e.g. 56nm or 5.6e-8",
    "V": "volts or a unit, e.g. 900mV or 0.9",
}

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_RE = re.compile(rf"^\s*({_NUM})\s*([A-Za-zµ/^0-9]*)\s*$")


def unit_hint(kind: str) -> str:
    """How to write a value of unit ``kind`` (``"B/s"`` -> ``"B/s or a unit, e.g. 400MB/s ..."``)."""
    return UNIT_HINTS.get(kind, f"a number in {kind}")


def _unit_factor(kind: str, suffix: str) -> float | None:
    table = UNIT_KINDS[kind]
    if suffix == "":
        return 1.0  # a plain number is in the SI base unit
    if suffix in table:
        return table[suffix]
    if kind == "m2" and suffix in ("mm2", "mm^2"):
        return 1e-6
    if kind == "m2" and suffix in ("um2", "um^2", "µm2", "µm^2"):
        return 1e-12
    for prefix_table in (_BIN, _SI):
        for prefix, scale in prefix_table.items():
            if prefix and suffix.startswith(prefix):
                rest = suffix[len(prefix):]
                if rest in table and (kind != "1" or rest == ""):
                    return scale * table[rest]
    return None


def parse_quantity(text: str | float | int, kind: str, *, field: str = "value", allowed: str | None = None) -> float:
    """Parse ``text`` into the SI base unit of ``kind`` (a plain number is already in it).

    ``allowed`` replaces the default "allowed" text of the error (callers that know a range).

    >>> parse_quantity("400Mbps", "B/s")
    50000000.0
    >>> parse_quantity("2MiB", "B")
    2097152.0
    >>> parse_quantity("200MHz", "Hz")
    200000000.0
    >>> parse_quantity("10e9", "B/s")
    10000000000.0
    """
    if kind not in UNIT_KINDS:
        raise DseInputError("unit", kind, "one of " + ", ".join(UNIT_KINDS))
    what = allowed or ("a finite number, e.g. 0.5 or 12.9K" if kind == "1" else
                       f"a finite number in {unit_hint(kind)}")
    if isinstance(text, bool):
        raise DseInputError(field, text, what)
    if isinstance(text, (int, float)) or hasattr(text, "dtype"):
        try:
            value = float(text)
        except (TypeError, ValueError):
            raise DseInputError(field, text, what) from None
    else:
        m = _RE.match(str(text))
        if not m:
            raise DseInputError(field, text, what + _non_finite_note(text))
        number, suffix = float(m.group(1)), m.group(2)
        factor = _unit_factor(kind, suffix)
        if factor is None:
            raise DseInputError(field, text, what)
        value = number * factor
    if not math.isfinite(value):
        raise DseInputError(field, text, what + " (NaN and infinity are not allowed)")
    return value


def _non_finite_note(text: object) -> str:
    word = str(text).strip().lower().lstrip("+-")
    return " (NaN and infinity are not allowed)" if word in ("nan", "inf", "infinity") else ""


def format_quantity(value: float, unit: str) -> str:
    """Readable engineering notation for tables, e.g. ``format_quantity(4.2e-3, 's') == '4.2 ms'``."""
    if unit in ("", "1") or value == 0 or not math.isfinite(value):
        return f"{value:.6g}"
    if unit == "m2":  # prefixes on m² read ambiguously; show mm² (or µm² for tiny areas)
        return f"{value * 1e6:.4g} mm2" if abs(value) >= 1e-9 else f"{value * 1e12:.4g} um2"
    if unit.startswith("1/"):
        unit = unit[1:]
    exp = int(math.floor(math.log10(abs(value)) / 3) * 3)
    exp = max(-15, min(15, exp))
    prefix = {-15: "f", -12: "p", -9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M", 9: "G",
              12: "T", 15: "P"}[exp]
    return f"{value / 10**exp:.4g} {prefix}{unit}"
