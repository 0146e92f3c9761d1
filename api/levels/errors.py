"""Errors of the level engine.

Plain exceptions (not `api.errors.AppError`): this package is pure computation and must not depend on the HTTP layer.
`LevelsError` is bad input the caller can fix (a route maps it to 422); `CriteriaError` is a broken criteria file,
a bug in the shipped data rather than in the user's request.
"""

from __future__ import annotations


class LevelsError(Exception):
    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"LevelsError(code={self.code!r}, message={self.message!r}, field={self.field!r})"


class CriteriaError(RuntimeError):
    """The criteria data is inconsistent; the message names the entry and the field."""
