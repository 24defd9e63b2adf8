"""404 and 500 outside any view: JSON in the API's error shape under /api/, an
OperationOutcome under /fhir/ (a 500; FHIR's own catch-all route answers its 404s), pages
elsewhere.

DRF's exception handler (clinic.api.errors) shapes the errors raised inside API views. These
cover what never reaches a view (a path that matches no route) and what escapes one (an
unhandled exception, which Django has already logged with its traceback). Django calls them
only when DEBUG is off; with DEBUG on, a developer gets its debug pages instead.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from scheduling.fhir.errors import outcome

API_PREFIX = "/api/"
FHIR_PREFIX = "/fhir/"


def _is_api(request: HttpRequest) -> bool:
    # path_info, not path: the same answer whatever prefix the server mounts the site under.
    return request.path_info.startswith(API_PREFIX)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _is_api(request):
        return defaults.page_not_found(request, exception)
    return JsonResponse(
        {"code": "not_found", "detail": "No API endpoint matches this path; see /api/docs/."},
        status=404,
    )


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path_info.startswith(FHIR_PREFIX):
        # A FHIR client reads one kind of error: an OperationOutcome, without details either.
        body = outcome(500, "Something went wrong on our side; it has been logged.")
        return HttpResponse(
            body.model_dump_json(exclude_none=True),
            status=500,
            content_type="application/fhir+json",
        )
    if not _is_api(request):
        return defaults.server_error(request)
    # No details: they are in the log, and they may name hosts, tables or patients.
    return JsonResponse(
        {
            "code": "server_error",
            "detail": "Something went wrong on our side; it has been logged. Try again later.",
        },
        status=500,
    )
