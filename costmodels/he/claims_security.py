"""Claims of the sparse-secret security rows (issue 17), registered as ``he-security``.

* **validation**: two independent published sources for the same question, "how large may
  log2(QP) be at 128-bit for a sparse ternary secret": the publishers' own statement for
  Lattigo's h = 192 bootstrapping sets ([BTH22]) against the bound this model certifies for
  h = 192 from the 2024 guidelines' rows alone ([HESGuide24] Tables 4.4-4.6, conservative rule:
  the h = 128 row, since no guideline row has 128 < h <= 192). No value was fitted to either.
  The registry's tolerance for a composite prediction (+-25 %) applies; by construction of the
  conservative rule ours should be at or below the publisher's figure.
* **validation** of the re-estimated rows (kind ``estimated``, :mod:`.estimator_peer`): the same
  estimator, commit and procedure reproduce a published guideline row, (N = 2^14, h = 128,
  128-bit classical) = 361 bits, from the recorded estimates (``data/security_estimates.json``;
  ``tests/he/test_estimator_peer.py`` re-runs them live where Sage is installed). Tolerance: one
  bit (the rows are integers found by bisection to the bit).
* **validation** of the encapsulation-key check (:mod:`.paramsets`): Lattigo's security advisory
  (SECURITY.md, "Wrong level for DenseToSparse Evaluation Key", v5.0.0-v6.1.0) states that its
  dense-to-sparse key, generated at the full chain under the h = 32 ephemeral secret, had about
  106 bits. Ours: the cheapest attack the estimator finds on that key for the default set
  N16QP1546H192H32 (N = 2^16, h = 32, log2 q = 1546; default optimiser and the (zeta, h1) grid,
  recorded in ``data/security_estimates.json`` under ``stated_keys``). Nothing was fitted to it;
  the registry's composite tolerance (+-25 %) applies.
"""

from __future__ import annotations

from typing import Any

from dse.claims import Claim

from .security import estimates, secret_rows

__all__ = ["CLAIMS", "claims"]

TOL = 0.25  # the registry-wide tolerance of a composite prediction (not tuned per claim)


def _guideline_bound(n: int, h: int, lam: int = 128) -> float:
    """Largest log2(QP) the guideline rows alone certify for (N, h, lambda), conservative rule."""
    rows = [r.max_log_qp for r in secret_rows() if r.kind == "script" and r.secret == "sparse" and r.n == n
            and r.hamming <= h and r.lam >= lam and not r.quantum]
    return max(rows) if rows else 0.0


def _publisher(n: int, h: int) -> float:
    return max(r.max_log_qp for r in secret_rows() if r.kind == "publisher" and r.n == n and r.hamming == h)


def claims() -> list[Claim]:
    out = []
    for n, name in ((65536, "N16QP1553H192H32"), (32768, "N15QP768H192H32")):
        out.append(Claim(
            id=f"he-sparse-guidelines-vs-lattigo-n{n.bit_length() - 1}", family="he", kind="validation",
            what=f"128-bit max log2(QP), sparse h=192, N=2^{n.bit_length() - 1}: the 2024 guidelines' rows "
                 "(conservative rule) vs the publishers' own statement",
            reference=_publisher(n, 192), unit="bit",
            source=f"[BTH22] set {name} (Lattigo v5 default_parameter.go, 128-bit as stated by its publishers); "
                   "ours from [HESGuide24] Tables 4.4-4.6 rows (h = 128, the heaviest row <= 192)",
            rel_tol=TOL, compute=lambda n=n: _guideline_bound(n, 192),
            gap="the guideline tables have no h = 192 row: the conservative rule takes the h = 128 row, "
                "which must sit below a correct h = 192 bound"))
    rep = estimates()["reproduction"][0]
    out.append(Claim(
        id="he-sparse-reestimate-guidelines-n14-h128", family="he", kind="validation",
        what="128-bit max log2(QP), sparse h=128, N=2^14, classical: the lattice estimator re-run here with the "
             "guidelines' procedure vs the guidelines' row",
        reference=float(rep["published_max_log_qp"]), unit="bit", source=rep["source"], abs_tol=1.0,
        compute=lambda rep=rep: float(_bracket_max(rep["estimates_bits"], rep["lambda"] + 2))))
    key = _stated_key("lattigo-v5-dense-to-sparse-full-chain")
    out.append(Claim(
        id="he-lattigo-dts-key-advisory", family="he", kind="validation",
        what="security of Lattigo v5.0.0-v6.1.0's dense-to-sparse key (h=32 ephemeral secret at the full "
             "chain, N=2^16, log2 q=1546): the cheapest attack the lattice estimator finds vs the advisory",
        reference=float(key["stated_bits"]), unit="bit", source=key["source"], rel_tol=TOL,
        compute=lambda key=key: float(min(key["default_bits"], key["grid_min_bits"])),
        gap="the advisory names neither the parameter set nor its estimator configuration (attack, cost model); "
            "ours is N16QP1546H192H32 at its full chain with the guidelines' procedure (dual hybrid with MitM, "
            "BDGL16) and the grid. Both are below 128 bits, which is what the model's check acts on"))
    return out


def _stated_key(name: str) -> dict[str, Any]:
    """One re-estimated stated key of ``data/security_estimates.json`` (``stated_keys``) by name."""
    return next(k for k in estimates()["stated_keys"] if k["name"] == name)


def _bracket_max(estimates_bits: dict[str, float], target: float) -> int:
    """The largest log2 q whose recorded estimate reaches ``target`` bits, with the estimate one bit
    above it recorded and below ``target`` (else 0: the record does not establish the bound)."""
    bits = {int(q): b for q, b in estimates_bits.items()}
    ok = [q for q, b in bits.items() if b >= target]
    top = max(ok) if ok else 0
    return top if top + 1 in bits and bits[top + 1] < target else 0


def CLAIMS() -> list[Claim]:
    return claims()
