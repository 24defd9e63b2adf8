"""`GET /fhir/R4/metadata`: the CapabilityStatement, built from the search views themselves.

Each search view declares its parameters once; this lists them, so the statement cannot
drift from what the searches accept.

It is open to anyone, as FHIR servers' /metadata usually is: clients read it before they
sign in to learn how to, and it names no patient and no clinic data, only what the server
supports. A token that is sent must still be valid (401 otherwise).
"""

from __future__ import annotations

from django.utils import timezone
from fhir.resources import R4B
from fhir.resources.R4B.capabilitystatement import (
    CapabilityStatement,
    CapabilityStatementImplementation,
    CapabilityStatementRest,
    CapabilityStatementRestResource,
    CapabilityStatementRestResourceInteraction,
    CapabilityStatementRestResourceSearchParam,
    CapabilityStatementRestSecurity,
    CapabilityStatementSoftware,
)
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from scheduling.fhir.base import FhirView, SearchView
from scheduling.fhir.bundles import fhir_base
from scheduling.fhir.search import DEFAULT_COUNT, MAX_COUNT
from scheduling.fhir.views import SEARCHES

# The resources are built with the library's R4B models, so we declare the version they
# are: 4.3.0. R4B changed none of the elements these six resources use from R4 (4.0.1),
# which is why the path says R4 and an R4 client reads them; but claiming 4.0.1 would
# describe models we do not build with. The library states its version itself.
FHIR_VERSION = R4B.__fhir_version__

SERVER_DOCUMENTATION = (
    "Read and search over the pain clinic's scheduling data, JSON only "
    "(application/fhir+json; _format=json is accepted). Sign in as for the API: "
    "Authorization: Token <token> from POST /api/auth/token/. Every clinic role "
    "(scheduler, nurse, manager) may read; each response that shows patients is recorded "
    "in the audit trail. Searches answer a searchset Bundle with the total and "
    f"self/first/previous/next/last links; _count sets the page size (default "
    f"{DEFAULT_COUNT}, at most {MAX_COUNT}) and _page the page (from 1). Dates without a "
    "time are days on the clinic's clock. A parameter a search does not support is "
    "ignored, or refused with 400 under Prefer: handling=strict. Errors are "
    "OperationOutcomes."
)


def _resource(view: type[SearchView]) -> CapabilityStatementRestResource:
    return CapabilityStatementRestResource(
        type=view.resource_type,
        interaction=[
            CapabilityStatementRestResourceInteraction(code="read"),
            CapabilityStatementRestResourceInteraction(code="search-type"),
        ],
        searchParam=[
            CapabilityStatementRestResourceSearchParam(
                name=p.name, type=p.type, documentation=p.documentation
            )
            for p in view.search_params
        ],
        documentation=view.documentation or None,
    )


def capability_statement(request: Request) -> CapabilityStatement:
    rest = CapabilityStatementRest(
        mode="server",
        documentation=SERVER_DOCUMENTATION,
        security=CapabilityStatementRestSecurity(
            description="Token (Authorization: Token <token>) or a signed-in session; a "
            "clinic role is required for everything but this statement."
        ),
        resource=[_resource(view) for view in SEARCHES],
    )
    return CapabilityStatement(
        status="active",
        date=timezone.localtime(),
        kind="instance",
        software=CapabilityStatementSoftware(name="Pain clinic procedure scheduling"),
        implementation=CapabilityStatementImplementation(
            description="Pain clinic procedure scheduling, FHIR read and search",
            url=fhir_base(request),
        ),
        fhirVersion=FHIR_VERSION,
        format=["json", "application/fhir+json"],
        rest=[rest],
    )


class Metadata(FhirView):
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        return Response(capability_statement(request))
