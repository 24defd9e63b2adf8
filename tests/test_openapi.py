"""The API is published as OpenAPI 3 at /api/schema/, browsable at /api/docs/."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

ROOT = Path(__file__).resolve().parent.parent
IGNORED_METHODS = {"head", "options", "trace"}


def test_the_schema_validates_with_no_warnings(tmp_path):
    schema_file = tmp_path / "schema.yaml"
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            str(schema_file),
        ],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stderr and "Error" not in result.stderr
    assert yaml.safe_load(schema_file.read_text())["openapi"].startswith("3.")


def test_anyone_can_read_the_schema_as_openapi_3(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Pain clinic procedure scheduling API"
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_the_docs_page_loads_swagger_ui_from_our_own_static_files(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "assets must be offline"
    # No inline script (the Content-Security-Policy forbids one): the start-up code that
    # points Swagger UI at the schema is a script file of its own.
    assert not re.search(r"<script>\s*\S", page)
    start_up = re.search(r'<script src="([^"]*\?script=[^"]*)"', page)
    assert start_up is not None
    script = client.get(start_up.group(1).replace("&amp;", "&"))
    assert script.status_code == 200
    assert "/api/schema/" in script.content.decode()


# --- every endpoint is in the schema ------------------------------------------------------------


def openapi_path(route: str) -> str:
    """`patients/<int:pk>/` or `^patients/(?P<pk>[^/.]+)/$` -> `/patients/{id}/`."""
    route = route.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
    route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)
    # drf-spectacular names a `pk` path parameter `id` (SCHEMA_COERCE_PATH_PK, on by default).
    return "/" + route.replace("{pk}", "{id}")


def api_endpoints(
    patterns: list[URLPattern | URLResolver] | None = None, prefix: str = ""
) -> Iterator[tuple[str, set[str]]]:
    """Every DRF view under the URL configuration, with the methods it answers."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern).removeprefix("^").removesuffix("$")
        if isinstance(entry, URLResolver):
            yield from api_endpoints(entry.url_patterns, route)
            continue
        view = getattr(entry.callback, "cls", None)
        if view is None or not issubclass(view, APIView):
            continue
        if view.__module__.startswith("drf_spectacular") or view.schema is None:
            continue  # the schema and docs views themselves; DRF's router root
        if "(?P<format>" in route:
            continue  # format-suffix twins of routed views
        actions = getattr(entry.callback, "actions", None)
        if actions:
            methods = set(actions)
        else:
            methods = {m for m in view.http_method_names if hasattr(view, m)}
        yield openapi_path(route), methods - IGNORED_METHODS


@pytest.fixture(scope="module")
def schema_paths() -> dict[str, dict[str, object]]:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)["paths"]


def test_the_endpoint_walk_finds_the_api_of_api_md():
    found = {path for path, _ in api_endpoints()}

    assert {
        "/api/auth/token/",
        "/api/procedure-types/",
        "/api/drugs/",
        "/api/providers/",
        "/api/rooms/",
        "/api/patients/",
        "/api/patients/{id}/",
        "/api/patients/{id}/medications/",
    } <= found


def test_every_api_endpoint_and_method_is_in_the_schema(schema_paths):
    missing = []
    for path, methods in api_endpoints():
        documented = set(schema_paths.get(path, {}))
        missing += [f"{method.upper()} {path}" for method in sorted(methods - documented)]

    assert missing == []


def test_the_token_login_is_documented_as_open_to_anyone(schema_paths):
    operation = schema_paths["/api/auth/token/"]["post"]

    # No security requirement on the operation: it is the one call made without a token.
    assert operation.get("security", [{}]) == [{}]
    assert "200" in operation["responses"]
    assert schema_paths["/api/drugs/"]["get"]["security"] == [{"tokenAuth": []}, {"cookieAuth": []}]
