"""Optuna storage plumbing for resumable, multi-worker studies.

* :func:`open_storage` -- an Optuna storage from a URL (any SQLAlchemy/Optuna RDB URL). SQLite
  files get ``journal_mode=WAL`` + ``synchronous=NORMAL`` (a killed process never loses a committed
  trial; only a power cut can drop the last commits) and a 60 s lock timeout so several local
  processes can share one file.
* :class:`WorkerLease` -- each worker process keeps one record in the study's system attributes
  (``dse:worker:<token>``): host, pid, process start time, wall-clock time of the last update,
  whether it is asking the sampler right now, and the ids of the trials it is running.
* :func:`recover_stale` -- a ``RUNNING`` trial whose worker is dead (same host: the pid is gone or
  was reused; another host: no lease update for ``grace_s`` seconds) is marked ``FAIL`` and its
  parameters are enqueued again (``user_attrs["dse_retry_of"]``), so a killed study resumes
  without losing or duplicating finished trials.
* :func:`budget` / :func:`over_budget` -- the trial budget counts trials that are ``COMPLETE``,
  ``RUNNING`` or ``WAITING``; a trial whose rank (by trial number) among those is ``>= n_trials``
  when it is asked is over budget. Ranks only fall as time passes (new trials get larger numbers),
  so several workers sharing one study finish with exactly ``n_trials`` complete trials.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import TrialState

from dse.errors import DseInputError

__all__ = ["open_storage", "sqlite_url", "redact", "WorkerLease", "recover_stale", "budget", "over_budget",
           "LEASE_PREFIX", "IN_BUDGET_STATES"]

LEASE_PREFIX = "dse:worker:"
IN_BUDGET_STATES = (TrialState.COMPLETE, TrialState.RUNNING, TrialState.WAITING)
#: Errors seen when several processes create Optuna's schema at once (SQLite and PostgreSQL).
_SCHEMA_RACE = ("already exists", "UNIQUE constraint failed", "duplicate key", "database is locked")


def sqlite_url(out_dir: Path | str, filename: str = "study.db") -> str:
    """The default storage: a SQLite file inside the study's output folder."""
    path = Path(out_dir).resolve() / filename
    return f"sqlite:///{path}"


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for logs and result files)."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not an SQLAlchemy URL
        return url


def open_storage(url: str | None) -> Any:
    """An Optuna storage for ``url`` (``None`` = in-memory, not resumable, single process)."""
    if url is None:
        return optuna.storages.InMemoryStorage()
    if not isinstance(url, str) or "://" not in url:
        raise DseInputError("storage", url, "an Optuna RDB URL such as sqlite:///study.db or "
                            "postgresql://user@host/db")
    is_sqlite = url.startswith("sqlite")
    if is_sqlite:
        Path(url.split(":///", 1)[-1]).parent.mkdir(parents=True, exist_ok=True)
    kwargs = {"connect_args": {"timeout": 60}} if is_sqlite else {"pool_pre_ping": True}
    for attempt in range(6):
        try:
            storage = optuna.storages.RDBStorage(url, engine_kwargs=kwargs)
            break
        except Exception as exc:
            # Two processes creating the schema at once: one of them sees "table ... already
            # exists"; a retry finds the finished schema.
            if attempt < 5 and any(m in str(exc) for m in _SCHEMA_RACE):
                time.sleep(0.2 * (attempt + 1))
                continue
            raise DseInputError("storage", redact(url), "a reachable Optuna RDB URL",
                                detail=f"{type(exc).__name__}: {exc}".splitlines()[0]) from None
    if is_sqlite:
        _tune_sqlite(storage)
    return storage


def _tune_sqlite(storage: Any) -> None:
    import sqlalchemy

    @sqlalchemy.event.listens_for(storage.engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    storage.engine.dispose()  # drop pooled connections opened before the listener existed


def _proc_start(pid: int) -> str:
    """Process start time in clock ticks since boot (Linux ``/proc``); '' where unavailable."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
        return text.rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _pid_alive(pid: int, start: str) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    now_start = _proc_start(pid)
    return not (start and now_start and now_start != start)  # pid reused by another process


@dataclass
class WorkerLease:
    """This process's record in the study: who it is and which trials it runs."""

    storage: Any
    study_id: int
    token: str
    host: str
    pid: int
    start: str

    @classmethod
    def create(cls, study: optuna.Study) -> WorkerLease:
        pid = os.getpid()
        return cls(study._storage, study._study_id, uuid.uuid4().hex[:12], socket.gethostname(), pid,
                   _proc_start(pid))

    @property
    def key(self) -> str:
        return LEASE_PREFIX + self.token

    def write(self, *, asking: bool, trial_ids: list[int]) -> None:
        record = {"host": self.host, "pid": self.pid, "start": self.start, "time": time.time(),
                  "asking": asking, "trials": list(trial_ids)}
        self.storage.set_study_system_attr(self.study_id, self.key, record)


def _lease_dead(record: dict[str, Any], me: WorkerLease, grace_s: float) -> bool:
    if record.get("host") == me.host:
        if record.get("pid") == me.pid and record.get("start") == me.start:
            return False
        return not _pid_alive(int(record["pid"]), str(record.get("start", "")))
    return time.time() - float(record.get("time", 0.0)) > grace_s


def recover_stale(study: optuna.Study, me: WorkerLease, grace_s: float) -> list[int]:
    """Fail and re-enqueue ``RUNNING`` trials whose worker is dead; returns their numbers.

    Reads the running trials *before* the leases: a live worker writes ``asking=True`` before it
    creates trials and lists them right after, so an unlisted running trial belongs to a dead
    worker unless some live worker is still asking.
    """
    running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    if not running:
        return []
    leases = {k: v for k, v in study._storage.get_study_system_attrs(study._study_id).items()
              if k.startswith(LEASE_PREFIX)}
    owner: dict[int, dict[str, Any]] = {}
    someone_asking = False
    for record in leases.values():
        dead = _lease_dead(record, me, grace_s)
        if record.get("asking") and not dead:
            someone_asking = True
        for tid in record.get("trials", []):
            owner[int(tid)] = {"dead": dead}
    recovered = []
    for t in running:
        info = owner.get(t._trial_id)
        stale = info["dead"] if info is not None else not someone_asking
        if not stale:
            continue
        try:
            study._storage.set_trial_user_attr(t._trial_id, "dse_stale", True)
            if not study._storage.set_trial_state_values(t._trial_id, state=TrialState.FAIL):
                continue
        except optuna.exceptions.UpdateFinishedTrialError:
            continue  # another worker recovered it first
        study.enqueue_trial(dict(t.params), user_attrs={"dse_retry_of": t.number})
        recovered.append(t.number)
    return recovered


def budget(study: optuna.Study) -> dict[str, int]:
    """Counts of trials by state (only the states the budget looks at)."""
    counts = {s.name.lower(): 0 for s in IN_BUDGET_STATES}
    for t in study.get_trials(deepcopy=False, states=IN_BUDGET_STATES):
        counts[t.state.name.lower()] += 1
    return counts


def over_budget(study: optuna.Study, numbers: list[int], n_trials: int) -> set[int]:
    """Which of ``numbers`` rank ``>= n_trials`` among the in-budget trials (by trial number)."""
    ranked = sorted(t.number for t in study.get_trials(deepcopy=False, states=IN_BUDGET_STATES))
    allowed = set(ranked[:n_trials])
    return {n for n in numbers if n not in allowed}
