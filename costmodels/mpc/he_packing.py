"""Ciphertext counts and bytes of the HE linear layers of SCI_HE (CrypTFlow2) and Cheetah, from
their packing rules (read in OpenCheetah/EzPC, not copied):

* **SCI_HE convolution** (``SCI/src/LinearHE/conv-field.cpp``): a strided convolution runs as
  ``stride^2`` non-strided sub-convolutions on the sub-sampled (padded) image; each packs
  ``chans_per_half = (N/2) / next_pow2(H W)`` channels per half ciphertext with
  ``N = max(8192, 2 next_pow2(H W))`` slots, so ``ceil(C / (2 chans_per_half))`` input and
  ``ceil(M / (2 chans_per_half))`` output ciphertexts. Inputs are fresh encryptions at the data
  level (all primes but SEAL's special one); outputs are mod-switched down one prime before
  they are sent (``mod_switch_to_next_inplace``).
* **Cheetah convolution** (``include/gemini/cheetah/shape_inference.cc``, ``hom_conv2d_ss.cc``):
  coefficient encoding of a ``Cs x Hs x Ws`` slice per polynomial (SAME padding adds ``h - 1``);
  when ``H W <= N`` a slice is the whole map with ``Cs = min(N / (H W), C, N / (h w))`` channels,
  else one channel and ``Hs ~ Ws ~ sqrt N`` (slices overlap by ``h - 1``). Input ciphertexts:
  ``ceil(C / Cs) x nH x nW``, seeded (half size); output ciphertexts: ``M x nH x nW``, mod-switched
  to the first prime with the low bits below ``Delta / 2`` zeroed and the unused coefficients of
  ``c0`` zeroed (``truncate_for_decryption``, ``remove_unused_coeffs``): ASSUMPTION that SEAL's
  compressed serialization drops the zeroed bits, i.e. ``(N + used) (log2 t + 1)`` bits each.
* **Cheetah batch norm** (``hom_bn_ss.cc`` ``HomBNSS::bn``, ``cheetah-api.cpp`` ``setUpForBN``): the
  elementwise product runs over ``nCRT`` plaintext primes (3 primes of 39 bits for l = 37) with
  ``N`` elements per ciphertext.

A ciphertext is ``2 N log2 q / 8`` bytes (two polynomials of ``N`` coefficients of ``log2 q``
bits, SEAL's serialized size without compression), half that when seeded. Fully connected layers
and grouped convolutions keep the ideal count ``ceil(elements / N)`` (their packings are not
modelled).
"""

from __future__ import annotations

import math

__all__ = ["cheetah_bn", "cheetah_bn_crt", "cheetah_conv", "ct_bytes", "next_pow2", "sci_he_conv"]


def next_pow2(x: int) -> int:
    return 1 << max(0, math.ceil(math.log2(max(x, 1))))


def ct_bytes(n: int, logq: float, seeded: bool = False) -> float:
    """Bytes of a 2-polynomial RLWE ciphertext (half when the second polynomial is a seed)."""
    return n * logq / 8 * (1 if seeded else 2)


def sci_he_conv(c: int, h: int, w: int, m: int, fh: int, fw: int, stride: int, pad: tuple[int, int],
                *, n_min: int, n_max: int, q_in: float, q_out: float) -> tuple[float, int]:
    """(bytes, ciphertexts) of one SCI_HE convolution; ``pad`` = total padding (rows, cols)."""
    ph, pw = h + pad[0], w + pad[1]
    lim_h = fh + ((ph - fh) // stride) * stride
    lim_w = fw + ((pw - fw) // stride) * stride
    total, cts = 0.0, 0
    for sr in range(stride):
        for sc in range(stride):
            lh, lw = (lim_h - sr + stride - 1) // stride, (lim_w - sc + stride - 1) // stride
            lfh, lfw = (fh - sr + stride - 1) // stride, (fw - sc + stride - 1) // stride
            if lfh <= 0 or lfw <= 0:
                continue
            size = next_pow2(lh * lw)
            n = min(n_max, max(n_min, 2 * size))
            cph = max(1, (n // 2) // size)
            n_in, n_out = math.ceil(c / (2 * cph)), math.ceil(m / (2 * cph))
            total += n_in * ct_bytes(n, q_in) + n_out * ct_bytes(n, q_out)
            cts += n_in + n_out
    return total, cts


def _cheetah_slices(c: int, h: int, w: int, fh: int, fw: int, n: int) -> tuple[int, int, int, int]:
    """(channel groups, row slices, column slices, used output coefficients per slice)."""
    cw = max(1, n // (fh * fw))
    if h * w <= n:
        cs = min(n // (h * w), c, cw)
        return math.ceil(c / cs), 1, 1, (h - fh + 1) * (w - fw + 1)
    ratio = h / w
    sh = min(int(math.sqrt(n * ratio)), h)
    sw = min(n // sh, w)
    if abs(sw - sh) < 2:
        sh = sw = min(sh, sw)
    nh = math.ceil((h - fh + 1) / max(1, sh - fh + 1))
    nw = math.ceil((w - fw + 1) / max(1, sw - fw + 1))
    return c, nh, nw, (sh - fh + 1) * (sw - fw + 1)


def cheetah_conv(c: int, h: int, w: int, m: int, fh: int, fw: int, stride: int, pad: tuple[int, int],
                 *, n: int, q_in: float, out_bits: float) -> tuple[float, int]:
    """(bytes, ciphertexts) of one Cheetah HomConv (shared input: the client's share encrypted)."""
    hh, ww = h + pad[0], w + pad[1]
    if stride > 1 and fh == 1 and fw == 1:  # strided 1x1: sub-sample first (shape_inference)
        hh, ww = math.ceil(hh / stride), math.ceil(ww / stride)
    groups, nh, nw, used = _cheetah_slices(c, hh, ww, fh, fw, n)
    n_in, n_out = groups * nh * nw, m * nh * nw
    used = min(used, n)
    return n_in * ct_bytes(n, q_in, seeded=True) + n_out * (n + used) * out_bits / 8, n_in + n_out


def cheetah_bn_crt(l: int, stat_bits: int = 40, max_prime_bits: int = 50) -> tuple[int, int]:
    """(CRT primes, bits per prime) of Cheetah's batch-norm plaintexts: the product of two
    ``l``-bit values plus ``stat_bits`` of masking must fit (``CheetahLinear::setUpForBN``)."""
    need = 2 * l + 1 + stat_bits
    n = 1
    while math.ceil((need + 1) / n) > max_prime_bits:
        n += 1
    bits = math.ceil((need + 1) / n)
    return math.ceil(need / bits), bits


def cheetah_bn(elements: int, l: int, *, n: int, q_in: float) -> tuple[float, int]:
    """(bytes, ciphertexts) of Cheetah's batch norm as ResNet-50 runs it
    (``ElemWiseActModelVectorMult`` -> ``HomBNSS::bn``): the vector split in ``N``-element pieces,
    one ciphertext per piece and CRT prime each way; outputs keep ``prime bits + 2`` bits per
    coefficient (``truncate_for_decryption``, same ASSUMPTION as for the convolution). The
    CRT-to-ring conversion of the result is not modelled."""
    n_crt, bits = cheetah_bn_crt(l)
    cts = n_crt * math.ceil(elements / n)
    return cts * ct_bytes(n, q_in, seeded=True) + cts * n * (bits + 2) / 8, 2 * cts
