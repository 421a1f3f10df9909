"""Assessment runs and their transition tables, in the user's scope."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jingzhun.accounts.models import Role
from jingzhun.core.scope import SYSTEM
from jingzhun.policy.services import assessment_run
from jingzhun.registry.services import household_update
from jingzhun.registry.vocab import PovertyStatus

from .conftest import user_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.SECURITY_ADMIN], ids=lambda r: r.value)
def test_assessment_pages_refused_without_people_data(client, assessed, role):
    client.force_login(user_of(assessed.ours, role))
    assert client.get(reverse("policy:run_list")).status_code == 403
    assert client.get(reverse("policy:run_detail", args=[assessed.run.pk])).status_code == 403


def test_run_list_lists_runs(client, assessed, village_user):
    client.force_login(village_user)
    response = client.get(reverse("policy:run_list"))
    assert list(response.context["runs"]) == [assessed.run]
    assert f"#{assessed.run.pk}" in response.content.decode()


def test_run_of_another_area_is_not_found(client, county, outsider, village_user):
    run = assessment_run(year=2020, area_prefix=county.theirs.code)
    client.force_login(village_user)
    assert list(client.get(reverse("policy:run_list")).context["runs"]) == []
    assert client.get(reverse("policy:run_detail", args=[run.pk])).status_code == 404
    client.force_login(outsider)
    assert client.get(reverse("policy:run_detail", args=[run.pk])).status_code == 200


def test_unknown_run_is_not_found(client, county, village_user):
    client.force_login(village_user)
    assert client.get(reverse("policy:run_detail", args=[999])).status_code == 404


def test_run_detail_counts_only_the_users_scope(client, assessed, village_user, county_user):
    client.force_login(village_user)
    response = client.get(reverse("policy:run_detail", args=[assessed.run.pk]))
    assert response.context["summary"]["households"] == 2
    assert [v["area_code"] for v in response.context["villages"]] == [assessed.ours.code]
    assert "李家村" not in response.content.decode()
    client.force_login(county_user)
    response = client.get(reverse("policy:run_detail", args=[assessed.run.pk]))
    assert response.context["summary"]["households"] == 3


def test_run_detail_counts_tiers_of_exited_households_only(client, assessed, village_user):
    client.force_login(village_user)
    response = client.get(reverse("policy:run_detail", args=[assessed.run.pk]))
    assert {t["tier"]: t["households"] for t in response.context["tiers"]} == {
        "fragile": 0,
        "general": 0,
        "stable": 0,
        "high_quality": 1,
    }
    assert response.context["summary"]["untiered"] == 1  # the 未脱贫 household
    assert "已脱贫户分层分类" in response.content.decode()


def test_transition_table_against_current_statuses(client, assessed, village_user):
    # Through the registry's service, as every status change is made (with its history, which the table follows).
    household_update(
        household=assessed.poor, changes={"poverty_status": PovertyStatus.EXITED}, user=SYSTEM, reason="脱贫"
    )
    client.force_login(village_user)
    response = client.get(reverse("policy:run_detail", args=[assessed.run.pk]))
    table = response.context["table"]
    cells = {(row["from"], c["to"]): c["n"] for row in table["rows"] for c in row["cells"]}
    assert cells[(PovertyStatus.NOT_EXITED, PovertyStatus.EXITED)] == 1
    assert cells[(PovertyStatus.EXITED, PovertyStatus.EXITED)] == 1
    assert table["total"] == 2


def test_transition_table_against_an_earlier_run_and_its_cell(client, assessed, village_user):
    assessed.poor.poverty_status = PovertyStatus.EXITED
    assessed.poor.save()
    later = assessment_run(year=2020)
    client.force_login(village_user)
    url = reverse("policy:run_detail", args=[assessed.run.pk])
    response = client.get(url, {"against": later.pk, "from": "not_exited", "to": "exited"})
    assert response.context["against"] == later
    assert response.context["cell"]["households"] == [assessed.poor.household_no]
    assert reverse("registry:household_detail", args=[assessed.poor.household_no]) in response.content.decode()


def test_transition_cell_with_unknown_status_is_ignored(client, assessed, village_user):
    client.force_login(village_user)
    response = client.get(reverse("policy:run_detail", args=[assessed.run.pk]), {"from": "x'; --", "to": "exited"})
    assert response.status_code == 200
    assert response.context["cell"] is None


def test_transition_table_counts_people_beside_households(client, assessed, village_user):
    from jingzhun.registry.models import Member
    from jingzhun.registry.vocab import MemberStatus

    client.force_login(village_user)
    response = client.get(reverse("policy:run_detail", args=[assessed.run.pk]))
    table = response.context["table"]
    people = Member.objects.filter(
        household__village=assessed.ours, status=MemberStatus.ACTIVE
    ).count()  # counted apart from the table's query
    assert table["people"] == people > 0
    assert sum(c["people"] for row in table["rows"] for c in row["cells"]) == people
    assert sum(column["people"] for column in table["columns"]) == people
    assert f"{people} 人" in response.content.decode()
