"""Claims of the private-transformer profiles (:mod:`costmodels.mpc.transformer_2pc`): Iron, BOLT
and BumbleBee on BERT-base (128 tokens, 2 parties, server-held weights), against the ratios the
papers publish in their abstracts ([BOLT24]: 10.91x less communication than Iron, 4.8-9.5x faster
across network settings; [BumbleBee25]: one tenth of BOLT's communication, three times faster).

Nothing here is fitted: the profiles are compositions of the structural blocks with the
approximations stated in :mod:`.transformer_2pc`. BOLT's published figures include its word
elimination; ours prices it with :func:`.word_elimination.word_elimination` at 50 % of the tokens
kept after encoder layer 4 (ASSUMPTION fixed before the comparison was run: the cut point of the
BOLT paper was not available here). A speed-up published as a range (4.8-9.5x) is a claim on the
middle of the range with the half-width as tolerance.
"""

from __future__ import annotations

from functools import lru_cache, partial

from dse.claims import Claim

__all__ = ["CLAIMS"]

WE_AFTER, WE_KEEP = 4, 0.5  #: BOLT word elimination as priced here (ASSUMPTION, see above)


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


_NONLIN_GAP = ("our BOLT and BumbleBee are compositions of the generic blocks: every product of two "
               "shares is a Gilboa OT product plus a truncation, the exp approximation is 8 squarings "
               "(CrypTen's default, the papers' constant was not available) and the GELU polynomials "
               "are products and squares of shares; the papers' own protocols for these pieces (mixed "
               "bit widths, fused truncations, cheaper exp) are not modelled, so their non-linear "
               "layers cost 2-10x what the papers report relative to Iron")
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
          gap="ours ~1.9x: " + _NONLIN_GAP + "; BOLT's exp alone costs us ~27 GB"),
    Claim(id="mpc-bolt-iron-speedup-lan", family="mpc",
          what="Iron / BOLT latency on BERT-base, LAN (3 Gbit/s, 0.3 ms)",
          reference=7.15, unit="1", source=BOLT + ": 4.8-9.5x faster across network settings (middle of "
                                          "the range, tolerance = half-width)",
          kind="validation", rel_tol=0.33, compute=partial(_ratio, "iron", "bolt", 1, "lan"),
          gap="ours ~1.4x: the bytes gap above, and compute is OT work units x per-OT time for every "
              "block (no measured BOLT/Iron throughput)"),
    Claim(id="mpc-bolt-iron-speedup-wan", family="mpc",
          what="Iron / BOLT latency on BERT-base, WAN (400 Mbit/s, 40 ms)",
          reference=7.15, unit="1", source=BOLT + ": 4.8-9.5x faster across network settings (middle of "
                                          "the range, tolerance = half-width)",
          kind="validation", rel_tol=0.33, compute=partial(_ratio, "iron", "bolt", 1, "wan"),
          gap="ours ~1.6x, same causes as the LAN claim"),
    Claim(id="mpc-bumblebee-bolt-bytes-ratio", family="mpc",
          what="BOLT / BumbleBee communication on BERT-base",
          reference=10.0, unit="1", source=BEE + ": one tenth of BOLT's communication", kind="validation",
          rel_tol=0.25, compute=partial(_ratio, "bolt", "bumblebee", 0),
          gap="ours ~1.75x: " + _NONLIN_GAP + "; BumbleBee also runs a 64-bit ring (SPU default), "
              "which makes every Gilboa product ~2.8x dearer than at 37 bits"),
    Claim(id="mpc-bumblebee-bolt-speedup-lan", family="mpc",
          what="BOLT / BumbleBee latency on BERT-base, LAN",
          reference=3.0, unit="1", source=BEE + ": three times faster than BOLT", kind="validation",
          rel_tol=0.25, compute=partial(_ratio, "bolt", "bumblebee", 1, "lan"),
          gap="ours ~1.3x: the bytes gap, and BumbleBee's compute is Ferret COTs x 22 ns plus SEAL "
              "PMult per MAC, not SPU's measured throughput"),
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
