from django.apps import AppConfig
from django.db.backends.signals import connection_created


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Scheduling"

    def ready(self) -> None:
        from scheduling.dashboard.sql import register_sqlite_median

        connection_created.connect(register_sqlite_median, dispatch_uid="dashboard_sqlite_median")
