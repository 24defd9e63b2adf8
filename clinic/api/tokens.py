"""API tokens: django-rest-knox's hashed, expiring tokens, also revoked by a password change.

knox stores only a digest of each token and renews its expiry while it is used
(REST_KNOX in settings). Two things are added here:
- a token records the password it was issued under (`ApiToken.credential`), so a password
  changed through any door (the admin, `create_staff`, `changepassword`) revokes it;
- a deactivated user's tokens are deleted at their next use, all of them.
"""

from __future__ import annotations

from hmac import compare_digest
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from rest_framework import exceptions

from clinic.models import ApiToken
from clinic.users import as_user


def issue_token(user: AbstractBaseUser, *, expires: bool = True) -> tuple[ApiToken, str]:
    """A new token for `user`: the row (with its expiry) and the secret, shown only once.

    `expires=False` is for tests that move the clock by days; the API always issues
    expiring tokens.
    """
    options = {} if expires else {"expiry": None}
    return ApiToken.objects.create(
        user=as_user(user), credential=user.get_session_auth_hash(), **options
    )


def revoke_tokens(user: AbstractBaseUser) -> int:
    """Delete every token of `user`; the number deleted."""
    deleted, _ = ApiToken.objects.filter(user=as_user(user)).delete()
    return deleted


def purge_expired_tokens() -> int:
    """Delete expired tokens and those of deactivated users (a periodic task)."""
    stale = ApiToken.objects.filter(expiry__lt=timezone.now()) | ApiToken.objects.filter(
        user__is_active=False
    )
    deleted, _ = stale.delete()
    return deleted


class ApiTokenAuthentication(TokenAuthentication):
    def _cleanup_token(self, auth_token: Any) -> bool:
        # knox also reads every other token of the user on every request to delete the expired
        # ones; that is purge_expired_tokens' job here, so a request costs one query.
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False

    def validate_user(self, auth_token: Any) -> tuple[Any, Any]:
        user = auth_token.user
        if not user.is_active:
            revoke_tokens(user)
            raise exceptions.AuthenticationFailed("This account is no longer active.")
        if not compare_digest(auth_token.credential, user.get_session_auth_hash()):
            # The password changed since the token was issued.
            auth_token.delete()
            raise exceptions.AuthenticationFailed(
                "This token was revoked by a password change: sign in again."
            )
        return user, auth_token


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the token (the same name DRF's own token had)."""

    target_class = "clinic.api.tokens.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'The token from `POST /api/auth/token/`, sent as "Token <token>".',
        }
