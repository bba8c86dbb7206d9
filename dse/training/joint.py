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

Continuous hardware knobs of a ``grad``-capable model enter the same way through
:meth:`dse.training.SiteCosts.from_model` tables evaluated at torch knob values; this module
covers the discrete relaxation only.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..errors import DseInputError

__all__ = ["DesignMixture"]


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
