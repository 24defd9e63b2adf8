"""What every FHIR view shares: the API's sign-in and roles, FHIR JSON out, FHIR errors.

The views are DRF views, so token and session authentication, `allowed_roles`, throttling
and the read audit work exactly as in the API. They differ in what they answer: the body is
a `fhir.resources` model rendered as `application/fhir+json`, errors are OperationOutcomes,
and drf-spectacular leaves them out of /api/schema/ (`schema = None`): a FHIR server
describes itself at /fhir/R4/metadata.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

from django.db.models import Model, QuerySet
from fhir_core.fhirabstractmodel import FHIRAbstractModel
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from clinic.permissions import ALL_ROLES
from scheduling.fhir.errors import FhirError, NotFound, exception_handler
from scheduling.fhir.search import FORMAT, Param, Search, row_id

Row = TypeVar("Row", bound=Model)

FHIR_JSON = "application/fhir+json"
# What `_format` may ask for: JSON under any of the names FHIR clients use for it.
JSON_FORMATS = frozenset({"json", "application/json", FHIR_JSON, "application/json+fhir"})


class FhirJsonRenderer(BaseRenderer):
    media_type = FHIR_JSON
    format = "json"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        if isinstance(data, FHIRAbstractModel):
            return data.model_dump_json().encode()
        return json.dumps(data).encode()


class FhirView(APIView):
    """A FHIR endpoint: read by every clinic role, as the API's reads are."""

    allowed_roles: ClassVar[Any] = ALL_ROLES
    schema = None
    renderer_classes = [FhirJsonRenderer]
    # Read and search only: anything else is a 405 OperationOutcome (after the access check).
    http_method_names = ["get", "head"]

    def get_exception_handler(self) -> Callable[..., Any]:
        return exception_handler

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # One format, whatever the Accept header says: FHIR JSON (`_format` is checked below).
        return FhirJsonRenderer(), FHIR_JSON

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        wanted = request.query_params.get(FORMAT, "").strip().lower()
        if wanted and wanted.split(";")[0].strip() not in JSON_FORMATS:
            raise FhirError(406, f"Only JSON is served here; {FORMAT}={wanted} is not.")


class SearchView(FhirView):
    """`GET /fhir/R4/<Type>?...`: one page of matches as a searchset Bundle."""

    resource_type: ClassVar[str]
    search_params: ClassVar[tuple[Param, ...]]
    documentation: ClassVar[str] = ""

    def search(self, request: Request) -> Search:
        return Search(request, self.search_params)


def page_of(queryset: QuerySet[Row], search: Search) -> tuple[list[Row], int]:
    """This page's rows and the number of all matches: two queries, whatever the page size."""
    total = queryset.count()
    if not total or not search.count:
        return [], total
    return list(queryset[search.offset : search.offset + search.count]), total


def row_or_404(queryset: QuerySet[Row], resource_type: str, text: str) -> Row:
    number = row_id(text)
    row = queryset.filter(pk=number).first() if number is not None else None
    if row is None:
        raise NotFound(f"There is no {resource_type} with id {text!r}.")
    return row
