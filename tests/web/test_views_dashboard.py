"""The dashboard with and without an assessment run; navigation by role."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from jingzhun.accounts.models import Role

from .conftest import user_of

pytestmark = pytest.mark.django_db


def test_dashboard_without_a_run_says_so(client, county, village_user):
    client.force_login(village_user)
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    assert "run" not in response.context
    content = response.content.decode()
    assert 'data-testid="no-run"' in content
    data = json.loads(content.split('id="chart-data" type="application/json">')[1].split("</script>")[0])
    assert "tiers" not in data
    assert {row["status"]: row["people"] for row in data["status"]}["not_exited"] == 2


def test_dashboard_with_a_run_shows_exits_flags_tiers_and_incidence(client, assessed, village_user):
    client.force_login(village_user)
    response = client.get(reverse("core:home"))
    outcomes = response.context["outcomes"]
    assert outcomes["households"] == 2
    assert outcomes["monitoring_flag"] == 1
    assert outcomes["exit_eligible"] == 0
    chart = response.context["chart"]
    tiers = {row["tier"]: row["households"] for row in chart["tiers"]}
    # only the exited household is tiered; the 未脱贫 one is in no tier (docs/RULES.md §7)
    assert tiers == {"fragile": 0, "general": 0, "stable": 0, "high_quality": 1}
    assert [v["name"] for v in chart["villages"]] == ["王家村"]
    # 2 poor people of 900 registered: 0.22 %
    assert chart["villages"][0]["incidence"] == pytest.approx(0.22)
    content = response.content.decode()
    assert 'data-chart="villages"' in content
    assert "echarts.common.min.js" in content
    assert "李家村" not in content
    assert "style=" not in content


def test_navigation_only_for_people_viewers(client, county, village_user):
    client.force_login(village_user)
    content = client.get(reverse("core:home")).content.decode()
    assert reverse("registry:household_list") in content
    assert reverse("policy:run_list") in content
    client.force_login(user_of(county.ours, Role.DEPARTMENT))
    response = client.get(reverse("core:home"), follow=True)
    content = response.content.decode()
    assert reverse("registry:household_list") not in content
    assert "summary" not in response.context
    assert "郝建业" not in content


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        (Role.DEPARTMENT, "crosscheck:batch_list"),
        (Role.SYSTEM_ADMIN, "accounts:system_accounts"),
        (Role.SECURITY_ADMIN, "accounts:security_accounts"),
        (Role.AUDIT_ADMIN, "accounts:audit_events"),
    ],
)
def test_roles_without_people_data_land_on_their_own_page(client, county, role, landing):
    client.force_login(user_of(county.ours if role == Role.DEPARTMENT else None, role))

    response = client.get(reverse("core:home"))

    assert response.status_code == 302
    assert response["Location"] == reverse(landing)


def test_a_helpers_dashboard_shows_the_latest_assessment_of_its_households(client, assessed):
    helper = _paired_helper(assessed)
    client.force_login(helper)

    content = client.get(reverse("core:home")).content.decode()

    assert 'data-testid="monitoring-flags"' in content
    assert 'data-testid="no-run"' not in content


def test_vendored_assets_are_served_locally(client, county, village_user):
    client.force_login(village_user)
    content = client.get(reverse("core:home")).content.decode()
    assert "/static/vendor/htmx/htmx.min.js" in content
    assert "https://" not in content.split("<body")[0]


def _paired_helper(county):
    from tests.assistance.factories import HelperFactory, PairingFactory

    helper = user_of(county.ours, Role.HELPER)
    PairingFactory(helper=HelperFactory(user=helper, area=county.ours), household=county.poor)
    return helper


def test_a_helpers_dashboard_counts_its_paired_households_only(client, county, village_user):
    # The village user's figures are cached first: the helper, of the same village, must not be served them.
    client.force_login(village_user)
    assert client.get(reverse("core:home")).context["summary"]["households"] == 2
    client.force_login(_paired_helper(county))
    response = client.get(reverse("core:home"))
    assert response.context["summary"]["households"] == 1
    row = response.content.decode().split(f'<span class="sub mono">{county.ours.code}</span>')[1]
    assert row.split('<td class="num">')[1].startswith("1<")


def test_a_helpers_dashboard_has_no_area_wide_run_figures(client, assessed):
    client.force_login(_paired_helper(assessed))
    response = client.get(reverse("core:home"))
    # The latest run's figures for its one paired household, never its village's, nor a link to the run's page.
    assert response.context["outcomes"]["households"] == 1
    assert "area_result" not in response.context
    assert reverse("policy:run_detail", args=[response.context["run"].pk]) not in response.content.decode()
