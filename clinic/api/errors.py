"""The one error shape of API.md, produced by one exception handler.

Field errors keep DRF's usual shape (400 `{"field": ["message"]}`). Everything else is
`{"code", "detail"}`, plus `eligible_from` and `violations` for rule refusals.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from clinic.db_errors import busy_database
from clinic.errors import DomainError

logger = logging.getLogger(__name__)

# DRF's default codes, renamed where API clients deserve a clearer word.
_CODES = {
    "not_authenticated": "not_authenticated",
    "authentication_failed": "authentication_failed",
    "permission_denied": "permission_denied",
    "not_found": "not_found",
    "method_not_allowed": "method_not_allowed",
    "not_acceptable": "not_acceptable",
    "unsupported_media_type": "unsupported_media_type",
    "parse_error": "malformed_request",
    "throttled": "too_many_attempts",
    "too_large": "too_large",
}


class TooManyAttempts(exceptions.APIException):
    """A locked-out sign-in (clinic.lockout): 429 with the lock's own body."""

    status_code = 429
    default_code = "too_many_attempts"

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(detail=body["detail"], code=self.default_code)
        self.body = body


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        # A model validator raised below the serializer: still a field error, not a 500.
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if (busy := busy_database(exc)) is not None:
        answer = Response(
            {"code": busy.code, "detail": busy.detail, "retry_after": busy.retry_after},
            status=busy.status,
        )
        answer["Retry-After"] = str(busy.retry_after)
        return answer
    if isinstance(exc, DataError):
        # A value the database cannot hold (an out-of-range number, say): the input is wrong.
        # The error text can quote the value typed, which may be a patient's: log its kind only.
        logger.info("Rejected input the database cannot store (%s)", type(exc).__name__)
        exc = exceptions.ValidationError({"non_field_errors": ["A value is out of range."]})
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, TooManyAttempts):
        response.data = exc.body
        response["Retry-After"] = str(exc.body["retry_after"])
        return response
    if isinstance(exc, exceptions.Throttled):
        wait = max(1, math.ceil(getattr(exc, "wait", None) or 1))
        response.data = {
            "code": "too_many_attempts",
            "detail": f"Too many requests from this account: try again in {wait} seconds.",
            "retry_after": wait,
        }
        response["Retry-After"] = str(wait)
        return response
    if isinstance(exc, exceptions.ValidationError):
        return response  # DRF's field-error shape, as API.md promises.

    assert isinstance(exc, exceptions.APIException)
    default_code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
    code = _CODES.get(str(default_code), str(default_code))
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    response.data = {"code": code, "detail": str(detail)}
    return response


class ErrorSerializer(serializers.Serializer):
    """The body of every non-field error, for the OpenAPI schema."""

    code = serializers.CharField()
    detail = serializers.CharField()


class TooManyAttemptsSerializer(ErrorSerializer):
    """429: a locked sign-in or a client over its rate; `retry_after` in seconds."""

    retry_after = serializers.IntegerField()


class ViolationSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    eligible_from = serializers.DateField(allow_null=True)
    proof_due = serializers.DateField(
        required=False,
        help_text="outcome_pending on relief that must last: the date from which a follow-up "
        "could prove it.",
    )
    eligible_at = serializers.DateTimeField(
        required=False,
        help_text="Hour-long holds and contrast premedication (hours counted from now): the "
        "first start that works on `eligible_from`.",
    )


class RefusalSerializer(ErrorSerializer):
    """A rule refusal: every violation, and the date from which waiting cures them all."""

    eligible_from = serializers.DateField(allow_null=True)
    eligible_at = serializers.DateTimeField(
        required=False,
        help_text="When hours counted from now decide `eligible_from`: the first start that "
        "works on that day.",
    )
    violations = ViolationSerializer(many=True)
