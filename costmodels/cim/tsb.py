"""Tiny Shared Block (TSB, Qin et al., arXiv 2406.06544 [TSB24]): one small 1x1 convolution,
shared by every insertion point of the backbone, is the only write-verified part of the network.

As the paper describes it (abstract and Sec. 3): a shared ``C x C`` 1x1 convolution is inserted
into the backbone; the backbone is pre-trained to early convergence, then the network with the
block is trained under device variation (the block's weights see the small post-write-verify
noise, the backbone the full noise); at deployment only the block is write-verified, so the
verified share of the weights is the block's size over the network's (< 0.4 % in the paper's
VGG-8 / ResNet-18; ~2 % on our 12,000-weight digits ResNet). The claim is the *inference accuracy
gap* (noise-free accuracy minus accuracy under variation), which TSB shrinks by > 20x against the
paper's baselines.

Here the block follows every 3x3 convolution after the stem of :func:`.network.make_resnet` (all
have ``C`` channels, so one ``C x C`` block fits all), initialised to the identity so the
pre-trained function is kept; the block is mapped once (:attr:`.network.Net.tie`), so one Monte
Carlo draw perturbs it once. The noise-aware training uses the ``cim-gaussian`` kernel with the
weight-referred sigma of the Notre Dame model.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from dse.errors import DseInputError

from .network import Conv, Dense, Net

__all__ = ["add_tsb", "tsb_masks", "tsb_slot"]


def add_tsb(net: Net, seed: int = 0) -> Net:
    """``net`` with one shared ``C x C`` 1x1 convolution after every 3x3 convolution but the first
    (identity-initialised, zero bias per use); every 3x3 convolution must have ``C`` outputs."""
    convs = [l for l in net.layers if isinstance(l, Conv)]
    if len(convs) < 2:
        raise DseInputError("net", net.name, "a network with at least two 3x3 convolutions (make_resnet)")
    c = int(convs[1].w.shape[0])
    if any(int(l.w.shape[0]) != c for l in convs[1:]):
        raise DseInputError("net", net.name, f"3x3 convolutions after the stem with {c} output channels each")
    if net.tie:
        raise DseInputError("net", net.name, "a network without shared blocks")
    block = np.eye(c).reshape(c, c, 1, 1)
    layers: list[Any] = []
    tie: list[int] = []
    n_base = sum(isinstance(l, (Dense, Conv)) for l in net.layers)
    seen = 0
    for layer in net.layers:
        layers.append(layer)
        if isinstance(layer, (Dense, Conv)):
            tie.append(seen)
            seen += 1
            if isinstance(layer, Conv) and seen > 1:
                layers.append(Conv(block.copy(), np.zeros(c), pad=0))
                tie.append(n_base)  # the shared slot comes after the backbone's
    return replace(net, layers=tuple(layers), tie=tuple(tie), name=net.name + "-tsb")


def tsb_slot(net: Net) -> int:
    """Index (in :meth:`Net.weights`) of the shared block: the slot used more than once."""
    slots = net.slots()
    shared = [s for s in set(slots) if slots.count(s) > 1]
    if len(shared) != 1:
        raise DseInputError("net", net.name, "a network with exactly one shared block (add_tsb)")
    return shared[0]


def tsb_masks(net: Net) -> list[np.ndarray]:
    """Write-verify masks (per weight slot): the shared block only."""
    s = tsb_slot(net)
    return [np.full(w.shape, i == s) for i, w in enumerate(net.weights())]
