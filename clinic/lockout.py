"""Sign-in lockout (django-axes): who is locked, until when, and what a locked door answers.

Axes counts wrong passwords per username (AXES_LOCKOUT_PARAMETERS) and refuses a locked
username before its password is checked, on every door that signs in through
`django.contrib.auth.authenticate`: the API token, `/login/` and the admin.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

TOO_MANY_ATTEMPTS = "too_many_attempts"


@dataclass(frozen=True)
class Lock:
    username: str
    until: dt.datetime
    failures: int

    def seconds_left(self, now: dt.datetime | None = None) -> int:
        left = (self.until - (now or timezone.now())).total_seconds()
        return max(1, math.ceil(left))

    @property
    def sentence(self) -> str:
        minutes = max(1, math.ceil(self.seconds_left() / 60))
        return (
            f"Too many wrong passwords for this username: sign-in is locked for {minutes} "
            f"more minute{'s' if minutes != 1 else ''}. A manager can unlock it sooner."
        )


def current_locks(now: dt.datetime | None = None) -> list[Lock]:
    """Every username locked now, the longest lock first."""
    now = now or timezone.now()
    cool_off: dt.timedelta = settings.AXES_COOLOFF_TIME
    rows = (
        AccessAttempt.objects.filter(attempt_time__gt=now - cool_off)
        .values("username")
        .annotate(last=Max("attempt_time"), failures=Max("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last")
    )
    return [Lock(row["username"], row["last"] + cool_off, row["failures"]) for row in rows]


def lock_of(username: str, now: dt.datetime | None = None) -> Lock | None:
    """The lock on `username`, or None when it may sign in."""
    now = now or timezone.now()
    cool_off: dt.timedelta = settings.AXES_COOLOFF_TIME
    row = AccessAttempt.objects.filter(
        username=username, attempt_time__gt=now - cool_off
    ).aggregate(last=Max("attempt_time"), failures=Max("failures_since_start"))
    if row["last"] is None or (row["failures"] or 0) < settings.AXES_FAILURE_LIMIT:
        return None
    return Lock(username, row["last"] + cool_off, row["failures"])


def lockout_body(username: str) -> dict[str, Any]:
    lock = lock_of(username) or Lock(username, timezone.now() + settings.AXES_COOLOFF_TIME, 0)
    return {"code": TOO_MANY_ATTEMPTS, "detail": lock.sentence, "retry_after": lock.seconds_left()}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: a 429 in the API's error shape, or a page that says why."""
    username = get_client_username(request, credentials) or ""
    body = lockout_body(username)
    headers = {"Retry-After": str(body["retry_after"])}
    if request.path.startswith("/api/"):
        return JsonResponse(body, status=429, headers=headers)
    response = render(
        request,
        "scheduling/account/locked_out.html",
        {"detail": body["detail"], "username": username},
        status=429,
    )
    response["Retry-After"] = headers["Retry-After"]
    return response
