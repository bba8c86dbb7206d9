"""Fixtures for the search tests: the toy model registered in-process, a workload, problems."""

from __future__ import annotations

import pytest

import dse
import workloads
from solvers import Bound, Objective, Problem
from tests.dse.toy_model import ToyModel


@pytest.fixture(autouse=True)
def toy_registered():
    """``dse.models.register("toy", ToyModel)`` for the duration of each test."""
    dse.models.register("toy", ToyModel)
    yield
    dse.models.unregister("toy")


@pytest.fixture(scope="session")
def workload():
    return workloads.load("resnet20-cifar")


@pytest.fixture
def make_problem(workload):
    def make(objectives=(("latency_s", "min"),), bounds=(), space=None, model=None, seed=0):
        model = model or ToyModel()
        sp = model.space.restrict(space) if space else None
        return Problem(model, workload, tuple(Objective(m, d) for m, d in objectives), space=sp,
                       bounds=tuple(Bound(*b) for b in bounds), seed=seed)

    return make
