"""`/account/two-factor/`: a manager adds or removes an authenticator app (TOTP).

Adding is two steps, so that no account ends up asking for codes from an app that never got
the secret: a new, unconfirmed authenticator shows its QR code and key, and only the first
code typed back from the app confirms it. Removing takes the current code too, so a session
left open at a desk cannot turn the second step off.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login

from clinic.permissions import MANAGERS
from clinic.two_factor import (
    authenticator_cancel,
    authenticator_confirm,
    authenticator_remove,
    authenticator_start,
    confirmed_device,
    pending_device,
    qr_code,
    secret_letters,
)
from scheduling.pages.common import acting_user, render_page, role_required


def _next(request: HttpRequest) -> str:
    """Where to go once an authenticator is confirmed (the admin, when it sent the person
    here), or "" to stay on this page."""
    asked = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if asked and url_has_allowed_host_and_scheme(
        asked, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return asked
    return ""


def _this_page(next_url: str) -> str:
    url = reverse("two-factor")
    return f"{url}?{REDIRECT_FIELD_NAME}={quote(next_url)}" if next_url else url


@role_required(MANAGERS)
@never_cache
def two_factor_page(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    next_url = _next(request)
    refusal = None
    if request.method == "POST":
        action = request.POST.get("action")
        code = request.POST.get("code", "")
        confirmed = confirmed_device(user)
        pending = pending_device(user)
        if action == "start" and confirmed is None:
            authenticator_start(user=user)
            return redirect(_this_page(next_url))
        if action == "cancel":
            authenticator_cancel(user=user)
            messages.info(request, "Nothing was added: sign-in stays with the password alone.")
            return redirect(_this_page(next_url))
        if action == "confirm" and pending is not None and confirmed is None:
            refusal = authenticator_confirm(device=pending, code=code)
            if refusal is None:
                # This session has just shown the code: it counts as passed (the admin too).
                otp_login(request, pending)
                messages.success(
                    request,
                    "Authenticator app added. From now on, signing in asks for its code "
                    "after your password.",
                )
                return redirect(next_url or _this_page(""))
        elif action == "remove" and confirmed is not None:
            refusal = authenticator_remove(device=confirmed, code=code)
            if refusal is None:
                messages.success(
                    request, "Authenticator app removed: sign-in asks for your password alone."
                )
                return redirect(_this_page(next_url))
        elif refusal is None:
            # A form from an older state of this page (another tab changed it): show now's.
            return redirect(_this_page(next_url))
    return render_page(
        request,
        "scheduling/account/two_factor.html",
        _context(request, next_url, refusal),
        status=400 if refusal else 200,
    )


def _context(request: HttpRequest, next_url: str, refusal: str | None) -> dict[str, Any]:
    user = acting_user(request)
    confirmed = confirmed_device(user)
    pending = None if confirmed else pending_device(user)
    return {
        "device": confirmed,
        "pending": pending,
        "qr_code": qr_code(pending) if pending else None,
        "secret": secret_letters(pending) if pending else "",
        "issuer": settings.OTP_TOTP_ISSUER,
        "admin_requires_it": settings.ADMIN_REQUIRE_OTP,
        "refusal": refusal,
        "next": next_url,
    }


urlpatterns: list[URLPattern] = [
    path("account/two-factor/", two_factor_page, name="two-factor"),
]
