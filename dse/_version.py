"""The one version number of the ``dse-pi`` distribution.

``pyproject.toml`` reads it (``[tool.setuptools.dynamic] version``) and :mod:`dse` re-exports it as
``dse.__version__``; change it here only. Record each release in ``CHANGELOG.md``.
"""

from __future__ import annotations

__version__ = "0.1.0"
