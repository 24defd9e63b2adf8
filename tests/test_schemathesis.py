"""Every operation of `/api/schema/`, driven by schemathesis as each role, on the demo clinic.

Schemathesis reads the schema and generates requests from it: valid ones (positive) and ones
that break it (negative: wrong types, out-of-range numbers, missing fields). For each, the
service must not answer 5xx, must answer a status and body the schema declares, and must
refuse what the schema says is invalid. Path ids are the demo's real ids, so the requests
reach past 404 into the code that reads and writes the rows.

The demo is built once inside the test's transaction, and every request runs in-process
through the WSGI application on that same connection; hypothesis is derandomised so that a
run in CI is the run a developer repeats.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from clinic.api.tokens import issue_token
from clinic.models import Patient
from clinic.roles import Role
from procedures.models import PatientMedication, PriorAuthorization, ProcedureHistory
from scheduling.demo.build import build_demo
from scheduling.models import Appointment, ChecklistItem, FreedSlot, WaitlistEntry

pytestmark = [pytest.mark.django_db]

# Per operation, per role, per generation mode: enough to reach every parameter's edges
# (hypothesis starts from the boundaries) while the file stays under two minutes. An operation
# the role may not call is refused before its input is read: two requests show that.
EXAMPLES = 6
EXAMPLES_REFUSED = 2
POSITIVE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
NEGATIVE_CHECKS = [*POSITIVE_CHECKS, negative_data_rejection]


@dataclass(frozen=True)
class DemoIds:
    """Path parameters that name real rows of the demo, per kind of path."""

    patients: list[dict[str, int]]
    appointments: list[dict[str, int]]
    checklist_items: list[dict[str, int]]
    medications: list[dict[str, int]]
    authorizations: list[dict[str, int]]
    history_entries: list[dict[str, int]]
    waitlist_entries: list[dict[str, int]]
    freed_slots: list[dict[str, int]]

    def for_path(self, path: str) -> list[dict[str, int]]:
        if "{item_id}" in path:
            return self.checklist_items
        if "{medication_id}" in path:
            return self.medications
        if "{entry_id}" in path:
            return self.history_entries
        if path.startswith("/api/patients/{id}"):
            return self.patients
        if path.startswith("/api/appointments/{id}"):
            return self.appointments
        if path.startswith("/api/prior-authorizations/{id}"):
            return self.authorizations
        if path.startswith("/api/waitlist/{id}"):
            return self.waitlist_entries
        if path.startswith("/api/freed-slots/{id}"):
            return self.freed_slots
        assert "{" not in path, f"No demo ids for {path}: add them here."
        return [{}]


def demo_ids() -> DemoIds:
    # Every status of case, so transitions meet both their allowed and refused states.
    appointments = [
        {"id": pk}
        for status in ("scheduled", "checked_in", "completed", "cancelled", "no_show")
        for pk in Appointment.objects.filter(status=status).values_list("pk", flat=True)[:3]
    ]
    return DemoIds(
        patients=[{"id": pk} for pk in Patient.objects.values_list("pk", flat=True)[:12]],
        appointments=appointments,
        checklist_items=[
            {"id": a, "item_id": i}
            for a, i in ChecklistItem.objects.values_list("appointment_id", "pk")[:12]
        ],
        medications=[
            {"id": p, "medication_id": m}
            for p, m in PatientMedication.objects.values_list("patient_id", "pk")[:8]
        ],
        authorizations=[
            {"id": pk} for pk in PriorAuthorization.objects.values_list("pk", flat=True)[:6]
        ],
        history_entries=[
            {"id": p, "entry_id": e}
            for p, e in ProcedureHistory.objects.values_list("patient_id", "pk")[:8]
        ],
        # The demo's waitlist scene: three waiting patients and the time a cancellation freed.
        waitlist_entries=[{"id": pk} for pk in WaitlistEntry.objects.values_list("pk", flat=True)],
        freed_slots=[{"id": pk} for pk in FreedSlot.objects.values_list("pk", flat=True)],
    )


@pytest.fixture
def api_schema() -> Iterator[Any]:
    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = WSGIHandler()
    # As Django's test client does: the end of a request must not close the connection that
    # holds the test's transaction.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield loaded
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@pytest.fixture
def demo(make_staff: Callable[..., object]) -> Iterator[tuple[DemoIds, dict[str, object]]]:
    build_demo()
    staff = {role: make_staff(role, f"fuzz-{role}") for role in Role.values}
    # The schema is driven harder than any person could: the rate limits are not under test.
    with override_settings(API_RATE_PER_USER="1000000/minute", API_RATE_ANONYMOUS="1000000/minute"):
        yield demo_ids(), staff


def operations(api_schema: Any) -> list[Any]:
    return [result.ok() for result in api_schema.get_all_operations()]


def may_call(operation: Any, role: str | None) -> bool:
    """Whether the role may call the operation, as the view declares it."""
    path = operation.path.replace("{id}", "1").replace("{item_id}", "1")
    path = path.replace("{medication_id}", "1").replace("{entry_id}", "1")
    view = resolve(path).func.cls
    if not hasattr(view, "allowed_roles"):
        return True  # signing in and out: open to all, each checks its own credentials
    allowed = view.allowed_roles
    if isinstance(allowed, dict):
        allowed = allowed.get(operation.method.upper(), frozenset())
    return role in allowed


def drive(strategy: Any, examples: int, checks: list[Any], headers: Callable[[], dict]) -> int:
    """Run one strategy's examples through the checks; the number of requests made."""
    made = 0

    @given(case=strategy)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def one(case: Any) -> None:
        nonlocal made
        made += 1
        case.call_and_validate(headers=headers(), checks=checks)

    one()
    return made


def run_operation(
    operation: Any, ids: DemoIds, role: str | None, user: object | None, failures: list[str]
) -> int:
    """Drive one operation as one user, both ways; the number of requests made."""
    examples = EXAMPLES if may_call(operation, role) else EXAMPLES_REFUSED
    token = issue_token(user, expires=False)[1] if user is not None else None

    def headers() -> dict[str, str]:
        if user is None:
            return {}
        # Signing out revokes the token it is sent with: that call gets a token of its own.
        own = issue_token(user, expires=False)[1] if operation.path.endswith("logout/") else token
        return {"Authorization": f"Token {own}"}

    made = 0
    for mode, checks in (
        (GenerationMode.POSITIVE, POSITIVE_CHECKS),
        (GenerationMode.NEGATIVE, NEGATIVE_CHECKS),
    ):
        strategy = st.sampled_from(ids.for_path(operation.path)).flatmap(
            lambda path_parameters, mode=mode: operation.as_strategy(
                generation_mode=mode, path_parameters=path_parameters or None
            )
        )
        if mode is GenerationMode.NEGATIVE and not (len(operation.query) or operation.body):
            continue  # nothing in it to break: its ids are the demo's, it takes no input
        try:
            made += drive(strategy, examples, checks, headers)
        except Unsatisfiable:
            # Nothing in this operation can be made invalid (no body, no query, ids fixed).
            assert mode is GenerationMode.NEGATIVE, operation.label
        except (Exception, BaseExceptionGroup) as error:  # every finding, not only the first
            failures.append(f"{operation.label} ({mode.value}):\n{error}")
    return made


@pytest.mark.parametrize("role", [*Role.values, None], ids=[*Role.values, "anonymous"])
def test_every_operation_as_each_role(api_schema: Any, demo: Any, role: str | None) -> None:
    ids, staff = demo
    made, failures = 0, []
    every = operations(api_schema)
    for operation in every:
        made += run_operation(operation, ids, role, staff[role] if role else None, failures)
    assert not failures, "\n\n".join(failures)
    assert len(every) >= 44 and made >= len(every) * EXAMPLES_REFUSED
