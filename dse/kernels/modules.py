"""``torch.nn`` modules behind the built-in kernels (imported only when a module is built).

* :class:`PolyActivation` - trainable ``sum_i c_i x^i`` per channel (PASNet ``PolyAct``, AutoReP's
  per-channel ``x2act``), initialised straight-through or by DaPa;
* :class:`SoftmaxGate` - PASNet's ``GateAct``/``GatePool``: ``sum_k softmax(alpha/T)_k branch_k(x)``,
  frozen to the arg-max branch after the search; branches named by ``options`` (``relu``, ``poly``,
  ``identity``: the three-way ReLU / polynomial / linearised gate);
* :class:`HysteresisMaskGate` - AutoReP's per-element ReLU mask with hysteresis and a softplus STE;
  the dropped elements go to a polynomial or (SNL-style) to the identity.

Each gate exposes ``probs()`` (branch probabilities, differentiable), ``keep()`` (the fraction of
the site kept on branch 0, the ReLU) and ``freeze()``.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch
from torch import nn

from ..errors import DseInputError
from .polyfit import dapa_coefficients, polyval, straight_through_coefficients

__all__ = ["SteMask", "Square", "PolyActivation", "SoftmaxGate", "HysteresisMaskGate", "activation_branch"]


class SteMask(torch.autograd.Function):
    """Forward: the 0/1 ``mask``; backward: ``softplus(aux) * grad`` to ``aux`` (AutoReP
    ``STEFunction_relay``)."""

    @staticmethod
    def forward(ctx, aux, mask):
        ctx.save_for_backward(aux)
        return mask.clone()

    @staticmethod
    def backward(ctx, grad):
        (aux,) = ctx.saved_tensors
        return torch.nn.functional.softplus(aux) * grad, None


class Square(nn.Module):
    def forward(self, x):
        return x * x


def _view(c: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Per-channel coefficients ``(C,)`` shaped to broadcast over ``(N, C, ...)``."""
    if c.numel() == 1:
        return c.reshape(())
    return c.reshape((1, -1) + (1,) * (x.dim() - 2))


class PolyActivation(nn.Module):
    """``sum_i c_i x^i`` with trainable coefficients, one set per channel when ``channels`` is given.

    ``init``: ``"straight-through"`` (``0.005 x^2 + x``), ``"dapa"`` (needs ``mean``/``std`` per
    channel or scalar), or a sequence of ascending coefficients. ``scale_x2`` multiplies the
    ``x^2`` coefficient in the forward pass (PASNet ``weight_scale``, AutoReP ``scale_x2``): the
    *effective* coefficients equal the initial ones.
    """

    def __init__(self, degree: int = 2, channels: int | None = None, init: Any = "straight-through",
                 mean: Any = None, std: Any = None, scale_x2: float = 1.0, trainable: bool = True):
        super().__init__()
        c = 1 if channels is None else int(channels)
        if isinstance(init, str) and init == "straight-through":
            w = np.repeat(straight_through_coefficients(degree)[:, None], c, axis=1)
        elif isinstance(init, str) and init == "dapa":
            if mean is None or std is None:
                raise DseInputError("init", "dapa", "mean= and std= of the activations")
            w = dapa_coefficients(np.broadcast_to(np.asarray(mean, float), (c,)),
                                  np.broadcast_to(np.asarray(std, float), (c,)), degree)
        elif isinstance(init, str):
            raise DseInputError("init", init, "straight-through, dapa, or a list of coefficients")
        else:
            w = np.asarray(init, dtype=np.float64)
            if w.shape[0] != degree + 1:
                raise DseInputError("init", list(np.ravel(w)), f"{degree + 1} coefficients (degree {degree})")
            w = np.broadcast_to(w.reshape(degree + 1, -1), (degree + 1, c)).copy()
        self.degree = int(degree)
        self.scale_x2 = float(scale_x2)
        if degree >= 2 and self.scale_x2 != 1.0:
            w = w.copy()
            w[2] = w[2] / self.scale_x2
        self.coeffs = nn.Parameter(torch.as_tensor(w, dtype=torch.get_default_dtype()), requires_grad=trainable)

    def coefficients(self) -> torch.Tensor:
        """Effective ascending coefficients, shape ``(degree + 1, C)``."""
        if self.degree < 2 or self.scale_x2 == 1.0:
            return self.coeffs
        scale = torch.ones(self.degree + 1, 1, dtype=self.coeffs.dtype, device=self.coeffs.device)
        scale[2] = self.scale_x2
        return self.coeffs * scale

    def forward(self, x):
        w = self.coefficients().to(x.dtype)
        return polyval(x, [_view(w[i], x) for i in range(self.degree + 1)])

    def extra_repr(self) -> str:
        return f"degree={self.degree}, channels={self.coeffs.shape[1]}"


def activation_branch(option: str, channels: int | None = None, poly_init: Any = "straight-through",
                      scale_x2: float = 1.0, poly_degree: int = 2) -> nn.Module:
    """The module of a named activation option: ``relu``, ``poly`` (trainable polynomial of degree
    ``poly_degree`` per channel, default 2) or ``identity``."""
    if option == "relu":
        return nn.ReLU()
    if option == "poly":
        return PolyActivation(int(poly_degree), channels, init=poly_init, scale_x2=scale_x2)
    if option == "identity":
        return nn.Identity()
    raise DseInputError("options", option, "relu, poly or identity (or pass branches=)")


class SoftmaxGate(nn.Module):
    """``sum_k softmax(alpha / T)_k branch_k(x)`` over ``branches`` (default: one module per name
    in ``options``, ReLU and a trainable polynomial of degree ``poly_degree`` (default 2);
    ``options=("relu", "poly", "identity")`` adds the linearised branch); ``freeze()`` keeps only the
    arg-max branch (PASNet's ``gate = False``)."""

    def __init__(self, branches: Sequence[nn.Module] | None = None, options: Sequence[str] = ("relu", "poly"),
                 temperature: float = 1.0, alpha: Sequence[float] | None = None, channels: int | None = None,
                 poly_init: Any = "straight-through", scale_x2: float = 1.0, poly_degree: int = 2):
        super().__init__()
        if branches is None:
            branches = tuple(activation_branch(o, channels, poly_init, scale_x2, poly_degree) for o in options)
        self.branches = nn.ModuleList(branches)
        self.options = tuple(options)
        if len(self.options) != len(self.branches):
            raise DseInputError("options", list(self.options), f"{len(self.branches)} names, one per branch")
        self.temperature = float(temperature)
        a = torch.zeros(len(self.branches)) if alpha is None else torch.as_tensor(alpha, dtype=torch.get_default_dtype())
        self.alpha = nn.Parameter(a)
        self.chosen: torch.Tensor
        self.register_buffer("chosen", torch.tensor(-1, dtype=torch.long))

    @property
    def frozen(self) -> bool:
        return int(self.chosen) >= 0

    def probs(self) -> torch.Tensor:
        if self.frozen:
            return nn.functional.one_hot(self.chosen, len(self.branches)).to(self.alpha.dtype)
        return torch.softmax(self.alpha / self.temperature, dim=0)

    def keep(self) -> torch.Tensor:
        return self.probs()[0]

    def choice(self) -> str:
        return self.options[int(self.chosen) if self.frozen else int(torch.argmax(self.alpha))]

    def freeze(self, choice: int | str | None = None) -> None:
        """Keep one branch: ``choice`` (index or option name) or the arg-max of ``alpha``."""
        if choice is None:
            idx = int(torch.argmax(self.alpha))
        elif isinstance(choice, str):
            if choice not in self.options:
                raise DseInputError("choice", choice, "one of " + ", ".join(self.options))
            idx = self.options.index(choice)
        else:
            idx = int(choice)
        self.chosen.fill_(idx)
        self.alpha.requires_grad_(False)

    def forward(self, x):
        if self.frozen:
            return self.branches[int(self.chosen)](x)
        p = self.probs().to(x.dtype)
        out = p[0] * self.branches[0](x)
        for k in range(1, len(self.branches)):
            out = out + p[k] * self.branches[k](x)
        return out


class HysteresisMaskGate(nn.Module):
    """Per-element choice ReLU (mask 1) vs ``replacement`` (mask 0: ``poly`` or ``identity``) for
    activations of ``shape`` (one sample, e.g. ``(C, H, W)``). ``aux`` starts uniform in [0, 1)
    (AutoReP), drawn from ``generator`` (or a ``torch.Generator`` seeded with ``seed``); the mask
    starts all ones. ``options``: the site's option names in cost-table order (default
    ``("relu", replacement)``); :meth:`probs` puts the dropped fraction at the replacement's index."""

    def __init__(self, shape: Sequence[int], threshold: float = 1e-3, poly: nn.Module | None = None,
                 channels: int | None = None, seed: int = 0, generator: torch.Generator | None = None,
                 poly_init: Any = "straight-through", scale_x2: float = 1.0, replacement: str = "poly",
                 options: Sequence[str] | None = None, poly_degree: int = 2):
        super().__init__()
        g = generator if generator is not None else torch.Generator().manual_seed(int(seed))
        shape = tuple(int(s) for s in shape)
        self.aux = nn.Parameter(torch.rand(shape, generator=g))
        self.mask: torch.Tensor
        self.register_buffer("mask", torch.ones(shape))
        self.threshold = float(threshold)
        self.replacement = str(replacement)
        self.options = tuple(options) if options is not None else ("relu", self.replacement)
        if self.options[0] != "relu" or self.replacement not in self.options[1:]:
            raise DseInputError("options", list(self.options), f"relu first and the replacement {self.replacement!r}")
        # ``poly`` keeps its name for compatibility: it is the replacement branch
        self.poly: nn.Module = poly if poly is not None else activation_branch(self.replacement, channels, poly_init, scale_x2,
                                                                                poly_degree)
        self.frozen = False

    @torch.no_grad()
    def update(self) -> None:
        t = self.threshold
        self.mask.copy_(self.mask * (self.aux > -t) + (1.0 - self.mask) * (self.aux > t))

    def masks(self) -> torch.Tensor:
        return SteMask.apply(self.aux, self.mask)

    def keep(self) -> torch.Tensor:
        return self.masks().mean()

    def probs(self) -> torch.Tensor:
        """``(len(options),)``: kept fraction at 0, dropped fraction at the replacement's index."""
        k = self.keep()
        j = self.options.index(self.replacement)
        return torch.stack([k if i == 0 else (1.0 - k) if i == j else 0.0 * k for i in range(len(self.options))])

    def count(self) -> torch.Tensor:
        return self.masks().sum()

    def freeze(self) -> None:
        self.frozen = True
        self.aux.requires_grad_(False)

    def forward(self, x):
        if self.training and not self.frozen:
            self.update()
        m = self.masks().to(x.dtype)
        return m * torch.relu(x) + (1.0 - m) * self.poly(x)
