"""The audit trail. Services call `record()` inside their own transaction, never after it."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models
from phonenumber_field.phonenumber import PhoneNumber

from clinic.models import AuditEvent, Patient
from clinic.users import as_user

Snapshot = dict[str, Any]


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | PhoneNumber):
        return str(value)
    return value


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> Snapshot:
    """The concrete field values of a row, as JSON-friendly values (foreign keys as ids)."""
    names = fields or [
        f.name for f in instance._meta.concrete_fields if f.name not in {"created_at", "updated_at"}
    ]
    result: Snapshot = {}
    for name in names:
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        result[name] = _plain(getattr(instance, attname))
    return result


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every field whose value changed."""
    return {
        key: [before.get(key), value] for key, value in after.items() if before.get(key) != value
    }


def patients_of(instance: models.Model) -> list[int]:
    """The patient a written row belongs to, read from what is already loaded (no query)."""
    if isinstance(instance, Patient):
        return [instance.pk]
    if (patient_id := getattr(instance, "patient_id", None)) is not None:
        return [patient_id]
    # A checklist item or a reminder whose case the service has in hand.
    case = instance._state.fields_cache.get("appointment")
    if case is not None and getattr(case, "patient_id", None) is not None:
        return [case.patient_id]
    return []


# The patients the `write` events of the current request named (None outside a request):
# the read audit records a change's answer as read only where no write stands for it.
_written: ContextVar[set[int] | None] = ContextVar("patients_written", default=None)


@contextmanager
def noting_writes() -> Iterator[set[int]]:
    """Collect the patients named by write events recorded inside the block."""
    written: set[int] = set()
    token = _written.set(written)
    try:
        yield written
    finally:
        _written.reset(token)


def record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    instance: models.Model,
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    user = actor if isinstance(actor, AbstractBaseUser) else None
    patients = patients_of(instance)
    if (written := _written.get()) is not None:
        written.update(patients)
    return AuditEvent.objects.create(
        actor=as_user(user),
        actor_username=user.get_username() if user is not None else "",
        patients=patients,
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        changes=dict(changes or {}),
        reason=reason,
    )
