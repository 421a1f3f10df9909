import pytest

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.accounts.selectors import id_number_shown
from jingzhun.accounts.services import id_number_reveal, unmasked_view_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NUMBER = "370125199001011234"


def test_masked_for_a_user_without_the_right():
    assert id_number_shown(user=UserFactory(role=Role.VILLAGE), id_number=NUMBER) == "370125********1234"


def test_full_for_a_user_with_the_right():
    user = UserFactory(role=Role.VILLAGE, may_see_id_numbers=True)
    assert id_number_shown(user=user, id_number=NUMBER) == NUMBER


def test_masked_for_an_administrator_even_with_the_right():
    user = UserFactory(role=Role.SECURITY_ADMIN, may_see_id_numbers=True)
    assert id_number_shown(user=user, id_number=NUMBER) == "370125********1234"


def test_missing_number_is_empty():
    assert id_number_shown(user=UserFactory(), id_number=None) == ""


def test_reveal_logs_a_full_number_shown():
    user = UserFactory(role=Role.TOWN, may_see_id_numbers=True)
    assert id_number_reveal(user=user, id_number=NUMBER, household_no="37012510520100001") == NUMBER
    entry = AccessLog.objects.get()
    assert (entry.user, entry.action, entry.target) == (user, "unmask", "household:37012510520100001")


def test_reveal_of_a_masked_number_logs_nothing():
    id_number_reveal(user=UserFactory(role=Role.TOWN), id_number=NUMBER, household_no="1")
    assert not AccessLog.objects.exists()


def test_unmasked_view_record_logs_only_for_users_who_saw_full_numbers():
    assert unmasked_view_record(user=UserFactory(), target="household:1") is None
    assert unmasked_view_record(user=UserFactory(may_see_id_numbers=True), target="household:1") is not None
