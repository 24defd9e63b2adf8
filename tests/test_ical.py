"""Providers' calendar feeds: what a subscribed calendar reads, and who may read it.

The feed is fetched as a calendar app would (no session, the token in the link) and parsed
back with icalendar. Cases are booked, moved and cancelled through the real services; links
are issued and revoked through the service and through the admin, as a manager would.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar, Component

from clinic.models import AuditEvent
from scheduling import services
from scheduling.ical.events import uid_for
from scheduling.ical.feeds import IssuedLink, feed_issue, feed_revoke
from scheduling.models import Appointment, CalendarFeed
from tests.factories import PatientFactory
from tests.scheduling_helpers import SmallClinic, book_case, local, make_small_clinic

NOW = local(2026, 11, 16, 10, 0)  # a Monday
THURSDAY_9 = local(2026, 11, 19, 9, 0)
FRIDAY_14 = local(2026, 11, 20, 14, 0)

pytestmark = pytest.mark.clock_at(NOW)


@pytest.fixture
def chens_link(clinic: SmallClinic) -> IssuedLink:
    return feed_issue(provider=clinic.chen, acting_user=None)


@pytest.fixture
def app() -> Client:
    """A calendar app: no session, no cookies, only the link."""
    return Client()


def fetch(app: Client, path: str) -> Calendar:
    response = app.get(path)
    assert response.status_code == 200, response.status_code
    return Calendar.from_ical(response.content)


def event_of(calendar: Calendar, case: Appointment) -> Component:
    [event] = [e for e in calendar.walk("VEVENT") if str(e["UID"]) == uid_for(case.pk)]
    return event


def unfolded(text: bytes) -> str:
    """The feed as one logical line per property: long lines are folded at 75 octets."""
    return text.decode().replace("\r\n ", "")


# --- What a subscribed calendar reads --------------------------------------------------------


def test_a_booked_case_shows_as_initials_and_procedure_in_its_room_in_utc(clinic, chens_link, app):
    patient = PatientFactory(first_name="Ann", last_name="Moore")
    case = book_case(clinic, patient=patient, start=THURSDAY_9)

    event = event_of(fetch(app, chens_link.path), case)

    assert str(event["SUMMARY"]) == "A.M. · Medial branch block (diagnostic)"
    assert str(event["LOCATION"]) == "Suite 1"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == THURSDAY_9
    assert event["DTSTART"].to_ical() == b"20261119T140000Z"  # in UTC
    assert event.decoded("DTEND") == THURSDAY_9 + dt.timedelta(minutes=30)
    assert event.decoded("DTSTAMP") == event.decoded("LAST-MODIFIED") == case.updated_at


def test_the_feed_names_the_provider_and_the_clinic_and_asks_to_be_fetched_every_15_minutes(
    clinic, chens_link, app
):
    response = app.get(chens_link.path)
    calendar = Calendar.from_ical(response.content)

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert set(response["Cache-Control"].replace(" ", "").split(",")) == {
        "private",
        "max-age=300",
    }
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"])
    assert str(calendar["X-WR-CALNAME"]) == f"Dr. Chen · {settings.CLINIC_NAME}"
    assert str(calendar["X-WR-TIMEZONE"]) == settings.TIME_ZONE
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT15M" in unfolded(response.content)
    assert "X-PUBLISHED-TTL:PT15M" in unfolded(response.content)


def test_a_calendar_follows_a_case_moved_then_cancelled_as_one_event(
    clinic, chens_link, app, clock
):
    case = book_case(clinic, start=THURSDAY_9)
    booked = event_of(fetch(app, chens_link.path), case)

    clock.move_to(NOW + dt.timedelta(minutes=5))
    services.appointment_reschedule(appointment=case, start=FRIDAY_14, acting_user=None)
    moved = event_of(fetch(app, chens_link.path), case)

    clock.move_to(NOW + dt.timedelta(minutes=10))
    services.appointment_cancel(appointment=case, reason="Patient is ill", acting_user=None)
    cancelled = event_of(fetch(app, chens_link.path), case)

    assert booked["UID"] == moved["UID"] == cancelled["UID"] == uid_for(case.pk)
    assert booked["SEQUENCE"] < moved["SEQUENCE"] < cancelled["SEQUENCE"]
    assert booked.decoded("DTSTART") == THURSDAY_9
    assert moved.decoded("DTSTART") == cancelled.decoded("DTSTART") == FRIDAY_14
    assert booked.decoded("DTSTAMP") < moved.decoded("DTSTAMP") < cancelled.decoded("DTSTAMP")
    assert str(moved["STATUS"]) == "CONFIRMED"
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert str(cancelled["TRANSP"]) == "TRANSPARENT"
    assert "Patient is ill" not in unfolded(app.get(chens_link.path).content)


def test_a_case_moved_to_another_provider_leaves_the_first_calendar_for_the_second(
    clinic, chens_link, app
):
    ortiz_link = feed_issue(provider=clinic.ortiz, acting_user=None)
    case = book_case(clinic, start=THURSDAY_9)

    services.appointment_reschedule(
        appointment=case, start=THURSDAY_9, provider=clinic.ortiz, acting_user=None
    )

    assert not fetch(app, chens_link.path).walk("VEVENT")
    assert event_of(fetch(app, ortiz_link.path), case)["SEQUENCE"] == 1


def test_check_in_and_completion_raise_the_sequence_and_a_no_show_stays_with_a_note(
    clinic, chens_link, app, clock
):
    done = book_case(clinic, start=local(2026, 11, 16, 11, 0))
    missed = book_case(clinic, start=local(2026, 11, 16, 13, 0))
    clock.move_to(local(2026, 11, 16, 11, 0))
    services.appointment_check_in(appointment=done, acting_user=None, override_reason="On paper")
    checked_in = event_of(fetch(app, chens_link.path), done)
    services.appointment_complete(appointment=done, acting_user=None)
    clock.move_to(local(2026, 11, 16, 13, 30))
    services.appointment_no_show(appointment=missed, acting_user=None)

    calendar = fetch(app, chens_link.path)

    assert checked_in["SEQUENCE"] == 1
    assert event_of(calendar, done)["SEQUENCE"] == 2
    assert str(event_of(calendar, done)["DESCRIPTION"]) == "Completed."
    no_show = event_of(calendar, missed)
    assert no_show["SEQUENCE"] == 1
    # Kept: the provider's time was held; the note says what happened.
    assert str(no_show["STATUS"]) == "CONFIRMED"
    assert "No-show" in str(no_show["DESCRIPTION"])


def test_the_feed_reaches_60_days_back_and_holds_only_this_providers_cases(clinic, chens_link, app):
    with time_machine.travel(local(2026, 9, 1, 8, 0), tick=False):
        too_old = book_case(clinic, start=local(2026, 9, 16, 9, 0))  # 61 days back
        recent = book_case(clinic, start=local(2026, 9, 18, 9, 0))  # 59 days back
    ortiz_case = book_case(clinic, start=THURSDAY_9, provider=clinic.ortiz, room=clinic.suite2)
    chen_case = book_case(clinic, start=THURSDAY_9)

    uids = {str(e["UID"]) for e in fetch(app, chens_link.path).walk("VEVENT")}

    assert uids == {uid_for(recent.pk), uid_for(chen_case.pk)}
    assert uid_for(too_old.pk) not in uids and uid_for(ortiz_case.pk) not in uids


def test_no_patient_data_beyond_initials_reaches_the_feed(clinic, chens_link, app):
    patient = PatientFactory(
        first_name="Rosalind",
        last_name="Quetzalcoatl",
        mrn="MRN-774411",
        phone="+12125550187",
        birth_date=dt.date(1961, 3, 7),
        email="rq@example.org",
    )
    case = book_case(clinic, patient=patient, start=THURSDAY_9)
    services.appointment_cancel(appointment=case, reason="Rosalind called", acting_user=None)

    text = unfolded(app.get(chens_link.path).content)

    assert "R.Q. · " in text
    for personal in (
        "Rosalind",
        "Quetzalcoatl",
        "MRN-774411",
        "774411",
        "5550187",
        "1961",
        "03-07",
        "0307",
        "rq@example.org",
    ):
        assert personal.lower() not in text.lower(), personal


# --- Who may read it -------------------------------------------------------------------------


def chen_path(clinic: SmallClinic, token: str | None) -> str:
    base = f"/calendar/{clinic.chen.pk}.ics"
    return base if token is None else f"{base}?token={token}"


@pytest.mark.parametrize("token", [None, "", "not-the-token"])
def test_a_missing_or_wrong_token_gets_a_404(clinic, chens_link, app, token):
    book_case(clinic, start=THURSDAY_9)

    response = app.get(chen_path(clinic, token))

    assert response.status_code == 404
    assert b"VCALENDAR" not in response.content


def test_one_providers_token_opens_no_other_calendar_and_an_unknown_provider_is_a_404(clinic, app):
    ortiz_link = feed_issue(provider=clinic.ortiz, acting_user=None)
    book_case(clinic, start=THURSDAY_9)

    assert app.get(chen_path(clinic, ortiz_link.token)).status_code == 404
    assert app.get(f"/calendar/999999.ics?token={ortiz_link.token}").status_code == 404
    assert app.get(ortiz_link.path).status_code == 200


def test_a_new_link_works_and_the_old_one_stops(clinic, chens_link, app):
    assert app.get(chens_link.path).status_code == 200

    new = feed_issue(provider=clinic.chen, acting_user=None)

    assert new.token != chens_link.token
    assert app.get(chens_link.path).status_code == 404
    assert app.get(new.path).status_code == 200
    assert CalendarFeed.objects.filter(provider=clinic.chen).count() == 1


@pytest.mark.race
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_five_managers_issuing_at_once_leave_one_row_and_one_working_link(app):
    clinic = make_small_clinic()
    barrier = threading.Barrier(5)

    def issue(_: int) -> str:
        try:
            barrier.wait(timeout=30)
            return feed_issue(provider=clinic.chen, acting_user=None).path
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=5) as pool:
        paths = list(pool.map(issue, range(5)))

    assert CalendarFeed.objects.filter(provider=clinic.chen).count() == 1
    assert sorted(app.get(path).status_code for path in paths) == [200, 404, 404, 404, 404]


def test_a_revoked_link_is_a_404_until_a_new_one_is_issued(clinic, chens_link, app):
    feed_revoke(feed=chens_link.feed, acting_user=None)

    assert app.get(chens_link.path).status_code == 404

    again = feed_issue(provider=clinic.chen, acting_user=None)
    assert app.get(chens_link.path).status_code == 404
    assert app.get(again.path).status_code == 200


def test_only_a_hash_of_the_token_is_stored_or_audited(clinic, chens_link):
    feed = CalendarFeed.objects.get(provider=clinic.chen)

    assert chens_link.token not in feed.token_hash
    assert re.fullmatch(r"[0-9a-f]{64}", feed.token_hash)
    [event] = AuditEvent.objects.filter(action="calendar_feed.issue")
    assert chens_link.token not in str(event.changes)
    assert feed.token_hash not in str(event.changes)


def test_a_fetch_writes_no_audit_event_and_logs_no_token(clinic, chens_link, app, caplog):
    book_case(clinic, start=THURSDAY_9)
    before = AuditEvent.objects.count()

    with caplog.at_level("INFO"):
        app.get(chens_link.path)
        app.get(chen_path(clinic, "guess"))

    assert AuditEvent.objects.count() == before
    assert "Calendar feed served" in caplog.text and "Calendar feed refused" in caplog.text
    assert chens_link.token not in caplog.text


def test_the_feed_answers_in_the_same_queries_for_5_cases_as_for_30(clinic, chens_link, app):
    def book_cases(count: int, first: dt.datetime) -> None:
        for index in range(count):
            day, hour = divmod(index, 8)
            book_case(clinic, start=first + dt.timedelta(days=day, hours=hour))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert app.get(chens_link.path).status_code == 200
        return len(captured)

    book_cases(5, local(2026, 11, 17, 8, 0))
    five = queries()
    book_cases(25, local(2026, 11, 30, 8, 0))  # Monday 30 November to Thursday 3 December
    thirty = queries()

    assert len(fetch(app, chens_link.path).walk("VEVENT")) == 30
    assert five == thirty == 2


# --- Managers in the admin -------------------------------------------------------------------


def test_a_manager_issues_replaces_and_revokes_a_link_in_the_admin(clinic, make_staff, app, client):
    manager = make_staff("manager")
    client.force_login(manager)

    added = client.post(
        "/admin/scheduling/calendarfeed/add/", {"provider": clinic.chen.pk}, follow=True
    )
    [first_url] = re.findall(r"http://testserver(/calendar/\d+\.ics\?token=[\w-]+)", added.text)
    assert app.get(first_url).status_code == 200

    feed = CalendarFeed.objects.get(provider=clinic.chen)
    replaced = client.post(
        "/admin/scheduling/calendarfeed/",
        {"action": "issue_new_link", "_selected_action": [feed.pk]},
        follow=True,
    )
    [second_url] = re.findall(r"http://testserver(/calendar/\d+\.ics\?token=[\w-]+)", replaced.text)
    assert app.get(first_url).status_code == 404
    assert app.get(second_url).status_code == 200

    client.post(
        "/admin/scheduling/calendarfeed/",
        {"action": "revoke_link", "_selected_action": [feed.pk]},
        follow=True,
    )
    assert app.get(second_url).status_code == 404
    actions = list(
        AuditEvent.objects.filter(object_type="scheduling.calendarfeed")
        .order_by("id")
        .values_list("action", "actor_username")
    )
    assert actions == [
        ("calendar_feed.issue", manager.username),
        ("calendar_feed.issue", manager.username),
        ("calendar_feed.revoke", manager.username),
    ]


def test_the_admin_shows_a_link_once_and_never_its_token_again(clinic, make_staff, client):
    client.force_login(make_staff("manager"))
    added = client.post(
        "/admin/scheduling/calendarfeed/add/", {"provider": clinic.chen.pk}, follow=True
    )
    [token] = re.findall(r"\?token=([\w-]+)", added.text)
    feed = CalendarFeed.objects.get(provider=clinic.chen)

    later = [
        client.get("/admin/scheduling/calendarfeed/").text,
        client.get(f"/admin/scheduling/calendarfeed/{feed.pk}/change/").text,
    ]

    assert all(token not in page and feed.token_hash not in page for page in later)


@pytest.mark.parametrize("role", ["scheduler", "nurse"])
def test_staff_other_than_managers_cannot_issue_links(clinic, make_staff, client, role):
    client.force_login(make_staff(role))

    response = client.post("/admin/scheduling/calendarfeed/add/", {"provider": clinic.chen.pk})

    assert response.status_code in (302, 403)
    assert not CalendarFeed.objects.exists()
