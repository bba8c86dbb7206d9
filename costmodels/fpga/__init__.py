"""FPGA cost models: length-adaptive transformer accelerator (DAC'22), block-circulant RNN (E-RNN),
a FINN-style dataflow estimator,
boards and CPU/GPU baselines, a SimPy pipeline twin, and functional kernels.

See ``docs/fpga.md`` for knobs, formulas, sources and the validation table.
"""

from __future__ import annotations

from .baselines import BaselineResult, batch_time_s, serve
from .dataflow import DataflowModel
from .des import DesResult, simulate, simulate_tables, upward_rank
from .ernn import ERNNModel, circulant_ops, parse_accuracy
from .lowering import StageTable, compile_stages
from .presets import UTIL_CAP, Baseline, Board, baseline, baseline_names, board, board_names
from .tables import StageTables, stage_tables
from .transformer import TransformerAcceleratorModel

__all__ = [
    "Baseline", "BaselineResult", "Board", "DataflowModel", "DesResult", "ERNNModel", "StageTable", "StageTables",
    "TransformerAcceleratorModel", "UTIL_CAP", "baseline", "baseline_names", "batch_time_s", "board",
    "board_names", "circulant_ops", "compile_stages", "parse_accuracy", "serve", "simulate", "simulate_tables",
    "stage_tables", "upward_rank",
]
