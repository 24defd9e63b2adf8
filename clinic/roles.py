"""Staff roles. A role is a Django group of the same name; managers also get the admin."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.db import models, transaction

from clinic.users import as_user


class Role(models.TextChoices):
    SCHEDULER = "scheduler", "Scheduler"
    NURSE = "nurse", "Nurse"
    MANAGER = "manager", "Manager"


# Apps whose tables a manager edits in the admin (catalog, rules, rooms, hours...).
MANAGED_APPS = ("clinic", "procedures", "scheduling")


# Where `roles_of` keeps a user's roles on the user object, so a request reads them once.
_ROLES_CACHE = "_clinic_roles"


def roles_of(user: AbstractBaseUser | AnonymousUser | None) -> frozenset[str]:
    """The clinic roles of a user, read once per user object."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, _ROLES_CACHE, None)
    if cached is None:
        names = as_user(user).groups.filter(name__in=Role.values).values_list("name", flat=True)
        cached = frozenset(names)
        setattr(user, _ROLES_CACHE, cached)
    return cached


def ensure_role_groups() -> dict[str, Group]:
    """Create the role groups and give the manager group every permission on our apps."""
    groups = {role: Group.objects.get_or_create(name=role)[0] for role in Role.values}
    manager_permissions = Permission.objects.filter(content_type__app_label__in=MANAGED_APPS)
    groups[Role.MANAGER].permissions.set(manager_permissions)
    return groups


@transaction.atomic
def assign_role(user: AbstractBaseUser, role: str) -> None:
    """Give a user exactly one clinic role (replacing any other)."""
    groups = ensure_role_groups()
    staff = as_user(user)
    staff.groups.remove(*[g for name, g in groups.items() if name != role])
    staff.groups.add(groups[role])
    # Managers edit the catalog and rules in the admin; others work through the app.
    staff.is_staff = role == Role.MANAGER
    staff.save(update_fields=["is_staff"])
    setattr(staff, _ROLES_CACHE, frozenset({role}))
