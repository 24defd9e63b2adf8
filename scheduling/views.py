"""The pages: the same selectors and services as the API, rendered for people."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clinic.roles import Role, roles_of
from scheduling.selectors import appointment_list


def page_context(request: HttpRequest) -> dict[str, Any]:
    """What base.html shows on every page: the clinic, and who is signed in as what."""
    roles = roles_of(request.user)
    return {
        "clinic_name": settings.CLINIC_NAME,
        "role_labels": [Role(role).label for role in Role.values if role in roles],
        "is_clinic_staff": bool(roles),
        "is_manager": Role.MANAGER in roles,
    }


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any] | None = None
) -> HttpResponse:
    return render(request, template, {**page_context(request), **(context or {})})


def home(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {}
    # Patient names are for clinic staff only: a signed-in account without a role sees none.
    if roles_of(request.user):
        today = timezone.localdate()
        context["today"] = today
        context["appointments"] = appointment_list(on_date=today)
    return render_page(request, "scheduling/home.html", context)


class SignIn(auth_views.LoginView):
    """Sign-in for every role. The admin's own form admits only staff accounts (managers)."""

    template_name = "scheduling/sign_in.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), **page_context(self.request)}


class SignOut(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET), so a link or a prefetch cannot sign out."""

    next_page = "home"
