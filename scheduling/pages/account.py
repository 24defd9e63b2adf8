"""Signing in and out, and `/`, which sends each role to its own start page.

Signing in is one door for the whole site (the admin's login sends here too, see
config/admin_site.py): the username and password on `/login/`, then, for an account with an
authenticator app, its code on `/login/code/`. Repeated wrong passwords lock the username
(django-axes), and the page says so.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, resolve_url
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_otp import login as otp_login

from clinic.lockout import lock_of, lockout_body
from clinic.permissions import ALL_ROLES
from clinic.roles import roles_of
from clinic.sessions import SIGNED_OUT_BECAUSE, seconds_left, signed_out_notice
from clinic.two_factor import (
    WRONG_CODES_ALLOWED,
    begin_code_step,
    check_code,
    confirmed_device,
    count_wrong_code,
    end_code_step,
    pending_sign_in,
)
from scheduling.pages import two_factor
from scheduling.pages.common import (
    forbidden,
    home_url_for,
    page_context,
    render_page,
    role_required,
)


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render_page(request, "scheduling/account/welcome.html")
    target = home_url_for(roles_of(request.user))
    if target is None:
        # Signed in, but no clinic role yet: nothing here is theirs to see.
        return forbidden(request, [])
    return redirect(target)


def locked_out_page(request: HttpRequest, username: str) -> HttpResponse:
    """The 429 page for a locked username, with the header every page has.

    django-axes marks the request (`axes_locked_out`) and its middleware would answer again
    with clinic.lockout.lockout_response, which renders the same template without the page's
    header; the mark is taken off once this page has answered.
    """
    body = lockout_body(username)
    response = render_page(
        request,
        "scheduling/account/locked_out.html",
        {"detail": body["detail"], "username": username},
        status=429,
    )
    response["Retry-After"] = str(body["retry_after"])
    request.axes_locked_out = False  # type: ignore[attr-defined]
    return response


def _next_or_home(request: HttpRequest) -> str:
    asked = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if asked and url_has_allowed_host_and_scheme(
        asked, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return asked
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _code_step_url(next_url: str) -> str:
    url = reverse("login-code")
    return f"{url}?{REDIRECT_FIELD_NAME}={quote(next_url)}" if next_url else url


class SignIn(auth_views.LoginView):
    """Sign-in for every role, the admin's included.

    Afterwards `?next=` when it is on this site, else `/` (LOGIN_REDIRECT_URL), which sends
    the user on to their role's start page: never a 404 on /accounts/profile/. An account
    with an authenticator app is not signed in by its password alone: it goes on to the code.
    """

    template_name = "scheduling/account/sign_in.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        if getattr(request, "axes_locked_out", False):
            return locked_out_page(request, request.POST.get("username", "")[:150])
        return response

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if confirmed_device(user) is None:
            return super().form_valid(form)
        # The password was right; the code decides. Nothing is signed in yet.
        begin_code_step(self.request, user, user.backend)  # type: ignore[attr-defined]
        return redirect(_code_step_url(self.get_redirect_url()))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = {**super().get_context_data(**kwargs), **page_context(self.request)}
        if self.request.method == "GET":
            # Said once, on the first sign-in page after the session ended by itself.
            reason = self.request.session.pop(SIGNED_OUT_BECAUSE, None)
            context["signed_out_notice"] = signed_out_notice(reason)
        return context


@never_cache
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: the authenticator app's current code."""
    pending = pending_sign_in(request)
    user = (
        get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
        if pending
        else None
    )
    if pending is None or user is None:
        end_code_step(request)
        messages.info(
            request,
            "The sign-in waited more than five minutes for its code, or was not started: "
            "sign in again with your username and password.",
        )
        return redirect(f"{reverse('login')}?{REDIRECT_FIELD_NAME}={quote(_next_or_home(request))}")
    next_url = _next_or_home(request)
    username = user.get_username()
    if lock_of(username) is not None:
        end_code_step(request)
        return locked_out_page(request, username)
    device = confirmed_device(user)
    refusal = None
    if request.method == "POST":
        checked = check_code(device, request.POST.get("code", "")) if device else None
        if checked is None:
            end_code_step(request)
            auth_login(request, user, backend=pending["backend"])
            if device is not None:
                otp_login(request, device)
            return redirect(next_url)
        refusal = checked.sentence
        if checked.guess:
            # A wrong code is a failed sign-in like a wrong password: in the audit trail,
            # and counted by the lockout (django-axes listens to the same signal).
            user_login_failed.send(
                sender=__name__, credentials={"username": username}, request=request
            )
            if getattr(request, "axes_locked_out", False):
                end_code_step(request)
                return locked_out_page(request, username)
            left = count_wrong_code(request, pending)
            if left == 0:
                messages.error(
                    request,
                    f"{WRONG_CODES_ALLOWED} wrong codes: sign in again with your username and "
                    "password, then type the newest code the app shows.",
                )
                return redirect(f"{reverse('login')}?{REDIRECT_FIELD_NAME}={quote(next_url)}")
            refusal += f" {left} tr{'ies' if left != 1 else 'y'} left."
    return render_page(
        request,
        "scheduling/account/sign_in_code.html",
        {"refusal": refusal, "next": next_url},
        status=400 if refusal else 200,
    )


class SignOut(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET), so a link or a prefetch cannot sign out."""


@role_required(ALL_ROLES)
@require_GET
@never_cache
def session_status(request: HttpRequest) -> HttpResponse:
    """How long this session has left, for idle.js on an open page. The script sends it as a
    poll (X-Clinic-Poll), so asking does not count as activity."""
    return JsonResponse({"seconds_left": seconds_left(request)})


urlpatterns: list[URLPattern | URLResolver] = [
    path("", home, name="home"),
    # The admin's login (/admin/login/) sends here too: one door for every account.
    path("login/", SignIn.as_view(), name="login"),
    path("login/code/", sign_in_code, name="login-code"),
    path("logout/", SignOut.as_view(), name="logout"),
    path("account/session/", session_status, name="session-status"),
    *two_factor.urlpatterns,
]
