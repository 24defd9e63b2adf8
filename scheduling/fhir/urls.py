"""FHIR R4 read and search over the scheduling data (`fhir.resources`, R4B models).

`<Type>` searches, `<Type>/<id>` reads; a trailing slash is tolerated. Anything else under
/fhir/R4/ is a 404 OperationOutcome.
"""

from __future__ import annotations

from django.urls import URLPattern, re_path

from scheduling.fhir import views
from scheduling.fhir.base import FhirView
from scheduling.fhir.capability import Metadata

app_name = "fhir"

_READS: dict[str, type[FhirView]] = {
    "Patient": views.PatientRead,
    "Practitioner": views.PractitionerRead,
    "Location": views.LocationRead,
    "Schedule": views.ScheduleRead,
    "Slot": views.SlotRead,
    "Appointment": views.AppointmentRead,
}


def _routes() -> list[URLPattern]:
    routes = [re_path(r"^metadata/?$", Metadata.as_view(), name="metadata")]
    for search in views.SEARCHES:
        kind = search.resource_type
        routes += [
            re_path(rf"^{kind}/?$", search.as_view(), name=f"{kind.lower()}-search"),
            re_path(
                rf"^{kind}/(?P<id>[^/]+)/?$", _READS[kind].as_view(), name=f"{kind.lower()}-read"
            ),
        ]
    routes.append(re_path(r"^(?P<path>.*)$", views.UnknownPath.as_view(), name="unknown"))
    return routes


urlpatterns: list[URLPattern] = _routes()
