"""API permissions by clinic role.

Every endpoint needs a signed-in user with a clinic role (401 without credentials, 403
without a role). A view narrows that with `allowed_roles`, either one set for every
method or a mapping from HTTP method (or DRF action name) to a set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from clinic.roles import Role, roles_of

ALL_ROLES = frozenset(Role.values)
SCHEDULING = frozenset({Role.SCHEDULER, Role.MANAGER})
NURSING = frozenset({Role.NURSE, Role.MANAGER})
MANAGERS = frozenset({Role.MANAGER})


def acting_user(request: Request) -> AbstractBaseUser:
    """The signed-in user a view acts as, for the services' `acting_user`.

    IsClinicStaff (the default permission) has already refused anyone without a role, and
    an anonymous user has none, so this only narrows `request.user` for the type checker.
    """
    user = request.user
    assert isinstance(user, AbstractBaseUser), "views that change rows require a signed-in user"
    return user


def allowed_roles_for(view: Any, request: Request) -> frozenset[str]:
    allowed = getattr(view, "allowed_roles", ALL_ROLES)
    if isinstance(allowed, Mapping):
        action = getattr(view, "action", None)
        if action and action in allowed:
            return frozenset(allowed[action])
        return frozenset(allowed.get(request.method, allowed.get("*", ALL_ROLES)))
    return frozenset(allowed)


class IsClinicStaff(BasePermission):
    message = "This needs a clinic staff role that may do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        roles = roles_of(request.user)
        return bool(roles & allowed_roles_for(view, request))
