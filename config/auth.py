"""Token login: `POST /api/auth/token/ {"username", "password"}` -> `{"token"}`."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response


class ObtainToken(ObtainAuthToken):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["auth"],
        summary="Exchange a username and password for an API token",
        auth=[],
        request=inline_serializer(
            # COMPONENT_SPLIT_REQUEST appends "Request": the component is "CredentialsRequest".
            "Credentials",
            {"username": serializers.CharField(), "password": serializers.CharField()},
        ),
        responses={
            200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
            400: OpenApiResponse(description="Wrong username or password (field-error shape)."),
        },
    )
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().post(request, *args, **kwargs)
