from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ClinicConfig(AppConfig):
    # Said outright: this module holds two AppConfigs, and Django picks an app's own config
    # by itself only when it is the one marked default.
    default = True
    name = "clinic"
    verbose_name = "Clinic: people and places"

    def ready(self) -> None:
        # Connects the receivers that write sign-in events to the audit trail and stamp a
        # browser session's start.
        from clinic import auth_events, sessions  # noqa: F401


class ClinicAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the clinic's site (config.admin_site): one sign-in door."""

    default = False
    default_site = "config.admin_site.ClinicAdminSite"
