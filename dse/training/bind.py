"""Swap a torch model's activation (and max-pool) modules for gated kernels, in workload order.

>>> gates = bind_gates(net, costs, example_input=x[:2])          # PASNet softmax gates
>>> gates = bind_gates(net, costs, gate="gate-ste", example_input=x[:2])   # AutoReP masks

Each activation gate gets the options of its site in ``costs`` (``relu, poly`` or, for costs built
with ``linearise=True``, ``relu, poly, identity``: a three-way softmax gate); a mask gate chooses
per element between ReLU and one replacement, by default the cheapest non-ReLU option of the site
under the costs' protocol (:func:`dse.training.linearise.cheapest_replacement`).

With ``example_input`` the model runs once (no gradient) and the sites are ordered by the order
their modules execute, which is the topological (workload) order; without it, by module
registration order. When ``costs`` (a :class:`SiteCosts`) is given the sites are checked against
it: same count, same kind (activation vs pool) and, with ``example_input``, the same number of
elements per sample. Gate kernels come from the kernel registry (``dse.kernels.get(gate)``).
"""

from __future__ import annotations

from typing import Any, Sequence

from ..errors import DseInputError

__all__ = ["bind_gates", "GateSet"]


def _torch():
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - exercised only without torch
        from ..errors import UnavailableError

        raise UnavailableError("feature", "bind_gates", f"torch is not installed ({exc}); pip install dse-pi[train]") from exc
    return torch


def _set_module(root: Any, path: str, new: Any) -> None:
    parent = root
    *head, last = path.split(".")
    for p in head:
        parent = getattr(parent, p)
    setattr(parent, last, new)


def _make_gateset():
    torch = _torch()

    class GateSet(torch.nn.Module):
        """The gates of one model, in site order: ``probs()``, ``keep()``, ``freeze()``..."""

        def __init__(self, gates: Sequence[Any], names: Sequence[str], paths: Sequence[str]):
            super().__init__()
            self.gates = torch.nn.ModuleList(gates)
            self.names = tuple(names)
            self.paths = tuple(paths)

        def __len__(self) -> int:
            return len(self.gates)

        def __iter__(self):
            return iter(self.gates)

        def __getitem__(self, i):
            return self.gates[i]

        def probs(self) -> list:
            return [g.probs() for g in self.gates]

        def keep(self):
            """Kept (option-0) fraction per site, shape ``(S,)``, differentiable."""
            return torch.stack([g.keep() for g in self.gates])

        def arch_parameters(self) -> list:
            """Gate parameters only (``alpha`` / ``aux``), for a separate optimiser."""
            return [p for g in self.gates for n, p in g.named_parameters(recurse=False)]

        def freeze(self) -> None:
            for g in self.gates:
                g.freeze()

        def choices(self) -> list[str]:
            """Arg-max option per site (softmax gates) or ``relu``/``poly``/``mixed`` (masks)."""
            out = []
            for g in self.gates:
                if hasattr(g, "choice"):
                    out.append(g.choice())
                else:
                    with torch.no_grad():
                        k = float(g.keep())
                    out.append("relu" if k == 1.0 else getattr(g, "replacement", "poly") if k == 0.0 else "mixed")
            return out

    return GateSet


def GateSet(gates: Sequence[Any], names: Sequence[str], paths: Sequence[str]):  # noqa: N802
    """Build a gate container (a ``torch.nn.Module``); see :func:`bind_gates`."""
    return _make_gateset()(gates, names, paths)


def bind_gates(model: Any, costs: Any = None, *, gate: str = "gate-softmax", example_input: Any = None,
               activations: tuple = (), pools: bool | None = None, per_channel: bool = True, seed: int = 0,
               options: Sequence[str] | None = None, replacement: str | Sequence[str] | None = None,
               **gate_params: Any):
    """Replace activation modules (default ``nn.ReLU``) and, when ``pools`` (default: when
    ``costs`` has ``pool2d`` sites), ``nn.MaxPool2d`` modules of ``model`` in place by gates.

    ``gate``: a registered gate kernel (``gate-softmax`` or ``gate-ste``); pools always get a
    softmax gate over (max, avg). Activation options: the site's options in ``costs``, else
    ``options`` (default ``("relu", "poly")``; ``("relu", "poly", "identity")`` for linearisation).
    ``replacement`` (mask gates): ``"poly"``, ``"identity"``, ``"cheapest"`` (per site, the cheaper
    non-ReLU option under ``costs``) or one name per site; default ``"cheapest"`` when the sites
    have an ``identity`` option, else ``"poly"``. ``gate_params`` go to the gate factory
    (``temperature``, ``threshold``, ``poly_init``, ``scale_x2``...). Returns a :class:`GateSet` in
    site order.
    """
    torch = _torch()
    from .. import kernels

    nn = torch.nn
    act_types = tuple(activations) or (nn.ReLU,)
    if pools is None:
        pools = costs is not None and "pool2d" in getattr(costs, "kinds", ())
    found = [(path, m) for path, m in model.named_modules()
             if path and (isinstance(m, act_types) or (pools and isinstance(m, nn.MaxPool2d)))]
    if not found:
        raise DseInputError("model", type(model).__name__, "a torch model with activation modules to gate")
    shapes: dict[str, tuple] = {}
    if example_input is not None:
        calls: list[str] = []
        def record(path: str):
            def hook(mod, inp, out):
                calls.append(path)
                shapes.setdefault(path, tuple(out.shape))
            return hook

        hooks = [m.register_forward_hook(record(p)) for p, m in found]
        was_training = model.training
        try:
            model.eval()
            with torch.no_grad():
                model(example_input)
        finally:
            model.train(was_training)
            for h in hooks:
                h.remove()
        twice = sorted({p for p in calls if calls.count(p) > 1})
        if twice:
            raise DseInputError("model", twice, "one activation module per site (these run more than once; "
                                "give each site its own module)")
        rank = {p: i for i, p in enumerate(calls)}  # modules that never run are not sites
        found = sorted([(p, m) for p, m in found if p in rank], key=lambda t: rank[t[0]])
    if costs is not None:
        if len(found) != len(costs):
            raise DseInputError("model", f"{len(found)} sites ({', '.join(p for p, _ in found)})",
                                f"{len(costs)} sites as in the cost table ({', '.join(costs.names)})")
        for (p, m), kind, name, elems in zip(found, costs.kinds, costs.names, costs.elements):
            is_pool = isinstance(m, nn.MaxPool2d)
            if is_pool != (kind == "pool2d"):
                raise DseInputError(f"site {name}", p, f"a {'max-pool' if kind == 'pool2d' else 'activation'} module")
            if p in shapes:
                n = 1
                for d in shapes[p][1:]:
                    n *= int(d)
                if n != int(elems):
                    raise DseInputError(f"site {name}", f"{p} with {n} elements per sample",
                                        f"{int(elems)} elements as in the workload")
    spec = kernels.get(gate)
    soft = kernels.get("gate-softmax")
    if spec.module is None or soft.module is None:
        raise DseInputError("gate", gate, "a gate kernel with a torch module (e.g. gate-softmax, gate-ste)")
    default = ("relu", "poly", "identity") if gate == "gate-ste" and replacement == "identity" else ("relu", "poly")
    site_opts = [tuple(costs.options[i]) if costs is not None else tuple(options or default)
                 for i in range(len(found))]
    repl = _replacements(replacement, site_opts, costs, [isinstance(m, nn.MaxPool2d) for _, m in found]) \
        if gate == "gate-ste" else [None] * len(found)
    gates, paths = [], []
    for i, (p, m) in enumerate(found):
        shape = shapes.get(p)
        channels = int(shape[1]) if per_channel and shape is not None and len(shape) >= 2 else None
        if isinstance(m, nn.MaxPool2d):
            avg = nn.AvgPool2d(m.kernel_size, m.stride, m.padding)
            g = soft.module(branches=(m, avg), options=("max", "avg"),
                            **{k: v for k, v in gate_params.items() if k in ("temperature", "alpha")})
        elif gate == "gate-ste":
            if shape is None:
                raise DseInputError("example_input", None, "an input batch (mask gates need the activation shapes)")
            g = spec.module(shape=shape[1:], channels=channels, seed=seed + i, replacement=repl[i],
                            options=site_opts[i], **gate_params)
        else:
            g = spec.module(channels=channels, options=site_opts[i], **gate_params)
        _set_module(model, p, g)
        gates.append(g)
        paths.append(p)
    names = tuple(costs.names) if costs is not None else tuple(paths)
    return GateSet(gates, names, paths)


def _replacements(replacement: Any, site_opts: Sequence[tuple], costs: Any, is_pool: Sequence[bool]) -> list:
    """The replacement branch of every mask gate (``None`` for pool sites)."""
    from .linearise import IDENTITY, cheapest_replacement

    n = len(site_opts)
    if replacement is None:
        replacement = "cheapest" if any(IDENTITY in o for o in site_opts) else "poly"
    if isinstance(replacement, str):
        if replacement == "cheapest":
            if costs is None:
                raise DseInputError("replacement", "cheapest", "a cost table (costs=) to compare the options")
            out = list(cheapest_replacement(costs))
        else:
            out = [replacement] * n
    else:
        out = list(replacement)
        if len(out) != n:
            raise DseInputError("replacement", len(out), f"{n} names, one per site")
    for i in range(n):
        if is_pool[i]:
            out[i] = None
        elif out[i] not in site_opts[i][1:]:
            raise DseInputError("replacement", out[i], "one of the site's non-ReLU options " + ", ".join(site_opts[i][1:]))
    return out
