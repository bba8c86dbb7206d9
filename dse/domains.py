"""Physical domains of numeric inputs: one checker and one wording for knobs and parameters.

A domain is a unit kind (:data:`dse.units.UNIT_KINDS`), optional bounds (``gt``/``ge``/``lt``/``le``),
an integer flag and ``special`` values accepted outside the bounds (``0`` = "use the preset").
Every value must also be finite: NaN and infinities describe no physical system.
"""

from __future__ import annotations

import math
from typing import Any

from .errors import DseInputError
from .units import unit_hint

__all__ = ["check_number", "domain_text", "range_text"]


def _g(x: float) -> str:
    return f"{x:g}"


def range_text(*, gt: float | None = None, ge: float | None = None, lt: float | None = None,
               le: float | None = None) -> str:
    """``"in [0, 1]"``, ``"in (0, 1]"``, ``"> 0"``, ``">= 0"``, ``"<= 8"`` or ``""``."""
    low, low_open = (gt, True) if gt is not None else (ge, False)
    high, high_open = (lt, True) if lt is not None else (le, False)
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{_g(low)}, {_g(high)}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {_g(low)}"
    if high is not None:
        return f"{'<' if high_open else '<='} {_g(high)}"
    return ""


def domain_text(unit: str = "1", *, gt: float | None = None, ge: float | None = None, lt: float | None = None,
                le: float | None = None, integer: bool = False, special: tuple = (),
                optional: bool = False) -> str:
    """The domain in words, e.g. ``"a number > 0 in B/s or a unit, e.g. 400MB/s or 3.2Gbps (...)"``."""
    text = "an integer" if integer else "a number"
    rng = range_text(gt=gt, ge=ge, lt=lt, le=le)
    if rng:
        text += " " + rng
    if unit not in ("1", ""):
        text += " in " + unit_hint(unit)
    if special:
        text = " or ".join(_g(s) if isinstance(s, (int, float)) else str(s) for s in special) + " or " + text
    if optional:
        text += ", or none"
    return text


def check_number(field: str, raw: Any, value: Any, allowed: str, *, gt: float | None = None,
                 ge: float | None = None, lt: float | None = None, le: float | None = None,
                 integer: bool = False, special: tuple = ()) -> None:
    """Raise :class:`DseInputError` (``field``, the ``raw`` input, ``allowed``) unless ``value``
    is finite, in the bounds (or one of ``special``) and, with ``integer``, a whole number."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise DseInputError(field, raw, allowed) from None
    if not math.isfinite(v):
        raise DseInputError(field, raw, allowed, detail="NaN and infinity are not allowed")
    if special and any(v == float(s) for s in special if isinstance(s, (int, float))):
        return
    ok = ((gt is None or v > gt) and (ge is None or v >= ge) and (lt is None or v < lt)
          and (le is None or v <= le) and (not integer or v == int(v)))
    if not ok:
        raise DseInputError(field, raw, allowed)
