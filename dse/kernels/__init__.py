"""Functional-kernel registry: pluggable numpy + torch implementations used by training hooks.

A kernel is a :class:`KernelSpec` exposed through the ``dse.kernels`` entry-point group (built-ins
included). ``get("poly2")`` returns it; ``names()`` lists what exists. Each spec has

* ``numpy(x, **params)`` - reference implementation on numpy arrays;
* ``torch(x, **params)`` - autograd-friendly implementation on torch tensors (``None`` if absent);
* ``module(**params)`` - a ``torch.nn.Module`` factory when the kernel has trainable state;

Random kernels take ``rng`` (a ``numpy.random.Generator``) in numpy and ``generator`` (a
``torch.Generator``) in torch: no global random state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..registry import kernels as _registry

__all__ = ["KernelSpec", "get", "names"]


@dataclass(frozen=True)
class KernelSpec:
    name: str
    numpy: Callable[..., Any]
    torch: Callable[..., Any] | None = None
    module: Callable[..., Any] | None = None
    doc: str = ""
    source: str = ""


def get(name: str) -> KernelSpec:
    """The kernel registered as ``name`` (UnknownNameError lists the registered ones)."""
    return _registry.get(name)


def names() -> list[str]:
    return _registry.names()
