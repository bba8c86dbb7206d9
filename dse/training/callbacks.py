"""Adapters for training loops: a plain-loop hook and (when Lightning is installed) a callback.

Plain loop::

    hook = LatencyHook(penalty)                 # penalty: LatencyPenalty bound to gates
    for x, y in batches:
        loss = hook(F.cross_entropy(net(x), y))  # adds the latency term, records it
        ...
    row = hook.epoch_end(epoch)                 # means over the epoch + per-site latency

PyTorch Lightning: add ``self.penalty()`` to the loss in ``training_step`` and pass
``lightning_callback(penalty)`` to the ``Trainer``; it logs ``latency_s`` and per-site latency.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import UnavailableError
from .penalty import LatencyPenalty

__all__ = ["LatencyHook", "lightning_callback"]


class LatencyHook:
    """Adds ``penalty()`` to a task loss each step and keeps per-epoch summaries (``history``)."""

    def __init__(self, penalty: LatencyPenalty):
        self.penalty = penalty
        self.history: list[dict[str, Any]] = []
        self._task: list[float] = []
        self._term: list[float] = []
        self._lat: list[float] = []

    def __call__(self, task_loss: Any) -> Any:
        term = self.penalty()
        self._task.append(float(task_loss.detach()) if hasattr(task_loss, "detach") else float(task_loss))
        self._term.append(float(term.detach()) if hasattr(term, "detach") else float(term))
        self._lat.append(self.penalty.log[-1]["latency_s"] if self.penalty.log else float("nan"))
        return task_loss + term

    def epoch_end(self, epoch: int) -> dict[str, Any]:
        row = {"epoch": int(epoch), "task_loss": float(np.mean(self._task)) if self._task else float("nan"),
               "penalty": float(np.mean(self._term)) if self._term else float("nan"),
               "latency_s": float(np.mean(self._lat)) if self._lat else float("nan")}
        row.update({f"lat[{k}]": v for k, v in self.penalty.per_site().items()} if self.penalty.gates is not None else {})
        self.history.append(row)
        self._task, self._term, self._lat = [], [], []
        return row


def _lightning():
    for name in ("lightning.pytorch", "pytorch_lightning"):
        try:
            return __import__(name, fromlist=["Callback"])
        except ImportError:
            continue
    raise UnavailableError("feature", "lightning_callback", "neither lightning nor pytorch_lightning is installed")


def lightning_callback(penalty: LatencyPenalty, *, log_every: int = 50):
    """A Lightning ``Callback`` logging the penalty's predicted latency (total and per site)."""
    pl: Any = _lightning()

    class LatencyCallback(pl.Callback):
        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
            if batch_idx % log_every:
                return
            import torch

            with torch.no_grad():
                pl_module.log("latency_s", float(penalty.latency()))
                for name, v in penalty.per_site().items():
                    pl_module.log(f"lat[{name}]", v)

    return LatencyCallback()
