"""Sequence-length distributions for variable-length transformer serving (FPGA family).

A :class:`LengthDistribution` is a probability mass function over integer token counts
``support`` (ascending) with ``probs`` summing to one. Presets:

* ``glue``  - GLUE-like sentence(-pair) classification, truncated at 128 tokens;
* ``squad`` - SQuAD-like question + context, truncated at 384 tokens;
* ``fixed:N`` - every request has N tokens;
* ``lognormal:median=M,sigma=S,max=X[,min=m]`` - a custom discretised lognormal;
* ``hist:PATH`` - an empirical histogram from a CSV with columns ``length,count``.

**The GLUE and SQuAD presets are approximations of published statistics, not dataset
histograms** (no dataset was downloaded). They are discretised lognormals whose tail above the
maximum sequence length is folded onto that maximum (what a tokenizer's truncation does):

* ``glue``: median 32 tokens, sigma 0.6, max 128 -> mean 38 tokens and 70% padding at 128.
  Anchors: Krell et al., "Efficient sequence packing without cross-contamination"
  (arXiv 2107.02027), state that padding is up to 50% of tokens in common NLP datasets and 89%
  for GLUE-CoLA at 128 (CoLA's mean is then ~14 tokens); the GLUE tasks' mean lengths range from
  ~14 (CoLA) to ~70 tokens (RTE), so a task mixture averages ~40 tokens (estimate).
* ``squad``: median 152 tokens, sigma 0.4, max 384 -> mean ~164 tokens (a ~12-token question plus
  a ~150-WordPiece-token paragraph and 3 special tokens; estimate) and ~57% padding at 384, the
  BERT SQuAD max_seq_length (Devlin et al., NAACL 2019, run_squad defaults).

Deterministic: sampling takes an explicit seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dse.errors import DseInputError

__all__ = ["LengthDistribution", "fixed", "lognormal", "empirical", "parse_lengths", "PRESETS",
           "LENGTHS_ALLOWED"]

LENGTHS_ALLOWED = ("glue, squad, fixed:N, lognormal:median=M,sigma=S,max=X[,min=m], "
                   "or hist:PATH (CSV with columns length,count)")


@dataclass(frozen=True)
class LengthDistribution:
    """A pmf over integer sequence lengths (tokens)."""

    name: str
    support: np.ndarray  # int64, ascending, >= 1
    probs: np.ndarray    # float64, sums to 1
    source: str = ""

    def __post_init__(self) -> None:
        s = np.asarray(self.support, dtype=np.int64)
        p = np.asarray(self.probs, dtype=np.float64)
        if s.ndim != 1 or s.shape != p.shape or s.size == 0:
            raise DseInputError("lengths", self.name, "a non-empty support with one probability each")
        if np.any(s < 1) or np.any(np.diff(s) <= 0):
            raise DseInputError("lengths", self.name, "strictly ascending lengths >= 1")
        if np.any(p < 0) or not math.isclose(float(p.sum()), 1.0, rel_tol=1e-9):
            raise DseInputError("lengths", self.name, "non-negative probabilities summing to 1")
        keep = p > 0
        object.__setattr__(self, "support", s[keep])
        object.__setattr__(self, "probs", p[keep] / p[keep].sum())

    # -- summaries -------------------------------------------------------------------------------
    @property
    def max_len(self) -> int:
        return int(self.support[-1])

    @property
    def min_len(self) -> int:
        return int(self.support[0])

    def mean(self) -> float:
        return float(np.dot(self.support, self.probs))

    def cdf(self) -> np.ndarray:
        """P(L <= support[q]) for every support point (last entry exactly 1)."""
        c = np.cumsum(self.probs)
        c[-1] = 1.0
        return c

    def quantile(self, q: float) -> int:
        """Smallest support length whose cdf reaches ``q``."""
        idx = int(np.searchsorted(self.cdf(), q - 1e-12, side="left"))
        return int(self.support[min(idx, len(self.support) - 1)])

    def padding_fraction(self, pad_to: int | None = None) -> float:
        """Share of padded token slots when every sequence is padded to ``pad_to`` (default max)."""
        pad_to = self.max_len if pad_to is None else pad_to
        return 1.0 - self.mean() / pad_to

    def max_of(self, n: int) -> np.ndarray:
        """pmf over ``support`` of the maximum of ``n`` independent lengths: F^n differences."""
        c = self.cdf() ** n
        return np.diff(np.concatenate([[0.0], c]))

    def sample(self, n: int, seed: int) -> np.ndarray:
        """``n`` lengths drawn with ``numpy.random.default_rng(seed)``."""
        rng = np.random.default_rng(seed)
        return rng.choice(self.support, size=int(n), p=self.probs)


def fixed(n: int) -> LengthDistribution:
    if int(n) < 1:
        raise DseInputError("lengths", f"fixed:{n}", "fixed:N with N >= 1")
    return LengthDistribution(f"fixed:{int(n)}", np.array([int(n)]), np.array([1.0]), "constant length")


def lognormal(median: float, sigma: float, max_len: int, min_len: int = 2, name: str = "",
              source: str = "") -> LengthDistribution:
    """Lognormal token counts rounded to integers in ``[min_len, max_len]``; mass above
    ``max_len`` is folded onto ``max_len`` (truncation), mass below ``min_len`` onto ``min_len``."""
    if not (median > 0 and sigma > 0 and 1 <= min_len <= max_len):
        raise DseInputError("lengths", f"lognormal:median={median},sigma={sigma},max={max_len}",
                            "median > 0, sigma > 0 and 1 <= min <= max")
    from scipy.stats import lognorm

    lengths = np.arange(min_len, max_len + 1, dtype=np.int64)
    dist = lognorm(s=sigma, scale=median)
    edges = np.concatenate([[0.0], lengths[:-1] + 0.5, [np.inf]])
    probs = np.diff(dist.cdf(edges))
    label = name or f"lognormal:median={median:g},sigma={sigma:g},max={max_len}"
    return LengthDistribution(label, lengths, probs / probs.sum(), source)


def empirical(lengths: np.ndarray, counts: np.ndarray, name: str = "hist", source: str = "") -> LengthDistribution:
    """A histogram of observed lengths (counts need not be normalised)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    counts = np.asarray(counts, dtype=np.float64)
    order = np.argsort(lengths)
    lengths, counts = lengths[order], counts[order]
    if np.any(counts < 0) or counts.sum() <= 0 or np.unique(lengths).size != lengths.size:
        raise DseInputError("lengths", name, "unique lengths with non-negative counts (total > 0)")
    return LengthDistribution(name, lengths, counts / counts.sum(), source)


PRESETS: dict[str, dict] = {
    "glue": dict(median=32.0, sigma=0.6, max_len=128,
                 source="approximation: lognormal(median 32, sigma 0.6) truncated at 128 tokens; "
                        "mean ~38 tokens; Krell et al. arXiv 2107.02027 (padding up to 50%, "
                        "89% for CoLA at 128) - see module docstring"),
    "squad": dict(median=152.0, sigma=0.4, max_len=384,
                  source="approximation: lognormal(median 152, sigma 0.4) truncated at 384 tokens "
                         "(BERT SQuAD max_seq_length); mean ~164 tokens - see module docstring"),
}


def _kv(spec: str, body: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in filter(None, body.split(",")):
        key, eq, value = item.partition("=")
        try:
            if not eq:
                raise ValueError
            out[key.strip()] = float(value)
        except ValueError:
            raise DseInputError("lengths", spec, LENGTHS_ALLOWED) from None
    return out


def parse_lengths(spec: str | LengthDistribution) -> LengthDistribution:
    """A distribution from its text form (see :data:`LENGTHS_ALLOWED`)."""
    if isinstance(spec, LengthDistribution):
        return spec
    text = str(spec).strip()
    if text in PRESETS:
        p = PRESETS[text]
        return lognormal(p["median"], p["sigma"], p["max_len"], name=text, source=p["source"])
    kind, _, body = text.partition(":")
    if kind == "fixed":
        try:
            return fixed(int(body))
        except ValueError:
            raise DseInputError("lengths", text, LENGTHS_ALLOWED) from None
    if kind == "lognormal":
        kv = _kv(text, body)
        if not {"median", "sigma", "max"} <= set(kv):
            raise DseInputError("lengths", text, LENGTHS_ALLOWED)
        return lognormal(kv["median"], kv["sigma"], int(kv["max"]), int(kv.get("min", 2)), name=text)
    if kind == "hist":
        path = Path(body)
        if not path.is_file():
            raise DseInputError("lengths", text, LENGTHS_ALLOWED, detail="file not found")
        import pandas as pd

        frame = pd.read_csv(path)
        if not {"length", "count"} <= set(frame.columns):
            raise DseInputError("lengths", text, "a CSV with columns length,count")
        return empirical(frame["length"].to_numpy(), frame["count"].to_numpy(), name=text, source=str(path))
    raise DseInputError("lengths", text, LENGTHS_ALLOWED)
