"""The one error type of the pure engines (経審, levels, reports, tariffs): bad input with a stable machine `code`,
a human `message` and the offending input `field`. It does not depend on the HTTP layer; api/error_handlers.py
renders every subclass as 422."""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, field={self.field!r})"
