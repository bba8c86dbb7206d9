"""Design spaces: knob validation, grids, sampling, restriction, categorical codes."""

from __future__ import annotations

import numpy as np
import pytest

from dse.errors import DseInputError, UnknownNameError
from dse.space import Categorical, Constraint, DesignSpace, Float, Int, Pow2, concat_designs

SPACE = DesignSpace((
    Int("rows", default=16, low=1, high=256),
    Pow2("cols", default=16, low=4, high=64),
    Float("clock", default=2e8, low=1e8, high=1e9, unit="Hz", log=True),
    Categorical("dataflow", default="ws", choices=("os", "ws", "is")),
    Categorical("bits", default=8, choices=(1, 2, 4, 8)),
))


def test_design_validates_and_broadcasts():
    """Scalars broadcast to N; categorical labels become codes; design.eq compares labels."""
    d = SPACE.design({"rows": [1, 2, 3], "dataflow": "is", "bits": [8]})
    assert d.n == 3
    assert d["rows"].tolist() == [1, 2, 3]
    assert d["cols"].tolist() == [16, 16, 16]
    assert d["dataflow"].tolist() == [2, 2, 2]
    assert d["bits"].tolist() == [3, 3, 3]
    assert d.eq("dataflow", "is").all() and not d.eq("dataflow", "os").any()
    assert d.point(0) == {"rows": 1, "cols": 16, "clock": 2e8, "dataflow": "is", "bits": 8}


@pytest.mark.parametrize("values,field", [
    ({"rows": [0]}, "rows"), ({"rows": [1.5]}, "rows"), ({"cols": [48]}, "cols"),
    ({"clock": [5e9]}, "clock"), ({"dataflow": ["rs"]}, "dataflow"), ({"bits": [3]}, "bits"),
])
def test_bad_values_name_the_knob(values, field):
    """Out-of-range values raise DseInputError naming the knob and what is allowed."""
    with pytest.raises(DseInputError) as err:
        SPACE.design(values)
    assert str(err.value).startswith(f"{field}: got")


def test_unknown_knob_lists_knobs():
    """An unknown knob name lists the existing ones."""
    with pytest.raises(UnknownNameError) as err:
        SPACE.design({"rowz": 3})
    assert "rows" in str(err.value) and "dataflow" in str(err.value)


def test_mismatched_lengths():
    """Arrays of different lengths (other than 1) are rejected."""
    with pytest.raises(DseInputError):
        SPACE.design({"rows": [1, 2], "cols": [4, 8, 16]})


def test_grid_design_enumerates_cartesian_product():
    """grid_design indexes the cartesian product without materialising it; chunks concatenate."""
    small = SPACE.restrict({"rows": [1, 2], "cols": {"low": 4, "high": 8}, "clock": [1e8],
                            "dataflow": ["os", "ws"], "bits": [8]})
    total = small.size()
    assert total == 2 * 2 * 1 * 2 * 1
    whole = small.grid_design(0, total)
    parts = concat_designs([small.grid_design(0, 3), small.grid_design(3, total)])
    for k in whole:
        assert np.array_equal(whole[k], parts[k])
    combos = {(r, c, f) for r, c, f in zip(whole["rows"], whole["cols"], whole["dataflow"])}
    assert len(combos) == total


def test_restrict_rejects_widening():
    """Restriction cannot widen a knob beyond its declared bounds."""
    with pytest.raises(DseInputError):
        SPACE.restrict({"rows": {"low": 0, "high": 8}})
    with pytest.raises(DseInputError):
        SPACE.restrict({"dataflow": ["rs"]})


def test_sample_is_seeded_and_legal():
    """Sampling is deterministic per seed and stays inside the space."""
    a, b = SPACE.sample(100, seed=3), SPACE.sample(100, seed=3)
    for k in a:
        assert np.array_equal(a[k], b[k])
    SPACE.design({k.name: [k.decode(v) for v in a[k.name]] for k in SPACE})  # all legal


def test_pow2_bounds_must_be_powers():
    """A Pow2 knob declared with non-power-of-two bounds is a definition error."""
    with pytest.raises(DseInputError):
        Pow2("x", default=4, low=3, high=16)


def test_constraint_object():
    """Constraints carry a function and a reason text."""
    c = Constraint("c", lambda d, xp: d["rows"] <= d["cols"], "rows must not exceed cols")
    d = SPACE.design({"rows": [4, 100], "cols": [16, 16]})
    assert c.fn(d, np).tolist() == [True, False]
