"""Cross-check of :class:`~.crossbar_sim.CrossbarSim` against IBM aihwkit 1.1.0's inference tile.

aihwkit's ``TorchInferenceRPUConfig`` quantises the input with a DAC (``forward.inp_res`` =
``1 / (2^b - 2)`` over ``[-inp_bound, inp_bound]`` after abs-max noise management) and the analog
output with an ADC (``forward.out_res`` over ``[-out_bound, out_bound]``, in units of max|W| x
max|x|), one conversion per output and tile (``aihwkit/simulator/tiles/analog_mvm.py``,
``_prepare_input`` / ``_finalize_output``; ``UniformQuantize`` in ``tiles/utils.py``). The same
computation in ``CrossbarSim`` is one DAC step (``dac_bits = input_bits = b - 1`` magnitude bits of a
non-negative input: step max|x| / (2^(b-1) - 1), aihwkit's step), one weight slice
(``cell_bits = weight_bits = 8``; the weights are put on the 8-bit grid first so both see the
same matrix), ``rows`` = the input size (one tile) and a ``calibrated`` ADC range fixed to
``out_bound`` (``adc_top = out_bound (2^(b-1) - 1)(2^8 - 1)`` in integer partial-sum units).
Both then round every output to the same grid, so the outputs must agree up to float32
rounding at ties (aihwkit computes in float32, we in float64): measured over 6 seeds x 4 cases,
at most one output in 2,048 differs, by exactly one ADC step, and the error norms agree within
0.08 %. The tolerance (:data:`TOL_LSB`) is one ADC step on at most 1 % of the outputs.

IR drop is *not* cross-checked: aihwkit's torch tile refuses ``ir_drop`` (``check_support``
raises "IR drop not supported in torch tile") and its time-dependent IR-drop tile
(``TorchInferenceRPUConfigIRDropT``) models pulse-width inputs with a segmented Thevenin circuit,
which has no counterpart in our amplitude/bit-serial first-order model; its C++ ``InferenceRPUConfig``
tile, which has ``forward.ir_drop``, does not run with torch 2.13 ("weights must be a CPU tensor", an
ABI mismatch of the 1.1.0 wheel). The IR drop is cross-checked against ngspice instead (:mod:`.irdrop`).

Run the live comparison with ``python -m costmodels.cim.peer_crossbar`` (needs aihwkit).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np

from .crossbar_sim import CrossbarSim, crossbar_matmul

__all__ = ["CASES", "TOL_LSB", "aihwkit_mvm", "case", "compare", "ours_mvm"]

#: (adc_bits, dac_bits, out_bound, rows): ADC and DAC resolutions of aihwkit's tile (signed bits)
CASES = ((8, 8, 12.0, 128), (6, 8, 12.0, 128), (4, 6, 8.0, 256), (5, 4, 16.0, 64))
#: outputs may differ by one ADC step (ties rounded differently in float32), on at most 1 %
TOL_LSB = 1.0


def case(rows: int, seed: int = 0, batch: int = 64, outputs: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Weights on the 8-bit grid (outputs x rows) and non-negative inputs whose every row has
    max 1 (so aihwkit's per-vector abs-max scaling equals our per-call range)."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((outputs, rows)) * 0.3
    w = np.round(w / np.abs(w).max() * 255) / 255 * np.abs(w).max()
    x = rng.random((batch, rows))
    x[:, 0] = 1.0
    return w, x


def _lsb(adc_bits: int, out_bound: float, w: np.ndarray) -> float:
    return out_bound / (2 ** (adc_bits - 1) - 1) * float(np.abs(w).max())


def ours_mvm(w: np.ndarray, x: np.ndarray, adc_bits: int, dac_bits: int, out_bound: float) -> np.ndarray:
    """``x @ w.T`` on ``CrossbarSim`` configured as aihwkit's tile (see the module docstring)."""
    mag = dac_bits - 1
    sim = CrossbarSim(rows=w.shape[1], cols=2 * w.shape[0], cell_bits=8, weight_bits=8, input_bits=mag,
                      dac_bits=mag, adc_bits=adc_bits, adc_range="calibrated",
                      adc_top=out_bound * (2 ** mag - 1) * 255.0, x_top=1.0)
    return np.asarray(crossbar_matmul(x, w, sim), dtype=np.float64)


def aihwkit_mvm(w: np.ndarray, x: np.ndarray, adc_bits: int, dac_bits: int, out_bound: float) -> np.ndarray:
    """The same product on aihwkit's ``TorchInferenceRPUConfig`` tile, noise off (imports aihwkit)."""
    import torch
    from aihwkit.inference import PCMLikeNoiseModel
    from aihwkit.nn import AnalogLinear
    from aihwkit.simulator.configs import TorchInferenceRPUConfig
    from aihwkit.simulator.parameters.enums import BoundManagementType, NoiseManagementType

    cfg = TorchInferenceRPUConfig()
    f = cfg.forward
    f.inp_res, f.out_res = 1.0 / (2 ** dac_bits - 2), 1.0 / (2 ** adc_bits - 2)
    f.inp_bound, f.out_bound = 1.0, float(out_bound)
    f.out_noise = f.inp_noise = f.w_noise = 0.0
    f.bound_management = BoundManagementType.NONE
    f.noise_management = NoiseManagementType.ABS_MAX
    cfg.mapping.max_input_size = int(w.shape[1])
    cfg.mapping.weight_scaling_omega = 1.0
    cfg.noise_model = PCMLikeNoiseModel(prog_noise_scale=0.0, read_noise_scale=0.0, drift_scale=0.0)
    cfg.drift_compensation = None
    layer = AnalogLinear(w.shape[1], w.shape[0], bias=False, rpu_config=cfg)
    layer.set_weights(torch.tensor(w, dtype=torch.float32), None)
    layer.eval()
    with torch.no_grad():
        return layer(torch.tensor(x, dtype=torch.float32)).numpy().astype(np.float64)


def compare(seed: int = 0) -> list[dict[str, Any]]:
    """Per case: relative error of each simulator against the exact product, and the share of
    outputs on which they differ by more than :data:`TOL_LSB` ADC steps."""
    import aihwkit

    out = []
    for adc_bits, dac_bits, bound, rows in CASES:
        w, x = case(rows, seed)
        exact = x @ w.T
        a = aihwkit_mvm(w, x, adc_bits, dac_bits, bound)
        o = ours_mvm(w, x, adc_bits, dac_bits, bound)
        lsb = _lsb(adc_bits, bound, w)
        norm = float(np.linalg.norm(exact))
        out.append({"adc_bits": adc_bits, "dac_bits": dac_bits, "out_bound": bound, "rows": rows,
                    "aihwkit": aihwkit.__version__,
                    "rel_err_aihwkit": float(np.linalg.norm(a - exact) / norm),
                    "rel_err_ours": float(np.linalg.norm(o - exact) / norm),
                    "max_diff_lsb": float(np.abs(a - o).max() / lsb),
                    "share_off_by_lsb": float((np.abs(a - o) > 0.5 * lsb).mean())})
    return out


def main(argv: list[str] | None = None) -> int:
    print(json.dumps(compare(int((argv or sys.argv[1:] or ["0"])[0])), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
