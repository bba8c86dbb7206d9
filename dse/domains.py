"""Physical domains of numeric inputs: one checker and one wording for knobs and parameters.

A domain is a unit kind (:data:`dse.units.UNIT_KINDS`), optional bounds (``gt``/``ge``/``lt``/``le``),
an integer flag and ``special`` values accepted outside the bounds (``0`` = "use the preset").
Every value must also be finite: NaN and infinities describe no physical system.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import DseInputError
from .units import unit_hint

__all__ = ["check_number", "domain_text", "range_text", "knob_boundaries", "param_boundaries", "check_domains"]


def _g(x: float) -> str:
    """``1048576`` not ``1.04858e+06``; ``1e-05`` stays compact."""
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


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


def _outside_below(x: float) -> float:
    return float(np.nextafter(x, -np.inf))


def _outside_above(x: float) -> float:
    return float(np.nextafter(x, np.inf))


def knob_boundaries(knob: Any) -> list[tuple[Any, bool]]:
    """``(value, accepted)`` at the edges of a knob's domain: each bound (accepted), the nearest
    value beyond it (rejected), NaN and infinities (rejected); every choice of a categorical knob
    (accepted) and a label outside them (rejected)."""
    if knob.is_categorical:
        return [(c, True) for c in knob.choices] + [("__not_a_choice__", False)]
    low, high = knob.low, knob.high
    cases: list[tuple[Any, bool]] = [(low, True), (high, True), (float("nan"), False), (float("inf"), False),
                                     (float("-inf"), False)]
    if type(knob).__name__ == "Float":
        cases += [(_outside_below(low), False), (_outside_above(high), False)]
    elif type(knob).__name__ == "Pow2":
        cases += [(low // 2 if low > 1 else 0, False), (high * 2, False), (low + 0.5, False)]
        if high >= 4:
            cases.append((3 * high // 4, False))  # inside the bounds, not a power of two
    else:  # Int: the nearest lattice points outside, and a fraction inside
        step = getattr(knob, "step", 1)
        cases += [(low - step, False), (high + step, False), (low + 0.5, False)]
        if step > 1 and high > low:
            cases.append((low + 1, False))  # between two lattice points
    return cases


def param_boundaries(param: Any) -> list[tuple[Any, bool]]:
    """``(value, accepted)`` at the edges of a :class:`~dse.model.Param`'s declared domain (empty
    for parameters parsed by a function, whose checks are their own)."""
    if param.choices:
        return [(c, True) for c in param.choices] + [("__not_a_choice__", False)]
    if not param.numeric:
        return []
    cases: list[tuple[Any, bool]] = [(float("nan"), False), (float("inf"), False), (float("-inf"), False),
                                     (param.default, True)]
    if param.ge is not None:
        cases += [(param.ge, True), (param.ge - 1 if param.integer else _outside_below(param.ge), False)]
    if param.gt is not None:
        cases += [(param.gt, False), (param.gt + 1 if param.integer else _outside_above(param.gt), True)]
    if param.le is not None:
        cases += [(param.le, True), (param.le + 1 if param.integer else _outside_above(param.le), False)]
    if param.lt is not None:
        cases += [(param.lt, False), (param.lt - 1 if param.integer else _outside_below(param.lt), True)]
    if param.integer:
        inside = param.ge if param.ge is not None else (param.gt + 1 if param.gt is not None else 1)
        cases.append((inside + 0.5, False))
    cases += [(s, True) for s in param.special]
    if param.optional:
        cases += [(None, True), ("none", True)]
    # a "just outside" value that happens to be a special value (bits: 8 - 1 != 0) stays; one that
    # equals a special value is accepted by design and is dropped from the rejected cases
    return [(v, ok) for v, ok in cases if ok or not any(_same(v, s) for s in param.special)]


def _same(a: Any, b: Any) -> bool:
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return False


def check_domains(model_cls: Any) -> int:
    """Feed every knob and parameter of ``model_cls`` its boundary values (:func:`knob_boundaries`,
    :func:`param_boundaries`), as numbers (Python) and as text (CLI, spec files): accepted values
    must pass, the others must raise a one-line :class:`DseInputError` naming the input. Returns
    the number of values checked. For the conformance kit and plug-in test suites."""
    checked = 0

    def rejected(field: str, call: Any) -> None:
        try:
            call()
        except DseInputError as exc:
            text = str(exc)
            assert "\n" not in text and field in text, f"{model_cls.name}: unclear error for {field}: {text}"
            return
        raise AssertionError(f"{model_cls.name}: {field} accepted a value outside its domain")

    for knob in model_cls.space:
        for value, ok in knob_boundaries(knob):
            text = str(value)
            if ok:
                model_cls.space.design({knob.name: [value]})
                model_cls.space.design({knob.name: [knob.parse(text)]})
            else:
                rejected(knob.name, lambda v=value, k=knob: model_cls.space.design({k.name: [v]}))
                rejected(knob.name, lambda t=text, k=knob: model_cls.space.design({k.name: [k.parse(t)]}))
            checked += 1
    for p in model_cls.params:
        for value, ok in param_boundaries(p):
            for given in (value, str(value)):
                if ok:
                    model_cls(**{p.name: given}).get_params()
                else:
                    rejected(p.name, lambda g=given, q=p: model_cls(**{q.name: g}).get_params())
            checked += 1
    return checked
