"""ResultTable: designs and their metrics as one pandas DataFrame (one row per design point).

Columns: every knob (categoricals as labels), every total metric (unit in the name),
``feasible`` and ``reason``. This is what sweeps, searches and studies write to CSV.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .errors import DseError
from .metrics import Metrics
from .space import Design

__all__ = ["result_frame", "FEASIBLE", "REASON"]

FEASIBLE = "feasible"
REASON = "reason"


def result_frame(design: Design, metrics: Metrics, **extra: Any) -> pd.DataFrame:
    """Rows = design points; columns = knobs, metric totals, feasible, reason (+ ``extra`` columns)."""
    m = metrics.numpy()
    frame = design.to_frame()
    clash = set(m.totals) & set(frame.columns)
    if clash:  # a metric column would overwrite the knob column and mislabel the design
        raise DseError(f"metric names equal knob names: {sorted(clash)}")
    for k, v in m.totals.items():
        frame[k] = np.asarray(v, dtype=float) if np.asarray(v).dtype.kind in "iuf" else v
    frame[FEASIBLE] = m.feasible
    frame[REASON] = m.reason_texts()
    for k, v in extra.items():
        frame[k] = v
    return frame
