"""The poor villages page, an area's exit page and its documents: owner, colleague, outsider (issue 23)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.policy.models import AreaExit
from jingzhun.policy.services import assessment_run
from jingzhun.registry.vocab import PovertyStatus
from tests.factories import HouseholdFactory, IncomeFactory, MemberFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n" + b"0" * 64
FORM = {
    "year": "2020",
    "document_no": "冠政发〔2020〕12号",
    "decided_on": "2020-12-20",
    "note": "",
    "override_reason": "",
}


@pytest.fixture
def poor(users_by_role):
    """Village A, a registered poor village of 50 people, 3 of them poor (6 %: the test is not met)."""
    village = users_by_role.village_a
    village.poor_village, village.population, village.paved_road = True, 50, True
    village.save()
    household = HouseholdFactory(village=village, poverty_status=PovertyStatus.NOT_EXITED)
    for _ in range(3):
        MemberFactory(household=household)
    IncomeFactory(household=household, year=2020)
    IncomeFactory(household=household, year=2017)
    return village


def test_poor_villages_page_shows_the_incidence_and_the_exit_test(client, users_by_role, poor):
    assessment_run(year=2020)
    client.force_login(users_by_role[Role.TOWN].owner)
    response = client.get(reverse("policy:poor_villages"))
    [row] = response.context["villages"]
    assert row["area"] == poor and row["result"].incidence_bp == 600 and not row["result"].exit_eligible
    body = response.content.decode()
    assert "6.00%" in body and "贫困发生率 6.00%，未低于 2%" in body


def test_poor_villages_page_shows_the_shaanxi_packs_village_facts(client, users_by_role, poor):
    assessment_run(year=2017, pack="shaanxi-2017")
    client.force_login(users_by_role[Role.COUNTY].owner)
    response = client.get(reverse("policy:poor_villages"))
    [row] = response.context["villages"]
    assert {c["name"]: c["ok"] for c in row["criteria"]} == {
        "collective_economy": None,
        "paved_road": True,
        "power": None,
        "clinic": None,
    }
    assert 'data-testid="criterion-paved_road"' in response.content.decode()


def test_poor_villages_page_of_the_national_pack_lists_no_village_facts(client, users_by_role, poor):
    assessment_run(year=2020)
    client.force_login(users_by_role[Role.COUNTY].owner)
    assert client.get(reverse("policy:poor_villages")).context["villages"][0]["criteria"] == []


def test_an_outsider_sees_no_poor_village_of_another_county(client, users_by_role, poor):
    assessment_run(year=2020)
    client.force_login(users_by_role[Role.COUNTY].outsider)
    response = client.get(reverse("policy:poor_villages"))
    assert response.context["villages"] == []
    assert poor.code not in response.content.decode()


def test_owner_records_an_exit_with_an_override_and_a_document(client, users_by_role, poor):
    assessment_run(year=2020)
    client.force_login(users_by_role[Role.COUNTY].owner)
    url = reverse("policy:area_exit", args=[poor.code])
    data = FORM | {
        "override_reason": "第三方评估核定",
        "documents": SimpleUploadedFile("决定.pdf", PDF, "application/pdf"),
    }
    response = client.post(url, data)
    assert response.status_code == 302
    record = AreaExit.objects.get()
    assert (record.area, record.override_reason, record.documents.count()) == (poor, "第三方评估核定", 1)
    page = client.get(url).content.decode()
    assert "冠政发〔2020〕12号" in page and "2020 年摘帽" in page
    assert "2020 年摘帽" in client.get(reverse("policy:poor_villages")).content.decode()


def test_exit_without_override_is_refused_in_chinese_when_the_test_is_not_met(client, users_by_role, poor):
    assessment_run(year=2020)
    client.force_login(users_by_role[Role.COUNTY].owner)
    response = client.post(reverse("policy:area_exit", args=[poor.code]), FORM)
    assert response.status_code == 400
    assert "不满足退出条件" in response.context["error"]
    assert not AreaExit.objects.exists()


def test_the_exit_shows_on_the_dashboards_village_list(client, users_by_role, poor):
    assessment_run(year=2020)
    client.force_login(users_by_role[Role.COUNTY].owner)
    assert "2020 年摘帽" not in client.get("/").content.decode()  # the fragment is cached from here on
    client.post(reverse("policy:area_exit", args=[poor.code]), FORM | {"override_reason": "核定"})
    client.force_login(users_by_role[Role.COUNTY].colleague)
    assert "2020 年摘帽" in client.get("/").content.decode()


def test_a_colleague_sees_the_exit_and_its_document(client, users_by_role, poor):
    assessment_run(year=2020)
    client.force_login(users_by_role[Role.COUNTY].owner)
    data = FORM | {"override_reason": "核定", "documents": SimpleUploadedFile("决定.pdf", PDF, "application/pdf")}
    client.post(reverse("policy:area_exit", args=[poor.code]), data)
    document = AreaExit.objects.get().documents.get()
    client.force_login(users_by_role[Role.VILLAGE].colleague)
    assert "冠政发〔2020〕12号" in client.get(reverse("policy:area_exit", args=[poor.code])).content.decode()
    response = client.get(reverse("policy:exit_document_download", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert AccessLog.objects.filter(
        user=users_by_role[Role.VILLAGE].colleague, target=f"area-exit-document:{document.pk}"
    ).exists()


def test_an_outsider_gets_neither_the_exit_page_nor_the_document(client, users_by_role, poor):
    assessment_run(year=2020)
    client.force_login(users_by_role[Role.COUNTY].owner)
    data = FORM | {"override_reason": "核定", "documents": SimpleUploadedFile("决定.pdf", PDF, "application/pdf")}
    client.post(reverse("policy:area_exit", args=[poor.code]), data)
    document = AreaExit.objects.get().documents.get()
    client.force_login(users_by_role[Role.COUNTY].outsider)
    assert client.get(reverse("policy:area_exit", args=[poor.code])).status_code == 404
    assert client.post(reverse("policy:area_exit", args=[poor.code]), FORM).status_code == 404
    assert client.get(reverse("policy:exit_document_download", args=[document.pk])).status_code == 404
    client.force_login(users_by_role[Role.HELPER].owner)  # of village A, but sees households, not villages
    assert client.get(reverse("policy:exit_document_download", args=[document.pk])).status_code == 404


@pytest.mark.parametrize("role", [Role.TOWN, Role.VILLAGE])
def test_a_town_or_village_user_sees_the_page_but_may_not_record(client, users_by_role, poor, role):
    assessment_run(year=2020)
    client.force_login(users_by_role[role].owner)
    url = reverse("policy:area_exit", args=[poor.code])
    response = client.get(url)
    assert response.status_code == 200 and 'data-testid="exit-form"' not in response.content.decode()
    assert client.post(url, FORM | {"override_reason": "核定"}).status_code == 403
    assert not AreaExit.objects.exists()
