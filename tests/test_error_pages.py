"""Errors no API view handles: a path that matches no route, an exception that escapes a view.

Under /api/ both answer JSON in the API's error shape; elsewhere Django's own pages stay.
The 500s come from views registered only in this module's urlconf (it is the ROOT_URLCONF
of the tests marked with it), next to every real route and with the real handlers.
"""

from __future__ import annotations

import logging

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config import urls as real_urls

SECRET = "connection to db-7.internal refused for patient DEMO-0001"


class Crashing(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        raise RuntimeError(SECRET)


def crashing_page(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(SECRET)


urlpatterns = [
    path("api/crash/", Crashing.as_view()),
    path("crash/", crashing_page),
    path("fhir/R4/crash", crashing_page),
    *real_urls.urlpatterns,
]
handler404 = real_urls.handler404
handler500 = real_urls.handler500

with_crashing_views = pytest.mark.urls(__name__)


@pytest.fixture
def browser_client() -> Client:
    # Answer as a server would, instead of re-raising the view's exception in the test.
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    "url", ["/api/nope/", "/api/patients/abc/", "/api/nope", "/api/procedure-types/x/y/"]
)
def test_an_api_client_asking_for_a_path_that_does_not_exist_gets_a_json_404(client, url):
    response = client.get(url)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "not_found"
    assert isinstance(body["detail"], str) and body["detail"]
    assert set(body) == {"code", "detail"}


def test_a_json_404_answers_whatever_the_method(client):
    response = client.post("/api/nope/", {"name": "x"}, content_type="application/json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_a_missing_route_and_a_missing_record_have_the_same_shape(client, nurse_api):
    no_route = client.get("/api/nope/").json()
    no_record = nurse_api.get("/api/patients/999999/").json()

    assert set(no_route) == set(no_record) == {"code", "detail"}
    assert no_route["code"] == no_record["code"] == "not_found"


def test_a_person_opening_a_page_that_does_not_exist_still_gets_djangos_html_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"Not Found" in response.content


@with_crashing_views
def test_an_api_view_that_crashes_answers_a_json_500_that_gives_nothing_away(
    browser_client, caplog
):
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = browser_client.get("/api/crash/")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "server_error"
    assert set(body) == {"code", "detail"}
    assert SECRET not in response.content.decode()
    # The details go to the log instead, with the traceback.
    logged = [r for r in caplog.records if r.name == "django.request" and r.exc_info]
    assert logged and SECRET in str(logged[0].exc_info[1])


@with_crashing_views
def test_a_fhir_request_that_crashes_answers_an_operation_outcome(browser_client):
    from fhir.resources.R4B.operationoutcome import OperationOutcome

    response = browser_client.get("/fhir/R4/crash")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/fhir+json"
    [issue] = OperationOutcome.model_validate_json(response.content).issue
    assert issue.severity == "error"
    assert SECRET not in response.content.decode()


@with_crashing_views
def test_a_page_that_crashes_still_gets_djangos_html_500(browser_client):
    response = browser_client.get("/crash/")

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert b"Server Error (500)" in response.content
    assert SECRET.encode() not in response.content


@with_crashing_views
def test_the_crashing_views_urlconf_still_answers_a_missing_api_path_with_json(browser_client):
    # Guards the test urlconf itself: it carries the real handlers, not Django's defaults.
    response = browser_client.get("/api/nope/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
