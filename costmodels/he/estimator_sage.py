"""Runs inside a Sage interpreter with the lattice estimator on ``sys.path``; the engine never imports it.

:mod:`.estimator_peer` starts it as a script: ``python estimator_sage.py TREE MODE ARGS...`` with

* ``estimate N H LOGQ MODEL``: one ``LWE.dual_hybrid(..., mitm_optimization=True)`` estimate as
  the 2024 guidelines' sparse procedure runs it; prints ``{"bits", "zeta", "h1"}``.
* ``gridmin N H LOGQ [MODEL]``: the cheapest attack of the (zeta, h1) grid below at one modulus (a
  stated key checked without a bisection); prints one ``grid`` line.
* ``gridcheck N H LAM START [MODEL]``: the grid-checked row below ``START`` (the guidelines' procedure's
  result): the largest log2 q at which the default optimiser and every attack of a (zeta, h1) grid
  (zeta = 0.05 N .. 0.95 N in 19 steps, h1 = 0..min(h, 64), beta optimised by the estimator's
  ``DH.optimize_blocksize``) reach ``LAM + 2`` bits, while a known attack does not one bit above.
  The default optimiser is local and misses attacks (at N = 2^15, h = 32 it reports 130.6 bits at
  2^247 and finds a 114.8-bit attack at 2^248 which costs 115.0 bits at 2^247): the grid's best
  attacks and every attack the default optimiser found are re-costed at each candidate, the
  candidate lowered by bisection until all of them reach the target, and the grid re-run there.
  Prints one JSON line per step (``kind`` = default / grid / candidate) and a ``result`` line.

``MODEL`` is the estimator's reduction cost model (``BDGL16``, classical, by default; ``LaaMosPol14``
for the quantum rows).

Units: log2 of the attack cost in bit operations ("bits"), log2 of the modulus.
"""

from __future__ import annotations

import json
import sys
import time
from functools import partial
from typing import Any


def main(argv: list[str]) -> None:
    sys.path.insert(0, argv[0])
    from estimator import LWE, ND, RC  # type: ignore[import-not-found]
    from estimator.cost import Cost  # type: ignore[import-not-found]
    from estimator.lwe_dual import DH, mitm, mitm_opt_default  # type: ignore[import-not-found]
    from sage.all import log, oo  # type: ignore[import-not-found]

    mode, n, h = argv[1], int(argv[2]), int(argv[3])

    def params(logq: int, normal: bool = True) -> Any:
        p = LWE.Parameters(n=n, q=2**logq, Xs=ND.SparseTernary(n, h // 2, h - h // 2),
                           Xe=ND.DiscreteGaussian(3.19, mean=0, n=None), m=oo)
        return p.normalize() if normal else p

    def show(**kw: Any) -> None:
        print(json.dumps(kw), flush=True)

    def default(logq: int, model: Any) -> tuple[float, int, int]:
        r = LWE.dual_hybrid(params(logq, False), red_cost_model=model, mitm_optimization=True)
        return float(log(r["rop"], 2)), int(r.get("zeta", 0)), int(r.get("h1", 0))

    if mode == "estimate":
        bits, zeta, h1 = default(int(argv[4]), getattr(RC, argv[5]))
        show(bits=bits, zeta=zeta, h1=h1)
        return

    at = 5 if mode == "gridmin" else 6  # the optional MODEL follows the mode's own arguments
    model = getattr(RC, argv[at]) if len(argv) > at else RC.BDGL16
    solver = partial(mitm, optimization=mitm_opt_default)
    Cost.register_impermanent(rop=True, mem=False, red=True, beta=False, delta=False, m=True, d=False, zeta=False,
                              t=False, h1=False)  # as LWE.dual_hybrid registers them before optimising
    zetas = [int(round(0.05 * i * n)) for i in range(1, 20)]
    h1s = list(range(0, min(h, 64) + 1))
    seen: dict[int, tuple[float, int, int]] = {}

    def recost(logq: int, zeta: int, h1: int) -> float:
        if h1 > h or h1 > zeta or h - h1 > n - zeta:
            return float("inf")
        try:
            c = DH.optimize_blocksize(solver=solver, params=params(logq), zeta=zeta, h1=h1, red_cost_model=model)
            return float(log(c["rop"], 2))
        except Exception:  # the estimator rejects some corners of the grid (e.g. beta > d)
            return float("inf")

    def dflt(logq: int) -> float:
        if logq not in seen:
            t0 = time.time()
            seen[logq] = default(logq, model)
            show(kind="default", n=n, h=h, logq=logq, bits=seen[logq][0], zeta=seen[logq][1], h1=seen[logq][2],
                 s=round(time.time() - t0, 1))
        return seen[logq][0]

    def grid(logq: int) -> list[tuple[float, int, int]]:
        t0 = time.time()
        res = sorted(((recost(logq, z, h1), z, h1) for z in zetas for h1 in h1s), key=lambda t: t[0])
        show(kind="grid", n=n, h=h, logq=logq, min_bits=res[0][0], zeta=res[0][1], h1=res[0][2], points=len(res),
             s=round(time.time() - t0, 1))
        return res

    if mode == "gridmin":
        grid(int(argv[4]))
        return

    lam, start = int(argv[4]), int(argv[5])
    target = lam + 2
    attacks: set[tuple[int, int]] = set()
    top, converged = start, False
    for _ in range(8):
        best = grid(top)
        attacks |= {(z, h1) for _, z, h1 in best[:8]} | {(z, h1) for _, z, h1 in seen.values()}
        if best[0][0] >= target and dflt(top) >= target:
            above = min([dflt(top + 1)] + [recost(top + 1, z, h1) for z, h1 in attacks])
            if above < target:
                converged = True
                break
            top += 1
            continue

        def known(logq: int, pool: frozenset[tuple[int, int]] = frozenset(attacks)) -> float:
            return min(recost(logq, z, h1) for z, h1 in pool)

        lo, hi = 2, top
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if known(mid) >= target else (lo, mid)
        top = lo
        show(kind="candidate", n=n, h=h, logq=top, known_min_bits=known(top), next_bits=known(top + 1),
             attacks=len(attacks))
    if not converged:
        raise SystemExit(f"grid check did not settle below 2^{start} in 8 rounds (last candidate 2^{top})")
    show(kind="result", n=n, h=h, lam=lam, guideline_max_log_qp=start, max_log_qp=top)


if __name__ == "__main__":
    main(sys.argv[1:])
