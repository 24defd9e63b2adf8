"""Contrast premedication (DOMAIN.md): a contrast-allergic patient booked for a procedure that
uses contrast takes the clinic's premedication protocol before it.

- The checklist item "contrast premedication taken", required, right after "contrast allergy
  reviewed".
- The premedication reminder, 14 hours before the start (the first dose is 13 hours before),
  for every procedure; its lead is also the least notice booking accepts for such a case.
- The catalog's contrast flag on every fluoroscopic spinal procedure, as DOMAIN.md's default:
  the first seed left it off the ablation, the stimulator trial and implant and vertebral
  augmentation.

A row a manager has changed is left alone: the flag changes only on rows still holding the
first seed's value, and going back undoes only what still holds the value set here.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

PREMEDICATION_ITEM = {
    "code": "premedication",
    "label": "Contrast premedication taken (prednisone 50 mg 13, 7 and 1 h before; "
    "diphenhydramine 50 mg 1 h before)",
    "required": True,
    "condition": "contrast_premedication",
    "value_kind": "none",
    "value_label": "",
    "max_value": None,
    "active": True,
}
# Where the first checklist seed put "contrast allergy reviewed" (90) and "NPO" (100).
CONTRAST_ALLERGY = "contrast_allergy"
DEFAULT_ORDER = 95

FOURTEEN_HOURS = -14 * 60
PREMEDICATION_REMINDER = {
    "kind": "premedication",
    "trigger": "booked",
    "anchor": "start",
    "offset_minutes": FOURTEEN_HOURS,
    "procedure_type": None,
    "rule_set": None,
    "note": "Contrast premedication, the clinic's protocol: prednisone 50 mg by mouth 13, 7 "
    "and 1 hours before the procedure, and diphenhydramine 50 mg 1 hour before.",
}

# Fluoroscopic spinal procedures the first seed (0002) left without contrast.
NOW_WITH_CONTRAST = ["RFA", "SCS_TRIAL", "SCS_IMPLANT", "KYPHOPLASTY"]


def _order_after_contrast_allergy(Template: Any) -> int:
    """Between "contrast allergy reviewed" and the next item, as a manager has ordered them."""
    anchor = Template.objects.filter(code=CONTRAST_ALLERGY).first()
    if anchor is None:
        return DEFAULT_ORDER
    following = (
        Template.objects.filter(order__gt=anchor.order)
        .exclude(code=PREMEDICATION_ITEM["code"])
        .order_by("order")
        .values_list("order", flat=True)
        .first()
    )
    if following is None:
        return anchor.order + 5
    # No room between them: the same order as the allergy item, which sorts first by code.
    return anchor.order + (following - anchor.order) // 2


def forward(apps: Any, schema_editor: Any) -> None:
    Template = apps.get_model("procedures", "ChecklistItemTemplate")
    ReminderRule = apps.get_model("procedures", "ReminderRule")
    ProcedureType = apps.get_model("procedures", "ProcedureType")

    if not Template.objects.filter(code=PREMEDICATION_ITEM["code"]).exists():
        Template.objects.create(**PREMEDICATION_ITEM, order=_order_after_contrast_allergy(Template))
    if not ReminderRule.objects.filter(
        kind="premedication", procedure_type=None, rule_set=None
    ).exists():
        ReminderRule.objects.create(**PREMEDICATION_REMINDER)
    ProcedureType.objects.filter(
        code__in=NOW_WITH_CONTRAST, requires_fluoroscopy=True, uses_contrast=False
    ).update(uses_contrast=True)


def backward(apps: Any, schema_editor: Any) -> None:
    Template = apps.get_model("procedures", "ChecklistItemTemplate")
    ReminderRule = apps.get_model("procedures", "ReminderRule")
    ProcedureType = apps.get_model("procedures", "ProcedureType")

    ProcedureType.objects.filter(code__in=NOW_WITH_CONTRAST, uses_contrast=True).update(
        uses_contrast=False
    )
    ReminderRule.objects.filter(**PREMEDICATION_REMINDER).delete()
    seeded = {k: v for k, v in PREMEDICATION_ITEM.items() if k != "max_value"}
    ids = list(
        Template.objects.filter(**seeded, max_value__isnull=True).values_list("pk", flat=True)
    )
    if ids:
        _drop_templates(apps, schema_editor, ids)


def _drop_templates(apps: Any, schema_editor: Any, ids: list[int]) -> None:
    """Delete checklist templates; a case's items keep their own code and label.

    Not through the ORM's cascade: going back, the historical model of the scheduling app's
    checklist item may point at an older rendering of the template model, which the cascade
    refuses to query with. The same three steps, by id.
    """
    Template = apps.get_model("procedures", "ChecklistItemTemplate")
    try:
        Item = apps.get_model("scheduling", "ChecklistItem")
    except LookupError:  # the scheduling app is not in this state
        Item = None
    if Item is not None:
        Item.objects.filter(template_id__in=ids).update(template=None)
    Template.procedure_types.through.objects.filter(checklistitemtemplate_id__in=ids).delete()
    table = schema_editor.quote_name(Template._meta.db_table)
    column = schema_editor.quote_name(Template._meta.pk.column)
    marks = ", ".join(["%s"] * len(ids))
    schema_editor.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", ids)


class Migration(migrations.Migration):
    dependencies = [("procedures", "0024_premedication_choices")]

    operations = [migrations.RunPython(forward, backward)]
