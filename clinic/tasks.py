"""Periodic housekeeping of accounts (scheduled in config/celery.py)."""

from __future__ import annotations

from celery import shared_task

from clinic.api.tokens import purge_expired_tokens


@shared_task(name="clinic.tasks.purge_expired_tokens", ignore_result=True)
def purge_tokens() -> int:
    """Expired API tokens and those of deactivated users are deleted, not left to pile up."""
    return purge_expired_tokens()
