"""Errors of the report renderers: plain exceptions (this package never imports the HTTP layer); a route maps
`ReportError` to 422 with `code` as the machine-readable reason and `field` as the offending input."""

from __future__ import annotations


class ReportError(Exception):
    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"ReportError(code={self.code!r}, message={self.message!r}, field={self.field!r})"
