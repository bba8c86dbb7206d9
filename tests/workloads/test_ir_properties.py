"""Property tests (hypothesis) on the IR: valid inputs never give zero/negative sizes; invalid inputs
raise DseInputError naming ``layer <name>.<field>``."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dse.errors import DseInputError
from workloads.ir import (
    Activation,
    Adjacency,
    Attention,
    Concat,
    Conv2d,
    Embedding,
    GraphConv,
    Linear,
    MatMul,
    Pool2d,
    Recurrent,
    Reshape,
    Slice,
    numel,
)

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True)
dims = st.integers(1, 64)


def conv_out(h: int, k: int, s: int, p: int, d: int) -> int:
    """Reference output size (PyTorch Conv2d documentation formula)."""
    return (h + 2 * p - d * (k - 1) - 1) // s + 1


@SETTINGS
@given(c=st.integers(1, 8), h=dims, w=dims, k=st.integers(1, 7), s=st.integers(1, 4), p=st.integers(0, 3),
       d=st.integers(1, 3), g=st.sampled_from([1, 2, 4]), m=st.integers(1, 4))
def test_conv_shapes_positive_or_error(c, h, w, k, s, p, d, g, m):
    """Conv2d: either the reference output size is positive and the layer reproduces it (with MACs equal
    to its GEMM view), or construction raises DseInputError on ``out_shape`` / ``groups``."""
    cin, cout = c * g, m * g
    ho, wo = conv_out(h, k, s, p, d), conv_out(w, k, s, p, d)
    if ho < 1 or wo < 1:
        with pytest.raises(DseInputError) as err:
            Conv2d(name="c", in_shapes=((cin, h, w),), out_channels=cout, kernel=(k, k), stride=(s, s),
                   padding=(p, p), dilation=(d, d), groups=g)
        assert err.value.field == "layer c.out_shape"
        return
    layer = Conv2d(name="c", in_shapes=((cin, h, w),), out_channels=cout, kernel=(k, k), stride=(s, s),
                   padding=(p, p), dilation=(d, d), groups=g)
    assert layer.out_shape == (cout, ho, wo)
    assert layer.macs == layer.gemm().macs == cout * ho * wo * c * k * k > 0
    assert layer.params == cout * c * k * k


@SETTINGS
@given(c=st.integers(1, 8), h=dims, k=st.integers(1, 5), s=st.integers(1, 3), p=st.integers(0, 2),
       mode=st.sampled_from(["max", "avg"]))
def test_pool_shapes(c, h, k, s, p, mode):
    """Pool2d: positive output sizes from the reference formula, else DseInputError naming the field."""
    valid = 2 * p <= k and (h + 2 * p - k) // s + 1 >= 1
    if not valid:
        with pytest.raises(DseInputError) as err:
            Pool2d(name="p", in_shapes=((c, h, h),), mode=mode, kernel=(k, k), stride=(s, s), padding=(p, p))
        assert err.value.field in ("layer p.padding", "layer p.out_shape")
        return
    layer = Pool2d(name="p", in_shapes=((c, h, h),), mode=mode, kernel=(k, k), stride=(s, s), padding=(p, p))
    assert min(layer.out_shape) >= 1 and layer.out_shape[0] == c
    assert layer.comparisons == (layer.activations * (k * k - 1) if mode == "max" else 0)


@SETTINGS
@given(shape=st.lists(dims, min_size=1, max_size=3).map(tuple), n=st.integers(-2, 64))
def test_linear(shape, n):
    """Linear maps the last axis; out_features < 1 is rejected with the field name."""
    if n < 1:
        with pytest.raises(DseInputError) as err:
            Linear(name="fc", in_shapes=(shape,), out_features=n)
        assert err.value.field == "layer fc.out_features"
        return
    layer = Linear(name="fc", in_shapes=(shape,), out_features=n)
    assert layer.out_shape == shape[:-1] + (n,)
    assert layer.macs == numel(shape) * n == layer.gemm().macs


@SETTINGS
@given(b=st.integers(1, 4), m=dims, k=dims, k2=dims, n=dims)
def test_matmul_inner_dimension(b, m, k, k2, n):
    """MatMul checks the inner dimensions and batches the product."""
    if k != k2:
        with pytest.raises(DseInputError) as err:
            MatMul(name="mm", in_shapes=((b, m, k), (b, k2, n)), inputs=("a", "b"))
        assert err.value.field == "layer mm.in_shapes"
        return
    layer = MatMul(name="mm", in_shapes=((b, m, k), (b, k, n)), inputs=("a", "b"))
    assert layer.out_shape == (b, m, n) and layer.macs == b * m * k * n


@SETTINGS
@given(t=dims, heads=st.sampled_from([1, 2, 3, 4, 8]), hd=st.integers(1, 16), bad=st.booleans())
def test_attention_heads_and_expansion(t, heads, hd, bad):
    """Attention needs heads | d_model; its expansion has the same MACs and parameters."""
    d = heads * hd + (1 if bad and heads > 1 else 0)
    if d % heads:
        with pytest.raises(DseInputError) as err:
            Attention(name="a", in_shapes=((t, d),), heads=heads)
        assert err.value.field == "layer a.heads"
        return
    layer = Attention(name="a", in_shapes=((t, d),), heads=heads)
    parts = layer.expand()
    assert sum(p.macs for p in parts) == layer.macs == sum(g.macs for g in layer.gemms())
    assert sum(p.params for p in parts) == layer.params
    assert parts[-1].out_shape == (t, d)


@SETTINGS
@given(t=dims, i=dims, h=st.integers(-1, 64), proj=st.integers(0, 16), cell=st.sampled_from(["lstm", "gru"]))
def test_recurrent(t, i, h, proj, cell):
    """Recurrent: output (T, proj or H); hidden < 1 and GRU projections are rejected with the field."""
    kw = dict(name="r", in_shapes=((t, i),), cell=cell, hidden=h, proj=proj)
    if h < 1 or (proj and cell == "gru"):
        with pytest.raises(DseInputError) as err:
            Recurrent(**kw)
        assert err.value.field in ("layer r.hidden", "layer r.proj")
        return
    layer = Recurrent(**kw)
    assert layer.out_shape == (t, proj or h)
    assert sum(g.macs for g in layer.gemms()) == layer.macs > 0


@SETTINGS
@given(shape=st.lists(dims, min_size=1, max_size=3).map(tuple), axis=st.integers(-4, 3), start=st.integers(-1, 70),
       length=st.integers(-1, 70))
def test_slice(shape, axis, start, length):
    """Slice: valid windows give positive sizes, anything else raises on axis/length."""
    rank = len(shape)
    ok_axis = -rank <= axis < rank
    if ok_axis and start >= 0 and length >= 1 and start + length <= shape[axis % rank]:
        layer = Slice(name="s", in_shapes=(shape,), axis=axis, start=start, length=length)
        assert layer.out_shape[axis % rank] == length and min(layer.out_shape) >= 1
    else:
        with pytest.raises(DseInputError) as err:
            Slice(name="s", in_shapes=(shape,), axis=axis, start=start, length=length)
        assert err.value.field in ("layer s.axis", "layer s.length")


@SETTINGS
@given(shape=st.lists(dims, min_size=1, max_size=3).map(tuple), target=st.lists(dims, min_size=1, max_size=3))
def test_reshape_keeps_elements(shape, target):
    """Reshape accepts exactly the shapes with the same element count."""
    if numel(tuple(target)) == numel(shape):
        assert Reshape(name="r", in_shapes=(shape,), shape=tuple(target)).out_shape == tuple(target)
    else:
        with pytest.raises(DseInputError) as err:
            Reshape(name="r", in_shapes=(shape,), shape=tuple(target))
        assert err.value.field == "layer r.shape"


@SETTINGS
@given(v=st.integers(2, 12), c=st.integers(1, 8), t=dims, cout=st.integers(1, 8), seed=st.integers(0, 10**6))
def test_graphconv_macs(v, c, t, cout, seed):
    """GraphConv MACs = K·C·C_out·T·V + nnz·C_out·T for any adjacency (seeded random partitions)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    parts = tuple(tuple((int(i), int(j)) for i, j in zip(*np.nonzero(rng.random((v, v)) < 0.3))) for _ in range(3))
    adj = Adjacency(v, parts)
    layer = GraphConv(name="g", in_shapes=((c, t, v),), out_channels=cout, adjacency=adj, edge_importance=True)
    assert layer.out_shape == (cout, t, v)
    assert layer.macs == 3 * c * cout * t * v + adj.nnz * cout * t
    assert layer.params == 3 * c * cout + 3 * cout + 3 * v * v


@pytest.mark.parametrize("make, field", [
    (lambda: Conv2d(name="c", in_shapes=((3, 8, 8),), out_channels=0, kernel=(3, 3)), "layer c.out_channels"),
    (lambda: Conv2d(name="c", in_shapes=((3, 8, 8),), out_channels=4, kernel=(3, 3), stride=(0, 1)), "layer c.stride"),
    (lambda: Conv2d(name="c", in_shapes=((3, 8, 8),), out_channels=4, kernel=(3, 3), padding=(-1, 0)),
     "layer c.padding"),
    (lambda: Conv2d(name="c", in_shapes=((3, 8, 8),), out_channels=4, kernel=(3, 3), groups=2), "layer c.groups"),
    (lambda: Conv2d(name="c", in_shapes=((3, 0, 8),), out_channels=4, kernel=(3, 3)), "layer c.in_shapes"),
    (lambda: Activation(name="a", in_shapes=((4,),), fn="swish"), "layer a.fn"),
    (lambda: Activation(name="a", in_shapes=((4,),), fn="poly", degree=0), "layer a.degree"),
    (lambda: Concat(name="k", in_shapes=((2, 3), (3, 3)), inputs=("a", "b"), axis=1), "layer k.in_shapes"),
    (lambda: Embedding(name="e", in_shapes=((4, 2),), vocab=10, dim=4), "layer e.in_shapes"),
    (lambda: Adjacency(3, (((0, 3),),)), "adjacency.edge"),
])
def test_invalid_layers_name_the_field(make, field):
    """Each invalid construction raises one DseInputError whose field names the layer and attribute."""
    with pytest.raises(DseInputError) as err:
        make()
    assert err.value.field == field
    assert "\n" not in str(err.value)
