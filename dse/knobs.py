"""Knob types of a design space: integer, real (log), power-of-two and categorical.

Each knob validates a batch of user-facing values, parses human text (``"200MHz"``), enumerates a
grid, draws seeded samples and asks an Optuna trial for a value. Categorical knobs store integer
codes (indices into ``choices``) inside designs; :meth:`Categorical.validate` maps labels to codes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Mapping

import numpy as np

from .errors import DseInputError
from .units import UNIT_KINDS, parse_quantity, unit_hint

__all__ = ["Knob", "Int", "Float", "Pow2", "Categorical"]


@dataclass(frozen=True)
class Knob:
    """Base knob. ``unit`` is a kind from :data:`dse.units.UNIT_KINDS` (``"1"`` = dimensionless)."""

    name: str
    default: Any = None
    unit: str = "1"
    doc: str = ""

    is_categorical = False

    def __post_init__(self) -> None:
        if self.unit not in UNIT_KINDS:
            raise DseInputError(f"{self.name}.unit", self.unit, "one of " + ", ".join(UNIT_KINDS))

    # -- overridden ---------------------------------------------------------------------
    def allowed(self) -> str:
        raise NotImplementedError

    def validate(self, values: Any) -> np.ndarray:
        """Return ``values`` as a 1-D array, or raise :class:`DseInputError` naming the knob."""
        raise NotImplementedError

    def grid(self, n: int | None = None) -> np.ndarray:
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        raise NotImplementedError

    def suggest(self, trial: Any) -> Any:
        raise NotImplementedError

    # -- shared -------------------------------------------------------------------------
    def parse(self, text: Any) -> Any:
        """Parse one value given by a human (CLI or spec file) into the knob's base unit."""
        return parse_quantity(text, self.unit, field=self.name, allowed=self.parse_allowed())

    def parse_allowed(self) -> str:
        """:meth:`allowed` plus how to write a value of the knob's unit (for parse errors)."""
        return self.allowed() + ("" if self.unit in ("1", "") else f"; as {unit_hint(self.unit)}")

    def encode(self, value: Any) -> Any:
        """A user-facing value -> the number stored in a design array."""
        return value

    def decode(self, code: Any) -> Any:
        """The number stored in a design array -> the user-facing value."""
        return code.item() if hasattr(code, "item") else code

    def restrict(self, spec: Any) -> Knob:
        """A narrower copy: ``{"low": .., "high": ..}`` for ranges, a list for choices/values."""
        raise NotImplementedError

    def _fail(self, values: np.ndarray, ok: np.ndarray) -> None:
        if not bool(np.all(ok)):
            bad = np.asarray(values).reshape(-1)[~np.asarray(ok).reshape(-1)][0]
            raise DseInputError(self.name, bad.item() if hasattr(bad, "item") else bad,
                                self.allowed())


def _restrict_range(knob: Any, spec: Any, cast: type) -> Knob:
    """``{"low": .., "high": ..}`` narrows a range knob (default clamped into it); anything else
    restricts it to an explicit list of values."""
    if not isinstance(spec, Mapping):
        return _Fixed.from_values(knob, spec)
    extra = sorted(set(spec) - {"low", "high"})
    if extra or not spec:
        raise DseInputError(knob.name, dict(spec), "a range {low = .., high = ..} (keys low and/or high)")
    bounds = {}
    for key in ("low", "high"):
        value = knob.parse(spec.get(key, getattr(knob, key)))
        if cast is int and value != int(value):
            raise DseInputError(f"{knob.name}.{key}", spec.get(key), knob.allowed())
        bounds[key] = cast(value)
        if not knob.low <= bounds[key] <= knob.high:
            raise DseInputError(f"{knob.name}.{key}", spec.get(key), knob.allowed())
    low, high = bounds["low"], bounds["high"]
    if low > high:
        raise DseInputError(knob.name, f"low {spec.get('low', knob.low)} > high {spec.get('high', knob.high)}",
                            "low <= high", detail="low exceeds high")
    default = knob.default if knob.default is not None else low
    return replace(knob, low=low, high=high, default=min(max(cast(default), low), high))


def _parse_int(knob: Knob, text: Any) -> int:
    """Human text (units allowed) -> an integer, or an error naming the knob."""
    value = parse_quantity(text, knob.unit, field=knob.name, allowed=knob.parse_allowed())
    if value != int(value):
        raise DseInputError(knob.name, text, knob.allowed())
    return int(value)


def _numeric_1d(knob: Knob, values: Any) -> np.ndarray:
    """``values`` as a 1-D numeric array, or an error naming the knob."""
    arr = _as_1d(values)
    if arr.dtype.kind not in "iuf":
        raise DseInputError(knob.name, arr.reshape(-1)[0], knob.allowed())
    return arr


def _as_1d(values: Any) -> np.ndarray:
    if hasattr(values, "detach"):  # torch tensor: validate on a copy
        values = values.detach().cpu().numpy()
    arr = np.asarray(values)
    return arr.reshape(-1) if arr.ndim != 1 else arr


@dataclass(frozen=True)
class Int(Knob):
    """Integer knob in ``[low, high]`` on a ``step`` lattice."""

    low: int = 0
    high: int = 0
    step: int = 1
    log: bool = False

    def allowed(self) -> str:
        lattice = f" in steps of {self.step}" if self.step != 1 else ""
        return f"an integer in [{self.low}, {self.high}]{lattice}"

    def parse(self, text: Any) -> int:
        return _parse_int(self, text)

    def validate(self, values: Any) -> np.ndarray:
        arr = _numeric_1d(self, values)
        self._fail(arr, np.isfinite(arr))
        ok = (arr == np.round(arr)) & (arr >= self.low) & (arr <= self.high)
        ok &= ((arr - self.low) % self.step) == 0
        self._fail(arr, ok)
        return arr.astype(np.int64)

    def grid(self, n: int | None = None) -> np.ndarray:
        full = np.arange(self.low, self.high + 1, self.step, dtype=np.int64)
        if n is None or n >= len(full):
            return full
        if self.log and self.low > 0:
            pts = np.unique(np.round(np.geomspace(self.low, self.high, n)).astype(np.int64))
        else:
            pts = np.unique(np.round(np.linspace(self.low, self.high, n)).astype(np.int64))
        return self.low + ((pts - self.low) // self.step) * self.step

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        k = (self.high - self.low) // self.step
        return self.low + self.step * rng.integers(0, k + 1, size=n)

    def suggest(self, trial: Any) -> int:
        if self.log and self.step != 1:
            # Optuna refuses log=True with step != 1: draw the lattice index j (value = low +
            # step * (j - 1)) log-uniformly instead, which keeps the log spacing of the values.
            top = (self.high - self.low) // self.step + 1
            j = trial.suggest_int(self.name + "_lattice", 1, top, log=True)
            return self.low + self.step * (j - 1)
        return trial.suggest_int(self.name, self.low, self.high, step=self.step, log=self.log)

    def restrict(self, spec: Any) -> Knob:
        return _restrict_range(self, spec, int)


@dataclass(frozen=True)
class Float(Knob):
    """Real knob in ``[low, high]`` (log-uniform when ``log``)."""

    low: float = 0.0
    high: float = 1.0
    log: bool = False

    def allowed(self) -> str:
        return f"a number in [{self.low:g}, {self.high:g}] ({self.unit})"

    def validate(self, values: Any) -> np.ndarray:
        arr = _numeric_1d(self, values)
        arr = arr.astype(np.float64)
        ok = np.isfinite(arr) & (arr >= self.low) & (arr <= self.high)
        self._fail(arr, ok)
        return arr

    def grid(self, n: int | None = None) -> np.ndarray:
        n = 11 if n is None else n
        if self.log:
            return np.geomspace(self.low, self.high, n)
        return np.linspace(self.low, self.high, n)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.log:
            return np.exp(rng.uniform(math.log(self.low), math.log(self.high), size=n))
        return rng.uniform(self.low, self.high, size=n)

    def suggest(self, trial: Any) -> float:
        return trial.suggest_float(self.name, self.low, self.high, log=self.log)

    def restrict(self, spec: Any) -> Knob:
        return _restrict_range(self, spec, float)


@dataclass(frozen=True)
class Pow2(Knob):
    """Power-of-two integer knob in ``[low, high]`` (both powers of two)."""

    low: int = 1
    high: int = 1

    def __post_init__(self) -> None:
        super().__post_init__()
        for bound in (self.low, self.high):
            if bound < 1 or bound & (bound - 1):
                raise DseInputError(f"{self.name}.bounds", bound, "a power of two >= 1")

    def allowed(self) -> str:
        return f"a power of two in [{self.low}, {self.high}]"

    def parse(self, text: Any) -> int:
        return _parse_int(self, text)

    def validate(self, values: Any) -> np.ndarray:
        arr = _numeric_1d(self, values)
        self._fail(arr, np.isfinite(arr))
        ints = np.round(arr).astype(np.int64)
        ok = (arr == ints) & (ints >= self.low) & (ints <= self.high) & ((ints & (ints - 1)) == 0)
        self._fail(arr, ok)
        return ints

    def choices(self) -> np.ndarray:
        return 2 ** np.arange(int(math.log2(self.low)), int(math.log2(self.high)) + 1, dtype=np.int64)

    def grid(self, n: int | None = None) -> np.ndarray:
        full = self.choices()
        if n is None or n >= len(full):
            return full
        idx = np.unique(np.round(np.linspace(0, len(full) - 1, n)).astype(int))
        return full[idx]

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.choice(self.choices(), size=n)

    def suggest(self, trial: Any) -> int:
        e = trial.suggest_int(self.name + "_log2", int(math.log2(self.low)), int(math.log2(self.high)))
        return 2**e

    def restrict(self, spec: Any) -> Knob:
        return _restrict_range(self, spec, int)


@dataclass(frozen=True)
class Categorical(Knob):
    """One of ``choices`` (strings or numbers). Stored in designs as the index into ``choices``.

    Restricting a categorical knob (``restrict(["ws", "is"])``) never renumbers it: ``choices``
    stays the model's full tuple, so a code means the same label in every (sub-)space and a model
    that compares codes against its own class-level space reads the design it is given. The
    restriction is ``subset``: the codes a grid, a sample or a trial may take (in the order the
    user gave them).
    """

    choices: tuple = ()
    subset: tuple[int, ...] | None = None

    is_categorical = True

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.choices:
            raise DseInputError(f"{self.name}.choices", self.choices, "a non-empty tuple")
        if self.subset is not None and (not self.subset or any(
                not 0 <= int(c) < len(self.choices) for c in self.subset)):
            raise DseInputError(f"{self.name}.subset", self.subset,
                                f"a non-empty tuple of codes in [0, {len(self.choices) - 1}]")

    @property
    def codes(self) -> tuple[int, ...]:
        """The codes this knob may take (all of ``choices`` unless restricted)."""
        return tuple(range(len(self.choices))) if self.subset is None else self.subset

    @property
    def allowed_choices(self) -> tuple:
        """The labels this knob may take, in grid order."""
        return tuple(self.choices[c] for c in self.codes)

    def allowed(self) -> str:
        return "one of " + ", ".join(str(c) for c in self.allowed_choices)

    def parse(self, text: Any) -> Any:
        for c in self.choices:
            if str(c) == str(text) or (not isinstance(c, str) and _num_eq(c, text)):
                return c
        raise DseInputError(self.name, text, self.allowed())

    def encode(self, value: Any) -> int:
        for i, c in enumerate(self.choices):
            if c == value or str(c) == str(value):
                return i
        raise DseInputError(self.name, value, self.allowed())

    def code(self, label: Any) -> int:
        """Index of ``label`` in ``choices`` (for ``design[knob] == code`` comparisons)."""
        return self.encode(label)

    def decode(self, code: Any) -> Any:
        return self.choices[int(code)]

    def validate(self, values: Any) -> np.ndarray:
        """User-facing labels -> integer codes (codes live only inside :class:`Design`)."""
        arr = _as_1d(values)
        codes = np.array([self.encode(v) for v in arr.tolist()], dtype=np.int64)
        if self.subset is not None:
            self._fail(arr, np.isin(codes, np.asarray(self.subset, dtype=np.int64)))
        return codes

    def grid(self, n: int | None = None) -> np.ndarray:
        return np.asarray(self.codes, dtype=np.int64)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.subset is None:
            return rng.integers(0, len(self.choices), size=n)
        return np.asarray(self.subset, dtype=np.int64)[rng.integers(0, len(self.subset), size=n)]

    def suggest(self, trial: Any) -> int:
        return self.encode(trial.suggest_categorical(self.name, list(self.allowed_choices)))

    def restrict(self, spec: Any) -> Knob:
        values = spec if isinstance(spec, (list, tuple)) else [spec]
        if not values:
            raise DseInputError(self.name, "[]", "a non-empty list of " + self.allowed()[7:])
        picked: list[int] = []
        for v in values:
            code = self.encode(self.parse(v))
            if code not in self.codes:
                raise DseInputError(self.name, v, self.allowed())
            if code not in picked:
                picked.append(code)
        default_code = self.encode(self.default) if self.default is not None else picked[0]
        default = self.default if default_code in picked else self.choices[picked[0]]
        return replace(self, subset=tuple(picked), default=default)


def _num_eq(a: Any, b: Any) -> bool:
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class _Fixed(Knob):
    """A numeric knob restricted to an explicit list of values (e.g. ``rows = [16, 32, 128]``)."""

    values: tuple = ()
    base: Knob | None = None

    @classmethod
    def from_values(cls, base: Knob, spec: Any) -> _Fixed:
        values = spec if isinstance(spec, (list, tuple)) else [spec]
        parsed = tuple(base.parse(v) for v in values)
        for raw, value in zip(values, parsed):
            try:
                base.validate(np.asarray([value]))
            except DseInputError as exc:  # name the value as written (-4KiB), not its SI number
                raise DseInputError(base.name, raw, exc.allowed) from None
        return cls(name=base.name, default=parsed[0], unit=base.unit, doc=base.doc,
                   values=parsed, base=base)

    def allowed(self) -> str:
        return "one of " + ", ".join(str(v) for v in self.values)

    def parse(self, text: Any) -> Any:
        return self.base.parse(text) if self.base else text

    def validate(self, values: Any) -> np.ndarray:
        arr = self.base.validate(values) if self.base is not None else np.asarray(values)
        ok = np.isin(arr, np.asarray(self.values))
        self._fail(arr, ok)
        return arr

    def grid(self, n: int | None = None) -> np.ndarray:
        return np.asarray(self.values)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.choice(np.asarray(self.values), size=n)

    def suggest(self, trial: Any) -> Any:
        return trial.suggest_categorical(self.name, list(self.values))

    def restrict(self, spec: Any) -> Knob:
        return _Fixed.from_values(self.base if self.base is not None else self, spec)
