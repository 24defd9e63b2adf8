"""Browser sessions that end after SESSION_IDLE_MINUTES without activity.

A screen of patient data left open at a shared desk is the risk: the session ends once the
person has made no request for SESSION_IDLE_MINUTES, and after SESSION_MAX_HOURS in any
case. Requests a page makes by itself (the nurse's worklist refreshing every 30 seconds, the
idle check of idle.js) carry `X-Clinic-Poll: 1` and do not count as activity, or a station
left open would never time out; they are still signed out once the time is up.

API requests with a token carry no session (AuthenticationMiddleware sees no user), so they
pass untouched: their tokens expire by themselves (REST_KNOX TOKEN_TTL).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

# When the person last made a request (Unix seconds), and when the session began.
LAST_ACTIVITY = "clinic.last_activity"
STARTED = "clinic.session_started"
# Left in the new, anonymous session after a timeout: why, for the sign-in page to say.
SIGNED_OUT_BECAUSE = "clinic.signed_out_because"
IDLE = "idle"
TOO_LONG = "max_age"
# The last-activity time is written at most this often: a session write on every request
# would be a database write on every click.
WRITE_EVERY_SECONDS = 60
POLL_HEADER = "X-Clinic-Poll"


def _now() -> int:
    return int(timezone.now().timestamp())


def is_poll(request: HttpRequest) -> bool:
    """A request the page made by itself, not the person."""
    return request.headers.get(POLL_HEADER) == "1"


def idle_seconds() -> int:
    return int(settings.SESSION_IDLE_MINUTES) * 60


def max_seconds() -> int:
    return int(settings.SESSION_MAX_HOURS) * 3600


def seconds_left(request: HttpRequest) -> int:
    """How long this signed-in session has before it ends, if the person does nothing."""
    if not request.user.is_authenticated:
        return 0
    now = _now()
    last = request.session.get(LAST_ACTIVITY, now)
    started = request.session.get(STARTED, now)
    left = min(last + idle_seconds(), started + max_seconds()) - now
    return max(0, left)


def signed_out_notice(reason: str | None) -> str | None:
    """What the sign-in page says after a session ended by itself."""
    if reason == IDLE:
        minutes = int(settings.SESSION_IDLE_MINUTES)
        return (
            f"You were signed out after {minutes} minute{'s' if minutes != 1 else ''} without "
            "activity, to keep patient information private. Sign in again to carry on."
        )
    if reason == TOO_LONG:
        hours = int(settings.SESSION_MAX_HOURS)
        return (
            f"You were signed out: a session lasts at most {hours} hour"
            f"{'s' if hours != 1 else ''}, to keep patient information private. "
            "Sign in again to carry on."
        )
    return None


@receiver(user_logged_in, dispatch_uid="clinic.sessions.started")
def session_started(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Stamp a browser sign-in's start and activity in the session login() is saving anyway,
    so the first page after it need not write the session again. An API token sign-in has
    no signed-in session (no SESSION_KEY) and is left without one."""
    session = getattr(request, "session", None)
    if session is not None and SESSION_KEY in session:
        session[STARTED] = session[LAST_ACTIVITY] = _now()


class IdleTimeoutMiddleware:
    """Ends a browser session after SESSION_IDLE_MINUTES without a request from the person.

    Runs after AuthenticationMiddleware (it reads request.user) and before the views, so an
    ended session reaches no view as signed in.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.get_response(request)
        now = _now()
        session = request.session
        last = session.get(LAST_ACTIVITY)
        started = session.get(STARTED)
        if isinstance(last, int) and now - last >= idle_seconds():
            return self._signed_out(request, IDLE)
        if isinstance(started, int) and now - started >= max_seconds():
            return self._signed_out(request, TOO_LONG)
        if not isinstance(started, int):
            # The first request of this session (or of one from before this middleware).
            session[STARTED] = now
        if not isinstance(last, int) or (
            not is_poll(request) and now - last >= WRITE_EVERY_SECONDS
        ):
            session[LAST_ACTIVITY] = now
        # Read by base.html: the page reloads itself (idle.js) once the time may be up.
        request.idle_minutes = settings.SESSION_IDLE_MINUTES  # type: ignore[attr-defined]
        return self.get_response(request)

    def _signed_out(self, request: HttpRequest, reason: str) -> HttpResponse:
        # Read by the audit receiver of user_logged_out, which writes the auth.sign_out event:
        # an ended session is told apart from a click on "Sign out".
        request.session_end_reason = reason  # type: ignore[attr-defined]
        logout(request)
        # logout() flushed the session; the new, anonymous one carries the reason to /login/.
        request.session[SIGNED_OUT_BECAUSE] = reason
        if request.path_info.startswith("/api/"):
            # The API's own 401/403, in its error shape.
            return self.get_response(request)
        if request.headers.get("HX-Request") == "true":
            # A part of a page (or the worklist's refresh): reload the whole page, which then
            # goes to sign-in; the sign-in page is never swapped into a part of the page.
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return redirect_to_login(_come_back_to(request))


def _come_back_to(request: HttpRequest) -> str:
    """Where to go after signing in again: the page asked for, or for a form sent after the
    timeout (which a GET cannot repeat), the page the form was on."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return "/"
