"""The checklist on the case page, item by item, and the check-in it decides, through the
Django test client and the real services.

Each save writes the item with its version bumped and an audit row; each refusal (a value
over its limit, a missing authorization, someone else's newer change, a closed checklist)
is shown at the item in the service's words and writes nothing.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.models import AuditEvent
from procedures.models import ChecklistCondition, ChecklistItemTemplate
from scheduling import services
from scheduling.models import Appointment, ChecklistItem, Status
from tests.factories import PatientFactory, drug, payer
from tests.pages_helpers import html_of, page_text, tables, visible_text
from tests.scheduling_helpers import SmallClinic, book_case, local

NOW = local(2026, 11, 16, 10, 2)  # Monday 16 November 2026
CASE_AT = local(2026, 11, 17, 9, 0)  # Tuesday: a block, no hold
WARFARIN_CASE_AT = local(2026, 11, 24, 9, 0)  # Tuesday a week later: five days without it
HTMX = {"HTTP_HX_REQUEST": "true"}  # what htmx sends with each request
INR_LIMIT_WORDS = "INR 1.8 is above the limit of 1.40: the case cannot go ahead."

pytestmark = pytest.mark.clock_at(NOW)


def warfarin_case(clinic: SmallClinic) -> Appointment:
    """An interlaminar epidural for a patient on warfarin: hold confirmed and INR items."""
    patient = PatientFactory(first_name="Walter", last_name="Price")
    services.medication_add(patient=patient, drug=drug("warfarin"), acting_user=None)
    return book_case(clinic, patient=patient, start=WARFARIN_CASE_AT, code="ESI_IL")


def item_of(case: Appointment, code: str) -> ChecklistItem:
    return ChecklistItem.objects.get(appointment=case, code=code)


def ticks_of(item: ChecklistItem) -> list[tuple[str, dict]]:
    rows = AuditEvent.objects.filter(object_type="scheduling.checklistitem", object_id=str(item.pk))
    return [(e.actor.username if e.actor else "", e.changes) for e in rows.order_by("at", "id")]


def item_url(case: Appointment, item: ChecklistItem) -> str:
    return f"/appointments/{case.pk}/checklist/{item.pk}/"


def save(
    client, case: Appointment, item: ChecklistItem, *, done: bool = True, follow=False, **fields
):
    """Post the item's form as the page sends it, with the item's version as read."""
    data = {"done": "1" if done else "0", "version": item.version, **fields}
    return client.post(item_url(case, item), data, follow=follow)


def row_of(html: str, item: ChecklistItem) -> str:
    """The text of the item's row as a reader sees it (text for screen readers left out)."""
    match = re.search(rf'<tr id="item-{item.pk}"[^>]*>(.*?)</tr>', html, flags=re.S)
    assert match, f"no row for item {item.pk}"
    [[cells]] = tables(f"<table>{match.group(0)}</table>")
    return " ".join(cell for cell in cells if cell)


# --- The checklist as forms -----------------------------------------------------------------


def test_a_nurse_sees_each_item_as_a_form_with_its_version_and_the_inrs_limit(clinic, pages_as):
    case = warfarin_case(clinic)
    inr = item_of(case, "inr")

    html = html_of(pages_as("nurse").get(f"/appointments/{case.pk}/"))

    [checklist] = [t for t in tables(html) if t[0][:4] == ["Item", "Status", "Value", "Ticked by"]]
    assert checklist[0] == ["Item", "Status", "Value", "Ticked by", "Change"]
    assert ["INR recorded on the day, within limit", "Open", "", "", "INR at most 1.40 Tick"] in (
        checklist
    )
    assert ["Consent signed", "Open", "", "", "Tick"] in checklist
    form = re.search(
        rf'<form method="post" action="{item_url(case, inr)}".*?</form>', html, flags=re.S
    )
    assert form is not None
    assert f'<input type="hidden" name="version" value="{inr.version}">' in form.group(0)
    assert '<input type="text" name="value" value=""' in form.group(0)
    assert 'aria-describedby="item-' in form.group(0)


def test_others_see_the_checklist_read_only(clinic, pages_as):
    case = warfarin_case(clinic)

    html = html_of(pages_as("scheduler").get(f"/appointments/{case.pk}/"))

    assert "/checklist/" not in html
    assert '<th scope="col">Change</th>' not in html
    assert "INR recorded on the day, within limit Open" in visible_text(html)


def test_ticking_an_item_saves_it_with_the_version_bumped_and_an_audit_row(clinic, pages_as):
    case = book_case(clinic, start=CASE_AT)
    consent = item_of(case, "consent")
    client = pages_as("nurse")

    response = save(client, case, consent)

    assert response.status_code == 302
    assert response["Location"] == f"/appointments/{case.pk}/#item-{consent.pk}"
    after = item_of(case, "consent")
    assert (after.done, after.done_by, after.version) == (True, client.user, consent.version + 1)
    assert (after.changed_by, after.changed_at) == (client.user, NOW)
    assert ticks_of(consent) == [(client.user.username, {"done": [False, True]})]
    page = client.get(response["Location"])
    assert "Consent signed: ticked." in page_text(page)
    assert row_of(page.content.decode(), after) == (
        f"Consent signed Done {client.user.username}, Mon 16 Nov, 10:02 Untick"
    )


def test_unticking_an_item_reopens_it_and_says_who_unticked_it(clinic, pages_as, make_staff):
    case = book_case(clinic, start=CASE_AT)
    consent = item_of(case, "consent")
    services.checklist_tick(
        appointment=case, item=consent, done=True, value=None, acting_user=make_staff("nurse")
    )
    consent.refresh_from_db()
    client = pages_as("nurse")

    response = save(client, case, consent, done=False)

    after = item_of(case, "consent")
    assert (after.done, after.done_by, after.version) == (False, None, consent.version + 1)
    assert ticks_of(consent)[-1] == (client.user.username, {"done": [True, False]})
    page = client.get(response["Location"]).content.decode()
    assert row_of(page, after) == (
        f"Consent signed Open unticked by {client.user.username}, Mon 16 Nov, 10:02 Tick"
    )


def test_an_inr_over_the_limit_is_refused_at_the_item_with_the_limit_and_nothing_is_saved(
    clinic, pages_as
):
    case = warfarin_case(clinic)
    inr = item_of(case, "inr")

    response = save(pages_as("nurse"), case, inr, value="1.8")

    html = html_of(response)
    assert row_of(html, inr) == (
        "INR recorded on the day, within limit Open INR at most 1.40 "
        f"Not saved. {INR_LIMIT_WORDS} Tick"
    )
    field = re.search(r'<input type="text" name="value"[^>]*>', html)
    assert field is not None
    assert 'value="1.8"' in field.group(0)  # what the nurse typed stays
    assert 'aria-invalid="true" autofocus' in field.group(0)
    assert f'aria-describedby="item-{inr.pk}-error item-{inr.pk}-limit"' in field.group(0)
    assert (
        f'<div class="item-error" role="alert"><ul class="field-errors" id="item-{inr.pk}-error">'
        in html
    )
    after = item_of(case, "inr")
    assert (after.done, after.value, after.version) == (False, "", inr.version)
    assert ticks_of(inr) == []


def test_an_inr_within_the_limit_ticks_the_item_with_its_value(clinic, pages_as):
    case = warfarin_case(clinic)
    inr = item_of(case, "inr")
    client = pages_as("nurse")

    response = save(client, case, inr, value=" 1.1 ")

    assert response.status_code == 302
    after = item_of(case, "inr")
    assert (after.done, after.value, after.version) == (True, "1.1", inr.version + 1)
    assert ticks_of(inr) == [(client.user.username, {"done": [False, True], "value": ["", "1.1"]})]
    page = client.get(response["Location"])
    assert "INR recorded on the day, within limit: ticked (1.1)." in page_text(page)
    assert row_of(page.content.decode(), after).startswith(
        "INR recorded on the day, within limit Done 1.1"
    )
    assert row_of(page.content.decode(), after).endswith("INR at most 1.40 Save Untick")


def test_an_inr_left_empty_is_asked_for_in_the_services_words(clinic, pages_as):
    case = warfarin_case(clinic)
    inr = item_of(case, "inr")

    response = save(pages_as("nurse"), case, inr, value="")

    assert "Not saved. INR is needed to tick this item." in row_of(html_of(response), inr)
    assert item_of(case, "inr").version == inr.version


def test_a_save_over_someone_elses_newer_change_is_refused_and_theirs_stands(
    clinic, pages_as, make_staff, clock
):
    case = warfarin_case(clinic)
    inr = item_of(case, "inr")  # the second nurse's page reads the item now
    first = make_staff("nurse", "nina.nurse")
    clock.move_to(local(2026, 11, 16, 10, 15))
    services.checklist_tick(
        appointment=case, item=inr, done=True, value="1.1", acting_user=first, expected_version=1
    )
    second = pages_as("nurse")

    response = save(second, case, inr, value="1.3")

    html = html_of(response)
    assert row_of(html, inr) == (
        "INR recorded on the day, within limit Done 1.1 nina.nurse, Mon 16 Nov, 10:15 "
        'Not saved. "INR recorded on the day, within limit" was changed by nina.nurse at '
        "10:15 after you opened it; reload to see the change, then save again if it still "
        "needs it. Reload INR at most 1.40 Save Untick"
    )
    assert f'<a href="/appointments/{case.pk}/#item-{inr.pk}"' in html
    after = item_of(case, "inr")
    assert (after.value, after.done_by, after.version) == ("1.1", first, 2)
    assert [who for who, _ in ticks_of(inr)] == ["nina.nurse"]


def test_the_prior_authorization_item_says_why_it_cannot_be_ticked_without_an_approval(
    clinic, pages_as
):
    case = book_case(clinic, start=CASE_AT, patient=PatientFactory(payer=payer("medicare")))
    prior_auth = item_of(case, "prior_auth")
    client = pages_as("nurse")

    html = html_of(client.get(f"/appointments/{case.pk}/"))
    assert row_of(html, prior_auth) == (
        "Prior authorization approved, number recorded Open No approved authorization covers "
        "Tue 17 Nov 2026; the item is ticked when one is approved."
    )
    assert item_url(case, prior_auth) not in html

    refused = html_of(save(client, case, prior_auth))  # a page from before, say
    assert "Not saved. No approved authorization covers 2026-11-17." in row_of(refused, prior_auth)
    assert item_of(case, "prior_auth").version == prior_auth.version
    assert ticks_of(prior_auth) == []


def test_a_completed_cases_checklist_is_read_only_and_a_late_save_is_refused_in_words(
    clinic, pages_as, clock
):
    case = book_case(clinic, start=CASE_AT)
    clock.move_to(local(2026, 11, 17, 9, 0))
    services.appointment_check_in(appointment=case, acting_user=None, override_reason="paper")
    services.appointment_complete(appointment=case, acting_user=None)
    consent = item_of(case, "consent")
    client = pages_as("nurse")

    assert "/checklist/" not in html_of(client.get(f"/appointments/{case.pk}/"))

    response = save(client, case, consent, follow=True)
    assert response.redirect_chain == [(f"/appointments/{case.pk}/#item-{consent.pk}", 302)]
    assert "This appointment is completed; its checklist is closed." in page_text(response)
    with_htmx = client.post(item_url(case, consent), {"done": "1", "version": 1}, **HTMX)
    assert with_htmx["HX-Redirect"] == f"/appointments/{case.pk}/"
    assert "This appointment is completed; its checklist is closed." in page_text(
        client.get(f"/appointments/{case.pk}/")
    )
    assert item_of(case, "consent").version == consent.version


def test_a_form_without_its_version_saves_nothing_and_says_to_reload(clinic, pages_as):
    case = book_case(clinic, start=CASE_AT)
    consent = item_of(case, "consent")

    response = pages_as("nurse").post(item_url(case, consent), {"done": "1"})

    assert "The save did not come from this page as it stands; reload the page" in page_text(
        response
    )
    assert item_of(case, "consent").done is False


def test_an_item_of_another_case_is_not_saved_through_this_one(clinic, pages_as):
    case = book_case(clinic, start=CASE_AT)
    other = book_case(clinic, start=local(2026, 11, 18, 9, 0))
    foreign = item_of(other, "consent")

    response = save(pages_as("nurse"), case, foreign, follow=True)

    assert "This checklist item no longer applies to the case" in page_text(response)
    assert item_of(other, "consent").done is False


# --- htmx: only the item's row, with what it moves ------------------------------------------


def test_with_htmx_a_save_answers_the_row_the_progress_the_actions_and_the_history(
    clinic, pages_as
):
    case = book_case(clinic, start=CASE_AT)
    consent = item_of(case, "consent")
    client = pages_as("nurse")

    response = client.post(item_url(case, consent), {"done": "1", "version": 1}, **HTMX)

    html = html_of(response)
    assert "<html" not in html
    assert row_of(html, consent).startswith("Consent signed Done")
    assert re.search(r'<p class="progress-line" id="checklist-progress" hx-swap-oob="true">', html)
    assert "1 of 4 required items done — 3 open" in visible_text(html)
    assert '<p id="checklist-status" hx-swap-oob="innerHTML">Consent signed: ticked.</p>' in html
    assert '<div id="case-actions-body" hx-swap-oob="true">' in html
    assert f"'Consent signed' ticked by {client.user.username}" in visible_text(html)
    assert response["Vary"].count("HX-Request") == 1
    assert item_of(case, "consent").done is True


def test_with_htmx_a_refusal_answers_the_row_with_the_reason(clinic, pages_as):
    case = warfarin_case(clinic)
    inr = item_of(case, "inr")

    response = pages_as("nurse").post(
        item_url(case, inr), {"done": "1", "value": "1.8", "version": 1}, **HTMX
    )

    html = html_of(response)
    assert INR_LIMIT_WORDS in row_of(html, inr)
    assert '<p id="checklist-status" hx-swap-oob="innerHTML"></p>' in html


def test_the_items_address_answers_htmx_with_its_row_and_a_browser_with_the_case_page(
    clinic, pages_as
):
    case = book_case(clinic, start=CASE_AT)
    consent = item_of(case, "consent")
    client = pages_as("nurse")

    assert row_of(html_of(client.get(item_url(case, consent), **HTMX)), consent).startswith(
        "Consent signed Open"
    )
    plain = client.get(item_url(case, consent))
    assert (plain.status_code, plain["Location"]) == (
        302,
        f"/appointments/{case.pk}/#item-{consent.pk}",
    )


# --- Roles ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["scheduler", None])
def test_a_role_that_does_not_nurse_cannot_tick_and_nothing_is_written(clinic, pages_as, role):
    case = book_case(clinic, start=CASE_AT)
    consent = item_of(case, "consent")

    response = save(pages_as(role), case, consent)

    assert response.status_code == 403
    assert "This page is not open to your account" in page_text(response)
    assert item_of(case, "consent").version == consent.version
    assert ticks_of(consent) == []


def test_a_manager_ticks_as_a_nurse_does(clinic, pages_as):
    case = book_case(clinic, start=CASE_AT)
    consent = item_of(case, "consent")
    manager = pages_as("manager")

    assert save(manager, case, consent).status_code == 302
    assert item_of(case, "consent").done_by == manager.user


# --- Queries --------------------------------------------------------------------------------


def _queries(client, case: Appointment) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/appointments/{case.pk}/").status_code == 200
    return len(captured)


def _tick_each_by_someone_else(case: Appointment, make_staff) -> None:
    for item in case.checklist_items.all():
        services.checklist_tick(
            appointment=case, item=item, done=True, value=None, acting_user=make_staff("nurse")
        )


def test_the_nurses_case_page_reads_as_many_queries_with_3_or_12_checklist_items(
    clinic, pages_as, make_staff
):
    small = book_case(clinic, start=CASE_AT, code="TPI", room=clinic.exam)
    for index in range(9):  # a manager's own items, added in the admin
        ChecklistItemTemplate.objects.create(
            code=f"local_{index}",
            label=f"Local check {index}",
            condition=ChecklistCondition.ALWAYS,
            order=200 + index,
        )
    large = book_case(clinic, start=local(2026, 11, 18, 9, 0), code="TPI", room=clinic.exam)
    assert (small.checklist_items.count(), large.checklist_items.count()) == (3, 12)
    for case in (small, large):
        _tick_each_by_someone_else(case, make_staff)
    client = pages_as("nurse")
    client.get(f"/appointments/{small.pk}/")  # the session and the user read the same afterwards

    few, many = _queries(client, small), _queries(client, large)

    assert few == many
    assert many <= 12  # with the read audit's one INSERT


# --- Check-in -------------------------------------------------------------------------------


@pytest.fixture
def case_day(clock) -> None:
    clock.move_to(local(2026, 11, 17, 8, 30))


def test_a_refused_check_in_links_each_open_item_to_its_row_on_the_page(
    clinic, pages_as, make_staff, case_day
):
    case = book_case(clinic, start=local(2026, 11, 17, 11, 0))
    for code in ("identity", "consent"):
        services.checklist_tick(
            appointment=case,
            item=item_of(case, code),
            done=True,
            value=None,
            acting_user=make_staff("nurse"),
        )
    open_items = [item_of(case, "no_infection"), item_of(case, "contrast_allergy")]

    response = pages_as("nurse").post(f"/appointments/{case.pk}/check-in/")

    html = html_of(response)
    refusal = re.search(r'<div class="alert-bad check-in-refusal".*?</div>', html, flags=re.S)
    assert refusal is not None
    links = re.findall(r'<li><a href="#item-(\d+)">([^<]+)</a></li>', refusal.group(0))
    assert links == [(str(item.pk), item.label) for item in open_items]
    for item in open_items:
        assert f'<tr id="item-{item.pk}"' in html  # each link lands on its row
    assert Appointment.objects.get(pk=case.pk).status == Status.SCHEDULED


def test_the_override_banner_says_who_overrode_what_and_why_with_links_to_the_items(
    clinic, pages_as, make_staff, case_day
):
    case = book_case(clinic, start=local(2026, 11, 17, 11, 0))
    services.checklist_tick(
        appointment=case,
        item=item_of(case, "identity"),
        done=True,
        value=None,
        acting_user=make_staff("nurse"),
    )
    client = pages_as("nurse")

    response = client.post(
        f"/appointments/{case.pk}/check-in/",
        {"override": "1", "override_reason": "Consent form signed at the GP's, faxed later"},
        follow=True,
    )

    html = html_of(response)
    banner = re.search(r'<div class="alert-warn case-alert override-banner">.*?</div>', html, re.S)
    assert banner is not None
    assert visible_text(banner.group(0)) == (
        f"Checked in with an override by {client.user.username} on Tue 17 Nov at 08:30: "
        "“Consent form signed at the GP's, faxed later” Open at check-in: Consent signed "
        "No fever, infection or antibiotics Contrast allergy reviewed"
    )
    for code in ("consent", "no_infection", "contrast_allergy"):
        assert f'<a href="#item-{item_of(case, code).pk}">' in banner.group(0)
    [override] = AuditEvent.objects.filter(action="appointment.check_in_override")
    assert (override.actor, override.reason, override.changes) == (
        client.user,
        "Consent form signed at the GP's, faxed later",
        {"open_items": ["consent", "no_infection", "contrast_allergy"]},
    )


def test_an_item_ticked_after_an_override_is_marked_done_since_in_the_banner(
    clinic, pages_as, case_day
):
    case = book_case(clinic, start=local(2026, 11, 17, 11, 0))
    services.appointment_check_in(appointment=case, acting_user=None, override_reason="rush")
    client = pages_as("nurse")
    save(client, case, item_of(case, "consent"))

    page = page_text(client.get(f"/appointments/{case.pk}/"))

    assert "Checked in with an override by the system on Tue 17 Nov at 08:30: “rush”" in page
    assert "Consent signed (done since) No fever" in page


def test_a_reason_given_with_nothing_open_says_who_checked_in_from_the_check_in_row(
    clinic, pages_as, make_staff, case_day
):
    case = book_case(clinic, start=local(2026, 11, 17, 11, 0))
    nurse = make_staff("nurse", "nina.nurse")
    for item in case.checklist_items.filter(required=True):
        services.checklist_tick(
            appointment=case, item=item, done=True, value=None, acting_user=nurse
        )
    services.appointment_check_in(appointment=case, acting_user=nurse, override_reason="late")

    page = page_text(pages_as("scheduler").get(f"/appointments/{case.pk}/"))

    assert not AuditEvent.objects.filter(action="appointment.check_in_override").exists()
    assert "Checked in with an override by nina.nurse on Tue 17 Nov at 08:30: “late”" in page
    assert "Open at check-in" not in page
    assert "Checked in by nina.nurse on Tue 17 Nov 08:30: 'late'" in page


def test_an_item_ticked_by_the_case_day_checks_in_without_an_override(clinic, pages_as, case_day):
    case = book_case(clinic, start=local(2026, 11, 17, 11, 0))
    client = pages_as("nurse")
    for code in ("identity", "consent", "no_infection", "contrast_allergy"):
        assert save(client, case, item_of(case, code)).status_code == 302

    response = client.post(f"/appointments/{case.pk}/check-in/", follow=True)

    assert "Checked in." in page_text(response)
    after = Appointment.objects.get(pk=case.pk)
    assert (after.status, after.check_in_override_reason) == (Status.CHECKED_IN, "")
    assert not AuditEvent.objects.filter(action="appointment.check_in_override").exists()
