"""PASNet's FPGA 2PC engine: hand-derived counts on a 2-layer toy, the pipeline rule, bad input."""

from __future__ import annotations

import pytest

from costmodels.mpc.fpga import GarblingEngine, max_cores
from costmodels.mpc.pasnet_fpga import Fpga2pc, dsp_per_mult, pipeline_s
from costmodels.mpc.pi_nets import cryptgpu_resnet, pasnet
from costmodels.mpc.presets import network
from dse.errors import DseInputError
from workloads.graph import WorkloadBuilder


def _toy(act: str = "poly"):
    """conv 1 -> 2 channels, 3x3, pad 1 on 4x4 (32 outputs, 288 MACs), then an activation."""
    b = WorkloadBuilder("toy", (1, 4, 4))
    y = b.conv2d(b.input, 2, 3, padding=1)
    b.act(y, "poly", degree=2) if act == "poly" else b.relu(y)
    return b.build()


def test_dsp_per_mult_limb_pairs():
    """26 x 17 unsigned limbs: at 64 bits pairs (i, j) with 26 i + 17 j < 64 are 4 + 3 + 1 = 8;
    at 32 bits (0,0), (0,1), (1,0) = 3."""
    assert dsp_per_mult(64) == 8
    assert dsp_per_mult(32) == 3


def test_pipeline_rule():
    """Stages 3, 1, 2 s: no overlap 6 s, perfect overlap 3 s, two tiles 6/2 + 1/2 * 3 = 4.5 s."""
    assert pipeline_s((3, 1, 2), 1) == pytest.approx(6.0)
    assert pipeline_s((3, 1, 2), 0) == pytest.approx(3.0)
    assert pipeline_s((3, 1, 2), 2) == pytest.approx(4.5)


def test_two_layer_toy_hand_derived():
    """ZCU102: floor(0.75 * 2520 / 8) = 236 products/cycle x 180 MHz = 4.248e10 /s.
    conv (public weights): 288 products, no bytes; x^2 on 32 elements: 5 x 32 products,
    16 B x 32 = 512 B (CrypTen's 2PC Beaver square), 1 round. LAN 3 Gbit/s, 0.3 ms."""
    eng = Fpga2pc(board="zcu102", bits=64, tiles=1)
    r = eng.run(_toy(), network("lan"))
    pps = 236 * 180e6
    assert eng.products_per_s == pytest.approx(pps)
    assert list(r.bytes) == [0.0, 512.0]
    assert list(r.rounds) == [0.0, 1.0]
    assert r.compute_s[0] == pytest.approx(288 / pps)
    assert r.compute_s[1] == pytest.approx(160 / pps)
    assert r.wire_s[1] == pytest.approx(512 / 375e6)
    assert r.host_s[1] == pytest.approx(512 / 4e9)
    no_overlap = 288 / pps + 0.3e-3 + 160 / pps + 512 / 4e9 + 512 / 375e6
    assert r.total_s == pytest.approx(no_overlap)
    ideal = Fpga2pc(board="zcu102", bits=64, tiles=0).run(_toy(), network("lan"))
    assert ideal.total_s == pytest.approx(288 / pps + 0.3e-3 + 512 / 375e6)


def test_shared_weights_open_input_and_weights():
    """Beaver-opened weights: (16 inputs + 18 weights) x 8 B x 2 parties = 544 B, 3 products/MAC."""
    r = Fpga2pc(weights="shared", tiles=1).run(_toy(), network("lan"))
    assert r.bytes[0] == pytest.approx(544.0)
    assert r.compute_s[0] == pytest.approx(3 * 288 / (236 * 180e6))


def test_relu_goes_to_the_garbling_engine():
    """32 GC ReLUs at 64 bits: the engine's garbling time; 192 AND x 32 B + 64 x 16 B per ReLU."""
    r = Fpga2pc(tiles=1).run(_toy("relu"), network("lan"))
    assert r.compute_s[1] == pytest.approx(GarblingEngine("zcu102", max_cores("zcu102")).garble_s(32, 64))
    assert r.bytes[1] == pytest.approx(32 * (192 * 32 + 64 * 16))


@pytest.mark.parametrize("kw,field", [({"tiles": -1}, "tiles"), ({"weights": "open"}, "weights"),
                                      ({"bits": 4}, "bits"), ({"board": "nope"}, "board")])
def test_bad_input(kw, field):
    with pytest.raises(DseInputError, match=field):
        Fpga2pc(**kw)


def test_paper_networks():
    """PASNet-A/B: no ReLU left, x^2 at every site (ResNet-18: 2,308,096 elements); CryptGPU's
    ResNet-50 keeps its ReLUs and has no max-pool."""
    a = pasnet("A")
    assert a.relus == 0
    assert sum(layer.activations for layer in a.layers if layer.kind == "activation") == 2_308_096
    c = cryptgpu_resnet(50)
    assert c.relus > 9e6 and not any(layer.kind == "pool2d" and layer.mode == "max" for layer in c.layers)


def test_narrower_ring_halves_bytes_and_dsps():
    """32-bit ring: 4-byte shares (256 B for the 32 squares) and 3 DSPs per product:
    floor(0.75 * 2520 / 3) = 630 products per cycle."""
    r = Fpga2pc(bits=32, tiles=1).run(_toy(), network("lan"))
    assert r.bytes[1] == pytest.approx(256.0)
    assert r.compute_s[0] == pytest.approx(288 / (630 * 180e6))
