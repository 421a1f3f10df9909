"""The household record (一户一档): scope, masking, unmasking with its log, what the record shows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.core.idnumber import mask
from jingzhun.registry.vocab import Relation
from tests.factories import MemberFactory

from .conftest import user_of

pytestmark = pytest.mark.django_db


def _url(household) -> str:
    return reverse("registry:household_detail", args=[household.household_no])


def _unmask_url(household) -> str:
    return reverse("registry:household_unmask", args=[household.household_no])


def test_record_of_another_area_is_not_found(client, county, village_user):
    client.force_login(village_user)
    assert client.get(_url(county.other)).status_code == 404
    assert client.post(_unmask_url(county.other)).status_code == 404


def test_unknown_household_is_not_found(client, county, village_user):
    client.force_login(village_user)
    assert client.get(reverse("registry:household_detail", args=["nope"])).status_code == 404


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN], ids=lambda r: r.value)
def test_record_refused_to_roles_without_people_data(client, county, role):
    client.force_login(user_of(county.ours, role, may_see_id_numbers=True))
    assert client.get(_url(county.poor)).status_code == 403
    assert client.post(_unmask_url(county.poor)).status_code == 403
    assert not AccessLog.objects.exists()


def test_town_and_county_users_see_households_below_them(client, county):
    for area in (county.ours.parent, county.ours.parent.parent):
        client.force_login(user_of(area, Role.TOWN))
        assert client.get(_url(county.poor)).status_code == 200


def test_record_masks_id_numbers(client, county, village_user):
    client.force_login(village_user)
    content = client.get(_url(county.poor)).content.decode()
    for member in county.poor.members.all():
        assert member.id_number not in content
        assert mask(member.id_number) in content
        assert mask(member.id_number)[:6] == member.id_number[:6]
        assert mask(member.id_number)[-4:] == member.id_number[-4:]
    assert "显示完整号码" not in content


def test_user_without_the_right_cannot_unmask(client, county, village_user):
    client.force_login(village_user)
    assert client.post(_unmask_url(county.poor)).status_code == 403
    assert not AccessLog.objects.exists()


def test_unmask_needs_post(client, county, unmasking_user):
    client.force_login(unmasking_user)
    assert client.get(_unmask_url(county.poor)).status_code == 405
    assert not AccessLog.objects.exists()


def test_record_offers_unmask_only_to_users_with_the_right(client, county, unmasking_user):
    client.force_login(unmasking_user)
    content = client.get(_url(county.poor)).content.decode()
    assert "显示完整号码" in content
    for member in county.poor.members.all():
        assert member.id_number not in content  # still masked until asked


def test_unmask_shows_full_numbers_and_logs_it(client, county, unmasking_user):
    client.force_login(unmasking_user)
    response = client.post(_unmask_url(county.poor))
    assert response.status_code == 200
    content = response.content.decode()
    for member in county.poor.members.all():
        assert member.id_number in content
    assert "no-store" in response["Cache-Control"]
    entry = AccessLog.objects.get()
    assert entry.user == unmasking_user
    assert entry.action == AccessLog.Action.UNMASK
    assert entry.target == f"household:{county.poor.household_no}"
    assert sorted(entry.detail["members"]) == sorted(county.poor.members.values_list("pk", flat=True))


def test_unmask_through_htmx_returns_the_members_table_only(client, county, unmasking_user):
    client.force_login(unmasking_user)
    response = client.post(_unmask_url(county.poor), headers={"HX-Request": "true"})
    content = response.content.decode()
    assert "<html" not in content
    assert 'id="members"' in content
    assert county.poor.members.first().id_number in content
    assert AccessLog.objects.count() == 1


def test_each_unmasked_view_is_logged(client, county, unmasking_user):
    client.force_login(unmasking_user)
    client.post(_unmask_url(county.poor))
    client.post(_unmask_url(county.well_off))
    assert AccessLog.objects.filter(action=AccessLog.Action.UNMASK).count() == 2


def test_record_shows_members_incomes_conditions_history_monitoring_and_assistance(client, county, village_user):
    client.force_login(village_user)
    content = client.get(_url(county.poor)).content.decode()
    for text in ["郝建业", "郝晓梅", "户主", "配偶", "2020", "3,000.00", "1,500.00", "建档立卡识别", "未脱贫"]:
        assert text in content, text
    assert "尚未评估" in content  # no run yet
    assert "监测" in content and "帮扶" in content
    assert "该户从未作为监测对象" in content
    assert "尚未结对" in content


def test_record_shows_latest_assessment_with_reasons(client, assessed, village_user):
    client.force_login(village_user)
    response = client.get(_url(assessed.poor))
    explained = response.context["explained"]
    indicators = {item.key: item for item in explained["indicators"]}
    assert indicators["water_ok"].ok is False
    assert "饮水水质不达标" in indicators["water_ok"].reason
    assert indicators["income_ok"].ok is False
    assert "人均纯收入 1500" in indicators["income_ok"].reason
    assert indicators["housing_ok"].ok is True
    assert indicators["housing_ok"].reason == ""
    triggers = {item.key: item for item in explained["triggers"]}
    assert triggers["low_income"].ok is True
    assert "低于监测范围" in triggers["low_income"].reason
    content = response.content.decode()
    assert "饮水水质不达标" in content
    assert f"#{assessed.run.pk}" in content


def test_record_of_a_household_that_has_not_exited_shows_no_tier(client, assessed, village_user):
    client.force_login(village_user)
    response = client.get(_url(assessed.poor))
    assert response.context["result"].tier == ""
    content = response.content.decode()
    assert "稳定脱贫户" not in content
    assert 'data-testid="tier-none"' in content


def test_record_of_an_exited_household_shows_its_tier(client, assessed, village_user):
    client.force_login(village_user)
    content = client.get(_url(assessed.well_off)).content.decode()
    assert "高质量脱贫户" in content
    assert 'data-testid="tier-none"' not in content


def test_record_page_has_no_inline_script_or_style(client, assessed, unmasking_user):
    client.force_login(unmasking_user)
    content = client.get(_url(assessed.poor)).content.decode()
    assert "style=" not in content
    assert "<script>" not in content


def _born_after_new_year(household):
    """A member of ``household`` whose birthday this year is today, so today's age and the age on 1 January
    differ by one (impossible on 1 January itself)."""
    today = timezone.localdate()
    if (today.month, today.day) == (1, 1):
        pytest.skip("on 1 January the two ages agree")
    day = today.day if (today.month, today.day) != (2, 29) else 28
    return MemberFactory(
        household=household, relation=Relation.SPOUSE, birth_date=dt.date(today.year - 40, today.month, day)
    )


def _ages(response) -> dict[int, int]:
    return {row["member"].pk: row["age"] for row in response.context["members"]}


def test_a_masked_record_shows_the_age_on_1_january_so_the_birthday_cannot_be_watched(client, county, village_user):
    member = _born_after_new_year(county.poor)
    client.force_login(village_user)
    assert _ages(client.get(_url(county.poor)))[member.pk] == 39


def test_an_unmasked_record_shows_todays_age(client, county, unmasking_user):
    member = _born_after_new_year(county.poor)
    client.force_login(unmasking_user)
    assert _ages(client.post(_unmask_url(county.poor)))[member.pk] == 40
