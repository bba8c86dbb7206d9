"""dse: cost models and design-space exploration for private and accelerated NN inference.

The one flow: ``Workload -> Design (N points) -> CostModel.evaluate -> Metrics -> ResultTable``.
"""

from __future__ import annotations

from . import kernels  # the kernel registry (a package so `import dse.kernels.builtin` keeps it; see its docstring)
from ._version import __version__
from .errors import DseError, DseInputError, UnavailableError, UnknownNameError
from .metrics import Feasibility, Metrics, unit_of
from .model import CAPABILITIES, CostModel, Param
from .registry import calibrators, commands, get_model, make_model, models, solvers
from .space import Categorical, Constraint, Design, DesignSpace, Float, Int, Pow2
from .units import parse_quantity

__all__ = [
    "CAPABILITIES", "Categorical", "Constraint", "CostModel", "Design", "DesignSpace", "DseError",
    "DseInputError", "Feasibility", "Float", "Int", "Metrics", "Param", "Pow2", "UnavailableError",
    "UnknownNameError", "calibrators", "commands", "get_model", "kernels", "make_model", "models", "parse_quantity",
    "solvers", "unit_of", "__version__",
]
