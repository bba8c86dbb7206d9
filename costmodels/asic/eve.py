"""Energy-harvesting runtime (EVE): a SimPy model of a device switching among model variants.

After EVE (Islam et al., "EVE: Environmental adaptive neural network models for low-power energy
harvesting system", ICCAD 2022, arXiv 2207.09258): one network is stored as several variants of
different sparsity, latency and accuracy; at run time the device picks the variant the stored
energy allows. Here the variants' energy and latency come from ``asic-systolic`` (studies/
eve_runtime.py), the input power from ``workloads.distributions.power``.

**Device** (all SI units). A capacitor ``C`` stores ``E = C V^2 / 2`` up to ``V_max`` (surplus
harvest is wasted). The device browns out when ``V`` falls below ``V_off`` and restarts only once
``V >= V_on`` (hysteresis). While on it draws ``idle_power_w`` in addition to inference energy.
One request arrives every ``period_s``; its deadline is the next arrival. The accelerator serves
requests one at a time (a SimPy ``Resource``); at the start of service the policy picks the most
accurate variant that (a) finishes before the deadline and (b) leaves the capacitor at or above
``V_off`` after taking its energy (energy is reserved at the start; harvest continues meanwhile).
No affordable variant, or the device off: the request is a **deadline miss**.

**Analytic twin** (:func:`analytic`, constant power ``P``, long run): with ``E_in = (P -
idle_power_w) * period_s`` per request and variants sorted by energy (the Pareto set of energy vs
accuracy, only those meeting the deadline):

* ``E_in >= E_best``: every request served by the most accurate variant;
* ``E_j <= E_in < E_(j+1)``: every request served, the greedy policy alternating between ``j`` and
  ``j+1`` with fraction ``f = (E_in - E_j) / (E_(j+1) - E_j)`` on ``j+1`` (energy conservation).
  Exact when ``E_(j+2) - E_(j+1) >= E_in - E_j`` (the stored level then never reaches
  ``E_(j+2)``) and the capacitor holds ``E_(j+1) + E_in`` above ``V_off``;
* ``E_in < E_min``: a fraction ``E_in / E_min`` of requests served by the cheapest variant
  (exact when ``E_2 - E_min >= E_in``: the level reached after misses cannot buy ``E_2``).

The closed form describes the ``greedy`` policy. ``simulate(policy="adaptive")`` is EVE's
environment-adaptive mode: an exponentially weighted estimate ``P_est`` of the harvested power
(time constant ``horizon_s``) sets a per-request budget ``(P_est - idle) * period + spend * (E -
E_off)``; the most accurate affordable variant within the budget is chosen (the cheapest
affordable one if none is). Under bursty power it stops spending each burst on the most
expensive variant and wasting the surplus when the capacitor is full.

Start-up transients (charging to ``V_on``, the initial charge) are ignored; :func:`simulate` and
:func:`analytic` agree to within them (tests/asic/test_eve.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dse.errors import DseInputError

__all__ = ["Variant", "Storage", "EveResult", "simulate", "analytic", "pareto_variants"]


@dataclass(frozen=True)
class Variant:
    """One model variant: energy per inference (J), latency (s), accuracy (0..1)."""

    name: str
    energy_j: float
    latency_s: float
    accuracy: float


@dataclass(frozen=True)
class Storage:
    """Capacitor with brown-out hysteresis."""

    capacitance_f: float = 100e-6
    v_on: float = 3.0
    v_off: float = 1.8
    v_max: float = 3.6

    def __post_init__(self) -> None:
        if not (self.capacitance_f > 0 and 0 <= self.v_off < self.v_on <= self.v_max):
            raise DseInputError("storage", self, "C > 0 and 0 <= v_off < v_on <= v_max")

    def energy(self, v: float) -> float:
        return 0.5 * self.capacitance_f * v * v


@dataclass
class EveResult:
    requests: int
    completed: int
    missed: int
    mean_accuracy: float  # over completed inferences
    served_by: dict[str, int] = field(default_factory=dict)
    harvested_j: float = 0.0
    wasted_j: float = 0.0
    off_fraction: float = 0.0
    exact: bool = True  # analytic twin: whether its closed form is exact for these variants

    @property
    def completion_rate(self) -> float:
        return self.completed / self.requests if self.requests else 0.0


def pareto_variants(variants: list[Variant], deadline_s: float) -> list[Variant]:
    """Variants meeting the deadline, sorted by energy, each strictly more accurate than the
    cheaper ones (dominated variants are never chosen by the greedy policy)."""
    ok = sorted((v for v in variants if v.latency_s <= deadline_s), key=lambda v: (v.energy_j, -v.accuracy))
    out: list[Variant] = []
    for v in ok:
        if not out or v.accuracy > out[-1].accuracy:
            out.append(v)
    return out


class _Capacitor:
    """Exact integration of a piecewise-constant harvest between events, with clamping."""

    def __init__(self, trace, storage: Storage, idle_w: float, start_v: float):
        self.trace, self.s, self.idle = trace, storage, idle_w
        self.e = storage.energy(start_v)
        self.e_max, self.e_on, self.e_off = storage.energy(storage.v_max), storage.energy(storage.v_on), storage.energy(storage.v_off)
        self.on = start_v >= storage.v_on
        self.t = 0.0
        self.harvested = self.wasted = self.off_time = 0.0
        self.tau = 60.0
        self.p_est = trace.at(0.0)

    def settle(self, now: float) -> None:
        dt_seg = self.trace.dt_s
        while self.t < now - 1e-15:
            seg_end = min((np.floor(self.t / dt_seg + 1e-12) + 1) * dt_seg, now)
            h = seg_end - self.t
            p = self.trace.at(self.t)
            self.harvested += p * h
            self.p_est += (p - self.p_est) * (1.0 - np.exp(-h / self.tau))
            if not self.on:
                self.off_time += h
            e = self.e + (p - (self.idle if self.on else 0.0)) * h
            if e > self.e_max:
                self.wasted += e - self.e_max
                e = self.e_max
            self.e = max(e, 0.0)
            if self.on and self.e < self.e_off:
                self.on = False
            elif not self.on and self.e >= self.e_on:
                self.on = True
            self.t = seg_end


def simulate(trace, variants: list[Variant], storage: Storage, *, period_s: float, duration_s: float,
             idle_power_w: float = 0.0, start_v: float | None = None, policy: str = "greedy",
             horizon_s: float = 60.0, spend: float = 0.05) -> EveResult:
    """Discrete-event simulation (SimPy) of the device for ``duration_s`` seconds."""
    import simpy

    if period_s <= 0 or duration_s < period_s:
        raise DseInputError("period_s", period_s, "a positive period no longer than duration_s")
    if policy not in ("greedy", "adaptive"):
        raise DseInputError("policy", policy, "greedy or adaptive")
    env = simpy.Environment()
    cap = _Capacitor(trace, storage, idle_power_w, storage.v_off if start_v is None else start_v)
    cap.tau = horizon_s
    accel = simpy.Resource(env, capacity=1)
    stats = {"requests": 0, "completed": 0, "missed": 0, "acc": 0.0, "by": {v.name: 0 for v in variants}}
    ranked = sorted(variants, key=lambda v: -v.accuracy)

    def request(arrival: float):
        deadline = arrival + period_s
        with accel.request() as slot:
            yield slot
            cap.settle(env.now)
            remaining = deadline - env.now
            choice = None
            if cap.on:
                ok = [v for v in ranked if v.latency_s <= remaining + 1e-12 and cap.e - v.energy_j >= cap.e_off]
                if policy == "adaptive" and ok:
                    budget = (cap.p_est - idle_power_w) * period_s + spend * (cap.e - cap.e_off)
                    within = [v for v in ok if v.energy_j <= budget]
                    choice = within[0] if within else min(ok, key=lambda v: v.energy_j)
                elif ok:
                    choice = ok[0]
            if choice is None:
                stats["missed"] += 1
                return
            cap.e -= choice.energy_j
            yield env.timeout(choice.latency_s)
            stats["completed"] += 1
            stats["acc"] += choice.accuracy
            stats["by"][choice.name] += 1

    def arrivals():
        while env.now + period_s <= duration_s + 1e-9:
            stats["requests"] += 1
            env.process(request(env.now))
            yield env.timeout(period_s)

    env.process(arrivals())
    env.run(until=duration_s)
    cap.settle(duration_s)
    done = stats["completed"]
    in_flight = stats["requests"] - done - stats["missed"]
    return EveResult(stats["requests"], done, stats["missed"] + in_flight,
                     stats["acc"] / done if done else 0.0, stats["by"], cap.harvested, cap.wasted,
                     cap.off_time / duration_s)


def analytic(power_w: float, variants: list[Variant], storage: Storage, *, period_s: float,
             duration_s: float, idle_power_w: float = 0.0) -> EveResult:
    """The steady-power twin (module docstring): long-run counts for constant ``power_w``."""
    n = int(np.floor(duration_s / period_s + 1e-9))
    front = pareto_variants(variants, period_s)
    by = {v.name: 0 for v in variants}
    e_in = max(power_w - idle_power_w, 0.0) * period_s
    if not front or e_in <= 0:
        return EveResult(n, 0, n, 0.0, by, power_w * duration_s, 0.0, 1.0)
    energies = [v.energy_j for v in front]
    exact = True
    if e_in >= energies[-1]:
        served = {front[-1].name: float(n)}
    elif e_in >= energies[0]:
        j = max(i for i, e in enumerate(energies) if e <= e_in)
        f = (e_in - energies[j]) / (energies[j + 1] - energies[j])
        served = {front[j].name: n * (1 - f), front[j + 1].name: n * f}
        gap_ok = j + 2 >= len(front) or energies[j + 2] - energies[j + 1] >= e_in - energies[j]
        room = storage.energy(storage.v_max) - storage.energy(storage.v_off) >= energies[j + 1] + e_in
        exact = gap_ok and room
    else:  # misses let the level grow to at most E_min + E_in: exact while that cannot buy E_2
        served = {front[0].name: n * e_in / energies[0]}
        exact = len(front) == 1 or energies[1] - energies[0] >= e_in
    acc = {v.name: v.accuracy for v in front}
    completed = sum(served.values())
    mean_acc = sum(acc[k] * c for k, c in served.items()) / completed if completed else 0.0
    by.update({k: int(round(c)) for k, c in served.items()})
    done = int(round(completed))
    return EveResult(n, done, n - done, mean_acc, by, power_w * duration_s, 0.0, 0.0, exact)
