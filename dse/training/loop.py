"""A small, deterministic supervised training loop (CPU) and a fork-based parallel map.

:func:`fit` trains a classifier with Adam and a cosine schedule, optionally with knowledge
distillation from a teacher (``(1 - w) CE + w T^2 KL(teacher_T || student_T)``, Hinton et al.
2015; AutoReP and AdaPI distil from the all-ReLU network, [AutoReP23; AdaPI24]), an extra loss term
(a :class:`~dse.training.LatencyPenalty`, a :class:`~dse.training.ReluCountPenalty`...) and a
separate optimiser for gate parameters (PASNet/DARTS-style single-level search). Batches are drawn
from a ``torch.Generator`` seeded with ``seed``: the same call gives the same network.
"""

from __future__ import annotations

import math
import os
from typing import Any, Callable, Sequence

__all__ = ["fit", "accuracy", "fork_map", "random_shift"]


def accuracy(net: Any, X: Any, y: Any, batch: int = 1024) -> float:
    """Top-1 accuracy in [0, 1] (eval mode, no gradient)."""
    import torch

    was = net.training
    net.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(X), batch):
            correct += int((net(X[i:i + batch]).argmax(1) == y[i:i + batch]).sum())
    net.train(was)
    return correct / max(1, len(X))


def fit(net: Any, X: Any, y: Any, *, epochs: int, lr: float, batch: int = 64, seed: int = 0,
        extra_loss: Callable[[], Any] | None = None, teacher: Any = None, kd_weight: float = 0.9,
        kd_temperature: float = 4.0, arch_params: Sequence[Any] = (), arch_lr: float = 0.05,
        augment: Callable[[Any, Any], Any] | None = None, weight_decay: float = 0.0,
        on_epoch: Callable[[int], None] | None = None) -> Any:
    """Train ``net`` in place on ``(X, y)``; returns ``net``. ``extra_loss()`` is added each step;
    ``augment(batch, generator)`` transforms each input batch (same generator: deterministic)."""
    import torch
    import torch.nn.functional as F

    arch = list(arch_params)
    arch_ids = {id(p) for p in arch}
    weights = [p for p in net.parameters() if p.requires_grad and id(p) not in arch_ids]
    opt = torch.optim.AdamW(weights, lr=lr, weight_decay=weight_decay)
    steps = max(1, epochs * math.ceil(len(X) / batch))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)))
    arch_opt = torch.optim.Adam(arch, lr=arch_lr) if arch else None
    gen = torch.Generator().manual_seed(int(seed))
    if teacher is not None:
        teacher.eval()
    T = float(kd_temperature)
    for epoch in range(int(epochs)):
        net.train()
        perm = torch.randperm(len(X), generator=gen)
        for i in range(0, len(X), batch):
            idx = perm[i:i + batch]
            if len(idx) < 2:
                continue  # BatchNorm needs two samples
            xb = X[idx] if augment is None else augment(X[idx], gen)
            logits = net(xb)
            loss = F.cross_entropy(logits, y[idx])
            if teacher is not None and kd_weight > 0:
                with torch.no_grad():
                    t = teacher(xb)
                kd = F.kl_div(F.log_softmax(logits / T, 1), F.log_softmax(t / T, 1), reduction="batchmean",
                              log_target=True) * T * T
                loss = (1 - kd_weight) * loss + kd_weight * kd
            if extra_loss is not None:
                loss = loss + extra_loss()
            opt.zero_grad(set_to_none=True)
            if arch_opt is not None:
                arch_opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            if arch_opt is not None:
                arch_opt.step()
        if on_epoch is not None:
            on_epoch(epoch)
    net.eval()
    return net


def random_shift(batch: Any, generator: Any, max_shift: int = 1) -> Any:
    """Translate each image of ``(N, C, H, W)`` by up to ``max_shift`` pixels; the uncovered border
    takes the batch's minimum (the background of standardised digit images)."""
    import torch

    n, _, h, w = batch.shape
    p = int(max_shift)
    padded = torch.nn.functional.pad(batch, (p, p, p, p), value=float(batch.min()))
    dy = torch.randint(0, 2 * p + 1, (n,), generator=generator)
    dx = torch.randint(0, 2 * p + 1, (n,), generator=generator)
    rows = (dy[:, None] + torch.arange(h)[None, :])[:, None, :, None].expand(n, batch.shape[1], h, w + 2 * p)
    out = torch.gather(padded, 2, rows)
    cols = (dx[:, None] + torch.arange(w)[None, :])[:, None, None, :].expand(n, batch.shape[1], h, w)
    return torch.gather(out, 3, cols)


def fork_map(fn: Callable[[Any], Any], jobs: Sequence[Any], workers: int = 2) -> list[Any]:
    """``[fn(j) for j in jobs]`` in ``workers`` forked processes (round-robin, order kept).

    Each child sets ``torch.set_num_threads(1)``; the parent's torch settings are untouched. Falls
    back to a plain loop with one worker or where ``fork`` is unavailable. Results travel back pickled (torch tensors by value).
    """
    import multiprocessing as mp
    import pickle
    import queue as queue_mod

    workers = max(1, min(int(workers), len(jobs)))
    if workers == 1 or "fork" not in mp.get_all_start_methods():
        return [fn(j) for j in jobs]
    ctx = mp.get_context("fork")
    queue = ctx.Queue()

    def child(rank: int) -> None:
        try:
            for i in range(rank, len(jobs), workers):
                # plain pickle: torch tensors travel as bytes, not as shared-memory handles
                queue.put((i, True, pickle.dumps(_one_thread(fn, jobs[i]))))
        except BaseException as exc:  # report, don't hang the parent
            queue.put((-1, False, f"{type(exc).__name__}: {exc}"))
        finally:
            queue.close()
            queue.join_thread()
            os._exit(0)

    procs = [ctx.Process(target=child, args=(r,)) for r in range(workers)]
    for p in procs:
        p.start()
    out: dict[int, Any] = {}
    try:
        while len(out) < len(jobs):
            try:
                i, ok, value = queue.get(timeout=2.0)
            except queue_mod.Empty:
                if not any(p.is_alive() for p in procs) and queue.empty():
                    raise RuntimeError("training workers exited without returning all results") from None
                continue
            if not ok:
                raise RuntimeError(f"a training job failed in a worker: {value}")
            out[i] = pickle.loads(value)
    finally:
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.terminate()
    return [out[i] for i in range(len(jobs))]


def _one_thread(fn: Callable[[Any], Any], job: Any) -> Any:
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover
        pass
    return fn(job)
