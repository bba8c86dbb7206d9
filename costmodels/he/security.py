"""Security bound per secret distribution: max log2(QP) for (N, secret, Hamming weight h, lambda).

Three secret distributions:

* ``ternary`` -- uniform ternary secret: the HE-standard table (``data/security.csv``, [HEStd18]
  for N <= 2^15, OpenFHE ``stdlatticeparms.cpp`` for 2^16 and 2^17), classical and quantum;
* ``gaussian`` -- secret drawn from the error distribution (sigma ~ 3.2): the HE standard's
  error-distributed rows (``data/security_secrets.csv``), N <= 2^15, classical only;
* ``sparse`` -- fixed Hamming weight h ternary secret: rows of ``data/security_secrets.csv``, each
  a published (N, h, lambda, max log2 QP) point with its source: the publishers' own statements of
  their bootstrappable sets ([BTH22], kind ``publisher``) and the sparse-secret tables of the 2024
  community guidelines ([HESGuide24] Tables 4.4-4.6, h = 128 and 256, N = 2^14..2^17, classical and
  quantum; kind ``script``: read from the authors' estimator script, whose section is marked for
  removal, so the final paper may not carry them), and rows re-estimated here for the weights no
  table has (h = 32 and 64, N = 2^14..2^17; kind ``estimated``): the guidelines' own procedure run
  on the lattice estimator at the commit their repository pins (:mod:`.estimator_peer`; every
  estimate behind a row is in ``data/security_estimates.json``). The same run reproduces the
  guidelines' (N = 2^14, h = 128, 128-bit classical) row exactly (361 bits).

Conservative interpolation rule (never optimistic): a sparse set (N, h, log2 QP) is certified at
``lambda_e`` only by a row with the **same N**, the same cost model (classical or quantum), a weight ``h_e <= h`` (a heavier secret is at least
as hard in the sparse regime) and ``log2 QP <= max_e``; among such rows the largest bound wins.
Nothing is interpolated between weights or ring degrees (a weight between two rows takes the lower
row's bound; a ring degree without a row is infeasible). A (secret, N, h, lambda) that no row
covers has bound 0 and the model reports it infeasible with the reason :func:`coverage_reason`.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from dse.datafiles import load_csv
from dse.errors import DseInputError

__all__ = ["SECRETS", "SecurityRow", "bound", "coverage_reason", "effective_hamming", "estimates", "secret_rows"]

DATA = Path(__file__).parent / "data"
RING_DEGREES: tuple[int, ...] = tuple(2**k for k in range(10, 18))
SECURITY_LEVELS: tuple[int, ...] = (128, 192, 256)


@lru_cache(maxsize=2)
def security_table(quantum: bool = False) -> np.ndarray:
    """``(len(RING_DEGREES), 3)`` array of max log2(QP) for lambda = 128, 192, 256 (classic or quantum)."""
    table = np.zeros((len(RING_DEGREES), len(SECURITY_LEVELS)))
    for row in load_csv(DATA / "security.csv"):
        if int(row["quantum"]) != int(quantum):
            continue
        table[RING_DEGREES.index(int(row["n"])), SECURITY_LEVELS.index(int(row["lambda"]))] = float(row["max_log_qp"])
    if np.any(table == 0):
        raise RuntimeError("security.csv is missing entries")  # pragma: no cover - data integrity
    return table

SECRETS = ("ternary", "sparse", "gaussian")
#: error standard deviation of the HE standard (sigma ~ 3.2), used for the Gaussian secret's norm
SIGMA = 3.2


@dataclass(frozen=True)
class SecurityRow:
    """One published security point: ``max_log_qp`` bits keep ``lam`` bits at ring degree ``n``."""

    secret: str
    n: int
    hamming: int
    lam: int
    max_log_qp: float
    kind: str  # "table", "publisher" (the set's own published security), "script" (guideline draft table)
    #            or "estimated" (the guidelines' procedure re-run here: estimator_peer.py)
    source: str
    quantum: bool = False


@lru_cache(maxsize=1)
def secret_rows() -> tuple[SecurityRow, ...]:
    """Rows of ``data/security_secrets.csv`` (sparse and Gaussian secrets)."""
    with open(DATA / "security_secrets.csv", newline="") as fh:
        return tuple(SecurityRow(r["secret"], int(r["n"]), int(r["hamming"]), int(r["lambda"]),
                                 float(r["max_log_qp"]), r["kind"], r["source"], bool(int(r["quantum"])))
                     for r in csv.DictReader(fh))


@lru_cache(maxsize=1)
def estimates() -> dict[str, Any]:
    """``data/security_estimates.json``: every lattice-estimator estimate behind the rows of kind
    ``estimated`` and the reproduction of a published row (:mod:`.estimator_peer`)."""
    return json.loads((Path(__file__).parent / "data" / "security_estimates.json").read_text())


def check_secret(secret: str, hamming: int) -> None:
    """Raise :class:`DseInputError` for an unknown distribution or a non-positive sparse weight."""
    if secret not in SECRETS:
        raise DseInputError("secret", secret, "one of " + ", ".join(SECRETS))
    if secret == "sparse" and int(hamming) < 1:
        raise DseInputError("hamming", hamming, "an integer >= 1 (Hamming weight of the sparse secret)")


@lru_cache(maxsize=4096)
def bound(n: int, lam: int, secret: str = "ternary", hamming: int = 0, quantum: bool = False) -> float:
    """Largest log2(QP) keeping ``lam`` bits at ring degree ``n`` for the secret; 0 when no row covers it."""
    check_secret(secret, hamming)
    if secret == "ternary":
        if n not in RING_DEGREES or lam not in SECURITY_LEVELS:
            return 0.0
        return float(security_table(quantum)[RING_DEGREES.index(n), SECURITY_LEVELS.index(lam)])
    best = 0.0
    for r in secret_rows():
        if r.secret != secret or r.n != n or r.lam < lam or r.quantum != bool(quantum):
            continue
        if secret == "sparse" and r.hamming > hamming:
            continue
        best = max(best, r.max_log_qp)
    return best


def coverage_reason(secret: str, hamming: int) -> str:
    """Infeasibility text for a (secret, h) outside every table, naming the rows that exist."""
    if secret == "sparse":
        have: dict[tuple[int, int], set[int]] = {}
        for r in secret_rows():
            if r.secret == "sparse" and not r.quantum:
                have.setdefault((r.n, r.hamming), set()).add(r.lam)
        rows = ", ".join(f"N={n} h>={h} ({'/'.join(map(str, sorted(lams)))}-bit)" for (n, h), lams in sorted(have.items()))
        return (f"sparse secret h={hamming}: no security row covers this N and security "
                f"(rows: {rows}; see docs/he.md)")
    return f"{secret} secret: no security table row for this N and security (see docs/he.md)"


def effective_hamming(n: Any, secret: str, hamming: int) -> Any:
    """Squared norm of the secret for the rescale rounding bound (CKKS paper Lemma 3).

    Uniform ternary: 2N/3 expected non-zeros; sparse: h; Gaussian: N sigma^2.
    """
    if secret == "sparse":
        return 0.0 * n + float(hamming)
    if secret == "gaussian":
        return n * SIGMA**2
    return 2.0 * n / 3.0
