"""The ``mpc`` model prices the ring width a quantised workload needs (ring protocols only)."""

from __future__ import annotations

import math

import pytest

import workloads
from costmodels.mpc import MpcModel
from costmodels.mpc.compression import ring_bits


def _comm(model, w, protocol):
    m = model.evaluate(w, {"protocol": [protocol], "weights": ["public"]})
    return float(m.totals["comm_bytes"][0]), float(m.totals["latency_s"][0])


def _quantised(wbits=4, abits=8):
    return workloads.load("digits-cnn").with_compression({"*": {"weight_bits": wbits, "act_bits": abits}})


def test_ring_is_the_widest_exact_accumulation():
    """ring = max over weight layers of w + a + ceil(log2 K), here set by the widest accumulation."""
    w = _quantised(4, 8)
    k = max(g.k for l in w.layers if l.params and l.kind in ("conv2d", "linear") for g in l.gemms())
    assert ring_bits(w) == 4 + 8 + math.ceil(math.log2(k))
    assert ring_bits(workloads.load("digits-cnn")) == 0
    half = workloads.load("digits-cnn").with_compression({"conv*": {"weight_bits": 4, "act_bits": 4}})
    assert ring_bits(half) == 0  # a layer without bits: the profile default ring


@pytest.mark.parametrize("protocol", ["cheetah", "cryptflow2", "delphi"])
def test_ring_protocols_price_the_quantised_ring(protocol):
    """A quantised workload costs exactly what the plain one costs with bits = its ring; less than the default."""
    q = _quantised()
    ring = ring_bits(q)
    assert _comm(MpcModel(), q, protocol) == _comm(MpcModel(bits=ring), workloads.load("digits-cnn"), protocol)
    assert _comm(MpcModel(), q, protocol)[0] < _comm(MpcModel(), workloads.load("digits-cnn"), protocol)[0]


def test_crypten_and_explicit_bits_ignore_quantisation():
    """CrypTen's fixed 64-bit ring ignores layer bits; an explicit bits parameter wins over them."""
    q, plain = _quantised(), workloads.load("digits-cnn")
    assert _comm(MpcModel(), q, "crypten") == _comm(MpcModel(), plain, "crypten")
    assert _comm(MpcModel(bits=32), q, "cheetah") == _comm(MpcModel(bits=32), plain, "cheetah")
