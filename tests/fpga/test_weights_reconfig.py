"""fpga-transformer weights on chip vs streamed, and the price of re-allocating MACs per length."""

from __future__ import annotations

import numpy as np
import pytest

import workloads
from costmodels.fpga import TransformerAcceleratorModel
from costmodels.fpga.lowering import compile_stages


@pytest.fixture(scope="module")
def bert2():
    return workloads.load("bert-base:layers=2")


def _tot(model, wl, **point):
    m = model.evaluate(wl, {k: [v] for k, v in point.items()}).numpy()
    assert m.feasible[0], m.reason_of(0)
    return {k: float(v[0]) for k, v in m.totals.items()}, m


def test_small_model_keeps_weights_on_chip(bert2):
    """Two BERT layers (14.2 M INT8 weights) fit a U200: no streaming floor, no DRAM energy, the
    weight bits sit in URAM/BRAM; streaming them is slower when compute is fast."""
    model = TransformerAcceleratorModel(lengths="fixed:8")
    point = dict(board="u200", macs=65536 // 8, batch=1, attention="dense", schedule="padded")
    on, m_on = _tot(model, bert2, weights="auto", **point)
    off, m_off = _tot(model, bert2, weights="stream", **point)
    w_bits = compile_stages(bert2).weights.sum() * 8
    names = list(m_on.layer_names)
    row = names.index("op.weights")
    assert m_on.layers["work"][0, row] == 0.0 and m_off.layers["work"][0, row] == pytest.approx(w_bits / 8)
    held = m_on.layers["uram"][0, row] * 288 * 1024 + (m_on.layers["bram36"][0, row] - m_off.layers["bram36"][0, row]) * 36 * 1024
    assert held >= w_bits
    assert on["throughput_per_s"] > off["throughput_per_s"]
    assert on["energy_j"] < off["energy_j"]


def test_auto_weights_never_break_the_budget(bert2):
    """On every board, keeping weights on chip never turns a feasible streamed design infeasible."""
    model = TransformerAcceleratorModel(lengths="glue")
    boards = ["u50", "u200", "u280", "zcu102", "ku060", "vx690t"]
    design = {"board": boards * 2, "macs": [2048] * 6 + [4096] * 6}
    on = model.evaluate(workloads.load("bert-base"), {**design, "weights": ["auto"] * 12}).numpy()
    off = model.evaluate(workloads.load("bert-base"), {**design, "weights": ["stream"] * 12}).numpy()
    assert np.all(on.feasible[off.feasible])


def test_reconfiguration_drain_and_static(bert2):
    """reconfig=drain slows the length-aware pipeline by drains x (S-1) x E[own] / window per step;
    static (no re-allocation) is never faster than the free shared pool."""
    point = dict(board="u200", batch=4, stages=3, schedule="length-aware")
    shared, _ = _tot(TransformerAcceleratorModel(lengths="squad"), bert2, **point)
    static, _ = _tot(TransformerAcceleratorModel(lengths="squad", reconfig="static"), bert2, **point)
    drain, _ = _tot(TransformerAcceleratorModel(lengths="squad", reconfig="drain", buckets=4, window=32), bert2, **point)
    shared32, _ = _tot(TransformerAcceleratorModel(lengths="squad", window=32), bert2, **point)
    assert static["throughput_per_s"] <= shared["throughput_per_s"] * (1 + 1e-12)
    drains = 4 * (1 - 0.75 ** (32 * 4))
    step = 4 / shared32["throughput_per_s"]
    tables = TransformerAcceleratorModel(lengths="squad", window=32).tables(bert2, point)
    own = [tables.request_times(np.array([q]), tables.alloc[:, q]).max() for q in range(len(tables.support))]
    e_own = 4 * float(np.dot(own, tables.probs))  # batch x E[bottleneck own time]
    assert 4 / drain["throughput_per_s"] == pytest.approx(step + drains * 2 * e_own / 32, rel=1e-9)
