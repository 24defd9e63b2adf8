"""One `read` audit event per response that showed patients' data, in one INSERT.

A view (API, page or admin) says which patients its response shows with `shown()`; the
middleware writes one event naming all of them after the view has answered, and marks the
response `Cache-Control: no-store` so no browser or proxy keeps a copy. A list of fifty
cases writes one event naming fifty patients, not fifty events. A change that succeeded
(a POST, PATCH or DELETE under 400) is recorded by its own `write` event instead.

Views name the patients rather than a hook on model loading guessing them: the slot search
loads other patients' cases to find busy times without showing any of them, and an audit
trail that says someone looked at a patient they never saw is worse than none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from clinic.audit import noting_writes
from clinic.models import AuditEvent, AuditKind, Patient
from clinic.net import client_ip

_SHOWN = "_clinic_patients_shown"
# A change that succeeded wrote its own `write` event in its transaction (the services'
# promise), naming the actor, the patient and the time: that event stands for the response
# showing the result, so a booking costs one audit INSERT, not two.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _http_request(request: Any) -> HttpRequest:
    # A DRF Request wraps the HttpRequest the middleware sees.
    return getattr(request, "_request", request)


def shown(request: Any, patients: Iterable[int | Patient | None]) -> None:
    """Note that this response shows the data of `patients` (ids or rows; None is skipped)."""
    http = _http_request(request)
    noted: set[int] = http.__dict__.setdefault(_SHOWN, set())
    for patient in patients:
        if patient is None:
            continue
        noted.add(int(patient.pk if isinstance(patient, Patient) else patient))


def shown_in(request: Any) -> frozenset[int]:
    """The patients this request has said it shows so far."""
    return frozenset(_http_request(request).__dict__.get(_SHOWN, ()))


def _action(request: HttpRequest) -> str:
    match = request.resolver_match
    name = (match.view_name if match else "") or "unnamed"
    return f"read.{name}"[:60]


def record_read(request: HttpRequest, patients: Iterable[int]) -> AuditEvent:
    user = getattr(request, "user", None)
    actor = user if isinstance(user, AbstractBaseUser) and user.is_authenticated else None
    return AuditEvent.objects.create(
        kind=AuditKind.READ,
        actor_id=actor.pk if actor else None,
        actor_username=actor.get_username() if actor else "",
        action=_action(request),
        object_type="path",
        # The path only: a query string can carry a patient's name (a search).
        object_id=request.path[:200],
        patients=sorted(patients),
        ip=client_ip(request),
    )


class ReadAuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with noting_writes() as written:
            response = self.get_response(request)
        patients = shown_in(request)
        if patients:
            patch_cache_control(response, no_store=True, private=True)
            if response.status_code < 400:
                # A change that wrote nothing (a PATCH sending what was there) still showed
                # the record: a read is recorded for every patient no write event names.
                unread = patients if request.method in SAFE_METHODS else patients - written
                if unread:
                    record_read(request, unread)
        return response
