"""Find a slot and book: eligibility first, then slots by day, then a confirmation."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from clinic.permissions import SCHEDULING
from scheduling.pages.common import render_page, role_required


@role_required(SCHEDULING)
def book(request: HttpRequest) -> HttpResponse:
    return render_page(request, "scheduling/booking/book.html")


urlpatterns = [path("book/", book, name="book")]
