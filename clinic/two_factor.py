"""The optional second factor: a TOTP authenticator app (django-otp) on a staff account.

A manager adds an app on `/account/two-factor/`: an unconfirmed device is made, its secret
shown once (QR code and letters), and it is confirmed by the first code the app shows. From
then on every door asks for the code: `/login/` (a second step, `/login/code/`), the admin
(through `/login/`) and `POST /api/auth/token/` (`code`).
"""

from __future__ import annotations

import math
from base64 import b32encode
from dataclasses import dataclass
from typing import Any

import segno
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.audit import record

DEVICE_NAME = "Authenticator app"


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


@dataclass(frozen=True)
class CodeRefusal:
    sentence: str
    # A real guess that failed, as opposed to a wait after earlier ones or a typing slip
    # (letters, too few digits): only guesses count toward ending a sign-in.
    guess: bool


def check_code(device: TOTPDevice, code: str) -> CodeRefusal | None:
    """Why this code does not pass on this device, or None when it passes.

    A passing code is used up: django-otp accepts each time step's code once, so a code seen
    over someone's shoulder cannot be typed again. Wrong codes slow the next try down
    (django-otp doubles the wait after each: 1 s, 2 s, 4 s...).
    """
    allowed, why = device.verify_is_allowed()
    if not allowed:
        until = (why or {}).get("locked_until")
        seconds = max(1, math.ceil((until - timezone.now()).total_seconds())) if until else 1
        return CodeRefusal(
            f"Too many wrong codes in a row: wait {seconds} second{'s' if seconds != 1 else ''}"
            ", then type the newest code the app shows.",
            guess=False,
        )
    cleaned = "".join((code or "").split())
    if not (cleaned.isdigit() and len(cleaned) == device.digits):
        return CodeRefusal(f"Type the {device.digits} digits the app shows now.", guess=False)
    if device.verify_token(cleaned):
        return None
    return CodeRefusal(
        "That is not the app's current code. Type the newest code the app shows.", guess=True
    )


def pending_device(user: AbstractBaseUser) -> TOTPDevice | None:
    """An authenticator being added: made, shown, not yet confirmed by a code."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("-id").first()


@transaction.atomic
def authenticator_start(*, user: AbstractBaseUser) -> TOTPDevice:
    """A fresh unconfirmed authenticator for `user` (any earlier unfinished one is dropped,
    so only the secret on screen now can be confirmed)."""
    TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).delete()
    return TOTPDevice.objects.create(user_id=user.pk, name=DEVICE_NAME, confirmed=False)


def authenticator_cancel(*, user: AbstractBaseUser) -> None:
    TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).delete()


def authenticator_confirm(*, device: TOTPDevice, code: str) -> str | None:
    """Confirm an authenticator being added with its first code; the refusal, or None."""
    if refusal := check_code(device, code):
        return refusal.sentence
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record(
            actor=device.user,
            action="two_factor.add",
            instance=device,
            changes={"confirmed": [False, True]},
        )
    return None


def authenticator_remove(*, device: TOTPDevice, code: str) -> str | None:
    """Remove a confirmed authenticator, proven by its current code; the refusal, or None.

    The code is asked for so that a session left open cannot turn the second factor off.
    """
    if refusal := check_code(device, code):
        return refusal.sentence
    with transaction.atomic():
        record(actor=device.user, action="two_factor.remove", instance=device)
        TOTPDevice.objects.filter(user_id=device.user_id).delete()
    return None


def secret_letters(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    letters = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(letters[i : i + 4] for i in range(0, len(letters), 4))


@dataclass(frozen=True)
class QrImage:
    src: str
    size: int  # pixels, square


def qr_code(device: TOTPDevice) -> QrImage:
    """The app's set-up link (otpauth://, with OTP_TOTP_ISSUER) as a QR code in a `data:`
    URI: an image of our own making, no request to anyone (the CSP allows img-src data:).
    Four pixels a module: big enough for a phone's camera held at arm's length."""
    code = segno.make(device.config_url, error="m")
    width, _ = code.symbol_size(scale=4)
    return QrImage(code.svg_data_uri(scale=4, dark="#000"), int(width))


# --- The code step of a sign-in ------------------------------------------------------------------

# A password that passed for an account with an authenticator: who, through which backend,
# until when the code may come, and how many wrong codes so far. The person is not signed in
# until the code passes.
PENDING_SIGN_IN = "clinic.pending_sign_in"
PENDING_SECONDS = 5 * 60
WRONG_CODES_ALLOWED = 5


def _now() -> int:
    return int(timezone.now().timestamp())


def begin_code_step(request: HttpRequest, user: AbstractBaseUser, backend: str) -> None:
    request.session[PENDING_SIGN_IN] = {
        "user": user.pk,
        "backend": backend,
        "until": _now() + PENDING_SECONDS,
        "wrong": 0,
    }


def pending_sign_in(request: HttpRequest) -> dict[str, Any] | None:
    """The sign-in waiting for its code, or None (none, or too old: it is dropped)."""
    pending = request.session.get(PENDING_SIGN_IN)
    if not isinstance(pending, dict):
        return None
    if pending.get("until", 0) <= _now():
        end_code_step(request)
        return None
    return pending


def count_wrong_code(request: HttpRequest, pending: dict[str, Any]) -> int:
    """Note one more wrong code; how many tries are left (0 ends the pending sign-in)."""
    wrong = int(pending.get("wrong", 0)) + 1
    left = max(0, WRONG_CODES_ALLOWED - wrong)
    if left == 0:
        end_code_step(request)
    else:
        request.session[PENDING_SIGN_IN] = {**pending, "wrong": wrong}
    return left


def end_code_step(request: HttpRequest) -> None:
    request.session.pop(PENDING_SIGN_IN, None)
