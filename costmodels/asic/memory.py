"""DRAM traffic and SRAM accesses of one GEMM on a systolic array, with on-chip reuse.

Fold order follows SCALE-Sim (``systolic_compute_*``): the column folds are the outer loop, the
row folds the inner loop. ``fr``/``fc`` are the row/column fold counts of :mod:`.systolic`
(OS: ``ceil(M/R)``, ``ceil(N/C)``; WS: ``ceil(K/R)``, ``ceil(N/C)``; IS: ``ceil(K/R)``,
``ceil(M/C)``). Per product (then times ``batch``):

===========  ===================================  =======================================
operand      DRAM traffic                         re-fetch when it does not fit
===========  ===================================  =======================================
ifmap        ``A`` unique elements, once if       ``x fc`` (OS, WS: re-streamed per column
             ``A*bits/8 <= ifmap_sram``           fold); IS keeps it stationary: once
filter       ``K*N`` (x (1-s_w) when skipping,    OS: the ``K x C`` tile per column fold is
             + index bits), once if it fits       re-read per row fold (``x fr``) unless it
                                                  fits; IS: whole matrix per column fold
                                                  (``x fc``); WS: stationary, once
ofmap        ``M*N`` outputs written once         WS/IS accumulate over ``fr`` row folds in the
                                                  ofmap SRAM; if the psum tile (``M x C`` for
                                                  WS, ``C x N`` for IS, at ``psum_bits``) does
                                                  not fit, ``2*fr - 2`` psum transfers spill
===========  ===================================  =======================================

SRAM accesses are the array-side reads/writes SCALE-Sim counts (verified in ``tests/asic``):
ifmap ``M*K_w*(1 if IS else fc)``, filter ``K_w*N*(1 if WS else fr (OS) / fc (IS))``, ofmap
``M*N*(1 if OS else fr)`` (psums at ``psum_bits`` for WS/IS, outputs at ``bits`` for OS).
A word on the array side is 8 bits (``8/bits`` packed values).
"""

from __future__ import annotations

from typing import Any

__all__ = ["dram_and_sram"]


def dram_and_sram(xp, d: dict[str, Any], r: dict[str, Any], c: dict[str, float], *, kw, fr, fc,
                  t_nos, keep_w, one, zero) -> tuple[Any, Any]:
    """``(dram_bytes, sram_bits)`` per layer, shape ``(n, L)``, including the batch factor."""
    bits = d["bits"]
    wbits = bits + xp.where(d["skip"], c["index_bits"] * one, zero)  # stored bits per weight
    psum = c["psum_bits"]
    # fit tests as thresholds on (n, 1) columns
    cap_a = d["S_if"] * 8.0 / bits
    cap_w_os = d["S_f"] * 8.0 / (d["C"] * keep_w * wbits)
    cap_w_is = d["S_f"] * 8.0 / (keep_w * wbits)
    cap_p = d["S_o"] * 8.0 / (d["C"] * psum)
    imult = xp.where(d["is"], one, fc)
    fmult = xp.where(d["ws"], one, xp.where(d["os"], fr, fc))
    omult = xp.where(d["os"], one, fr)
    ra = xp.where(r["a"] <= cap_a, one, imult)
    fit_w = xp.where(d["os"], r["k"] <= cap_w_os, r["w"] <= cap_w_is)
    rw = xp.where(fit_w, one, fmult)
    spill = xp.where(d["os"] | (t_nos <= cap_p), zero, 2.0 * fr - 2.0)
    dram_bytes = (r["a"] * (bits / 8.0) * ra + r["w"] * (keep_w * wbits / 8.0) * rw
                  + r["o"] * (bits / 8.0 + psum / 8.0 * spill)) * r["batch"]
    ob = xp.where(d["os"], bits, psum * one)
    sram_bits = (8.0 * kw * (r["m"] * imult + r["n"] * fmult * (wbits / bits))
                 + r["o"] * omult * ob) * r["batch"]
    return dram_bytes, sram_bits
