"""Real Chromium: a nurse's day with the checklist, check-in, outcome and follow-up.

The afternoon before, the nurse opens tomorrow's worklist and a warfarin patient's epidural
from it. On the day she enters an INR of 1.8, which is refused with the limit, then 1.1;
ticks every required item; checks the patient in without an override; completes the case
and records 85% relief. A second patient is checked in with an override and its reason, and
the page says who overrode what. Two weeks later she records the follow-up the reminder
rules asked for. In a second test two nurses tick the same item from two browsers: the
second is told who changed it, and the first one's tick stands. A third works with
JavaScript off: every save is a plain form POST.

axe-core runs on every state of the page the nurse sees; screenshots go to
$SCREENS_DIR/nurse-*.png when SCREENS_DIR is set. The server's clock is moved by
time_machine while the browser keeps real time: every date is after today's real date, so
the session cookies the server dates never look expired to the browser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from clinic.models import AuditEvent
from scheduling import services
from scheduling.models import Appointment, ChecklistItem, Status
from tests.browser import assert_accessible, screenshot, sign_in, watched_page
from tests.factories import PatientFactory, drug
from tests.scheduling_helpers import book_case, local, make_small_clinic

pytest_plugins = ["tests.browser"]

# The catalog and hold table come from data migrations; a transactional test flushes the
# tables afterwards, and serialized rollback puts the migrated rows back before each test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Clinic days in January 2027, none a New York public holiday (MLK Day is the 18th).
BOOKED = local(2027, 1, 4, 8, 0)  # Monday: the desk books the week after next's cases
EVE = local(2027, 1, 11, 15, 30)  # Monday afternoon: the nurse prepares tomorrow
CASE_DAY = local(2027, 1, 12, 7, 30)  # Tuesday morning, before the first case
FOLLOW_UP_DAY = local(2027, 1, 26, 10, 0)  # Tuesday: the epidural's 14-day follow-up

NINA, OLGA = "nina.nurse", "olga.nurse"
INR_REFUSED = "INR 1.8 is above the limit of 1.40: the case cannot go ahead."
OVERRIDE = "Consent signed on paper at the front desk; scanned after the case"


def case_path(case: Appointment) -> str:
    return f"/appointments/{case.pk}/"


def row(page: Page, item: ChecklistItem) -> Locator:
    return page.locator(f"#item-{item.pk}")


def items_of(case: Appointment) -> dict[str, ChecklistItem]:
    return {item.code: item for item in case.checklist_items.all()}


def tick(page: Page, item: ChecklistItem) -> None:
    """Tick one item in its row and wait for the row to come back done."""
    line = row(page, item)
    line.get_by_role("button", name=f"Tick {item.label}", exact=True).click()
    expect(line.get_by_role("cell").nth(0)).to_have_text("Done")


def trail(case: Appointment) -> list[tuple[str, str | None]]:
    rows = AuditEvent.objects.filter(
        object_type="scheduling.appointment", object_id=str(case.pk)
    ).order_by("at", "id")
    return [(e.action, e.actor.username if e.actor else None) for e in rows]


@pytest.mark.clock_at(BOOKED, tick=True)
def test_a_nurse_works_a_warfarin_patients_checklist_checks_in_completes_and_follows_up(
    live_server, page, clock, make_staff, settings
):
    # Monday afternoon to Tuesday morning with one sign-in: sessions here last a day, idle or
    # not (clinic.sessions' limits are covered by tests/test_sessions.py).
    settings.SESSION_IDLE_MINUTES, settings.SESSION_MAX_HOURS = 24 * 60, 24
    settings.SESSION_COOKIE_AGE = 24 * 3600
    base = live_server.url
    nina = make_staff("nurse", NINA)
    clinic = make_small_clinic()
    erin = PatientFactory(first_name="Erin", last_name="Walsh")
    services.medication_add(patient=erin, drug=drug("warfarin"), acting_user=None)
    epidural = book_case(
        clinic, patient=erin, start=local(2027, 1, 12, 9, 0), code="ESI_IL", region="lumbar"
    )
    block = book_case(
        clinic,
        patient=PatientFactory(first_name="Frank", last_name="Osei"),
        start=local(2027, 1, 12, 10, 0),
        provider=clinic.ortiz,
        room=clinic.suite2,
    )
    items = items_of(epidural)
    required = [i for i in epidural.checklist_items.all() if i.required]
    assert {"hold_confirmed", "inr"} <= {i.code for i in required}

    # Monday afternoon: tomorrow's worklist, and Erin's case from it by her name.
    clock.move_to(EVE)
    sign_in(page, base, NINA)
    page.goto(f"{base}/station/?date=2027-01-12")
    page.get_by_role("link", name="Erin Walsh").first.click()
    page.wait_for_url(re.compile(rf"{case_path(epidural)}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Interlaminar epidural steroid injection, lumbar right"
    )
    actions = page.get_by_role("complementary", name="Actions")
    expect(actions).to_contain_text("Check-in opens on the day of the case, Tuesday 12 January.")
    checklist = page.get_by_role("region", name="Checklist")
    expect(checklist).to_contain_text(f"0 of {len(required)} required items done")
    assert_accessible(page)
    screenshot(page, "nurse-checklist-open")

    # The hold was confirmed with the prescriber by phone: ticked the day before.
    tick(page, items["hold_confirmed"])
    expect(checklist.locator("#checklist-status")).to_have_text(
        "Anticoagulant hold confirmed, prescriber approved: ticked."
    )
    expect(row(page, items["hold_confirmed"])).to_contain_text(f"{NINA}, Mon 11 Jan, 15:3")

    # Tuesday: the INR from the morning's test, 1.8, is over the limit and refused.
    clock.move_to(CASE_DAY)
    page.reload()
    inr = row(page, items["inr"])
    inr.get_by_label("INR").fill("1.8")
    inr.get_by_role("button", name="Tick INR").click()
    expect(inr.get_by_role("alert")).to_have_text(f"Not saved. {INR_REFUSED}")
    expect(inr.get_by_label("INR")).to_have_value("1.8")
    expect(inr.get_by_label("INR")).to_have_attribute("aria-invalid", "true")
    expect(inr.get_by_role("cell").nth(0)).to_have_text("Open")
    assert_accessible(page)
    screenshot(page, "nurse-inr-refused")
    assert ChecklistItem.objects.get(pk=items["inr"].pk).value == ""

    # A repeat test gives 1.1: accepted.
    inr.get_by_label("INR").fill("1.1")
    inr.get_by_role("button", name="Tick INR").click()
    expect(inr.get_by_role("cell").nth(0)).to_have_text("Done")
    expect(inr.get_by_role("cell").nth(1)).to_have_text("1.1")
    expect(inr.get_by_role("alert")).to_have_count(0)

    # The first by keyboard: after the row is swapped, focus stays on its button, now "Untick".
    identity = items["identity"]
    row(page, identity).get_by_role("button", name=f"Tick {identity.label}").focus()
    page.keyboard.press("Enter")
    expect(row(page, identity).get_by_role("cell").nth(0)).to_have_text("Done")
    expect(page.get_by_role("button", name=f"Untick {identity.label}")).to_be_focused()
    # Every other required item, one by one.
    for item in required:
        if item.code not in ("hold_confirmed", "inr", "identity"):
            tick(page, item)
    expect(checklist).to_contain_text(
        f"{len(required)} of {len(required)} required items done — ready for check-in"
    )
    assert_accessible(page)
    screenshot(page, "nurse-checklist-done")

    # Check-in needs no override now; then the case is completed and its relief recorded.
    actions.get_by_role("button", name="Check in").click()
    expect(page.get_by_role("status")).to_have_text("Checked in.")
    expect(page.locator(".override-banner")).to_have_count(0)
    page.get_by_role("button", name="Mark completed").click()
    expect(page.get_by_role("status")).to_have_text("Case completed.")
    page.get_by_label("Relief (%)").fill("85")
    page.get_by_role("button", name="Record relief").click()
    expect(page.get_by_role("status")).to_have_text("Relief recorded: 85%.")
    outcome = page.get_by_role("region", name="Outcome")
    expect(outcome).to_contain_text(f"Relief 85% recorded by {NINA}")
    expect(outcome).to_contain_text(
        "Follow-up due on Tuesday 26 January 2027: the patient's reminder is pending."
    )
    expect(actions).to_contain_text(
        "Follow-ups (relief on a later day) can be recorded from Wednesday 13 January."
    )
    assert_accessible(page)
    screenshot(page, "nurse-completed")

    # Frank's block: required items open, so check-in is refused with each one linked.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Station").click()
    page.get_by_role("link", name="Frank Osei").first.click()
    page.wait_for_url(re.compile(rf"{case_path(block)}$"))
    open_items = [i for i in block.checklist_items.all() if i.required and not i.done]
    page.get_by_role("complementary", name="Actions").get_by_role("button", name="Check in").click()
    refusal = page.locator(".check-in-refusal")
    expect(refusal).to_contain_text(f"Not checked in. {len(open_items)} required checklist items")
    expect(refusal.get_by_role("link")).to_have_text([i.label for i in open_items])
    refusal.get_by_role("link", name=open_items[0].label).click()
    assert urlsplit(page.url).fragment == f"item-{open_items[0].pk}"
    expect(row(page, open_items[0])).to_be_in_viewport()
    assert_accessible(page)
    screenshot(page, "nurse-check-in-refused")

    page.get_by_label("Why check in with these items open?").fill(OVERRIDE)
    page.get_by_role("button", name="Check in with override").click()
    expect(page.get_by_role("status")).to_contain_text("Checked in with an override")
    banner = page.locator(".override-banner")
    expect(banner).to_contain_text(f"Checked in with an override by {NINA} on Tue 12 Jan at 07:3")
    expect(banner).to_contain_text(f"“{OVERRIDE}”")
    expect(banner.get_by_role("link")).to_have_text([i.label for i in open_items])
    assert_accessible(page)
    screenshot(page, "nurse-override-banner")

    # Two weeks on, the follow-up the reminder asked for (a new day, a new sign-in).
    clock.move_to(FOLLOW_UP_DAY)
    sign_in(page, base, NINA)
    page.goto(f"{base}{case_path(epidural)}")
    form = page.get_by_role("group", name="Record a follow-up")
    expect(form.get_by_label("Day assessed")).to_have_value("2027-01-26")
    assert_accessible(page)
    screenshot(page, "nurse-follow-up-form")
    form.get_by_label("Relief on that day (%)").fill("70")
    page.get_by_role("button", name="Record the follow-up").click()
    expect(page.get_by_role("status")).to_have_text(
        "Follow-up recorded: relief 70% on Tue 26 Jan 2027."
    )
    follow_ups = page.get_by_role("table", name="Relief assessed on later days")
    expect(follow_ups.get_by_role("row").nth(1)).to_have_text(
        re.compile(rf"Tue 26 Jan 2027\s*70%\s*{NINA}, Tue 26 Jan 2027, 10:0\d")
    )
    expect(page.get_by_role("region", name="Outcome")).to_contain_text(
        "Follow-up due on Tuesday 26 January 2027: recorded, 70% on Tue 26 Jan."
    )
    assert_accessible(page)
    screenshot(page, "nurse-follow-up-recorded")

    # What the records hold.
    epidural.refresh_from_db()
    assert (epidural.status, epidural.relief_percent, epidural.check_in_override_reason) == (
        Status.COMPLETED,
        85,
        "",
    )
    inr_item = ChecklistItem.objects.get(pk=items["inr"].pk)
    assert (inr_item.done, inr_item.value, inr_item.done_by, inr_item.version) == (
        True,
        "1.1",
        nina,
        items["inr"].version + 1,  # the refused 1.8 wrote nothing
    )
    assert all(i.done and i.done_by == nina for i in epidural.checklist_items.all() if i.required)
    assert trail(epidural) == [
        ("appointment.book", None),
        ("appointment.checked_in", NINA),
        ("appointment.completed", NINA),
        ("appointment.outcome", NINA),
        ("appointment.follow_up", NINA),
    ]
    [follow_up] = epidural.follow_ups.all()
    assert (follow_up.relief_percent, follow_up.recorded_by) == (70, nina)
    block.refresh_from_db()
    assert (block.status, block.check_in_override_reason) == (Status.CHECKED_IN, OVERRIDE)
    override = AuditEvent.objects.get(action="appointment.check_in_override")
    assert (override.actor, override.reason, override.changes["open_items"]) == (
        nina,
        OVERRIDE,
        [i.code for i in open_items],
    )


@pytest.fixture
def olga_page(browser: Browser) -> Iterator[Page]:
    """A second nurse's browser, watched for CSP refusals as `page` is."""
    with watched_page(browser) as opened:
        yield opened


@pytest.mark.clock_at(local(2027, 1, 13, 7, 45), tick=True)
def test_two_nurses_tick_the_same_item_and_the_second_is_told_instead_of_overwriting(
    live_server, page, olga_page, make_staff
):
    base = live_server.url
    nina = make_staff("nurse", NINA)
    make_staff("nurse", OLGA)
    case = book_case(
        make_small_clinic(),
        patient=PatientFactory(first_name="Grace", last_name="Lund"),
        start=local(2027, 1, 13, 11, 0),
    )
    consent = ChecklistItem.objects.get(appointment=case, code="consent")
    for who, browser_page in ((NINA, page), (OLGA, olga_page)):
        sign_in(browser_page, base, who)
        browser_page.goto(f"{base}{case_path(case)}")
        expect(row(browser_page, consent).get_by_role("cell").nth(0)).to_have_text("Open")

    tick(page, consent)
    row(olga_page, consent).get_by_role("button", name="Tick Consent signed").click()

    conflict = row(olga_page, consent).get_by_role("alert")
    expect(conflict).to_contain_text(f'Not saved. "Consent signed" was changed by {NINA} at 07:4')
    expect(conflict).to_contain_text(
        "after you opened it; reload to see the change, then save again if it still needs it."
    )
    # Her row shows the item as it is now: Nina's tick.
    expect(row(olga_page, consent)).to_contain_text(f"Done {NINA}")
    assert_accessible(olga_page)
    screenshot(olga_page, "nurse-edit-conflict")

    conflict.get_by_role("link", name="Reload").click()
    expect(row(olga_page, consent).get_by_role("alert")).to_have_count(0)
    expect(
        row(olga_page, consent).get_by_role("button", name="Untick Consent signed")
    ).to_be_visible()

    consent.refresh_from_db()
    assert (consent.done, consent.done_by, consent.version) == (True, nina, 2)
    ticks = AuditEvent.objects.filter(
        object_type="scheduling.checklistitem", object_id=str(consent.pk)
    )
    assert [e.actor.username for e in ticks] == [NINA]


@pytest.mark.clock_at(BOOKED, tick=True)
def test_with_javascript_off_each_save_is_a_plain_post_that_comes_back_at_the_item(
    live_server, browser, clock, make_staff
):
    base = live_server.url
    make_staff("nurse", NINA)
    patient = PatientFactory(first_name="Hana", last_name="Berg")
    services.medication_add(patient=patient, drug=drug("warfarin"), acting_user=None)
    case = book_case(
        make_small_clinic(), patient=patient, start=local(2027, 1, 14, 9, 0), code="ESI_TF"
    )
    items = items_of(case)
    clock.move_to(local(2027, 1, 14, 7, 40))

    with watched_page(browser, java_script_enabled=False) as page:
        sign_in(page, base, NINA)
        page.goto(f"{base}{case_path(case)}")
        inr = row(page, items["inr"])
        inr.get_by_label("INR").fill("1.8")
        inr.get_by_role("button", name="Tick INR").click()

        # The refusal is the whole page, with the typed value kept and the field focused.
        assert urlsplit(page.url).path == f"{case_path(case)}checklist/{items['inr'].pk}/"
        inr = row(page, items["inr"])
        expect(inr.get_by_role("alert")).to_have_text(f"Not saved. {INR_REFUSED}")
        expect(inr.get_by_label("INR")).to_have_value("1.8")
        expect(inr.get_by_label("INR")).to_be_focused()
        # (axe-core needs JavaScript: the same page state is checked in the story above.)

        page.keyboard.press("Control+A")
        page.keyboard.type("1.1")
        page.keyboard.press("Enter")

        # Saved: back on the case page at the item, with the message.
        page.wait_for_url(f"{base}{case_path(case)}#item-{items['inr'].pk}")
        expect(page.get_by_role("status")).to_have_text(
            "INR recorded on the day, within limit: ticked (1.1)."
        )
        expect(row(page, items["inr"]).get_by_role("cell").nth(1)).to_have_text("1.1")
        expect(row(page, items["inr"])).to_be_in_viewport()

    saved = ChecklistItem.objects.get(pk=items["inr"].pk)
    assert (saved.done, saved.value, saved.version) == (True, "1.1", items["inr"].version + 1)
