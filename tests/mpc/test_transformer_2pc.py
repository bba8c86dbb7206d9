"""Private-transformer profiles (iron, bolt, bumblebee): matmul packings, non-linear compositions,
feasibility, word elimination and the CLI."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

import workloads
from costmodels.mpc import MpcModel, make_protocol
from costmodels.mpc.he_packing import ct_bytes
from costmodels.mpc.lowering import lower_layer
from costmodels.mpc.transformer_2pc import TRANSFORMER_PROTOCOLS, matmul_bytes
from costmodels.mpc.word_elimination import word_elimination

N = 4096


def test_coeff_single_column_by_hand():
    """A 1 x N by N x 1 product packs into one seeded input and one output ciphertext with one
    used coefficient (hand count)."""
    got, cts = matmul_bytes("coeff", 1, N, 1, N=N, q_in=109, q_out=60, out_bits=38)
    assert cts == 2
    assert got == pytest.approx(ct_bytes(N, 109, seeded=True) + (N + 1) * 38 / 8)


def test_simd_counts_are_dense():
    """BOLT's slot packing sends ceil(mn/N) input and ceil(mk/N) output full ciphertexts."""
    m, n, k, n_poly = 128, 768, 3072, 8192
    got, cts = matmul_bytes("simd", m, n, k, N=n_poly, q_in=180, q_out=120, out_bits=38)
    n_in, n_out = math.ceil(m * n / n_poly), math.ceil(m * k / n_poly)
    assert cts == n_in + n_out
    assert got == pytest.approx(n_in * 2 * n_poly * 180 / 8 + n_out * 2 * n_poly * 120 / 8)


@pytest.mark.parametrize("shape", [(128, 768, 768), (128, 768, 3072), (128, 64, 128), (1, 512, 10)])
def test_repacked_outputs_never_cost_more_than_sparse(shape):
    """Re-packing the results densely (BumbleBee) never sends more bytes than Iron's sparse
    outputs for the same partition search."""
    m, n, k = shape
    sparse, _ = matmul_bytes("coeff", m, n, k, N=N, q_in=109, q_out=60, out_bits=38)
    dense, _ = matmul_bytes("coeff-packed", m, n, k, N=N, q_in=109, q_out=60, out_bits=38)
    assert dense <= sparse


def test_attention_and_linear_carry_matmul_geometry():
    """Lowering gives the four attention products and a linear layer their (batch, m, n, k)."""
    wl = workloads.load("bert-base:layers=1")
    attn = next(l for l in wl.layers if l.kind == "attention")
    geoms = [o.geom for o in lower_layer(attn) if o.name == "linear"]
    t, d, h = attn.seq_len, attn.d_model, attn.heads
    assert geoms == [("matmul", 1, t, d, 3 * d), ("matmul", h, t, d // h, t), ("matmul", h, t, t, d // h),
                     ("matmul", 1, t, d, d)]
    fc = next(l for l in wl.layers if l.kind == "linear")
    assert lower_layer(fc)[0].geom == ("matmul", 1, t, fc.in_features, fc.out_features)


@pytest.mark.parametrize("name", ["bolt", "bumblebee"])
def test_secret_product_is_two_cross_terms(name):
    """A product of two secret matrices costs twice the HE bytes of one with a model operand."""
    p = make_protocol(name)
    geom = ("matmul", 12, 128, 64, 128)
    a = p.linear(1, 1, 10, 100, "model", n=2, shared=False, truncate=False, geom=geom)
    b = p.linear(1, 1, 10, 100, "secret", n=2, shared=False, truncate=False, geom=geom)
    assert b.online_bytes == pytest.approx(2 * a.online_bytes)
    assert b.compute_s == pytest.approx(2 * a.compute_s)


def test_bolt_gelu_composition_by_hand():
    """BOLT's GELU (``gelu_bolt`` at 20 bits, scale 11, IKNP): MSB, |x| select, three Gilboa
    products with their truncate-reduce, four public scalings, |x| < 2.7, the halving, a select,
    an AND, the extension to 37 bits and the shift by 7, counted from the blocks by hand."""
    from costmodels.mpc import blocks
    from costmodels.mpc.sirnn import _trunc_reduce

    ot = blocks.flavour("iknp")
    l, s = 20, 11
    cmp_ = blocks.millionaire(ot, l - 1).bits
    mux = 2 * ot.cot(l).bits
    prod = blocks.mult(ot, l).bits + _trunc_reduce(ot, s, l).bits
    and_ = ot.triple() + blocks.AND_OPEN_BITS
    want = (2 * cmp_ + 2 * mux + 3 * prod + 4 * _trunc_reduce(ot, s, l).bits + _trunc_reduce(ot, 1, l).bits
            + and_ + ot.cot(37).bits + _trunc_reduce(ot, 7, 37).bits)
    assert make_protocol("bolt").gelu_block().bits == pytest.approx(want)


def test_bumblebee_ole_bits_by_hand():
    """BumbleBee's HE OLE: ceil((2 l + 4) / 45) CRT primes, each a seeded 112-bit ciphertext slot
    one way and 2 x 46 bits back: 3 primes (612 bits) on the 64-bit ring, 2 (408) on 32 bits."""
    from costmodels.mpc.transformer_nl import ole_bits, ole_primes

    assert (ole_primes(64), ole_primes(32)) == (3, 2)
    assert ole_bits(64) == pytest.approx(3 * (112 + 92))
    assert ole_bits(32) == pytest.approx(2 * (112 + 92))


def test_bumblebee_products_cheaper_than_ot_products():
    """An HE-OLE product of two 64-bit shares sends less than a Gilboa product over silent OT at
    the same width (the reason BumbleBee multiplies under HE)."""
    from costmodels.mpc import blocks

    bb = make_protocol("bumblebee")
    ot = blocks.flavour("ferret")
    assert bb._prod().bits < blocks.mult(ot, 64).bits


def test_iron_softmax_divides_every_element():
    """Iron (as BOLT re-implemented it) divides every element by its row sum: the softmax costs
    the row max plus (exp + division) per element; BOLT's one reciprocal per row is cheaper."""
    from costmodels.mpc import sirnn

    iron = make_protocol("iron")
    rows, width = 12 * 128, 128
    per = sirnn.exp(iron._ot, 37, 12) + sirnn.div(iron._ot, 37, 12)
    got = iron.softmax(rows, width, n=2, shared=False).online_bytes
    assert got == pytest.approx(iron._max(rows, width).online_bytes + rows * width * per.bytes)
    assert make_protocol("bolt").softmax(rows, width, n=2, shared=False).online_bytes < got / 2


def test_iron_attention_products_by_ot_hand_count():
    """Iron's Q K^T (per head 128 x 64 by 64 x 128) runs as SCI's OT matrix product: two cross
    terms of d1 d2 (128 m + d3 (m (l - m) + (m^2 + m) / 2)) bits with m = 37, l = 49, plus one
    truncate-reduce per output (hand count from SCI's cross_term_cost formula)."""
    from costmodels.mpc import blocks
    from costmodels.mpc.sirnn import _trunc_reduce

    iron = make_protocol("iron")
    h, t, dh = 12, 128, 64
    m, l = 37, 49
    per_term = t * dh * (m * 128 + t * (m * (l - m) + (m * m + m) / 2))
    y = h * t * t
    got = iron.linear(1, 1, y, 1, "secret", n=2, shared=False, geom=("matmul", h, t, dh, t)).online_bytes
    want = 2 * h * per_term / 8 + y * _trunc_reduce(blocks.flavour("iknp"), 12, 37).bytes
    assert got == pytest.approx(want)


def test_bolt_converts_every_he_result():
    """Every BOLT matrix-product result is brought from the plaintext prime to the ring by one
    comparison and one select per element (``gt_p_sub``)."""
    from costmodels.mpc import blocks

    bolt = make_protocol("bolt")
    geom = ("matmul", 1, 128, 768, 768)
    y = 128 * 768
    a = bolt.linear(1, 1, y, 100, "model", n=2, shared=False, truncate=True, geom=geom)
    b = bolt.linear(1, 1, y, 100, "model", n=2, shared=False, truncate=False, geom=geom)
    ot = blocks.flavour("iknp")
    per = blocks.millionaire(ot, 36).bits + 2 * ot.cot(37).bits
    assert a.online_bytes - b.online_bytes == pytest.approx(y * per / 8)


def test_server_weights_only():
    """The three profiles are 2-party with server-held weights: shared weights or 3 parties are
    infeasible (NaN costs) with the reason."""
    wl = workloads.load("bert-base:layers=1")
    m = MpcModel()
    met = m.evaluate(wl, {"protocol": list(TRANSFORMER_PROTOCOLS) * 2, "parties": [2] * 3 + [3] * 3,
                          "weights": ["shared"] * 3 + ["public"] * 3}).numpy()
    assert np.all(np.isnan(met.totals["comm_bytes"]))
    ok = m.evaluate(wl, {"protocol": list(TRANSFORMER_PROTOCOLS), "parties": 2, "weights": "public"}).numpy()
    assert np.all(ok.totals["comm_bytes"] > 0)


def test_word_elimination():
    """Keeping every token, or cutting after the last layer, equals the plain evaluation; keeping
    half the tokens after layer 1 lowers bytes and latency."""
    full = word_elimination("bolt", seq_len=32, layers=3, after=3)
    same = word_elimination("bolt", seq_len=32, layers=3, after=1, keep=1.0)
    half = word_elimination("bolt", seq_len=32, layers=3, after=1, keep=0.5)
    met = MpcModel().evaluate(workloads.load("bert-base:seq_len=32,layers=3"),
                              {"protocol": "bolt", "parties": 2, "weights": "public"})
    assert full["comm_bytes"] == pytest.approx(float(met.totals["comm_bytes"][0]))
    assert same["comm_bytes"] == pytest.approx(full["comm_bytes"], rel=1e-9)
    assert half["comm_bytes"] < full["comm_bytes"] and half["latency_s"] < full["latency_s"]


def test_word_elimination_bad_keep():
    """A keep fraction outside (0, 1] is a DseInputError."""
    from dse.errors import DseInputError

    with pytest.raises(DseInputError):
        word_elimination("bolt", keep=0.0)


def test_cli_bert_bolt():
    """`dse whatif mpc --set protocol=bolt` on BERT-base runs (exit 0, JSON with a positive total)."""
    import json
    from pathlib import Path

    dse = Path(sys.executable).with_name("dse")
    out = subprocess.run([str(dse), "whatif", "mpc", "--workload", "bert-base:layers=1", "--set", "protocol=bolt",
                          "--set", "weights=public", "--json"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "comm_bytes" in out.stdout and json.loads(out.stdout)


def test_crypten_transformer_pieces_match_recorded_counters():
    """CrypTen's softmax, sigmoid, GELU and LayerNorm on a 16 x 32 tensor are priced within 5 % of
    CrypTen 0.4.1's recorded counters (tests/mpc/data/crypten_transformer_golden.json)."""
    import json
    from pathlib import Path

    from costmodels.mpc.protocols import CrypTen

    golden = json.loads((Path(__file__).parent / "data" / "crypten_transformer_golden.json").read_text())
    rows, width = golden["rows"], golden["width"]
    p = CrypTen()
    ours = {"softmax": p.softmax(rows, width, n=2, shared=False),
            "sigmoid": p.nonlin(rows * width, "sigmoid", n=2, shared=False),
            "gelu": p.nonlin(rows * width, "gelu", n=2, shared=False),
            "layernorm": p.layernorm(rows, width, n=2, shared=False)}
    for piece, c in ours.items():
        assert c.online_bytes == pytest.approx(golden["pieces"][piece]["wire_bytes"], rel=0.05), piece


def test_square_is_one_cross_term():
    """A square sends exactly half the bits of a product of two shares (one cross term of two)."""
    from costmodels.mpc import blocks

    for flavour in ("iknp", "ferret"):
        ot = blocks.flavour(flavour)
        for l in (37, 64):
            assert blocks.square(ot, l).bits == pytest.approx(blocks.mult(ot, l).bits / 2)
