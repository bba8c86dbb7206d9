"""Two-party profiles where the server holds the weights: CrypTFlow2 (SCI), DELPHI, Cheetah.

* **cryptflow2** — SCI with OT-based non-linear layers composed from IKNP + KK13 blocks
  (:mod:`.blocks`: millionaire, ReLU, faithful and MSB-known truncation, Gilboa products; the
  SCI measurements at l = 32/37/64 [CrypTFlow2-20; SCI, measured] are validation references, not
  inputs) and HE linear layers (SCI_HE, Gazelle-style SEAL BFV, N = 8192, 218-bit q). No offline
  phase. A linear layer's truncation is fused into the following ReLU where Athos does so.
* **delphi** — HE for linear layers offline (client sends ``Enc(r)``, server returns
  ``Enc(W r - s)``), garbled-circuit ReLU (tables offline, the server's ``l`` input labels of 16 B
  online; [HalfGates15; SCI GC/, measured]), Beaver triples from HE for quadratic activations (offline: 3 ciphertexts per
  ``N`` triples; online: 4 field elements). Linear layers cost nothing online.
* **cheetah** — HE linear layers online without rotations (N = 4096, q = 109 bits, seeded input
  ciphertexts of half size; OpenCheetah ``cheetah-api.cpp``); non-linear layers from the same
  blocks over silent OT (Ferret), approximate truncation, and the truncation after a ReLU with a
  known-zero MSB (OpenCheetah ``truncation-cheetah.cpp``). No fitted factor.

Convolutions (and Cheetah's batch norms) follow the protocols' packing (:mod:`.he_packing`);
other layers assume ideal packing: ``ceil(elements / N)`` input and output ciphertexts. A ciphertext is ``2 N log2(q) / 8`` bytes,
half when seeded. HE compute = MACs x limbs x (SEAL PMult time per coefficient and limb).
"""

from __future__ import annotations

import math

import numpy as np

from . import blocks, he_packing, sirnn
from .presets import constant
from .protocols import Cost, Protocol

__all__ = ["Cheetah", "CrypTFlow2", "Delphi", "interp_bits"]


def ring_blocks(ot, l: int, s: int):
    """SCI_OT over the ring: ReLU, faithful truncation, truncation with the MSB known."""
    return blocks.relu(ot, l), blocks.trunc_faithful(ot, l, s), blocks.trunc_msb_known(ot, l, s)


def interp_bits(protocol: str, key: str, bits: float) -> float:
    """Per-op bytes measured at a few bit widths (``<key>_l32``, ``_l37``/``_l41``, ``_l64``),
    piecewise linear in ``l`` and extrapolated with the end segments (the measured costs are
    close to affine in l: SCI ReLU 16-17.5 B per bit, GC ReLU ~130 B per bit)."""
    from .presets import constants

    table = constants()[protocol]
    xs = sorted(float(k.rsplit("_l", 1)[1]) for k in table if k.startswith(key + "_l"))
    ys = [constant(protocol, f"{key}_l{int(x)}") for x in xs]
    if bits < xs[0]:
        return ys[0] + (bits - xs[0]) * (ys[1] - ys[0]) / (xs[1] - xs[0])
    if bits > xs[-1]:
        return ys[-1] + (bits - xs[-1]) * (ys[-1] - ys[-2]) / (xs[-1] - xs[-2])
    return float(np.interp(bits, xs, ys))


class _HELinear:
    """HE linear-layer pricing shared by the three profiles."""

    key = ""

    def _he_setup(self) -> None:
        k = self.key
        self.he_n = constant(k, "he_n")
        self.ct_bytes = 2 * self.he_n * constant(k, "he_logq") / 8
        self.ct_in_bytes = self.ct_bytes / (2 if constant(k, "he_seeded_input") else 1)
        self.he_limbs = constant(k, "he_limbs")
        self.t_pmult = constant(k, "he_pmult_s_per_coeff_limb")
        #: modulus bits of a fresh ciphertext (all primes but SEAL's special prime) and of a
        #: result sent back (one prime fewer), for the packed layers (:mod:`.he_packing`)
        if k != "delphi":  # DELPHI keeps ideal packing (its parameters are assumed)
            self.q_in, self.q_out = constant(k, "he_logq_data"), constant(k, "he_logq_out")

    def he_linear(self, x: float, y: float, macs: float) -> Cost:
        cts_in, cts_out = math.ceil(x / self.he_n), math.ceil(y / self.he_n)
        nbytes = cts_in * self.ct_in_bytes + cts_out * self.ct_bytes
        return Cost(online_bytes=nbytes, rounds=1, compute_s=macs * self.he_limbs * self.t_pmult)


class CrypTFlow2(Protocol, _HELinear):
    """SCI: IKNP/KK13 OT blocks (:mod:`.blocks`) for the non-linear layers, SCI_HE linear layers.
    A linear layer's truncation moves into the following ReLU where Athos does so (then a
    truncation with the MSB known, :func:`.blocks.trunc_msb_known`), else a faithful one."""

    name = "cryptflow2"
    key = "cryptflow2"
    ot_flavour = "iknp"
    max_parties = 2
    shared_weights = False
    fuses_truncation = True

    def __init__(self, bits: int = 0) -> None:
        self.bits = int(bits or constant(self.key, "bits"))
        self._he_setup()
        ot = blocks.flavour(self.ot_flavour)
        s = int(constant(self.key, "scale_bits"))
        relu, trunc, fused = self._blocks(ot, self.bits, s)
        mult = blocks.mult(ot, self.bits)
        unit = blocks.ot_unit_s(self.ot_flavour)
        self.relu_b, self.relu_r, self.t_relu = relu.bytes, relu.rounds, relu.ots * unit
        self.trunc_b, self.trunc_r, self.t_trunc = trunc.bytes, trunc.rounds, trunc.ots * unit
        self.fused_b, self.fused_r, self.t_fused = fused.bytes, fused.rounds, fused.ots * unit
        self.mult_b, self.mult_r, self.t_mult = mult.bytes, mult.rounds, mult.ots * unit
        self._ot, self._unit, self._scale = ot, unit, s

    @staticmethod
    def _blocks(ot, l: int, s: int):
        """SCI_HE (the CrypTFlow2 configuration with HE linear layers) evaluates ReLU over the HE
        plaintext prime field (``relu-field.h``; ASSUMPTION: a field of ``l`` bits); truncations
        are priced with the ring blocks (SCI's field division is not modelled)."""
        return blocks.relu_field(ot, l), blocks.trunc_faithful(ot, l, s), blocks.trunc_msb_known(ot, l, s)

    def trunc(self, k: float) -> Cost:
        return Cost(k * self.trunc_b, 0, self.trunc_r if k else 0, k * self.t_trunc)

    def relu_trunc(self, k: float) -> Cost:
        """Truncation fused into a ReLU (the ReLU's output is known non-negative)."""
        return Cost(k * self.fused_b, 0, self.fused_r if k else 0, k * self.t_fused)

    def triple_product(self, k: float) -> Cost:
        """``k`` secret x secret products by correlated OTs (:func:`.blocks.mult`)."""
        return Cost(k * self.mult_b, 0, self.mult_r if k else 0, k * self.t_mult)

    def packed_bytes(self, geom: tuple) -> float | None:
        """HE bytes of a convolution from SCI_HE's packing (:mod:`.he_packing`); None = ideal."""
        if not geom or geom[0] != "conv":
            return None
        _, c, h, w, m, fh, fw, s, ph, pw = geom
        return he_packing.sci_he_conv(c, h, w, m, fh, fw, s, (ph, pw), n_min=int(self.he_n),
                                      n_max=int(constant(self.key, "he_n_max")),
                                      q_in=self.q_in, q_out=self.q_out)[0]

    def linear(self, x, w, y, macs, operand, *, n, shared, truncate=True, geom=()):
        he = self.he_linear(x, y, macs)
        packed = self.packed_bytes(geom) if operand == "model" else None
        if packed is not None:
            he = Cost(packed, he.offline_bytes, he.rounds, he.compute_s)
        if operand == "secret":  # both operands secret: the two cross products
            he = he.scale(2)
        return he + self.trunc(y) if truncate else he

    def relu(self, k, *, n, shared):
        return Cost(k * self.relu_b, 0, self.relu_r if k else 0, k * self.t_relu)

    def poly(self, k, degree, *, n, shared):
        prods = max(degree - 1, 0)
        c = self.trunc(k)  # public-coefficient combination
        if prods:
            m = self.triple_product(k * prods) + self.trunc(k * prods)
            c = c + Cost(m.online_bytes, 0, m.rounds * math.ceil(math.log2(degree)), m.compute_s)
        return c

    def maxpool(self, outputs, window, *, n, shared):
        per = self.relu(outputs * (window - 1), n=n, shared=shared)
        return Cost(per.online_bytes, 0, per.rounds * math.ceil(math.log2(window)), per.compute_s)

    def avgpool(self, outputs, *, n, shared):
        return self.trunc(outputs)

    def mul(self, k, *, n, shared):
        return self.triple_product(k) + self.trunc(k)

    # -- SiRNN math functions over the same OT blocks (:mod:`.sirnn`) -------------------------
    def _block(self, k: float, blk) -> Cost:
        return Cost(k * blk.bytes, 0, blk.rounds if k else 0, k * blk.ots * self._unit)

    def nonlin(self, k, fn, *, n, shared):
        l, s = self.bits, self._scale
        if fn in ("sigmoid", "tanh"):
            return self._block(k, sirnn.sigmoid(self._ot, l, s))
        if fn in ("gelu", "silu", "hardswish"):  # x * sigmoid(a x)
            return self._block(k, sirnn.gelu(self._ot, l, s))
        raise NotImplementedError(f"{self.name}: activation {fn}")

    def softmax(self, rows, width, *, n, shared):
        """Row max (a max-pool), exp of every element, one reciprocal per row, the products."""
        l, s = self.bits, self._scale
        return (self.maxpool(rows, width, n=n, shared=shared) + self._block(rows * width, sirnn.exp(self._ot, l, s))
                + self._block(rows, sirnn.div(self._ot, l, s)) + self.mul(rows * width, n=n, shared=shared))

    def layernorm(self, rows, width, *, n, shared):
        """Mean (public scale), variance (squares), 1/sqrt per row priced as SiRNN's reciprocal
        (ASSUMPTION: SiRNN's rsqrt has a similar look-up + product structure), products."""
        l, s = self.bits, self._scale
        return (self.avgpool(rows, n=n, shared=shared) + self.mul(rows * width, n=n, shared=shared)
                + self._block(rows, sirnn.div(self._ot, l, s)) + self.mul(rows * width, n=n, shared=shared))


class Cheetah(CrypTFlow2):
    """Cheetah: silent-OT (Ferret) blocks, approximate truncation (1-ulp error), the truncation
    after a ReLU with the MSB known to be zero (``truncate_msb0``); HE linear layers without
    rotations (N = 4096)."""

    name = "cheetah"
    key = "cheetah"
    ot_flavour = "ferret"

    @staticmethod
    def _blocks(ot, l: int, s: int):
        return blocks.relu(ot, l), blocks.trunc_approx(ot, l, s), blocks.trunc_msb0(ot, l, s)

    def packed_bytes(self, geom: tuple) -> float | None:
        """HE bytes of a convolution or batch norm from Cheetah's coefficient packing."""
        if not geom or geom[0] not in ("conv", "bn"):
            return None
        out_bits = self.bits + 1  # kept bits per output coefficient (truncate_for_decryption)
        if geom[0] == "bn":
            _, c, h, w = geom
            return he_packing.cheetah_bn(c * h * w, self.bits, n=int(self.he_n), q_in=self.q_in)[0]
        _, c, h, w, m, fh, fw, s, ph, pw = geom
        return he_packing.cheetah_conv(c, h, w, m, fh, fw, s, (ph, pw), n=int(self.he_n),
                                       q_in=self.q_in, out_bits=out_bits)[0]


class Delphi(Protocol, _HELinear):
    name = "delphi"
    key = "delphi"
    max_parties = 2
    shared_weights = False

    def __init__(self, bits: int = 0) -> None:
        self.bits = bits or constant("delphi", "bits")
        self._he_setup()
        self.label = constant("delphi", "label_bytes")
        self.gc_total = interp_bits("delphi", "gc_bytes", self.bits)  # measured 4.13/5.54/8.32 KB
        self.t_relu = constant("delphi", "relu_compute_s")
        self.t_mac = constant("crypten", "compute_s_per_mac_public")
        self.elem_b = self.bits / 8

    def linear(self, x, w, y, macs, operand, *, n, shared):
        he = self.he_linear(x, y, macs)
        offline = Cost(offline_bytes=he.online_bytes, compute_s=0.0)
        if operand == "secret":  # act x act needs Beaver matrix triples from HE, opened online
            return Cost(4 * (x + w) * self.elem_b / 2, 2 * he.online_bytes, 1, macs * self.t_mac)
        return offline + Cost(compute_s=macs * self.t_mac)

    def relu(self, k, *, n, shared):
        online = k * self.label * self.bits
        return Cost(online, k * self.gc_total - online, 2 if k else 0, k * self.t_relu)

    def _triples(self, k: float) -> Cost:
        """``k`` Beaver products: 4 field elements online, 3 ciphertexts per N triples offline."""
        return Cost(k * 4 * self.elem_b, k * 3 * self.ct_bytes / self.he_n, 1 if k else 0, k * self.t_mac)

    def poly(self, k, degree, *, n, shared):
        prods = max(degree - 1, 0)
        t = self._triples(k * prods)
        return Cost(t.online_bytes, t.offline_bytes, t.rounds * max(1, math.ceil(math.log2(max(degree, 1)))),
                    t.compute_s)

    def maxpool(self, outputs, window, *, n, shared):
        per = self.relu(outputs * (window - 1), n=n, shared=shared)
        return Cost(per.online_bytes, per.offline_bytes, per.rounds * math.ceil(math.log2(window)),
                    per.compute_s)

    def avgpool(self, outputs, *, n, shared):
        return Cost()  # public scaling folded into the next linear layer (field arithmetic)

    def mul(self, k, *, n, shared):
        return self._triples(k)
