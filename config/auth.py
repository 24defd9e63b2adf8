"""API sign-in and sign-out.

`POST /api/auth/token/ {"username", "password"}` -> `{"token", "expiry"}`: a django-rest-knox
token (stored hashed, renewed while in use, revoked by a password change). Repeated wrong
passwords lock the username (django-axes): 429 `too_many_attempts` with `retry_after`.
`POST /api/auth/logout/` revokes the token it is sent with.
"""

from __future__ import annotations

from django.contrib.auth import authenticate, logout
from django.contrib.auth.signals import user_logged_in, user_logged_out
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api.errors import ErrorSerializer, TooManyAttempts, TooManyAttemptsSerializer
from clinic.api.tokens import issue_token
from clinic.lockout import lockout_body
from clinic.models import ApiToken
from clinic.two_factor import api_code_refusal


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    code = serializers.CharField(
        max_length=12,
        required=False,
        help_text="The six digits of the authenticator app, for an account that has one.",
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField(help_text="Renewed while the token is in use.")


class ObtainToken(APIView):
    permission_classes = [AllowAny]
    # Credentials are in the body; a stale token in the header must not get in the way.
    authentication_classes: list[type] = []

    @extend_schema(
        tags=["auth"],
        summary="Exchange a username and password for an API token",
        auth=[],
        request=CredentialsSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description="Wrong username or password (field-error shape)."),
            429: OpenApiResponse(
                TooManyAttemptsSerializer,
                description="The username is locked after repeated wrong passwords.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        credentials = CredentialsSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        username = credentials.validated_data["username"]
        http = request._request
        user = authenticate(
            http, username=username, password=credentials.validated_data["password"]
        )
        if getattr(http, "axes_locked_out", False):
            raise TooManyAttempts(lockout_body(username))
        if user is None:
            raise exceptions.ValidationError(
                {"non_field_errors": ["Unable to log in with provided credentials."]}
            )
        if refusal := api_code_refusal(user, credentials.validated_data.get("code")):
            raise exceptions.ValidationError({"code": [refusal]})
        row, token = issue_token(user)
        user_logged_in.send(sender=type(user), request=http, user=user)
        return Response({"token": token, "expiry": row.expiry})


class Logout(APIView):
    """Any signed-in user may end their own token, role or not."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["auth"],
        summary="Revoke the token this request is sent with",
        request=None,
        responses={204: None, 401: ErrorSerializer},
    )
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, ApiToken):
            request.auth.delete()
            user_logged_out.send(
                sender=type(request.user), request=request._request, user=request.user
            )
        else:
            # Signed in through the browser (the API docs page): end that session.
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)
