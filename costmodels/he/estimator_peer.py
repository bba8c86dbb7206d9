"""The lattice estimator as an optional peer: sparse-secret security rows re-estimated here.

What it runs: the procedure of the 2024 guidelines' sparse-secret tables ([HESGuide24];
``compute_max_logQ.sage`` in gong-cr/FHE-Security-Guidelines at commit 1161517, which pins
malb/lattice-estimator at commit ``eae2fdb794eb5e1eb9dacd1ee13b62f6bdeb71b2``): an LWE instance with
ring degree ``n``, modulus ``2**logq``, secret ``SparseTernary(n, h/2, h - h/2)``, error
``DiscreteGaussian(3.19)``, unlimited samples (``m = oo``), attacked by
``LWE.dual_hybrid(..., mitm_optimization=True)`` under the reduction cost model ``BDGL16``
(classical) or ``LaaMosPol14`` (quantum). The procedure's bound is the largest integer ``logq``
whose estimate is at least ``lambda + 2`` bits (the script's 2-bit margin for sparse secrets),
evidenced by the estimates at ``logq`` and ``logq + 1`` (:func:`max_log_q`). That estimate comes from
a local optimiser that can miss the cheapest attack by 15 bits (:mod:`.estimator_sage`), so the rows
the model uses are grid-checked (:func:`grid_checked_row`): never above the procedure's value.

The estimator is a Sage module. It runs in a separate interpreter that has Sage, e.g. a virtual
environment with ``pip install passagemath-standard`` (10.8.13 was used; ~4.3 GB), named by
``DSE_SAGE_PYTHON``, with the estimator's source tree named by ``DSE_LATTICE_ESTIMATOR``. Nothing
in the engine imports Sage; the rows this module produced are data (``data/security_secrets.csv``,
kind ``estimated``, with every estimate behind them in ``data/security_estimates.json``).

Regenerate one row (minutes to an hour per row on one core; ``--grid-check`` then lowers it until a
(zeta, h1) grid of the same attack agrees, see :mod:`.estimator_sage`; the rows in the data are
grid-checked)::

    DSE_SAGE_PYTHON=/path/venv/bin/python DSE_LATTICE_ESTIMATOR=/path/lattice-estimator \\
        python -m costmodels.he.estimator_peer --n 32768 --hamming 32 --lam 128 --model classic --grid-check \\
        > run.log
    python -m costmodels.he.estimator_rows run.log   # the row into both data files (:mod:`.estimator_rows`)

Check one stated key instead (``--at LOGQ``: the estimate and the grid's cheapest attack at that
modulus), e.g. Lattigo's sparse-secret encapsulation key (h = 32 at 121 bits, N = 2^16)::

    python -m costmodels.he.estimator_peer --n 65536 --hamming 32 --at 121
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dse.errors import DseInputError

__all__ = ["COST_MODELS", "ESTIMATOR_COMMIT", "FLOOR_LOG_Q", "MARGIN_BITS", "EstimatorFailed", "NoRow",
           "estimate_bits", "grid_checked_row", "grid_min", "max_log_q", "peer_paths"]

ESTIMATOR_COMMIT = "eae2fdb794eb5e1eb9dacd1ee13b62f6bdeb71b2"  # pinned by the guidelines' repository
MARGIN_BITS = 2  # compute_max_logQ.sage: security_margin_sparse
COST_MODELS = {"classic": "BDGL16", "quantum": "LaaMosPol14"}
# Smallest log2 q the search probes: below it no CKKS chain (a base prime and a scaling prime) fits,
# and the estimator's reduction breaks down (at N = 2^14, h = 32, 2^8: "beta = 79 > d = 77").
FLOOR_LOG_Q = 16

_SAGE_SCRIPT = Path(__file__).with_name("estimator_sage.py")  # runs in the Sage interpreter


def peer_paths() -> tuple[str, str] | None:
    """``(sage python, estimator tree)`` from ``DSE_SAGE_PYTHON`` / ``DSE_LATTICE_ESTIMATOR``, or
    None when either is unset or missing."""
    py, tree = os.environ.get("DSE_SAGE_PYTHON", ""), os.environ.get("DSE_LATTICE_ESTIMATOR", "")
    if py and tree and Path(py).exists() and (Path(tree) / "estimator").is_dir():
        return py, tree
    return None


def _check(n: int, hamming: int, model: str) -> None:
    if n < 1024 or n & (n - 1):
        raise DseInputError("n", n, "a power of two >= 1024 (ring degree)")
    if not 1 <= hamming <= n:
        raise DseInputError("hamming", hamming, f"an integer in 1..{n} (Hamming weight of the sparse secret)")
    if model not in COST_MODELS:
        raise DseInputError("model", model, " or ".join(COST_MODELS))


def estimate_bits(n: int, hamming: int, logq: int, model: str = "classic") -> float:
    """log2 of the dual-hybrid (MitM) attack cost, in bits, from the lattice estimator (one
    subprocess in the Sage interpreter; see the module docstring)."""
    _check(n, hamming, model)
    out = _run_sage("estimate", n, hamming, int(logq), COST_MODELS[model])
    return float(json.loads(out[-1])["bits"])


def grid_min(n: int, hamming: int, logq: int, model: str = "classic") -> dict[str, Any]:
    """The cheapest attack of the (zeta, h1) grid at one modulus (see :mod:`.estimator_sage`, mode
    ``gridmin``): ``{"min_bits", "zeta", "h1", "points", ...}``."""
    _check(n, hamming, model)
    return dict(json.loads(_run_sage("gridmin", n, hamming, int(logq), COST_MODELS[model])[-1]))


def _require_peer() -> tuple[str, str]:
    """``peer_paths()``, or a :class:`DseInputError` saying what to set."""
    paths = peer_paths()
    if paths is None:
        raise DseInputError("DSE_SAGE_PYTHON", os.environ.get("DSE_SAGE_PYTHON", ""),
                            "a Python with Sage (passagemath) and DSE_LATTICE_ESTIMATOR set to the estimator's tree")
    return paths


def _run_sage(mode: str, *args: Any) -> list[str]:
    """Run :mod:`.estimator_sage` in the Sage interpreter; its stdout lines."""
    paths = _require_peer()
    out = subprocess.run([paths[0], str(_SAGE_SCRIPT), paths[1], mode, *map(str, args)], capture_output=True,
                         text=True)
    if out.returncode:
        last = (out.stderr.strip().splitlines() or ["no message"])[-1]
        raise EstimatorFailed(f"the estimator failed ({mode} {' '.join(map(str, args))}): {last}")
    return [line for line in out.stdout.splitlines() if line.startswith("{")]


def grid_checked_row(n: int, hamming: int, lam: int, start: int,
                     model: str = "classic") -> tuple[int, list[dict[str, Any]]]:
    """The grid-checked row at or below ``start`` (the guidelines' procedure's value) and every step
    taken (:mod:`.estimator_sage`, mode ``gridcheck``, under the ``model`` cost)."""
    _check(n, hamming, model)
    steps = [json.loads(line) for line in _run_sage("gridcheck", n, hamming, lam, int(start), COST_MODELS[model])]
    result = [e for e in steps if e["kind"] == "result"]
    if not result:
        raise RuntimeError("the grid check printed no result")
    return int(result[0]["max_log_qp"]), [e for e in steps if e["kind"] != "result"]


class EstimatorFailed(RuntimeError):
    """The estimator's subprocess exited with an error (its last stderr line is the message)."""


class NoRow(RuntimeError):
    """No ``logq >= floor`` reaches the target: the weight is too light for the security level at
    this ring degree. ``seen`` holds the estimates taken."""

    def __init__(self, floor: int, target: float, seen: dict[int, float]):
        best = max(seen.items(), key=lambda kv: kv[1])
        super().__init__(f"no log2 q >= {floor} reaches {target:g} bits (best {best[1]:.2f} bits at 2^{best[0]})")
        self.floor, self.target, self.seen = floor, target, seen


def max_log_q(bits_at: Callable[[int], float], target: float, guess: int,
              log: Callable[[dict[str, Any]], None] | None = None, floor: int = 2) -> tuple[int, dict[int, float]]:
    """Largest integer ``logq`` with ``bits_at(logq) >= target``, for a security that falls as
    ``logq`` grows; returns it and every estimate taken (``logq -> bits``), which include ``logq``
    and ``logq + 1``. Secant steps on the model ``bits = a + b / logq`` through the two estimates
    nearest the target, kept inside the bracket once one exists (typically 4-6 estimates).
    Never probes below ``floor``; :class:`NoRow` when even ``floor`` falls short."""
    seen: dict[int, float] = {}

    def at(q: int) -> float:
        if q not in seen:
            seen[q] = bits_at(q)
            if log is not None:
                log({"logq": q, "bits": seen[q]})
        return seen[q]

    floor = max(2, int(floor))
    q = max(floor, int(guess))
    for _ in range(200):
        at(q)
        if q == floor and seen[q] < target:
            raise NoRow(floor, target, seen)
        ok = [x for x, b in seen.items() if b >= target]
        bad = [x for x, b in seen.items() if b < target]
        if ok and bad and min(bad) == max(ok) + 1:
            return max(ok), seen
        (qa, ba), (qb, bb) = sorted(seen.items(), key=lambda kv: abs(kv[1] - target))[:2] if len(seen) > 1 \
            else ((q, seen[q]), (q, seen[q]))
        if qa != qb and ba != bb and (1 / qa - 1 / qb) != 0:
            slope = (ba - bb) / (1 / qa - 1 / qb)
            denom = target - (ba - slope / qa)
            nxt = int(slope / denom) if denom != 0 and slope / denom > 0 else qa
        else:  # one estimate: security roughly proportional to 1 / logq
            nxt = max(2, int(qa * ba / target))
        if ok and bad:  # stay strictly inside the bracket
            nxt = min(max(nxt, max(ok) + 1), min(bad) - 1)
        elif ok:
            nxt = max(nxt, max(ok) + 1)
        elif bad:
            nxt = max(floor, min(nxt, min(bad) - 1))
        while nxt in seen:  # a repeat: step towards the boundary
            nxt += 1 if seen[nxt] >= target else -1
        q = nxt
    raise RuntimeError("max_log_q did not converge in 200 estimates (is the security monotone in logq?)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, required=True, help="ring degree")
    ap.add_argument("--hamming", type=int, required=True, help="Hamming weight of the sparse ternary secret")
    ap.add_argument("--lam", type=int, default=128, help="security level, bits (the target adds a 2-bit margin)")
    ap.add_argument("--model", default="classic", choices=sorted(COST_MODELS))
    ap.add_argument("--guess", type=int, default=0, help="first log2 q tried (default 0.01 x n)")
    ap.add_argument("--at", type=int, default=None,
                    help="check one stated modulus instead: the estimate and the grid's cheapest attack at 2^AT")
    ap.add_argument("--floor", type=int, default=FLOOR_LOG_Q,
                    help=f"smallest log2 q probed (default {FLOOR_LOG_Q}); below it the row does not exist")
    ap.add_argument("--grid-check", action="store_true",
                    help="then lower the row until a (zeta, h1) grid agrees (see estimator_sage.py)")
    args = ap.parse_args(argv)
    try:
        _check(args.n, args.hamming, args.model)
        if args.at is not None and args.at < 2:
            raise DseInputError("at", args.at, "an integer >= 2 (log2 of the modulus to check)")
        if args.lam < 1:
            raise DseInputError("lam", args.lam, "a positive integer (security level in bits, e.g. 128, 192, 256)")
        if args.floor < 2:
            raise DseInputError("floor", args.floor, "an integer >= 2 (smallest log2 q probed)")
        _require_peer()
    except DseInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    def show(rec: dict[str, Any]) -> None:
        print(json.dumps({"n": args.n, "h": args.hamming, "model": args.model, **rec}), flush=True)

    key = {"n": args.n, "h": args.hamming, "lam": args.lam, "model": args.model}
    try:
        if args.at is not None:  # one stated key: the default optimiser and the grid at that modulus
            show({"logq": args.at, "bits": estimate_bits(args.n, args.hamming, args.at, args.model)})
            show(grid_min(args.n, args.hamming, args.at, args.model))
            return 0
        best, seen = max_log_q(lambda q: estimate_bits(args.n, args.hamming, q, args.model),
                               args.lam + MARGIN_BITS, args.guess or max(2, args.n // 100), show, floor=args.floor)
        print(json.dumps({**key, "max_log_qp": best, "bits_at_max": seen[best], "bits_at_next": seen[best + 1],
                          "estimates": len(seen)}), flush=True)
        if args.grid_check:
            row, steps = grid_checked_row(args.n, args.hamming, args.lam, best, args.model)
            for step in steps:
                print(json.dumps(step))
            print(json.dumps({**key, "guideline_max_log_qp": best, "grid_checked_max_log_qp": row}))
    except NoRow as none:  # a result, not a failure: the final line says there is no row
        print(json.dumps({**key, "guideline_max_log_qp": None, "grid_checked_max_log_qp": None,
                          "floor": none.floor, "reason": str(none)}))
    except EstimatorFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
