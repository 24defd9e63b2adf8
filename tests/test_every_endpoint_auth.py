"""Every API endpoint, found by walking the URL configuration: 401 without credentials and
403 for a signed-in user without a clinic role. New endpoints are covered without a list."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC = {"/api/auth/token/", "/api/schema/", "/api/docs/"}
METHODS = ("get", "post", "put", "patch", "delete")


def walk(patterns, prefix: str = ""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def api_endpoints() -> list[tuple[str, str]]:
    found = []
    for route, callback in walk(get_resolver().url_patterns):
        if not route.startswith("api/"):
            continue
        path = "/" + re.sub(r"<(?:\w+:)?\w+>", "1", route).replace("^", "").replace("$", "")
        if path in PUBLIC:
            continue
        view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        for method in METHODS:
            if view is not None and hasattr(view, method):
                found.append((method, path))
    return sorted(set(found))


ENDPOINTS = api_endpoints()


def test_the_walk_finds_the_endpoints_of_api_md():
    paths = {path for _, path in ENDPOINTS}
    for expected in (
        "/api/slots/",
        "/api/appointments/1/check-in/",
        "/api/appointments/1/checklist/1/",
        "/api/patients/1/eligibility/",
        "/api/reminders/",
    ):
        assert expected in paths
    assert len(ENDPOINTS) >= 35


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_no_credentials_is_401_and_no_clinic_role_is_403(method, path, anon_api, api_as):
    anonymous = getattr(anon_api, method)(path, {}, format="json")
    assert anonymous.status_code == 401, anonymous.content
    assert anonymous.json()["code"] == "not_authenticated"
    roleless = getattr(api_as(None), method)(path, {}, format="json")
    assert roleless.status_code == 403, roleless.content
    assert roleless.json()["code"] == "permission_denied"
