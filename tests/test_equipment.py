"""Shared equipment: an RF generator moves between the rooms of its site, so two ablations
cannot run at once on one generator, however many rooms are free.

The small clinic has two fluoroscopy suites at Main campus and one RF generator there (the
room factory gives every site one); Dr. Chen and Dr. Ortiz both work 08:00-17:00.
"""

from __future__ import annotations

import pytest

from clinic.models import AuditEvent, Equipment
from scheduling import services
from scheduling.errors import RoomUnsuitable, SlotUnavailable
from scheduling.explain import EQUIPMENT_BUSY, EQUIPMENT_NONE, explain
from scheduling.models import Appointment
from scheduling.slots import SlotQuery, find_slots
from tests.factories import (
    PatientFactory,
    RoomFactory,
    SiteFactory,
    add_rf_generator,
    equipment_kind,
)
from tests.reminder_helpers import blocks_for_ablation
from tests.scheduling_helpers import SmallClinic, book_case, local

NOW = local(2026, 11, 18, 10, 0)  # a Wednesday
THURSDAY = (2026, 11, 19)
pytestmark = pytest.mark.clock_at(NOW)


def at(hour: int, minute: int = 0):
    return local(*THURSDAY, hour, minute)


def ready_patient():
    """Two positive medial branch blocks, lumbar right: an ablation there is allowed."""
    patient = PatientFactory()
    blocks_for_ablation(patient)
    return patient


def ablation(clinic: SmallClinic, start, **place) -> Appointment:
    """An RFA, lumbar right, for a patient whose blocks allow it; Dr. Chen in Suite 1 unless
    told otherwise."""
    return book_case(clinic, start=start, patient=ready_patient(), code="RFA", **place)


def ablation_body(clinic: SmallClinic, start, **overrides) -> dict:
    body = {
        "patient": ready_patient().pk,
        "procedure_type": "RFA",
        "region": "lumbar",
        "side": "right",
        "provider": clinic.ortiz.pk,
        "room": clinic.suite2.pk,
        "start": start.isoformat(),
    }
    body.update(overrides)
    return body


def generator(name: str = "RF generator 1") -> Equipment:
    return Equipment.objects.get(name=name)


# --- Booking -----------------------------------------------------------------------------------


def test_an_ablation_takes_the_sites_rf_generator_and_says_so(clinic, scheduler_api):
    answer = scheduler_api.post("/api/appointments/", ablation_body(clinic, at(9)), format="json")

    assert answer.status_code == 201, answer.data
    unit = generator()
    assert answer.data["equipment"] == {
        "id": unit.pk,
        "name": "RF generator 1",
        "kind": "rf_generator",
    }
    case = Appointment.objects.get(pk=answer.data["id"])
    assert case.equipment == unit
    # The answer is rendered from memory: a read says the same.
    assert scheduler_api.get(f"/api/appointments/{case.pk}/").json() == answer.json()
    booked = AuditEvent.objects.get(action="appointment.book", object_id=str(case.pk))
    assert booked.changes["equipment"] == unit.pk


def test_a_case_that_needs_no_equipment_takes_none(clinic, scheduler_api):
    case = book_case(clinic, start=at(9))

    assert case.equipment is None
    assert scheduler_api.get(f"/api/appointments/{case.pk}/").data["equipment"] is None


def test_a_second_ablation_at_the_same_time_in_another_free_room_is_refused(clinic, scheduler_api):
    ablation(clinic, at(9))

    answer = scheduler_api.post(
        "/api/appointments/", ablation_body(clinic, at(9, 30)), format="json"
    )

    assert answer.status_code == 409
    assert answer.json() == {
        "code": "slot_unavailable",
        "detail": "Every RF generator at Main campus is in use 09:30-10:30 on Thu 19 Nov 2026 "
        "(RF generator 1: 09:00-10:00).",
        "resource": "equipment",
    }
    assert Appointment.objects.count() == 1


def test_a_second_generator_lets_the_second_ablation_through(clinic):
    first = ablation(clinic, at(9))
    add_rf_generator(clinic.suite1.site, "RF generator 2")

    second = ablation(clinic, at(9, 30), provider=clinic.ortiz, room=clinic.suite2)

    assert (first.equipment, second.equipment) == (generator(), generator("RF generator 2"))


def test_an_ablation_right_after_another_shares_the_generator(clinic):
    """The generator is busy for the case, not for the room's turnover."""
    ablation(clinic, at(9))

    after = ablation(clinic, at(10), provider=clinic.ortiz, room=clinic.suite2)

    assert after.equipment == generator()


def test_an_inactive_generator_is_not_taken(clinic):
    add_rf_generator(clinic.suite1.site, "RF generator 2")
    Equipment.objects.filter(name="RF generator 1").update(active=False)

    assert ablation(clinic, at(9)).equipment == generator("RF generator 2")


def test_a_site_without_a_generator_cannot_host_an_ablation(clinic, scheduler_api):
    north = RoomFactory(name="North 1", site=SiteFactory(name="North clinic"), rf_generator=False)

    answer = scheduler_api.post(
        "/api/appointments/", ablation_body(clinic, at(9), room=north.pk), format="json"
    )

    assert answer.status_code == 422
    assert answer.json()["code"] == "room_unsuitable"
    assert answer.json()["detail"] == (
        "Radiofrequency ablation of medial branches needs an RF generator, and North clinic "
        "has none; a manager adds one in the admin under Equipment."
    )


def test_a_generator_at_another_site_does_not_help(clinic):
    north = RoomFactory(name="North 1", site=SiteFactory(name="North clinic"), rf_generator=False)

    with pytest.raises(RoomUnsuitable, match="North clinic has none"):
        ablation(clinic, at(9), room=north)


def test_cancelling_an_ablation_frees_its_generator(clinic):
    first = ablation(clinic, at(9))
    services.appointment_cancel(appointment=first, reason="Patient unwell", acting_user=None)

    second = ablation(clinic, at(9), provider=clinic.ortiz, room=clinic.suite2)

    assert second.equipment == generator()


# --- Moving a case ---------------------------------------------------------------------------


def test_a_moved_ablation_keeps_its_generator_while_it_is_free(clinic):
    add_rf_generator(clinic.suite1.site, "RF generator 2")
    first = ablation(clinic, at(9))
    second = ablation(clinic, at(9), provider=clinic.ortiz, room=clinic.suite2)
    assert second.equipment == generator("RF generator 2")
    services.appointment_cancel(appointment=first, reason="Patient unwell", acting_user=None)

    moved = services.appointment_reschedule(appointment=second, start=at(14), acting_user=None)

    # Generator 1 is free too and comes first by name: the case keeps its own all the same.
    assert moved.equipment == generator("RF generator 2")


def test_a_moved_ablation_takes_another_generator_when_its_own_is_busy_then(clinic):
    add_rf_generator(clinic.suite1.site, "RF generator 2")
    moving = ablation(clinic, at(9))
    ablation(clinic, at(14), provider=clinic.ortiz, room=clinic.suite2)  # takes generator 1

    moved = services.appointment_reschedule(appointment=moving, start=at(14), acting_user=None)

    assert moved.equipment == generator("RF generator 2")
    moved.refresh_from_db()
    assert moved.equipment == generator("RF generator 2")
    event = AuditEvent.objects.get(action="appointment.reschedule", object_id=str(moving.pk))
    assert event.changes["equipment"] == [generator().pk, generator("RF generator 2").pk]


def test_a_move_onto_a_time_every_generator_is_busy_is_refused(clinic, scheduler_api):
    moving = ablation(clinic, at(9))
    ablation(clinic, at(14), provider=clinic.ortiz, room=clinic.suite2)

    answer = scheduler_api.post(
        f"/api/appointments/{moving.pk}/reschedule/", {"start": at(14).isoformat()}, format="json"
    )

    assert answer.status_code == 409
    assert answer.json()["resource"] == "equipment"
    moving.refresh_from_db()
    assert moving.start == at(9)


def test_a_moved_ablation_does_not_clash_with_itself(clinic):
    moving = ablation(clinic, at(9))

    moved = services.appointment_reschedule(appointment=moving, start=at(9, 30), acting_user=None)

    assert moved.equipment == generator()


# --- Slot search -------------------------------------------------------------------------------


def ablation_starts(clinic: SmallClinic, limit: int = 4) -> list:
    slots = find_slots(
        SlotQuery(
            procedure_type=clinic.procedure("RFA"),
            after=at(8),
            limit=limit,
            days=1,
            provider=clinic.ortiz,
        )
    )
    return [slot.start for slot in slots]


def test_slot_search_skips_the_times_the_only_generator_is_busy(clinic):
    ablation(clinic, at(9))  # Dr. Chen in Suite 1; Dr. Ortiz and Suite 2 are free all day

    assert ablation_starts(clinic) == [at(8), at(10), at(10, 15), at(10, 30)]


def test_slot_search_offers_those_times_when_a_second_generator_exists(clinic):
    ablation(clinic, at(9))
    add_rf_generator(clinic.suite1.site, "RF generator 2")

    slots = find_slots(
        SlotQuery(
            procedure_type=clinic.procedure("RFA"),
            after=at(9),
            limit=1,
            days=1,
            provider=clinic.ortiz,
        )
    )

    assert [(s.start, s.room, s.equipment) for s in slots] == [
        (at(9), clinic.suite2, generator("RF generator 2"))
    ]


def test_slot_search_leaves_out_rooms_at_a_site_without_a_generator(clinic):
    north = RoomFactory(name="North 1", site=SiteFactory(name="North clinic"), rf_generator=False)
    query = SlotQuery(procedure_type=clinic.procedure("RFA"), after=at(8), limit=40, days=1)

    assert north not in {slot.room for slot in find_slots(query)}
    with pytest.raises(RoomUnsuitable, match="North clinic has none"):
        find_slots(
            SlotQuery(procedure_type=clinic.procedure("RFA"), after=at(8), days=1, room=north)
        )


def test_a_search_for_an_ablation_reads_busy_times_in_the_same_queries(clinic):
    """Equipment adds no query per candidate: its busy times come with the others'."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ablation(clinic, at(9))
    with CaptureQueriesContext(connection) as mbb:
        find_slots(SlotQuery(procedure_type=clinic.procedure("MBB"), after=at(8), limit=40))
    with CaptureQueriesContext(connection) as rfa:
        find_slots(SlotQuery(procedure_type=clinic.procedure("RFA"), after=at(8), limit=40))

    def busy_reads(queries) -> int:
        return sum("scheduling_appointment" in q["sql"] for q in queries.captured_queries)

    assert busy_reads(rfa) == busy_reads(mbb)
    assert len(rfa) <= len(mbb) + 2  # the kept units and their kinds, read once


def test_why_not_this_time_names_the_busy_generator_and_booking_agrees(clinic):
    ablation(clinic, at(9))
    patient = ready_patient()
    question = {
        "patient": patient,
        "procedure_type": clinic.procedure("RFA"),
        "region": "lumbar",
        "side": "right",
        "start": at(9),
        "providers": [clinic.ortiz],
        "rooms": [clinic.suite2],
    }
    answer = explain(**question)
    assert not answer.allowed
    [reason] = answer.rooms[0].reasons
    assert reason.code == EQUIPMENT_BUSY
    assert reason.text.startswith("Every RF generator at Main campus is in use 09:00-")
    with pytest.raises(SlotUnavailable) as refused:
        book_case(
            clinic,
            start=at(9),
            patient=patient,
            code="RFA",
            provider=clinic.ortiz,
            room=clinic.suite2,
        )
    assert refused.value.detail == reason.text
    # A second generator: nothing stops the time, and booking accepts it.
    add_rf_generator(clinic.suite1.site, name="RF generator 2")
    assert explain(**question).allowed


def test_why_not_this_time_says_when_a_site_has_no_generator(clinic):
    far = RoomFactory(name="North 1", site=SiteFactory(name="North clinic"), rf_generator=False)
    answer = explain(
        patient=ready_patient(),
        procedure_type=clinic.procedure("RFA"),
        region="lumbar",
        side="right",
        start=at(9),
        providers=[clinic.ortiz],
        rooms=[far],
    )
    assert [r.code for r in answer.rooms[0].reasons] == [EQUIPMENT_NONE]
    assert "has none; a manager adds one" in answer.rooms[0].reasons[0].text


def test_the_database_refuses_two_cases_on_one_unit_at_once(clinic):
    """The last word on a race: on PostgreSQL an exclusion constraint, on SQLite the booking's
    immediate transaction (which this direct write does not go through)."""
    from django.db import connection

    first = ablation(clinic, at(9))
    second = ablation(clinic, at(11), provider=clinic.ortiz, room=clinic.suite2)
    if connection.vendor != "postgresql":
        pytest.skip("the exclusion constraint is PostgreSQL's")
    second.start, second.end, second.room_busy_until = at(9, 30), at(10, 30), at(10, 45)
    from scheduling.services.booking import _save_guarded

    with pytest.raises(SlotUnavailable) as refused:
        _save_guarded(second, ["start", "end", "room_busy_until"])
    assert refused.value.extra == {"resource": "equipment"}
    assert first.equipment == second.equipment


# --- Reference data through the API --------------------------------------------------------------


def test_the_catalog_names_the_equipment_each_procedure_needs(scheduler_api):
    catalog = {row["code"]: row for row in scheduler_api.get("/api/procedure-types/").json()}

    assert catalog["RFA"]["equipment_kind"] == "rf_generator"
    assert catalog["MBB"]["equipment_kind"] is None


@pytest.mark.parametrize("role", ["scheduler", "nurse", "manager"])
def test_every_role_reads_the_equipment_list(api_as, role):
    site = SiteFactory(name="Main campus")
    add_rf_generator(site)
    Equipment.objects.create(
        site=site, kind=equipment_kind("c_arm"), name="Portable C-arm 1", active=False
    )

    answer = api_as(role).get("/api/equipment/")

    assert answer.status_code == 200
    assert answer.json() == [
        {
            "id": generator("Portable C-arm 1").pk,
            "name": "Portable C-arm 1",
            "kind": "c_arm",
            "kind_name": "Portable C-arm",
            "site": "Main campus",
            "active": False,
        },
        {
            "id": generator().pk,
            "name": "RF generator 1",
            "kind": "rf_generator",
            "kind_name": "RF generator",
            "site": "Main campus",
            "active": True,
        },
    ]


def test_a_manager_adds_a_generator_and_the_next_booking_can_take_it(clinic, manager_api):
    ablation(clinic, at(9))

    answer = manager_api.post(
        "/api/equipment/",
        {"name": "RF generator 2", "kind": "rf_generator", "site": "Main campus"},
        format="json",
    )

    assert answer.status_code == 201, answer.data
    assert answer.data["active"] is True
    assert AuditEvent.objects.filter(action="equipment.create").count() == 1
    second = ablation(clinic, at(9), provider=clinic.ortiz, room=clinic.suite2)
    assert second.equipment.name == "RF generator 2"


def test_a_units_name_is_unique_at_its_site(clinic, manager_api):
    answer = manager_api.post(
        "/api/equipment/",
        {"name": "RF generator 1", "kind": "rf_generator", "site": "Main campus"},
        format="json",
    )

    assert answer.status_code == 400
    assert "name" in answer.json()


def test_an_unknown_kind_is_a_field_error(clinic, manager_api):
    answer = manager_api.post(
        "/api/equipment/", {"name": "X", "kind": "laser", "site": "Main campus"}, format="json"
    )

    assert answer.status_code == 400
    assert "kind" in answer.json()


@pytest.mark.parametrize("role", ["scheduler", "nurse"])
def test_only_managers_add_equipment(clinic, api_as, role):
    answer = api_as(role).post(
        "/api/equipment/",
        {"name": "RF generator 2", "kind": "rf_generator", "site": "Main campus"},
        format="json",
    )

    assert answer.status_code == 403
    assert Equipment.objects.count() == 1


def test_the_api_description_lists_the_equipment_endpoint_and_fields(client):
    schema = client.get("/api/schema/?format=json").json()

    assert set(schema["paths"]["/api/equipment/"]) >= {"get", "post"}
    components = schema["components"]["schemas"]
    assert "equipment" in components["Appointment"]["properties"]
    assert "equipment_kind" in components["ProcedureType"]["properties"]


# --- Pages -------------------------------------------------------------------------------------


def test_the_calendar_by_equipment_has_a_column_per_unit_with_its_cases(clinic, pages_as):
    case = ablation(clinic, at(9))
    add_rf_generator(clinic.suite1.site, "RF generator 2")
    book_case(clinic, start=at(11))  # an MBB: no unit, so in no column

    page = pages_as("scheduler").get(f"/calendar/?date={case.start.date()}&by=equipment")

    assert page.status_code == 200
    html = page.content.decode()
    assert "by equipment" in html
    assert html.count('class="cal-column"') == 2
    assert "RF generator 1" in html and "RF generator 2" in html
    assert html.count('class="cal-case ') == 1
    assert f"/appointments/{case.pk}/" in html
    assert "By equipment" in pages_as("nurse").get("/calendar/").content.decode()


def test_the_case_page_names_the_unit(clinic, pages_as):
    case = ablation(clinic, at(9))

    page = pages_as("nurse").get(f"/appointments/{case.pk}/")

    assert "<dt>RF generator</dt><dd>RF generator 1</dd>" in page.content.decode()


def test_a_manager_edits_equipment_in_the_admin(clinic, pages_as):
    manager = pages_as("manager")

    assert manager.get("/admin/clinic/equipment/").status_code == 200
    assert manager.get("/admin/clinic/equipmentkind/").status_code == 200
    assert manager.get(f"/admin/clinic/equipment/{generator().pk}/change/").status_code == 200


def test_the_demo_clinic_has_an_rf_generator_and_a_c_arm_however_often_it_is_built(db):
    from scheduling.demo.clinic import ensure_clinic

    ensure_clinic()
    again = ensure_clinic()

    assert [(unit.name, unit.kind.code) for unit in again.equipment] == [
        ("RF generator 1", "rf_generator"),
        ("Portable C-arm 1", "c_arm"),
    ]
    assert Equipment.objects.count() == 2
