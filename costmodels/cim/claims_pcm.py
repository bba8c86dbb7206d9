"""Claims of the PCM drift model (:func:`.variation.pcm_program`, :func:`.variation.pcm_drift`)
against aihwkit's published drift behaviour.

Published (aihwkit documentation ``docs/source/pcm_inference.rst`` [AIHWKit21], fitted on 1 M IBM
PCM devices [Joshi20]): ``g(t) = g_prog (t / t_c)^-nu`` with ``nu ~ N(mu_nu, sigma_nu)``,
``mu_nu = clip(-0.0155 ln g_T + 0.0244, 0.049, 0.1)``, ``sigma_nu = clip(-0.0125 ln g_T - 0.0059,
0.008, 0.045)`` (``g_T`` relative to ``g_max``), ``t_c`` = 20 s.

* ``restatement``: the mean drift exponent our sampler draws at ``g_T`` = 0.01 and 1 (200,000
  draws; tolerance 4 standard errors) against the formula (the mean of ``|nu|``: aihwkit's code
  folds the normal, which raises the mean by 0.6 % at ``g_T`` = 0.01), and the mean drifted conductance of a
  device at ``g_max`` one year after programming (no read noise) against the formula's
  log-normal mean ``exp(-mu L + sigma^2 L^2 / 2)``, ``L = ln(t / t_c)``;
* ``peer`` (live aihwkit 1.1.0): mean conductance after drift *and* 1/f read noise, one day after
  programming, at ``g_T`` = 0.05, 0.3 and 1, ours over aihwkit's ``PCMLikeNoiseModel`` (50,000
  devices each, tolerance 1 %: the Monte Carlo error of the ratio is below 0.3 %).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from functools import lru_cache

import numpy as np

from dse.claims import REPO, Claim

from .claims import _aihwkit_available, _peer_python
from .variation import pcm_drift, pcm_program

__all__ = ["CLAIMS", "aihwkit_drift_means", "ours_drift_means"]

_DOC = "[AIHWKit21] docs/source/pcm_inference.rst drift model (measurements of [Joshi20])"
LEVELS = (0.05, 0.3, 1.0)
DAY_S = 86400.0
YEAR_S = 3.15e7
G_MAX = 25.0


def _nu_formula(g_rel: float) -> tuple[float, float]:
    lg = math.log(g_rel)
    return min(max(-0.0155 * lg + 0.0244, 0.049), 0.1), min(max(-0.0125 * lg - 0.0059, 0.008), 0.045)


def _mean_nu(g_rel: float, n: int = 200_000) -> tuple[float, float]:
    """(mean, standard error) of our drift exponents for devices at ``g_rel`` (one draw of n weights)."""
    w = np.full(n, g_rel)
    w[0] = 1.0  # the largest weight maps to g_max
    _, nu = pcm_program(w, np.random.default_rng(7), 1)
    x = nu[0, 0, 1:]
    return float(x.mean()), float(x.std() / math.sqrt(x.size))


def _folded_mean(mu: float, sd: float) -> float:
    """Mean of |N(mu, sd)| (aihwkit's ``generate_drift_coefficients`` takes the absolute value)."""
    z = mu / sd
    return mu * math.erf(z / math.sqrt(2.0)) + 2.0 * sd * math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def _nu_claim(g_rel: float) -> Claim:
    mu, sd = _nu_formula(g_rel)
    return Claim(f"cim.pcm.drift_nu_mean.g{g_rel:g}", "cim", f"mean PCM drift exponent at g_T = {g_rel:g} g_max "
                 "(|N(mu_nu, sigma_nu)|)", _folded_mean(mu, sd), "1",
                 _DOC + "; |nu| as in aihwkit 1.1.0 inference/noise/pcm.py", "restatement",
                 lambda: _mean_nu(g_rel)[0], abs_tol=4 * sd / math.sqrt(200_000))


def _year_ratio() -> float:
    n = 200_000
    w = np.ones(n)
    prog, nu = pcm_program(w, np.random.default_rng(8), 1, prog_noise_scale=0.0)
    g = pcm_drift(prog, nu, YEAR_S, np.random.default_rng(9), read_noise_scale=0.0)
    return float(g.mean())


def _year_reference() -> float:
    mu, sd = _nu_formula(1.0)
    big_l = math.log((YEAR_S + 20.0) / 20.0)
    return math.exp(-mu * big_l + 0.5 * (sd * big_l) ** 2)


def ours_drift_means(n: int = 50_000, seed: int = 0) -> dict[str, float]:
    """Mean g(1 day) / g_T (drift and read noise, no programming noise) per level in LEVELS."""
    out = {}
    for k, lev in enumerate(LEVELS):
        w = np.full(n + 1, lev)
        w[0] = 1.0
        prog, nu = pcm_program(w, np.random.default_rng(seed + k), 1, prog_noise_scale=0.0)
        g = pcm_drift(prog, nu, DAY_S, np.random.default_rng(seed + 10 + k))
        out[str(lev)] = float(g[0, 1:].mean() / lev)
    return out


def aihwkit_drift_means(n: int = 50_000, seed: int = 0) -> dict[str, float]:
    """The same with aihwkit's PCMLikeNoiseModel (imports aihwkit and torch)."""
    import torch
    from aihwkit.inference import PCMLikeNoiseModel

    torch.manual_seed(seed)
    model = PCMLikeNoiseModel(g_max=G_MAX)
    out = {}
    for lev in LEVELS:
        g = torch.full((n,), lev * G_MAX, dtype=torch.float64)
        nu = model.generate_drift_coefficients(g)
        gd = model.apply_drift_noise_to_conductance(g, nu, DAY_S)
        out[str(lev)] = float(gd.mean() / (lev * G_MAX))
    return out


@lru_cache(maxsize=1)
def _peer() -> dict[str, float]:
    code = ("import json; from costmodels.cim.claims_pcm import aihwkit_drift_means; "
            "print(json.dumps(aihwkit_drift_means()))")
    r = subprocess.run([_peer_python() or sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=REPO, timeout=600, check=False)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip()[-500:])
    return dict(json.loads(r.stdout.strip().splitlines()[-1]))


@lru_cache(maxsize=1)
def _ours() -> dict[str, float]:
    return ours_drift_means()


CLAIMS: list[Claim] = [
    _nu_claim(0.01),
    _nu_claim(1.0),
    Claim("cim.pcm.drift_year_mean", "cim", "mean conductance of a g_max device one year after programming, "
          "drift only, over g_prog", _year_reference(), "1", _DOC + "; lognormal mean of (t/t_c)^-nu",
          "restatement", _year_ratio, rel_tol=2e-3),
    *[Claim(f"cim.pcm.aihwkit.drift_day.g{lev:g}", "cim", f"mean g(1 day) / g_T at g_T = {lev:g} g_max "
            "(drift + 1/f read noise), ours / aihwkit", 1.0, "1",
            "aihwkit 1.1.0 [AIHWKit21] PCMLikeNoiseModel(g_max=25) generate_drift_coefficients + "
            "apply_drift_noise_to_conductance (costmodels.cim.claims_pcm.aihwkit_drift_means)", "peer",
            (lambda lev=lev: _ours()[str(lev)] / _peer()[str(lev)]), rel_tol=0.01, requires=("aihwkit",),
            available=_aihwkit_available, slow=True)
      for lev in LEVELS],
]
