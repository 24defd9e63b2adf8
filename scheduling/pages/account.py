"""Signing in and out, and `/`, which sends each role to its own start page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path

from clinic.roles import roles_of
from scheduling.pages.common import forbidden, home_url_for, page_context, render_page


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render_page(request, "scheduling/account/welcome.html")
    target = home_url_for(roles_of(request.user))
    if target is None:
        # Signed in, but no clinic role yet: nothing here is theirs to see.
        return forbidden(request, [])
    return redirect(target)


class SignIn(auth_views.LoginView):
    """Sign-in for every role. The admin's own form admits only staff accounts (managers).

    Afterwards `?next=` when it is on this site, else `/` (LOGIN_REDIRECT_URL), which sends
    the user on to their role's start page: never a 404 on /accounts/profile/.
    """

    template_name = "scheduling/account/sign_in.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), **page_context(self.request)}


class SignOut(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET), so a link or a prefetch cannot sign out."""


urlpatterns = [
    path("", home, name="home"),
    # Not the admin's login: it admits staff accounts only, and only managers are staff.
    path("login/", SignIn.as_view(), name="login"),
    path("logout/", SignOut.as_view(), name="logout"),
]
