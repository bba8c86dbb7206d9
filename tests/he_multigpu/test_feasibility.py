"""Bad inputs of he-multigpu give a clear infeasibility reason (issue 5 'Done when')."""

from __future__ import annotations

import pytest

import workloads
from costmodels.he_multigpu import MultiGpuTransformerModel
from dse.errors import DseInputError


@pytest.fixture(scope="module")
def bert():
    return workloads.load("bert-base:layers=1")


def _reason(model, wl, **point):
    m = model.evaluate(wl, {k: [v] for k, v in point.items()}).numpy()
    return m.reason_of(0)


def test_more_gpus_than_limbs_for_limb_partitioning(bert):
    """32 GPUs on the limb axis with Lattigo's 25 limbs is infeasible, and the reason says so."""
    reason = _reason(MultiGpuTransformerModel(memory_budget=1e13), bert, seq_len=2048, gpus=32, placement="limb")
    assert reason is not None and "limb partitioning" in reason and "limbs=25" in reason


def test_memory_budget_too_small(bert):
    """A 1 GB budget cannot hold even the switching keys."""
    reason = _reason(MultiGpuTransformerModel(memory_budget="1GB"), bert, seq_len=2048, gpus=4, placement="hybrid")
    assert reason is not None and "memory budget" in reason


def test_token_partitioning_needs_a_ciphertext_per_gpu(bert):
    """16 tokens of width 768 fill one ciphertext at N=2^16: it cannot be split over 2 GPUs."""
    reason = _reason(MultiGpuTransformerModel(memory_budget=1e13), bert, seq_len=16, gpus=2, placement="token")
    assert reason is not None and "token partitioning" in reason


def test_head_partitioning_needs_no_more_gpus_than_heads(bert):
    """BERT-base has 12 heads: 16 GPUs on the feature axis is infeasible."""
    reason = _reason(MultiGpuTransformerModel(memory_budget=1e13), bert, seq_len=2048, gpus=16,
                     placement="replicate")
    assert reason is not None and "heads" in reason


def test_bad_parameters_raise_input_errors():
    """Unknown GPU preset or an unparsable budget: DseInputError naming the field."""
    with pytest.raises(DseInputError, match="gpu"):
        MultiGpuTransformerModel(gpu="tpu").param("gpu")
    with pytest.raises(DseInputError, match="memory_budget"):
        MultiGpuTransformerModel(memory_budget="-3GB").param("memory_budget")
