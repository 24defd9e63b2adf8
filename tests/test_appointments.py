"""Booking, moving, cancelling and working through a case, through the API."""

from __future__ import annotations

import datetime as dt

import pytest

from clinic.models import AuditEvent
from scheduling.models import Appointment, ProviderDayException, Status
from tests.factories import PatientFactory, RoomFactory
from tests.scheduling_helpers import booking_body, local, post_booking

NOW = local(2026, 11, 18, 10, 0)  # a Wednesday
THURSDAY_9 = local(2026, 11, 19, 9, 0)

pytestmark = pytest.mark.clock_at(NOW)


@pytest.fixture
def patient(db):
    return PatientFactory()


def test_a_scheduler_books_a_case_and_gets_its_times_and_status(clinic, patient, scheduler_api):
    response = post_booking(scheduler_api, clinic, patient, THURSDAY_9)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "scheduled"
    assert dt.datetime.fromisoformat(body["start"]) == THURSDAY_9
    assert dt.datetime.fromisoformat(body["end"]) == THURSDAY_9 + dt.timedelta(minutes=30)
    appointment = Appointment.objects.get(pk=body["id"])
    assert appointment.room_busy_until == THURSDAY_9 + dt.timedelta(minutes=45)
    event = AuditEvent.objects.get(action="appointment.book", object_id=str(appointment.pk))
    assert event.actor == scheduler_api.user
    assert event.changes["procedure_type"] == appointment.procedure_type_id


def test_the_appointment_is_read_back_by_id(clinic, patient, scheduler_api, nurse_api):
    created = post_booking(scheduler_api, clinic, patient, THURSDAY_9).json()
    response = nurse_api.get(f"/api/appointments/{created['id']}/")
    assert response.status_code == 200
    assert response.json()["procedure_type"] == "MBB"
    assert response.json()["patient"] == patient.pk


@pytest.mark.parametrize(
    ("second", "resource"),
    [
        ({"room": "suite2"}, "provider"),  # Dr. Chen is in Suite 1 already
        ({"provider": "ortiz"}, "room"),  # Suite 1 is taken
        ({"provider": "ortiz", "room": "suite2", "same_patient": True}, "patient"),
    ],
)
def test_a_second_case_on_a_busy_resource_is_refused_with_slot_unavailable(
    clinic, patient, scheduler_api, second, resource
):
    assert post_booking(scheduler_api, clinic, patient, THURSDAY_9).status_code == 201
    other = patient if second.get("same_patient") else PatientFactory()
    overrides = {}
    if "room" in second:
        overrides["room"] = getattr(clinic, second["room"]).pk
    if "provider" in second:
        overrides["provider"] = getattr(clinic, second["provider"]).pk
    response = post_booking(
        scheduler_api, clinic, other, THURSDAY_9 + dt.timedelta(minutes=15), **overrides
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "slot_unavailable"
    assert body["resource"] == resource
    assert Appointment.objects.count() == 1


def test_the_room_turnover_is_kept_free_after_a_case(clinic, patient, scheduler_api):
    assert post_booking(scheduler_api, clinic, patient, THURSDAY_9).status_code == 201
    during_turnover = post_booking(
        scheduler_api,
        clinic,
        PatientFactory(),
        THURSDAY_9 + dt.timedelta(minutes=30),
        provider=clinic.ortiz.pk,
    )
    assert during_turnover.status_code == 409
    assert "turnover" in during_turnover.json()["detail"]
    after_turnover = post_booking(
        scheduler_api,
        clinic,
        PatientFactory(),
        THURSDAY_9 + dt.timedelta(minutes=45),
        provider=clinic.ortiz.pk,
    )
    assert after_turnover.status_code == 201


def test_a_cancelled_case_frees_its_slot(clinic, patient, scheduler_api):
    first = post_booking(scheduler_api, clinic, patient, THURSDAY_9).json()
    scheduler_api.post(f"/api/appointments/{first['id']}/cancel/", {"reason": "Patient has flu"})
    assert post_booking(scheduler_api, clinic, PatientFactory(), THURSDAY_9).status_code == 201


@pytest.mark.parametrize(
    ("start", "overrides", "code"),
    [
        (local(2026, 11, 19, 7, 30), {}, "outside_hours"),  # before Dr. Chen starts
        (local(2026, 11, 19, 16, 45), {}, "outside_hours"),  # would end after 17:00
        (local(2026, 11, 21, 9, 0), {}, "outside_hours"),  # a Saturday
        (local(2026, 11, 26, 9, 0), {}, "outside_hours"),  # Thanksgiving
        (local(2026, 11, 18, 9, 0), {}, "start_in_past"),
        (THURSDAY_9, {"room": "exam"}, "room_unsuitable"),
    ],
)
def test_a_booking_outside_hours_in_the_past_or_in_the_wrong_room_is_refused(
    clinic, patient, scheduler_api, start, overrides, code
):
    if "room" in overrides:
        overrides = {"room": getattr(clinic, overrides["room"]).pk}
    response = post_booking(scheduler_api, clinic, patient, start, **overrides)
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert not Appointment.objects.exists()


def test_a_provider_on_vacation_cannot_be_booked(clinic, patient, scheduler_api):
    ProviderDayException.objects.create(
        provider=clinic.chen, date=THURSDAY_9.date(), reason="Leave"
    )
    response = post_booking(scheduler_api, clinic, patient, THURSDAY_9)
    assert response.status_code == 422
    assert "Dr. Chen is not working" in response.json()["detail"]


@pytest.mark.parametrize(
    "field_values",
    [
        {"start": "2026-02-30T09:00:00-05:00"},
        {"start": "not a time"},
        {"patient": 999999},
        {"provider": "abc"},
        {"room": 999999},
        {"procedure_type": "XYZ"},
        {"region": "knee"},
        {"side": "both"},
    ],
)
def test_bad_booking_input_gets_a_field_error_and_writes_nothing(
    clinic, patient, scheduler_api, field_values
):
    body = booking_body(clinic, patient.pk, THURSDAY_9)
    body.update(field_values)
    response = scheduler_api.post("/api/appointments/", body, format="json")
    assert response.status_code == 400
    assert set(field_values) <= set(response.json())
    assert not Appointment.objects.exists()


def test_malformed_json_is_a_400_in_the_error_shape(clinic, scheduler_api):
    response = scheduler_api.post(
        "/api/appointments/", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"


def test_a_case_is_rescheduled_and_every_check_runs_again(clinic, patient, scheduler_api):
    first = post_booking(scheduler_api, clinic, patient, THURSDAY_9).json()
    blocker = post_booking(
        scheduler_api, clinic, PatientFactory(), local(2026, 11, 20, 9, 0)
    ).json()
    assert blocker["id"]

    clash = scheduler_api.post(
        f"/api/appointments/{first['id']}/reschedule/", {"start": "2026-11-20T09:00:00-05:00"}
    )
    assert clash.status_code == 409
    assert clash.json()["code"] == "slot_unavailable"

    moved = scheduler_api.post(
        f"/api/appointments/{first['id']}/reschedule/",
        {"start": "2026-11-20T10:00:00-05:00", "provider": clinic.ortiz.pk},
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["id"] == first["id"]
    assert moved.json()["provider"] == clinic.ortiz.pk
    assert dt.datetime.fromisoformat(moved.json()["start"]) == local(2026, 11, 20, 10, 0)
    event = AuditEvent.objects.get(action="appointment.reschedule")
    assert set(event.changes) == {"start", "end", "provider"}


def test_moving_a_case_later_by_fifteen_minutes_does_not_clash_with_itself(
    clinic, patient, scheduler_api
):
    first = post_booking(scheduler_api, clinic, patient, THURSDAY_9).json()
    moved = scheduler_api.post(
        f"/api/appointments/{first['id']}/reschedule/", {"start": "2026-11-19T09:15:00-05:00"}
    )
    assert moved.status_code == 200


def test_the_day_of_a_case_check_in_then_complete(clinic, patient, scheduler_api, nurse_api, clock):
    created = post_booking(scheduler_api, clinic, patient, THURSDAY_9).json()
    clock.move_to(local(2026, 11, 19, 8, 30))
    # The checklist is the subject of its own tests: here the nurse overrides it.
    checked_in = nurse_api.post(
        f"/api/appointments/{created['id']}/check-in/", {"override_reason": "Checked on paper"}
    )
    assert checked_in.status_code == 200
    assert checked_in.json()["status"] == "checked_in"
    completed = nurse_api.post(f"/api/appointments/{created['id']}/complete/")
    assert completed.status_code == 200
    assert completed.json()["status"] == "completed"
    actions = list(
        AuditEvent.objects.filter(object_id=str(created["id"]))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "appointment.book",
        "appointment.check_in_override",
        "appointment.checked_in",
        "appointment.completed",
    ]


def test_check_in_is_refused_before_the_day_of_the_case(clinic, patient, scheduler_api, nurse_api):
    created = post_booking(scheduler_api, clinic, patient, THURSDAY_9).json()
    response = nurse_api.post(f"/api/appointments/{created['id']}/check-in/", {})
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_completing_before_check_in_is_an_invalid_transition(
    clinic, patient, scheduler_api, nurse_api
):
    created = post_booking(scheduler_api, clinic, patient, THURSDAY_9).json()
    response = nurse_api.post(f"/api/appointments/{created['id']}/complete/")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert Appointment.objects.get(pk=created["id"]).status == Status.SCHEDULED


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("reschedule", {"start": "2026-11-20T09:00:00-05:00"}),
        ("cancel", {"reason": "again"}),
        ("check-in", {}),
        ("complete", None),
        ("no-show", None),
    ],
)
def test_a_cancelled_case_moves_nowhere(clinic, patient, scheduler_api, manager_api, action, body):
    created = post_booking(scheduler_api, clinic, patient, THURSDAY_9).json()
    scheduler_api.post(f"/api/appointments/{created['id']}/cancel/", {"reason": "Patient asked"})
    response = manager_api.post(f"/api/appointments/{created['id']}/{action}/", body)
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_a_cancellation_needs_a_reason_and_keeps_it(clinic, patient, scheduler_api):
    created = post_booking(scheduler_api, clinic, patient, THURSDAY_9).json()
    assert scheduler_api.post(f"/api/appointments/{created['id']}/cancel/", {}).status_code == 400
    response = scheduler_api.post(
        f"/api/appointments/{created['id']}/cancel/", {"reason": "Ride fell through"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancel_reason"] == "Ride fell through"
    event = AuditEvent.objects.get(action="appointment.cancelled")
    assert event.reason == "Ride fell through"


def test_a_no_show_is_marked_only_after_the_start_has_passed(
    clinic, patient, scheduler_api, nurse_api, clock
):
    created = post_booking(scheduler_api, clinic, patient, THURSDAY_9).json()
    early = nurse_api.post(f"/api/appointments/{created['id']}/no-show/")
    assert early.status_code == 409
    clock.move_to(local(2026, 11, 19, 9, 20))
    response = nurse_api.post(f"/api/appointments/{created['id']}/no-show/")
    assert response.status_code == 200
    assert response.json()["status"] == "no_show"


def test_appointments_are_listed_by_date_provider_room_and_patient(clinic, patient, scheduler_api):
    post_booking(scheduler_api, clinic, patient, THURSDAY_9)
    other = PatientFactory()
    post_booking(
        scheduler_api,
        clinic,
        other,
        local(2026, 11, 20, 9, 0),
        provider=clinic.ortiz.pk,
        room=clinic.suite2.pk,
    )

    def ids(params):
        response = scheduler_api.get("/api/appointments/", params)
        assert response.status_code == 200
        return [row["patient"] for row in response.json()]

    assert ids({}) == [patient.pk, other.pk]
    assert ids({"date": "2026-11-19"}) == [patient.pk]
    assert ids({"provider": clinic.ortiz.pk}) == [other.pk]
    assert ids({"room": clinic.suite1.pk}) == [patient.pk]
    assert ids({"patient": other.pk}) == [other.pk]
    assert scheduler_api.get("/api/appointments/", {"date": "2026-13-01"}).status_code == 400


def test_the_local_date_filter_follows_the_clinic_clock_not_utc(clinic, scheduler_api):
    late = RoomFactory(name="Late room", fluoroscopy=True)
    ProviderDayException.objects.create(
        provider=clinic.chen,
        date=dt.date(2026, 11, 19),
        start_time=dt.time(18),
        end_time=dt.time(19),
    )
    from scheduling.models import ClinicHours

    ClinicHours.objects.filter(weekday=3).update(end_time=dt.time(20))
    created = post_booking(
        scheduler_api, clinic, PatientFactory(), local(2026, 11, 19, 18, 30), room=late.pk
    )
    assert created.status_code == 201, created.content  # 23:30 UTC, still the 19th in New York
    rows = scheduler_api.get("/api/appointments/", {"date": "2026-11-19"}).json()
    assert [r["id"] for r in rows] == [created.json()["id"]]


# --- Roles -------------------------------------------------------------------------------------

ENDPOINTS = [
    ("get", "/api/appointments/", None, {"scheduler", "nurse", "manager"}),
    ("post", "/api/appointments/", "book", {"scheduler", "manager"}),
    ("get", "/api/appointments/{id}/", None, {"scheduler", "nurse", "manager"}),
    (
        "post",
        "/api/appointments/{id}/reschedule/",
        {"start": "2026-11-20T09:00:00-05:00"},
        {"scheduler", "manager"},
    ),
    ("post", "/api/appointments/{id}/cancel/", {"reason": "x"}, {"scheduler", "manager"}),
    ("post", "/api/appointments/{id}/check-in/", {}, {"nurse", "manager"}),
    ("post", "/api/appointments/{id}/complete/", None, {"nurse", "manager"}),
    ("post", "/api/appointments/{id}/no-show/", None, {"scheduler", "nurse", "manager"}),
]


@pytest.mark.parametrize(("method", "path", "body", "allowed"), ENDPOINTS)
def test_each_appointment_endpoint_checks_sign_in_and_role(
    clinic, patient, api_as, anon_api, method, path, body, allowed
):
    existing = post_booking(api_as("scheduler"), clinic, patient, THURSDAY_9).json()
    url = path.format(id=existing["id"])
    data = (
        booking_body(clinic, PatientFactory().pk, local(2026, 11, 20, 11))
        if body == "book"
        else body
    )
    assert getattr(anon_api, method)(url, data, format="json").status_code == 401
    assert getattr(api_as(None), method)(url, data, format="json").status_code == 403
    for role in {"scheduler", "nurse", "manager"} - allowed:
        response = getattr(api_as(role), method)(url, data, format="json")
        assert response.status_code == 403, (role, response.content)
        assert response.json()["code"] == "permission_denied"
    for role in allowed:
        response = getattr(api_as(role), method)(url, data, format="json")
        assert response.status_code not in (401, 403), (role, response.content)


def test_an_unknown_appointment_is_a_404_in_the_error_shape(clinic, scheduler_api):
    response = scheduler_api.post("/api/appointments/424242/cancel/", {"reason": "x"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
