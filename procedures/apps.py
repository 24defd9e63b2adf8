from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save

SELF_PAY = "self_pay"


def _new_payer_list(sender: Any, instance: Any, created: bool, raw: bool = False, **_: Any) -> None:
    """A new payer's authorization list starts with the procedures the catalog flags (the
    stimulator trial and implant, as most payers ask); self-pay has no list."""
    if not created or raw or instance.code == SELF_PAY:
        return
    from procedures.models import PayerPriorAuthorization, ProcedureType

    for procedure in ProcedureType.objects.filter(prior_auth_required=True):
        PayerPriorAuthorization.objects.get_or_create(payer=instance, procedure_type=procedure)


class ProceduresConfig(AppConfig):
    name = "procedures"
    verbose_name = "Procedures and rules"

    def ready(self) -> None:
        post_save.connect(_new_payer_list, sender="clinic.Payer", dispatch_uid="new_payer_list")
        from procedures import versioned

        # Every app's migrate, not only this one's: a partial migrate may leave any state.
        post_migrate.connect(versioned.forget, dispatch_uid="forget_reference_data")
