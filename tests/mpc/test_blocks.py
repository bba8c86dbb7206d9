"""Structural 2PC blocks (costmodels/mpc/blocks.py) and truncation fusion."""

from __future__ import annotations

import math

import pytest

import workloads
from costmodels.mpc import blocks, layer_costs, presets
from costmodels.mpc.claims_structural import CLAIMS
from costmodels.mpc.compiled import _layer_costs
from costmodels.mpc.lowering import fused_truncation, lower_workload
from costmodels.mpc.protocols_2pc import Cheetah, CrypTFlow2
from dse.claims import run_claim
from dse.datafiles import load_csv

#: protocols whose non-linear costs are derived from protocol structure
STRUCTURAL = ("cryptflow2", "cheetah", "iron", "bolt", "bumblebee")


@pytest.mark.parametrize("claim", [c for c in CLAIMS if c.id.startswith("mpc-sci-")], ids=lambda c: c.id)
def test_sci_blocks_agree_with_measured_sci(claim):
    """Millionaire, ReLU and faithful truncation counted from SCI's code structure fall within
    10 % of the SCI bytes measured at l = 32/37/64 (nothing fitted to them)."""
    assert run_claim(claim).status == "pass"


def test_no_calibrated_row_used_by_structural_protocols(monkeypatch):
    """Building and pricing CrypTFlow2/Cheetah/Iron/BOLT/BumbleBee reads no protocols.csv byte/round row marked
    CALIBRATED (their bytes and rounds are structural; the one calibrated compute time, unit s,
    is declared as claim mpc-sci-relu-time)."""
    calibrated = {(r["protocol"], r["key"]) for r in load_csv(presets.DATA / "protocols.csv")
                  if "CALIBRATED" in r["source"].upper() and r["unit"] != "s"}
    used: set[tuple[str, str]] = set()
    real = presets.constant

    def spy(protocol: str, key: str) -> float:
        used.add((protocol, key))
        return real(protocol, key)

    for mod in ("costmodels.mpc.presets", "costmodels.mpc.protocols_2pc", "costmodels.mpc.blocks",
                "costmodels.mpc.transformer_2pc"):
        monkeypatch.setattr(f"{mod}.constant", spy)
    wl = workloads.load("resnet20-cifar")
    for proto in STRUCTURAL:
        _layer_costs(wl, proto, 2, "public", 2, 0)
    assert used, "the spy saw no constant"
    assert not (used & calibrated), sorted(used & calibrated)


def test_cheetah_relu_is_the_silent_ot_composition():
    """Cheetah ReLU at l = 37 = 9 leaf 1-of-16 OTs (4 chosen random OTs + 16 x 2 bits each),
    12 bit triples of 2 random OTs, 12 AND openings of 4 bits, and two 37-bit correlated OTs."""
    eps = presets.constant("ot", "ferret_bits_per_rot")
    bits = 9 * (4 * (eps + 1) + 32) + 12 * 2 * eps + 12 * 4 + 2 * (eps + 1 + 37)
    assert Cheetah().relu(1, n=2, shared=False).online_bytes == pytest.approx(bits / 8)


def test_iknp_millionaire_counts_kk13_codewords():
    """SCI millionaire on 36 bits: leaves 272 + 8 x 288 bits, 4 correlated pairs (1-of-8) and
    2 standard pairs (1-of-16) of triples, 12 AND openings of 4 bits."""
    b = blocks.millionaire(blocks.flavour("iknp"), 36)
    assert b.bits == 272 + 8 * 288 + 4 * (256 + 16) + 2 * (256 + 32) + 12 * 4


def test_resnet50_truncations_fuse_into_relus():
    """In ResNet-50 every conv's scale-down reaches a ReLU (through batch norm and the residual
    add) and is fused; the final fc is truncated on its own."""
    w = workloads.load("resnet50-imagenet")
    deferred, fused = fused_truncation(w)
    linear = [i for i, l in enumerate(w.layers) if l.kind in ("conv2d", "linear")]
    assert [w.layers[i].name for i in linear if not deferred[i]] == ["fc"]
    assert sum(fused) == sum(1 for l in w.layers if l.kind == "activation" and l.fn == "relu")


def test_removed_relu_pays_a_standalone_truncation():
    """A fused site's ReLU part carries the cheap known-MSB truncation, its polynomial part the
    full one (the scale-down can no longer ride on a ReLU)."""
    w = workloads.load("resnet20-cifar")
    _, fused = fused_truncation(w)
    j = fused.index(True)
    k = lower_workload(w)[j][0].args[0]
    for cls in (CrypTFlow2, Cheetah):
        p = cls()
        lc = layer_costs(w, p.name, 2, "public")
        assert lc.relu[0, j] == pytest.approx(k * (p.relu_b + p.fused_b))
        assert lc.poly[0, j] == pytest.approx(p.poly(k, 2, n=2, shared=False).online_bytes + k * p.trunc_b)
        assert p.fused_b < p.trunc_b


def test_ferret_block_much_cheaper_than_iknp():
    """Per ReLU, silent OT sends < 1/5 of IKNP's bits at l = 37 (IKNP pays lambda = 128 bits per
    OT and 256 per 1-of-16 OT, Ferret ~1.4 bits per random OT)."""
    assert blocks.relu(blocks.flavour("ferret"), 37).bits * 5 < blocks.relu(blocks.flavour("iknp"), 37).bits
    assert math.isclose(blocks.flavour("iknp").kkot(16, 2).bits, 256 + 32)


def test_transformer_pieces_of_2pc_profiles_are_structural(monkeypatch):
    """CrypTFlow2/Cheetah price GELU, softmax and LayerNorm from SiRNN blocks: BERT-base never
    falls back to CrypTen's ratio to a ReLU (NONLINEAR_RELU_RATIO)."""
    from costmodels.mpc.protocols import Protocol

    def boom(*a, **k):
        raise AssertionError("ReLU-ratio fallback used")

    monkeypatch.setattr(Protocol, "_like_relu", boom)
    wl = workloads.load("bert-base")
    for proto in STRUCTURAL:
        _layer_costs(wl, proto, 2, "public", 2, 0)


def test_sirnn_exp_has_one_lookup_per_8_bit_digit():
    """SiRNN exp at l = 37, s = 12: 5 digits -> 5 one-of-256 look-ups of 14-bit outputs, 4
    products; removing the look-ups and products leaves decomposition and extension only."""
    from costmodels.mpc import sirnn

    ot = blocks.flavour("iknp")
    e = sirnn.exp(ot, 37, 12)
    lut = ot.kkot(256, 14).bits
    assert lut == 256 + 256 * 14
    rest = e.bits - 5 * lut - 4 * blocks.mult(ot, 14).bits
    assert 0 < rest < 5 * lut


def test_field_drelu_by_hand():
    """SCI_HE's field DReLU at l = 37 (drelu-field.h): 10 radix-16 digits, r = 1: a first leaf
    1-of-16 OT of 2-bit messages, 8 of 4-bit messages, the last digit an IKNP 1-of-2 OT of 4 bits;
    the AND trees of both comparisons (2 x 4 standard, 2 x 10 correlated triples, 4 opened bits
    each), then a 1-of-4 OT of one bit; the ReLU adds two chosen 1-of-2 OTs of 37 bits."""
    ot = blocks.flavour("iknp")
    kk = lambda n, m: 256 + n * m  # KK13: 256-bit codeword + n masked messages
    leaves = kk(16, 2) + 8 * kk(16, 4) + (128 + 2 * 4)
    tri = 8 * kk(16, 2) / 2 + 20 * kk(8, 2) / 2 + 28 * 4
    want = leaves + tri + kk(4, 1)
    assert blocks.drelu_field(ot, 37).bits == pytest.approx(want)
    assert blocks.relu_field(ot, 37).bits == pytest.approx(want + 2 * (128 + 2 * 37))
    assert blocks.relu(ot, 37).bits < blocks.relu_field(ot, 37).bits < 2 * blocks.relu(ot, 37).bits
