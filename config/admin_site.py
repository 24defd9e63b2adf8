"""The admin, entered through the clinic's one sign-in door.

Django's admin has a login form of its own; here `/admin/login/` sends everyone to `/login/`,
so the lockout, the second factor and the sign-in audit have one door to guard, not two.
With ADMIN_REQUIRE_OTP on, the admin admits only a session that passed the authenticator's
code.

It lives in config, beside the URLs, because it joins two apps: the clinic's sign-in and
second factor, and the scheduling pages' 403 page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import BACKEND_SESSION_KEY, REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from clinic.permissions import MANAGERS
from clinic.two_factor import begin_code_step, confirmed_device
from scheduling.pages.common import forbidden

# Said on the two-factor page to a manager the admin sent there.
NEEDS_AUTHENTICATOR = (
    "The admin asks for a second sign-in step, a code from an authenticator app, so that a "
    "stolen password alone cannot change the clinic's settings. Add an app to your account "
    "below; the admin opens once it is confirmed."
)


def is_verified(request: HttpRequest) -> bool:
    """Whether this session passed the second factor (django-otp's OTPMiddleware)."""
    check = getattr(request.user, "is_verified", None)
    return bool(check and check())


class ClinicAdminSite(admin.AdminSite):
    site_header = "Clinic administration"
    site_title = "Clinic administration"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        return not settings.ADMIN_REQUIRE_OTP or is_verified(request)

    @method_decorator(never_cache)
    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        """GET or POST: on to the clinic's sign-in (or its next step) and back to `next`."""
        target = self._next(request)
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(target)
        if self.has_permission(request):
            return HttpResponseRedirect(target)
        if user.is_active and user.is_staff:
            # Signed in, staff, but the session has not passed the second factor.
            query = f"?{REDIRECT_FIELD_NAME}={quote(target)}"
            if confirmed_device(user) is None:
                messages.warning(request, NEEDS_AUTHENTICATOR)
                return HttpResponseRedirect(reverse("two-factor") + query)
            backend = request.session.get(BACKEND_SESSION_KEY, settings.AUTHENTICATION_BACKENDS[-1])
            begin_code_step(request, user, backend)
            return HttpResponseRedirect(reverse("login-code") + query)
        # A signed-in account without the admin (schedulers, nurses): a page that says so.
        # Sending them to sign in again would only bring them back here.
        return forbidden(request, MANAGERS)

    def _next(self, request: HttpRequest) -> str:
        asked = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
        if asked and url_has_allowed_host_and_scheme(
            asked, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return asked
        return reverse("admin:index", current_app=self.name)
