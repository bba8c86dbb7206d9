"""Collecting the reports of a solver's worker processes (Optuna search and training studies).

Each child puts ``(index, stats, error)`` on a queue. The parent waits in 1 s slices and checks
the children between slices: a child that dies without reporting (killed, out of memory) ends
the wait with an error once no child is alive and the queue stays empty, instead of blocking
forever.
"""

from __future__ import annotations

import queue as queue_mod
from typing import Any

from dse.errors import DseError

__all__ = ["collect_reports"]


def collect_reports(queue: Any, procs: list[Any], first: dict[str, Any], what: str,
                    poll_s: float = 1.0) -> list[dict[str, Any]]:
    """The worker stats of the parent's own run (``first``) and of every child in ``procs``, sorted
    by ``"worker"``; raises :class:`DseError` naming ``what`` workers when any failed or vanished."""
    stats, errors, pending = [first], [], len(procs)
    while pending:
        try:
            index, stat, err = queue.get(timeout=poll_s)
        except queue_mod.Empty:
            if any(p.is_alive() for p in procs):
                continue
            try:  # every child has exited: what they reported is in the pipe already
                index, stat, err = queue.get(timeout=poll_s)
            except queue_mod.Empty:
                errors.append(f"{pending} worker process(es) stopped without reporting")
                break
        pending -= 1
        if err:
            errors.append(f"worker {index}: {err}")
        else:
            stats.append(stat)
    for p in procs:
        p.join(timeout=30)
    if errors:
        raise DseError(f"{what} workers failed (the study can be resumed): " + " | ".join(errors))
    return sorted(stats, key=lambda s: s["worker"])
