from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic: people and places"

    def ready(self) -> None:
        # Connects the receivers that write sign-in events to the audit trail.
        from clinic import auth_events  # noqa: F401
