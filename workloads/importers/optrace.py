"""HE operation traces as a workload (e.g. exported by an FHE compiler), evaluated additively.

CSV with header ``op,n,limbs,count`` (any column order, extra columns ignored; an optional
``name`` or ``layer`` column labels the rows), or JSON: a list of ``{op, n, limbs, count}``
objects or ``{"name": ..., "trace": [...]}``. ``limbs`` is the number of ciphertext-modulus primes
the input ciphertext still holds (special primes excluded); ``op`` is one of ``add``,
``add_plain``, ``mul_plain``, ``mul`` (ct-ct tensor product, no relinearisation),
``relinearize``, ``rescale``, ``rotate``, ``conjugate``, ``mod_switch``, ``encode``, ``encrypt``,
``decrypt``, ``bootstrap``.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dse.errors import DseInputError

__all__ = ["TRACE_COLUMNS", "TRACE_OPS", "HeTrace", "TraceRow", "load_trace"]

TRACE_OPS = ("add", "add_plain", "mul_plain", "mul", "relinearize", "rescale", "rotate", "conjugate",
             "mod_switch", "encode", "encrypt", "decrypt", "bootstrap")
TRACE_COLUMNS = ("op", "n", "limbs", "count")
RING_DEGREES = tuple(2**k for k in range(10, 18))


@dataclass(frozen=True)
class TraceRow:
    """``count`` executions of ``op`` on ring degree ``n`` with ``limbs`` ciphertext primes."""

    name: str
    op: str
    n: int
    limbs: int
    count: float

    @property
    def kind(self) -> str:
        return self.op


@dataclass(frozen=True)
class HeTrace:
    """A workload made of HE operation rows; models read ``rows`` (``layers`` is an alias)."""

    name: str
    rows: tuple[TraceRow, ...]
    source: str = ""
    kind: str = "he-trace"
    _memo: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def layers(self) -> tuple[TraceRow, ...]:
        return self.rows

    def __iter__(self) -> Iterator[TraceRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __hash__(self) -> int:
        return hash((self.name, self.rows))

    def memo(self, key: Any, build: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

    def info(self, key: str, default: Any = None) -> Any:
        return default

    def summary(self) -> dict[str, Any]:
        ops: dict[str, float] = {}
        for r in self.rows:
            ops[r.op] = ops.get(r.op, 0.0) + r.count
        return {"name": self.name, "kind": self.kind, "rows": len(self.rows), "ops": ops,
                "ring_degrees": sorted({r.n for r in self.rows}), "max_limbs": max(r.limbs for r in self.rows)}

    def table(self):
        import pandas as pd

        return pd.DataFrame([{"name": r.name, "op": r.op, "n": r.n, "limbs": r.limbs, "count": r.count}
                             for r in self.rows])


def _row(where: str, i: int, rec: dict[str, Any]) -> TraceRow:
    def bad(fld: str, value: Any, allowed: str) -> DseInputError:
        return DseInputError(f"{where} row {i} {fld}", value, allowed)

    op = str(rec.get("op", "")).strip()
    if op not in TRACE_OPS:
        raise bad("op", op, "one of " + ", ".join(TRACE_OPS))
    try:
        n = float(rec["n"])
    except (KeyError, TypeError, ValueError):
        raise bad("n", rec.get("n"), "a ring degree (power of two 1024..131072)") from None
    if n not in RING_DEGREES:
        raise bad("n", rec.get("n"), "a ring degree (power of two 1024..131072)")
    try:
        limbs = float(rec["limbs"])
    except (KeyError, TypeError, ValueError):
        limbs = -1.0
    if limbs != int(limbs) or not 1 <= limbs <= 128:
        raise bad("limbs", rec.get("limbs"), "an integer number of ciphertext primes in [1, 128]")
    try:
        count = float(rec["count"])
    except (KeyError, TypeError, ValueError):
        count = -1.0
    if not math.isfinite(count) or count < 0:
        raise bad("count", rec.get("count"), "a non-negative number")
    name = str(rec.get("name") or rec.get("layer") or f"{i}:{op}@{int(n)}/{int(limbs)}")
    return TraceRow(name, op, int(n), int(limbs), count)


def _unique(rows: list[TraceRow]) -> tuple[TraceRow, ...]:
    seen: dict[str, int] = {}
    out = []
    for r in rows:
        k = seen.get(r.name, 0)
        seen[r.name] = k + 1
        out.append(r if k == 0 else TraceRow(f"{r.name}#{k}", r.op, r.n, r.limbs, r.count))
    return tuple(out)


def _text(path: Path) -> str:
    """The file's text, or a one-line error for an unreadable or binary (non-UTF-8) file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DseInputError("workload", str(path), "a readable HE op trace file", detail=exc.strerror) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DseInputError("workload", str(path), "a UTF-8 text file (CSV or JSON HE op trace)",
                            detail=f"byte {exc.start} is not UTF-8: a binary file?") from None
    if "\x00" in text:
        raise DseInputError("workload", str(path), "a UTF-8 text file (CSV or JSON HE op trace)",
                            detail="it contains NUL bytes: a binary file?")
    return text


def load_trace(path: str | Path) -> HeTrace:
    """Read an HE op trace (CSV or JSON) into an :class:`HeTrace`; bad rows raise DseInputError."""
    path = Path(path)
    where = path.name
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(_text(path))
        except ValueError as exc:
            raise DseInputError("workload", str(path), "a readable JSON trace", detail=str(exc)) from None
        recs = data.get("trace") if isinstance(data, dict) else data
        name = data.get("name", path.stem) if isinstance(data, dict) else path.stem
        if not isinstance(recs, list) or not all(isinstance(r, dict) for r in recs):
            raise DseInputError("workload", str(path), "a JSON list of {op, n, limbs, count} objects")
    else:
        reader = csv.DictReader(io.StringIO(_text(path), newline=""))
        try:
            header = [h.strip().lower() for h in (reader.fieldnames or [])]
            missing = [c for c in TRACE_COLUMNS if c not in header]
            if missing:
                raise DseInputError(f"{where} header", ",".join(header), "columns op,n,limbs,count (an HE op trace)")
            recs = [{k.strip().lower(): v for k, v in r.items() if k} for r in reader]
        except csv.Error as exc:
            raise DseInputError("workload", str(path), "a CSV HE op trace", detail=str(exc)) from None
        name = path.stem
    if not recs:
        raise DseInputError(f"{where} rows", 0, "at least one operation row")
    rows = _unique([_row(where, i + 1, r) for i, r in enumerate(recs)])
    return HeTrace(str(name), rows, source=str(path))
