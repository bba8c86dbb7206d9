"""Claims of the private-transformer profiles (:mod:`costmodels.mpc.transformer_2pc`): Iron, BOLT
and BumbleBee on BERT-base (128 tokens, 2 parties, server-held weights), against the ratios the
papers publish in their abstracts ([BOLT24]: 10.91x less communication than Iron, 4.8-9.5x faster
across network settings; [BumbleBee25]: one tenth of BOLT's communication, three times faster).

Nothing here is fitted: the profiles are compositions of the structural blocks following the
papers' code (:mod:`.transformer_nl`). BOLT's published figures include its word elimination;
ours prices it with :func:`.word_elimination.word_elimination` at 50 % of the tokens kept after
encoder layer 1, as BOLT's code prunes (``prune && layer_id == 0`` in ``bert.cpp``,
``NonLinear::pruning`` keeps the top half [BOLT24-code]); the pruning's own bitonic sort is not
priced. The two absolute totals (Iron 280.99 GB, BOLT 25.74 GB) are BOLT's BERT-base
end-to-end figures whose ratio is the abstract's 10.91x. A speed-up published as a range
(4.8-9.5x) is a claim on the middle of the range with the half-width as tolerance.
"""

from __future__ import annotations

from functools import lru_cache, partial

from dse.claims import Claim

__all__ = ["CLAIMS"]

WE_AFTER, WE_KEEP = 1, 0.5  #: BOLT word elimination: half the tokens kept after encoder layer 1 ([BOLT24-code])


@lru_cache(maxsize=16)
def _bert(protocol: str, network: str) -> tuple[float, float]:
    """(bytes, latency s) of BERT-base under ``protocol``; BOLT with its word elimination."""
    from .word_elimination import word_elimination

    if protocol == "bolt":
        t = word_elimination("bolt", after=WE_AFTER, keep=WE_KEEP, network=network)
    else:
        t = word_elimination(protocol, after=12, network=network)
    return t["comm_bytes"], t["latency_s"]


def _ratio(a: str, b: str, what: int, network: str = "lan") -> float:
    return _bert(a, network)[what] / _bert(b, network)[what]


_IRON_GAP = ("Iron has no public code: ours is BOLT's re-implementation of it (SiRNN tanh GELU, SiRNN "
             "exp and a division per softmax element, LayerNorm with a shared weight, Q K^T and A V "
             "by SCI's OT matrix product); BOLT's Iron run computes the weight products in the clear "
             "(linear_*_plain), so the HE bytes of Iron's weight products are ours (Cheetah-style "
             "coefficient packing, ~10 GB) and may be below what BOLT added for them; SiRNN's division "
             "and 1/sqrt are priced without Newton iterations (sirnn.div, iters = 0)")


def _bytes(protocol: str) -> float:
    return _bert(protocol, "lan")[0]


@lru_cache(maxsize=1)
def _crypten_pieces() -> dict:
    """Live CrypTen counters of the transformer pieces (fresh interpreter: CrypTen forks)."""
    import json
    import subprocess
    import sys

    from dse.claims import REPO

    code = (f"import json, sys; sys.path.insert(0, {str(REPO)!r}); "
            "from costmodels.mpc.calibrate import measure_transformer_pieces; "
            "print(json.dumps(measure_transformer_pieces(16, 32, 0)))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=REPO)
    if run.returncode != 0:
        raise RuntimeError(run.stderr.strip()[-500:])
    return json.loads(run.stdout.strip().splitlines()[-1])


def _ours_crypten(piece: str) -> float:
    """Our CrypTen profile's bytes for a 16 x 32 tensor over the live measurement."""
    from .protocols import CrypTen

    p = CrypTen()
    ours = {"softmax": lambda: p.softmax(16, 32, n=2, shared=False),
            "sigmoid": lambda: p.nonlin(512, "sigmoid", n=2, shared=False),
            "gelu": lambda: p.nonlin(512, "gelu", n=2, shared=False),
            "layernorm": lambda: p.layernorm(16, 32, n=2, shared=False)}[piece]().online_bytes
    return ours / _crypten_pieces()[piece]["wire_bytes"]


def _crypten_available() -> tuple[bool, str]:
    from .calibrate import crypten_unavailable_reason

    why = crypten_unavailable_reason()
    return (not why, why)


BOLT = "[BOLT24, abstract] BERT-base; Iron [Iron22] as the baseline"
BEE = "[BumbleBee25, abstract] BERT-base; BOLT [BOLT24] as the baseline"

CLAIMS: list[Claim] = [
    Claim(id="mpc-bolt-iron-bytes-ratio", family="mpc",
          what="Iron / BOLT communication on BERT-base (BOLT with word elimination)",
          reference=10.91, unit="1", source=BOLT + ": 10.91x less communication", kind="validation",
          rel_tol=0.25, compute=partial(_ratio, "iron", "bolt", 0),
          gap="ours ~8.6x: BOLT's total is within 10 % (claim mpc-bolt-bert-bytes), Iron's is 0.71x of "
              "the published one: " + _IRON_GAP),
    Claim(id="mpc-bolt-bert-bytes", family="mpc",
          what="BOLT total communication on BERT-base, 128 tokens, with word elimination",
          reference=25.74e9, unit="B", source="[BOLT24] BERT-base end-to-end communication (25.74 GB; "
                                              "280.99 / 25.74 = the abstract's 10.91x)",
          kind="validation", rel_tol=0.25, compute=partial(_bytes, "bolt")),
    Claim(id="mpc-iron-bert-bytes", family="mpc",
          what="Iron total communication on BERT-base, 128 tokens, as BOLT measured it",
          reference=280.99e9, unit="B", source="[BOLT24] BERT-base end-to-end communication of Iron "
                                               "(280.99 GB; BOLT's baseline run)",
          kind="validation", rel_tol=0.25, compute=partial(_bytes, "iron"),
          gap="ours ~201 GB: " + _IRON_GAP),
    Claim(id="mpc-bolt-iron-speedup-lan", family="mpc",
          what="Iron / BOLT latency on BERT-base, LAN (3 Gbit/s, 0.3 ms)",
          reference=7.15, unit="1", source=BOLT + ": 4.8-9.5x faster across network settings (middle of "
                                          "the range, tolerance = half-width)",
          kind="validation", rel_tol=0.33, compute=partial(_ratio, "iron", "bolt", 1, "lan"),
          gap="ours ~4.0x: Iron's bytes gap (claim mpc-iron-bert-bytes), and compute is OT work units "
              "x a per-OT time calibrated on SCI's ReLU for every block (no measured BOLT/Iron throughput)"),
    Claim(id="mpc-bolt-iron-speedup-wan", family="mpc",
          what="Iron / BOLT latency on BERT-base, WAN (400 Mbit/s, 40 ms)",
          reference=7.15, unit="1", source=BOLT + ": 4.8-9.5x faster across network settings (middle of "
                                          "the range, tolerance = half-width)",
          kind="validation", rel_tol=0.33, compute=partial(_ratio, "iron", "bolt", 1, "wan"),
          gap="ours ~5.6x, same causes as the LAN claim"),
    Claim(id="mpc-bumblebee-bolt-bytes-ratio", family="mpc",
          what="BOLT / BumbleBee communication on BERT-base",
          reference=10.0, unit="1", source=BEE + ": one tenth of BOLT's communication", kind="validation",
          rel_tol=0.25, compute=partial(_ratio, "bolt", "bumblebee", 0),
          gap="ours ~4.5x (BumbleBee ~5.2 GB, BOLT 23.4 GB): the 1/sqrt and reciprocal rows are SiRNN's at 64 bits "
              "(SPU's own reciprocal/rsqrt not read), the matrix products keep the ASSUMED N = 8192 "
              "{60, 60, 60} parameters rather than BumbleBee's own, and which BOLT total (with or "
              "without word elimination) the abstract compares with is not stated there (against our "
              "BOLT without word elimination, 47.9 GB, the ratio would be 9.2x; the claim keeps the "
              "word-eliminated BOLT fixed beforehand)"),
    Claim(id="mpc-bumblebee-bolt-speedup-lan", family="mpc",
          what="BOLT / BumbleBee latency on BERT-base, LAN",
          reference=3.0, unit="1", source=BEE + ": three times faster than BOLT", kind="validation",
          rel_tol=0.25, compute=partial(_ratio, "bolt", "bumblebee", 1, "lan"),
          gap="ours ~1.75x: the bytes gap, and BumbleBee's compute is Ferret COTs x 22 ns plus one SEAL "
              "plaintext product per OLE coefficient (a lower bound), not SPU's measured throughput"),
] + [
    Claim(id=f"mpc-crypten-{piece}-live", family="mpc",
          what=f"CrypTen profile {piece} bytes on a 16 x 32 tensor / CrypTen's live counter",
          reference=1.0, unit="1",
          source="CrypTen 0.4.1 [CrypTen21] communication counters, 2 processes: "
                 "costmodels.mpc.calibrate.measure_transformer_pieces(16, 32, 0)",
          kind="peer", rel_tol=0.05, compute=partial(_ours_crypten, piece), requires=("crypten",),
          available=_crypten_available, slow=True)
    for piece in ("softmax", "sigmoid", "gelu", "layernorm")
]
