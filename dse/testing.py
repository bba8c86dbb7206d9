"""Conformance kit: the checks every registered cost model must pass.

Use it two ways:

* ``tests/dse/test_conformance.py`` runs :func:`run_all` on every model in the registry, using the
  model's ``example_workloads`` and ``example_params`` class attributes;
* plug-in authors subclass :class:`CostModelConformance` in their own test suite (the idea is
  Optuna's ``optuna.testing.pytest_samplers``).

Checks: registered and contract attributes declared; deterministic; a batch equals a loop of
single points; ``layers=False`` gives the same totals; metrics finite and non-negative on feasible points, every name with an SI unit;
per-layer arrays shaped ``(N, L)``; infeasible corners masked, not raised, and keeping their computed
metrics (never a zeroed row); numpy and torch give the
same numbers (when torch is installed); autograd matches finite differences for ``grad`` models
(scalar ``grad_knobs``, and array-valued inputs a model declares with ``grad_relaxations(workload)``);
every row a search reports (sweep, Optuna, Pyomo) on a randomly restricted sub-space equals a
``whatif`` of the design it is labelled with, metric by metric (``search_matches_whatif``).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .metrics import to_numpy, unit_of
from .model import CAPABILITIES, CostModel
from .space import Design

__all__ = ["CostModelConformance", "run_all", "CHECKS", "example_cases", "check_array_gradients",
           "check_search_matches_whatif", "random_subspace", "whatif_row"]

RTOL = 1e-9


def _designs(model: CostModel, n: int, seed: int) -> Design:
    return model.space.sample(n, seed)


def check_contract(model: CostModel, workload: Any, seed: int = 0) -> None:
    """Class attributes present; capabilities known; ``__init__`` stored the fixed knobs verbatim."""
    cls = type(model)
    assert cls.name, "model has no name"
    assert cls.version, f"{cls.name}: no version"
    assert set(cls.capabilities) <= CAPABILITIES, f"{cls.name}: unknown capabilities {set(cls.capabilities) - CAPABILITIES}"
    assert "batch" in cls.capabilities, f"{cls.name}: every model must support batched evaluation"
    assert len(cls.space) > 0, f"{cls.name}: empty design space"
    for k in cls.space:
        k.validate([k.default])  # defaults are legal values
    clone = cls(**model.fixed)
    assert clone.fixed == model.fixed


def check_deterministic(model: CostModel, workload: Any, seed: int = 0) -> None:
    d = _designs(model, 8, seed)
    a, b = model.evaluate(workload, d).numpy(), model.evaluate(workload, d).numpy()
    for k in a.totals:
        np.testing.assert_array_equal(a.totals[k], b.totals[k], err_msg=f"{model.name}: {k} not deterministic")
    np.testing.assert_array_equal(a.reason, b.reason)


def check_batch_equals_loop(model: CostModel, workload: Any, seed: int = 0) -> None:
    d = _designs(model, 6, seed + 1)
    batch = model.evaluate(workload, d).numpy()
    for i in range(d.n):
        single = model.evaluate(workload, d.take(slice(i, i + 1))).numpy()
        for k in batch.totals:
            np.testing.assert_allclose(single.totals[k][0], batch.totals[k][i], rtol=RTOL, atol=0,
                                       err_msg=f"{model.name}: {k} differs between batch and single")
        for k in batch.layers:
            np.testing.assert_allclose(single.layers[k][0], batch.layers[k][i], rtol=RTOL, atol=0,
                                       err_msg=f"{model.name}: layer {k} differs between batch and single")
        assert single.reason_of(0) == batch.reason_of(i)


def check_totals_only(model: CostModel, workload: Any, seed: int = 0) -> None:
    """``evaluate(..., layers=False)`` (the sweep's call) gives the same totals, feasibility and
    reasons as a full evaluation, and no per-layer arrays."""
    d = _designs(model, 8, seed + 5)
    full, tot = model.evaluate(workload, d).numpy(), model.evaluate(workload, d, layers=False).numpy()
    assert tot.layers == {}, f"{model.name}: layers=False returned per-layer arrays"
    assert set(tot.totals) == set(full.totals), f"{model.name}: layers=False changed the set of totals"
    for k in full.totals:
        np.testing.assert_array_equal(tot.totals[k], full.totals[k], err_msg=f"{model.name}: {k} differs with layers=False")
    np.testing.assert_array_equal(tot.feasible, full.feasible)
    np.testing.assert_array_equal(tot.reason, full.reason)


def check_metrics_sane(model: CostModel, workload: Any, seed: int = 0) -> None:
    d = _designs(model, 32, seed + 2)
    m = model.evaluate(workload, d).numpy()
    assert m.feasible.shape == (d.n,) and m.reason.shape == (d.n,)
    assert not np.any(m.feasible & (m.reason != 0)), "feasible points must have reason code 0"
    assert np.all(m.feasible | (m.reason != 0)), "infeasible points need a reason"
    n_layers = len(m.layer_names)
    clash = set(m.totals) & set(model.space.names)
    assert not clash, f"{model.name}: metrics named like knobs {sorted(clash)} (a result table row would mislabel its design)"
    for k, v in m.totals.items():
        unit_of(k, model.metric_units)
        assert v.shape == (d.n,), f"{model.name}: total {k} has shape {v.shape}, expected ({d.n},)"
        ok = v[m.feasible]
        assert np.all(np.isfinite(ok)), f"{model.name}: total {k} not finite on a feasible point"
        assert np.all(ok >= 0), f"{model.name}: total {k} negative on a feasible point"
    for k, v in m.layers.items():
        unit_of(k, model.metric_units)
        assert v.shape == (d.n, n_layers), f"{model.name}: layer metric {k} has shape {v.shape}, expected ({d.n}, {n_layers})"
        ok = v[m.feasible]
        assert np.all(np.isfinite(ok)) and np.all(ok >= 0), f"{model.name}: layer metric {k} not finite/non-negative"
    if n_layers:
        assert len(m.layer_kinds) in (0, n_layers)


def check_infeasible_keeps_metrics(model: CostModel, workload: Any, seed: int = 0) -> None:
    """An infeasible point keeps its computed metrics (NaN where one cannot exist), never zeros put in
    by a mask: no metric that is positive on every feasible point of a sample is zero on every
    infeasible one, and no infeasible point has all such metrics zero."""
    d = model.space.sample(256, seed + 6)
    m = model.evaluate(workload, d).numpy()
    bad = ~m.feasible
    if int(bad.sum()) < 2 or not m.feasible.any():
        return
    positive = [k for k, v in m.totals.items() if np.all(v[m.feasible] > 0)]
    if not positive:
        return
    zero = np.stack([m.totals[k][bad] == 0 for k in positive], axis=1)
    masked = [k for k, col in zip(positive, zero.T) if col.all()]
    assert not masked, (f"{model.name}: {', '.join(masked)} zero on every infeasible point but positive on every "
                        "feasible one; keep the computed values (NaN where none exists)")
    rows = np.flatnonzero(zero.all(axis=1))
    if rows.size:
        i = int(np.flatnonzero(bad)[rows[0]])
        raise AssertionError(f"{model.name}: infeasible point {d.point(i)} ({m.reason_of(i)}) has every metric "
                             f"zeroed ({', '.join(positive)}); keep the computed values, NaN where none exists")


def check_corners_masked_not_raised(model: CostModel, workload: Any, seed: int = 0) -> None:
    """Extreme corners of the space evaluate without exceptions (infeasible ones are masked)."""
    space = model.space
    size = space.size({k.name: 2 for k in space})
    n = int(min(size, 256))
    idx = np.random.default_rng(seed).choice(int(size), size=n, replace=False) if size > 256 else np.arange(n)
    parts = [space.grid_design(int(i), int(i) + 1, {k.name: 2 for k in space}) for i in np.sort(idx)]
    from .space import concat_designs

    d = concat_designs(parts)
    m = model.evaluate(workload, d).numpy()
    assert m.feasible.shape == (d.n,)


def check_torch_matches_numpy(model: CostModel, workload: Any, seed: int = 0) -> None:
    import torch

    d = _designs(model, 8, seed + 3)
    ref = model.evaluate(workload, d).numpy()
    td = Design(d.space, {k: torch.as_tensor(np.asarray(v)) for k, v in d.items()}, d.n)
    got = model.evaluate(workload, td)
    for k, v in got.totals.items():
        assert isinstance(v, torch.Tensor), f"{model.name}: total {k} is not a torch tensor under torch inputs"
    got = got.numpy()
    for k in ref.totals:
        f = ref.feasible
        np.testing.assert_allclose(got.totals[k][f], ref.totals[k][f], rtol=1e-7, atol=1e-12,
                                   err_msg=f"{model.name}: {k} differs between numpy and torch")
    np.testing.assert_array_equal(got.reason, ref.reason)


def check_gradients(model: CostModel, workload: Any, seed: int = 0) -> None:
    """For ``grad`` models: autograd of each total w.r.t. ``grad_knobs`` matches central differences."""
    import torch

    if "grad" not in model.capabilities:
        return
    knobs = getattr(model, "grad_knobs", ())
    assert knobs, f"{model.name}: declares 'grad' but no grad_knobs"
    target = getattr(model, "grad_metric", "latency_s")
    d = _designs(model, 4, seed + 4)
    base = {k: np.asarray(v) for k, v in d.items()}
    for knob in knobs:
        k: Any = model.space[knob]  # a numeric knob (Int/Float: low, high)
        x0 = np.clip(base[knob].astype(np.float64), k.low + 1e-3 * (k.high - k.low), k.high - 1e-3 * (k.high - k.low))
        t = {n: torch.as_tensor(v) for n, v in base.items()}
        t[knob] = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
        out = model.evaluate(workload, Design(d.space, t, d.n)).totals[target]
        (grad,) = torch.autograd.grad(out.sum(), t[knob])
        h = 1e-6 * max(1.0, float(k.high - k.low))
        lo = d.with_arrays(**{knob: x0 - h})
        hi = d.with_arrays(**{knob: x0 + h})
        fd = (to_numpy(model.evaluate(workload, hi).totals[target]) - to_numpy(model.evaluate(workload, lo).totals[target])) / (2 * h)
        exists = np.isfinite(fd)  # an infeasible point's metric may be NaN (it cannot exist)
        grad, fd = grad.numpy()[exists], fd[exists]
        if not fd.size:
            continue
        np.testing.assert_allclose(grad, fd, rtol=1e-4, atol=1e-9 * max(1.0, float(np.abs(fd).max())),
                                   err_msg=f"{model.name}: d{target}/d{knob} autograd vs finite differences")
    # array-valued relaxations (per-site gate probabilities...): model.grad_relaxations(workload)
    # returns {name: (fn, x0)}, fn mapping a float64 array (numpy or torch) to an array
    hook = getattr(model, "grad_relaxations", None)
    if callable(hook):
        for name, (fn, x0) in hook(workload).items():
            check_array_gradients(fn, x0, name=f"{model.name}: {name}")


def check_array_gradients(fn: Callable[[Any], Any], x0: Any, *, name: str = "", rtol: float = 1e-4,
                          h: float = 1e-6) -> np.ndarray:
    """Autograd of ``sum(fn(x))`` at ``x0`` against central differences, element by element.

    ``fn`` must accept numpy and torch float64 arrays of ``x0``'s shape (array-API code does);
    ``x0`` should sit away from kinks by more than ``h``. Returns the autograd gradient.
    """
    import torch

    x0 = np.asarray(x0, dtype=np.float64)
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    out = fn(x)
    (grad,) = torch.autograd.grad(out.sum(), x)
    fd = np.zeros_like(x0)
    for i in np.ndindex(x0.shape):
        hi, lo = x0.copy(), x0.copy()
        hi[i] += h
        lo[i] -= h
        fd[i] = (float(np.sum(to_numpy(fn(hi)))) - float(np.sum(to_numpy(fn(lo))))) / (2 * h)
    np.testing.assert_allclose(grad.numpy(), fd, rtol=rtol, atol=1e-9 * max(1.0, float(np.abs(fd).max())),
                               err_msg=f"{name}: autograd vs finite differences")
    return grad.numpy()


def random_subspace(space: Any, rng: np.random.Generator, max_points: int = 256) -> dict[str, Any]:
    """A random restriction spec of ``space`` (what ``--grid``/``--range``/``--set`` and a study's
    ``[space]`` table produce): categorical subsets in random order, narrowed numeric ranges,
    fixed knobs. Knobs are fixed until a 2-point-per-range grid has at most ``max_points`` points.
    """
    spec: dict[str, Any] = {}
    for k in space:
        grid = np.asarray(k.grid(4))
        roll = rng.integers(0, 3)
        if k.is_categorical:
            codes = [int(c) for c in np.asarray(k.grid())]
            size = int(rng.integers(1, len(codes) + 1))
            picked = [codes[i] for i in rng.permutation(len(codes))[:size]]
            spec[k.name] = [k.decode(c) for c in picked]
        elif roll == 0 or len(grid) < 2:
            spec[k.name] = [grid[int(rng.integers(0, len(grid)))].item()]
        elif roll == 1 and hasattr(k, "low"):
            lo, hi = sorted(rng.choice(len(grid), size=2, replace=False))
            spec[k.name] = {"low": grid[lo].item(), "high": grid[hi].item()}
        else:
            chosen = rng.choice(len(grid), size=min(2, len(grid)), replace=False)
            spec[k.name] = [grid[i].item() for i in chosen]
    order = list(rng.permutation(len(space.knobs)))
    while space.restrict(spec).size({k.name: 2 for k in space}) > max_points and order:
        k = space.knobs[order.pop()]
        value = spec[k.name]
        if isinstance(value, dict):
            spec[k.name] = [value["low"]]
        else:
            spec[k.name] = [value[0]]
    return spec


def whatif_row(model: CostModel, workload: Any, labels: dict[str, Any]) -> Any:
    """What ``dse whatif`` computes for one labelled design: a fresh model with the same fixed
    parameters, the design built from labels on the model's own (unrestricted) space."""
    fresh = type(model)(**model.fixed)
    design = fresh.space.design({k: [v] for k, v in labels.items()})
    return fresh.evaluate(workload, design).numpy()


def _search_rows(model: CostModel, workload: Any, space: Any, seed: int) -> dict[str, Any]:
    """Run every available search back-end on ``space``; solver name -> its result table."""
    from .problem import Objective, Problem
    from .registry import solvers

    metric = "latency_s" if "latency_s" in model.metric_units else sorted(model.metric_units)[0]
    problem = Problem(model, workload, objectives=(Objective(metric),), space=space, seed=seed)
    sizes = {k.name: 2 for k in space}
    tables = {}
    runs: dict[str, dict[str, Any]] = {
        "sweep": {"grid_sizes": sizes, "keep": "all"},
        "optuna": {"n_trials": 8, "batch_size": 4, "sampler": "random", "seed": seed},
        "pyomo": {"grid_sizes": sizes, "method": "onehot"},
        "gradient": {"seed": seed, "steps": 30, "starts": 2, "grid_sizes": sizes},
    }
    for name, options in runs.items():
        if name not in solvers.names() or (name == "gradient" and "grad" not in model.capabilities):
            continue
        cls = solvers.get(name)
        ok, _ = cls.available()
        if ok:
            tables[name] = cls(**options).solve(problem).table
    return tables


def _same(a: float, b: float) -> bool:
    if np.isnan(a) or np.isnan(b):
        return bool(np.isnan(a) and np.isnan(b))
    return bool(a == b or abs(a - b) <= RTOL * max(abs(a), abs(b)))


def check_search_matches_whatif(model: CostModel, workload: Any, seed: int = 0, draws: int = 3,
                                rows_per_search: int = 12) -> None:
    """Every row a sweep, an Optuna study and a Pyomo run report on a random restricted sub-space
    equals ``whatif`` on the same labelled design: every metric total, feasibility and reason.

    This is the guard against a search that evaluates one design and labels it as another (a
    categorical subset renumbered, a fixed knob dropped, a reason borrowed from another row).
    """
    rng = np.random.default_rng(seed + 7)
    for _ in range(draws):
        spec = random_subspace(model.space, rng, max_points=64)
        space = model.space.restrict(spec)
        for solver, table in _search_rows(model, workload, space, int(rng.integers(0, 2**31))).items():
            if len(table) > rows_per_search:  # a seeded sample of the rows (whatif is one call each)
                table = table.iloc[np.sort(rng.choice(len(table), rows_per_search, replace=False))]
            for _, row in table.iterrows():
                labels = {k.name: row[k.name] for k in model.space}
                for name, value in labels.items():
                    assert name in spec and space[name].validate([value]) is not None, (name, value)
                ref = whatif_row(model, workload, labels)
                where = f"{model.name} via {solver} at {labels} (restriction {spec})"
                for metric, values in ref.totals.items():
                    if metric in row:
                        assert _same(float(row[metric]), float(values[0])), (
                            f"{where}: {metric} = {row[metric]!r} in the search row, "
                            f"{float(values[0])!r} from whatif")
                assert bool(row["feasible"]) == bool(ref.feasible[0]), f"{where}: feasibility differs"
                if not ref.feasible[0]:
                    assert str(row["reason"]) == ref.reason_texts()[0], (
                        f"{where}: reason {row['reason']!r} vs whatif {ref.reason_texts()[0]!r}")


CHECKS: dict[str, Callable[[CostModel, Any, int], None]] = {
    "contract": check_contract,
    "deterministic": check_deterministic,
    "batch_equals_loop": check_batch_equals_loop,
    "totals_only": check_totals_only,
    "metrics_sane": check_metrics_sane,
    "corners_masked": check_corners_masked_not_raised,
    "infeasible_keeps_metrics": check_infeasible_keeps_metrics,
    "torch_matches_numpy": check_torch_matches_numpy,
    "gradients": check_gradients,
    "search_matches_whatif": check_search_matches_whatif,
}


def example_cases(model_cls: type[CostModel]) -> list[tuple[dict, str]]:
    """(fixed params, workload spec) pairs a model declares for conformance runs."""
    params: tuple[dict, ...] = getattr(model_cls, "example_params", ({},))
    workloads = getattr(model_cls, "example_workloads", ("resnet20-cifar",))
    return [(p, w) for p in params for w in workloads]


def run_all(model: CostModel, workload: Any, seed: int = 0, skip: tuple[str, ...] = ()) -> None:
    for name, check in CHECKS.items():
        if name not in skip:
            check(model, workload, seed)


class CostModelConformance:
    """Reusable pytest class: subclass and set ``model_name`` (and ``fixed``, ``workload``)."""

    model_name: str = ""
    fixed: dict = {}
    workload: str = "resnet20-cifar"
    seed: int = 0

    def _case(self):
        from workloads import load

        from .registry import get_model

        return get_model(self.model_name, **self.fixed), load(self.workload)

    def test_contract(self):
        check_contract(*self._case(), self.seed)

    def test_deterministic(self):
        check_deterministic(*self._case(), self.seed)

    def test_batch_equals_loop(self):
        check_batch_equals_loop(*self._case(), self.seed)

    def test_metrics_sane(self):
        check_metrics_sane(*self._case(), self.seed)

    def test_corners_masked(self):
        check_corners_masked_not_raised(*self._case(), self.seed)

    def test_totals_only(self):
        check_totals_only(*self._case(), self.seed)

    def test_search_matches_whatif(self):
        check_search_matches_whatif(*self._case(), self.seed)

    def test_infeasible_keeps_metrics(self):
        check_infeasible_keeps_metrics(*self._case(), self.seed)

    def test_torch_matches_numpy(self):
        import pytest

        pytest.importorskip("torch", reason="torch not installed: numpy/torch agreement not checked")
        check_torch_matches_numpy(*self._case(), self.seed)

    def test_gradients(self):
        import pytest

        pytest.importorskip("torch", reason="torch not installed: gradient check not run")
        check_gradients(*self._case(), self.seed)


def _check_method(name: str) -> Callable[[CostModelConformance], None]:
    def test(self: CostModelConformance) -> None:
        model, workload = self._case()
        CHECKS[name](model, workload, self.seed)

    test.__name__ = f"test_{name}"
    test.__doc__ = f"dse.testing.CHECKS[{name!r}] on the model."
    return test


# One test method per entry of CHECKS, so a subclass (a plug-in's test suite) runs every check the
# kit has, including ones added later; methods written above (torch skips) take precedence.
for _name in CHECKS:
    if not hasattr(CostModelConformance, f"test_{_name}"):
        setattr(CostModelConformance, f"test_{_name}", _check_method(_name))
del _name
