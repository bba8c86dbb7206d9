"""GPU compute profiles for 3-party replicated sharing (the CryptGPU setting).

CryptGPU [CryptGPU21] runs every share operation on the GPU. A product of ring elements in
``Z_2^64`` has no cuBLAS/cuDNN kernel, so CryptGPU splits each 64-bit word into 4 blocks of 16 bits
held exactly in fp64 and runs all ``4 x 4`` block products as one grouped fp64 convolution or
matmul (``crypten/cuda/cuda_tensor.py``); a product of two replicated sharings costs each party 3
such products (``x1 y1 + x1 y2 + x2 y1``, ``resharing.py``). Hence, per party:

    linear_s = macs * products * block_products * 2 / fp64_flops       (compute-bound roofline)
    word_s   = words * 24 B / memory_bandwidth                           (memory-bound elementwise)

with the device's peak FP64 rate and HBM bandwidth from its datasheet (``data/gpu_profiles.csv``).
These are roofline lower bounds: kernel-launch and framework overheads, host staging of the
messages and cuDNN's efficiency on grouped fp64 convolutions are not modelled (the gap to CryptGPU's
measured time is reported by the claims in :mod:`costmodels.mpc.claims_gpu`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from dse.datafiles import load_csv
from dse.errors import UnknownNameError

from .presets import DATA

__all__ = ["CPU", "DEVICES", "GpuProfile", "gpu_constants", "gpu_profile"]

CPU = "cpu"  #: the measured CrypTen CPU proxy (data/compute_profile.csv)


@cache
def _rows() -> dict[str, dict[str, str]]:
    return {r["device"]: r for r in load_csv(DATA / "gpu_profiles.csv")}


@cache
def gpu_constants() -> dict[str, float]:
    """``{key: value}`` of ``data/gpu_constants.csv`` (CryptGPU's structural constants)."""
    return {r["key"]: float(r["value"]) for r in load_csv(DATA / "gpu_constants.csv")}


#: devices the ``device`` parameter of ``mpc`` accepts (``cpu`` first)
DEVICES: tuple[str, ...] = (CPU, *sorted(_rows()))


@dataclass(frozen=True)
class GpuProfile:
    """One GPU: peak FP64 rate (FLOP/s) and memory bandwidth (B/s), from its datasheet."""

    device: str
    fp64_flops: float
    mem_bytes_per_s: float
    source: str

    def linear_s(self, macs: float, shared: bool) -> float:
        """Seconds for one party's local products of a linear layer of ``macs`` ring MACs."""
        c = gpu_constants()
        products = c["products_shared"] if shared else c["products_public"]
        return macs * products * c["block_products"] * c["flops_per_mac"] / self.fp64_flops

    @property
    def word_s(self) -> float:
        """Seconds per elementwise 64-bit ring operation (memory-bound)."""
        return gpu_constants()["bytes_per_word_op"] / self.mem_bytes_per_s


def gpu_profile(device: str) -> GpuProfile:
    """The profile of ``device`` (one of :data:`DEVICES` other than ``cpu``)."""
    rows = _rows()
    if device not in rows:
        raise UnknownNameError("device", device, list(DEVICES))
    r = rows[device]
    return GpuProfile(device, float(r["fp64_flops"]), float(r["mem_bytes_per_s"]), r["source"])
