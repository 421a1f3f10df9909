"""The 应享未享 / 不应享而享 pages: permissions, scope, masking, the Excel table, the compute button."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.benefits.entitlement_services import entitlements_compute
from jingzhun.benefits.models import EntitlementRun
from jingzhun.core.idnumber import mask
from jingzhun.core.scope import SYSTEM
from jingzhun.registry.vocab import HousingGrade
from tests.exports import export_content, export_start
from tests.factories import PaymentFactory

from .entitlement_helpers import YEAR, household, member

pytestmark = pytest.mark.django_db
GAPS = reverse("benefits:gap_list")
UNENTITLED = reverse("benefits:unentitled_list")


@pytest.fixture
def computed(users_by_role):
    home = household(users_by_role.village_a, housing_grade=HousingGrade.D, household_no="370125990001")
    person = member(home, born=dt.date(1980, 1, 1))
    PaymentFactory(benefit="B09", household=home, member=person, paid_on=dt.date(YEAR, 3, 1))  # not entitled
    entitlements_compute(user=SYSTEM, year=YEAR)
    return {"home": home, "person": person}


def _get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, {"year": YEAR, **params})


def test_county_sees_the_gaps_and_counts(client, users_by_role, computed):
    response = _get(client, users_by_role[Role.COUNTY].owner, GAPS)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-household="370125990001"' in text
    assert 'data-testid="by-village"' in text and 'data-testid="by-department"' in text


def test_outsider_sees_nothing_of_another_county(client, users_by_role, computed):
    response = _get(client, users_by_role[Role.COUNTY].outsider, GAPS)
    assert response.status_code == 200
    assert "370125990001" not in response.content.decode()


def test_role_without_benefits_is_refused(client, users_by_role, computed):
    assert _get(client, users_by_role[Role.HELPER].owner, GAPS).status_code == 403
    assert _get(client, users_by_role[Role.HELPER].owner, UNENTITLED).status_code == 403


def test_anonymous_goes_to_login(client, computed):
    assert client.get(GAPS).status_code == 302


def test_id_numbers_are_masked(client, users_by_role, computed):
    text = _get(client, users_by_role[Role.VILLAGE].owner, GAPS).content.decode()
    number = computed["person"].id_number
    assert mask(number) in text and number not in text


def test_department_clerk_sees_its_benefits_only(client, department_clerk, computed):
    text = _get(client, department_clerk("housing"), GAPS).content.decode()
    assert 'data-benefit="B08"' in text and 'data-benefit="B07"' not in text


def test_filter_by_benefit(client, users_by_role, computed):
    text = _get(client, users_by_role[Role.COUNTY].owner, GAPS, benefit="B08").content.decode()
    assert 'data-benefit="B08"' in text and 'data-benefit="B07"' not in text


def test_unentitled_list(client, users_by_role, computed):
    text = _get(client, users_by_role[Role.COUNTY].owner, UNENTITLED).content.decode()
    assert 'data-benefit="B09"' in text


def test_excel_export_is_logged(client, users_by_role, computed):
    user = users_by_role[Role.COUNTY].owner
    client.force_login(user)
    content = export_content(client, f"{reverse('benefits:gap_export')}?year={YEAR}")
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert "应享未享政策清单" in rows[0][0]
    assert rows[2][0] == "序号"
    assert rows[-1][0] == "合计"
    assert AccessLog.objects.filter(
        user=user, action=AccessLog.Action.EXPORT, target__startswith="benefit-gaps"
    ).exists()


def test_the_unentitled_export_has_the_payment_filtered_as_on_the_page(client, users_by_role, computed):
    user = users_by_role[Role.COUNTY].owner
    client.force_login(user)
    url = reverse("benefits:unentitled_export")
    rows = list(
        load_workbook(io.BytesIO(export_content(client, f"{url}?year={YEAR}"))).active.iter_rows(values_only=True)
    )
    assert "不应享而享政策清单" in rows[0][0] and [r[1] for r in rows[3:-1]] == ["B09"]
    rows = list(
        load_workbook(io.BytesIO(export_content(client, f"{url}?year={YEAR}&benefit=B08"))).active.iter_rows(
            values_only=True
        )
    )
    assert rows[3:-1] == []  # the page's filter holds
    assert AccessLog.objects.filter(user=user, target__startswith="benefit-unentitled").count() == 2


def test_export_refused_without_benefits(client, users_by_role, computed):
    client.force_login(users_by_role[Role.HELPER].owner)
    assert export_start(client, f"{reverse('benefits:gap_export')}?year={YEAR}").status_code == 403


def test_export_refused_without_a_run_of_the_year(client, users_by_role, computed):
    client.force_login(users_by_role[Role.COUNTY].owner)
    assert export_start(client, f"{reverse('benefits:gap_export')}?year={YEAR - 1}").status_code == 403


def test_compute_now_for_the_county(client, users_by_role, computed):
    client.force_login(users_by_role[Role.COUNTY].owner)
    before = EntitlementRun.objects.count()
    response = client.post(reverse("benefits:gap_compute"), {"year": YEAR})
    assert response.status_code == 302
    assert EntitlementRun.objects.count() == before + 1


def test_compute_without_a_year_computes_nothing(client, users_by_role, computed):
    client.force_login(users_by_role[Role.COUNTY].owner)
    before = EntitlementRun.objects.count()
    assert client.post(reverse("benefits:gap_compute"), {"year": "1e400"}).status_code == 302
    assert EntitlementRun.objects.count() == before


def test_compute_refused_for_a_town(client, users_by_role, computed):
    client.force_login(users_by_role[Role.TOWN].owner)
    assert client.post(reverse("benefits:gap_compute"), {"year": YEAR}).status_code == 403


def test_compute_is_post_only(client, users_by_role, computed):
    client.force_login(users_by_role[Role.COUNTY].owner)
    assert client.get(reverse("benefits:gap_compute")).status_code == 405


def test_compute_checks_csrf(users_by_role, computed):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(users_by_role[Role.COUNTY].owner)
    assert client.post(reverse("benefits:gap_compute"), {"year": YEAR}).status_code == 403


def test_no_run_yet(client, users_by_role):
    text = _get(client, users_by_role[Role.COUNTY].owner, GAPS).content.decode()
    assert 'data-testid="gap-list"' not in text


def _overview_count(client, user, testid):
    text = _get(client, user, reverse("benefits:index")).content.decode()
    return int(text.split(f'data-testid="{testid}">', 1)[1].split("<", 1)[0])


def test_overview_counts_link_the_lists(client, users_by_role, computed):
    county = users_by_role[Role.COUNTY].owner
    text = _get(client, county, reverse("benefits:index")).content.decode()
    assert f'href="{GAPS}?year={YEAR}"' in text and f'href="{UNENTITLED}?year={YEAR}"' in text
    assert _overview_count(client, county, "unentitled") == 1


def test_a_department_clerk_never_gets_the_county_count_from_the_cache(
    client, users_by_role, department_clerk, computed
):
    county_gaps = _overview_count(client, users_by_role[Role.COUNTY].owner, "gaps")  # cached first
    assert county_gaps > 1
    assert _overview_count(client, department_clerk("housing"), "gaps") == 1  # B08 of the household only
