"""Locked sign-ins, for managers: django-axes' failed attempts with who is locked, until
when and for how long still, and an "Unlock" action.

Axes registers its own admin for the attempts; it is replaced here by one that reads the
lock as the doors do (`clinic.lockout`), shows the time left in words, and unlocks by
deleting the username's attempts (`axes.utils.reset`), which is how axes lifts a lock. An
unlock is written to the audit trail as an `auth` event naming the manager.

Managers hold no permissions on axes' tables (their role's permissions cover the clinic's
own apps), so this admin opens itself to the manager role, and to nobody else.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from axes.models import AccessAttempt
from axes.utils import reset
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from clinic.lockout import Lock, current_locks
from clinic.models import AuditEvent, AuditKind
from clinic.net import client_ip
from clinic.roles import Role, roles_of

TITLE = "Locked sign-ins and failed attempts"


def minutes_left(lock: Lock | None, now: Any = None) -> str:
    """ "12 min", "under a minute", or "not locked"."""
    if lock is None:
        return "not locked"
    seconds = lock.seconds_left(now)
    if seconds < 60:
        return "under a minute"
    return f"{math.ceil(seconds / 60)} min"


class LockedFilter(admin.SimpleListFilter):
    title = "locked now"
    parameter_name = "locked"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Locked now"), ("no", "Not locked")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        locked = [lock.username for lock in current_locks()]
        if self.value() == "yes":
            return queryset.filter(username__in=locked)
        if self.value() == "no":
            return queryset.exclude(username__in=locked)
        return queryset


def _is_manager(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and (Role.MANAGER in roles_of(user) or user.is_superuser))


class LockedSignInAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_filter = [LockedFilter]
    search_fields = ["username"]
    ordering = ["-attempt_time"]
    actions = ["unlock"]
    fields = ("username", "failures_since_start", "attempt_time", "ip_address", "path_info")
    readonly_fields = fields

    # --- Who may see and unlock: managers ------------------------------------------------

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_manager(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_manager(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Rows go only through "Unlock", which audits it.
        return False

    def has_unlock_permission(self, request: HttpRequest) -> bool:
        return _is_manager(request)

    # --- The list ------------------------------------------------------------------------

    def get_list_display(self, request: HttpRequest) -> list[str | Callable[..., Any]]:
        # Each username's lock is read once for the page (one query), as the doors read it,
        # rather than once per row.
        now = timezone.now()
        locks = {lock.username: lock for lock in current_locks(now)}

        @admin.display(description="locked until")
        def locked_until(row: AccessAttempt) -> str:
            lock = locks.get(row.username or "")
            if lock is None:
                return "—"
            return f"{timezone.localtime(lock.until):%a %d %b %H:%M:%S}"

        @admin.display(description="time left")
        def time_left(row: AccessAttempt) -> str:
            return minutes_left(locks.get(row.username or ""), now)

        return [
            "username",
            self.failures,
            self.last_failure,
            locked_until,
            time_left,
            "ip_address",
            "path_info",
        ]

    @admin.display(description="failures", ordering="failures_since_start")
    def failures(self, row: AccessAttempt) -> int:
        return row.failures_since_start

    @admin.display(description="last failure", ordering="attempt_time")
    def last_failure(self, row: AccessAttempt) -> str:
        return f"{timezone.localtime(row.attempt_time):%a %d %b %H:%M:%S}"

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return super().changelist_view(request, {"title": TITLE, **(extra_context or {})})

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    # --- Unlock --------------------------------------------------------------------------

    @admin.action(description="Unlock the selected usernames", permissions=["unlock"])
    def unlock(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        usernames = sorted({row.username for row in queryset if row.username})
        if not usernames:
            self.message_user(request, "None of these attempts names a username.", messages.WARNING)
            return
        with transaction.atomic():
            for username in usernames:
                # By username only: axes.utils.reset without one would delete every attempt.
                reset(username=username)
                _record_unlock(request, username)
        self.message_user(
            request,
            f"Unlocked {', '.join(usernames)}: they can sign in again now.",
            messages.SUCCESS,
        )


def _record_unlock(request: HttpRequest, username: str) -> None:
    manager = request.user
    AuditEvent.objects.create(
        kind=AuditKind.AUTH,
        actor_id=manager.pk,
        actor_username=manager.get_username(),
        action="auth.unlocked",
        object_type="auth.username",
        object_id=username[:200],
        ip=client_ip(request),
    )


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, LockedSignInAdmin)
