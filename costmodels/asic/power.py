"""Duty-cycled power of an accelerator serving a low-rate stream (e.g. an ICD sampling at 250 Hz).

The device wakes for each inference, computes for ``t_active`` seconds spending ``E_active``
joules (dynamic + leakage while active, from :class:`~costmodels.asic.SystolicArrayModel`), and
idles (clock-gated or power-gated, leaking ``P_idle``) until the next input:

``P_avg = E_active * rate + P_idle * (1 - duty)``, with ``duty = t_active * rate`` (must be <= 1,
otherwise the stream cannot be served in real time).

This is the standard energy-per-event model of sensor nodes; [VAChip25] notes that the VA chip's
150 GOPS and 10.60 uW can only both hold under it (peak throughput while active, average power
over the 250 Hz period).
"""

from __future__ import annotations

from dataclasses import dataclass

from dse.errors import DseInputError

__all__ = ["DutyCycle", "duty_cycled_power"]


@dataclass(frozen=True)
class DutyCycle:
    """Average power of a duty-cycled accelerator (SI units)."""

    energy_active_j: float
    time_active_s: float
    rate_hz: float
    idle_power_w: float

    @property
    def duty(self) -> float:
        return self.time_active_s * self.rate_hz

    @property
    def active_power_w(self) -> float:
        return self.energy_active_j / self.time_active_s

    @property
    def dynamic_average_w(self) -> float:
        return self.energy_active_j * self.rate_hz

    @property
    def idle_average_w(self) -> float:
        return self.idle_power_w * (1.0 - self.duty)

    @property
    def average_power_w(self) -> float:
        return self.dynamic_average_w + self.idle_average_w


def duty_cycled_power(energy_active_j: float, time_active_s: float, rate_hz: float,
                      idle_power_w: float = 0.0) -> DutyCycle:
    """The :class:`DutyCycle` of one inference per input at ``rate_hz`` (checks real time)."""
    for name, v in (("energy_active_j", energy_active_j), ("time_active_s", time_active_s),
                    ("rate_hz", rate_hz), ("idle_power_w", idle_power_w)):
        if not v >= 0:
            raise DseInputError(name, v, "a non-negative number")
    if time_active_s * rate_hz > 1.0:
        raise DseInputError("rate_hz", rate_hz, f"at most 1/time_active_s = {1 / time_active_s:.4g} Hz "
                            "(the accelerator cannot keep up with the stream)")
    return DutyCycle(energy_active_j, time_active_s, rate_hz, idle_power_w)
