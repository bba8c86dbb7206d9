"""Every registered cost model passes the conformance kit on its example workloads."""

from __future__ import annotations

import pytest

from dse import models
from dse.errors import UnavailableError
from dse.testing import CHECKS, example_cases
from workloads import load


def _cases():
    out = []
    for name in models.names():
        try:
            cls = models.get(name)
        except UnavailableError as exc:
            out.append(pytest.param(name, None, None, str(exc), id=f"{name}-unavailable"))
            continue
        for params, workload in example_cases(cls):
            for check in CHECKS:
                out.append(pytest.param(name, params, workload, check, id=f"{name}-{workload}-{check}"))
    return out


@pytest.mark.parametrize("name,params,workload,check", _cases())
def test_registered_model_conforms(name, params, workload, check):
    """The model is deterministic, batch==loop, SI metrics, masks infeasible points, torch==numpy."""
    if check not in CHECKS:  # a registered built-in that cannot even be imported is a defect
        pytest.fail(check)
    if check in ("torch_matches_numpy", "gradients"):
        pytest.importorskip("torch", reason="torch not installed: numpy/torch agreement not checked")
    model = models.get(name)(**params)
    CHECKS[check](model, load(workload), 0)
