"""Reads of patients' data in the admin, for the read audit (clinic.read_audit).

A ModelAdmin of rows that belong to a patient takes `ReadAuditedAdmin` first among its
bases: its change view names its row's patient, its list names the patients of the rows on
the page shown (`cl.result_list`), and its history names the row's patient. The middleware
then writes one `read` event for the request, as for a page or the API.

The ids are read from the rows the admin has loaded (`patient_id`), never with a query of
their own: listing the page's rows here evaluates the same queryset the template then
iterates, so the list reads no more than before.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest, HttpResponse

from clinic.read_audit import shown


class ReadAuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    # The attribute of a row holding its patient's id; a Patient row is its own ("pk").
    patient_attribute = "patient_id"

    def patient_of(self, row: models.Model) -> int | None:
        value = getattr(row, self.patient_attribute, None)
        return int(value) if value is not None else None

    def patients_of(self, rows: Sequence[models.Model]) -> Iterable[int | None]:
        """The patients of the rows shown; a model without a patient column answers for a
        whole page at once."""
        return [self.patient_of(row) for row in rows]

    def _context(self, response: HttpResponse) -> dict[str, Any]:
        # A TemplateResponse is not rendered yet: its context holds what will be shown. A
        # redirect (a saved form, a refused request) shows nothing.
        return getattr(response, "context_data", None) or {}

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = self._context(response).get("cl")
        if changelist is not None:
            shown(request, self.patients_of(list(changelist.result_list)))
        return response

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        row = self._context(response).get("original")
        if row is not None:
            shown(request, self.patients_of([row]))
        return response

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().history_view(request, object_id, extra_context)
        row = self._context(response).get("object")
        if row is not None:
            shown(request, self.patients_of([row]))
        return response
