"""The OpenAPI schema, and schemathesis against every operation of it: no server error whatever the input."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from jingzhun.policy.services import assessment_run

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("GET", "/api/households/"),
    ("GET", "/api/households/{household_no}/"),
    ("GET", "/api/members/"),
    ("GET", "/api/assessments/"),
    ("GET", "/api/assessments/{id}/"),
    ("GET", "/api/assessments/{id}/households/"),
    ("GET", "/api/assessments/{id}/areas/"),
    ("GET", "/api/monitoring/cases/"),
    ("GET", "/api/monitoring/cases/{case_id}/"),
    ("POST", "/api/monitoring/cases/{case_id}/steps/"),
}


def test_the_schema_lists_every_operation(client, county_user):
    client.force_login(county_user)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {(method.upper(), path) for path, item in paths.items() for method in item} == OPERATIONS


def test_the_schema_is_refused_to_someone_not_logged_in(client):
    # It lists every field and filter of the people data: not for whoever can reach the server.
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code in (401, 403)
    assert b"/api/members/" not in response.content


@pytest.fixture
def session_cookie(county, county_user, client) -> dict[str, str]:
    """A county user's session over the small county of ``conftest``, with one assessment run."""
    assessment_run(year=2020)
    client.force_login(county_user)
    return {"sessionid": client.cookies["sessionid"].value}


@pytest.fixture
def wsgi_app():
    # Made per test: WhiteNoise reads the static root of the test's data directory when the handler is built.
    # Like Django's test client, keep the connection open between requests: closing it would end the test's
    # transaction (PostgreSQL), and with it the data the requests read.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _schema() -> schemathesis.schemas.BaseSchema:
    # Built at collection, without a request or the database; the test calls the WSGI application in-process.
    document = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    return schemathesis.openapi.from_dict(document)


schema = _schema()


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_operation_answers_with_a_server_error(case, session_cookie, wsgi_app):
    case.call_and_validate(checks=[not_a_server_error], cookies=session_cookie, app=wsgi_app)
