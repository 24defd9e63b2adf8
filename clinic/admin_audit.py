"""The admin as an audited write path: every add, change and delete writes an AuditEvent.

Managers edit the catalog and the rules in the admin, next to the services, so the admin
keeps the services' promise: the audit row is written in the transaction of the change,
and so is the re-plan of the booked cases the change reaches (`reference_changed`).
Django wraps each change and delete view in one; the bulk "delete selected" action is
wrapped here. Use `AuditedAdmin` instead of `admin.ModelAdmin`; the rows of its inlines
are audited through it, so inlines need nothing of their own. Rows only the services write
use `ReadOnlyAdmin`.

Values are recorded as an auditor reads them: a related row by its code where it has one
(its id otherwise), a many-to-many field as the sorted list of those, so a changed rule
reads `{"procedure_types": [["ESI_IL", "ESI_TF"], ["ESI_CAUDAL", "ESI_IL", "ESI_TF"]]}`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models, router, transaction
from django.db.models.deletion import Collector
from django.forms import BaseModelForm, BaseModelFormSet
from django.http import HttpRequest

from clinic import audit
from clinic.admin_changelist import BoundedDatesAdmin
from clinic.signals import reference_changed

Actor = AbstractBaseUser | AnonymousUser
Values = dict[str, Any]

ADD, CHANGE, DELETE = "admin.add", "admin.change", "admin.delete"
NOT_AUDITED = {"created_at", "updated_at"}


def _label(row: models.Model) -> Any:
    return getattr(row, "code", None) or row.pk


def stored_values(instance: models.Model) -> Values:
    """A saved row's fields, readable: concrete fields, then its many-to-many fields."""
    values: Values = {}
    for field in instance._meta.concrete_fields:
        if field.primary_key or field.name in NOT_AUDITED:
            continue
        if field.is_relation:
            related = getattr(instance, field.name)
            values[field.name] = None if related is None else _label(related)
        else:
            values[field.name] = audit.snapshot(instance, [field.name])[field.name]
    for m2m in instance._meta.many_to_many:
        # A through model of our own (rule set <-> payer) is edited, and audited, as rows.
        if _owner_of_link(m2m.remote_field.through) is not None:
            related_rows = getattr(instance, m2m.name).all()
            values[m2m.name] = sorted((_label(r) for r in related_rows), key=str)
    return values


def _owner_of_link(model: Any) -> type[models.Model] | None:
    """For the table Django makes for a plain many-to-many field, the model declaring it."""
    owner = model._meta.auto_created
    return owner if isinstance(owner, type) else None


def _reread(instance: models.Model) -> models.Model:
    """The row as stored. A validated form has already copied its new values onto `instance`."""
    return type(instance)._default_manager.get(pk=instance.pk)


def record_added(actor: Actor, instance: models.Model) -> None:
    added = {name: [None, value] for name, value in stored_values(instance).items()}
    audit.record(actor=actor, action=ADD, instance=instance, changes=added)


def record_changed(actor: Actor, instance: models.Model, before: Values) -> None:
    changes = audit.diff(before, stored_values(instance))
    if changes:  # saving an unchanged form changes nothing, so there is nothing to audit
        audit.record(actor=actor, action=CHANGE, instance=instance, changes=changes)


def _link_of_deleted_owner(row: models.Model, deleted: set[tuple[type, Any]]) -> bool:
    """An automatic many-to-many link whose owning row goes too, which lists it already."""
    owner = _owner_of_link(type(row))
    if owner is None:
        return False
    return (owner, getattr(row, f"{owner._meta.model_name}_id")) in deleted


def record_deletion(actor: Actor, instance: models.Model) -> None:
    """Audit a row and every row its deletion takes with it. Call it before deleting.

    Cascades are collected the way `delete()` will collect them, so deleting a rule set
    leaves an event for each of its rules and payer links, and deleting a procedure type
    one for each rule it is unlinked from.
    """
    collector = Collector(using=router.db_for_write(type(instance)))
    collector.collect([instance])
    rows = [row for found in collector.data.values() for row in found]
    rows += [row for queryset in collector.fast_deletes for row in queryset]
    deleted = {(type(row), row.pk) for row in rows}
    cascade = f"Deleted with {instance._meta.verbose_name} {instance}."
    for row in sorted(rows, key=lambda r: (r != instance, r._meta.label_lower, r.pk)):
        if _link_of_deleted_owner(row, deleted):
            continue
        removed = {name: [value, None] for name, value in stored_values(row).items()}
        reason = "" if row == instance else cascade
        audit.record(actor=actor, action=DELETE, instance=row, changes=removed, reason=reason)


class ReadOnlyAdmin(BoundedDatesAdmin):
    """Rows written only through the services (which audit them): listed and shown, never
    added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditedAdmin(BoundedDatesAdmin):
    """A ModelAdmin whose adds, changes and deletes (its inlines' too) are audited."""

    _BEFORE = "_audit_before"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            setattr(obj, self._BEFORE, stored_values(_reread(obj)))
        super().save_model(request, obj, form, change)

    def save_related(
        self, request: HttpRequest, form: BaseModelForm, formsets: Any, change: bool
    ) -> None:
        # Django's order, with the parent's event written once its many-to-many fields
        # are saved and before its inline rows: they may point at a row just added.
        form.save_m2m()
        obj = form.instance
        if change:
            record_changed(request.user, obj, vars(obj).pop(self._BEFORE))
        else:
            record_added(request.user, obj)
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
        reference_changed.send(sender=self.model, actor=request.user)

    def save_formset(
        self, request: HttpRequest, form: BaseModelForm, formset: BaseModelFormSet, change: bool
    ) -> None:
        deleting = [f.instance for f in formset.deleted_forms if f.instance.pk is not None]
        before = {
            f.instance.pk: stored_values(_reread(f.instance))
            for f in formset.initial_forms
            if f.has_changed() and f.instance not in deleting
        }
        for instance in deleting:
            record_deletion(request.user, _reread(instance))
        formset.save()
        for instance in formset.new_objects:
            record_added(request.user, instance)
        for instance, _changed_fields in formset.changed_objects:
            record_changed(request.user, instance, before[instance.pk])

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record_deletion(request.user, obj)
        super().delete_model(request, obj)
        reference_changed.send(sender=self.model, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        # Unlike the change and delete views, Django runs this action outside a transaction.
        with transaction.atomic(using=router.db_for_write(self.model)):
            for obj in queryset:
                record_deletion(request.user, obj)
            super().delete_queryset(request, queryset)
            reference_changed.send(sender=self.model, actor=request.user)
