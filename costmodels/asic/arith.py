"""The vectorised arithmetic of ``asic-systolic``: ``(1, n)`` design rows x ``(L, 1)`` layers.

Two phases: :func:`prepare` derives every per-point quantity (``(1, n)``: packing factor, fill
cycles, SRAM capacities in elements, energies per event...) once for a whole batch; :func:`layers`
does the ``(L, n)`` work (fold counts, traffic, stalls, energy) and the totals. Arrays are laid out
layers x points so numpy's inner loops run along the points (long and contiguous, each layer
constant a scalar per row): with ``(n, L)`` they would be ``L`` (about 20) long and about 2.5x
slower. The model returns per-layer arrays transposed, as ``(n, L)`` views.

``df`` is a dataflow label when every point of the batch shares it (the numpy path groups points
by dataflow, which removes the per-element ``where`` selections: about half the element-wise
work) or ``None`` (boolean rows ``os``/``ws``/``is`` select with ``xp.where``: the torch path).
Formulas: :mod:`.systolic` (compute cycles), :mod:`.memory` (traffic, reuse), :mod:`.model`
(roofline, energy).
"""

from __future__ import annotations

from typing import Any

__all__ = ["layer_rows", "prepare", "layers"]


def layer_rows(tbl) -> dict[str, Any]:
    """Per-layer constants (numpy ``(L,)``; the model reshapes them to ``(L, 1)``); ``batch`` is
    None when every product has batch 1."""
    rows = {"m": tbl.m, "k": tbl.k, "n": tbl.n, "a": tbl.ifmap_elems, "w": tbl.weight_elems,
            "o": tbl.out_elems, "mkn_b": tbl.m * tbl.k * tbl.n * tbl.batch}
    rows["batch"] = None if bool((tbl.batch == 1).all()) else tbl.batch
    return rows


def prepare(xp, design, index, c: dict[str, float]) -> dict[str, Any]:
    """Per-point quantities of the points ``index`` as ``(1, n)`` rows."""
    f64 = xp.float64

    def col(name):
        return xp.astype(design[name][index], f64)[None, :]

    df = design["dataflow"][index][None, :]
    sp = design["sparse_pe"][index][None, :]
    R, C, bits = col("rows"), col("cols"), col("bits")
    S_if, S_f, S_o = col("ifmap_sram"), col("filter_sram"), col("ofmap_sram")
    sw, sa, clock = col("weight_sparsity"), col("act_sparsity"), col("clock")
    one = xp.ones_like(R)
    skip, gate = sp == 2, sp != 0
    is_os, is_ws, is_is = df == 0, df == 1, df == 2
    keep_w = xp.where(skip, 1.0 - sw, one)  # stored (non-skipped) weight fraction
    wbits = bits + xp.where(skip, c["index_bits"] * one, 0.0 * one)  # stored bits per weight
    pes = R * C
    sram_bits = (S_if + S_f + S_o) * 8.0
    leak_w = pes * c["pe_leak"] + sram_bits * c["sram_leak_bit"]
    psum = c["psum_bits"]
    # zero operands gate the multiplier-accumulator (gate: zero weights and activations; skip: the
    # zero weights are not executed at all, zero activations gate); movement is paid per executed MAC
    gated = xp.where(skip, 1.0 - sa, xp.where(gate, (1.0 - sw) * (1.0 - sa), one))
    e_mac = (c["e_mult8"] * (bits * bits / 64.0) + c["e_acc32"] * (psum / 32.0)) * gated

    def e_bit(size):  # SRAM energy per bit grows with capacity (tech.py: ZigZag eyeriss_like fit)
        return c["e_glb_bit"] * (size * (1.0 / c["sram_ref_bytes"])) ** c["sram_size_exp"]

    e_if, e_f, e_o = e_bit(S_if), e_bit(S_f), e_bit(S_o)
    return {
        "os": is_os, "ws": is_ws, "is": is_is, "one": one, "zero": 0.0 * one,
        "R": R, "inv_r": 1.0 / R, "inv_c": 1.0 / C, "keep_w": keep_w, "clock": clock,
        "k_scale": keep_w * bits / 8.0,  # K -> 8-bit words after skipping and packing
        "fill": R + C - 2.0 + xp.where(is_os, 0.0 * one, R),
        "bytes_per_act": bits / 8.0, "wbytes": keep_w * wbits / 8.0,
        "e_if8": 8.0 * e_if, "e_f8": 8.0 * e_f * (wbits / bits),  # J per array-side 8-bit word
        "e_out": xp.where(is_os, bits, psum * one) * e_o,  # J per ofmap write (outputs / psums)
        "cap_a": S_if * 8.0 / bits,  # ifmap elements that fit in the ifmap SRAM
        "cap_w_os": S_f * 8.0 / (C * keep_w * wbits),  # K of a K x C filter tile that fits
        "cap_w_is": S_f * 8.0 / (keep_w * wbits),  # filter elements that fit
        "cap_p": S_o * 8.0 / (C * psum),  # psum-tile length that fits in the ofmap SRAM
        "cyc_per_byte": clock / col("dram_bw"),
        "e_array": (e_mac + 2.0 * bits * c["e_pe_bit"] + psum * c["e_rf_bit"]) * keep_w,  # per dense MAC
        "e_leak_cycle": leak_w / clock, "leak_w": leak_w,
        "lanes": pes * (8.0 / bits),
        "area": pes * c["pe_area"] + sram_bits * c["sram_area_bit"],
    }


def layers(xp, p: dict[str, Any], r: dict[str, Any], c: dict[str, float], df: str | None) -> dict[str, Any]:
    """Per-layer ``(L, n)`` arrays and ``(n,)`` totals for the prepared points ``p``."""
    one, zero = p["one"], p["zero"]

    def pick(os_v, ws_v, is_v):
        if df is not None:
            return {"os": os_v, "ws": ws_v, "is": is_v}[df]
        return xp.where(p["os"], os_v, xp.where(p["ws"], ws_v, is_v))

    def per_batch(x):
        return x if r["batch"] is None else x * r["batch"]

    # In-place updates (``x *= y``) work on numpy arrays and torch tensors alike and halve the
    # memory traffic of the (L, n) temporaries; they are only applied to fresh temporaries.
    # -- compute cycles: SCALE-Sim fold formula (systolic.py) ------------------------------
    kw = xp.ceil(r["k"] * p["k_scale"])  # reduction dim in 8-bit words after skipping
    fr = xp.ceil(pick(r["m"], kw, kw) * p["inv_r"])
    fc = xp.ceil(pick(r["n"], r["n"], r["m"]) * p["inv_c"])
    cycles = pick(kw, r["m"], r["n"]) + p["fill"]
    cycles *= fr
    cycles *= fc
    cycles -= 1.0
    cycles = per_batch(cycles)
    # -- DRAM traffic (memory.py) ----------------------------------------------------------
    imult = pick(fc, fc, one)  # ifmap re-streams (SRAM reads; DRAM when it does not fit)
    fmult = pick(fr, one, fc)  # filter re-streams
    acts = r["a"] + r["o"] if df == "is" else r["a"] * xp.where(r["a"] <= p["cap_a"], one, imult) + r["o"]
    dram = acts * p["bytes_per_act"]  # ifmap (re-)reads + final outputs
    if df == "ws":
        dram += r["w"] * p["wbytes"]  # weights stationary: fetched once
    else:
        fit_os = (r["k"] <= p["cap_w_os"]) if df != "is" else None
        fit_is = (r["w"] <= p["cap_w_is"]) if df != "os" else None
        fit_w = fit_os if df == "os" else fit_is if df == "is" else xp.where(p["os"], fit_os, fit_is)
        w_traffic = xp.where(fit_w, one, fmult)
        w_traffic *= r["w"] * p["wbytes"]
        dram += w_traffic
    if df != "os":  # psum tile (M x C for WS, C x N for IS) spills 2*fr - 2 transfers
        tile = pick(None, r["m"], r["n"]) if df is not None else xp.where(p["ws"], r["m"], r["n"])
        spill = xp.where(tile <= p["cap_p"], zero, fr - 1.0)
        spill = spill if df is not None else xp.where(p["os"], zero, spill)
        spill *= r["o"] * (2.0 * c["psum_bits"] / 8.0)
        dram += spill
    dram_bytes = xp.ceil(per_batch(dram))  # whole bytes per layer (sub-byte words are packed)
    # -- SRAM accesses, stalls, energy ------------------------------------------------------
    e_sram = r["n"] * (fmult * p["e_f8"] if df != "ws" else p["e_f8"])  # filter reads
    e_sram += r["m"] * (imult * p["e_if8"])  # ifmap reads
    e_sram *= kw
    e_sram += r["o"] * (p["e_out"] * pick(one, fr, fr))  # ofmap writes
    e_sram = per_batch(e_sram)
    stall = xp.ceil(dram_bytes * p["cyc_per_byte"])  # a transfer occupies whole clock cycles
    stall -= cycles
    stall = xp.maximum(stall, zero)
    busy = cycles + stall
    busy *= p["e_leak_cycle"]
    e_layer = r["mkn_b"] * p["e_array"]
    e_layer += busy
    e_layer += e_sram
    e_layer += dram_bytes * (8.0 * c["e_dram_bit"])
    # -- totals ----------------------------------------------------------------------------
    cyc_t = xp.sum(cycles, axis=0)
    stall_t = xp.sum(stall, axis=0)
    total = cyc_t + stall_t
    clock = p["clock"][0, :]
    latency = total / clock
    energy = xp.sum(e_layer, axis=0)
    macs = one[0, :] * float(r["mkn_b"].sum())
    lanes = p["lanes"][0, :]
    return {
        "cycles": cyc_t, "stall_cycles": stall_t, "latency_s": latency, "energy_j": energy,
        "utilization": macs * p["keep_w"][0, :] / (lanes * total), "area_m2": p["area"][0, :],
        "power_w": energy / latency, "dram_bytes": xp.sum(dram_bytes, axis=0), "macs": macs,
        "ops_per_j": 2.0 * macs / energy, "peak_ops_per_s": 2.0 * lanes * clock,
        "energy_leak_j": p["leak_w"][0, :] * latency,
        "energy_array_j": float(r["mkn_b"].sum()) * p["e_array"][0, :],  # MACs + PE/RF movement
        "energy_sram_j": xp.sum(e_sram, axis=0),
        "energy_dram_j": xp.sum(dram_bytes, axis=0) * (8.0 * c["e_dram_bit"]),
        "layer_cycles": cycles, "layer_stall_cycles": stall, "layer_energy_j": e_layer,
        "layer_dram_bytes": dram_bytes,
    }
