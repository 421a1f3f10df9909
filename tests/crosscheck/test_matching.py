"""batch_match: exact IDs, remembered decisions, typos, swaps, traditional and homophone names, ambiguity."""

from __future__ import annotations

import datetime as dt

import pytest

from jingzhun.crosscheck.matching import AUTO_MIN, Link, accepted_matches, batch_match, row_link
from jingzhun.crosscheck.models import Decision, Match, MatchState, Method
from jingzhun.registry.models import MemberStatus
from tests.crosscheck.factories_matching import batch_make, id_number, row_make, swap, typo
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

REGION = "370125"


@pytest.fixture
def zhang():
    number = id_number(REGION, dt.date(1980, 5, 17), 123)
    return MemberFactory(name="张伟", id_number=number, birth_date=dt.date(1980, 5, 17), sex="M")


def _only(row):
    matches = list(Match.objects.filter(row=row))
    assert len(matches) == 1, matches
    return matches[0]


def test_exact_id_is_matched_automatically(zhang):
    batch = batch_make()
    row = row_make(batch=batch, name="张三", id_raw=zhang.id_number)  # the name does not matter for an exact ID
    outcome = batch_match(batch=batch)
    assert row_link(row=row) == Link(zhang, Method.ID, 100)
    assert outcome.accepted == 1 and outcome.unmatched == 0


def test_exact_matches_are_a_join_not_stored(zhang):
    batch = batch_make()
    row_make(batch=batch, name="张伟", id_raw=zhang.id_number)
    outcome = batch_match(batch=batch)
    assert not Match.objects.exists()
    assert (outcome.created, outcome.by_method_state) == (0, {"id/auto": 1})


def test_a_fifteen_digit_number_normalised_by_the_import_matches(zhang):
    old = zhang.id_number[:6] + zhang.id_number[8:17]  # 15 digits: no century, no check character
    batch = batch_make()
    row = row_make(batch=batch, name="张伟", id_raw=old)
    assert row.id_number == zhang.id_number
    batch_match(batch=batch)
    assert row_link(row=row) == Link(zhang, Method.ID, 100)


@pytest.mark.parametrize("position", [2, 9, 15, 17], ids=["region", "birth", "sequence", "check"])
def test_one_mistyped_digit_in_each_segment_is_an_automatic_typo_match(zhang, position):
    batch = batch_make()
    row = row_make(batch=batch, name="张伟", id_raw=typo(zhang.id_number, position))
    assert row.id_number == ""  # a single substitution always breaks the check character
    batch_match(batch=batch)
    match = _only(row)
    assert (match.member, match.method, match.state) == (zhang, Method.ID_TYPO, MatchState.AUTO)
    assert match.confidence >= AUTO_MIN


@pytest.mark.parametrize("position", [0, 5, 6, 9, 12, 13, 14, 15])
def test_two_swapped_neighbours_are_an_automatic_swap_match(position):
    number = id_number(REGION, dt.date(1975, 11, 29), 358)
    assert number[position] != number[position + 1]
    member = MemberFactory(name="李娜", id_number=number, birth_date=dt.date(1975, 11, 29), sex="F")
    batch = batch_make()
    row = row_make(batch=batch, name="李娜", id_raw=swap(number, position))
    batch_match(batch=batch)
    match = _only(row)
    assert (match.member, match.method, match.state) == (member, Method.ID_SWAP, MatchState.AUTO)


def test_traditional_characters_with_a_typo_are_matched_automatically(zhang):
    batch = batch_make()
    row = row_make(batch=batch, name="張偉", id_raw=typo(zhang.id_number, 12))
    batch_match(batch=batch)
    match = _only(row)
    assert (match.member, match.method, match.state) == (zhang, Method.ID_TYPO, MatchState.AUTO)
    assert match.confidence == 95


def test_a_homophone_name_with_a_typo_goes_to_review(zhang):
    batch = batch_make()
    row = row_make(batch=batch, name="章玮", id_raw=typo(zhang.id_number, 3))
    batch_match(batch=batch)
    match = _only(row)
    assert (match.member, match.method, match.state, match.confidence) == (zhang, Method.ID_TYPO, MatchState.REVIEW, 85)
    assert not accepted_matches().filter(row=row).exists()


def test_a_blank_id_with_a_unique_name_goes_to_review(zhang):
    batch = batch_make()
    row = row_make(batch=batch, name="张 伟", id_raw="")  # spaces and NFKC do not matter to the name key
    batch_match(batch=batch)
    match = _only(row)
    assert (match.member, match.method, match.state) == (zhang, Method.NAME_BIRTH, MatchState.REVIEW)


def test_name_birth_sex_and_region_without_a_close_number_go_to_review(zhang):
    # Two digits of the sequence wrong: not one edit, but everything else agrees.
    number = zhang.id_number
    garbled = number[:14] + ("9" if number[14] != "9" else "8") + ("9" if number[15] != "9" else "8") + number[16:]
    batch = batch_make()
    row = row_make(batch=batch, name="张伟", id_raw=garbled)
    batch_match(batch=batch)
    match = _only(row)
    assert (match.method, match.state, match.confidence) == (Method.NAME_BIRTH, MatchState.REVIEW, 80)


def test_two_equally_good_candidates_go_to_review():
    born = dt.date(1990, 1, 1)
    a = MemberFactory(name="王芳", id_number=id_number(REGION, born, 122), birth_date=born, sex="F")
    b = MemberFactory(name="王芳", id_number=id_number("370126", born, 122), birth_date=born, sex="F")
    batch = batch_make()
    row = row_make(batch=batch, name="王芳", id_raw="")
    batch_match(batch=batch)
    assert set(Match.objects.filter(row=row).values_list("member", "state")) == {
        (a.pk, MatchState.REVIEW),
        (b.pk, MatchState.REVIEW),
    }


@pytest.mark.parametrize(("namesakes", "proposed"), [(3, True), (4, False)])
def test_a_blank_id_is_proposed_only_with_at_most_three_namesakes_whatever_the_characters(namesakes, proposed):
    # One namesake written the same, the others in traditional characters: all tie at the name-only confidence.
    born = dt.date(1990, 1, 1)
    members = [
        MemberFactory(name="张伟" if i == 0 else "張偉", id_number=id_number(REGION, born, 101 + i), sex="M")
        for i in range(namesakes)
    ]
    batch = batch_make()
    row = row_make(batch=batch, name="张伟", id_raw="")
    batch_match(batch=batch)
    expected = {(m.pk, MatchState.REVIEW) for m in members} if proposed else set()
    assert set(Match.objects.filter(row=row).values_list("member", "state")) == expected


def test_the_same_number_active_in_two_households_goes_to_review_and_prefers_active_members():
    born = dt.date(1960, 3, 3)
    number = id_number(REGION, born, 457)
    first = MemberFactory(name="赵强", id_number=number, birth_date=born, sex="M")
    second = MemberFactory(name="赵强", id_number=number, birth_date=born, sex="M")
    gone = MemberFactory(name="赵强", id_number=number, birth_date=born, sex="M", status=MemberStatus.MOVED_OUT)
    batch = batch_make()
    row = row_make(batch=batch, name="赵强", id_raw=number)
    batch_match(batch=batch)
    assert set(Match.objects.filter(row=row).values_list("member", "state")) == {
        (first.pk, MatchState.REVIEW),
        (second.pk, MatchState.REVIEW),
    }
    assert gone.pk not in Match.objects.values_list("member", flat=True)


def test_an_inactive_member_alone_with_the_number_is_still_matched():
    born = dt.date(1940, 3, 3)
    number = id_number(REGION, born, 457)
    dead = MemberFactory(name="赵强", id_number=number, birth_date=born, sex="M", status=MemberStatus.DECEASED)
    batch = batch_make()
    row = row_make(batch=batch, name="赵强", id_raw=number)
    batch_match(batch=batch)
    assert row_link(row=row) == Link(dead, Method.ID, 100)


def test_a_person_not_in_the_registry_is_not_matched(zhang):
    batch = batch_make()
    other = id_number("370102", dt.date(2001, 2, 3), 555)
    rows = [
        row_make(batch=batch, name="孙丽", id_raw=other),
        row_make(batch=batch, name="张伟", id_raw=other),  # same name, unrelated number
        row_make(batch=batch, name="孙丽", id_raw=typo(zhang.id_number, 4)),  # close number, unrelated name
    ]
    outcome = batch_match(batch=batch)
    assert not Match.objects.filter(row__in=rows).exists()
    assert outcome.unmatched == 3


def test_running_again_creates_nothing_twice(zhang):
    batch = batch_make()
    row_make(batch=batch, name="张伟", id_raw=zhang.id_number)
    row_make(batch=batch, name="章玮", id_raw=typo(zhang.id_number, 3))
    first = batch_match(batch=batch)
    again = batch_match(batch=batch)
    assert first.created == 1 and again.created == 0  # the typo's review match; the exact one is a join
    assert again.by_method_state == first.by_method_state == {"id/auto": 1, "id_typo/review": 1}


def test_rejected_decisions_are_not_proposed_again_and_confirmed_ones_are_reused(zhang):
    wrong = typo(zhang.id_number, 3)
    Decision.objects.create(id_raw=wrong, name="章玮", member=zhang, same_person=False)
    Decision.objects.create(id_raw="", name="张伟", member=zhang, same_person=True)  # blank ID: never reused
    batch = batch_make()
    rejected = row_make(batch=batch, name="章玮", id_raw=wrong)
    blank = row_make(batch=batch, name="张伟", id_raw="")
    batch_match(batch=batch)
    assert not Match.objects.filter(row=rejected).exists()
    assert _only(blank).state == MatchState.REVIEW

    Decision.objects.create(id_raw="37O125", name="张伟", member=zhang, same_person=True)
    later = batch_make()
    row = row_make(batch=later, name="张伟", id_raw="37O125")
    batch_match(batch=later)
    assert (_only(row).member, _only(row).method, _only(row).state) == (zhang, Method.DECISION, MatchState.CONFIRMED)


def test_the_links_read_a_batch_in_the_row_range_kept_at_import_or_else_off_its_rows(zhang):
    from jingzhun.crosscheck.matching import links_build, links_drop

    kept, unkept = batch_make(), batch_make()
    rows = [row_make(batch=kept, name="张伟", id_raw=zhang.id_number) for _ in range(3)]
    other = row_make(batch=unkept, name="张伟", id_raw=zhang.id_number)
    kept.first_row, kept.last_row = rows[0].pk, rows[1].pk  # a kept range is trusted as it is
    kept.save()
    try:
        assert links_build([kept.pk, unkept.pk]) == {kept.pk: (rows[0].pk, rows[1].pk), unkept.pk: (other.pk, other.pk)}
    finally:
        links_drop()
