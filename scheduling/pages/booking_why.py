"""Why not this time? For any time the scheduler picks, every reason that stops it, in words.

`/book/why/?patient=&procedure_type=&region=&side=&date=&time=&provider=&room=` (or
`start=<ISO datetime>` instead of date and time, as the calendar links). Without a provider
or a room it asks about every active provider and every room fit for the procedure.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from clinic.permissions import SCHEDULING
from clinic.read_audit import shown
from clinic.selectors import providers_active
from scheduling.explain import explain
from scheduling.pages.booking_forms import WhyForm, with_start_as_date_and_time
from scheduling.pages.booking_support import patient_from, pick_patient
from scheduling.pages.common import render_page, role_required
from scheduling.slots import candidate_rooms


@role_required(SCHEDULING)
def book_why(request: HttpRequest) -> HttpResponse:
    patient = patient_from(request)
    if patient is None:
        return pick_patient(
            request, url_name="book-why", heading="Why not this time? For which patient?"
        )
    data = with_start_as_date_and_time(request.GET)
    asked = bool(data.get("procedure_type"))
    form = WhyForm(data if asked else None, initial={k: v for k, v in data.items() if v})
    context: dict[str, object] = {
        "patient": patient,
        "form": form,
        "change_patient_url": reverse("book-why"),
    }
    if asked and form.is_valid():
        case = form.case(patient)
        providers = [case.provider] if case.provider else list(providers_active())
        # A room named is asked about even when unfit, so the answer can say so.
        rooms = [case.room] if case.room else candidate_rooms(case.procedure_type, None)
        if not providers:
            form.add_error("provider", "No provider is active in the clinic.")
        elif not rooms:
            form.add_error("room", f"No room in the clinic can host {case.procedure_type.name}.")
        else:
            found = explain(
                patient=patient,
                procedure_type=case.procedure_type,
                region=case.region,
                side=case.side,
                start=form.start(),
                providers=providers,
                rooms=rooms,
            )
            context["case"] = case
            context["explanation"] = found
            provider, room = found.free_provider, found.free_room
            if found.allowed and provider is not None and room is not None:
                query = case.query(
                    provider=provider.pk, room=room.pk, start=found.start.isoformat()
                )
                context["book_url"] = f"{reverse('book-confirm')}?{query}"
            if found.rules_allow_from is not None and found.rule_reasons:
                context["search_from_url"] = (
                    f"{reverse('book')}?{case.query(**{'from': found.rules_allow_from})}"
                )
            context["search_url"] = f"{reverse('book')}?{case.query(**{'from': found.day})}"
    else:
        context["search_url"] = f"{reverse('book')}?{urlencode({'patient': patient.pk})}"
    shown(request, [patient])
    return render_page(request, "scheduling/booking/why.html", context)
