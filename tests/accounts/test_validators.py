import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from jingzhun.accounts.validators import CharacterKindsValidator, character_kinds


@pytest.mark.parametrize(
    ("password", "kinds"),
    [("abcdefghij", 1), ("abcdeFGHIJ", 2), ("abcdeFGH12", 3), ("abcD1-efgh", 4), ("王家村abc123", 3)],
)
def test_character_kinds_counts_upper_lower_digits_and_symbols(password, kinds):
    assert character_kinds(password) == kinds


def test_two_kinds_are_refused():
    with pytest.raises(ValidationError) as refused:
        CharacterKindsValidator(min_kinds=3).validate("abcdefgh1234")
    assert refused.value.error_list[0].code == "password_too_simple"


def test_three_kinds_are_accepted():
    CharacterKindsValidator(min_kinds=3).validate("Abcdefgh1234")


def test_settings_refuse_a_long_password_of_two_kinds():
    with pytest.raises(ValidationError):
        validate_password("xqzvbnmtrk48")


def test_settings_refuse_a_short_complex_password():
    with pytest.raises(ValidationError):
        validate_password("Aa1-bcd")


def test_settings_accept_the_demo_and_test_passwords():
    validate_password("Jingzhun-demo-2026")
    validate_password("Jingzhun-test-2026")
