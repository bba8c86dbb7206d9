"""he_search's configuration space is a restriction of the he model's DesignSpace (no second space type)."""

from __future__ import annotations

import numpy as np
import optuna
import pytest

from costmodels.he import CkksModel
from costmodels.he_search import SearchSpace, StaticChecker, benchmark, benchmark_names, rule_seeds
from costmodels.he_search.space import suggest
from dse.errors import DseInputError

KNOBS = ("N", "levels", "scale_bits", "first_bits", "special_bits", "dnum", "ring", "matvec", "act_degree")


def _points(bench) -> list[dict]:
    space = SearchSpace.for_benchmark(bench)
    pts = space.sample(np.random.default_rng(0), 64)
    grid = space.grid()
    pts += [next(grid) for _ in range(64)]
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    pts += [suggest(study.ask(), space) for _ in range(32)]
    static = StaticChecker(bench.search_workload(), profile=bench.profile, target_bits=bench.precision_bits,
                           activation=bench.activation)
    pts += rule_seeds(bench, static, space)
    return pts


@pytest.mark.parametrize("name", benchmark_names())
def test_every_proposal_lies_in_the_design_space(name):
    """Samples, grid points, Optuna suggestions and rule seeds all validate in SearchSpace.design_space()."""
    bench = benchmark(name)
    ds = SearchSpace.for_benchmark(bench).design_space()
    pts = _points(bench)
    design = ds.design({k: [p[k] for p in pts] for k in KNOBS})
    for k in KNOBS:
        decoded = [design.point(i)[k] for i in range(design.n)]
        assert decoded == [p[k] for p in pts], k


def test_design_space_is_narrower_than_the_model_space():
    """The restriction keeps the he model's knob names and rejects what the search excludes (N = 2^12, 192-bit)."""
    ds = SearchSpace.for_benchmark(benchmark("alexnet")).design_space()
    assert ds.names == CkksModel.space.names
    with pytest.raises(DseInputError):
        ds.design({"N": [4096]})
    with pytest.raises(DseInputError):
        ds.design({"security": [192]})
