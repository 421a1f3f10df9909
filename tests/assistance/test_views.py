"""The assistance pages: every view's permission (owner, colleague and outsider of each role) and the actions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.assistance import services
from jingzhun.assistance.models import FollowUp, HelperKind, Measure, Pairing, Visit
from jingzhun.core.scope import SYSTEM
from tests.factories import HouseholdFactory, MemberFactory

from .factories import JPEG, FollowUpFactory, HelperFactory, PairingFactory, VisitFactory, WorkTeamFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
VIEWERS = [
    r
    for r in Role
    if user_can(type("U", (), {"is_authenticated": True, "is_active": True, "role": r})(), Capability.VIEW_PEOPLE)
]
EDITORS = [Role.COUNTY, Role.TOWN, Role.VILLAGE]
NO_PEOPLE = [r for r in Role if r not in VIEWERS]


@pytest.fixture
def area_a(users_by_role):
    """Village A: a household paired with the helper-role owner's helper record, one unpaired, a visit with a
    photo and a follow-up, a work team; and the helper-role owner linked to that helper."""
    village = users_by_role.village_a
    helper_user = users_by_role[Role.HELPER].owner
    helper = HelperFactory(area=village, user=helper_user, name="甲帮扶")
    paired = HouseholdFactory(village=village, household_no="A0000001")
    MemberFactory(household=paired, name="甲户主")
    unpaired = HouseholdFactory(village=village, household_no="A0000002")
    pairing = PairingFactory(helper=helper, household=paired, started_on=dt.date(2024, 1, 1))
    visit = services.visit_record(
        by=SYSTEM,
        household=paired,
        helper=helper,
        visited_on=TODAY - dt.timedelta(days=40),
        findings="屋顶漏雨",
        follow_ups=["联系住建局"],
        photos=[SimpleUploadedFile("a.jpg", JPEG)],
    )
    return {
        "helper": helper,
        "paired": paired,
        "unpaired": unpaired,
        "pairing": pairing,
        "visit": visit,
        "photo": visit.photos.get(),
        "follow_up": visit.follow_ups.get(),
        "team": WorkTeamFactory(village=village),
    }


def _pages(a) -> list[str]:
    return [
        "/assistance/helpers/",
        f"/assistance/helpers/{a['helper'].pk}/",
        "/assistance/teams/",
        f"/assistance/teams/{a['team'].pk}/",
        f"/assistance/households/{a['paired'].household_no}/",
        f"/assistance/visits/{a['visit'].pk}/",
        f"/assistance/photos/{a['photo'].pk}/",
        "/assistance/coverage/",
        "/assistance/not-visited/",
    ]


def test_anonymous_users_go_to_the_login_page(client, area_a):
    for url in [*_pages(area_a), "/assistance/", "/assistance/mine/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url


@pytest.mark.parametrize("role", VIEWERS)
def test_owner_and_colleague_of_a_people_role_see_every_page(client, users_by_role, area_a, role):
    for who in ("owner", "colleague"):
        client.force_login(getattr(users_by_role[role], who))
        for url in _pages(area_a):
            response = client.get(url)
            if response.streaming:  # the photo: read to the end, as a server would, which closes the file
                b"".join(response.streaming_content)
            # A helper sees its own paired households only: the colleague (no pairing) not the owner's.
            household_record = url.startswith(("/assistance/households/", "/assistance/visits/", "/assistance/photos/"))
            expected = 404 if role == Role.HELPER and who == "colleague" and household_record else 200
            assert response.status_code == expected, (who, url)


@pytest.mark.parametrize("role", VIEWERS)
def test_outsider_of_a_people_role_gets_404_for_records_of_area_a(client, users_by_role, area_a, role):
    client.force_login(users_by_role[role].outsider)
    for url in _pages(area_a):
        if url.count("/") > 3:  # a record, not a list
            assert client.get(url).status_code == 404, url
    for url in ("/assistance/helpers/", "/assistance/not-visited/", "/assistance/coverage/"):
        body = client.get(url).content.decode()
        assert "A0000001" not in body and "甲帮扶" not in body and "甲户主" not in body


@pytest.mark.parametrize("role", NO_PEOPLE)
def test_roles_without_people_data_are_refused_everywhere(client, users_by_role, area_a, role):
    client.force_login(users_by_role[role].owner)
    for url in [*_pages(area_a), "/assistance/", "/assistance/mine/"]:
        assert client.get(url).status_code == 403, url


def test_the_nav_page_sends_a_helper_to_their_households(client, users_by_role, area_a):
    client.force_login(users_by_role[Role.HELPER].owner)
    assert client.get("/assistance/")["Location"] == "/assistance/mine/"


def test_a_helper_does_not_learn_how_many_households_a_colleague_helps(client, users_by_role, area_a):
    colleague = HelperFactory(area=users_by_role.village_a, name="乙帮扶")
    PairingFactory(helper=colleague, household=area_a["unpaired"])
    client.force_login(users_by_role[Role.HELPER].owner)
    helpers = {h.name: h.current_households for h in client.get("/assistance/helpers/").context["helpers"]}
    assert helpers.get("乙帮扶", 0) == 0
    assert helpers["甲帮扶"] == 1


def test_the_nav_page_sends_others_to_the_helpers(client, users_by_role, area_a):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    assert client.get("/assistance/")["Location"] == "/assistance/helpers/"


# --- my households ----------------------------------------------------------------------------------------------


def test_my_households_shows_the_paired_household_as_due_with_its_follow_up(client, users_by_role, area_a):
    client.force_login(users_by_role[Role.HELPER].owner)
    response = client.get("/assistance/mine/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "甲户主" in body and "A0000002" not in body
    assert response.context["due_count"] == 1
    assert [f.text for f in response.context["follow_ups"]] == ["联系住建局"]


def test_my_households_of_a_helper_colleague_without_helper_record_says_so(client, users_by_role, area_a):
    client.force_login(users_by_role[Role.HELPER].colleague)
    response = client.get("/assistance/mine/")
    assert response.status_code == 200 and response.context["helper"] is None


@pytest.mark.parametrize("role", EDITORS)
def test_my_households_is_for_the_helper_role(client, users_by_role, area_a, role):
    client.force_login(users_by_role[role].owner)
    assert client.get("/assistance/mine/").status_code == 403


# --- visits -----------------------------------------------------------------------------------------------------


def _visit_post(helper_id: int, **fields):
    data = {"visited_on": TODAY.isoformat(), "helper": helper_id, "findings": "两不愁三保障无问题", "needs": "想学技术"}
    return data | fields


def test_a_helper_records_a_visit_for_a_paired_household(client, users_by_role, area_a):
    client.force_login(users_by_role[Role.HELPER].owner)
    url = f"/assistance/households/{area_a['paired'].household_no}/visit/"
    assert client.get(url).status_code == 200
    data = _visit_post(area_a["helper"].pk, follow_ups="联系人社局\n", photos=SimpleUploadedFile("p.jpg", JPEG))
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == "/assistance/mine/"
    visit = Visit.objects.latest("pk")
    assert (visit.helper, visit.recorded_by, visit.photos.count()) == (
        area_a["helper"],
        users_by_role[Role.HELPER].owner,
        1,
    )
    assert visit.follow_ups.get().text == "联系人社局"


def test_a_helper_may_not_record_a_visit_for_an_unpaired_household(client, users_by_role, area_a):
    client.force_login(users_by_role[Role.HELPER].owner)
    url = f"/assistance/households/{area_a['unpaired'].household_no}/visit/"
    # Not even seen: an unpaired household is "not found" for a helper, as another area's is.
    assert client.get(url).status_code == 404
    assert client.post(url, _visit_post(area_a["helper"].pk)).status_code == 404


def test_a_helper_cannot_record_a_visit_in_another_helpers_name(client, users_by_role, area_a):
    other = HelperFactory(area=users_by_role.village_a)
    client.force_login(users_by_role[Role.HELPER].owner)
    response = client.post(f"/assistance/households/{area_a['paired'].household_no}/visit/", _visit_post(other.pk))
    assert response.status_code == 400
    assert not Visit.objects.filter(helper=other).exists()


def test_a_visit_dated_tomorrow_is_refused_with_the_reason(client, users_by_role, area_a):
    client.force_login(users_by_role[Role.HELPER].owner)
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    response = client.post(
        f"/assistance/households/{area_a['paired'].household_no}/visit/",
        _visit_post(area_a["helper"].pk, visited_on=tomorrow),
    )
    assert response.status_code == 400
    assert "走访日期不能晚于今天" in response.content.decode()


def test_a_visit_dated_year_one_is_refused_on_the_field(client, users_by_role, area_a):
    client.force_login(users_by_role[Role.HELPER].owner)
    before = Visit.objects.count()
    response = client.post(
        f"/assistance/households/{area_a['paired'].household_no}/visit/",
        _visit_post(area_a["helper"].pk, visited_on="0001-01-01"),
    )
    assert response.status_code == 400
    assert "不能早于 2013-01-01" in str(response.context["form"].errors["visited_on"])
    assert Visit.objects.count() == before


def test_a_text_file_posing_as_a_photo_is_refused(client, users_by_role, area_a):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    response = client.post(
        f"/assistance/households/{area_a['paired'].household_no}/visit/",
        _visit_post(area_a["helper"].pk, photos=SimpleUploadedFile("x.jpg", b"GIF89a not a jpeg")),
    )
    assert response.status_code == 400
    assert "不是 JPEG、PNG 或 WebP" in response.content.decode()


@pytest.mark.parametrize("role", EDITORS)
def test_editors_record_visits_for_any_household_of_their_scope(client, users_by_role, area_a, role):
    client.force_login(users_by_role[role].owner)
    response = client.post(
        f"/assistance/households/{area_a['unpaired'].household_no}/visit/", _visit_post(area_a["helper"].pk)
    )
    assert response.status_code == 302
    assert Visit.objects.filter(household=area_a["unpaired"]).exists()


def test_an_inspector_may_not_record_a_visit(client, users_by_role, area_a):
    client.force_login(users_by_role[Role.INSPECTOR].owner)
    url = f"/assistance/households/{area_a['paired'].household_no}/visit/"
    assert client.post(url, _visit_post(area_a["helper"].pk)).status_code == 403


def test_the_photo_is_served_with_its_sniffed_type(client, users_by_role, area_a):
    client.force_login(users_by_role[Role.VILLAGE].colleague)
    response = client.get(f"/assistance/photos/{area_a['photo'].pk}/")
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8\xff")


def test_the_helper_closes_a_follow_up_of_their_household(client, users_by_role, area_a):
    client.force_login(users_by_role[Role.HELPER].owner)
    response = client.post(f"/assistance/follow-ups/{area_a['follow_up'].pk}/close/", {"next": "mine"})
    assert response.status_code == 302
    assert FollowUp.objects.get(pk=area_a["follow_up"].pk).done


def test_a_follow_up_of_another_area_is_not_found(client, users_by_role, area_a):
    client.force_login(users_by_role[Role.HELPER].outsider)
    assert client.post(f"/assistance/follow-ups/{area_a['follow_up'].pk}/close/").status_code == 404
    assert not FollowUp.objects.get(pk=area_a["follow_up"].pk).done


def test_a_helper_cannot_close_a_follow_up_of_a_household_not_theirs(client, users_by_role, area_a):
    other = FollowUpFactory(visit=VisitFactory(household=area_a["unpaired"]))
    client.force_login(users_by_role[Role.HELPER].owner)
    assert client.post(f"/assistance/follow-ups/{other.pk}/close/").status_code == 404


# --- pairings, helpers, teams, measures (EDIT_PEOPLE) -------------------------------------------------------------


@pytest.mark.parametrize("role", EDITORS)
def test_editors_pair_a_household_and_the_old_pairing_ends(client, users_by_role, area_a, role):
    new_helper = HelperFactory(area=users_by_role.village_a)
    client.force_login(users_by_role[role].owner)
    response = client.post(
        f"/assistance/helpers/{new_helper.pk}/pair/",
        {"household_no": area_a["paired"].household_no, "started_on": TODAY.isoformat()},
    )
    assert response.status_code == 302
    area_a["pairing"].refresh_from_db()
    assert area_a["pairing"].ended_on == TODAY
    assert Pairing.objects.get(household=area_a["paired"], ended_on__isnull=True).helper == new_helper


def test_pairing_a_household_of_another_area_is_refused(client, users_by_role, area_a):
    elsewhere = HouseholdFactory(village=users_by_role.village_b)
    client.force_login(users_by_role[Role.VILLAGE].owner)
    response = client.post(
        f"/assistance/helpers/{area_a['helper'].pk}/pair/",
        {"household_no": elsewhere.household_no, "started_on": TODAY.isoformat()},
    )
    assert response.status_code == 400
    assert not Pairing.objects.filter(household=elsewhere).exists()


@pytest.mark.parametrize("field", ["started_on", "ended_on"])
def test_a_pairing_dated_year_one_is_refused_on_the_field(client, users_by_role, area_a, field):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    if field == "started_on":
        url, data = (
            f"/assistance/helpers/{area_a['helper'].pk}/pair/",
            {"household_no": area_a["unpaired"].household_no},
        )
    else:
        url, data = f"/assistance/pairings/{area_a['pairing'].pk}/end/", {"end_reason": "调整"}
    # The pairing form answers 400 with the form; ending one goes back to the helper's page with the message.
    response = client.post(url, data | {field: "0001-01-01"}, follow=True)
    assert "不能早于 2013-01-01" in response.content.decode()
    assert not Pairing.objects.filter(household=area_a["unpaired"]).exists()
    area_a["pairing"].refresh_from_db()
    assert area_a["pairing"].ended_on is None


@pytest.mark.parametrize("role", [Role.HELPER, Role.INSPECTOR])
def test_viewers_who_do_not_edit_cannot_pair_end_pair_or_record_measures(client, users_by_role, area_a, role):
    client.force_login(users_by_role[role].owner)
    no = area_a["paired"].household_no
    assert client.post(f"/assistance/helpers/{area_a['helper'].pk}/pair/", {"household_no": no}).status_code == 403
    assert client.post(f"/assistance/pairings/{area_a['pairing'].pk}/end/").status_code == 403
    assert client.post(f"/assistance/households/{no}/", {"kind": "industry"}).status_code == 403
    assert client.get("/assistance/helpers/new/").status_code == 403
    assert client.get("/assistance/teams/new/").status_code == 403
    assert client.post(f"/assistance/teams/{area_a['team'].pk}/attendance/").status_code == 403


def test_a_village_cadre_ends_a_pairing_with_a_reason(client, users_by_role, area_a):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    response = client.post(
        f"/assistance/pairings/{area_a['pairing'].pk}/end/",
        {"ended_on": TODAY.isoformat(), "end_reason": "标注消除风险"},
    )
    assert response.status_code == 302
    area_a["pairing"].refresh_from_db()
    assert area_a["pairing"].end_reason == "标注消除风险"


def test_ending_a_pairing_of_another_area_is_not_found(client, users_by_role, area_a):
    client.force_login(users_by_role[Role.VILLAGE].outsider)
    response = client.post(
        f"/assistance/pairings/{area_a['pairing'].pk}/end/", {"ended_on": TODAY.isoformat(), "end_reason": "x"}
    )
    assert response.status_code == 404


def test_a_village_cadre_adds_a_helper_with_a_helper_account(client, users_by_role, area_a):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    account = users_by_role[Role.HELPER].colleague
    response = client.post(
        "/assistance/helpers/new/",
        {
            "name": "乙帮扶",
            "kind": HelperKind.HELPER,
            "unit": "县教育局",
            "phone": "13912345678",
            "area": users_by_role.village_a.code,
            "account": account.username,
        },
    )
    assert response.status_code == 302
    assert account.helper.name == "乙帮扶"


def test_a_helper_cannot_be_placed_outside_the_scope(client, users_by_role, area_a):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    response = client.post(
        "/assistance/helpers/new/",
        {"name": "乙", "kind": "helper", "unit": "县教育局", "area": users_by_role.village_b.code},
    )
    assert response.status_code == 200 and "area" in response.context["form"].errors


def test_a_village_cadre_records_a_measure(client, users_by_role, area_a):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    response = client.post(
        f"/assistance/households/{area_a['paired'].household_no}/",
        {"kind": "public_welfare_job", "content": "村保洁员", "started_on": TODAY.isoformat(), "amount": "500"},
    )
    assert response.status_code == 302
    measure = Measure.objects.get(household=area_a["paired"])
    assert (measure.kind, str(measure.amount), measure.recorded_by) == (
        "public_welfare_job",
        "500.00",
        users_by_role[Role.VILLAGE].owner,
    )


def test_a_measure_without_content_is_refused(client, users_by_role, area_a):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    response = client.post(
        f"/assistance/households/{area_a['paired'].household_no}/",
        {"kind": "industry", "content": "", "started_on": TODAY.isoformat()},
    )
    assert response.status_code == 400
    assert not Measure.objects.exists()


def test_a_town_user_creates_a_work_team_and_records_attendance(client, users_by_role, area_a):
    secretary = HelperFactory(area=users_by_role.village_a, kind=HelperKind.FIRST_SECRETARY, name="书记")
    client.force_login(users_by_role[Role.TOWN].owner)
    response = client.post(
        "/assistance/teams/new/",
        {
            "village": users_by_role.village_a.code,
            "unit": "省农业农村厅",
            "leader": secretary.pk,
            "members": [area_a["helper"].pk],
            "started_on": "2025-01-01",
        },
    )
    assert response.status_code == 302
    team_url = response["Location"]
    response = client.post(
        f"{team_url}attendance/", {"date": TODAY.isoformat(), "member": secretary.pk, "status": "leave"}
    )
    assert response.status_code == 302
    summary = client.get(team_url).context["summary"]
    assert {(line.member.name, line.leave) for line in summary} == {("书记", 1), ("甲帮扶", 0)}


def test_the_coverage_page_shows_the_village_numbers(client, users_by_role, area_a):
    client.force_login(users_by_role[Role.COUNTY].owner)
    response = client.get("/assistance/coverage/", {"date_from": "2000-01-01", "date_to": TODAY.isoformat()})
    village = next(t for t in response.context["tables"] if t["by"] == "village")
    assert [(r.households, r.visited) for r in village["rows"]] == [(2, 1)]


def test_the_coverage_page_shows_the_helpers_a_page_at_a_time(client, users_by_role, area_a, monkeypatch):
    from jingzhun.assistance import selectors

    for name in ("丙", "丁", "戊"):
        home = HouseholdFactory(village=users_by_role.village_a)
        PairingFactory(helper=HelperFactory(name=name, area=users_by_role.village_a), household=home)
    monkeypatch.setattr(selectors, "HELPERS_SHOWN", 2)
    client.force_login(users_by_role[Role.COUNTY].owner)
    period = {"date_from": "2000-01-01", "date_to": TODAY.isoformat()}
    names, response = [], client.get("/assistance/coverage/", period)
    while True:
        table = next(t for t in response.context["tables"] if t["by"] == "helper")
        names += [row.name.split("（")[0] for row in table["rows"]]
        if table["page"].next_after is None:
            break
        assert 'rel="next"' in response.content.decode()
        response = client.get("/assistance/coverage/", {**period, "after": table["page"].next_after})
    assert names == sorted(names) == sorted({"甲帮扶", "丙", "丁", "戊"})


def test_the_not_visited_page_honours_the_number_of_days(client, users_by_role, area_a):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    assert client.get("/assistance/not-visited/", {"days": "30"}).context["count"] == 2
    assert client.get("/assistance/not-visited/", {"days": "60"}).context["count"] == 1
