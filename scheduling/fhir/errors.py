"""FHIR errors: every refusal under /fhir/R4/ is an OperationOutcome, never the API's shape.

The API's own exception handler decides the status and the headers (401 with
`WWW-Authenticate`, 429 with `Retry-After`, 503 for a busy database); this one keeps those
and turns the body into an OperationOutcome, so a FHIR client reads one kind of error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fhir.resources.R4B.operationoutcome import OperationOutcome, OperationOutcomeIssue
from rest_framework import exceptions
from rest_framework.response import Response

from clinic.api.errors import exception_handler as api_exception_handler

# The OperationOutcome issue type (http://hl7.org/fhir/issue-type) for each HTTP status.
_ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    413: "too-costly",
    415: "not-supported",
    422: "processing",
    429: "throttled",
    503: "transient",
}


class FhirError(exceptions.APIException):
    """A refusal of a FHIR request, naming the parameter or element at fault when there is one."""

    def __init__(
        self, status: int, diagnostics: str, *, code: str | None = None, expression: str = ""
    ) -> None:
        super().__init__(detail=diagnostics)
        self.status_code = status
        self.issue_code = code or _ISSUE_CODES.get(status, "processing")
        self.expression = expression


class BadParameter(FhirError):
    def __init__(self, name: str, diagnostics: str) -> None:
        super().__init__(400, f"{name}: {diagnostics}", expression=name)


class NotFound(FhirError):
    def __init__(self, diagnostics: str) -> None:
        super().__init__(404, diagnostics)


def outcome(
    status: int, diagnostics: str, *, code: str = "", expression: str = ""
) -> OperationOutcome:
    issue = OperationOutcomeIssue(
        severity="error",
        code=code or _ISSUE_CODES.get(status, "processing"),
        diagnostics=diagnostics,
        expression=[expression] if expression else None,
    )
    return OperationOutcome(issue=[issue])


def _sentence(data: Any) -> str:
    """The words of an API error body: its `detail`, or DRF's field errors run together."""
    if isinstance(data, Mapping):
        if "detail" in data:
            return str(data["detail"])
        return "; ".join(f"{field}: {_sentence(value)}" for field, value in data.items())
    if isinstance(data, list):
        return " ".join(_sentence(item) for item in data)
    return str(data)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, FhirError):
        body = outcome(
            exc.status_code, str(exc.detail), code=exc.issue_code, expression=exc.expression
        )
        return Response(body, status=exc.status_code)
    response = api_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django logs it and answers 500
    response.data = outcome(response.status_code, _sentence(response.data))
    return response
