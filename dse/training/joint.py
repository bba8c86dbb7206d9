"""Joint gradient co-design: architecture gates and a design choice in one backward pass.

:class:`DesignMixture` relaxes a discrete design choice (a protocol, a network setting, a hardware
preset: anything that gives the same sites a different :class:`~dse.training.SiteCosts`) to a
softmax over its options, as DARTS relaxes an operation choice [DARTS19, Sec. 2.2] and PASNet
its gates [PASNet23]::

    T(p, beta) = sum_d softmax(beta / temperature)_d * T_d(p)          (seconds)
    loss       = CE + weight * T(p, beta) / T_ref

``T_d(p)`` is the latency of the gate probabilities ``p`` under option ``d`` (``expected`` mode
by default), ``T_ref`` a common reference (default: the smallest all-option-0 latency among the
options, so ``weight`` is unitless). The gradient reaches the gates (through every ``T_d``, each
weighted by its option's probability) and the logits ``beta`` (towards the option where the
current network is cheapest) in the same backward pass. After the search, :meth:`choice` is the
arg-max option; the network is then frozen and priced exactly under it alone.

:class:`InverseKnob` does the same for one *continuous* hardware knob ``x`` (e.g. the link
bandwidth of an MPC deployment) whose latency is affine in ``1/x`` for every site and option
(bytes / bandwidth + compute + rounds x RTT)::

    T(p, x) = T_lo(p) + (T_hi(p) - T_lo(p)) * (1/x - 1/x_lo) / (1/x_hi - 1/x_lo)
    loss    = CE + weight * (T(p, x) + price * x) / T_ref

from two tables priced at the bounds ``x_lo``, ``x_hi`` (exact for such a model: tested against a
third table of the mpc model), ``x = exp(theta)`` with ``theta`` clamped to the bounds (projection)
and trained with the gates in one backward pass; ``price`` (seconds per unit of ``x``) is what
provisioning costs, so the optimum is interior. :meth:`InverseKnob.rounded` rounds ``x`` to a grid.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..errors import DseInputError

__all__ = ["DesignMixture", "InverseKnob"]


class DesignMixture:
    """``weight * sum_d softmax(beta/T)_d * T_d(gates) / T_ref`` over named site-cost tables.

    ``costs``: option name -> :class:`~dse.training.SiteCosts` with the same sites and options;
    ``gates``: the :class:`~dse.training.GateSet` bound to the network. ``beta`` (torch, trainable)
    starts at ``init`` (default zeros: uniform mixture)."""

    def __init__(self, costs: Mapping[str, Any], gates: Any, *, weight: float = 1.0, temperature: float = 1.0,
                 mode: str = "expected", reference_s: float | None = None, init: Mapping[str, float] | None = None):
        import torch

        if len(costs) < 2:
            raise DseInputError("costs", list(costs), "two or more design options")
        names = list(costs)
        first = costs[names[0]]
        for n in names[1:]:
            if list(costs[n].names) != list(first.names) or list(map(tuple, costs[n].options)) != \
                    list(map(tuple, first.options)):
                raise DseInputError(f"costs[{n}]", "sites/options", f"the same sites and options as {names[0]}")
        if temperature <= 0:
            raise DseInputError("temperature", temperature, "a number > 0")
        self.names, self.costs, self.gates = names, dict(costs), gates
        self.weight, self.temperature, self.mode = float(weight), float(temperature), mode
        self.reference_s = float(reference_s) if reference_s is not None else min(float(c.reference_s)
                                                                                 for c in costs.values())
        start = [float((init or {}).get(n, 0.0)) for n in names]
        self.beta = torch.nn.Parameter(torch.tensor(start, dtype=torch.float64))

    def probs(self) -> Any:
        """Softmax over the options (torch, differentiable)."""
        import torch

        return torch.softmax(self.beta / self.temperature, 0)

    def latencies(self) -> Any:
        """Per-option latency of the current gates (torch, seconds)."""
        import torch

        p = [g.probs().double() for g in self.gates]
        return torch.stack([self.costs[n].latency(p, mode=self.mode) for n in self.names])

    def latency(self) -> Any:
        """Mixture latency ``sum_d pi_d T_d`` (seconds)."""
        return (self.probs() * self.latencies()).sum()

    def __call__(self) -> Any:
        return self.weight * self.latency() / self.reference_s

    def parameters(self) -> list[Any]:
        return [self.beta]

    def choice(self) -> str:
        """The arg-max option."""
        return self.names[int(self.beta.detach().argmax())]


class InverseKnob:
    """``weight * (T(p, x) + price * x) / T_ref`` with ``T`` affine in ``1/x`` (see the module docstring).

    ``costs_lo``/``costs_hi``: :class:`~dse.training.SiteCosts` (same sites and options) at
    ``x = low`` and ``x = high`` (``0 < low < high``); ``gates``: the bound :class:`GateSet`;
    ``price``: seconds of latency one unit of ``x`` is worth; ``init``: start value (default the
    geometric mean of the bounds); ``reference_s``: default ``costs_lo.reference_s``."""

    def __init__(self, costs_lo: Any, costs_hi: Any, gates: Any, *, low: float, high: float, weight: float = 1.0,
                 price: float = 0.0, init: float | None = None, mode: str = "expected",
                 reference_s: float | None = None):
        import math

        import torch

        if not 0 < float(low) < float(high):
            raise DseInputError("low/high", (low, high), "0 < low < high")
        if list(costs_lo.names) != list(costs_hi.names) or list(map(tuple, costs_lo.options)) != \
                list(map(tuple, costs_hi.options)):
            raise DseInputError("costs_hi", "sites/options", "the same sites and options as costs_lo")
        if price < 0:
            raise DseInputError("price", price, "a number >= 0")
        self.lo, self.hi, self.gates = costs_lo, costs_hi, gates
        self.low, self.high, self.weight, self.price, self.mode = float(low), float(high), float(weight), float(price), mode
        self.reference_s = float(reference_s) if reference_s is not None else float(costs_lo.reference_s)
        x0 = math.sqrt(self.low * self.high) if init is None else float(init)
        if not self.low <= x0 <= self.high:
            raise DseInputError("init", init, f"a value in [{self.low}, {self.high}]")
        self.theta = torch.nn.Parameter(torch.tensor(math.log(x0), dtype=torch.float64))

    def x(self) -> Any:
        """The knob value (torch), projected onto ``[low, high]``."""
        import math

        import torch

        return torch.exp(torch.clamp(self.theta, math.log(self.low), math.log(self.high)))

    def latency_at(self, probs: Any, x: Any) -> Any:
        """``T(p, x)`` in seconds for gate probabilities ``probs`` (list per site) and knob value ``x``."""
        t_lo, t_hi = self.lo.latency(probs, mode=self.mode), self.hi.latency(probs, mode=self.mode)
        w = (1.0 / x - 1.0 / self.low) / (1.0 / self.high - 1.0 / self.low)
        return t_lo + (t_hi - t_lo) * w

    def latency(self) -> Any:
        """Latency of the current gates at the current knob value (torch, seconds)."""
        return self.latency_at([g.probs().double() for g in self.gates], self.x())

    def __call__(self) -> Any:
        return self.weight * (self.latency() + self.price * self.x()) / self.reference_s

    def parameters(self) -> list[Any]:
        return [self.theta]

    def rounded(self, grid: Any) -> float:
        """The grid value nearest to ``x`` in log scale (the knob's grid)."""
        import numpy as np

        g = np.asarray(grid, dtype=np.float64)
        x = float(self.x().detach())
        return float(g[int(np.argmin(np.abs(np.log(g) - np.log(x))))])
