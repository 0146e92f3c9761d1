"""Errors of the level engine.

Plain exceptions (not `api.errors.AppError`): this package is pure computation and must not depend on the HTTP layer.
`LevelsError` is bad input the caller can fix (a route maps it to 422); `CriteriaError` is a broken criteria file,
a bug in the shipped data rather than in the user's request.
"""

from __future__ import annotations

from api.domain_errors import DomainError


class LevelsError(DomainError):
    """Bad input to the level engine (a route maps it to 422)."""


class CriteriaError(RuntimeError):
    """The criteria data is inconsistent; the message names the entry and the field."""
