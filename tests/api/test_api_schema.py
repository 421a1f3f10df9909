"""The OpenAPI schema, and schemathesis against every operation of it.

Schemathesis calls each operation with generated input, authenticated by an API token over a small county
with an assessment run and a monitoring case, and checks every answer against the schema: no server error,
a documented status code and content type, and a body that matches the documented schema (errors included).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jingzhun.accounts.models import Role, User
from jingzhun.accounts.services import api_token_collect, api_token_issue
from jingzhun.core.scope import SYSTEM
from jingzhun.monitoring.models import MonitoringCase
from jingzhun.monitoring.services import case_open
from jingzhun.policy.services import assessment_run
from jingzhun.registry.services import household_event_record

from .conftest import County, county_make, user_of

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("GET", "/api/households/"),
    ("GET", "/api/households/{household_no}/"),
    ("GET", "/api/households/{household_no}/events/"),
    ("POST", "/api/households/{household_no}/events/"),
    ("GET", "/api/members/"),
    ("GET", "/api/assessments/"),
    ("GET", "/api/assessments/{id}/"),
    ("GET", "/api/assessments/{id}/households/"),
    ("GET", "/api/assessments/{id}/areas/"),
    ("GET", "/api/monitoring/cases/"),
    ("GET", "/api/monitoring/cases/{case_id}/"),
    ("POST", "/api/monitoring/cases/{case_id}/steps/"),
}
STEPS = "/api/monitoring/cases/{case_id}/steps/"


def _document() -> dict[str, Any]:
    # Built without a request or the database, as a client would download it from /api/schema/.
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


DOCUMENT = _document()
schema = schemathesis.openapi.from_dict(DOCUMENT)


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


# Every operation names a record or has pages (404); these also read parameters or a body (400).
READS_INPUT = {
    ("GET", "/api/households/"),
    ("POST", "/api/households/{household_no}/events/"),
    ("GET", "/api/members/"),
    ("GET", "/api/assessments/{id}/households/"),
    ("GET", "/api/assessments/{id}/areas/"),
    ("GET", "/api/monitoring/cases/"),
    ("POST", STEPS),
}
# The searches by a full ID number are limited for users without the ID-number right (429).
LIMITED = {("GET", "/api/households/"), ("GET", "/api/members/")}


@pytest.mark.parametrize(("method", "path"), sorted(OPERATIONS))
def test_every_operation_documents_its_errors_with_the_shared_error_schema(method, path):
    responses = DOCUMENT["paths"][path][method.lower()]["responses"]
    expected = {"401", "403", "404"} | ({"400"} if (method, path) in READS_INPUT else set())
    expected |= {"429"} if (method, path) in LIMITED else set()
    assert {code for code in responses if code.startswith("4")} == expected
    for code in expected:
        assert responses[code]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_the_error_schema_has_a_detail_text():
    error = DOCUMENT["components"]["schemas"]["Error"]
    assert error["required"] == ["detail"]
    assert error["properties"]["detail"]["type"] == "string"


def test_the_step_takes_its_attachment_as_a_file_part():
    body = DOCUMENT["paths"][STEPS]["post"]["requestBody"]["content"]
    multipart = DOCUMENT["components"]["schemas"][body["multipart/form-data"]["schema"]["$ref"].split("/")[-1]]
    as_json = DOCUMENT["components"]["schemas"][body["application/json"]["schema"]["$ref"].split("/")[-1]]
    assert multipart["properties"]["attachment"] == {**multipart["properties"]["attachment"], "format": "binary"}
    assert "attachment" not in as_json["properties"]


def test_the_token_is_a_documented_security_scheme():
    assert DOCUMENT["components"]["securitySchemes"]["tokenAuth"] == {
        **DOCUMENT["components"]["securitySchemes"]["tokenAuth"],
        "type": "http",
        "scheme": "bearer",
    }
    assert {"tokenAuth": []} in DOCUMENT["paths"]["/api/households/"]["get"]["security"]


# --- calling the API as a client generated from the schema would --------------------------------------------


@dataclass
class Shared:
    county: County
    token: dict[str, str]  # the Authorization header of a county user with the ID-number right, token too


@pytest.fixture(scope="module")
def shared(django_db_setup, django_db_blocker) -> Iterator[Shared]:
    """The small county of ``conftest`` with one assessment run, one open monitoring case and a token, made once
    for the module in a transaction rolled back at its end; each test's own transaction nests inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        county = county_make()
        household_event_record(
            household=county.home, kind="disaster", occurred_on=dt.date(2020, 7, 1), loss=Decimal(9000), user=SYSTEM
        )
        assessment_run(year=2020)
        village_cadre = user_of(Role.VILLAGE, county.village, username="cunganbu")
        case_open(household=county.second, channel="self_report", user=village_cadre)
        user = user_of(Role.COUNTY, county.county, username="county", may_see_id_numbers=True)
        security = user_of(Role.SECURITY_ADMIN, None, username="anquan")
        issued = api_token_issue(by=security, user=user, name="schemathesis", days=1, may_see_id_numbers=True)
        yield Shared(county, {"Authorization": f"Bearer {api_token_collect(user=user, token=issued)}"})
        transaction.set_rollback(True)


@pytest.fixture
def data(shared: Shared) -> County:
    return shared.county


@pytest.fixture
def token(shared: Shared) -> dict[str, str]:
    return shared.token


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


def test_a_client_following_the_schema_uploads_the_consent_form(data, wsgi_app):
    village_cadre = user_of(Role.VILLAGE, data.village, username="cunganbu2")
    security = User.objects.get(username="anquan")
    issued = api_token_issue(by=security, user=village_cadre, name="村级 App", days=1)
    headers = {"Authorization": f"Bearer {api_token_collect(user=village_cadre, token=issued)}"}
    case = MonitoringCase.objects.get()
    operation = schema[STEPS]["POST"]
    on = case.opened_on.isoformat()
    steps = [
        ({"action": "home_check", "version": 1, "on": on}, "application/json"),
        ({"action": "consent", "version": 2, "on": on, "attachment": b"\xff\xd8\xff signed"}, "multipart/form-data"),
    ]
    for body, media_type in steps:
        step = operation.Case(path_parameters={"case_id": case.pk}, body=body, media_type=media_type)
        response = step.call(app=wsgi_app, headers=headers)
        assert response.status_code == 200, response.text
    assert case.attachments.get().kind == "consent"


def _path_parameters(path: str, data: County) -> dict[str, Any]:
    from jingzhun.policy.models import AssessmentRun

    known = {
        "household_no": data.home.household_no,
        "id": AssessmentRun.objects.get().pk,
        "case_id": MonitoringCase.objects.get().pk,
    }
    return {name: value for name, value in known.items() if "{" + name + "}" in path}


@pytest.mark.parametrize("path", sorted(path for method, path in OPERATIONS if method == "GET"))
def test_every_record_of_the_small_county_conforms(path, data, token, wsgi_app):
    # Generated identifiers rarely name a real record: here each read answers 200 with a body to check.
    case = schema[path]["GET"].Case(path_parameters=_path_parameters(path, data))
    response = case.call_and_validate(
        checks=[status_code_conformance, content_type_conformance, response_schema_conformance],
        headers=token,
        app=wsgi_app,
    )
    assert response.status_code == 200, response.text
    assert response.json()


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_answer_conforms_to_the_schema(case, token, wsgi_app):
    case.call_and_validate(
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
        headers=token,
        app=wsgi_app,
    )
