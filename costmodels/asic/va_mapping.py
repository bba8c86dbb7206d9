"""The ventricular-arrhythmia chip ([VAChip25]: Qin et al., ASP-DAC'25, arXiv 2410.17395) on the
mapping-aware ``asic`` model.

``ecg-va`` on the ``va-chip`` architecture (``data/arch/va-chip.toml``: the published 512 PEs and
per-SPE scratch-pads; every unpublished size assumed there), each layer's best mapping (energy
objective), the clock that fits one inference into the published 0.035 ms, and the duty-cycled
average power at one inference per 250 Hz sample, ``P = E x 250 Hz + P_idle x (1 - duty)`` with
the PEs power-gated when idle and the on-chip memories retaining (and leaking) at the 40 nm
Aladdin density scaled by ``leak_scale``. No zero-skipping and no sub-8-bit packing (the model has
neither): the bit width changes MAC energy and storage only.
"""

from __future__ import annotations

__all__ = ["VA_PAPER_UW", "VA_RATE_HZ", "VA_T_ACTIVE_S", "eve_variant_point", "va_chip_point"]

VA_T_ACTIVE_S = 0.035e-3  # accelerator time per sample [VAChip25, slide]
VA_RATE_HZ = 250.0  # ICD sample rate [VAChip25]
VA_PAPER_UW = 10.60  # [VAChip25]


def va_chip_point(bits: int = 8, leak_scale: float = 1.0, vdd: float = 0.9) -> dict[str, float]:
    """Cycles, clock (MHz), utilisation, dynamic and active-leakage energy per inference (nJ), idle
    power and duty-cycled average power (uW) of one operating point."""
    import dse
    import workloads

    from .archfile import load_arch
    from .tech import tech

    w = workloads.load("ecg-va")
    model = dse.get_model("asic", arch="va-chip", node_nm=40.0, vdd=vdd, leak_scale=leak_scale)
    probe = model.evaluate(w, {"bits": bits}).numpy().totals
    clock = float(probe["cycles"][0]) / VA_T_ACTIVE_S
    m = model.evaluate(w, {"bits": bits, "clock": clock}).numpy().totals
    arch = load_arch("va-chip")
    mem_bits = sum(mm.size_bits * arch.instances(mm) for mm in arch.memories)
    idle_w = mem_bits * tech(40.0, vdd).sram_leak_per_bit_w * leak_scale
    e, leak = float(m["energy_j"][0]), float(m["energy_leak_j"][0])
    duty = VA_T_ACTIVE_S * VA_RATE_HZ
    return {"bits": bits, "leak_scale": leak_scale, "cycles": float(m["cycles"][0]), "clock_mhz": clock / 1e6,
            "utilization": float(m["utilization"][0]), "dynamic_nj": (e - leak) * 1e9, "active_leak_nj": leak * 1e9,
            "idle_uw": idle_w * 1e6, "avg_power_uw": (e * VA_RATE_HZ + idle_w * (1 - duty)) * 1e6,
            "dynamic_avg_uw": (e - leak) * VA_RATE_HZ * 1e6}


def eve_variant_point(weight_sparsity: float, *, clock_hz: float = 1e6, bits: int = 8,
                      leak_scale: float = 1e-3, vdd: float = 0.9) -> dict[str, float]:
    """One EVE variant of ``ecg-va`` on the ``va-chip`` architecture, best mapping per layer
    (energy objective): every weight layer at ``weight_sparsity`` unstructured sparsity read
    through :mod:`.compression` (zero-weight MACs gated, no cycles skipped; weights stored as a
    bitmap plus non-zeros when smaller). Energy per inference (J, total and MAC/leakage parts),
    cycles and latency (s) at ``clock_hz``."""
    import dse
    import workloads
    from workloads.compression import apply_compression

    w = workloads.load("ecg-va")
    if weight_sparsity > 0:
        w = apply_compression(w, {"*": {"density": 1.0 - weight_sparsity}})
    model = dse.get_model("asic", arch="va-chip", node_nm=40.0, vdd=vdd, leak_scale=leak_scale)
    m = model.evaluate(w, {"bits": bits, "clock": clock_hz}).numpy().totals
    return {"weight_sparsity": weight_sparsity, "energy_j": float(m["energy_j"][0]),
            "energy_mac_j": float(m["energy_mac_j"][0]), "energy_leak_j": float(m["energy_leak_j"][0]),
            "cycles": float(m["cycles"][0]), "latency_s": float(m["latency_s"][0])}
