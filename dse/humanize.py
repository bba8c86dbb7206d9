"""Human-readable quantities for the faces (``dse models``, ``whatif``, plots, ``report.md``).

Values inside the engine are SI base units (:mod:`dse.units`); this module only formats them:
``quantity(1.25e8, "B/s") == "1 Gbit/s"``, ``quantity(65536, "B") == "64 KiB"``,
``quantity(1e-3, "s") == "1 ms"``, and picks one scale for a column or an axis from its data
(:func:`scale_for`: latency in ms, area in mm², energy in µJ).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["Scale", "count", "knob_range", "metric_label", "quantity", "scale_for"]

_PREFIX = {-15: "f", -12: "p", -9: "n", -6: "µ", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P"}
_BINARY = ((2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB"))
#: display name of an SI unit kind (``m2`` is shown as mm², bandwidth as bit/s)
_SHOWN = {"m2": "m²", "B/s": "bit/s"}


def count(value: float) -> str:
    """An integer with thousands separators, else 4 significant digits."""
    if not math.isfinite(value):
        return "n/a" if math.isnan(value) else str(value)
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.6g}"


def _si(value: float, unit: str, digits: int = 4) -> str:
    exp = int(math.floor(math.log10(abs(value)) / 3) * 3)
    exp = max(-15, min(15, exp))
    return f"{value / 10**exp:.{digits}g} {_PREFIX[exp]}{unit}"


def quantity(value: Any, unit: str) -> str:
    """``value`` (SI base unit ``unit``) as text with a readable prefix; counts as integers.

    Bandwidth (B/s) is shown in bit/s as networks are quoted; a byte size that is a whole
    number of KiB/MiB/GiB uses binary prefixes (buffer sizes), else SI; area in mm²;
    other units (``nm``, ``V``, ``bit``...) print the number and the unit as given.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        return str(value)
    value = float(value)
    if unit in ("", "1") or not math.isfinite(value):
        return count(value)
    if value == 0:
        return f"0 {_SHOWN.get(unit, unit)}"
    if unit == "B/s":
        return _si(value * 8.0, "bit/s")
    if unit == "B":
        for size, name in _BINARY:
            if abs(value) >= size and value % size == 0 and abs(value) / size < 10000:
                return f"{value / size:g} {name}"
        return _si(value, "B") if abs(value) >= 1000 else f"{value:g} B"
    if unit == "m2":
        return f"{value * 1e6:.4g} mm²" if abs(value) >= 1e-9 else f"{value * 1e12:.4g} µm²"
    if unit.startswith("1/"):
        return _si(value, unit[1:]).replace(" /", " per ")
    if unit in ("s", "Hz", "J", "W", "m"):
        return _si(value, unit)
    return f"{value:g} {unit}"


def knob_range(knob: Any) -> str:
    """The values a knob allows, in human units: ``1 .. 4,096``, ``1 KiB .. 128 MiB (powers of two)``."""
    choices = getattr(knob, "choices", None)
    if choices and not callable(choices):
        return ", ".join(str(c) for c in choices)
    values = getattr(knob, "values", None)
    if values is not None and getattr(knob, "low", None) is None:
        return ", ".join(quantity(v, knob.unit) for v in values)
    low, high = getattr(knob, "low", None), getattr(knob, "high", None)
    if low is None or high is None:
        return knob.allowed()
    text = f"{quantity(low, knob.unit)} .. {quantity(high, knob.unit)}"
    kind = type(knob).__name__
    if kind == "Pow2":
        text += " (powers of two)"
    elif kind == "Int":
        step = getattr(knob, "step", 1)
        text += f" (integers{f', steps of {step}' if step != 1 else ''})"
    elif getattr(knob, "log", False):
        text += " (log scale)"
    return text


class Scale:
    """A display scale for one column/axis: ``shown = value * factor``, labelled ``unit``."""

    def __init__(self, factor: float, unit: str):
        self.factor, self.unit = factor, unit

    def __call__(self, values: Any) -> Any:
        return np.asarray(values, dtype=float) * self.factor

    def __repr__(self) -> str:
        return f"Scale({self.factor:g}, {self.unit!r})"


def scale_for(values: Iterable[float], unit: str) -> Scale:
    """One prefix for a whole column or axis, picked from its data (median magnitude of the finite
    non-zero values): latency in ms or s, area in mm², energy in µJ or mJ, bytes in MB or GB."""
    arr = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=float)
    arr = np.abs(arr[np.isfinite(arr) & (arr != 0)])
    if unit == "m2":
        return Scale(1e6, "mm²")
    if unit in ("", "1") or not arr.size:
        return Scale(1.0, "" if unit in ("", "1") else _SHOWN.get(unit, unit))
    ref = float(np.median(arr))
    if unit == "B/s":
        ref, unit, mult = ref * 8.0, "bit/s", 8.0
    else:
        mult = 1.0
    exp = int(math.floor(math.log10(ref) / 3) * 3)
    exp = max(-15, min(15, exp))
    if unit in ("B", "bit/s"):
        exp = max(exp, 0)  # no millibytes
    return Scale(mult / 10**exp, f"{_PREFIX[exp]}{unit}")


def metric_label(name: str, scale: Scale) -> str:
    """Axis/column label: ``latency (ms)`` for ``latency_s`` shown in ms; counts keep their name."""
    from .metrics import UNIT_SUFFIXES

    base = name
    if name.endswith("_bytes_per_device"):
        base = name[: -len("_bytes_per_device")] + "_per_device"
    else:
        for suffix in UNIT_SUFFIXES:
            if name.endswith(suffix):
                base = name[: -len(suffix)]
                break
    base = base.replace("_", " ")
    return f"{base} ({scale.unit})" if scale.unit else base
