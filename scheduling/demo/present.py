"""From now on, the desk's work through the services: booking, ticking, checking in.

Every upcoming case is booked with `appointment_book` (so the rules, the hold plan, the
checklist and the reminders are the services' own), then the nurses tick what they would
have ticked by now with `checklist_tick`, the first patients of the day are checked in,
a drug reported after booking goes in with `medication_add` (flagging its case), and a
couple of cases are cancelled with `appointment_cancel`. A refusal is reported, not raised:
the demo must start whatever the day, and its tests require that nothing was refused.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.errors import DomainError
from clinic.models import Patient
from scheduling import services, workflow
from scheduling.availability import local_date
from scheduling.demo.cases import DemoCase, Ticks
from scheduling.demo.people import Registrar
from scheduling.models import Appointment, ChecklistItem

# Ticked first when a nurse has only started: the calls made the day before.
FIRST_CALLS = ("hold_confirmed", "identity", "consent", "no_infection", "imaging", "psych_on_file")
# Measured on the day, so ticked only on the day.
ON_THE_DAY = {"inr": "1.1", "glucose": "126"}


@dataclass
class DeskResult:
    booked: list[Appointment] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


class Desk:
    def __init__(
        self,
        *,
        scheduler: AbstractBaseUser,
        nurse: AbstractBaseUser,
        registrar: Registrar,
        rng: random.Random,
    ) -> None:
        self.scheduler, self.nurse, self.registrar, self.rng = scheduler, nurse, registrar, rng
        self.result = DeskResult()

    def book(self, cases: list[DemoCase]) -> list[tuple[DemoCase, Appointment]]:
        """Book each case as the desk would, earliest first (a patient's order is kept)."""
        booked = []
        for case in sorted(cases, key=lambda c: (c.start, c.patient.pk)):
            try:
                appointment = services.appointment_book(
                    patient=case.patient,
                    procedure_type=case.procedure,
                    region=case.region,
                    side=case.side,
                    provider=case.provider,
                    room=case.room,
                    start=case.start,
                    sedation=case.sedation,
                    acting_user=self.scheduler,
                )
            except DomainError as exc:
                self._refused(case, exc.detail)
                continue
            booked.append((case, appointment))
            self.result.booked.append(appointment)
        return booked

    def work(self, booked: list[tuple[DemoCase, Appointment]]) -> None:
        for case, appointment in booked:
            if case.ticks != Ticks.NONE:
                self._tick(appointment, everything=case.ticks == Ticks.ALL)
            try:
                # Only a patient whose checklist is done is checked in: no overrides here.
                if case.check_in and not workflow.open_required_items(appointment):
                    services.appointment_check_in(appointment=appointment, acting_user=self.nurse)
                if case.cancel_now:
                    cause, reason = case.cancel_now
                    services.appointment_cancel(
                        appointment=appointment,
                        reason=reason,
                        cause=cause,
                        acting_user=self.scheduler,
                    )
            except DomainError as exc:
                self._refused(case, exc.detail)

    def report_drugs(self, patients: list[tuple[Patient, tuple[str, ...]]]) -> None:
        """Drugs a patient mentions after booking: their upcoming cases are re-planned."""
        for patient, drugs in patients:
            for code in drugs:
                self.registrar.add_drug(patient, code)

    def _tick(self, appointment: Appointment, *, everything: bool) -> None:
        items = list(appointment.checklist_items.select_related("template"))
        on_the_day = local_date(appointment.start) == timezone.localdate()
        if everything:
            chosen = [i for i in items if not i.done]
        else:
            wanted = self.rng.randint(2, 4)
            chosen = [i for i in items if i.code in FIRST_CALLS and not i.done][:wanted]
        for item in chosen:
            if item.code in ON_THE_DAY and not on_the_day:
                continue
            self._tick_one(appointment, item)

    def _tick_one(self, appointment: Appointment, item: ChecklistItem) -> None:
        try:
            services.checklist_tick(
                appointment=appointment,
                item=item,
                done=True,
                value=ON_THE_DAY.get(item.code),
                acting_user=self.nurse,
            )
        except ValidationError:
            # Nothing to tick it with (no approved authorization covers the day): the item
            # stays open for the desk to chase, as it would.
            return

    def _refused(self, case: DemoCase, detail: str) -> None:
        when = f"{timezone.localtime(case.start):%a %d %b %H:%M}"
        self.result.refused.append(f"{case.patient.mrn} {case.code} {when}: {detail}")
