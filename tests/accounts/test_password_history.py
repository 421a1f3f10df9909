"""Passwords the user must not choose: the one an administrator set, the last five, and ones containing the name."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from jingzhun.accounts.models import PasswordHistory, User
from jingzhun.accounts.services import password_change
from jingzhun.accounts.validators import UsernameContainedValidator
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

OLD = [f"Qingshui-He-{year}" for year in range(2021, 2027)]  # six passwords, oldest first


def _change(client, user, current, new):
    client.force_login(user)
    return client.post(
        reverse("accounts:password_change"),
        {"old_password": current, "new_password1": new, "new_password2": new},
    )


def test_a_forced_change_refuses_the_password_the_administrator_set(client):
    user = UserFactory(must_change_password=True)
    user.set_password("Chushi-Mima-2027")
    user.save()
    response = _change(client, user, "Chushi-Mima-2027", "Chushi-Mima-2027")
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.must_change_password


def test_the_current_password_is_refused_even_without_history(client):
    user = UserFactory(must_change_password=True)  # the factory sets the hash directly: no history row
    response = _change(client, user, TEST_PASSWORD, TEST_PASSWORD)
    assert "不能与最近" in response.content.decode()


@pytest.mark.parametrize("reused", OLD[1:])
def test_each_of_the_last_five_passwords_is_refused(client, reused):
    user = UserFactory()
    for password in OLD:
        password_change(user=user, password=password)
    response = _change(client, user, OLD[-1], reused)
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(OLD[-1])


def test_the_sixth_last_password_may_come_back(client):
    user = UserFactory()
    for password in OLD:
        password_change(user=user, password=password)
    response = _change(client, user, OLD[-1], OLD[0])
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(OLD[0])


def test_only_the_last_five_hashes_are_kept_and_no_raw_password():
    user = UserFactory()
    for password in OLD:
        password_change(user=user, password=password)
    kept = list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True))
    assert len(kept) == 5
    assert not any(password in hashed for hashed in kept for password in OLD)


def test_the_user_name_inside_the_password_is_refused():
    with pytest.raises(ValidationError) as refused:
        validate_password("village2village2!A", User(username="village2"))
    assert "password_contains_username" in [error.code for error in refused.value.error_list]


@pytest.mark.parametrize("password", ["Village2-Mima-2027", "Mima-2027-VILLAGE2", "xxVilLage2xx-9"])
def test_the_user_name_is_found_whatever_its_case_and_place(password):
    with pytest.raises(ValidationError):
        UsernameContainedValidator().validate(password, User(username="village2"))


def test_a_very_short_user_name_is_not_looked_for():
    UsernameContainedValidator().validate("Liu-Mima-2027", User(username="li"))


def test_the_change_page_refuses_the_user_name(client):
    user = UserFactory(username="village2")
    response = _change(client, user, TEST_PASSWORD, "village2village2!A")
    assert response.status_code == 200
    assert "用户名" in response.content.decode()
