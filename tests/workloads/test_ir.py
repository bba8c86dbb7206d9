"""Unit tests of the IR extensions: weight operands, Slice, LSTMP, edge importance, builder checks."""

from __future__ import annotations

import pytest

from dse.errors import DseInputError
from workloads import PARAM_PREFIX, Workload, WorkloadBuilder
from workloads.ir import Add, Linear, Recurrent


def test_weight_operands_count_as_parameters():
    """A position embedding (Add with a param: operand), a class token (Concat) and a scale (Mul)
    count their elements as parameters; activations do not."""
    b = WorkloadBuilder("t", (4, 8))
    x = b.concat([b.weight((1, 8), "cls"), b.input], axis=0)
    x = b.add(x, b.weight((5, 8), "pos"))
    x = b.add(x, b.weight((1, 8), "bias"))  # broadcasts over the 5 rows
    b.mul(x, b.weight((1, 1), "scale"))
    w = b.build()
    assert [l.params for l in w] == [8, 40, 8, 1]
    assert w.layers[1].inputs[1] == PARAM_PREFIX + "pos"


def test_add_broadcast_only_for_weight_operands():
    """Two activations must have equal shapes; only a param: second operand may broadcast."""
    with pytest.raises(DseInputError) as err:
        Add(name="a", in_shapes=((5, 8), (1, 8)), inputs=("x", "y"))
    assert err.value.field == "layer a.in_shapes"
    assert Add(name="a", in_shapes=((5, 8), (1, 8)), inputs=("x", PARAM_PREFIX + "b")).out_shape == (5, 8)


def test_slice_takes_class_token():
    """Slice keeps one row; a linear head after it costs D x classes MACs, not T x D x classes."""
    b = WorkloadBuilder("t", (197, 768))
    b.linear(b.slice(b.input, axis=0, start=0, length=1), 1000)
    w = b.build()
    assert w.output_shape == (1, 1000) and w.macs == 768 * 1000


@pytest.mark.filterwarnings("ignore:LSTM with projections")
def test_lstm_projection_matches_torch():
    """Recurrent(proj=P) has torch.nn.LSTM(proj_size=P)'s parameter count and output width."""
    torch = pytest.importorskip("torch", reason="torch not installed")
    layer = Recurrent(name="r", in_shapes=((10, 40),), hidden=64, proj=16)
    ref = torch.nn.LSTM(40, 64, proj_size=16)
    assert layer.params == sum(p.numel() for p in ref.parameters())
    assert layer.out_shape == (10, 16)
    out, _ = ref(torch.zeros(10, 1, 40))
    assert tuple(out.shape) == (10, 1, 16)


def test_workload_rejects_bad_wiring():
    """Workload construction checks producer names and shapes (field = layer <name>.inputs / .in_shapes)."""
    fc = Linear(name="fc", in_shapes=((8,),), inputs=("nowhere",), out_features=2)
    with pytest.raises(DseInputError) as err:
        Workload("w", (8,), (fc,))
    assert err.value.field == "layer fc.inputs"
    fc = Linear(name="fc", in_shapes=((9,),), out_features=2)
    with pytest.raises(DseInputError) as err:
        Workload("w", (8,), (fc,))
    assert err.value.field == "layer fc.in_shapes"


def test_gru_rejects_peephole():
    """Peepholes and projections are LSTM-only."""
    with pytest.raises(DseInputError) as err:
        Recurrent(name="g", in_shapes=((3, 4),), cell="gru", hidden=4, peephole=True)
    assert err.value.field == "layer g.peephole"
