"""Cross-check of :mod:`.variation`'s PCM model against IBM aihwkit 1.1.0 on one layer.

One 256 -> 64 linear layer (seeded Gaussian weights, inputs uniform in [-1, 1]) is programmed
with aihwkit's ``PCMLikeNoiseModel`` (``TorchInferenceRPUConfig``, perfect forward IO so only
the device model acts, no drift compensation) and with :func:`.variation.pcm_weights`; the
statistic compared is the relative output error ``||y - y_ref|| / ||y_ref||`` over repeated
programmings, at t = programming only, 1 h and 1 year.

Run ``python -m costmodels.cim.peer_aihwkit`` with an interpreter that has aihwkit (the
``.venv-aihwkit`` made by ``.ci/setup_aihwkit.sh``); it prints JSON. ``ours()`` needs only numpy.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np

from .variation import pcm_weights

__all__ = ["TIMES", "aihwkit_bitline_currents", "aihwkit_stats", "layer_case", "ours"]

#: inference times compared (s after programming); None = right after programming
TIMES: tuple[float | None, ...] = (None, 3600.0, 3.15e7)


def layer_case(seed: int = 0, n_in: int = 256, n_out: int = 64, batch: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """(W (n_out, n_in), x (batch, n_in)) of the cross-check, reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n_out, n_in)) * 0.1, rng.uniform(-1.0, 1.0, (batch, n_in))


def _rel_err(y: np.ndarray, ref: np.ndarray) -> np.ndarray:
    return np.linalg.norm((y - ref).reshape(y.shape[0], -1), axis=1) / np.linalg.norm(ref)


def ours(reps: int = 200, seed: int = 0) -> dict[str, dict[str, float]]:
    """Mean and std of the relative output error under :func:`pcm_weights`, per time in TIMES."""
    w, x = layer_case(seed)
    ref = x @ w.T
    out = {}
    for t in TIMES:
        wn = pcm_weights(w, np.random.default_rng(seed + 1), reps, t_inference=t)
        err = _rel_err(x[None] @ np.swapaxes(wn, -1, -2), ref[None])
        out[str(t)] = {"mean": float(err.mean()), "std": float(err.std())}
    return out


def aihwkit_stats(reps: int = 200, seed: int = 0) -> dict[str, Any]:
    """The same statistics measured with aihwkit (imports aihwkit and torch)."""
    import aihwkit
    import torch
    from aihwkit.inference import PCMLikeNoiseModel
    from aihwkit.nn import AnalogLinear
    from aihwkit.simulator.configs import TorchInferenceRPUConfig

    w, x = layer_case(seed)
    cfg = TorchInferenceRPUConfig()
    cfg.forward.is_perfect = True
    cfg.drift_compensation = None
    cfg.noise_model = PCMLikeNoiseModel(g_max=25.0)
    layer = AnalogLinear(w.shape[1], w.shape[0], bias=False, rpu_config=cfg)
    layer.set_weights(torch.tensor(w, dtype=torch.float32), None)
    layer.eval()
    xt = torch.tensor(x, dtype=torch.float32)
    ref = x @ w.T
    out: dict[str, Any] = {"aihwkit": aihwkit.__version__, "torch": torch.__version__}
    torch.manual_seed(seed)
    for t in TIMES:
        errs = []
        for _ in range(reps):
            layer.program_analog_weights()
            if t is not None:
                layer.drift_analog_weights(t)
            with torch.no_grad():
                y = layer(xt).numpy().astype(np.float64)
            errs.append(_rel_err(y[None], ref[None])[0])
        out[str(t)] = {"mean": float(np.mean(errs)), "std": float(np.std(errs))}
    return out


def aihwkit_bitline_currents(g: Any, v: Any, r_wire: float) -> list[float]:
    """Sense currents (A) of aihwkit 1.1.0's IR-drop circuit (``AnalogMVMIRDropT._thev_equiv``, the
    model behind ``TorchInferenceRPUConfigIRDropT``) for conductances ``g`` (S, shape (R, C), row 0
    next to the sense amplifier as in :mod:`.irdrop`) and binary inputs ``v`` (V, 0 or one ``V_read``).

    aihwkit drives an "on" cell's positive conductance from 0.6 V and an idle cell from 0.4 V into a
    bit line held at 0.4 V at its ADC end, and folds each column's ladder (``r_wire`` per cell pitch,
    ``segments`` = R, half a segment to the ADC) into one Thevenin source. Currents are taken at the
    first time step (every "on" input still high), with the sense node at 0.4 V (aihwkit's
    ``ir_drop_v_read`` default, 0.4005 V, adds a 0.5 mV offset that is not IR drop), and scaled from
    aihwkit's 0.2 V cell voltage to ``V_read``. Needs aihwkit and torch.
    """
    import torch
    from aihwkit.simulator.tiles.analog_mvm_irdrop_t import AnalogMVMIRDropT

    g = np.asarray(g, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    rows = g.shape[0]
    v_on = float(v.max()) if v.max() > 0 else 1.0
    x = torch.tensor((v[::-1] > 0).astype(np.float64))[None, :]  # aihwkit: the last row is next to the ADC
    gp = torch.tensor(g[::-1].copy() * 1e6)  # uS
    vth, rth = AnalogMVMIRDropT._thev_equiv(x, [gp, torch.zeros_like(gp)], time_steps=2, t_max=1.0,
                                            segments=rows, r_s=float(r_wire), phys_input_size=rows)
    i_ua = (vth[0, :, 0] - 0.4) / rth[0, :, 0]  # uA at 0.2 V across an on cell
    return [float(c) * 1e-6 * v_on / 0.2 for c in i_ua]


def main(argv: list[str] | None = None) -> int:
    reps = int((argv or sys.argv[1:] or ["200"])[0])
    print(json.dumps({"aihwkit": aihwkit_stats(reps), "ours": ours(reps)}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
