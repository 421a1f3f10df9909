"""The review queue: scoped reads, confirm / reject with remembered decisions, the page and its permissions."""

from __future__ import annotations

import datetime as dt

import pytest

from jingzhun.accounts.models import Role
from jingzhun.crosscheck.matching import batch_match
from jingzhun.crosscheck.models import Decision, Match, MatchState, Method
from jingzhun.crosscheck.review import ReviewRefused, match_confirm, match_reject, review_queue_for_user
from tests.crosscheck.factories_matching import batch_make, id_number, row_make, typo
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db

BORN = dt.date(1990, 1, 1)


@pytest.fixture
def twins(users_by_role):
    """Two 王芳 of the same birth date in village A: a row without an ID number is ambiguous between them."""
    region = users_by_role.village_a.code[:6]
    members = [
        MemberFactory(
            household=HouseholdFactory(village=users_by_role.village_a),
            name="王芳",
            id_number=id_number(region, BORN, 120 + 2 * i),
            birth_date=BORN,
            sex="F",
        )
        for i in range(2)
    ]
    batch = batch_make()
    row = row_make(batch=batch, name="王芳", id_raw="无")
    batch_match(batch=batch)
    return members, row


def _state(row, member):
    return Match.objects.get(row=row, member=member).state


@pytest.mark.usefixtures("twins")
def test_the_queue_holds_the_candidates_of_the_users_area_only(users_by_role):
    for role in (Role.COUNTY, Role.TOWN, Role.VILLAGE):
        assert review_queue_for_user(user=users_by_role[role].owner).count() == 2
        assert review_queue_for_user(user=users_by_role[role].outsider).count() == 0
    for role in (Role.HELPER, Role.INSPECTOR, Role.DEPARTMENT, Role.SYSTEM_ADMIN):
        assert review_queue_for_user(user=users_by_role[role].owner).count() == 0


def test_confirming_rejects_the_other_candidates_and_is_remembered(users_by_role, twins):
    (first, second), row = twins
    user = users_by_role[Role.VILLAGE].owner
    match_confirm(match_id=Match.objects.get(row=row, member=first).pk, user=user)
    assert (_state(row, first), _state(row, second)) == (MatchState.CONFIRMED, MatchState.REJECTED)
    assert set(Decision.objects.values_list("member", "same_person", "decided_by")) == {
        (first.pk, True, user.pk),
        (second.pk, False, user.pk),
    }
    later = batch_make()
    again = row_make(batch=later, name="王芳", id_raw="无")
    batch_match(batch=later)
    match = Match.objects.get(row=again)
    assert (match.member, match.method, match.state) == (first, Method.DECISION, MatchState.CONFIRMED)


def test_a_rejected_candidate_is_not_proposed_again(users_by_role, twins):
    (first, second), row = twins
    user = users_by_role[Role.COUNTY].owner
    match_reject(match_id=Match.objects.get(row=row, member=first).pk, user=user)
    assert (_state(row, first), _state(row, second)) == (MatchState.REJECTED, MatchState.REVIEW)
    later = batch_make()
    again = row_make(batch=later, name="王芳", id_raw="无")
    batch_match(batch=later)
    assert list(Match.objects.filter(row=again).values_list("member", "state")) == [(second.pk, MatchState.REVIEW)]


def test_a_decided_match_cannot_be_decided_again_nor_by_another_area(users_by_role, twins):
    (first, _second), row = twins
    match = Match.objects.get(row=row, member=first)
    with pytest.raises(ReviewRefused):
        match_confirm(match_id=match.pk, user=users_by_role[Role.COUNTY].outsider)
    with pytest.raises(ReviewRefused):
        match_confirm(match_id=match.pk, user=users_by_role[Role.HELPER].owner)
    match_reject(match_id=match.pk, user=users_by_role[Role.TOWN].owner)
    with pytest.raises(ReviewRefused):
        match_confirm(match_id=match.pk, user=users_by_role[Role.TOWN].owner)


def test_the_page_lists_masked_candidates_and_confirms(client, users_by_role, twins):
    (first, _second), row = twins
    client.force_login(users_by_role[Role.TOWN].owner)
    page = client.get("/crosscheck/review/")
    assert page.status_code == 200
    body = page.content.decode()
    assert first.id_number not in body and first.id_number[:6] + "********" + first.id_number[-4:] in body
    assert body.count('data-testid="confirm"') == 2
    match = Match.objects.get(row=row, member=first)
    response = client.post(f"/crosscheck/review/{match.pk}/confirm/")
    assert response.status_code == 302
    assert _state(row, first) == MatchState.CONFIRMED
    assert 'data-testid="empty"' in client.get("/crosscheck/review/").content.decode()


def test_the_page_refuses_other_roles_and_other_areas(client, users_by_role, twins):
    (first, _second), row = twins
    match = Match.objects.get(row=row, member=first)
    client.force_login(users_by_role[Role.HELPER].owner)
    assert client.get("/crosscheck/review/").status_code == 403
    client.force_login(users_by_role[Role.COUNTY].outsider)
    assert client.post(f"/crosscheck/review/{match.pk}/reject/").status_code == 404
    assert client.get("/crosscheck/review/").status_code == 200
    assert _state(row, first) == MatchState.REVIEW


def test_a_homophone_typo_shows_its_reasons(client, users_by_role):
    member = MemberFactory(household=HouseholdFactory(village=users_by_role.village_a), name="张伟")
    batch = batch_make()
    row_make(batch=batch, name="章玮", id_raw=typo(member.id_number, 8))
    batch_match(batch=batch)
    client.force_login(users_by_role[Role.COUNTY].owner)
    body = client.get("/crosscheck/review/").content.decode()
    assert "ID numbers differ in one character" in body or "证件号码错一位" in body


# --- a decision touches only what the user may see (issue 24, item 5) -------------------------------------------


@pytest.fixture
def two_towns(users_by_role):
    """A row without an ID number whose two candidates live in two towns of county A, and a town user of the
    second town (the first town's user is ``users_by_role[Role.TOWN].owner``)."""
    from jingzhun.areas.models import Level
    from tests.factories import AreaFactory, UserFactory

    other_town = AreaFactory(level=Level.TOWN, parent=users_by_role.county_a)
    other_village = AreaFactory(level=Level.VILLAGE, parent=other_town)
    region = users_by_role.village_a.code[:6]
    members = [
        MemberFactory(
            household=HouseholdFactory(village=village),
            name="王芳",
            id_number=id_number(region, BORN, 130 + 2 * i),
            birth_date=BORN,
            sex="F",
        )
        for i, village in enumerate((users_by_role.village_a, other_village))
    ]
    batch = batch_make()
    row = row_make(batch=batch, name="王芳", id_raw="无")
    batch_match(batch=batch)
    other_user = UserFactory(username="town_other", role=Role.TOWN, area=other_town)
    return members, row, other_user


def test_confirming_leaves_another_towns_candidate_untouched(client, users_by_role, two_towns):
    (mine, theirs), row, _other_user = two_towns
    client.force_login(users_by_role[Role.TOWN].owner)
    response = client.post(f"/crosscheck/review/{Match.objects.get(row=row, member=mine).pk}/confirm/")
    assert response.status_code == 302
    assert (_state(row, mine), _state(row, theirs)) == (MatchState.CONFIRMED, MatchState.REVIEW)
    assert Match.objects.get(row=row, member=theirs).decided_by is None
    assert not Decision.objects.filter(member=theirs).exists()


def test_the_other_towns_reviewer_sees_the_row_matched_and_may_only_reject(client, users_by_role, two_towns):
    (mine, theirs), row, other_user = two_towns
    match_confirm(match_id=Match.objects.get(row=row, member=mine).pk, user=users_by_role[Role.TOWN].owner)
    client.force_login(other_user)
    page = client.get("/crosscheck/review/").content.decode()
    assert 'data-testid="settled-elsewhere"' in page and 'data-testid="confirm"' not in page
    assert mine.household.household_no not in page  # which member the other town chose is not said
    theirs_match = Match.objects.get(row=row, member=theirs)
    client.post(f"/crosscheck/review/{theirs_match.pk}/confirm/")
    assert _state(row, theirs) == MatchState.REVIEW  # one accepted match per row
    client.post(f"/crosscheck/review/{theirs_match.pk}/reject/")
    assert _state(row, theirs) == MatchState.REJECTED
    assert Decision.objects.get(member=theirs).decided_by == other_user


def test_a_county_user_confirming_closes_the_candidates_of_every_town(users_by_role, two_towns):
    (mine, theirs), row, _other_user = two_towns
    match_confirm(match_id=Match.objects.get(row=row, member=mine).pk, user=users_by_role[Role.COUNTY].owner)
    assert (_state(row, mine), _state(row, theirs)) == (MatchState.CONFIRMED, MatchState.REJECTED)


def test_a_row_confirmed_by_one_town_counts_as_matched_not_in_review(users_by_role, two_towns):
    (mine, _theirs), row, _other_user = two_towns
    match_confirm(match_id=Match.objects.get(row=row, member=mine).pk, user=users_by_role[Role.TOWN].owner)
    outcome = batch_match(batch=row.batch)
    assert (outcome.accepted, outcome.review, outcome.unmatched) == (1, 0, 0)


def test_another_towns_confirmation_of_the_same_writing_is_not_overturned(users_by_role, two_towns):
    (mine, theirs), row, other_user = two_towns
    # The same department writing in a second list, still in review when the other town confirms the first.
    later = batch_make()
    again = row_make(batch=later, name="王芳", id_raw="无")
    batch_match(batch=later)
    match_confirm(match_id=Match.objects.get(row=row, member=theirs).pk, user=other_user)
    with pytest.raises(ReviewRefused, match="县级"):
        match_confirm(match_id=Match.objects.get(row=again, member=mine).pk, user=users_by_role[Role.TOWN].owner)
    assert Decision.objects.get(member=theirs).same_person is True
    # The county, which sees both, settles it.
    match_confirm(match_id=Match.objects.get(row=again, member=mine).pk, user=users_by_role[Role.COUNTY].owner)
    assert Decision.objects.get(member=theirs).same_person is False


@pytest.mark.parametrize("key", ["99999999999999999999", "x", "\x00"])
def test_a_paging_key_that_is_no_row_id_shows_the_first_page(client, users_by_role, twins, key):
    client.force_login(users_by_role[Role.TOWN].owner)
    page = client.get("/crosscheck/review/", {"after": key})
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="confirm"') == 2
