"""Design spaces: typed knobs with bounds, plus constraints.

A :class:`DesignSpace` is an ordered set of knobs. Each knob knows how to validate a batch of
values, parse human text (``"200MHz"``), enumerate a grid, draw random samples and ask an Optuna
trial for a value. Categorical knobs travel through the engine as **integer codes** (indices
into ``choices``) so that a design is always a dict of numeric arrays that numpy and torch both
hold; :meth:`Design.eq` compares against a label.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from .errors import DseInputError, UnknownNameError
from .knobs import Categorical, Float, Int, Knob, Pow2

__all__ = ["Knob", "Int", "Float", "Pow2", "Categorical", "Constraint", "DesignSpace", "Design"]


@dataclass(frozen=True)
class Constraint:
    """A feasibility rule over a design: ``fn(design, xp) -> bool array``; False = infeasible."""

    name: str
    fn: Callable[[Design, Any], Any]
    reason: str


@dataclass(frozen=True)
class DesignSpace:
    """An ordered set of knobs plus constraints."""

    knobs: tuple[Knob, ...] = ()
    constraints: tuple[Constraint, ...] = field(default=())

    def __post_init__(self) -> None:
        names = [k.name for k in self.knobs]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise DseInputError("space", sorted(dup), "unique knob names")

    # mapping-like access -----------------------------------------------------------------
    def __getitem__(self, name: str) -> Knob:
        for k in self.knobs:
            if k.name == name:
                return k
        raise UnknownNameError("knob", name, self.names)

    def __contains__(self, name: object) -> bool:
        return any(k.name == name for k in self.knobs)

    def __iter__(self) -> Iterator[Knob]:
        return iter(self.knobs)

    def __len__(self) -> int:
        return len(self.knobs)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.knobs)

    def defaults(self) -> dict[str, Any]:
        return {k.name: k.default for k in self.knobs}

    def restrict(self, specs: Mapping[str, Any]) -> DesignSpace:
        """Narrow some knobs (``{"rows": {"low": 8, "high": 64}, "dataflow": ["os", "ws"]}``)."""
        for name, spec in specs.items():
            knob = self[name]  # raises UnknownNameError listing the knobs
            if isinstance(spec, (list, tuple)) and not spec:
                raise DseInputError(name, "[] (no values)", "at least one value: " + knob.allowed())
            if isinstance(spec, (list, tuple)) and len({str(v) for v in spec}) < len(spec):
                raise DseInputError(name, list(spec), "each value listed once")
        knobs = tuple(k.restrict(specs[k.name]) if k.name in specs else k for k in self.knobs)
        return replace(self, knobs=knobs)

    def size(self, grid_sizes: Mapping[str, int] | None = None) -> int:
        grid_sizes = grid_sizes or {}
        return int(np.prod([len(k.grid(grid_sizes.get(k.name))) for k in self.knobs], dtype=np.float64))

    # designs -----------------------------------------------------------------------------
    def design(self, values: Mapping[str, Any], *, fill_defaults: bool = True) -> Design:
        """Validate user values (labels or codes, scalars or arrays) into a :class:`Design`."""
        for name in values:
            if name not in self:
                raise UnknownNameError("knob", name, self.names)
        arrays: dict[str, np.ndarray] = {}
        for k in self.knobs:
            if k.name in values:
                arrays[k.name] = k.validate(values[k.name])
            elif fill_defaults:
                arrays[k.name] = k.validate([k.default])
        n = max((len(a) for a in arrays.values()), default=1)
        for name, a in arrays.items():
            if len(a) == 1 and n > 1:
                arrays[name] = np.repeat(a, n)
            elif len(a) != n:
                raise DseInputError(name, f"{len(a)} values", f"1 or {n} values (one per design point)")
        return Design(self, arrays, n)

    def grid_design(self, start: int, stop: int, grid_sizes: Mapping[str, int] | None = None) -> Design:
        """Points ``start..stop`` of the cartesian grid (mixed-radix indexing, no materialised product)."""
        grid_sizes = grid_sizes or {}
        axes = [k.grid(grid_sizes.get(k.name)) for k in self.knobs]
        idx = np.arange(start, stop, dtype=np.int64)
        arrays = {}
        for k, axis in zip(reversed(self.knobs), reversed(axes)):
            arrays[k.name] = axis[idx % len(axis)]
            idx = idx // len(axis)
        ordered = {k.name: arrays[k.name] for k in self.knobs}
        return Design(self, ordered, stop - start)

    def sample(self, n: int, seed: int) -> Design:
        rng = np.random.default_rng(seed)
        return Design(self, {k.name: k.sample(rng, n) for k in self.knobs}, n)


class Design(Mapping[str, Any]):
    """A batch of N design points: knob name -> array of shape ``(N,)`` (numpy or torch).

    Categorical knobs hold integer codes; use :meth:`eq` to compare with a label.
    """

    __slots__ = ("space", "_arrays", "n")

    def __init__(self, space: DesignSpace, arrays: Mapping[str, Any], n: int):
        self.space = space
        self._arrays = dict(arrays)
        self.n = int(n)

    def __getitem__(self, name: str) -> Any:
        try:
            return self._arrays[name]
        except KeyError:
            raise UnknownNameError("knob", name, tuple(self._arrays)) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._arrays)

    def __len__(self) -> int:
        return len(self._arrays)

    def eq(self, name: str, label: Any) -> Any:
        """Boolean mask: points whose categorical knob ``name`` equals ``label``."""
        knob = self.space[name]
        code = knob.encode(knob.parse(label)) if knob.is_categorical else label
        return self._arrays[name] == code

    def labels(self, name: str) -> list[Any]:
        knob = self.space[name]
        return [knob.decode(v) for v in _to_numpy(self._arrays[name]).tolist()]

    def with_arrays(self, **arrays: Any) -> Design:
        merged = dict(self._arrays)
        merged.update(arrays)
        return Design(self.space, merged, self.n)

    def take(self, index: Any) -> Design:
        """A sub-batch (index array or slice)."""
        arrays = {k: v[index] for k, v in self._arrays.items()}
        n = len(next(iter(arrays.values()))) if arrays else 0
        return Design(self.space, arrays, n)

    def point(self, i: int) -> dict[str, Any]:
        """Point ``i`` with categorical codes decoded to labels (for reports and JSON)."""
        out = {}
        for name, arr in self._arrays.items():
            value = _to_numpy(arr)[i]
            out[name] = self.space[name].decode(value) if name in self.space else value.item()
        return out

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame({name: self.labels(name) if self.space[name].is_categorical
                             else _to_numpy(arr) for name, arr in self._arrays.items()})

    def __repr__(self) -> str:
        return f"Design(n={self.n}, knobs={list(self._arrays)})"


def _to_numpy(arr: Any) -> np.ndarray:
    if hasattr(arr, "detach"):
        return arr.detach().cpu().numpy()
    return np.asarray(arr)


def concat_designs(designs: Sequence[Design]) -> Design:
    """Concatenate numpy designs of one space."""
    first = designs[0]
    arrays = {k: np.concatenate([np.asarray(d[k]) for d in designs]) for k in first}
    return Design(first.space, arrays, sum(d.n for d in designs))


def iter_chunks(total: int, chunk: int) -> Iterable[tuple[int, int]]:
    for start in range(0, total, chunk):
        yield start, min(total, start + chunk)
