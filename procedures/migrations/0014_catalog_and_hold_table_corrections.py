"""The catalog and hold-table corrections of the revised DOMAIN.md.

- Provocative discography is intermediate bleeding risk (ASRA 2018: intradiscal), not high,
  so aspirin and NSAIDs are no longer held for it.
- Aspirin for primary prevention is left to the prescriber before an intermediate-risk
  procedure; aspirin for secondary prevention (stent, stroke, MI) is a drug of its own, left
  to the prescriber before high- and intermediate-risk procedures. "Prescriber decides" plans
  no hold and adds the checklist item "aspirin decision by the prescriber recorded".
- The drugs of the table the first seed lacked (dipyridamole, the unfractionated heparins,
  dalteparin, etodolac, indomethacin, nabumetone, oxaprozin, piroxicam).

Managers edit these rows, so only a row still holding the old seeded value is changed, and
reversing changes back only a row still holding the value set here. Rows this migration adds
are removed on the way back only while they are as seeded and nothing (a patient's
medication, a case's hold) names them. Booked cases keep the hold plan they were booked with until their next rebuild (a
change of the patient's drugs, or a reschedule).
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.db import migrations
from django.db.models import ProtectedError

DISCOGRAPHY = ("DISCOGRAPHY", "high", "intermediate")

# (drug, risk): the fields this migration changes, before and after.
HOLD_CHANGES: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    (
        "aspirin",
        "intermediate",
        {"hold_days": 0, "hold_hours": 0, "inr_required": False, "prescriber_decides": False},
        {"hold_days": 0, "hold_hours": 0, "inr_required": False, "prescriber_decides": True},
    ),
]

RISKS = ("high", "intermediate", "low")
DECIDES = "decides"


def days(high: int | str, intermediate: int | str, low: int, restart: int) -> dict[str, Any]:
    """A row per risk: whole days off (or DECIDES: the prescriber decides), one restart."""
    rows = {}
    for risk, amount in zip(RISKS, (high, intermediate, low), strict=True):
        decides = amount == DECIDES
        rows[risk] = {
            "hold_days": 0 if decides else amount,
            "hold_hours": 0,
            "inr_required": False,
            "prescriber_decides": decides,
            "restart_hours": restart,
        }
    return rows


def hours(each: tuple[int, int, int], restart: tuple[int, int, int]) -> dict[str, Any]:
    """A row per risk in exact hours (heparins), each risk with its own restart."""
    return {
        risk: {
            "hold_days": 0,
            "hold_hours": held,
            "inr_required": False,
            "prescriber_decides": False,
            "restart_hours": back,
        }
        for risk, held, back in zip(RISKS, each, restart, strict=True)
    }


# code, name, class, hold rows: the drugs of DOMAIN.md's table the first seed did not have.
NEW_DRUGS: list[tuple[str, str, str, dict[str, Any]]] = [
    (
        "aspirin_secondary",
        "Aspirin (secondary prevention: stent, stroke, MI)",
        "antiplatelet",
        days(DECIDES, DECIDES, 0, 24),
    ),
    ("dipyridamole", "Dipyridamole", "antiplatelet", days(2, 0, 0, 24)),
    ("heparin_iv", "Heparin, intravenous", "heparin", hours((6, 6, 6), (2, 2, 2))),
    (
        "heparin_sc",
        "Heparin, subcutaneous (2-3 times a day)",
        "heparin",
        hours((24, 6, 6), (6, 2, 2)),
    ),
    ("dalteparin", "Dalteparin", "heparin", hours((24, 24, 24), (24, 24, 4))),
    ("etodolac", "Etodolac", "nsaid", days(2, 0, 0, 24)),
    ("indomethacin", "Indomethacin", "nsaid", days(2, 0, 0, 24)),
    ("nabumetone", "Nabumetone", "nsaid", days(6, 0, 0, 24)),
    ("oxaprozin", "Oxaprozin", "nsaid", days(10, 0, 0, 24)),
    ("piroxicam", "Piroxicam", "nsaid", days(10, 0, 0, 24)),
]

# Between the INR (60) and glucose (70) items of the first checklist seed.
ASPIRIN_DECISION = {
    "code": "aspirin_decision",
    "label": "Aspirin decision by the prescriber recorded",
    "required": True,
    "condition": "prescriber_decides",
    "value_kind": "none",
    "value_label": "",
    "max_value": None,
    "order": 65,
    "active": True,
}


def _holds(row: Any, values: dict[str, Any]) -> bool:
    return all(getattr(row, field) == value for field, value in values.items())


def forward(apps: Any, schema_editor: Any) -> None:
    ProcedureType = apps.get_model("procedures", "ProcedureType")
    Drug = apps.get_model("procedures", "Drug")
    HoldRule = apps.get_model("procedures", "HoldRule")
    Template = apps.get_model("procedures", "ChecklistItemTemplate")

    code, old, new = DISCOGRAPHY
    ProcedureType.objects.filter(code=code, bleeding_risk=old).update(bleeding_risk=new)

    for drug, risk, before, after in HOLD_CHANGES:
        for row in HoldRule.objects.filter(drug__code=drug, bleeding_risk=risk):
            if _holds(row, before):
                HoldRule.objects.filter(pk=row.pk).update(**after)

    for drug_code, name, drug_class, rows in NEW_DRUGS:
        drug, _ = Drug.objects.get_or_create(
            code=drug_code, defaults={"name": name, "drug_class": drug_class}
        )
        for risk, values in rows.items():
            HoldRule.objects.get_or_create(drug=drug, bleeding_risk=risk, defaults=values)

    if not Template.objects.filter(code=ASPIRIN_DECISION["code"]).exists():
        Template.objects.create(**ASPIRIN_DECISION)


def backward(apps: Any, schema_editor: Any) -> None:
    ProcedureType = apps.get_model("procedures", "ProcedureType")
    Drug = apps.get_model("procedures", "Drug")
    HoldRule = apps.get_model("procedures", "HoldRule")
    Template = apps.get_model("procedures", "ChecklistItemTemplate")

    code, old, new = DISCOGRAPHY
    ProcedureType.objects.filter(code=code, bleeding_risk=new).update(bleeding_risk=old)

    for drug, risk, before, after in HOLD_CHANGES:
        for row in HoldRule.objects.filter(drug__code=drug, bleeding_risk=risk):
            if _holds(row, after):
                HoldRule.objects.filter(pk=row.pk).update(**before)

    for drug_code, name, drug_class, rows in NEW_DRUGS:
        drug = Drug.objects.filter(code=drug_code).first()
        if drug is None or (drug.name, drug.drug_class) != (name, drug_class):
            continue
        rules = {rule.bleeding_risk: rule for rule in HoldRule.objects.filter(drug=drug)}
        as_seeded = set(rules) == set(rows) and all(
            _holds(rules[risk], values) for risk, values in rows.items()
        )
        if as_seeded:
            # A patient's medication or a case's hold that names it keeps it.
            with contextlib.suppress(ProtectedError):
                drug.delete()

    # The schema this goes back to has no "prescriber decides" condition, and its checklist
    # code refuses a condition it does not know: the item goes, or is switched off where a
    # manager changed it.
    for template in Template.objects.filter(condition=ASPIRIN_DECISION["condition"]):
        seeded = {k: v for k, v in ASPIRIN_DECISION.items() if k != "active"}
        if _holds(template, seeded) and not template.procedure_types.exists():
            template.delete()
        else:
            Template.objects.filter(pk=template.pk).update(active=False)


class Migration(migrations.Migration):
    dependencies = [("procedures", "0013_hold_rule_prescriber_decides")]

    operations = [migrations.RunPython(forward, backward)]
