"""Registries (unknown/unavailable names) and the gradient-mode operations in dse.ops."""

from __future__ import annotations

import numpy as np
import pytest

from dse import models, ops
from dse.errors import DseInputError, UnavailableError, UnknownNameError
from dse.registry import Registry


def test_unknown_model_lists_available():
    """An unknown model name raises an error listing every registered model."""
    with pytest.raises(UnknownNameError) as err:
        models.get("no-such-model")
    for name in models.names():
        assert name in str(err.value)


def test_unavailable_component_says_why():
    """A component whose availability check fails raises UnavailableError with the reason."""

    class NeedsBinary:
        @staticmethod
        def available():
            return False, "binary `foo` not on PATH"

    reg = Registry("solver")
    reg.register("needs-binary", NeedsBinary)
    reg._local.clear()  # local registrations bypass checks; emulate an entry point instead
    reg._cache.clear()

    class FakeEP:
        name, value = "needs-binary", "x:y"

        def load(self):
            return NeedsBinary

    reg._entry_points = lambda: {"needs-binary": FakeEP()}
    with pytest.raises(UnavailableError, match="binary `foo` not on PATH"):
        reg.get("needs-binary")
    assert [e.why for e in reg.entries()] == ["binary `foo` not on PATH"]


def test_ops_exact_modes():
    """Exact ceil/max/min/topk equal numpy's."""
    x = np.array([0.2, 1.0, 2.7])
    assert ops.ceil(x).tolist() == [1.0, 1.0, 3.0]
    assert ops.maximum(x, 1.0).tolist() == [1.0, 1.0, 2.7]
    assert ops.topk_mask(np.array([[3.0, 1.0, 2.0]]), 2).tolist() == [[1.0, 0.0, 1.0]]


def test_ops_smooth_bounds():
    """Smooth max is an upper bound within t*ln2 of the exact max."""
    a, b = np.array([1.0, 5.0]), np.array([1.0, 0.0])
    s = ops.maximum(a, b, mode="smooth", temperature=0.1)
    assert np.all(s >= np.maximum(a, b)) and np.all(s - np.maximum(a, b) <= 0.1 * np.log(2) + 1e-12)


def test_ops_ste_gradients():
    """Straight-through ceil passes gradient 1; forward value stays exact."""
    torch = pytest.importorskip("torch", reason="torch not installed")
    x = torch.tensor([0.2, 1.5], requires_grad=True)
    y = ops.ceil(x, mode="ste")
    assert y.tolist() == [1.0, 2.0]
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_ops_mode_is_checked():
    """An unknown mode is an input error, not a silent default."""
    with pytest.raises(DseInputError):
        ops.ceil(np.ones(2), mode="fuzzy")
