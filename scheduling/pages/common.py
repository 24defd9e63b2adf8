"""What every page shares: the header's context, the role guard, and rendering."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from clinic.permissions import ALL_ROLES, MANAGERS, NURSING, SCHEDULING
from clinic.roles import Role, roles_of

View = TypeVar("View", bound=Callable[..., HttpResponse])

# Where `/` and a fresh sign-in send each role.
HOME_BY_ROLE = {
    Role.SCHEDULER: "desk",
    Role.NURSE: "station",
    Role.MANAGER: "dashboard",
}


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str
    roles: frozenset[str]


NAVIGATION = (
    NavItem("dashboard", "Dashboard", MANAGERS),
    NavItem("desk", "Desk", SCHEDULING),
    NavItem("station", "Station", NURSING),
    NavItem("patients", "Patients", ALL_ROLES),
    NavItem("waitlist", "Waitlist", SCHEDULING),
    NavItem("calendar", "Calendar", ALL_ROLES),
)


def home_url_for(roles: Iterable[str]) -> str | None:
    """The start page of the first role a user has (manager first), or None without one."""
    held = set(roles)
    for role in (Role.MANAGER, Role.SCHEDULER, Role.NURSE):
        if role in held:
            return reverse(HOME_BY_ROLE[role])
    return None


def page_context(request: HttpRequest) -> dict[str, Any]:
    """What base.html shows on every page: the clinic, today, and who is signed in as what."""
    roles = roles_of(request.user)
    current = request.resolver_match.url_name if request.resolver_match else None
    return {
        "clinic_name": settings.CLINIC_NAME,
        "today": timezone.localdate(),
        "role_labels": [Role(role).label for role in Role.values if role in roles],
        "is_clinic_staff": bool(roles),
        "is_manager": Role.MANAGER in roles,
        "can_schedule": bool(roles & SCHEDULING),
        "can_nurse": bool(roles & NURSING),
        "navigation": [
            {
                "url": reverse(item.url_name),
                "label": item.label,
                "current": item.url_name == current,
            }
            for item in NAVIGATION
            if roles & item.roles
        ],
    }


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    return render(request, template, {**page_context(request), **(context or {})}, status=status)


def forbidden(request: HttpRequest, allowed: Iterable[str]) -> HttpResponse:
    """A clear 403 page: who you are signed in as, and which roles this page is for."""
    names = [Role(role).label.lower() + "s" for role in Role.values if role in set(allowed)]
    # "schedulers, nurses and managers"; a page that names no roles is open to nobody.
    who = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 2 else names)
    who = who or "no clinic role yet"
    return render_page(
        request,
        "scheduling/account/forbidden.html",
        {"allowed_roles": who, "home_url": home_url_for(roles_of(request.user))},
        status=403,
    )


def acting_user(request: HttpRequest) -> AbstractBaseUser:
    """The signed-in person a page's change is done by (services take them for the audit)."""
    user = request.user
    assert isinstance(user, AbstractBaseUser), "role_required lets signed-in users only"
    return user


def role_required(allowed: Iterable[str]) -> Callable[[View], View]:
    """Pages for some roles only: anonymous visitors are sent to sign in, others get a 403.

    Denied unless named, as the API's permissions: the roles are a required argument with no
    default, and a page that names none (`role_required(())`) refuses everyone, managers
    too, until someone decides who it is for.
    """
    allowed_roles = frozenset(allowed)

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                if getattr(request, "htmx", False):
                    # A partial asked for by a page left open after its user signed out (in
                    # another tab, or the session ended): reload the whole page, which then
                    # goes to sign-in. The patients on screen go away, and the sign-in page is
                    # never swapped into a part of the page.
                    response = HttpResponse(status=204)
                    response["HX-Refresh"] = "true"
                    return response
                return redirect_to_login(request.get_full_path())
            if not roles_of(request.user) & allowed_roles:
                return forbidden(request, allowed_roles)
            return view(request, *args, **kwargs)

        # Read by the test that walks every page URL and checks who may open it.
        guarded.allowed_roles = allowed_roles  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate
