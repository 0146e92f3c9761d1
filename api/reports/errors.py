"""Errors of the report renderers: plain exceptions (this package never imports the HTTP layer); a route maps
`ReportError` to 422 with `code` as the machine-readable reason and `field` as the offending input."""

from __future__ import annotations

from api.domain_errors import DomainError


class ReportError(DomainError):
    """Bad input to a report renderer (a route maps it to 422)."""
