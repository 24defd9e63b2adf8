from typing import Any

from django.apps import AppConfig
from django.db import transaction
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


def _recheck_after_rules_changed(**_: Any) -> None:
    from scheduling.recheck import recheck_booked

    # After the admin's transaction, so the cases are judged by the rules as saved.
    transaction.on_commit(recheck_booked)


def _recheck_patient(patient_id: int, **_: Any) -> None:
    from scheduling.recheck import recheck_after_commit

    recheck_after_commit(patient_id)


def _recheck_after_upgrade(plan: list | None = None, **_: Any) -> None:
    """An upgrade that changed the rules (a seed migration of `procedures`) judges the booked
    cases again, so a case the new rules refuse is flagged, not cancelled (DOMAIN.md)."""
    if not plan or not any(
        migration.app_label == "procedures" and not backwards for migration, backwards in plan
    ):
        return
    from scheduling.recheck import recheck_booked

    recheck_booked()


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Scheduling"

    def ready(self) -> None:
        from procedures.signals import facts_changed, rules_changed
        from scheduling.dashboard.sql import register_sqlite_median

        connection_created.connect(register_sqlite_median, dispatch_uid="dashboard_sqlite_median")
        rules_changed.connect(_recheck_after_rules_changed, dispatch_uid="recheck_booked_cases")
        facts_changed.connect(_recheck_patient, dispatch_uid="recheck_patient_cases")
        post_migrate.connect(
            _recheck_after_upgrade, sender=self, dispatch_uid="recheck_after_upgrade"
        )
