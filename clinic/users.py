"""The staff user as our foreign keys see it.

Services take any `AbstractBaseUser` (what views and commands hand them), but the stubs
type every `settings.AUTH_USER_MODEL` column as `auth.User`. AUTH_USER_MODEL is left at
`auth.User`, so the two are the same class at run time; `as_user` only tells mypy so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast, overload

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import User


@overload
def as_user(user: AbstractBaseUser) -> User: ...
@overload
def as_user(user: AbstractBaseUser | None) -> User | None: ...
def as_user(user: AbstractBaseUser | None) -> User | None:
    return cast("User | None", user)
