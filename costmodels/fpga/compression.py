"""How ``fpga-transformer`` reads per-layer compression (:mod:`workloads.compression`): block-circulant linears.

A linear layer (or a fused attention block's four ``d x d`` projections) whose compression has
``circulant = b > 1`` holds a ``p x q`` grid of ``b x b`` circulant blocks, ``p = ceil(N/b)``,
``q = ceil(K/b)``, and computes each matrix-vector product with FFTs, as FTRANS does for every
linear of a transformer [FTRANS20] and E-RNN/C-LSTM for LSTM gates [ERNN19; CLSTM18]:
``q`` real FFTs, ``p`` inverse FFTs and ``4 p q (b/2 + 1)`` real multiplications
(:func:`.ernn.circulant_ops`, the same counts the ``fpga-ernn`` model uses). The stage's MAC work
per token is replaced by those real multiplications (one DSP/LUT multiplier-accumulator each) and
its stored weights by ``p q b`` (+ bias).

``fpga-ernn`` reads the same field on recurrent layers: a layer's ``circulant`` replaces the
``block`` knob for it (:func:`.ernn.recurrent_blocks`; the accuracy table still keys on the knob).
Not read: sparsity (the MAC arrays are dense) and, in ``fpga-transformer`` / ``fpga-ernn``, per-layer
bits (their ``bits`` knob is the datapath's); ``fpga-dataflow`` reads per-layer bits (:func:`layer_bits`),
not ``circulant`` (FINN has no FFT unit).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from workloads.compression import compression_of

from .ernn import circulant_ops

__all__ = ["circulant_linear", "circulant_attention", "layer_bits"]


def _mults(rows: int, cols: int, b: int) -> tuple[float, float]:
    mults, _, stored = circulant_ops(np, np.float64(rows), np.float64(cols), np.float64(b))
    return float(mults), float(stored)


def circulant_linear(layer: Any, tokens: float) -> tuple[float, float] | None:
    """(real multiplications per token, stored weights) of a block-circulant linear; None if dense."""
    b = compression_of(layer).circulant
    if b <= 1 or layer.kind != "linear":
        return None
    mults, stored = _mults(layer.out_features, layer.in_features, b)
    per_token = layer.rows / tokens if tokens else float(layer.rows)
    return mults * per_token, stored + (layer.out_features if layer.bias else 0)


def circulant_attention(layer: Any) -> tuple[float, float, float, float] | None:
    """(qkv mults per token, out mults per token, qkv weights, out weights) of a block-circulant
    attention block's projections; None if dense."""
    b = compression_of(layer).circulant
    if b <= 1:
        return None
    d = int(layer.d_model)
    mults, stored = _mults(d, d, b)
    bias = d if layer.bias else 0
    return 3 * mults, mults, 3 * (stored + bias), stored + bias


def layer_bits(workload: Any, names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per unit: (weight bits, set 0/1, activation bits, set 0/1) from the named layers' compression."""
    by = {l.name: l for l in workload.layers}
    rows = []
    for n in names:
        c = compression_of(by.get(n))
        rows.append((c.weight_bits or 0, c.weight_bits is not None, c.act_bits or 0, c.act_bits is not None))
    a = np.asarray(rows, dtype=np.float64).reshape(len(names), 4)
    return a[:, 0], a[:, 1], a[:, 2], a[:, 3]

