"""Domain errors: a stable code, a sentence a scheduler understands, and an HTTP status.

Services raise these; the API's exception handler renders them in the one error shape
of API.md, and the pages show `detail`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any


class DomainError(Exception):
    code = "error"
    status_code = 400

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        eligible_from: dt.date | None = None,
        violations: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.eligible_from = eligible_from
        self.violations = violations
        self.extra = extra or {}

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "detail": self.detail}
        if self.eligible_from is not None or self.violations is not None:
            body["eligible_from"] = self.eligible_from.isoformat() if self.eligible_from else None
        if self.violations is not None:
            body["violations"] = self.violations
        body.update(self.extra)
        return body


class Conflict(DomainError):
    status_code = 409


class Unprocessable(DomainError):
    status_code = 422
