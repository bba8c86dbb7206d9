"""BOLT's word elimination [BOLT24] priced on BERT-base: a fraction of the tokens survives after an
encoder layer, so the later layers run on a shorter sequence. The workload changes, not the
protocol, so this sits beside the profiles (:mod:`.transformer_2pc`) and works for any of them."""

from __future__ import annotations

from dse.errors import DseInputError

from .compiled import layer_costs
from .presets import network as make_network

__all__ = ["word_elimination"]


def _totals(spec: str, protocol: str, net) -> dict[str, float]:
    """Online bytes, rounds and latency (all ReLUs kept) of ``spec`` under ``protocol``."""
    import workloads

    lc = layer_costs(workloads.load(spec), protocol, 2, "public")
    if lc.reason:
        raise DseInputError("protocol", protocol, lc.reason)
    c = (lc.fixed + lc.relu).sum(axis=1)
    return {"comm_bytes": float(c[0]), "rounds": float(c[2]),
            "latency_s": float(c[2] * net.rtt_s + c[0] / net.bytes_per_s + c[3])}


def word_elimination(protocol: str, *, seq_len: int = 128, layers: int = 12, after: int = 1,
                     keep: float = 0.5, network: str = "lan") -> dict[str, float]:
    """Totals (``comm_bytes``, ``latency_s``, ``rounds``) of BERT-base (2 parties, server-held
    weights) when a fraction ``keep`` of the tokens survives after encoder layer ``after``: the
    first ``after`` layers (with the embeddings and pooler) at ``seq_len`` tokens, the rest at
    ``round(keep * seq_len)`` tokens. The pruning's own top-k selection is not priced."""
    if not 0 < keep <= 1:
        raise DseInputError("keep", keep, "a fraction in (0, 1]")
    net = make_network(network)
    head = _totals(f"bert-base:seq_len={seq_len},layers={after}", protocol, net)
    if after >= layers:
        return head
    t2 = max(1, round(keep * seq_len))
    tail = _totals(f"bert-base:seq_len={t2},layers={layers - after}", protocol, net)
    one = _totals(f"bert-base:seq_len={t2},layers=1", protocol, net)
    two = _totals(f"bert-base:seq_len={t2},layers=2", protocol, net)
    # embeddings + pooler at t2 = (1 layer) - (one encoder layer = 2 layers - 1 layer)
    return {k: head[k] + tail[k] - (2 * one[k] - two[k]) for k in head}
