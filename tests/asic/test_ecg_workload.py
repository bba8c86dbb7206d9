"""The ``ecg-va`` workload equals the public IEGMNet reference (tinymlcontest2022 model_1.py)."""

from __future__ import annotations

import pytest

import workloads
from dse.errors import DseInputError


def test_shapes_macs_params_match_iegmnet():
    """Lengths 1250 -> 623 -> 310 -> 154 -> 76 -> 37, 740 features, 192,684 MACs."""
    w = workloads.load("ecg-va")
    convs = [l for l in w.layers if l.kind == "conv2d"]
    assert [l.out_shape[:2] for l in convs] == [(3, 623), (5, 310), (10, 154), (20, 76), (20, 37)]
    assert w.layer("fc1").in_shape == (740,) and w.output_shape == (2,)
    assert w.macs == 192_684


def test_params_equal_pytorch_reference():
    """Parameter count equals PyTorch's for the reference IEGMNet definition (built here)."""
    torch = pytest.importorskip("torch", reason="torch not installed")
    nn = torch.nn

    def block(i, o, k):
        return [nn.Conv2d(i, o, (k, 1), stride=(2, 1)), nn.ReLU(), nn.BatchNorm2d(o)]

    ref = nn.Sequential(*block(1, 3, 6), *block(3, 5, 5), *block(5, 10, 4), *block(10, 20, 4),
                        *block(20, 20, 4), nn.Flatten(), nn.Linear(740, 10), nn.ReLU(), nn.Linear(10, 2))
    assert ref(torch.zeros(1, 1, 1250, 1)).shape == (1, 2)
    assert workloads.load("ecg-va").params == sum(p.numel() for p in ref.parameters())


def test_parameters_validate():
    assert workloads.load("ecg-va:window=2500").layer("conv1").out_shape == (3, 1248, 1)
    with pytest.raises(DseInputError):
        workloads.load("ecg-va:window=10")
