import pytest
from django.urls import reverse

from jingzhun.accounts.models import Role
from jingzhun.areas.models import Level
from jingzhun.registry.vocab import MemberStatus, PovertyStatus
from tests.factories import AreaFactory, HouseholdFactory, MemberFactory, UserFactory, sample_area

pytestmark = pytest.mark.django_db


def _household(village, status, people):
    household = HouseholdFactory(village=village, poverty_status=status)
    MemberFactory.create_batch(people, household=household)
    return household


@pytest.fixture
def two_villages():
    """Two villages in two towns of one county, with different numbers of households."""
    ours = AreaFactory(name="王家村", population=900)
    theirs = AreaFactory(name="李家村", population=700)
    assert ours.parent != theirs.parent
    _household(ours, PovertyStatus.NOT_EXITED, 3)
    _household(ours, PovertyStatus.EXITED, 2)
    for _ in range(4):
        _household(theirs, PovertyStatus.RELAPSED, 5)
    return ours, theirs


def _summary(client, user):
    client.force_login(user)
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    return response, response.context["summary"]


def test_home_requires_login(client):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_login_page_is_in_chinese(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "用户名" in content
    assert "密码" in content
    assert "登录" in content


def test_village_user_sees_only_own_village(client, two_villages):
    ours, theirs = two_villages
    response, summary = _summary(client, UserFactory(role=Role.VILLAGE, area=ours))

    assert summary["households"] == 2
    assert summary["people"] == 5
    assert [row["village_id"] for row in summary["by_village"]] == [ours.code]
    assert summary["by_village"][0]["poor_people"] == 3
    content = response.content.decode()
    assert "王家村" in content
    assert "李家村" not in content
    assert theirs.code not in content


def test_town_user_of_the_other_town_sees_only_that_town(client, two_villages):
    _, theirs = two_villages
    _, summary = _summary(client, UserFactory(role=Role.TOWN, area=theirs.parent))

    assert summary["households"] == 4
    assert summary["people"] == 20
    assert [row["village_id"] for row in summary["by_village"]] == [theirs.code]
    assert summary["by_village"][0]["poor_people"] == 20


def test_county_user_sees_both_villages(client, two_villages):
    ours, theirs = two_villages
    response, summary = _summary(client, UserFactory(role=Role.COUNTY, area=sample_area(Level.COUNTY)))

    assert summary["households"] == 6
    assert summary["people"] == 25
    assert {row["village_id"] for row in summary["by_village"]} == {ours.code, theirs.code}
    content = response.content.decode()
    assert "济阳区建档立卡概况" in content
    assert "900" in content
    assert "700" in content


def test_user_without_area_sees_nothing(client, two_villages):
    response, summary = _summary(client, UserFactory(role=Role.COUNTY, area=None))

    assert summary["households"] == 0
    assert summary["by_village"] == []
    content = response.content.decode()
    assert "尚未分配区域" in content
    assert "王家村" not in content
    assert "李家村" not in content


def test_home_shows_chinese_status_labels_and_user(client):
    village = AreaFactory(name="张庄村")
    _household(village, PovertyStatus.NOT_EXITED, 2)
    household = _household(village, PovertyStatus.EXITED_NO_POLICY, 1)
    MemberFactory(household=household, status=MemberStatus.DECEASED)
    user = UserFactory(role=Role.VILLAGE, area=village, first_name="赵村官")

    response, summary = _summary(client, user)

    assert summary["people"] == 3  # the deceased member is not counted
    content = response.content.decode()
    for label in ["未脱贫", "已脱贫(享受政策)", "预脱贫", "返贫", "已脱贫(不再享受政策)", "非贫困户"]:
        assert label in content
    assert "赵村官" in content
    assert "张庄村" in content
    assert "户籍人口" in content
