"""Harvested-power traces for energy-harvesting devices (the EVE runtime, ``costmodels/asic/eve.py``).

A :class:`PowerTrace` is a piecewise-constant input power ``power_w[i]`` over ``[i*dt, (i+1)*dt)``.
Presets (``parse_trace`` text):

* ``constant:W`` - steady power (the analytic twin's case);
* ``solar:mean=W[,hours=H,start=S,clouds=C]`` - daylight: half-sine irradiance between sunrise
  (6 h) and sunset (18 h), ``hours`` long from hour of day ``start`` (default a whole day from
  midnight), times a two-state cloud process (clear / overcast at 30% light, mean dwell 20 min,
  ``clouds`` = overcast fraction), scaled so the trace averages ``mean`` W;
* ``rf:mean=W[,duty=D,burst=S]`` - RF harvesting in bursts: on/off two-state Markov process,
  on a fraction ``duty`` of the time with mean burst ``burst`` s, zero otherwise;
* ``csv:PATH`` - a measured trace, columns ``time_s,power_w`` (uniformly sampled).

The shapes are modelling assumptions, not measurements. Magnitudes for choosing ``mean``: outdoor
solar ~100 mW/cm2, indoor light ~100 uW/cm2, body heat ~60 uW/cm2, RF (GSM/WiFi) 0.001-0.1
uW/cm2 (Vullers et al., "Micropower energy harvesting", Solid-State Electronics 53 (2009),
Table 1; recalled, not re-verified). Sampling takes an explicit seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dse.errors import DseInputError

__all__ = ["PowerTrace", "constant", "solar", "rf_bursts", "from_csv", "parse_trace", "TRACES_ALLOWED"]

TRACES_ALLOWED = ("constant:W, solar:mean=W[,hours=H,start=S,clouds=C], rf:mean=W[,duty=D,burst=S], "
                  "or csv:PATH (columns time_s,power_w)")


@dataclass(frozen=True)
class PowerTrace:
    """Piecewise-constant harvested power: ``power_w[i]`` watts during ``[i*dt_s, (i+1)*dt_s)``."""

    name: str
    dt_s: float
    power_w: np.ndarray

    @property
    def duration_s(self) -> float:
        return self.dt_s * len(self.power_w)

    @property
    def mean_w(self) -> float:
        return float(np.mean(self.power_w))

    def at(self, t_s: float) -> float:
        """Power at time ``t_s`` (the trace repeats after its end)."""
        i = int(t_s // self.dt_s) % len(self.power_w)
        return float(self.power_w[i])


def _check(name: str, value: float, ok: bool, allowed: str) -> None:
    if not ok:
        raise DseInputError(f"power trace {name}", value, allowed)


def constant(power_w: float, duration_s: float = 3600.0, dt_s: float = 1.0) -> PowerTrace:
    _check("power_w", power_w, power_w >= 0, "a non-negative power in W")
    n = max(1, int(round(duration_s / dt_s)))
    return PowerTrace(f"constant:{power_w:g}", dt_s, np.full(n, float(power_w)))


def _two_state(rng: np.random.Generator, n: int, dt: float, p_on: float, mean_on_s: float) -> np.ndarray:
    """A two-state Markov chain (1 = on) with stationary on-fraction ``p_on``."""
    p_on = min(max(p_on, 1e-9), 1 - 1e-9)
    leave_on = min(1.0, dt / mean_on_s)
    leave_off = min(1.0, leave_on * p_on / (1 - p_on))
    state = rng.random() < p_on
    out = np.empty(n, dtype=bool)
    u = rng.random(n)
    for i in range(n):
        out[i] = state
        state = (u[i] >= leave_on) if state else (u[i] < leave_off)
    return out


def solar(mean_w: float, *, hours: float = 24.0, start_h: float = 0.0, clouds: float = 0.3,
          dt_s: float = 10.0, seed: int = 0) -> PowerTrace:
    """Diurnal light (half-sine from 6 h to 18 h) with clouds, averaging ``mean_w`` over the
    ``hours`` from hour of day ``start_h``."""
    _check("mean", mean_w, mean_w >= 0, "a non-negative power in W")
    _check("clouds", clouds, 0 <= clouds < 1, "an overcast fraction in [0, 1)")
    n = max(1, int(round(hours * 3600 / dt_s)))
    t_h = (start_h + np.arange(n) * dt_s / 3600.0) % 24.0
    sun = np.clip(np.sin(np.pi * (t_h - 6.0) / 12.0), 0.0, None)
    overcast = _two_state(np.random.default_rng(seed), n, dt_s, clouds, 20 * 60.0)
    p = sun * np.where(overcast, 0.3, 1.0)
    p = p * (mean_w / p.mean()) if p.mean() > 0 else p
    return PowerTrace(f"solar:mean={mean_w:g}", dt_s, p)


def rf_bursts(mean_w: float, *, duty: float = 0.2, burst_s: float = 5.0, duration_s: float = 3600.0,
              dt_s: float = 0.1, seed: int = 0) -> PowerTrace:
    """RF energy in on/off bursts, averaging ``mean_w``."""
    _check("mean", mean_w, mean_w >= 0, "a non-negative power in W")
    _check("duty", duty, 0 < duty <= 1, "an on-fraction in (0, 1]")
    n = max(1, int(round(duration_s / dt_s)))
    on = _two_state(np.random.default_rng(seed), n, dt_s, duty, burst_s)
    p = on.astype(float)
    p = p * (mean_w / p.mean()) if p.mean() > 0 else p
    return PowerTrace(f"rf:mean={mean_w:g}", dt_s, p)


def from_csv(path: str | Path) -> PowerTrace:
    """A measured trace from a CSV with columns ``time_s,power_w`` (uniform sampling)."""
    import pandas as pd

    frame = pd.read_csv(path)
    if not {"time_s", "power_w"} <= set(frame.columns) or len(frame) < 2:
        raise DseInputError("power trace csv", str(path), "a CSV with columns time_s,power_w and >= 2 rows")
    dt = float(np.median(np.diff(frame["time_s"].to_numpy())))
    _check("dt", dt, dt > 0, "increasing time_s")
    return PowerTrace(f"csv:{path}", dt, frame["power_w"].to_numpy(dtype=float))


def parse_trace(text: str, *, seed: int = 0) -> PowerTrace:
    """A trace from its text form (module docstring)."""
    kind, _, rest = str(text).partition(":")
    try:
        if kind == "constant":
            return constant(float(rest))
        if kind == "csv":
            return from_csv(rest)
        opts = dict(item.split("=", 1) for item in rest.split(",") if item)
        vals = {k: float(v) for k, v in opts.items()}
        if kind == "solar" and set(vals) <= {"mean", "hours", "start", "clouds"}:
            return solar(vals["mean"], hours=vals.get("hours", 24.0), start_h=vals.get("start", 0.0),
                         clouds=vals.get("clouds", 0.3), seed=seed)
        if kind == "rf" and set(vals) <= {"mean", "duty", "burst"}:
            return rf_bursts(vals["mean"], duty=vals.get("duty", 0.2), burst_s=vals.get("burst", 5.0), seed=seed)
    except (KeyError, ValueError):
        pass
    raise DseInputError("power trace", text, TRACES_ALLOWED)
