"""API permissions by clinic role, denied unless a view says otherwise.

Every endpoint needs a signed-in user with a clinic role (401 without credentials, 403
without a role). A view names who may call it with `allowed_roles`: one set for every
method, or a mapping from HTTP method (or DRF action name) to a set, with `"*"` for the
methods it does not name. A view that names no roles, or a method its mapping leaves out,
refuses everyone: a new endpoint is closed until someone decides who it is for. HEAD
follows GET.

The roles (API.md): schedulers register patients, book, move and cancel, and keep payers
and prior authorizations; nurses work checklists, check in, complete, and record outcomes,
follow-ups and the clinical facts; managers do all of that and more. On a patient's record
the clinical flags are the nurses' and everything else the schedulers'
(`patient_change_refusal`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from clinic.roles import Role, roles_of

ALL_ROLES = frozenset(Role.values)
SCHEDULING = frozenset({Role.SCHEDULER, Role.MANAGER})
NURSING = frozenset({Role.NURSE, Role.MANAGER})
MANAGERS = frozenset({Role.MANAGER})
NOBODY: frozenset[str] = frozenset()

# The patient's facts the rules read for safety: a nurse records them, not the desk.
CLINICAL_FLAGS = ("diabetic", "could_be_pregnant", "contrast_allergy")


def acting_user(request: Request) -> AbstractBaseUser:
    """The signed-in user a view acts as, for the services' `acting_user`.

    IsClinicStaff (the default permission) has already refused anyone without a role, and
    an anonymous user has none, so this only narrows `request.user` for the type checker.
    """
    user = request.user
    assert isinstance(user, AbstractBaseUser), "views that change rows require a signed-in user"
    return user


def allowed_roles_for(view: Any, request: Request) -> frozenset[str]:
    allowed = getattr(view, "allowed_roles", NOBODY)
    if isinstance(allowed, Mapping):
        action = getattr(view, "action", None)
        if action and action in allowed:
            return frozenset(allowed[action])
        method = "GET" if request.method == "HEAD" else request.method
        return frozenset(allowed.get(method, allowed.get("*", NOBODY)))
    return frozenset(allowed)


def patient_change_refusal(roles: frozenset[str], changed: Iterable[str]) -> str | None:
    """Why these roles may not change these fields of a patient's record, or None."""
    changed = list(changed)
    flags = [name for name in changed if name in CLINICAL_FLAGS]
    details = [name for name in changed if name not in CLINICAL_FLAGS]
    if flags and not roles & NURSING:
        return f"Only nurses and managers change clinical flags: {', '.join(flags)}."
    if details and not roles & SCHEDULING:
        return f"Only schedulers and managers change a patient's details: {', '.join(details)}."
    return None


class IsClinicStaff(BasePermission):
    message = "This needs a clinic staff role that may do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        roles = roles_of(request.user)
        return bool(roles & allowed_roles_for(view, request))
