"""The dividend pages: preview, approve, the list of the user's households, the workbook (logged)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.projects.models import Beneficiary, Distribution
from tests.exports import export_content
from tests.factories import HouseholdFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(users_by_role):
    """A county project with two households in village A and one in another village of county A."""
    from jingzhun.areas.models import Level
    from tests.factories import AreaFactory

    project = ProjectFactory(code="XM-GF-02", area=users_by_role.county_a, level="county")
    other_village = AreaFactory(
        level=Level.VILLAGE, parent=AreaFactory(level=Level.TOWN, parent=users_by_role.county_a)
    )
    for village in (users_by_role.village_a, users_by_role.village_a, other_village):
        Beneficiary.objects.create(project=project, household=HouseholdFactory(village=village), by_dividend=True)
    return project


def test_preview_approve_and_the_town_sees_its_own_households(client, users_by_role, project):
    client.force_login(users_by_role[Role.COUNTY].owner)
    url = reverse("projects:project_dividends", args=[project.code])
    preview = client.get(url, {"year": 2025, "income": "1000.00"})
    assert preview.status_code == 200
    assert b'data-testid="distributable">600.00' in preview.content
    assert not Distribution.objects.exists()
    approved = client.post(url, {"year": 2025, "income": "1000.00"})
    distribution = Distribution.objects.get()
    assert approved.url == reverse("projects:distribution_detail", args=[distribution.pk])

    client.force_login(users_by_role[Role.TOWN].owner)  # town A: may see, not approve, two of three households
    detail = client.get(approved.url)
    assert detail.content.count(b'<th scope="row"><a class="mono"') == 2
    assert b'data-testid="pay-form"' not in detail.content
    assert client.post(url, {"year": 2025, "income": "1000.00"}).status_code == 403

    workbook = export_content(client, reverse("projects:distribution_export", args=[distribution.pk]))
    sheet = load_workbook(io.BytesIO(workbook)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2][:6] == ("户编号", "户主", "分层分类", "权重", "分红金额", "说明")
    assert [r[0] for r in rows[-2:]] == ["合计", "全项目"]
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT, target=f"dividends:{distribution.pk}").exists()
