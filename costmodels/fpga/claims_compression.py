"""FPGA compression claims: block-circulant storage of a transformer's encoder (FTRANS).

FTRANS reports that its block-circulant weights reduce a transformer's model size "by up to
16x" [FTRANS20, abstract]. Our engine stores ``p q b`` numbers per ``b``-blocked matrix
(:mod:`costmodels.fpga.compression`), so at ``b = 16`` the encoder's weight matrices shrink 16x and
biases/LayerNorm stay dense: a ``restatement`` (the storage formula next to its source), not a
validation. FTRANS's 27.07x / 81x performance and energy ratios against a CPU are not compared:
its CPU baseline, board power and RoBERTa configuration are not in the abstract.
"""

from __future__ import annotations

from functools import cache

from dse.claims import Claim

__all__ = ["CLAIMS", "encoder_storage_ratio"]


@cache
def encoder_storage_ratio(block: int = 16) -> float:
    """Dense over block-circulant stored weights of BERT-base's 12 encoder stages (block ``block``)."""
    import workloads
    from costmodels.fpga.lowering import compile_stages

    w = workloads.load("bert-base")
    dense, circ = compile_stages(w), compile_stages(w.with_compression({"encoder*": {"circulant": block}}))
    enc = [i for i, n in enumerate(dense.names) if n.startswith("encoder")]
    return float(dense.weights[enc].sum() / circ.weights[enc].sum())


CLAIMS: list[Claim] = [
    Claim("fpga-ftrans-model-size", "fpga",
          "encoder weight storage, dense over block-circulant (block 16, every linear), BERT-base",
          16.0, "1", "[FTRANS20, abstract] ('reduces model size by up to 16x')", "restatement",
          lambda: encoder_storage_ratio(16), rel_tol=0.05,
          gap="biases and LayerNorm parameters stay dense, so the ratio is just under the block size"),
]
