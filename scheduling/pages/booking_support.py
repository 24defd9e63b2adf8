"""What the booking pages share: which patient, and asking for one when the link has none."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from clinic.models import Patient
from clinic.read_audit import shown
from clinic.selectors import patient_search
from scheduling.pages.booking_forms import parse_moment
from scheduling.pages.common import render_page

# A search box, not a list: enough rows to find someone by the start of a name.
PATIENTS_SHOWN = 20
# Parameters a link to a booking page may carry past the question "which patient?".
CARRIED = (
    "procedure_type",
    "region",
    "side",
    "levels",
    "sedation",
    "sedation_for",
    "provider",
    "room",
    "start",
    "from",
    "date",
    "time",
)


def patient_from(request: HttpRequest, data: dict[str, str] | None = None) -> Patient | None:
    """The patient a booking page is for, from `patient=<id>`; None when there is none."""
    raw = (data if data is not None else request.GET).get("patient", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404("No such patient.")
    patient = Patient.objects.select_related("payer").filter(pk=int(raw)).first()
    if patient is None:
        raise Http404("No such patient.")
    return patient


def pick_patient(request: HttpRequest, *, url_name: str, heading: str) -> HttpResponse:
    """Which patient? A small search; each result links back here with the same parameters."""
    query = request.GET.get("q", "").strip()
    carried = {key: request.GET[key] for key in CARRIED if request.GET.get(key)}
    found: list[Patient] = list(patient_search(query)[: PATIENTS_SHOWN + 1]) if query else []
    target = reverse(url_name)
    picked = parse_moment(carried.get("start", ""))
    # The search's answer names the patients listed, and only those (one more is read to
    # know whether there are more).
    shown(request, found[:PATIENTS_SHOWN])
    return render_page(
        request,
        "scheduling/booking/pick_patient.html",
        {
            "heading": heading,
            "picked": picked,
            "query": query,
            "carried": carried,
            "action": target,
            "choices": [
                (patient, f"{target}?{urlencode({'patient': patient.pk, **carried})}")
                for patient in found[:PATIENTS_SHOWN]
            ],
            "more": len(found) > PATIENTS_SHOWN,
        },
    )
