"""fpga-dataflow: FINN folding rule, pipeline throughput, resources, unmappable layers."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import workloads
from costmodels.fpga import board
from costmodels.fpga.dataflow import DataflowModel, map_layers
from costmodels.fpga.resources import bram18_sdp, lut_mvau


@pytest.fixture(scope="module")
def lenet():
    return workloads.load("lenet5")


def test_folding_follows_finn_setfolding(lenet):
    """LeNet-5 c1 (MW = 1*5*5, MH = 6, N = 28*28): SIMD 1 needs 117,600 cycles, so a 100,000-cycle
    target picks SIMD 5 (23,520 cycles); the slowest unit sets the frame rate f / max cycles."""
    m = DataflowModel().evaluate(lenet, {"target_cycles": [100_000], "board": ["zcu102"]}).numpy()
    names = list(m.layer_names)
    c1 = names.index("c1")
    assert (m.layers["simd"][0, c1], m.layers["pe"][0, c1], m.layers["cycles"][0, c1]) == (5, 1, 23_520)
    assert np.all(m.layers["cycles"][0] <= 100_000)
    worst = m.layers["cycles"][0].max()
    assert m.totals["throughput_per_s"][0] == pytest.approx(board("zcu102").clock_hz / worst, rel=1e-12)


def test_mvau_resources_are_finn_formulas(lenet):
    """Per-MVAU LUT and weight BRAM equal FINN's formulas at the chosen PE/SIMD (W4A4, LUT mults)."""
    m = DataflowModel().evaluate(lenet, {"target_cycles": [5_000]}).numpy()
    units = map_layers(lenet)
    j = [u.name for u in units].index("c3")
    u = units[j]
    pe, simd = m.layers["pe"][0, j], m.layers["simd"][0, j]
    assert m.layers["lut"][0, j] == pytest.approx(float(lut_mvau(np, pe, simd, 4.0, 4.0, float(u.mw), lut_mult=True)))
    weights = float(bram18_sdp(np, pe * simd * 4.0, u.mw * u.mh / (pe * simd)))
    line = np.ceil(u.line_bits_per_abit * 4.0 / (18 * 1024))
    assert m.layers["bram36"][0, j] == np.ceil((weights + line) / 2.0)


def test_tighter_target_is_faster_and_larger():
    """Halving the target never slows the pipeline nor shrinks it (ResNet-18 CIFAR, W1A2)."""
    wl = workloads.load("resnet18-cifar")
    targets = [400_000, 200_000, 100_000, 50_000, 25_000]
    n = len(targets)
    m = DataflowModel().evaluate(wl, {"target_cycles": targets, "wbits": [1] * n, "abits": [2] * n}).numpy()
    assert np.all(np.diff(m.totals["throughput_per_s"]) >= 0) and np.all(np.diff(m.totals["lut"]) >= 0)


def test_unmappable_node_is_one_line_exit_2():
    """A transformer has no streaming unit for its embedding: exit 2 naming the node."""
    r = subprocess.run([sys.executable, "-m", "dse", "whatif", "fpga-dataflow", "--workload", "bert-base", "--json"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "embeddings.word" in r.stderr and "Traceback" not in r.stderr


def test_unmappable_onnx_node_is_one_line_exit_2(tmp_path):
    """An ONNX Concat has no streaming unit: `dse whatif` exits 2 with one line naming the node."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    w = [numpy_helper.from_array(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), n) for n in ("w1", "w2")]
    nodes = [helper.make_node("Conv", ["x", "w1"], ["a"], name="conv_a", pads=[1, 1, 1, 1]),
             helper.make_node("Conv", ["x", "w2"], ["b"], name="conv_b", pads=[1, 1, 1, 1]),
             helper.make_node("Concat", ["a", "b"], ["y"], name="cat", axis=1)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], w)
    path = tmp_path / "cat.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)]), str(path))
    r = subprocess.run([sys.executable, "-m", "dse", "whatif", "fpga-dataflow", "--workload", str(path), "--json"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and "layer cat" in r.stderr and "concat" in r.stderr
