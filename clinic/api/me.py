"""`GET /api/auth/me/`: who the token belongs to and which clinic roles they hold."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api.views import AUTH_ERRORS
from clinic.permissions import ALL_ROLES
from clinic.roles import roles_of


class Me(APIView):
    allowed_roles = ALL_ROLES

    @extend_schema(
        tags=["auth"],
        summary="The signed-in user and their roles",
        responses={
            200: inline_serializer(
                "Me",
                {
                    "username": serializers.CharField(),
                    "roles": serializers.ListField(child=serializers.CharField()),
                },
            ),
            **AUTH_ERRORS,
        },
    )
    def get(self, request: Request) -> Response:
        return Response(
            {"username": request.user.get_username(), "roles": sorted(roles_of(request.user))}
        )
