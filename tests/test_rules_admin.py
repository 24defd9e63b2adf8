"""Managers edit the rules and the catalog in the admin; every edit leaves an audit row.

The tests post the admin's real change forms: each one is fetched first and its fields read
the way a browser would submit them (inline management forms included), then a few values
are changed, so what reaches the admin is what a manager's browser sends.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.test import Client

from clinic.admin_audit import AuditedAdmin
from clinic.models import AuditEvent, Payer
from procedures.models import (
    Drug,
    FrequencyLimit,
    HoldRule,
    LevelLimit,
    ProcedureType,
    RuleSet,
)
from procedures.models.rules import PayerRuleSet
from tests.factories import PatientFactory, payer
from tests.scheduling_helpers import local

NOW = local(2027, 4, 6, 10, 0)  # a Tuesday

pytestmark = pytest.mark.clock_at(NOW)


class _SubmittedFields(HTMLParser):
    """The name/value pairs a browser submits from the admin's change form."""

    def __init__(self) -> None:
        super().__init__()
        self.pairs: list[tuple[str, str]] = []
        self._in_form = False
        self._select: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._in_form = a.get("id", "").endswith("_form")
        name = a.get("name", "")
        if not self._in_form or "__prefix__" in name:
            return
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in {"submit", "button", "reset", "file", "image"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            checkable = kind in {"checkbox", "radio"}
            self.pairs.append((name, a.get("value", "on" if checkable else "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.pairs.append((self._select, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.pairs.append((self._textarea, self._text.lstrip("\n")))
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text += data


class AdminForm:
    """A fetched admin form: read and change its fields by name, then post it."""

    def __init__(self, client: Client, url: str) -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        parser = _SubmittedFields()
        parser.feed(response.content.decode())
        self.client, self.url = client, url
        self.fields: dict[str, list[str]] = {}
        for name, value in parser.pairs:
            self.fields.setdefault(name, []).append(value)
        assert self.fields, "no form found"

    def __setitem__(self, name: str, value: object) -> None:
        values = value if isinstance(value, list) else [value]
        self.fields[name] = [str(v) for v in values]

    def __getitem__(self, name: str) -> list[str]:
        return self.fields[name]

    def unset(self, name: str) -> None:
        self.fields.pop(name, None)

    def row(self, prefix: str, pk: int) -> str:
        """The field prefix of an inline row, e.g. `frequencylimits-3-`."""
        for name, values in self.fields.items():
            match = re.fullmatch(rf"{prefix}-(\d+)-id", name)
            if match and values == [str(pk)]:
                return f"{prefix}-{match.group(1)}-"
        raise AssertionError(f"no {prefix} row for {pk}")

    def new_row(self, prefix: str) -> str:
        """Add an empty inline row, as the admin's "Add another" link does."""
        total = int(self.fields[f"{prefix}-TOTAL_FORMS"][0])
        self[f"{prefix}-TOTAL_FORMS"] = total + 1
        return f"{prefix}-{total}-"

    def post(self, **extra: object):
        data = {**self.fields, **{k: str(v) for k, v in extra.items()}}
        return self.client.post(self.url, data)


@pytest.fixture
def manager(make_staff) -> Client:
    client = Client()
    client.force_login(make_staff("manager"))
    return client


def rule_set(code: str) -> RuleSet:
    return RuleSet.objects.get(code=code)


def esi_limit(code: str = "default", days: int = 183) -> FrequencyLimit:
    return FrequencyLimit.objects.get(
        rule_set__code=code, procedure_types__code="ESI_IL", window_days=days
    )


def pks(*codes: str) -> list[int]:
    return [ProcedureType.objects.get(code=c).pk for c in codes]


def change_url(obj: object) -> str:
    meta = obj._meta  # type: ignore[attr-defined]
    return f"/admin/{meta.app_label}/{meta.model_name}/{obj.pk}/change/"  # type: ignore[attr-defined]


def admin_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action__startswith="admin.").order_by("id"))


def assert_saved(response) -> None:
    errors = response.context and [
        str(e)
        for e in [response.context.get("errors")]
        + [f.non_form_errors() for f in response.context.get("inline_admin_formsets", [])]
        if e
    ]
    assert response.status_code == 302, errors or response.status_code


# --- Rule rows in a rule set --------------------------------------------------------------------


def test_a_manager_changes_a_frequency_limit_and_the_audit_row_keeps_old_and_new_values(
    manager, make_staff
):
    limit = esi_limit()
    form = AdminForm(manager, change_url(rule_set("default")))
    row = form.row("frequencylimits", limit.pk)
    form[row + "max_sessions"] = 2
    form[row + "procedure_types"] = pks("ESI_IL", "ESI_TF")

    assert_saved(form.post())

    limit.refresh_from_db()
    assert limit.max_sessions == 2
    [event] = admin_events()
    assert event.action == "admin.change"
    assert (event.object_type, event.object_id) == ("procedures.frequencylimit", str(limit.pk))
    assert event.actor.groups.filter(name="manager").exists()
    assert event.changes == {
        "max_sessions": [3, 2],
        "procedure_types": [["ESI_CAUDAL", "ESI_IL", "ESI_TF"], ["ESI_IL", "ESI_TF"]],
    }


def test_saving_a_rule_set_unchanged_writes_no_audit_row(manager):
    form = AdminForm(manager, change_url(rule_set("evicore")))

    assert_saved(form.post())

    assert admin_events() == []


def test_a_manager_adds_a_rule_to_a_set_and_its_every_value_is_audited(manager):
    form = AdminForm(manager, change_url(rule_set("commercial")))
    row = form.new_row("minimumintervals")
    form[row + "name"] = "Trigger point injections at least 30 days apart"
    form[row + "procedure_types"] = pks("TPI")
    form[row + "scope"] = "patient"
    form[row + "min_days"] = 30
    form[row + "active"] = "on"

    assert_saved(form.post())

    [event] = admin_events()
    added = rule_set("commercial").minimumintervals.get(min_days=30)
    assert (event.action, event.object_type) == ("admin.add", "procedures.minimuminterval")
    assert event.object_id == str(added.pk)
    assert event.changes == {
        "rule_set": [None, "commercial"],
        "name": [None, "Trigger point injections at least 30 days apart"],
        "active": [None, True],
        "procedure_types": [None, ["TPI"]],
        "scope": [None, "patient"],
        "min_days": [None, 30],
    }


def test_a_manager_deletes_a_rule_from_a_set_and_the_audit_row_keeps_what_it_was(manager):
    tpi = FrequencyLimit.objects.get(rule_set__code="evicore", procedure_types__code="TPI")
    form = AdminForm(manager, change_url(rule_set("evicore")))
    form[form.row("frequencylimits", tpi.pk) + "DELETE"] = "on"

    assert_saved(form.post())

    assert not FrequencyLimit.objects.filter(pk=tpi.pk).exists()
    [event] = admin_events()
    assert (event.action, event.object_type, event.object_id) == (
        "admin.delete",
        "procedures.frequencylimit",
        str(tpi.pk),
    )
    assert event.changes == {
        "rule_set": ["evicore", None],
        "name": ["Trigger point injections: 3 per 12 months", None],
        "active": [True, None],
        "procedure_types": [["TPI"], None],
        "scope": ["patient", None],
        "max_sessions": [3, None],
        "window_days": [365, None],
        "stage": ["all", None],
    }


def test_a_facet_pathway_threshold_change_is_audited_and_the_api_applies_it(manager, api_as):
    facet = rule_set("default").facetpathwayrules.get()
    form = AdminForm(manager, change_url(rule_set("default")))
    row = form.row("facetpathwayrules", facet.pk)
    form[row + "block_min_relief_percent"] = 60
    form[row + "block_procedures"] = pks("MBB", "FACET_IA")

    assert_saved(form.post())

    [event] = admin_events()
    assert event.changes == {
        "block_min_relief_percent": [80, 60],
        "block_procedures": [["MBB"], ["FACET_IA", "MBB"]],
    }
    nurse = api_as("nurse")
    patient = PatientFactory()
    for day, relief in ((dt.date(2027, 2, 1), 65), (dt.date(2027, 3, 1), 70)):
        nurse.post(
            f"/api/patients/{patient.pk}/history/",
            {
                "procedure_type": "FACET_IA",
                "region": "lumbar",
                "side": "left",
                "performed_on": day.isoformat(),
                "relief_percent": relief,
            },
            format="json",
        )
    answer = nurse.get(
        f"/api/patients/{patient.pk}/eligibility/",
        {"procedure_type": "RFA", "region": "lumbar", "side": "left"},
    ).json()
    assert answer["allowed"] is True, answer


def test_an_invalid_rule_is_refused_and_neither_saved_nor_audited(manager):
    limit = esi_limit()
    form = AdminForm(manager, change_url(rule_set("default")))
    form[form.row("frequencylimits", limit.pk) + "max_sessions"] = 0

    response = form.post()

    assert response.status_code == 200  # the form again, with its errors
    assert "Ensure this value is greater than or equal to 1." in response.content.decode()
    limit.refresh_from_db()
    assert limit.max_sessions == 3
    assert admin_events() == []


# --- Payer links and rule sets ------------------------------------------------------------------


def test_a_payer_linked_to_a_rule_set_is_audited_and_its_patients_get_that_set(manager, api_as):
    form = AdminForm(manager, change_url(rule_set("commercial")))
    row = form.new_row("payer_links")
    form[row + "payer"] = payer("medicaid").pk

    assert_saved(form.post())

    link = PayerRuleSet.objects.get(payer__code="medicaid")
    [event] = admin_events()
    assert (event.action, event.object_type, event.object_id) == (
        "admin.add",
        "procedures.payerruleset",
        str(link.pk),
    )
    assert event.changes == {"payer": [None, "medicaid"], "rule_set": [None, "commercial"]}
    patient = PatientFactory(payer=payer("medicaid"))
    answer = api_as("scheduler").get(
        f"/api/patients/{patient.pk}/eligibility/",
        {"procedure_type": "TPI", "region": "lumbar", "side": "left"},
    )
    assert answer.json()["rule_set"] == "commercial"


def test_a_payer_moved_to_another_rule_set_leaves_a_delete_and_an_add(manager):
    old_link = PayerRuleSet.objects.get(payer__code="cigna")
    leaving = AdminForm(manager, change_url(rule_set("evicore")))
    leaving[leaving.row("payer_links", old_link.pk) + "DELETE"] = "on"
    assert_saved(leaving.post())
    joining = AdminForm(manager, change_url(rule_set("commercial")))
    joining[joining.new_row("payer_links") + "payer"] = payer("cigna").pk
    assert_saved(joining.post())

    removed, added = admin_events()
    assert (removed.action, removed.object_id) == ("admin.delete", str(old_link.pk))
    assert removed.changes == {"payer": ["cigna", None], "rule_set": ["evicore", None]}
    assert added.action == "admin.add"
    assert added.changes == {"payer": [None, "cigna"], "rule_set": [None, "commercial"]}
    assert PayerRuleSet.objects.get(payer__code="cigna").rule_set.code == "commercial"


def test_a_payer_already_held_to_another_set_cannot_be_linked_twice(manager):
    form = AdminForm(manager, change_url(rule_set("commercial")))
    form[form.new_row("payer_links") + "payer"] = payer("aetna").pk

    response = form.post()

    assert response.status_code == 200
    assert PayerRuleSet.objects.get(payer__code="aetna").rule_set.code == "evicore"
    assert admin_events() == []


def test_a_rule_set_edit_records_the_changed_fields_only(manager):
    form = AdminForm(manager, change_url(rule_set("evicore")))
    form["name"] = "eviCore guidelines"
    form["description"] = "Aetna and Cigna use eviCore."

    assert_saved(form.post())

    [event] = admin_events()
    assert (event.object_type, event.object_id) == (
        "procedures.ruleset",
        str(rule_set("evicore").pk),
    )
    assert event.changes == {
        "name": ["eviCore-style", "eviCore guidelines"],
        "description": ["", "Aetna and Cigna use eviCore."],
    }


def test_a_new_rule_set_with_its_rules_and_payer_is_audited_row_by_row(manager):
    form = AdminForm(manager, "/admin/procedures/ruleset/add/")
    form["code"] = "uhc-strict"
    form["name"] = "UHC strict"
    form[form.new_row("payer_links") + "payer"] = payer("uhc").pk
    row = form.new_row("frequencylimits")
    form[row + "name"] = "TPI twice a year"
    form[row + "procedure_types"] = pks("TPI")
    form[row + "scope"] = "patient"
    form[row + "max_sessions"] = 2
    form[row + "window_days"] = 365
    form[row + "stage"] = "all"
    form[row + "active"] = "on"

    assert_saved(form.post())

    created = rule_set("uhc-strict")
    events = admin_events()
    assert [(e.action, e.object_type) for e in events] == [
        ("admin.add", "procedures.ruleset"),
        ("admin.add", "procedures.payerruleset"),
        ("admin.add", "procedures.frequencylimit"),
    ]
    assert events[0].object_id == str(created.pk)
    assert events[0].changes == {
        "code": [None, "uhc-strict"],
        "name": [None, "UHC strict"],
        "is_default": [None, False],
        "description": [None, ""],
    }
    assert events[2].changes["rule_set"] == [None, "uhc-strict"]
    assert events[2].changes["procedure_types"] == [None, ["TPI"]]


def test_a_second_default_rule_set_is_refused(manager):
    form = AdminForm(manager, change_url(rule_set("commercial")))
    form["is_default"] = "on"

    response = form.post()

    assert response.status_code == 200
    assert not rule_set("commercial").is_default
    assert admin_events() == []


def test_deleting_a_rule_set_audits_it_with_every_rule_and_payer_link_it_takes_along(
    manager, api_as
):
    evicore = rule_set("evicore")
    rule_rows = {
        (f"procedures.{type(rule)._meta.model_name}", str(rule.pk))
        for manager_name in (
            "frequencylimits",
            "minimumintervals",
            "responserequirements",
            "diagnosticsteps",
            "levellimits",
            "oneregionpersessions",
            "facetpathwayrules",
            "scspathwayrules",
            # Its own reminder timings (the relief follow-up of a repeat ablation).
            "reminder_rules",
        )
        for rule in getattr(evicore, manager_name).all()
    }
    links = {("procedures.payerruleset", str(link.pk)) for link in evicore.payer_links.all()}

    response = manager.post(f"/admin/procedures/ruleset/{evicore.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not RuleSet.objects.filter(code="evicore").exists()
    first, *rest = admin_events()
    assert (first.action, first.object_type, first.object_id) == (
        "admin.delete",
        "procedures.ruleset",
        str(evicore.pk),
    )
    assert first.changes["code"] == ["evicore", None]
    assert {(e.object_type, e.object_id) for e in rest} == rule_rows | links
    assert len(rest) == len(rule_rows) + 2  # no separate rows for the rules' procedure links
    assert {e.action for e in rest} == {"admin.delete"}
    assert {e.reason for e in rest} == {"Deleted with rule set eviCore-style."}
    aetna_link = next(e for e in rest if e.changes.get("payer") == ["aetna", None])
    assert aetna_link.changes["rule_set"] == ["evicore", None]
    patient = PatientFactory(payer=payer("aetna"))
    answer = api_as("scheduler").get(
        f"/api/patients/{patient.pk}/eligibility/",
        {"procedure_type": "TPI", "region": "lumbar", "side": "left"},
    )
    assert answer.json()["rule_set"] == "default"


def test_a_rule_set_deleted_from_the_list_action_is_audited_too(manager):
    commercial = rule_set("commercial")

    response = manager.post(
        "/admin/procedures/ruleset/",
        {"action": "delete_selected", "_selected_action": [commercial.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert not RuleSet.objects.filter(pk=commercial.pk).exists()
    events = admin_events()
    assert (events[0].object_type, events[0].object_id) == (
        "procedures.ruleset",
        str(commercial.pk),
    )
    # The set, its twenty rules (fourteen limits, steps and pathways, five level limits, one
    # region a session), its two payer links.
    assert len(events) == 1 + 20 + 2


# --- The catalog --------------------------------------------------------------------------------


def test_a_procedure_duration_changed_in_its_form_is_audited(manager):
    tpi = ProcedureType.objects.get(code="TPI")
    form = AdminForm(manager, change_url(tpi))
    form["duration_minutes"] = 20

    assert_saved(form.post())

    [event] = admin_events()
    assert (event.action, event.object_type, event.object_id) == (
        "admin.change",
        "procedures.proceduretype",
        str(tpi.pk),
    )
    assert event.changes == {"duration_minutes": [15, 20]}


def test_a_procedure_changed_in_the_editable_list_is_audited(manager):
    tpi = ProcedureType.objects.get(code="TPI")
    shown = list(ProcedureType.objects.order_by("code"))
    data: dict[str, object] = {
        "form-TOTAL_FORMS": len(shown),
        "form-INITIAL_FORMS": len(shown),
        "_save": "Save",
    }
    for i, procedure in enumerate(shown):
        data[f"form-{i}-id"] = procedure.pk
        data[f"form-{i}-duration_minutes"] = 25 if procedure == tpi else procedure.duration_minutes
        if procedure.active:
            data[f"form-{i}-active"] = "on"

    response = manager.post("/admin/procedures/proceduretype/", data)

    assert response.status_code == 302
    [event] = admin_events()
    assert event.object_id == str(tpi.pk)
    assert event.changes == {"duration_minutes": [15, 25]}


def test_a_regional_bleeding_risk_added_to_a_procedure_is_audited(manager):
    si = ProcedureType.objects.get(code="SI_JOINT")
    form = AdminForm(manager, change_url(si))
    row = form.new_row("regional_risks")
    form[row + "region"] = "sacral"
    form[row + "bleeding_risk"] = "intermediate"

    assert_saved(form.post())

    [event] = admin_events()
    assert (event.action, event.object_type) == ("admin.add", "procedures.regionalbleedingrisk")
    assert event.changes == {
        "procedure_type": [None, "SI_JOINT"],
        "region": [None, "sacral"],
        "bleeding_risk": [None, "intermediate"],
    }


def test_a_hold_rule_changed_under_its_drug_is_audited(manager):
    warfarin = Drug.objects.get(code="warfarin")
    hold = HoldRule.objects.get(drug=warfarin, bleeding_risk="high")
    form = AdminForm(manager, change_url(warfarin))
    form[form.row("hold_rules", hold.pk) + "hold_days"] = 6

    assert_saved(form.post())

    [event] = admin_events()
    assert (event.object_type, event.object_id) == ("procedures.holdrule", str(hold.pk))
    assert event.changes == {"hold_days": [5, 6]}


def test_deleting_a_procedure_type_audits_each_rule_it_is_unlinked_from(manager):
    tpi = ProcedureType.objects.get(code="TPI")
    tpi_limits = set(
        FrequencyLimit.objects.filter(procedure_types=tpi).values_list("pk", flat=True)
    )

    response = manager.post(f"/admin/procedures/proceduretype/{tpi.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    events = admin_events()
    assert events[0].object_type == "procedures.proceduretype"
    assert events[0].changes["code"] == ["TPI", None]
    links = [e for e in events if e.object_type == "procedures.frequencylimit_procedure_types"]
    assert {e.changes["frequencylimit"][0] for e in links} == tpi_limits
    assert {tuple(e.changes["proceduretype"]) for e in links} == {("TPI", None)}
    assert {e.reason for e in events[1:]} == {
        "Deleted with procedure type TPI: Trigger point injections."
    }


def test_a_payer_deleted_in_the_admin_takes_its_rule_set_link_along_in_the_audit(manager):
    tricare = payer("tricare")
    link = PayerRuleSet.objects.get(payer=tricare)

    response = manager.post(f"/admin/clinic/payer/{tricare.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Payer.objects.filter(code="tricare").exists()
    payer_event, *taken_along = admin_events()
    assert payer_event.changes == {"code": ["tricare", None], "name": ["TRICARE", None]}
    # Its authorization list (the stimulator trial and implant) goes with it, audited too.
    listed = [e for e in taken_along if e.object_type == "procedures.payerpriorauthorization"]
    assert sorted(e.changes["procedure_type"][0] for e in listed) == ["SCS_IMPLANT", "SCS_TRIAL"]
    [link_event] = [e for e in taken_along if e not in listed]
    assert (link_event.object_type, link_event.object_id) == (
        "procedures.payerruleset",
        str(link.pk),
    )
    assert link_event.changes == {"payer": ["tricare", None], "rule_set": ["commercial", None]}


def test_every_admin_that_edits_rules_or_reference_data_is_audited_or_read_only(rf, make_staff):
    request = rf.get("/admin/")
    request.user = make_staff("manager")
    unaudited = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in {"clinic", "procedures", "scheduling"}:
            continue
        editable = {f.name for f in model._meta.fields if f.editable and not f.primary_key}
        writes = (
            model_admin.has_add_permission(request)
            or model_admin.has_delete_permission(request)
            or (
                model_admin.has_change_permission(request)
                and bool(editable - set(model_admin.get_readonly_fields(request)))
            )
        )
        # An admin whose every write goes through a service that audits it (its own tests
        # check the events) says so; an AuditedAdmin would record its rows a second time.
        audited = isinstance(model_admin, AuditedAdmin) or getattr(
            model_admin, "audited_by_service", False
        )
        if writes and not audited:
            unaudited.append(model._meta.label)
    assert unaudited == []


# --- History lists, and who gets in -------------------------------------------------------------


def test_history_and_psych_evaluations_are_listed_but_not_editable_in_the_admin(manager, api_as):
    patient = PatientFactory(mrn="MRN-ADMIN-1")
    nurse = api_as("nurse")
    entry = nurse.post(
        f"/api/patients/{patient.pk}/history/",
        {
            "procedure_type": "MBB",
            "region": "lumbar",
            "side": "left",
            "performed_on": "2027-03-01",
            "relief_percent": 85,
        },
        format="json",
    ).json()
    evaluation = nurse.post(
        f"/api/patients/{patient.pk}/psych-evaluations/",
        {"performed_on": "2027-03-02", "cleared": True},
        format="json",
    ).json()

    history_list = manager.get("/admin/procedures/procedurehistory/")
    psych_list = manager.get("/admin/procedures/psychevaluation/")

    assert history_list.status_code == 200
    assert "MRN-ADMIN-1" in history_list.content.decode()
    assert psych_list.status_code == 200
    assert "MRN-ADMIN-1" in psych_list.content.decode()
    history_url = f"/admin/procedures/procedurehistory/{entry['id']}/change/"
    assert manager.get(history_url).status_code == 200  # shown read-only
    assert manager.post(history_url, {"relief_percent": 10}).status_code == 403
    assert manager.get("/admin/procedures/procedurehistory/add/").status_code == 403
    psych_delete = f"/admin/procedures/psychevaluation/{evaluation['id']}/delete/"
    assert manager.post(psych_delete, {"post": "yes"}).status_code == 403


@pytest.mark.parametrize("role", ["nurse", "scheduler", None])
def test_only_managers_reach_the_admin(make_staff, role):
    client = Client()
    client.force_login(make_staff(role))
    evicore = rule_set("evicore")

    for url in ("/admin/", "/admin/procedures/ruleset/", change_url(evicore)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    posted = client.post(f"/admin/procedures/ruleset/{evicore.pk}/delete/", {"post": "yes"})
    assert posted.status_code == 302
    assert posted["Location"].startswith("/admin/login/")
    assert RuleSet.objects.filter(pk=evicore.pk).exists()
    assert admin_events() == []


def test_a_manager_sees_the_rule_sets_with_their_payers(manager):
    response = manager.get("/admin/procedures/ruleset/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "aetna, cigna" in page
    assert "bcbs, tricare" in page


def test_a_manager_raises_a_level_limit_and_the_next_answer_follows_it(manager, api_as):
    limit = LevelLimit.objects.get(rule_set=rule_set("default"), procedure_types__code="ESI_TF")
    patient = PatientFactory()
    asked = {
        "procedure_type": "ESI_TF",
        "region": "lumbar",
        "side": "left",
        "levels": ["L3-L4", "L4-L5", "L5-S1"],
    }
    eligibility = f"/api/patients/{patient.pk}/eligibility/"
    before = api_as("scheduler").get(eligibility, asked).json()

    form = AdminForm(manager, change_url(rule_set("default")))
    row = form.row("levellimits", limit.pk)
    assert sorted(map(int, form[row + "session_procedure_types"])) == sorted(
        pks("ESI_IL", "ESI_TF", "ESI_CAUDAL")
    )
    form[row + "max_levels"] = 3
    assert_saved(form.post())
    after = api_as("scheduler").get(eligibility, asked).json()

    assert [v["code"] for v in before["violations"]] == ["too_many_levels"]
    assert after["allowed"] is True
    [event] = admin_events()
    assert (event.object_type, event.changes) == ("procedures.levellimit", {"max_levels": [2, 3]})
