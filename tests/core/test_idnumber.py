"""Property tests for ID numbers (docs/RULES.md §10).

Numbers are built here with an independent statement of ISO 7064 MOD 11-2 (the weighted sum including the
check value is 1 mod 11), not with the module's own ``check_character``, so a wrong table in the module
would show up.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from jingzhun.core import idnumber
from jingzhun.core.idnumber import InvalidIdNumber, mask, near_misses, normalize, parse

TODAY = dt.date(2025, 6, 30)
OLDEST = dt.date(1905, 6, 30)  # exactly 120 years before TODAY: still accepted


def reference_check(first17: str) -> str:
    """The check character c with sum(a_i * 2^(17-i)) + value(c) ≡ 1 (mod 11), X standing for 10."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    value = (1 - total) % 11
    return "X" if value == 10 else str(value)


def build(region: str, born: dt.date, seq: int) -> str:
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + reference_check(first17)


# The province-level codes of GB/T 2260 (34, Taiwan, Hong Kong and Macau included), written out here rather
# than read from the module, so a wrong table there would show up.
PROVINCE_CODES = [
    *("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42"),
    *("43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"),
]
NOT_PROVINCES = sorted(
    set(f"{n:02d}" for n in range(100)) - set(PROVINCE_CODES) - {"83"} - {f"9{n}" for n in range(1, 9)}
)

regions = st.builds(
    lambda province, rest: province + rest,
    st.sampled_from(PROVINCE_CODES),
    st.from_regex(r"[0-9]{4}", fullmatch=True),
)
birth_dates = st.dates(min_value=OLDEST, max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)
valid_numbers = st.builds(build, regions, birth_dates, sequences)

FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789X"}


def test_the_standards_published_examples_are_valid():
    assert parse("11010519491231002X", today=TODAY).number == "11010519491231002X"
    assert parse("440524188001010014", today=dt.date(1990, 1, 1)).number == "440524188001010014"


@given(valid_numbers)
def test_a_number_with_the_computed_check_character_parses_unchanged(number):
    assert parse(number, today=TODAY).number == number


@given(regions, birth_dates, sequences)
def test_birth_date_is_read_from_digits_7_to_14(region, born, seq):
    assert parse(build(region, born, seq), today=TODAY).birth_date == born


@given(regions, birth_dates, sequences)
def test_odd_sequence_is_male_and_even_is_female(region, born, seq):
    assert parse(build(region, born, seq), today=TODAY).sex == ("M" if seq % 2 else "F")


@given(regions, birth_dates, sequences)
def test_region_is_the_first_six_digits(region, born, seq):
    assert parse(build(region, born, seq), today=TODAY).region == region


@given(valid_numbers, st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=9))
def test_changing_any_one_digit_is_rejected(number, position, shift):
    old = number[position]
    new = str((int(old) + shift) % 10) if old != "X" else str(shift)
    typo = number[:position] + new + number[position + 1 :]
    with pytest.raises(InvalidIdNumber):
        parse(typo, today=TODAY)


@given(valid_numbers, st.integers(min_value=0, max_value=16))
def test_swapping_two_different_neighbouring_digits_is_rejected(number, i):
    a, b = number[i], number[i + 1]
    assume(a != b and "X" not in (a, b))
    swapped = number[:i] + b + a + number[i + 2 :]
    with pytest.raises(InvalidIdNumber):
        parse(swapped, today=TODAY)


def _with_check_x(region: str, born: dt.date, seq: int) -> str:
    # The last two sequence digits (weights 4 and 2) reach every residue mod 11 within 100 sequences.
    for k in range(100):
        number = build(region, born, (seq + k) % 1000)
        if number.endswith("X"):
            return number
    raise AssertionError("unreachable")


@given(st.builds(_with_check_x, regions, birth_dates, sequences))
def test_lower_case_x_is_accepted_and_stored_as_upper_case(number):
    assert parse(number[:17] + "x", today=TODAY).number == number


@given(valid_numbers, st.sets(st.integers(min_value=0, max_value=17), min_size=1))
def test_full_width_characters_are_accepted_after_nfkc(number, positions):
    wide = "".join(FULL_WIDTH[c] if i in positions else c for i, c in enumerate(number))
    assert parse(wide, today=TODAY).number == number


@given(valid_numbers, st.sampled_from([" ", "\u3000", "\t"]))
def test_surrounding_and_inner_spaces_are_ignored(number, space):
    assert parse(f"{space}{number[:6]}{space}{number[6:]}{space}", today=TODAY).number == number


@given(valid_numbers)
def test_full_width_lower_case_x_is_accepted(number):
    assert parse(number.replace("X", "\uff58"), today=TODAY).number == number


@given(valid_numbers, st.integers(min_value=0, max_value=17), st.sampled_from(["\u0660", "\u0966", "\u1369"]))
def test_digits_of_other_scripts_are_rejected(number, position, zero_or_one):
    # Arabic-Indic ٠, Devanagari ०, Ethiopic ፩: isdigit() is true and NFKC keeps them.
    foreign = number[:position] + zero_or_one + number[position + 1 :]
    with pytest.raises(InvalidIdNumber, match="须为数字"):
        parse(foreign, today=TODAY)


@given(regions, st.dates(min_value=dt.date(1906, 1, 1), max_value=dt.date(1999, 12, 31)), sequences)
def test_a_15_digit_number_gets_19_inserted_and_a_recomputed_check(region, born, seq):
    old = f"{region}{born:%y%m%d}{seq:03d}"
    result = parse(old, today=TODAY)
    assert result.number == build(region, born, seq)
    assert result.converted_from_15


@given(regions, st.dates(min_value=dt.date(1906, 1, 1), max_value=dt.date(1999, 12, 31)), sequences)
def test_a_15_digit_number_keeps_its_birth_date_and_sex(region, born, seq):
    result = parse(f"{region}{born:%y%m%d}{seq:03d}", today=TODAY)
    assert (result.birth_date, result.sex) == (born, "M" if seq % 2 else "F")


def _impossible_date(year: int, month: int, day: int) -> str:
    return f"{year:04d}{month:02d}{day:02d}"


def _is_real_date(digits8: str) -> bool:
    try:
        dt.date(int(digits8[:4]), int(digits8[4:6]), int(digits8[6:]))
    except ValueError:
        return False
    return True


impossible_dates = st.builds(
    _impossible_date,
    st.integers(min_value=1906, max_value=2024),
    st.integers(min_value=0, max_value=99),
    st.integers(min_value=0, max_value=99),
).filter(lambda d: not _is_real_date(d))


@given(regions, impossible_dates, sequences)
def test_an_impossible_birth_date_is_rejected_in_chinese(region, digits8, seq):
    first17 = f"{region}{digits8}{seq:03d}"
    with pytest.raises(InvalidIdNumber, match=f"出生日期 {digits8} 不是有效日期"):
        parse(first17 + reference_check(first17), today=TODAY)


@pytest.mark.parametrize("digits8", ["20230229", "19000230", "19990431", "19991301", "19990000"])
def test_known_impossible_dates_are_rejected(digits8):
    first17 = f"371525{digits8}001"
    with pytest.raises(InvalidIdNumber, match="不是有效日期"):
        parse(first17 + reference_check(first17), today=TODAY)


@given(regions, st.dates(min_value=TODAY + dt.timedelta(days=1), max_value=dt.date(2999, 12, 31)), sequences)
def test_a_birth_date_after_today_is_rejected_in_chinese(region, born, seq):
    with pytest.raises(InvalidIdNumber, match="晚于今天"):
        parse(build(region, born, seq), today=TODAY)


@given(regions, st.dates(min_value=dt.date(1000, 1, 1), max_value=OLDEST - dt.timedelta(days=1)), sequences)
def test_a_birth_date_over_120_years_ago_is_rejected_in_chinese(region, born, seq):
    with pytest.raises(InvalidIdNumber, match="早于 120 年前"):
        parse(build(region, born, seq), today=TODAY)


def test_born_exactly_120_years_ago_is_accepted():
    assert parse(build("371525", OLDEST, 1), today=TODAY).birth_date == OLDEST


def test_born_today_is_accepted():
    assert parse(build("371525", TODAY, 2), today=TODAY).birth_date == TODAY


def test_on_29_february_the_120_year_limit_falls_back_to_28_february():
    leap_day = dt.date(2220, 2, 29)  # 2100 is not a leap year
    assert parse(build("371525", dt.date(2100, 2, 28), 1), today=leap_day).birth_date == dt.date(2100, 2, 28)
    with pytest.raises(InvalidIdNumber, match="早于 120 年前"):
        parse(build("371525", dt.date(2100, 2, 27), 1), today=leap_day)


@given(valid_numbers)
def test_mask_shows_first_6_and_last_4(number):
    assert mask(number) == number[:6] + "********" + number[-4:]


@given(valid_numbers, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_near_misses_of_a_one_digit_typo_contain_the_original(number, position, shift):
    typo = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1 :]
    assert number in near_misses(typo)


@given(valid_numbers, st.integers(min_value=0, max_value=15))
def test_near_misses_of_a_neighbour_swap_contain_the_original(number, i):
    assume(number[i] != number[i + 1])
    swapped = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
    assert number in near_misses(swapped)


@given(valid_numbers)
def test_near_misses_are_all_valid_and_exclude_the_input(number):
    misses = near_misses(number)
    assert number not in misses
    assert all(reference_check(m[:17]) == m[17] for m in misses)


@given(valid_numbers)
def test_normalize_is_idempotent(number):
    assert normalize(normalize(number.lower())) == normalize(number.lower()) == number


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_character_is_the_weighted_sum_of_rules_section_10(first17):
    weighted = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(first17))
    assert idnumber.check_character(first17) == "10X98765432"[weighted % 11]


@given(st.lists(st.text(alphabet="0123456789Xx１２ ", min_size=14, max_size=19), max_size=30))
def test_parse_many_agrees_with_parse(raws):
    today = dt.date(2026, 11, 23)
    for raw, got in zip(raws, idnumber.parse_many(raws, today=today), strict=True):
        try:
            expected = idnumber.parse(raw, today=today)
        except idnumber.InvalidIdNumber as exc:
            assert isinstance(got, idnumber.InvalidIdNumber)
            assert str(got) == str(exc)
        else:
            assert got == expected


# --- region codes no number was ever issued with ----------------------------------------------------------


@given(birth_dates, sequences)
def test_region_000000_is_refused(born, seq):
    with pytest.raises(InvalidIdNumber, match="地区码 000000 不存在"):
        parse(build("000000", born, seq), today=TODAY)


@given(st.sampled_from(NOT_PROVINCES), st.from_regex(r"[0-9]{4}", fullmatch=True), birth_dates, sequences)
def test_a_region_whose_first_two_digits_are_no_province_is_refused(first_two, rest, born, seq):
    with pytest.raises(InvalidIdNumber, match=f"前两位 {first_two} 不是任何省级行政区的代码"):
        parse(build(first_two + rest, born, seq), today=TODAY)


@given(birth_dates, sequences)
def test_a_refused_region_is_refused_after_the_check_character(born, seq):
    # A typo in the province digits also breaks the check character: that error (with its near-miss
    # suggestions) comes first.
    number = build("000000", born, seq)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(idnumber.CheckCharacterError):
        parse(wrong, today=TODAY)


@given(st.from_regex(r"[0-9]{4}", fullmatch=True), birth_dates, sequences)
def test_a_region_unknown_to_the_table_under_a_real_province_is_accepted(rest, born, seq):
    # Retired and unlisted county codes exist on real cards: only a warning, given by the import.
    assert parse(build("37" + rest, born, seq), today=TODAY).region == "37" + rest


@pytest.mark.parametrize("region", ["830000", "810000", "820000"])
def test_residence_permits_of_taiwan_hong_kong_and_macau_residents_are_accepted(region):
    assert parse(build(region, dt.date(1990, 1, 1), 1), today=TODAY).region == region


@given(st.sampled_from(PROVINCE_CODES), st.from_regex(r"[0-9]{3}", fullmatch=True), birth_dates, sequences)
def test_a_2023_foreigners_permanent_residence_number_is_accepted(province, nationality, born, seq):
    region = "9" + province + nationality
    assert parse(build(region, born, seq), today=TODAY).region == region


@given(st.sampled_from(NOT_PROVINCES), st.from_regex(r"[0-9]{3}", fullmatch=True), birth_dates, sequences)
def test_a_9_followed_by_no_province_is_refused(not_province, nationality, born, seq):
    with pytest.raises(InvalidIdNumber, match="不存在"):
        parse(build("9" + not_province + nationality, born, seq), today=TODAY)


@pytest.mark.parametrize("region", ["000000", "990101", "371525", "919999"])
def test_parse_many_agrees_with_parse_on_region_codes(region):
    number = build(region, dt.date(1980, 1, 1), 1)
    (got,) = idnumber.parse_many([number], today=TODAY)
    try:
        expected = parse(number, today=TODAY)
    except InvalidIdNumber as exc:
        assert str(got) == str(exc)
    else:
        assert got == expected


# --- characters that only NFKC makes digits, and invisible characters --------------------------------------

CIRCLED = {"0": "\u24ea", **{str(d): chr(0x2460 + d - 1) for d in range(1, 10)}}
SUPERSCRIPT = dict(zip("0123456789", "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079", strict=True))
SUBSCRIPT = {str(d): chr(0x2080 + d) for d in range(10)}
MATH_BOLD = {str(d): chr(0x1D7CE + d) for d in range(10)}
LOOKALIKE_DIGITS = {"带圈字符": CIRCLED, "上标": SUPERSCRIPT, "下标": SUBSCRIPT, "数学字母数字符号": MATH_BOLD}


@given(valid_numbers, st.integers(min_value=0, max_value=16), st.sampled_from(sorted(LOOKALIKE_DIGITS)))
def test_a_digit_that_is_a_digit_only_under_nfkc_is_refused_by_name(number, position, kind):
    char = LOOKALIKE_DIGITS[kind][number[position]]
    typed = number[:position] + char + number[position + 1 :]
    with pytest.raises(InvalidIdNumber, match=f"“{char}”（U\\+{ord(char):04X}，{kind}）"):
        parse(typed, today=TODAY)


@given(valid_numbers, st.integers(min_value=0, max_value=14))
def test_a_circled_ten_for_two_digits_is_refused(number, position):
    typed = number[:position] + "\u2469" + number[position + 2 :]  # ⑩: NFKC makes it "10", keeping 18 characters
    with pytest.raises(InvalidIdNumber, match="“⑩”（U\\+2469，带圈字符）"):
        parse(typed, today=TODAY)


@pytest.mark.parametrize(
    ("char", "kind"),
    [
        ("\u2169", "罗马数字"),
        ("\u2179", "罗马数字"),
        ("\u24cd", "带圈字符"),
        ("\u24e7", "带圈字符"),
        ("\U0001d417", "数学字母数字符号"),
    ],
)
def test_an_x_that_is_an_x_only_under_nfkc_is_refused_by_name(char, kind):
    number = _with_check_x("371525", dt.date(1980, 1, 1), 1)
    with pytest.raises(InvalidIdNumber, match=f"U\\+{ord(char):04X}，{kind}"):
        parse(number[:17] + char, today=TODAY)


@pytest.mark.parametrize(
    ("char", "kind"),
    [("\u2488", "带标点数字"), ("\u2474", "带括号字符"), ("\u00bd", "分数"), ("\u3358", "兼容字符")],
)
def test_other_compatibility_forms_with_a_digit_are_named(char, kind):
    with pytest.raises(InvalidIdNumber, match=f"“{char}”（U\\+{ord(char):04X}，{kind}）"):
        parse("37152519800101" + char + "12", today=TODAY)


INVISIBLE = {
    "\u200b": "零宽空格",
    "\ufeff": "字节顺序标记 BOM",
    "\u00ad": "软连字符",
    "\u200c": "零宽不连字",
    "\u200d": "零宽连字",
    "\u2060": "词连接符",
    "\u200e": "从左至右标记",
    "\u202e": "双向文字控制符",
    "\u2066": "双向文字隔离符",
    "\u3164": "韩文填充符",
    "\u0000": "控制字符",
    "\u0007": "控制字符",
    "\U000e0001": "格式控制字符",  # LANGUAGE TAG: no name of its own here
}


@given(valid_numbers, st.integers(min_value=0, max_value=18), st.sampled_from(sorted(INVISIBLE)))
def test_an_invisible_character_is_named_instead_of_a_length(number, position, char):
    typed = number[:position] + char + number[position:]
    message = f"证件号码含不可见字符 U+{ord(char):04X}（{INVISIBLE[char]}）"
    with pytest.raises(InvalidIdNumber) as error:
        parse(typed, today=TODAY)
    assert str(error.value).startswith(message)


@given(regions, st.dates(min_value=dt.date(1906, 1, 1), max_value=dt.date(1999, 12, 31)), sequences)
def test_an_invisible_character_in_a_15_digit_number_is_named(region, born, seq):
    with pytest.raises(InvalidIdNumber, match="不可见字符 U\\+200B（零宽空格）"):
        parse(f"\u200b{region}{born:%y%m%d}{seq:03d}", today=TODAY)


def test_every_invisible_character_is_named_once():
    number = build("371525", dt.date(1980, 1, 1), 1)
    with pytest.raises(InvalidIdNumber, match="U\\+FEFF（字节顺序标记 BOM）、U\\+200B（零宽空格），"):
        parse("\ufeff" + number[:9] + "\u200b" + number[9:] + "\u200b", today=TODAY)


@given(valid_numbers, st.sets(st.integers(min_value=0, max_value=17), min_size=1), st.sampled_from(["\u3000", " "]))
def test_full_width_digits_and_spaces_are_still_no_odd_characters(number, positions, space):
    wide = "".join(FULL_WIDTH[c] if i in positions else c for i, c in enumerate(number))
    assert parse(space + wide + space, today=TODAY).number == number


@given(
    st.lists(
        st.text(alphabet="0123456789Xx１２ \u2460\u2469\u00b9\u200b\ufeff\u2169", min_size=14, max_size=19),
        max_size=30,
    )
)
def test_parse_many_agrees_with_parse_on_odd_characters(raws):
    for raw, got in zip(raws, idnumber.parse_many(raws, today=TODAY), strict=True):
        try:
            expected = parse(raw, today=TODAY)
        except InvalidIdNumber as exc:
            assert str(got) == str(exc)
        else:
            assert got == expected


def test_the_caller_gives_the_date():
    # No default from this machine's clock: the Django layer passes the office's (Beijing) date.
    with pytest.raises(TypeError):
        parse("11010519491231002X")  # type: ignore[call-arg]
