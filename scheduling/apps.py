from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


def _recheck_after_rules_changed(**_: Any) -> None:
    from scheduling.recheck import recheck_after_commit

    # After the admin's transaction, so the cases are judged by the rules as saved.
    recheck_after_commit()


def _recheck_patient(patient_id: int, **_: Any) -> None:
    from scheduling.recheck import recheck_after_commit

    recheck_after_commit(patient_id)


def _fully_migrated(using: str) -> bool:
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[using])
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())


def _recheck_after_upgrade(plan: list | None = None, using: str = "default", **_: Any) -> None:
    """An upgrade that may change the rules or the cases (a migration of `procedures` or
    `scheduling`) judges the booked cases again, so a case the new rules refuse is flagged,
    not cancelled (DOMAIN.md). Only on a database migrated to the end: a partial migrate may
    lack the tables the check reads, and the run that completes it checks then."""
    apps_ = {"procedures", "scheduling"}
    if not plan or not any(
        migration.app_label in apps_ and not backwards for migration, backwards in plan
    ):
        return
    if not _fully_migrated(using):
        return
    from scheduling.recheck import recheck_booked

    recheck_booked()


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Scheduling"

    def ready(self) -> None:
        from clinic.signals import patient_changed, reference_changed
        from procedures.signals import facts_changed, rules_changed
        from scheduling import follow
        from scheduling.dashboard.sql import register_sqlite_median

        connection_created.connect(register_sqlite_median, dispatch_uid="dashboard_sqlite_median")
        rules_changed.connect(_recheck_after_rules_changed, dispatch_uid="recheck_booked_cases")
        facts_changed.connect(_recheck_patient, dispatch_uid="recheck_patient_cases")
        patient_changed.connect(follow.patient_changed, dispatch_uid="replan_patient_cases")
        reference_changed.connect(follow.reference_changed, dispatch_uid="replan_after_admin")
        post_migrate.connect(
            _recheck_after_upgrade, sender=self, dispatch_uid="recheck_after_upgrade"
        )
