"""Typed errors of the 経審 computation core.

`KeishinError` is deliberately a plain `Exception` (not `api.errors.AppError`): this package is pure computation and
must not depend on the HTTP layer. The routes map it to 422 with `code` as the machine-readable error and `field` as
the offending input path (e.g. ``technicians[2].industry_codes``).
"""

from __future__ import annotations

from api.domain_errors import DomainError


class KeishinError(DomainError):
    """Input the 経審 rules refuse, with a stable machine `code`, a human `message` and the input `field`."""


class MasterDataError(RuntimeError):
    """The shipped master CSV files are inconsistent: a bug in the data, never the user's input (so not a 422)."""
