"""API responses that show patients' data, noted for the read audit (clinic.read_audit).

A view names the patients from what it already holds, the serialized rows or a case's
`patient_id`, never with a query per row; the middleware then writes one `read` event for
the whole response and marks it `no-store`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rest_framework import status as http_status
from rest_framework.request import Request
from rest_framework.response import Response

from clinic.models import Patient
from clinic.read_audit import shown


def patients_in(rows: Iterable[Mapping[str, Any]], key: str = "patient") -> list[int]:
    """The patient ids of serialized rows (`key` names the field holding the id)."""
    return [row[key] for row in rows]


def showing(
    request: Request,
    patients: Iterable[int | Patient | None],
    data: Any,
    status: int = http_status.HTTP_200_OK,
) -> Response:
    """Answer `data`, noting that it shows these patients."""
    shown(request, patients)
    return Response(data, status=status)
