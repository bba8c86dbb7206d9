"""Functional-kernel registry: pluggable numpy + torch implementations used by training hooks.

A kernel is a :class:`KernelSpec` exposed through the ``dse.kernels`` entry-point group (built-ins
included). ``get("poly2")`` returns it; ``names()`` lists what exists.

This package *is* the kernel registry: ``dse.kernels`` (the attribute of :mod:`dse`) is this
module whether or not a submodule such as :mod:`dse.kernels.builtin` has been imported (Python
sets the attribute to the subpackage on that import), and it offers the
:class:`~dse.registry.Registry` interface (``get``, ``names``, ``entries``, ``register``,
``unregister``, ``kind``, ``group``) by delegating to ``dse.registry.kernels``. Each spec has

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

__all__ = ["KernelSpec", "entries", "get", "group", "kind", "names", "register", "unregister"]

kind = _registry.kind
group = _registry.group


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


def entries() -> list[Any]:
    """Every registered kernel with its availability and, when unavailable, why."""
    return _registry.entries()


def register(name: str, obj: Any) -> None:
    """Register ``obj`` under ``name`` in this process (tests, notebooks)."""
    _registry.register(name, obj)


def unregister(name: str) -> None:
    _registry.unregister(name)
