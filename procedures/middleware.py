"""One reading of the rules version per page or API read (`procedures.versioned`)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from procedures import versioned

READS = frozenset({"GET", "HEAD", "OPTIONS"})


class OneReadingMiddleware:
    """A read asks for the catalog, the rules and the calendar in many places (a patient
    page judges each procedure it offers): the token is read once for the whole request.
    Writes are left out: one that edits reference data must see its own edit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in READS:
            return self.get_response(request)
        with versioned.one_reading():
            return self.get_response(request)
