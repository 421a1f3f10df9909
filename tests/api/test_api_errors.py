"""Every answer under /api/ is JSON, errors included: unknown paths, refusals, defects, bad input."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _json_error(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert isinstance(body["detail"], str)
    return body


@pytest.mark.parametrize("path", ["/api/nothing/", "/api/households/1/members/", "/api/monitoring/cases/x/"])
def test_an_unknown_api_path_is_a_json_404(county_user, api, path):
    _json_error(api(county_user).get(path), 404)


def test_an_unknown_api_path_is_json_even_without_a_login(client):
    _json_error(client.get("/api/nothing/"), 404)


def test_elsewhere_an_unknown_path_is_still_the_page(county_user, api):
    response = api(county_user).get("/nothing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.urls("tests.api.urls_failing")
def test_a_defect_under_api_is_a_json_500(db):
    _json_error(Client(raise_request_exception=False).get("/api/broken/"), 500)


@pytest.mark.urls("tests.api.urls_failing")
def test_a_refusal_outside_drf_under_api_is_a_json_403(county_user, api):
    _json_error(api(county_user).get("/api/refused/"), 403)


def test_a_bad_parameter_names_the_field_in_the_detail_and_in_errors(county, county_user, api):
    body = _json_error(api(county_user).get("/api/households/", {"status": "rich"}), 400)
    assert body["detail"].startswith("参数 status：")
    assert list(body["errors"]) == ["status"]
