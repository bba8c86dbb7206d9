"""MPC private-inference cost models: protocol profiles (CrypTen, CrypTFlow2, DELPHI, Cheetah,
Shamir/SSNet), LAN/WAN networks, per-site latency tables for ReLU-budget training, a SimPy
discrete-event twin and an FPGA garbling-engine performance model. Guide: ``docs/mpc.md``."""

from __future__ import annotations

from .compiled import MAX_PARTIES, PROTOCOLS, WEIGHTS, layer_costs, make_protocol
from .model import MpcModel
from .presets import Network, network
from .protocols import Cost
from .tables import SiteTable, latency_table

__all__ = [
    "MAX_PARTIES", "PROTOCOLS", "WEIGHTS", "Cost", "MpcModel", "Network", "SiteTable",
    "latency_table", "layer_costs", "make_protocol", "network",
]
