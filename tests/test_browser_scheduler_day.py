"""Real Chromium: one patient's facet pathway as a scheduler and a nurse live it, over three
weeks of the clinic's clock.

The scheduler registers a patient (nothing else on file), is refused an RFA with the rule's
own words, books a first medial branch block; on its day a nurse checks the patient in with
an override, completes the case and records 85% relief; a second block a week later gets
90%; the RFA is then allowed and booked, moved to another slot, and another patient's case is
cancelled with a cause. Every page kind is checked with axe-core on its first visit;
screenshots go to $SCREENS_DIR/day-*.png when SCREENS_DIR is set.

The server's clock is moved by time_machine while the browser keeps real time: the dates
are all after today's real date, so the session cookies the server dates never look expired.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Locator, Page, expect

from clinic.models import AuditEvent, Patient
from scheduling.models import Appointment, CancelCause, Status
from tests.browser import assert_accessible, screenshot, sign_in, watched_page
from tests.factories import PatientFactory
from tests.scheduling_helpers import book_case, local, make_small_clinic

pytest_plugins = ["tests.browser"]

# The catalog and hold table come from data migrations; a transactional test flushes the
# tables afterwards, and serialized rollback puts the migrated rows back before each test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Clinic days in 2027, Monday to Friday, none a New York public holiday.
REGISTRATION = local(2027, 1, 11, 8, 30)  # Monday: the patient calls the desk
FIRST_BLOCK = dt.date(2027, 1, 13)  # Wednesday
SECOND_BLOCK = dt.date(2027, 1, 20)  # Wednesday, a week later
RFA_SEARCH = dt.date(2027, 1, 27)  # Wednesday: the ablation is first booked here...
RFA_MOVED = dt.date(2027, 1, 28)  # ...and moved to Thursday
OTHER_CASE = local(2027, 1, 29, 10, 0)  # Friday: another patient's block, to be cancelled

SCHEDULER, NURSE = "sam.scheduler", "nina.nurse"
OVERRIDE = "Patient at the desk: ID, consent and no fever confirmed verbally"
CANCEL_REASON = "Wants to try physical therapy first"


@pytest.fixture
def nurse_page(browser: Browser) -> Iterator[Page]:
    """The nurse's own page beside the scheduler's, watched for CSP refusals as `page` is."""
    with watched_page(browser) as opened:
        yield opened


def morning_of(day: dt.date) -> dt.datetime:
    return local(day.year, day.month, day.day, 7, 45)


def long_date(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"  # "Wednesday 13 January 2027", as the pages say


def trail(kind: str, pk: int) -> list[tuple[str, str | None]]:
    """The audit rows of one object, oldest first: (action, who)."""
    events = AuditEvent.objects.filter(object_type=kind, object_id=str(pk)).order_by("at", "id")
    return [(e.action, e.actor.username if e.actor else None) for e in events]


# --- The scheduler ---------------------------------------------------------------------------


def scheduler_signs_in(page: Page, base: str) -> None:
    page.goto(f"{base}/login/")
    assert_accessible(page)
    sign_in(page, base, SCHEDULER)
    expect(page.get_by_role("heading", level=1)).to_have_text("Desk")
    assert urlsplit(page.url).path == "/desk/"
    assert_accessible(page)


def registers_dana(page: Page) -> Patient:
    page.get_by_role("link", name="Register a patient").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register a patient")
    assert urlsplit(page.url).path == "/patients/new/"
    assert_accessible(page)
    page.get_by_label("MRN").fill("W4471")
    page.get_by_label("First name").fill("Dana")
    page.get_by_label("Last name").fill("Whitfield")
    page.get_by_label("Birth date").fill("05/14/1968")
    page.get_by_label("Phone").fill("(212) 555-0187")
    page.get_by_role("textbox", name="Email").fill("dana@example.org")
    page.get_by_role("button", name="Register patient").click()

    expect(page.get_by_role("status")).to_have_text("Dana Whitfield is registered (MRN W4471).")
    dana = Patient.objects.get(mrn="W4471")
    assert urlsplit(page.url).path == f"/patients/{dana.pk}/"
    expect(page.get_by_text("None on file: no blood thinner hold.")).to_be_visible()
    expect(page.get_by_text("No procedures on file.")).to_be_visible()
    assert_accessible(page)
    return dana


def patient_page_from_case(page: Page, name: str) -> None:
    page.locator(".case-kicker").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def pathway_says(page: Page, text: str) -> None:
    pathways = page.locator("section", has=page.get_by_role("heading", name="Pathway status"))
    expect(pathways).to_contain_text(text)


def asks_for(page: Page, procedure: str, *, from_day: dt.date | None = None) -> None:
    """The booking page's search for the lumbar right side: eligibility comes back first."""
    form = page.get_by_role("form", name="Find a slot")
    form.get_by_label("Procedure").select_option(procedure)
    form.get_by_label("Region").select_option("lumbar")
    form.get_by_label("Side").select_option("right")
    if from_day is not None:
        form.get_by_label("From").fill(from_day.isoformat())
    form.get_by_role("button", name="Find slots").click()


def eligibility(page: Page) -> Locator:
    return page.get_by_role("region", name=re.compile("^Eligibility on"))


def is_refused_the_rfa(page: Page) -> None:
    page.get_by_role("link", name="Book a case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book a case")
    asks_for(page, "RFA")

    answer = eligibility(page)
    expect(answer).to_contain_text(f"Not allowed on {long_date(REGISTRATION.date())}.")
    # The service's sentence: two diagnostic blocks of 80% are needed, and none is on file.
    expect(answer.get_by_role("listitem")).to_have_text(
        [
            "RFA of the lumbar right side needs two diagnostic blocks with at least 80% relief; "
            "found none. Waiting will not lift this."
        ]
    )
    expect(answer).to_contain_text("Waiting alone will not make this case possible.")
    expect(page.locator("#results-status")).to_contain_text("1 rule stands in the way")
    # No slot is searched for a case the rules refuse.
    expect(page.get_by_role("heading", name=re.compile("^Free slots"))).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "day-rfa-refused")


def books_first_slot(
    page: Page, procedure: str, day: dt.date, *, check_pages: bool = False
) -> Appointment:
    """Search from `day`, take its first slot, read the confirmation, book: the case page."""
    asks_for(page, procedure, from_day=day)
    expect(eligibility(page)).to_contain_text("Allowed.")
    first_day = page.locator("#results h3").first
    expect(first_day).to_have_text(long_date(day))
    if check_pages:
        assert_accessible(page)
        screenshot(page, f"day-{procedure.lower()}-slots")
    page.locator("#results a.slot").first.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm the booking")
    case = page.get_by_role("region", name="The case")
    expect(case).to_contain_text("Dana Whitfield")
    expect(case).to_contain_text(long_date(day))
    checklist = page.get_by_role("region", name="Checklist that will be generated")
    expect(checklist.get_by_role("rowheader")).not_to_have_count(0)
    expect(checklist).to_contain_text("Consent")
    if check_pages:
        assert_accessible(page)
        screenshot(page, "day-confirm")
    page.get_by_role("button", name="Book this case").click()

    page.wait_for_url(re.compile(r"/appointments/\d+/$"))
    booked = Appointment.objects.get(pk=int(urlsplit(page.url).path.split("/")[2]))
    assert (booked.procedure_type.code, timezone.localdate(booked.start)) == (procedure, day)
    expect(page.get_by_role("status")).to_contain_text(
        f"Booked {booked.procedure_type.name} for Dana Whitfield on {long_date(day)} at 08:00"
    )
    return booked


def reschedules_to_first_slot_on(page: Page, day: dt.date) -> None:
    """From the case page: the reschedule search from `day`, and its first slot taken."""
    page.get_by_role("link", name="Reschedule…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reschedule Radiofrequency")
    page.get_by_label("From").fill(day.isoformat())
    page.get_by_role("button", name="Find slots").click()
    heading = f"{day:%A} {day.day} {day:%B}"  # "Thursday 28 January"
    slots = page.get_by_role("region", name=heading)
    expect(slots).to_be_visible()
    assert_accessible(page)
    slots.get_by_role("button", name=re.compile("^Move to")).first.click()
    page.wait_for_url(re.compile(r"/appointments/\d+/$"))


def cancels_the_case_of(page: Page, last_name: str, cause: str, reason: str) -> None:
    """From the desk: search the patient, open their next case, cancel it with a cause."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Desk").click()
    page.get_by_label("Find a patient").fill(last_name)
    page.get_by_role("button", name="Search").click()
    results = page.get_by_role("table")
    expect(results.get_by_role("rowheader")).to_have_count(1)
    assert_accessible(page)
    results.get_by_role("link", name=re.compile(r"^MBB, Fri 29 Jan 2027")).click()

    page.get_by_role("link", name="Cancel the case…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cancel Medial branch block")
    assert_accessible(page)
    page.get_by_label(cause).check()
    page.get_by_label("Reason, in a few words").fill(reason)
    page.get_by_role("button", name="Cancel the case").click()
    expect(page.get_by_role("status")).to_contain_text(f"Case cancelled ({cause}).")


# --- The nurse -------------------------------------------------------------------------------


def nurse_opens_todays_case(nurse: Page, base: str | None, name: str) -> None:
    """Sign in (the first time) or go back to the station, and open the patient's case."""
    if base is not None:
        sign_in(nurse, base, NURSE)
        assert urlsplit(nurse.url).path == "/station/"
        assert_accessible(nurse)
    else:
        nurse.get_by_role("navigation", name="Main").get_by_role("link", name="Station").click()
    nurse.get_by_role("table").get_by_role("link", name=name).click()
    expect(nurse.get_by_role("heading", level=1)).to_have_text(
        "Medial branch block (diagnostic), lumbar right"
    )


def checks_in_completes_and_records_relief(
    nurse: Page, case: Appointment, relief: int, *, check_pages: bool = False
) -> None:
    open_items = [
        item.label
        for item in case.checklist_items.filter(required=True, done=False).order_by("order", "code")
    ]
    assert open_items, "a fresh case has required items open: check-in needs an override"
    actions = nurse.get_by_role("complementary", name="Actions")
    expect(actions).to_contain_text(f"{len(open_items)} required checklist items open.")
    actions.get_by_role("button", name="Check in").click()

    refusal = nurse.get_by_role("alert")
    expect(refusal).to_contain_text("Not checked in.")
    expect(refusal.get_by_role("listitem")).to_have_text(open_items)
    if check_pages:
        assert_accessible(nurse)
        screenshot(nurse, "day-check-in-refused")
    nurse.get_by_label("Why check in with these items open?").fill(OVERRIDE)
    nurse.get_by_role("button", name="Check in with override").click()
    expect(nurse.get_by_role("status")).to_contain_text("Checked in with an override")

    nurse.get_by_role("button", name="Mark completed").click()
    expect(nurse.get_by_role("status")).to_contain_text("Case completed.")
    nurse.get_by_label("Relief (%)").fill(str(relief))
    nurse.get_by_role("button", name="Record relief").click()
    expect(nurse.get_by_role("status")).to_contain_text(f"Relief recorded: {relief}%.")
    expect(nurse.get_by_role("region", name="Outcome")).to_contain_text(
        f"Relief {relief}% recorded by {NURSE}"
    )
    if check_pages:
        assert_accessible(nurse)
        screenshot(nurse, "day-block-completed")


# --- The story -------------------------------------------------------------------------------


# The server's clock runs from Monday morning; the story moves it on by days.
@pytest.mark.clock_at(REGISTRATION, tick=True)
def test_a_scheduler_and_a_nurse_take_a_new_patient_from_a_refused_rfa_to_a_booked_one(
    live_server, page, nurse_page, clock, make_staff, settings
):
    # Weeks of the story pass with one sign-in each: sessions here outlast the idle and
    # day limits (clinic.sessions), which tests/test_sessions.py covers.
    settings.SESSION_IDLE_MINUTES, settings.SESSION_MAX_HOURS = 60 * 24 * 60, 60 * 24
    settings.SESSION_COOKIE_AGE = 60 * 24 * 3600
    base = live_server.url
    make_staff("scheduler", SCHEDULER)
    nurse = make_staff("nurse", NURSE)
    clinic = make_small_clinic()
    other = book_case(
        clinic, start=OTHER_CASE, patient=PatientFactory(first_name="Ben", last_name="Okafor")
    )

    # Monday: a new patient, refused an RFA, booked for a first block on Wednesday.
    scheduler_signs_in(page, base)
    dana = registers_dana(page)
    pathway_says(page, "No pathway started")
    is_refused_the_rfa(page)
    first = books_first_slot(page, "MBB", FIRST_BLOCK, check_pages=True)
    expect(page.locator(".case-summary")).to_contain_text("Scheduled")
    assert_accessible(page)

    # Wednesday: the first block, 85%; the desk then books the second a week later.
    clock.move_to(morning_of(FIRST_BLOCK))
    nurse_opens_todays_case(nurse_page, base, "Dana Whitfield")
    checks_in_completes_and_records_relief(nurse_page, first, 85, check_pages=True)
    patient_page_from_case(page, "Dana Whitfield")
    pathway_says(page, "Lumbar right: first block 85% on 13 Jan; next: second block, from 14 Jan")
    page.get_by_role("link", name="Book a case").click()
    second = books_first_slot(page, "MBB", SECOND_BLOCK)

    # A week later: the second block, 90%; the RFA is now allowed.
    clock.move_to(morning_of(SECOND_BLOCK))
    nurse_opens_todays_case(nurse_page, None, "Dana Whitfield")
    checks_in_completes_and_records_relief(nurse_page, second, 90)
    patient_page_from_case(page, "Dana Whitfield")
    pathway_says(page, "Lumbar right: second block 90% on 20 Jan; next: RFA, from 21 Jan")
    screenshot(page, "day-patient-rfa-allowed")
    page.get_by_role("link", name="Book a case").click()
    rfa = books_first_slot(page, "RFA", RFA_SEARCH)

    # The patient cannot come on Wednesday: the RFA moves to Thursday's first slot.
    reschedules_to_first_slot_on(page, RFA_MOVED)
    moved_words = "Moved from Wed 27 Jan 08:00 (Dr. Chen, Suite 1) to Thu 28 Jan 08:00 (Dr. Chen"
    expect(page.get_by_role("status")).to_contain_text(moved_words)
    expect(page.locator(".case-summary")).to_contain_text("Thursday 28 January 2027, 08:00–09:00")
    expect(page.get_by_role("region", name="History")).to_contain_text(
        f"{moved_words}, Suite 1) by {SCHEDULER}"
    )
    screenshot(page, "day-rfa-moved")

    # Another patient calls to cancel.
    cancels_the_case_of(page, "Okafor", "Patient asked to cancel", CANCEL_REASON)
    cancelled = page.locator(".alert-bad")
    expect(cancelled).to_contain_text("Cause: Patient asked to cancel.")
    expect(cancelled).to_contain_text(f"Reason: “{CANCEL_REASON}”")
    history = page.get_by_role("region", name="History")
    expect(history).to_contain_text(f"Cancelled by {SCHEDULER} on Wed 20 Jan")
    expect(history).to_contain_text(f": patient asked to cancel — '{CANCEL_REASON}'")
    assert_accessible(page)
    screenshot(page, "day-other-cancelled")

    # What the clinic's records hold.
    cases = {c.pk: c for c in Appointment.objects.filter(patient=dana)}
    assert set(cases) == {first.pk, second.pk, rfa.pk}  # the refused RFA wrote nothing
    for block, day, relief in ((first, FIRST_BLOCK, 85), (second, SECOND_BLOCK, 90)):
        done = cases[block.pk]
        assert (done.procedure_type.code, timezone.localdate(done.start), done.status) == (
            "MBB",
            day,
            Status.COMPLETED,
        )
        assert (done.relief_percent, done.outcome_recorded_by) == (relief, nurse)
        assert done.check_in_override_reason == OVERRIDE
    moved = cases[rfa.pk]
    assert (moved.procedure_type.code, moved.status) == ("RFA", Status.SCHEDULED)
    assert moved.start == local(2027, 1, 28, 8, 0)
    other.refresh_from_db()
    assert (other.status, other.cancel_cause, other.cancel_reason) == (
        Status.CANCELLED,
        CancelCause.PATIENT_REQUEST,
        CANCEL_REASON,
    )

    assert trail("clinic.patient", dana.pk) == [("patient.create", SCHEDULER)]
    for block in (first, second):
        assert trail("scheduling.appointment", block.pk) == [
            ("appointment.book", SCHEDULER),
            ("appointment.check_in_override", NURSE),
            ("appointment.checked_in", NURSE),
            ("appointment.completed", NURSE),
            ("appointment.outcome", NURSE),
        ]
    assert trail("scheduling.appointment", rfa.pk) == [
        ("appointment.book", SCHEDULER),
        ("appointment.reschedule", SCHEDULER),
    ]
    assert trail("scheduling.appointment", other.pk) == [
        ("appointment.book", None),  # booked by the test, through the service
        ("appointment.cancelled", SCHEDULER),
    ]
    assert AuditEvent.objects.get(action="appointment.cancelled").reason == CANCEL_REASON
