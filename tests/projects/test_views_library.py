from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from jingzhun.accounts.models import Role
from jingzhun.projects.models import Asset, AssetIncome, Beneficiary, Project, Stage
from tests.factories import AreaFactory, BeneficiaryFactory, HouseholdFactory, ProjectFactory


@pytest.fixture
def county(client, users_by_role):
    client.force_login(users_by_role[Role.COUNTY].owner)
    return client


def test_the_list_shows_the_projects_of_the_area(county, project):
    page = county.get(reverse("projects:project_list"))
    assert page.status_code == 200
    assert project.code in page.content.decode()


def test_another_countys_project_is_not_found(client, project, users_by_role):
    client.force_login(users_by_role[Role.COUNTY].outsider)
    assert project.code not in client.get(reverse("projects:project_list")).content.decode()
    assert client.get(reverse("projects:project_detail", args=[project.code])).status_code == 404


def test_a_village_sees_the_county_project_that_serves_it_without_editing_it(client, users_by_role):
    county_project = ProjectFactory(area=users_by_role.county_a, level="county", code="XM-COUNTY")
    client.force_login(users_by_role[Role.VILLAGE].owner)
    page = client.get(reverse("projects:project_detail", args=[county_project.code]))
    assert page.status_code == 200
    assert 'data-testid="project-edit"' not in page.content.decode()


def test_a_town_declares_a_project(client, users_by_role):
    client.force_login(users_by_role[Role.TOWN].owner)
    answer = client.post(
        reverse("projects:project_new"),
        {
            "code": "XM-NEW",
            "name": "村级道路硬化",
            "kind": "infrastructure",
            "level": "village",
            "area_code": users_by_role.village_a.code,
            "year": 2026,
            "planned_investment": "120000",
            "on": "2026-03-02",
        },
    )
    assert answer.status_code == 302
    assert Project.objects.get(code="XM-NEW").stage == Stage.DECLARED


def test_the_next_stage_is_recorded_from_the_page(county, project):
    answer = county.post(
        reverse("projects:project_detail", args=[project.code]),
        {"start-action": "start", "start-version": project.version, "start-on": "2025-05-06", "start-note": ""},
    )
    assert answer.status_code == 302
    project.refresh_from_db()
    assert (project.stage, project.started_on) == (Stage.STARTED, dt.date(2025, 5, 6))


def test_a_refused_step_is_shown_in_chinese(county, project):
    answer = county.post(
        reverse("projects:project_detail", args=[project.code]),
        {"start-action": "start", "start-version": project.version, "start-on": "2025-01-06"},
    )
    assert answer.status_code == 400
    assert "早于上一环节" in answer.content.decode()


def test_a_beneficiary_is_added_by_household_number(county, project, users_by_role):
    household = HouseholdFactory(village=users_by_role.village_a)
    answer = county.post(
        reverse("projects:project_beneficiaries", args=[project.code]),
        {"household_no": household.household_no, "ways": ["by_dividend", "by_work"]},
    )
    assert answer.status_code == 302
    row = Beneficiary.objects.get(project=project, household=household)
    assert (row.by_dividend, row.by_work, row.by_land) == (True, True, False)


def test_an_asset_and_its_income_are_recorded(county, users_by_role):
    project = ProjectFactory(area=users_by_role.village_a, stage=Stage.COMPLETED, completed_on=dt.date(2025, 8, 1))
    answer = county.post(
        reverse("projects:asset_new", args=[project.code]),
        {
            "code": "ZC-1",
            "name": "冷库",
            "kind": "operating",
            "state": "in_use",
            "value": "200000",
            "formed_on": "2025-08-01",
            "owner": "王家村股份经济合作社",
        },
    )
    assert answer.status_code == 302
    asset = Asset.objects.get(code="ZC-1")
    answer = county.post(
        reverse("projects:asset_detail", args=[asset.pk]),
        {"period_start": "2025-08-01", "period_end": "2025-12-31", "amount": "15000", "received_on": "2026-01-10"},
    )
    assert answer.status_code == 302
    assert AssetIncome.objects.get(asset=asset).year == 2025


def _share(project, household, amount):
    distribution = project.distributions.create(
        year=2020,
        income=amount,
        ratio="0.6",
        distributable=amount,
        pack="national",
        households=1,
        weight_total=1,
        stage="approved",
        approved_on=dt.date(2021, 1, 5),
    )
    distribution.shares.create(household=household, household_no=household.household_no, weight=1, share=amount)
    BeneficiaryFactory(project=project, household=household)


def test_the_household_record_shows_the_dividends_of_the_projects_the_user_sees(client, users_by_role):
    home = HouseholdFactory(village=users_by_role.village_a)
    _share(ProjectFactory(area=users_by_role.village_a, code="XM-OWN"), home, 321)
    elsewhere = AreaFactory(level="village", parent=AreaFactory(level="town", parent=users_by_role.county_a))
    _share(ProjectFactory(area=elsewhere, code="XM-ELSEWHERE"), home, 654)
    client.force_login(users_by_role[Role.VILLAGE].owner)
    page = client.get(reverse("registry:household_detail", args=[home.household_no])).content.decode()
    assert "321.00 元" in page
    assert "654.00" not in page and "XM-ELSEWHERE" not in page


def test_the_village_filter_keeps_the_projects_serving_that_village(county, users_by_role):
    ours = ProjectFactory(area=users_by_role.village_a, code="XM-OURS")
    neighbour = ProjectFactory(area=AreaFactory(level="village", parent=users_by_role.town_a), code="XM-NEIGHBOUR")
    town = ProjectFactory(area=users_by_role.town_a, level="town", code="XM-TOWN")
    page = county.get(reverse("projects:project_list"), {"village": users_by_role.village_a.code})
    codes = [p.code for p in page.context["page"].rows]
    assert codes == [ours.code]
    assert neighbour.code not in codes and town.code not in codes


def test_the_list_offers_the_villages_of_the_area_to_filter_by(county, users_by_role):
    page = county.get(reverse("projects:project_list")).content.decode()
    assert 'name="village"' in page
    assert f'value="{users_by_role.village_a.code}"' in page
    assert f'value="{users_by_role.village_b.code}"' not in page


def test_a_village_out_of_scope_is_ignored_by_the_list(county, project, users_by_role):
    theirs = ProjectFactory(area=users_by_role.village_b, code="XM-THEIRS")
    page = county.get(reverse("projects:project_list"), {"village": users_by_role.village_b.code})
    assert page.status_code == 200
    codes = [p.code for p in page.context["page"].rows]
    assert project.code in codes
    assert theirs.code not in codes
