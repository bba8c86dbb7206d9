"""HE linear-layer packing of SCI_HE and Cheetah (costmodels/mpc/he_packing.py)."""

from __future__ import annotations

import math

import pytest

import workloads
from costmodels.mpc import he_packing as hp
from costmodels.mpc import layer_costs
from costmodels.mpc.protocols_2pc import Cheetah, CrypTFlow2


def test_sci_he_conv_pads_to_power_of_two_and_packs_channels():
    """SCI_HE 3x3 conv on 56x56x64 (padded 58x58 -> 4096 slots per channel, N = 8192): one
    channel per half ciphertext, 32 input and 32 output ciphertexts; inputs at 180 bits, outputs
    mod-switched to 120 bits."""
    b, n = hp.sci_he_conv(64, 56, 56, 64, 3, 3, 1, (2, 2), n_min=8192, n_max=32768, q_in=180, q_out=120)
    assert n == 64
    assert b == 32 * 2 * 8192 * 180 / 8 + 32 * 2 * 8192 * 120 / 8


def test_sci_he_strided_conv_runs_stride_squared_subconvolutions():
    """A stride-2 3x3 conv splits into 4 non-strided sub-convolutions (filters 2x2, 2x1, 1x2,
    1x1) on 29x29/29x28/... sub-images: 4 x (input + output) ciphertext groups."""
    _, n = hp.sci_he_conv(64, 56, 56, 128, 3, 3, 2, (2, 2), n_min=8192, n_max=32768, q_in=180, q_out=120)
    # each sub-image <= 29x29 = 841 -> 1024 slots, 4 channels per half: 8 in + 16 out per sub-conv
    assert n == 4 * (8 + 16)


def test_cheetah_conv_slices_follow_shape_inference():
    """Cheetah 3x3 conv, 56x56x64 (58x58 <= 4096): one channel per slice, 64 seeded input and 64
    output ciphertexts of 3136 used coefficients; 7x7x512 (9x9): 50 channels per slice, 11 input
    and 512 output ciphertexts."""
    b, n = hp.cheetah_conv(64, 56, 56, 64, 3, 3, 1, (2, 2), n=4096, q_in=109, out_bits=38)
    assert n == 128 and b == pytest.approx(64 * 4096 * 109 / 8 + 64 * (4096 + 3136) * 38 / 8)
    _, n = hp.cheetah_conv(512, 7, 7, 512, 3, 3, 1, (2, 2), n=4096, q_in=109, out_bits=38)
    assert n == 11 + 512


def test_cheetah_bn_uses_three_crt_primes_at_37_bits():
    """Batch norm plaintexts must hold 2 l + 1 + 40 bits: 3 CRT primes of 39 bits at l = 37."""
    assert hp.cheetah_bn_crt(37) == (3, 39)


def test_packing_is_used_for_convolutions_only_where_known():
    """ResNet-50's convolutions are priced from the packing (not the ideal count); the final fc
    keeps the ideal count; DELPHI stays ideal."""
    w = workloads.load("resnet50-imagenet")
    fc = [i for i, l in enumerate(w.layers) if l.kind == "linear"][0]
    for cls in (CrypTFlow2, Cheetah):
        p = cls()
        lc = layer_costs(w, p.name, 2, "public")
        ideal0 = p.he_linear(3 * 224 * 224, 64 * 112 * 112, 1).online_bytes
        assert lc.fixed[0, 0] != pytest.approx(ideal0)
        # layer bytes are whole bytes (rounded up per layer)
        assert lc.fixed[0, fc] == math.ceil(p.he_linear(2048, 1000, 1).online_bytes + 1000 * p.trunc_b)
