"""Array namespace selection (array-API): numpy in searches, torch in training, same lines.

Cost models call :func:`namespace` on their design arrays and then use only array-API functions
(``xp.where``, ``xp.maximum``, ``xp.sum``...). Workload constants are moved into the namespace with
:func:`constant`. Operations whose gradient needs a choice (ceil, max, top-k) live in :mod:`dse.ops`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from array_api_compat import array_namespace, is_torch_array

__all__ = ["namespace", "constant", "is_torch", "float_dtype"]


def namespace(*arrays: Any) -> Any:
    """The array-API namespace of ``arrays`` (numpy's compat namespace for plain lists/scalars)."""
    arrs = [a for a in arrays if hasattr(a, "shape") and not isinstance(a, (int, float))]
    if not arrs:
        return array_namespace(np.zeros(0))
    return array_namespace(*arrs)


def is_torch(x: Any) -> bool:
    return is_torch_array(x)


def float_dtype(xp: Any) -> Any:
    return xp.float64


def constant(xp: Any, values: Any, *, like: Any = None, dtype: Any = None) -> Any:
    """``values`` (numbers or a numpy array) as a float64 array of namespace ``xp``.

    With ``like`` (a torch tensor), the constant lands on the same device.
    """
    dtype = xp.float64 if dtype is None else dtype
    device = getattr(like, "device", None) if like is not None and is_torch_array(like) else None
    arr = np.asarray(values)
    if is_torch_array(like):
        import torch

        return torch.as_tensor(arr, dtype=dtype, device=device)  # a constant: no autograd history
    return xp.asarray(arr, dtype=dtype)
