"""A small functional network (dense, conv, ReLU, average pool, identity shortcuts) evaluated with
perturbed weights.

Residual networks stay a flat list of layers: :class:`Save` keeps the current activation and
:class:`AddSaved` adds the last kept one (an identity shortcut, He et al., CVPR 2016, Fig. 2), so
every Dense/Conv weight keeps its place in :meth:`Net.weights`. The forward pass is vectorised over Monte Carlo draws: every weight may be given as its nominal
array (shared by all draws) or as ``(D, *shape)`` (one perturbed copy per draw); the output is
then ``(D, B, classes)``. Biases are digital (not perturbed), as in aihwkit's default mapping.
:func:`forward` uses numpy; :func:`forward_torch` runs the same lines on torch tensors.
:func:`to_workload` turns the network into a :class:`workloads.Workload` for the cost model.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from dse.errors import DseInputError

from .crossbar_sim import crossbar_matmul

__all__ = [
    "AddSaved",
    "AvgPool",
    "Conv",
    "Dense",
    "Flatten",
    "Net",
    "ReLU",
    "Save",
    "accuracy",
    "forward",
    "forward_torch",
    "make_cnn",
    "make_mlp",
    "make_resnet",
    "to_workload",
]


@dataclass(frozen=True)
class Dense:
    """``y = x W^T + b`` with ``w`` of shape (out, in)."""

    w: np.ndarray
    b: np.ndarray


@dataclass(frozen=True)
class Conv:
    """2-D convolution, ``w`` (C_out, C_in, k, k), zero padding ``pad``, stride 1."""

    w: np.ndarray
    b: np.ndarray
    pad: int = 1


@dataclass(frozen=True)
class ReLU:
    pass


@dataclass(frozen=True)
class AvgPool:
    """Non-overlapping ``k x k`` average pooling."""

    k: int = 2


def _avg_pool(h: Any, k: int) -> Any:
    """Non-overlapping ``k x k`` mean over the last two axes, equal bit for bit to
    ``h.reshape(..., H/k, k, W/k, k).mean(-1).mean(-2)`` (sums in the same order, then one
    division per axis) but made of strided adds: a mean over a length-``k`` inner axis is a slow
    strided reduction in numpy (60 % of the digits CNN's forward pass)."""
    hh, ww = h.shape[-2:]
    if hh % k or ww % k:  # the reshape form (and its error) for sizes k does not divide
        return h.reshape(*h.shape[:-2], hh // k, k, ww // k, k).mean(-1).mean(-2)
    cols = h[..., 0::k]
    for j in range(1, k):
        cols = cols + h[..., j::k]
    cols = cols / k
    rows = cols[..., 0::k, :]
    for j in range(1, k):
        rows = rows + cols[..., j::k, :]
    return rows / k


@dataclass(frozen=True)
class Flatten:
    pass


@dataclass(frozen=True)
class Save:
    """Keep the current activation for a later :class:`AddSaved` (start of a shortcut)."""


@dataclass(frozen=True)
class AddSaved:
    """Add the most recently kept activation (end of an identity shortcut; digital addition)."""


@dataclass(frozen=True)
class Net:
    """Layers in order plus the input shape (C, H, W) or (D,)."""

    layers: tuple[Any, ...]
    input_shape: tuple[int, ...]
    name: str = "net"
    meta: dict = field(default_factory=dict, compare=False)
    tie: tuple[int, ...] = ()

    def slots(self) -> list[int]:
        """The weight slot of every Dense/Conv layer: ``tie`` (layers with one slot share one weight
        array, programmed once: a shared block), or one slot per layer."""
        n = sum(isinstance(l, (Dense, Conv)) for l in self.layers)
        if not self.tie:
            return list(range(n))
        if len(self.tie) != n or sorted(set(self.tie)) != list(range(max(self.tie) + 1)):
            raise DseInputError("tie", self.tie, f"{n} slots numbered 0..k-1 (one per Dense/Conv layer)")
        return list(self.tie)

    def weights(self) -> list[np.ndarray]:
        """The crossbar-mapped weight arrays (Dense and Conv ``w``), one per slot, in slot order."""
        ws = [l.w for l in self.layers if isinstance(l, (Dense, Conv))]
        first = {}
        for i, s in enumerate(self.slots()):
            first.setdefault(s, i)
        return [ws[first[s]] for s in sorted(first)]

    def with_weights(self, ws: Sequence[np.ndarray]) -> Net:
        it = iter(self.slots())
        layers = tuple(replace(l, w=np.asarray(ws[next(it)])) if isinstance(l, (Dense, Conv)) else l
                       for l in self.layers)
        return replace(self, layers=layers)

    @property
    def n_weights(self) -> int:
        return int(sum(w.size for w in self.weights()))


class _Ops:
    """The handful of array operations the forward pass needs, for numpy or torch."""

    def __init__(self, torch_mode: bool):
        self.torch = torch_mode
        if torch_mode:
            import torch

            self.t = torch

    def pad(self, h: Any, p: int) -> Any:
        if p == 0:
            return h
        if self.torch:
            return self.t.nn.functional.pad(h, (p, p, p, p))
        return np.pad(h, [(0, 0)] * (h.ndim - 2) + [(p, p), (p, p)])

    def relu(self, h: Any) -> Any:
        return self.t.relu(h) if self.torch else np.maximum(h, 0)

    def stack_patches(self, hp: Any, k: int, ho: int, wo: int) -> Any:
        """(..., C, H+2p, W+2p) -> (..., C k k, ho wo) patches, channel-major like conv weights."""
        cols = [hp[..., i:i + ho, j:j + wo] for i in range(k) for j in range(k)]
        st = self.t.stack(cols, dim=-3) if self.torch else np.stack(cols, axis=-3)
        shp = tuple(st.shape)
        return st.reshape(*shp[:-4], shp[-4] * k * k, ho * wo)


def _weights_for(net: Net, weights: Sequence[Any] | None) -> list[Any]:
    base = net.weights()
    if weights is None:
        return base
    if len(weights) != len(base):
        raise DseInputError("weights", len(weights), f"{len(base)} arrays (one per Dense/Conv layer)")
    for w, b in zip(weights, base):
        if tuple(w.shape[-b.ndim:]) != b.shape or w.ndim not in (b.ndim, b.ndim + 1):
            raise DseInputError("weights", tuple(w.shape), f"{b.shape} or (draws, *{b.shape})")
    return list(weights)


def _sims(net: Net, crossbar: Any) -> list[Any]:
    """One crossbar description (or None) per Dense/Conv layer."""
    n = len(net.slots())
    if crossbar is None or not isinstance(crossbar, (list, tuple)):
        return [crossbar] * n
    if len(crossbar) != n:
        raise DseInputError("crossbar", len(crossbar), f"one CrossbarSim or {n} (one per Dense/Conv layer)")
    return list(crossbar)


def _forward(net: Net, x: Any, weights: Sequence[Any] | None, ops: _Ops, cast: Any,
             crossbar: Any = None, stats: list[dict[str, float]] | None = None) -> Any:
    ws = _weights_for(net, weights)
    per_draw = any(w.ndim == b.ndim + 1 for w, b in zip(ws, net.weights()))
    h = cast(x)[None]  # (D=1, B, ...)
    it = iter([ws[s] for s in net.slots()])  # one array per Dense/Conv layer (shared slots repeat)
    sims = iter(_sims(net, crossbar))
    saved: list[Any] = []

    def mm(a: Any, w: Any) -> Any:
        d: dict[str, float] | None = {} if stats is not None else None
        out = crossbar_matmul(a, w, sim, stats=d)
        if stats is not None and d is not None:
            stats.append(d)
        return out

    for layer in net.layers:
        if isinstance(layer, (Dense, Conv)):
            sim = next(sims)
        if isinstance(layer, Dense):
            w = cast(next(it))
            w = w if w.ndim == 3 else w[None]
            if sim is not None:
                h = mm(h, w)
            else:
                h = h @ w.transpose(-1, -2) if ops.torch else h @ np.swapaxes(w, -1, -2)
            h = h + cast(layer.b)
        elif isinstance(layer, Conv):
            w = cast(next(it))
            w = w if w.ndim == 5 else w[None]
            k = w.shape[-1]
            hh, ww = h.shape[-2], h.shape[-1]
            ho, wo = hh + 2 * layer.pad - k + 1, ww + 2 * layer.pad - k + 1
            patches = ops.stack_patches(ops.pad(h, layer.pad), k, ho, wo)  # (D, B, Ckk, L)
            wm = w.reshape(w.shape[0], 1, w.shape[1], -1)  # (D, 1, Cout, Ckk)
            if sim is not None:  # rows of the product = output pixels of all images
                d_, b_, l_ = patches.shape[0], patches.shape[1], patches.shape[-1]
                xm = _swap(patches).reshape(d_, b_ * l_, patches.shape[-2])  # (D, B L, Ckk)
                om = mm(xm, wm[:, 0])  # (D, B L, Cout)
                out = _swap(om.reshape(om.shape[0], b_, l_, om.shape[-1]))
            else:
                out = wm @ patches  # (D, B, Cout, L)
            h = out.reshape(*out.shape[:2], w.shape[1], ho, wo) + cast(layer.b)[:, None, None]
        elif isinstance(layer, ReLU):
            h = ops.relu(h)
        elif isinstance(layer, AvgPool):
            k = layer.k
            hh, ww = h.shape[-2:]
            h = _avg_pool(h, k)
        elif isinstance(layer, Flatten):
            h = h.reshape(*h.shape[:2], -1)
        elif isinstance(layer, Save):
            saved.append(h)
        elif isinstance(layer, AddSaved):
            if not saved:
                raise DseInputError("layer", "AddSaved", "a Save earlier in the network")
            h = h + saved.pop()
        else:  # pragma: no cover - closed set of layer types
            raise DseInputError("layer", type(layer).__name__, "Dense, Conv, ReLU, AvgPool, Flatten, Save, AddSaved")
    return h if per_draw else h[0]


def _swap(a: Any) -> Any:
    return a.transpose(-1, -2) if hasattr(a, "detach") else np.swapaxes(a, -1, -2)


def forward(net: Net, x: np.ndarray, weights: Sequence[np.ndarray] | None = None, *,
            dtype: Any = np.float32, crossbar: Any = None,
            stats: list[dict[str, float]] | None = None) -> np.ndarray:
    """Logits (B, classes), or (D, B, classes) when any weight is given per draw (numpy).

    ``crossbar`` (a :class:`~.crossbar_sim.CrossbarSim`, or a list of them, one per Dense/Conv
    layer) computes every Dense/Conv product the way the crossbar does (weight slicing, DAC steps,
    ``rows``-input analog sums, ADC, IR drop); ``None`` is the exact product. ``stats`` (a list)
    receives one dict per crossbar layer with its largest input and partial sum (``x_peak``,
    ``p_peak``; see :func:`~.crossbar_sim.crossbar_matmul`).
    """
    return _forward(net, x, weights, _Ops(False), lambda a: np.asarray(a, dtype=dtype), crossbar, stats)


def forward_torch(net: Net, x: Any, weights: Sequence[Any] | None = None, *, dtype: Any = None,
                  crossbar: Any = None) -> Any:
    """:func:`forward` on torch tensors (weights may be tensors that require grad)."""
    import torch

    dtype = torch.float32 if dtype is None else dtype

    def cast(a: Any) -> Any:
        return a.to(dtype) if isinstance(a, torch.Tensor) else torch.as_tensor(np.asarray(a), dtype=dtype)

    return _forward(net, x, weights, _Ops(True), cast, crossbar)


def accuracy(net: Net, x: np.ndarray, y: np.ndarray, weights: Sequence[np.ndarray] | None = None, *,
             crossbar: Any = None) -> np.ndarray:
    """Top-1 accuracy: a scalar array, or (D,) with per-draw weights (``crossbar``: see forward)."""
    logits = forward(net, x, weights, crossbar=crossbar)
    return (logits.argmax(-1) == np.asarray(y)).mean(-1)


def _init(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int) -> np.ndarray:
    return rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)  # He initialisation


def make_mlp(sizes: Sequence[int], seed: int = 0, name: str = "mlp") -> Net:
    """Dense-ReLU-...-Dense with He-initialised weights, e.g. ``make_mlp([64, 64, 10])``."""
    rng = np.random.default_rng(seed)
    layers: list[Any] = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(Dense(_init(rng, (b, a), a), np.zeros(b)))
        if i < len(sizes) - 2:
            layers.append(ReLU())
    return Net(tuple(layers), (int(sizes[0]),), name)


def make_cnn(in_shape: tuple[int, int, int] = (1, 8, 8), channels: int = 16, hidden: int = 64,
             classes: int = 10, seed: int = 0, name: str = "cnn") -> Net:
    """Conv3x3(channels)-ReLU-AvgPool2-Flatten-Dense(hidden)-ReLU-Dense(classes)."""
    rng = np.random.default_rng(seed)
    c, h, w = in_shape
    flat = channels * (h // 2) * (w // 2)
    layers = (Conv(_init(rng, (channels, c, 3, 3), 9 * c), np.zeros(channels)), ReLU(), AvgPool(2), Flatten(),
              Dense(_init(rng, (hidden, flat), flat), np.zeros(hidden)), ReLU(),
              Dense(_init(rng, (classes, hidden), hidden), np.zeros(classes)))
    return Net(layers, tuple(in_shape), name)


def make_resnet(in_shape: tuple[int, int, int] = (1, 8, 8), channels: int = 16, blocks: int = 2,
                classes: int = 10, seed: int = 0, name: str = "resnet") -> Net:
    """A ResNet-style network: Conv3x3(channels)-ReLU, then ``blocks`` basic blocks
    (Conv3x3-ReLU-Conv3x3 plus the identity shortcut, then ReLU; He et al., CVPR 2016, Fig. 2 left),
    AvgPool2-Flatten-Dense(classes). Stride 1 throughout, so every shortcut is the identity."""
    if not (isinstance(blocks, int) and blocks >= 1):
        raise DseInputError("blocks", blocks, "an integer >= 1")
    rng = np.random.default_rng(seed)
    c, h, w = in_shape
    fan = 9 * channels
    layers: list[Any] = [Conv(_init(rng, (channels, c, 3, 3), 9 * c), np.zeros(channels)), ReLU()]
    for _ in range(blocks):
        layers += [Save(), Conv(_init(rng, (channels, channels, 3, 3), fan), np.zeros(channels)), ReLU(),
                   Conv(_init(rng, (channels, channels, 3, 3), fan) * 0.5, np.zeros(channels)), AddSaved(), ReLU()]
    flat = channels * (h // 2) * (w // 2)
    layers += [AvgPool(2), Flatten(), Dense(_init(rng, (classes, flat), flat), np.zeros(classes))]
    return Net(tuple(layers), tuple(in_shape), name)


def to_workload(net: Net) -> Any:
    """The network as a :class:`workloads.Workload` (Conv -> Conv2d, Dense -> Linear, ...)."""
    from workloads import WorkloadBuilder

    b = WorkloadBuilder(net.name, tuple(net.input_shape))
    t = b.input
    kept: list[Any] = []
    for layer in net.layers:
        if isinstance(layer, Dense):
            t = b.linear(t, layer.w.shape[0])
        elif isinstance(layer, Conv):
            t = b.conv2d(t, layer.w.shape[0], layer.w.shape[-1], padding=layer.pad)
        elif isinstance(layer, ReLU):
            t = b.relu(t)
        elif isinstance(layer, AvgPool):
            t = b.avgpool(t, layer.k)
        elif isinstance(layer, Flatten):
            t = b.flatten(t)
        elif isinstance(layer, Save):
            kept.append(t)
        elif isinstance(layer, AddSaved):
            t = b.add(t, kept.pop())
    return b.build()
