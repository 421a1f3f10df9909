"""No answer of the application may be kept by a browser or proxy; static files may."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jingzhun.accounts.models import Role
from tests.assistance.factories import PairingFactory, VisitFactory
from tests.exports import export_download
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db


def not_kept(response) -> bool:
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    return {"no-store", "no-cache", "private", "max-age=0"} <= directives and response["Pragma"] == "no-cache"


@pytest.fixture
def county_user(client, users_by_role):
    user = users_by_role[Role.COUNTY].owner
    MemberFactory(household=HouseholdFactory(village=users_by_role.village_a), name="王建国")
    client.force_login(user)
    return user


def test_a_people_page_is_not_kept(client, county_user):
    response = client.get(reverse("registry:household_list"))
    assert b"\xe7\x8e\x8b\xe5\xbb\xba\xe5\x9b\xbd" in response.content  # 王建国
    assert not_kept(response)


def test_an_api_answer_is_not_kept(client, county_user):
    response = client.get("/api/members/")
    assert response.json()["results"]
    assert not_kept(response)


def test_an_export_download_is_not_kept(client, county_user):
    response = export_download(client, "/monitoring/export/monitoring/")
    response.close()
    assert response.status_code == 200
    assert not_kept(response)


def test_an_answer_to_someone_not_logged_in_is_not_kept_either(client):
    assert not_kept(client.get(reverse("accounts:login")))


def test_a_view_asking_for_a_cache_gets_none(client, users_by_role, settings):
    # The visit photo asked for an hour in the browser's cache; a photo of a household is people data too.
    county = users_by_role[Role.COUNTY].owner
    pairing = PairingFactory(household__village=users_by_role.village_a, helper__area=users_by_role.village_a)
    visit = VisitFactory(household=pairing.household, helper=pairing.helper)
    (settings.MEDIA_ROOT / "assistance").mkdir(parents=True)
    (settings.MEDIA_ROOT / "assistance" / "p.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a photo")
    photo = visit.photos.create(file="assistance/p.jpg", content_type="image/jpeg", size=20)
    client.force_login(county)
    response = client.get(reverse("assistance:photo", args=[photo.pk]))
    response.close()
    assert response.status_code == 200
    assert not_kept(response)
    assert "max-age=3600" not in response["Cache-Control"]


def test_static_files_stay_cacheable(client, settings):
    (settings.STATIC_ROOT / "probe.css").write_text("body {}")
    response = client.get("/static/probe.css")
    response.close()
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
