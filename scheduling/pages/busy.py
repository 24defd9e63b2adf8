"""A page, not a 500, when the database is busy (a lock wait ran out) or slow (a statement
ran out of time) during a page request: clinic.db_errors says which, and nothing was saved.
The API answers the same in its error shape (clinic.api.errors)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme

from clinic.db_errors import busy_database
from scheduling.pages.common import render_page


class BusyDatabaseMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        busy = busy_database(exception)
        if busy is None or request.path_info.startswith("/api/"):
            return None
        referer = request.headers.get("Referer", "")
        back = (
            referer
            if url_has_allowed_host_and_scheme(
                referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            )
            else ""
        )
        response = render_page(
            request,
            "scheduling/busy.html",
            {"detail": busy.detail, "back_url": back},
            status=busy.status,
        )
        response["Retry-After"] = str(busy.retry_after)
        return response
