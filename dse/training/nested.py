"""Nested ReLU budgets served by one network (AdaPI-style) and per-site sensitivities measured by training.

AdaPI [AdaPI24] trains one network for several ReLU budgets: the ReLUs kept under a smaller budget
are a subset of those kept under a larger one (nested masks), the weights are shared, and each
budget is a switch at inference time. Here:

* :class:`NestedMaskAct` - a ReLU site with ``K`` nested per-channel keep masks ``(K, C)``; under
  budget ``k`` channel ``c`` is ``relu`` where ``masks[k, c]`` and a trainable per-channel
  polynomial (``poly2``, shared by every budget) elsewhere. :func:`bind_nested` swaps a network's
  ``nn.ReLU`` modules (in execution order) for them; :func:`set_budget` switches all sites.
* :func:`fit_nested` - Adam + cosine; every batch is run under every budget and the mean of the
  per-budget losses (cross-entropy, or KD from a teacher) is back-propagated, so one set of
  weights serves all budgets.
* :func:`measure_sensitivity` - per-site sensitivity *measured by training*: for each site the
  network is fine-tuned with that whole site replaced by the polynomial, and the rise of the
  validation cross-entropy over the all-ReLU network fine-tuned the same way, divided by the site's
  ReLU count, is the site's loss per removed ReLU. Within a site, channels are ranked by the rise
  of the validation cross-entropy when that channel alone is replaced (no training; ablation); the
  per-channel values are scaled so that the site's channels sum to the trained measurement. These
  are the ``sigma_{g,u}`` of a ReLU-budget MILP (e.g. ``costmodels.mpc.relu_budget.allocate``).
"""

from __future__ import annotations

import copy
import math
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import DseInputError

__all__ = ["NestedMaskAct", "bind_nested", "set_budget", "fit_nested", "measure_sensitivity", "relu_modules"]


def _torch():
    import torch

    return torch


def relu_modules(net: Any) -> list[tuple[Any, str, Any]]:
    """``(parent, attribute, module)`` of every ``nn.ReLU`` in registration order."""
    nn = _torch().nn
    out = []
    for parent in net.modules():
        for name, child in parent.named_children():
            if isinstance(child, nn.ReLU):
                out.append((parent, name, child))
    return out


def _make_nested_class():
    torch = _torch()
    from ..kernels.modules import PolyActivation

    class NestedMaskActImpl(torch.nn.Module):
        """See the module docstring. ``masks``: bool/0-1 array ``(K, C)``, nested along ``K``."""

        def __init__(self, masks: Any):
            super().__init__()
            m = torch.as_tensor(np.asarray(masks, dtype=np.float32))
            if m.ndim != 2 or m.shape[0] < 1:
                raise DseInputError("masks", tuple(m.shape), "an array (budgets, channels)")
            if bool(((m[:-1] - m[1:]) > 0).any()):
                raise DseInputError("masks", "not nested", "masks[k] <= masks[k+1] for every channel (nested budgets)")
            self.register_buffer("masks", m)
            self.poly = PolyActivation(2, int(m.shape[1]))
            self.k = int(m.shape[0]) - 1

        def forward(self, x):
            m = self.masks[self.k]
            shape = (1, -1) + (1,) * (x.dim() - 2)
            m = m.view(shape).to(x.dtype)
            return m * torch.relu(x) + (1 - m) * self.poly(x)

    return NestedMaskActImpl


_CLASS: list[Any] = []


def NestedMaskAct(masks: Any) -> Any:  # noqa: N802 - a module factory (torch imported lazily)
    """A nested-mask activation module (see the module docstring)."""
    if not _CLASS:
        _CLASS.append(_make_nested_class())
    return _CLASS[0](masks)


def bind_nested(net: Any, masks: Sequence[Any]) -> list[Any]:
    """Replace the network's ``nn.ReLU`` modules, in order, by :class:`NestedMaskAct` of ``masks[s]``."""
    sites = relu_modules(net)
    if len(sites) != len(masks):
        raise DseInputError("masks", len(masks), f"one (budgets, channels) array per ReLU site ({len(sites)})")
    ks = {np.shape(m)[0] for m in masks}
    if len(ks) != 1:
        raise DseInputError("masks", sorted(ks), "the same number of budgets at every site")
    acts = []
    for (parent, name, _), m in zip(sites, masks):
        act = NestedMaskAct(m)
        setattr(parent, name, act)
        acts.append(act)
    return acts


def set_budget(acts: Sequence[Any], k: int) -> None:
    """Switch every nested site to budget ``k``."""
    for a in acts:
        if not 0 <= int(k) < a.masks.shape[0]:
            raise DseInputError("budget index", k, f"0..{a.masks.shape[0] - 1}")
        a.k = int(k)


def fit_nested(net: Any, acts: Sequence[Any], X: Any, y: Any, *, epochs: int, lr: float, batch: int = 64,
               seed: int = 0, teacher: Any = None, kd_weight: float = 0.9, kd_temperature: float = 4.0,
               on_epoch: Callable[[int], None] | None = None) -> Any:
    """Train ``net`` so that every budget of ``acts`` works (mean of the per-budget losses per batch)."""
    torch = _torch()
    F = torch.nn.functional
    K = int(acts[0].masks.shape[0])
    opt = torch.optim.AdamW([p for p in net.parameters() if p.requires_grad], lr=lr, weight_decay=0.0)
    steps = max(1, epochs * math.ceil(len(X) / batch))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)))
    gen = torch.Generator().manual_seed(int(seed))
    T = float(kd_temperature)
    if teacher is not None:
        teacher.eval()
    for epoch in range(int(epochs)):
        net.train()
        perm = torch.randperm(len(X), generator=gen)
        for i in range(0, len(X), batch):
            idx = perm[i:i + batch]
            if len(idx) < 2:
                continue
            xb, yb = X[idx], y[idx]
            soft = None
            if teacher is not None:
                with torch.no_grad():
                    soft = F.softmax(teacher(xb) / T, 1)
            loss: Any = 0.0
            for k in range(K):
                set_budget(acts, k)
                logits = net(xb)
                lk = F.cross_entropy(logits, yb)
                if soft is not None:
                    kl = F.kl_div(F.log_softmax(logits / T, 1), soft, reduction="batchmean") * T * T
                    lk = (1 - kd_weight) * lk + kd_weight * kl
                loss = loss + lk / K
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        set_budget(acts, K - 1)
        if on_epoch is not None:
            on_epoch(epoch)
    return net


def _val_ce(net: Any, X: Any, y: Any) -> float:
    torch = _torch()
    net.eval()
    with torch.no_grad():
        return float(torch.nn.functional.cross_entropy(net(X), y))


def measure_sensitivity(net: Any, data: dict[str, Any], *, epochs: int = 2, lr: float = 1e-3, batch: int = 64,
                        seed: int = 0) -> dict[str, Any]:
    """Per-site and per-channel sensitivities of ``net``'s ReLU sites (see the module docstring).

    ``data``: ``{"train": (X, y), "val": (X, y)}``. Returns ``{"site": (S,) loss per removed ReLU,
    "site_delta": (S,) validation CE rise of the trained whole-site replacement, "channel": list of
    (C_s,) per-channel loss per removed ReLU, "elements": (S,) ReLUs per site, "base_ce": float}``.
    The network itself is not changed."""
    torch = _torch()
    (Xtr, ytr), (Xva, yva) = data["train"], data["val"]
    n_sites = len(relu_modules(net))
    with torch.no_grad():
        shapes = _site_channels(net, Xtr[:2])

    def variant(drop_site: int | None, drop_channel: int | None = None) -> tuple[Any, list[Any]]:
        m = copy.deepcopy(net)
        masks = []
        for s, (c, _) in enumerate(shapes):
            keep = np.ones((1, c), dtype=np.float32)
            if s == drop_site:
                if drop_channel is None:
                    keep[:] = 0
                else:
                    keep[0, drop_channel] = 0
            masks.append(keep)
        return m, bind_nested(m, masks)

    base, acts = variant(None)
    fit_nested(base, acts, Xtr, ytr, epochs=epochs, lr=lr, batch=batch, seed=seed)
    base_ce = _val_ce(base, Xva, yva)
    site_delta = np.zeros(n_sites)
    channel: list[np.ndarray] = []
    ref = _val_ce(variant(None)[0], Xva, yva)
    for s, (c, per_channel) in enumerate(shapes):
        m, acts = variant(s)
        fit_nested(m, acts, Xtr, ytr, epochs=epochs, lr=lr, batch=batch, seed=seed)
        site_delta[s] = max(_val_ce(m, Xva, yva) - base_ce, 0.0)
        d = np.array([max(_val_ce(variant(s, j)[0], Xva, yva) - ref, 0.0) for j in range(c)])
        w = d / d.sum() if d.sum() > 0 else np.full(c, 1.0 / c)
        # channel j's share of the site's trained rise, per removed ReLU (per_channel ReLUs per channel)
        channel.append(site_delta[s] * w / per_channel)
    elements = np.array([c * pc for c, pc in shapes])
    return {"site": site_delta / elements, "site_delta": site_delta, "channel": channel, "elements": elements,
            "base_ce": base_ce}


def _site_channels(net: Any, x: Any) -> list[tuple[int, int]]:
    """(channels, elements per channel) of each ReLU site's input, from one forward pass."""
    seen: list[tuple[int, int]] = []
    hooks = [mod.register_forward_hook(lambda _m, inp, _o: seen.append(
        (int(inp[0].shape[1]), int(np.prod(inp[0].shape[2:])) if inp[0].dim() > 2 else 1)))
        for _, _, mod in relu_modules(net)]
    was = net.training
    net.eval()
    try:
        net(x)
    finally:
        for h in hooks:
            h.remove()
        net.train(was)
    return seen
