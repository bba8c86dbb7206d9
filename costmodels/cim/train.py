"""Data and (torch) training for the crossbar studies: scikit-learn's digits, noise-aware training.

:func:`load_digits` uses the 1,797 8x8 handwritten digits that ship inside scikit-learn (UCI
optical digits test set; nothing is downloaded). :func:`train` fits a :class:`~.network.Net`
with Adam on the cross-entropy, optionally injecting a registered noise kernel
(``dse.kernels.get("cim-rc-gaussian")`` ...) into every crossbar weight at every step — the
noise-injection training of the KPP paper (Yan et al., ICCAD'23). Training needs torch; the
trained network comes back as numpy arrays for the Monte Carlo evaluator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from dse.errors import DseInputError, UnavailableError

from .network import Conv, Dense, Net, forward_torch

__all__ = ["DigitsSplit", "load_digits", "train"]

DigitsSplit = dict  # keys: x_train, y_train, x_val, y_val, x_test, y_test (numpy)


def load_digits(seed: int = 0, *, image: bool = False, test_fraction: float = 0.3,
                val_fraction: float = 0.15) -> DigitsSplit:
    """Stratified, seeded train/validation/test split of scikit-learn's digits, pixels / 16.

    ``image=True`` gives (n, 1, 8, 8) arrays for a CNN, otherwise (n, 64).
    """
    try:
        from sklearn.datasets import load_digits as _load
    except ImportError as exc:
        raise UnavailableError("dataset", "digits", "scikit-learn is not installed (pip install scikit-learn)") from exc
    if not (0 < test_fraction < 1 and 0 <= val_fraction < 1 and test_fraction + val_fraction < 1):
        raise DseInputError("test_fraction, val_fraction", (test_fraction, val_fraction),
                            "fractions in (0, 1) summing to less than 1")
    d = _load()
    x = (d.data / 16.0).astype(np.float64)
    y = d.target.astype(np.int64)
    rng = np.random.default_rng(seed)
    parts: dict[str, list[np.ndarray]] = {"train": [], "val": [], "test": []}
    for c in np.unique(y):  # stratified by class
        idx = rng.permutation(np.flatnonzero(y == c))
        n_test = round(test_fraction * idx.size)
        n_val = round(val_fraction * idx.size)
        parts["test"].append(idx[:n_test])
        parts["val"].append(idx[n_test:n_test + n_val])
        parts["train"].append(idx[n_test + n_val:])
    out: DigitsSplit = {}
    for name, chunks in parts.items():
        idx = np.sort(np.concatenate(chunks))
        xs = x[idx].reshape(-1, 1, 8, 8) if image else x[idx]
        out[f"x_{name}"], out[f"y_{name}"] = xs, y[idx]
    return out


def train(net: Net, x: np.ndarray, y: np.ndarray, *, kernel: Any = None,
          kernel_params: Mapping[str, Any] | None = None, epochs: int = 60, lr: float = 3e-3,
          batch: int = 64, seed: int = 0, weight_decay: float = 0.0,
          per_weight: Sequence[Mapping[str, Any]] | None = None,
          ovf: Sequence[float] = (), beta: float = 0.0) -> Net:
    """Train ``net`` (its weights are the initial values) and return the trained copy.

    ``kernel`` is a :class:`dse.kernels.KernelSpec` (or its name) applied to every Dense/Conv
    weight in each forward pass with ``kernel_params``; ``None`` trains without noise.
    ``per_weight`` (one dict per weight slot, see :meth:`Net.weights`) overrides ``kernel_params``
    weight by weight (e.g. a smaller sigma for write-verified weights); ``"trainable": False`` in
    a slot's dict freezes that weight (biases stay trainable).

    ``ovf`` (weight-referred sigmas, largest first) and ``beta`` turn on NeFT's oriented variational
    forward [NeFT23, code src/train_fn.py, src/loss_fn.py]: each step also runs one forward pass per
    sigma in ``ovf`` (fresh noise each) and minimises the cross-entropy of
    ``(y - beta sum_i 10^-i y_i) / (len(ovf) + 1)``, ``y`` the logits at the kernel's own noise.
    """
    try:
        import torch
    except ImportError as exc:
        raise UnavailableError("trainer", "cim.train", "torch is not installed") from exc
    if isinstance(kernel, str):
        from dse.kernels import get

        kernel = get(kernel)
    if kernel is not None and kernel.torch is None:
        raise DseInputError("kernel", kernel.name, "a kernel with a torch implementation")
    if not (isinstance(epochs, int) and epochs >= 1):
        raise DseInputError("epochs", epochs, "an integer >= 1")
    if ovf and (kernel is None or not all(float(v) >= 0 for v in ovf) or not float(beta) >= 0):
        raise DseInputError("ovf, beta", (tuple(ovf), beta), "sigmas >= 0 and beta >= 0, with a noise kernel")
    params = dict(kernel_params or {})
    n_slots = len(net.weights())
    if per_weight is not None and len(per_weight) != n_slots:
        raise DseInputError("per_weight", len(per_weight), f"{n_slots} dicts (one per weight slot)")
    plist = [{**params, **dict(p)} for p in per_weight] if per_weight is not None else [dict(params)] * n_slots
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: one thread is several times faster than two
    try:
        return _train(torch, net, x, y, kernel, plist, epochs, lr, batch, seed, weight_decay,
                      tuple(float(v) for v in ovf), float(beta))
    finally:
        torch.set_num_threads(threads)


def _train(torch: Any, net: Net, x: np.ndarray, y: np.ndarray, kernel: Any, plist: list, epochs: int,
           lr: float, batch: int, seed: int, weight_decay: float, ovf: tuple[float, ...] = (),
           beta: float = 0.0) -> Net:
    gen = torch.Generator().manual_seed(int(seed))
    trainable = [bool(p.get("trainable", True)) for p in plist]
    plist = [{k: v for k, v in p.items() if k != "trainable"} for p in plist]
    ws = [torch.tensor(w, dtype=torch.float32, requires_grad=t) for w, t in zip(net.weights(), trainable)]
    bs = [torch.tensor(l.b, dtype=torch.float32, requires_grad=True)
          for l in net.layers if isinstance(l, (Dense, Conv))]
    opt = torch.optim.Adam([w for w, t in zip(ws, trainable) if t] + bs, lr=lr, weight_decay=weight_decay)
    xt = torch.as_tensor(np.asarray(x), dtype=torch.float32)
    yt = torch.as_tensor(np.asarray(y), dtype=torch.int64)
    n = xt.shape[0]
    for _ in range(epochs):
        order = torch.randperm(n, generator=gen)
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            cur = [kernel.torch(w, generator=gen, **p) for w, p in zip(ws, plist)] if kernel is not None else ws
            logits = forward_torch(_with_biases(net, bs), xt[idx], cur)
            if ovf:  # NeFT OVF: negative feedback from passes at larger variation
                feedback = 0.0
                for i, sig in enumerate(ovf):
                    noisy = [kernel.torch(w, generator=gen, **{**p, "sigma": sig}) for w, p in zip(ws, plist)]
                    feedback = feedback + 10.0 ** (-i) * forward_torch(_with_biases(net, bs), xt[idx], noisy)
                logits = (logits - beta * feedback) / (len(ovf) + 1)
            loss = torch.nn.functional.cross_entropy(logits, yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    trained = _with_biases(net, [b.detach().double().numpy() for b in bs])
    return trained.with_weights([w.detach().double().numpy() for w in ws])


def _with_biases(net: Net, biases: list[Any]) -> Net:
    """``net`` with the Dense/Conv biases replaced (torch tensors allowed, for the forward pass)."""
    from dataclasses import replace

    it = iter(biases)
    layers = tuple(replace(l, b=next(it)) if isinstance(l, (Dense, Conv)) else l for l in net.layers)
    return replace(net, layers=layers)
