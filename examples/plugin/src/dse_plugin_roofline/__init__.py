"""A template ``dse`` plug-in: one toy cost model registered under the ``dse.models`` entry point."""

from __future__ import annotations

from .model import RooflineModel

__all__ = ["RooflineModel"]
