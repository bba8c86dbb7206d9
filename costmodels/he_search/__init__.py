"""CKKS configuration search: FHE-Agent's multi-fidelity workflow without an LLM (issue 5).

Stage 1 static checks (:mod:`.static`), stage 2 the analytic ``costmodels.he`` model ranked by
Optuna (:mod:`.search`, :mod:`.evaluate`), layer-wise repair (:mod:`.repair`) and an optional
TenSEAL-measured stage (:mod:`.measure`); baselines: random, grid and Orion's shipped configs.
See docs/he_search.md.
"""

from __future__ import annotations

from .benchmarks import Benchmark, OrionConfig, benchmark, benchmark_names, orion_config
from .evaluate import KNOBS, Evaluator, config_key
from .precision import (
                     BERNSTEIN,
                     activation_bits,
                     approximated_layers,
                     searchable_workload,
                     with_layer_degrees,
)
from .repair import repair_candidates, repair_depth, repair_memory
from .search import (
                     SearchResult,
                     Trajectory,
                     evals_to_reach,
                     grid_search,
                     multi_fidelity_search,
                     orion_baseline,
                     random_search,
)
from .space import SearchSpace, rule_seeds
from .static import STATIC_REASONS, StaticChecker, StaticResult

__all__ = [
                     "BERNSTEIN",
                     "KNOBS",
                     "STATIC_REASONS",
                     "Benchmark",
                     "Evaluator",
                     "OrionConfig",
                     "SearchResult",
                     "SearchSpace",
                     "StaticChecker",
                     "StaticResult",
                     "Trajectory",
                     "activation_bits",
                     "approximated_layers",
                     "benchmark",
                     "benchmark_names",
                     "config_key",
                     "evals_to_reach",
                     "grid_search",
                     "multi_fidelity_search",
                     "orion_baseline",
                     "orion_config",
                     "random_search",
                     "repair_candidates",
                     "repair_depth",
                     "repair_memory",
                     "rule_seeds",
                     "searchable_workload",
                     "with_layer_degrees",
]
