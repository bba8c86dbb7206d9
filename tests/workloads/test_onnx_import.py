"""ONNX import: small graphs built with onnx.helper round-trip to the same counts as the builder."""

from __future__ import annotations

import io

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="onnx not installed (pip install onnx)")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import workloads  # noqa: E402
from dse.errors import DseInputError  # noqa: E402
from workloads import WorkloadBuilder  # noqa: E402
from workloads.importers.onnx_import import load_onnx, onnx_to_workload  # noqa: E402

RNG = np.random.default_rng(0)


def init(name: str, *shape: int):
    return numpy_helper.from_array(RNG.standard_normal(shape).astype(np.float32), name)


def const(name: str, value) -> object:
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(np.asarray(value), name + "_v"))


def model(nodes, inits, in_shape, out_name, opset=20, inputs=None):
    graph = helper.make_graph(
        nodes, "g", inputs or [helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape)],
        [helper.make_tensor_value_info(out_name, TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def test_cnn_round_trip():
    """Conv (strides, pads, groups, dilations, asymmetric-but-equivalent pads), BN, ReLU, Clip-as-ReLU6,
    MaxPool, AveragePool, GlobalAveragePool, Flatten, Gemm(transB) and Softmax give the same per-layer
    shapes, MACs, parameters and ReLUs as the same network written with WorkloadBuilder."""
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c1", "g", "be", "m", "v"], ["n1"], name="bn1"),
        helper.make_node("Relu", ["n1"], ["r1"], name="relu1"),
        helper.make_node("Conv", ["r1", "w2"], ["c2"], name="dw", group=8, pads=[2, 2, 2, 2], dilations=[2, 2]),
        const("lo", np.float32(0)), const("hi", np.float32(6)),
        helper.make_node("Clip", ["c2", "lo", "hi"], ["r2"], name="relu6"),
        helper.make_node("Conv", ["r2", "w3"], ["c3"], name="asym", strides=[2, 2], pads=[0, 0, 1, 1]),
        helper.make_node("MaxPool", ["c3"], ["p1"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("AveragePool", ["p1"], ["p2"], name="avg", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("GlobalAveragePool", ["p2"], ["gap"], name="gap"),
        helper.make_node("Flatten", ["gap"], ["f"], name="flat"),
        helper.make_node("Dropout", ["f"], ["d"], name="drop"),
        helper.make_node("Gemm", ["d", "wf", "bf"], ["y"], name="fc", transB=1),
        helper.make_node("Softmax", ["y"], ["out"], name="softmax", axis=-1),
    ]
    inits = [init("w1", 8, 3, 3, 3), init("b1", 8), init("g", 8), init("be", 8), init("m", 8), init("v", 8),
             init("w2", 8, 1, 3, 3), init("w3", 16, 8, 2, 2), init("wf", 10, 16), init("bf", 10)]
    got = onnx_to_workload(model(nodes, inits, [1, 3, 32, 32], "out"), "cnn")

    b = WorkloadBuilder("cnn", (3, 32, 32))
    x = b.relu(b.norm(b.conv2d(b.input, 8, 3, stride=2, padding=1, bias=True)))
    x = b.act(b.conv2d(x, 8, 3, padding=2, dilation=2, groups=8), "relu6")
    x = b.conv2d(x, 16, 2, stride=2)
    x = b.avgpool(b.maxpool(x, 2), 3, stride=1, padding=1)
    x = b.linear(b.flatten(b.global_avgpool(x)), 10)
    b.act(x, "softmax")
    want = b.build()
    assert [(l.kind, l.out_shape, l.macs, l.params, l.relus) for l in got] == \
           [(l.kind, l.out_shape, l.macs, l.params, l.relus) for l in want]
    assert got.layer("dw").groups == 8 and got.layer("dw").dilation == (2, 2)


def test_transformer_ops_round_trip():
    """MatMul with an initializer (-> linear) + Add bias, LayerNorm, Gelu, Transpose/Reshape, an
    activation x activation MatMul, Div by a constant, Softmax, Concat, Mul, Sigmoid/Tanh, Identity."""
    t, d = 6, 16
    nodes = [
        helper.make_node("MatMul", ["x", "wq"], ["q0"], name="q"),
        helper.make_node("Add", ["q0", "bq"], ["q"], name="q_bias"),
        helper.make_node("Transpose", ["x"], ["xt"], name="kt", perm=[0, 2, 1]),
        helper.make_node("MatMul", ["q", "xt"], ["s"], name="scores"),
        const("scale", np.float32(4.0)),
        helper.make_node("Div", ["s", "scale"], ["s2"], name="scale"),
        helper.make_node("Softmax", ["s2"], ["a"], name="softmax", axis=-1),
        helper.make_node("MatMul", ["a", "x"], ["av"], name="av"),
        helper.make_node("LayerNormalization", ["av", "lg", "lb"], ["ln"], name="ln", axis=-1),
        helper.make_node("Gelu", ["ln"], ["g"], name="gelu"),
        helper.make_node("Identity", ["g"], ["g2"], name="id"),
        helper.make_node("Sigmoid", ["g2"], ["sg"], name="sig"),
        helper.make_node("Tanh", ["g2"], ["th"], name="tanh"),
        helper.make_node("Mul", ["sg", "th"], ["m"], name="gate"),
        helper.make_node("Concat", ["m", "g2"], ["cat"], name="cat", axis=2),
        const("shape", np.array([0, -1], dtype=np.int64)),
        helper.make_node("Reshape", ["cat", "shape"], ["out"], name="flat"),
    ]
    inits = [init("wq", d, d), init("bq", d), init("lg", d), init("lb", d)]
    w = onnx_to_workload(model(nodes, inits, [1, t, d], "out"), "tr")
    assert w.input_shape == (t, d)
    assert w.layer("q").kind == "linear" and w.layer("q").macs == t * d * d
    assert w.layer("q_bias").params == d
    assert w.layer("scores").macs == t * d * t and w.layer("scores").params == 0
    assert w.layer("av").out_shape == (t, d)
    assert w.layer("ln").kind == "norm" and w.layer("ln").mode == "layer"
    assert w.layer("cat").out_shape == (t, 2 * d)
    assert w.output_shape == (t * 2 * d,)
    assert w.params == d * d + d + 1 + 2 * d  # weights + bias + the constant scale + LayerNorm


@pytest.mark.parametrize("op, attrs", [("Erf", {}), ("LSTM", {"hidden_size": 4})])
def test_unsupported_op_names_node_and_op(op, attrs):
    """An unsupported operator raises one DseInputError naming the node and the op type."""
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="ok"), helper.make_node(op, ["r"], ["y"], name="weird",
                                                                                  **attrs)]
    with pytest.raises(DseInputError) as err:
        onnx_to_workload(model(nodes, [], [1, 4, 4], "y"), "bad")
    msg = str(err.value)
    assert "weird" in msg and op in msg and "\n" not in msg


def test_bad_inputs():
    """Non-file, unreadable file, weights computed at run time and two graph inputs give clean errors."""
    with pytest.raises(DseInputError):
        workloads.load("/nonexistent/model.onnx")
    nodes = [helper.make_node("Conv", ["x", "x2"], ["y"], name="c")]
    two = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8]),
           helper.make_tensor_value_info("x2", TensorProto.FLOAT, [8, 3, 3, 3])]
    with pytest.raises(DseInputError) as err:
        onnx_to_workload(model(nodes, [], None, "y", inputs=two), "two")
    assert "inputs" in err.value.field


def test_load_from_file(tmp_path):
    """workloads.load dispatches .onnx files to load_onnx; a corrupt file is a one-line error."""
    nodes = [helper.make_node("Gemm", ["x", "w", "b"], ["y"], name="fc"), helper.make_node("Relu", ["y"], ["z"])]
    path = tmp_path / "mlp.onnx"
    onnx.save(model(nodes, [init("w", 20, 5), init("b", 5)], [1, 20], "z"), str(path))
    w = workloads.load(path)
    assert (w.name, w.params, w.macs, w.relus) == ("mlp", 105, 100, 5)
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not an onnx file")
    with pytest.raises(DseInputError) as err:
        load_onnx(bad)
    assert "\n" not in str(err.value)


def test_torch_export_round_trip():
    """A torch CNN exported with torch.onnx.export (TorchScript exporter) imports with torch's parameter
    count and the MACs of its conv/linear layers (skipped if export is unavailable offline)."""
    torch = pytest.importorskip("torch", reason="torch not installed")
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 16, 3, stride=2, padding=1), torch.nn.BatchNorm2d(16), torch.nn.ReLU(),
        torch.nn.Conv2d(16, 16, 3, padding=1, groups=16, bias=False), torch.nn.ReLU6(),
        torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(16, 10)).eval()
    buf = io.BytesIO()
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(net, (torch.zeros(1, 3, 32, 32),), buf, dynamo=False, do_constant_folding=False)
    except Exception as exc:  # noqa: BLE001 - the exporter is optional here
        pytest.skip(f"torch.onnx.export unavailable: {exc}")
    w = onnx_to_workload(onnx.load_from_string(buf.getvalue()), "torchnet")
    assert w.params == sum(p.numel() for p in net.parameters())
    # conv 16x16x16 outputs x 27, depthwise 16x16x16 x 9, global average pool 16 x 256, linear 16 x 10
    assert w.macs == 16 * 16 * 16 * 27 + 16 * 16 * 16 * 9 + 16 * 256 + 16 * 10
    assert w.relus == 2 * 16 * 16 * 16


def _torch_cnn(torch):
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 16, 3, stride=2, padding=1), torch.nn.BatchNorm2d(16), torch.nn.ReLU(),
        torch.nn.Conv2d(16, 16, 3, padding=1, groups=16, bias=False), torch.nn.ReLU6(),
        torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(16, 10)).eval()


def test_torch_default_exporter_round_trip(tmp_path):
    """torch.onnx.export with its default (torch.export-based) exporter on torch 2.13 imports: same MACs
    and ReLUs as the TorchScript export; the exporter folds BatchNorm into the conv, so the BN's 32
    affine parameters are gone (ReduceMean over (2, 3) is the global average pool)."""
    torch = pytest.importorskip("torch", reason="torch not installed")
    pytest.importorskip("onnxscript", reason="the default exporter needs onnxscript (pip install onnxscript)")
    import warnings

    net = _torch_cnn(torch)
    path = tmp_path / "net.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net, (torch.zeros(1, 3, 32, 32),), str(path))
    w = workloads.load(path)
    assert w.macs == 16 * 16 * 16 * 27 + 16 * 16 * 16 * 9 + 16 * 256 + 16 * 10
    assert w.relus == 2 * 16 * 16 * 16
    assert w.params == sum(p.numel() for p in net.parameters()) - 2 * 16


def _external_cnn(tmp_path):
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c"], name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"], name="relu"),
             helper.make_node("Flatten", ["r"], ["f"], name="flat"),
             helper.make_node("Gemm", ["f", "w2", "b2"], ["y"], name="fc", transB=1)]
    m = model(nodes, [init("w1", 8, 3, 3, 3), init("b1", 8), init("w2", 10, 8 * 16 * 16), init("b2", 10)], [1, 3, 16, 16], "y")
    ref = onnx_to_workload(m, "ref")
    path = tmp_path / "ext.onnx"
    onnx.save(m, str(path), save_as_external_data=True, all_tensors_to_one_file=True, location="ext.data",
              size_threshold=0)
    return path, ref


def test_external_data_weights_load_from_shapes_alone(tmp_path):
    """A model whose weights live in an external-data file loads from the initializers' dims alone: the
    same layers, MACs and parameters with the data file deleted."""
    path, ref = _external_cnn(tmp_path)
    assert (tmp_path / "ext.data").stat().st_size > 4 * (8 * 27 + 10 * 8 * 256)  # the weights really are outside
    (tmp_path / "ext.data").unlink()
    w = load_onnx(path)
    assert (len(w), w.macs, w.params, w.relus) == (len(ref), ref.macs, ref.params, ref.relus)


def test_external_data_constant_read_on_demand(tmp_path):
    """A shape-deciding constant in external data (ReduceMean axes) is read from its file; without the
    file the error names the tensor in one line."""
    nodes = [helper.make_node("Conv", ["x", "w1"], ["c"], name="conv", kernel_shape=[1, 1]),
             helper.make_node("ReduceMean", ["c", "axes"], ["m"], name="gap", keepdims=0),
             helper.make_node("Gemm", ["m", "w2"], ["y"], name="fc", transB=1)]
    axes = numpy_helper.from_array(np.array([2, 3], dtype=np.int64), "axes")
    m = model(nodes, [init("w1", 4, 3, 1, 1), axes, init("w2", 5, 4)], [1, 3, 8, 8], "y")
    path = tmp_path / "gap.onnx"
    onnx.save(m, str(path), save_as_external_data=True, all_tensors_to_one_file=True, location="gap.data",
              size_threshold=0)
    w = load_onnx(path)
    assert [l.kind for l in w.layers] == ["conv2d", "pool2d", "reshape", "linear"]
    assert w.macs == 4 * 3 * 64 + 4 * 64 + 5 * 4
    (tmp_path / "gap.data").unlink()
    with pytest.raises(DseInputError) as err:
        load_onnx(path)
    assert "axes" in str(err.value) and "\n" not in str(err.value)
