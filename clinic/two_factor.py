"""The optional second factor: a TOTP authenticator app (django-otp) on a staff account."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django_otp.plugins.otp_totp.models import TOTPDevice


def confirmed_device(user: AbstractBaseUser) -> TOTPDevice | None:
    """The user's confirmed authenticator, if they added one."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("id").first()


def api_code_refusal(user: AbstractBaseUser, code: str | None) -> str | None:
    """Why an API sign-in with this code is refused, or None when it may go on.

    An account with an authenticator signs in to the API with its code too: a second factor
    that a token request could skip would protect nothing.
    """
    device = confirmed_device(user)
    if device is None:
        return None
    if not code:
        return "This account uses an authenticator app: send its current six-digit code."
    if device.verify_token(code.strip()):
        return None
    return "That code is not the authenticator's current one: try the newest code."
