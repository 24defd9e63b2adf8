"""Real Chromium: a scheduler finds a patient, registers another (correcting a field the form
refused), and reads a patient's one screen. Every page is checked with axe-core; screenshots
go to $SCREENS_DIR/patients-*.png when SCREENS_DIR is set."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from clinic.models import Patient
from procedures import services as procedure_services
from procedures.models import ProcedureType
from scheduling import services
from tests.browser import assert_accessible, screenshot, sign_in
from tests.factories import PatientFactory, drug, payer
from tests.scheduling_helpers import book_case, case_done_here, local, make_small_clinic

pytest_plugins = ["tests.browser"]

NOW = local(2026, 11, 18, 7, 30)  # a Wednesday morning

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # The clock runs from a Wednesday morning, for the server thread too.
    pytest.mark.clock_at(NOW, tick=True),
]


def ann_with_history() -> Patient:
    """A warfarin patient with a first block done here, an epidural elsewhere, a case ahead."""
    clinic = make_small_clinic()
    ann = PatientFactory(
        mrn="A100",
        first_name="Ann",
        last_name="Lee",
        birth_date=dt.date(1970, 3, 2),
        phone="+12125550123",
        payer=payer("medicare"),
        contrast_allergy=True,
    )
    PatientFactory(mrn="B200", first_name="Carl", last_name="Leeds", payer=payer("bcbs"))
    case_done_here(
        clinic,
        patient=ann,
        start=local(2026, 11, 4, 9),
        relief=85,
        booked_ahead=dt.timedelta(days=2),  # contrast-allergic: premedication needs 14 hours
    )
    procedure_services.history_add(
        patient=ann,
        procedure_type=ProcedureType.objects.get(code="ESI_TF"),
        region="lumbar",
        side="left",
        performed_on=dt.date(2026, 7, 1),
        relief_percent=70,
        relief_duration_days=100,
        notes="Riverside Pain Center",
        acting_user=None,
    )
    procedure_services.psych_evaluation_add(
        patient=ann, performed_on=dt.date(2026, 9, 1), cleared=True, acting_user=None
    )
    services.medication_add(patient=ann, drug=drug("warfarin"), acting_user=None)
    book_case(clinic, patient=ann, start=local(2026, 11, 30, 10), code="ESI_TF", side="left")
    return ann


def test_a_scheduler_finds_a_patient_and_registers_another_after_fixing_the_phone(
    live_server, page, make_staff
):
    make_staff("scheduler", "sam.scheduler")
    ann = ann_with_history()

    sign_in(page, live_server.url, "sam.scheduler")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    page.get_by_label("Find a patient").fill("lee")
    page.get_by_role("button", name="Search").click()

    results = page.get_by_role("table")
    expect(results.get_by_role("rowheader")).to_have_text(["Lee, Ann", "Leeds, Carl"])
    expect(results.get_by_role("row").nth(1)).to_contain_text("A100")
    expect(results.get_by_role("row").nth(1)).to_contain_text("ESI_TF, Mon 30 Nov 2026, 10:00")
    assert_accessible(page)
    screenshot(page, "patients-list")

    page.get_by_role("link", name="Register a new patient").click()
    page.get_by_label("MRN").fill("Z900")
    page.get_by_label("First name").fill("Rosa")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("Birth date").fill("07/04/1962")
    page.get_by_label("Phone").fill("555-01")
    page.get_by_role("textbox", name="Email").fill("rosa@example.org")
    page.get_by_label("SMS").check()
    page.get_by_label("Payer").select_option(label="Medicare")
    page.get_by_label("Diabetic").check()
    page.get_by_role("button", name="Register patient").click()

    phone = page.get_by_label("Phone")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_phone_error")).to_have_text(
        "Enter a valid phone number (e.g. (201) 555-0123) or a number with an international "
        "call prefix."
    )
    expect(page.get_by_role("alert")).to_contain_text("The patient is not registered yet")
    expect(page.get_by_label("Last name")).to_have_value("Okafor")  # nothing typed is lost
    expect(page.get_by_label("Diabetic")).to_be_checked()
    assert not Patient.objects.filter(mrn="Z900").exists()
    assert_accessible(page)
    screenshot(page, "patients-new-with-errors")

    phone.fill("(212) 555-0123")
    page.get_by_role("button", name="Register patient").click()
    page.wait_for_load_state()

    rosa = Patient.objects.get(mrn="Z900")
    assert urlsplit(page.url).path == f"/patients/{rosa.pk}/"
    assert str(rosa.phone) == "+12125550123"
    expect(page.get_by_role("status")).to_have_text("Rosa Okafor is registered (MRN Z900).")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rosa Okafor")
    expect(page.get_by_text("(212) 555-0123")).to_be_visible()

    page.goto(f"{live_server.url}/patients/{ann.pk}/")
    expect(page.get_by_text("Lumbar right").first).to_be_visible()
    pathways = page.locator("section", has=page.get_by_role("heading", name="Pathway status"))
    expect(pathways).to_contain_text(
        "Lumbar right: first block 85% on 4 Nov; next: second block, from today"
    )
    expect(page.get_by_text("Warfarin: stopped 5 days before")).to_be_visible()
    expect(page.get_by_role("link", name="Book a case")).to_have_attribute(
        "href", f"/book/?patient={ann.pk}"
    )
    assert_accessible(page)
    screenshot(page, "patients-detail")


def test_a_nurse_adds_how_long_an_outside_procedures_relief_lasted_by_keyboard(
    live_server, page, make_staff
):
    make_staff("nurse", "nina.nurse")
    ann = ann_with_history()
    procedure_services.history_add(
        patient=ann,
        procedure_type=ProcedureType.objects.get(code="TPI"),
        region="thoracic",
        side="left",
        performed_on=dt.date(2026, 9, 1),
        relief_percent=60,
        acting_user=None,
    )

    sign_in(page, live_server.url, "nina.nurse")
    page.goto(f"{live_server.url}/patients/{ann.pk}/")
    edit = page.get_by_role("link", name="Edit relief of TPI on 1 Sep 2026")
    edit.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Relief of a procedure done elsewhere"
    )
    expect(page.get_by_label("Relief (%)")).to_have_value("60")
    assert_accessible(page)
    lasted = page.get_by_label("Relief lasted (days)")
    lasted.focus()
    page.keyboard.type("400")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Nothing is saved yet")
    expect(page.get_by_text("relief cannot have lasted beyond today")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "patients-history-entry-refused")

    lasted = page.get_by_label("Relief lasted (days)")
    lasted.fill("")
    lasted.focus()
    page.keyboard.type("30")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert urlsplit(page.url).path == f"/patients/{ann.pk}/"
    expect(page.get_by_role("status")).to_have_text("Saved how long it lasted.")
    expect(page.get_by_role("row", name="1 Sep 2026 TPI")).to_contain_text("60% for 30 days")
    assert_accessible(page)
    screenshot(page, "patients-history-entry-saved")


def test_a_nurse_marks_a_patient_diabetic_by_keyboard_and_the_booked_case_follows(
    live_server, page, make_staff
):
    make_staff("nurse", "nina.nurse")
    ann = ann_with_history()

    sign_in(page, live_server.url, "nina.nurse")
    page.goto(f"{live_server.url}/patients/{ann.pk}/")
    page.get_by_role("link", name="Edit flags").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit Ann Lee")
    expect(page.get_by_label("Allergic to contrast")).to_be_checked()
    assert_accessible(page)
    screenshot(page, "patients-edit-flags")

    page.get_by_label("Diabetic").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Save").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert urlsplit(page.url).path == f"/patients/{ann.pk}/"
    expect(page.get_by_role("status")).to_contain_text(
        "Saved: diabetic. 1 upcoming case follows the change"
    )
    assert_accessible(page)
    case = ann.appointments.get(status="scheduled")
    page.goto(f"{live_server.url}/appointments/{case.pk}/")
    expect(page.get_by_role("rowheader", name="Blood glucose recorded")).to_be_visible()
    screenshot(page, "patients-edit-case-follows")


def test_a_manager_edits_contact_payer_and_flags_on_one_page(live_server, page, make_staff):
    make_staff("manager", "mia.manager")
    ann = ann_with_history()
    sign_in(page, live_server.url, "mia.manager")
    page.goto(f"{live_server.url}/patients/{ann.pk}/edit/")
    page.get_by_role("textbox", name="Email").fill("")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing is saved yet")
    expect(page.get_by_text("Email reminders need an email address.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "patients-edit-manager-refused")
