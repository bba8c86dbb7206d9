"""Errors raised at the engine's boundaries.

Every error a user can provoke with bad input is a :class:`DseInputError`: one line that names the
field, the value and what is allowed. The CLI prints it and exits with status 2, no traceback.
"""

from __future__ import annotations

__all__ = ["DseError", "DseInputError", "UnknownNameError", "UnavailableError"]


class DseError(Exception):
    """Base class of every error the engine raises on purpose."""


class DseInputError(DseError, ValueError):
    """Bad input: names the field, the offending value and what is allowed.

    >>> str(DseInputError("rows", 0, "an integer in [1, 4096]"))
    'rows: got 0; allowed: an integer in [1, 4096]'
    """

    def __init__(self, field: str, value: object, allowed: str, *, detail: str | None = None):
        self.field = field
        self.value = value
        self.allowed = allowed
        self.detail = detail
        shown = repr(value) if isinstance(value, str) else str(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        msg = f"{field}: got {shown}; allowed: {allowed}"
        if detail:
            msg += f" ({detail})"
        super().__init__(" ".join(part.strip() for part in msg.splitlines() if part.strip()))  # one line


class UnknownNameError(DseInputError, KeyError):
    """A name (model, workload, solver, kernel, knob) that no registry holds."""

    def __init__(self, kind: str, name: str, available: list[str] | tuple[str, ...]):
        self.kind = kind
        self.available = tuple(sorted(available))
        listed = ", ".join(self.available) if self.available else "(none registered)"
        super().__init__(kind, name, f"one of {listed}")

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.args[0]


class UnavailableError(DseError, RuntimeError):
    """A registered component that cannot run here (missing optional dependency, ...)."""

    def __init__(self, kind: str, name: str, why: str):
        self.kind = kind
        self.name = name
        self.why = why
        super().__init__(f"{kind} {name!r} is unavailable: {why}")
