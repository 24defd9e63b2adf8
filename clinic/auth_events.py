"""Sign-ins, failed sign-ins, lockouts and sign-outs as `auth` audit events, with the IP.

These are receivers of Django's auth signals (and django-axes' lockout signal) rather than
calls in each view because the signals are the one place every door passes: `/login/`, the
admin, the API token view and Django's own `authenticate()` for failures.
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from clinic.models import AuditEvent, AuditKind
from clinic.net import client_ip


def _record(
    action: str,
    request: HttpRequest | None,
    *,
    user: Any = None,
    username: str = "",
    reason: str = "",
) -> None:
    http = getattr(request, "_request", request)
    AuditEvent.objects.create(
        kind=AuditKind.AUTH,
        actor_id=getattr(user, "pk", None),
        actor_username=(user.get_username() if user is not None else username)[:150],
        action=action,
        object_type="auth.user",
        object_id=str(getattr(user, "pk", "") or ""),
        ip=client_ip(http) if http is not None else None,
        changes={"door": _door(http)} if http is not None else {},
        reason=reason,
    )


def _door(request: HttpRequest) -> str:
    if request.path.startswith("/api/"):
        return "api"
    if request.path.startswith("/admin/"):
        return "admin"
    return "page"


@receiver(user_logged_in, dispatch_uid="clinic.audit.signed_in")
def signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    _record("auth.sign_in", request, user=user)


@receiver(user_logged_out, dispatch_uid="clinic.audit.signed_out")
def signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        # "idle" or "max_age" when clinic.sessions ended the session, not the person.
        reason = getattr(request, "session_end_reason", "") if request is not None else ""
        _record("auth.sign_out", request, user=user, reason=reason)


@receiver(user_login_failed, dispatch_uid="clinic.audit.sign_in_failed")
def sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    _record("auth.sign_in_failed", request, username=str(credentials.get("username") or ""))


@receiver(user_locked_out, dispatch_uid="clinic.audit.locked_out")
def locked_out(sender: Any, request: HttpRequest | None, username: str, **kwargs: Any) -> None:
    _record("auth.locked_out", request, username=str(username or ""))
