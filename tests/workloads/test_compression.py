"""Per-layer compression on workloads: fields, validation, files, ONNX QDQ/sparsity and sidecars."""

from __future__ import annotations

import json

import numpy as np
import pytest

import workloads
from dse.errors import DseInputError
from workloads.compression import (
    UNCOMPRESSED,
    Compression,
    apply_compression,
    compression_of,
    storage_bits,
)


def _digits():
    return workloads.load("digits-cnn")


def test_defaults_are_uncompressed_and_equal_workloads_compare_equal():
    """A workload with no compression reports UNCOMPRESSED for every layer; adding one changes equality."""
    w = _digits()
    assert all(compression_of(l) is UNCOMPRESSED for l in w.layers) and not w.compressed
    c = w.with_compression({"*": {"density": 0.5}})
    assert c.compressed and c != w and c.macs == w.macs


@pytest.mark.parametrize("table, field", [
    ({"density": 0.0}, "density"), ({"density": 1.5}, "density"), ({"density": "half"}, "density"),
    ({"structure": "diagonal"}, "structure"), ({"weight_bits": 0}, "weight_bits"), ({"act_bits": 33}, "act_bits"),
    ({"circulant": 0}, "circulant"), ({"block": [4]}, "block"), ({"sparsity": 0.5}, "sparsity"),
])
def test_bad_values_are_one_line_errors_naming_the_field(table, field):
    """Each out-of-range or unknown compression field raises a one-line DseInputError naming it."""
    with pytest.raises(DseInputError) as e:
        _digits().with_compression({"*": table})
    assert field in str(e.value) and "\n" not in str(e.value)


def test_unknown_layer_key_and_non_weight_layer_are_errors():
    """A key matching no weight layer is an error (typos are not ignored); a pattern on a linear layer too."""
    w = _digits()
    with pytest.raises(DseInputError, match="weight layer name or glob"):
        w.with_compression({"conv9": {"density": 0.5}})
    fc = [l.name for l in w.layers if l.kind == "linear"][0]
    with pytest.raises(DseInputError, match="pattern"):
        w.with_compression({fc: {"structure": "pattern", "density": 0.5}})


def test_exact_name_beats_glob_and_storage_bits():
    """An exact layer name overrides '*'; storage bits count density, circulant block and bits per weight."""
    w = _digits()
    wl = [l for l in w.layers if l.params > 0 and l.kind in ("conv2d", "linear")]
    first = wl[0].name
    c = w.with_compression({"*": {"density": 0.25, "weight_bits": 4}, first: {"weight_bits": 8}})
    assert compression_of(c.layer(first)) == Compression(weight_bits=8)
    assert compression_of(c.layer(wl[1].name)) == Compression(density=0.25, weight_bits=4)
    dense, comp = storage_bits(c)
    expect = wl[0].params * 8 + sum(l.params * 0.25 * 4 for l in wl[1:])
    assert dense == 32 * sum(l.params for l in wl) and comp == pytest.approx(expect)


def test_attention_expand_keeps_compression():
    """Flattening a fused attention block passes its compression to the four projections."""
    b = workloads.WorkloadBuilder("att", (8, 16))
    b.attention(b.input, heads=2)
    w = b.build()
    att = w.of_kind("attention")[0].name
    f = w.with_compression({att: {"circulant": 4}}).flatten()
    assert {l.name.rsplit(".", 1)[-1] for l in f.layers if compression_of(l).circulant == 4} == {"q", "k", "v", "out"}


def test_layer_list_compression_table(tmp_path):
    """A JSON layer list's top-level compression table lands on the named layers; bad values name the file."""
    doc = {"input": [16], "layers": [{"kind": "linear", "name": "fc1", "out_features": 8}, {"kind": "relu"},
                                    {"kind": "linear", "name": "fc2", "out_features": 4}],
           "compression": {"fc*": {"density": 0.5, "structure": "filter"}, "fc2": {"weight_bits": 4}}}
    p = tmp_path / "mlp.json"
    p.write_text(json.dumps(doc))
    w = workloads.load(p)
    assert compression_of(w.layer("fc1")) == Compression(density=0.5, structure="filter")
    assert compression_of(w.layer("fc2")) == Compression(weight_bits=4)
    doc["compression"] = {"fc1": {"density": -1}}
    p.write_text(json.dumps(doc))
    with pytest.raises(DseInputError, match="mlp.json: compression.fc1.density"):
        workloads.load(p)


def test_load_with_sidecar_path_and_bad_sidecar(tmp_path):
    """workloads.load(name, compression=file) applies a TOML sidecar; a malformed one is a one-line error."""
    side = tmp_path / "c.toml"
    side.write_text('["*"]\nweight_bits = 4\n')
    w = workloads.load("digits-cnn", compression=side)
    assert all(compression_of(l).weight_bits == 4 for l in w.layers if l.kind in ("conv2d", "linear"))
    side.write_text("[x\n")
    with pytest.raises(DseInputError, match="valid TOML"):
        workloads.load("digits-cnn", compression=side)


onnx = pytest.importorskip("onnx", reason="onnx not installed")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402


def _qdq_model(w: np.ndarray, wq_type=TensorProto.INT8):
    """x -> Q/DQ (uint8) -> Conv(DQ(int weights)) -> y."""
    inits = [numpy_helper.from_array(w, "wq"),
             numpy_helper.from_array(np.asarray(0.05, np.float32), "ws"),
             numpy_helper.from_array(np.zeros((), dtype=w.dtype), "wz"),
             numpy_helper.from_array(np.asarray(0.1, np.float32), "xs"),
             numpy_helper.from_array(np.asarray(0, np.uint8), "xz")]
    nodes = [helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
             helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"]),
             helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["wd"]),
             helper.make_node("Conv", ["xd", "wd"], ["y"], name="conv", pads=[1, 1, 1, 1])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])


def test_onnx_qdq_bits_and_filter_sparsity(tmp_path):
    """A QDQ conv with int8 weights whose last 6 of 8 filters are zero imports as 8/8 bits, density 0.25, filter."""
    rng = np.random.default_rng(0)
    w = rng.integers(1, 100, size=(8, 4, 3, 3)).astype(np.int8)
    w[2:] = 0
    p = tmp_path / "q.onnx"
    onnx.save(_qdq_model(w), str(p))
    c = compression_of(workloads.load(p).layer("conv"))
    assert (c.weight_bits, c.act_bits, c.structure) == (8, 8, "filter") and c.density == pytest.approx(0.25)
    w2 = rng.integers(1, 100, size=(8, 4, 3, 3)).astype(np.int8)
    w2[w2 % 3 == 0] = 0  # scattered zeros
    onnx.save(_qdq_model(w2), str(p))
    c2 = compression_of(workloads.load(p).layer("conv"))
    assert c2.structure == "unstructured" and c2.density == pytest.approx(np.count_nonzero(w2) / w2.size)


def test_onnx_sidecar_overrides_field_by_field(tmp_path):
    """A <stem>.compression.toml next to the model overrides the graph's fields and keeps the others."""
    w = np.ones((8, 4, 3, 3), dtype=np.int8)
    p = tmp_path / "q.onnx"
    onnx.save(_qdq_model(w), str(p))
    (tmp_path / "q.compression.toml").write_text('[conv]\nweight_bits = 4\ncirculant = 1\ndensity = 0.5\n')
    c = compression_of(workloads.load(p).layer("conv"))
    assert (c.weight_bits, c.act_bits, c.density) == (4, 8, 0.5)
    (tmp_path / "q.compression.toml").write_text('[nope]\ndensity = 0.5\n')
    with pytest.raises(DseInputError, match="q.compression.toml.nope"):
        workloads.load(p)


def test_apply_compression_rejects_non_mapping():
    """A spec that is not a table is an input error."""
    with pytest.raises(DseInputError):
        apply_compression(_digits(), [0.5])  # type: ignore[arg-type]


def test_inline_sidecar_spec_and_cli(tmp_path):
    """'NAME+file.toml' applies the sidecar (also through `dse whatif`); a missing sidecar is a one-line error."""
    import subprocess
    import sys

    side = tmp_path / "q.toml"
    side.write_text('["*"]\nweight_bits = 4\n')
    w = workloads.load(f"digits-cnn+{side}")
    assert all(compression_of(l).weight_bits == 4 for l in w.layers if l.kind in ("conv2d", "linear"))
    with pytest.raises(DseInputError, match="after '\\+'"):
        workloads.load(f"digits-cnn+{tmp_path / 'none.toml'}")
    run = lambda spec: subprocess.run([sys.executable, "-m", "dse", "whatif", "cim", "-w", spec, "--json"],  # noqa: E731
                                      capture_output=True, text=True)
    plain, quant = json.loads(run("digits-cnn").stdout), json.loads(run(f"digits-cnn+{side}").stdout)
    assert quant["metrics"]["cells"] == pytest.approx(plain["metrics"]["cells"] / 2)
    bad = run(f"digits-cnn+{tmp_path / 'none.toml'}")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_table_shows_compression_only_when_compressed():
    """Workload.table() gains a compression column for a compressed network and keeps its columns otherwise."""
    w = _digits()
    assert "compression" not in w.table().columns
    t = w.with_compression({"conv1": {"density": 0.3, "structure": "filter", "weight_bits": 4}}).table()
    assert t.set_index("name").loc["conv1", "compression"] == "kept 0.3 filter, w4"


def test_onnx_float_weight_through_q_dq(tmp_path):
    """A float weight quantised in-graph (QuantizeLinear to int8 -> DequantizeLinear) gives 8-bit weights and its zeros."""
    rng = np.random.default_rng(1)
    w = rng.standard_normal((6, 4, 3, 3)).astype(np.float32) + 3.0
    w[:, 1] = 0.0  # one input channel pruned in every filter
    inits = [numpy_helper.from_array(w, "w"), numpy_helper.from_array(np.asarray(0.05, np.float32), "ws"),
             numpy_helper.from_array(np.asarray(0, np.int8), "wz")]
    nodes = [helper.make_node("QuantizeLinear", ["w", "ws", "wz"], ["wq"]),
             helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["wd"]),
             helper.make_node("Conv", ["x", "wd"], ["y"], name="conv")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    p = tmp_path / "f.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)]), str(p))
    c = compression_of(workloads.load(p).layer("conv"))
    assert (c.weight_bits, c.act_bits, c.structure, c.density) == (8, None, "channel", 0.75)
