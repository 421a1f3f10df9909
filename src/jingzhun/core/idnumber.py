"""Resident ID numbers (居民身份证号码, GB 11643-1999) as docs/RULES.md §10 describes them.

Pure functions, no Django: the ledger import, the department-list matching and the sample generator all
use them. ``python-stdnum``'s ``cn.ric`` is deliberately not used for validation: it rejects numbers whose
region code was retired before the holder's birth year, which real residents carry (docs/RULES.md §10).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from functools import lru_cache
from typing import Literal, NamedTuple

CHECK_CHARACTERS = "10X98765432"
WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
MAX_AGE_YEARS = 120


class InvalidIdNumber(ValueError):
    """The number cannot be a valid ID number; ``str(exc)`` is a Chinese reason for the user."""


class CheckCharacterError(InvalidIdNumber):
    """Well-formed, but the check character does not match: most likely one mistyped digit."""


class IdNumber(NamedTuple):  # a tuple: made three times faster than a frozen dataclass, a million per import
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F"
    region: str
    converted_from_15: bool = False


def _ascii_digits(text: str) -> bool:
    # str.isdigit() alone also accepts Arabic-Indic, Devanagari, Ethiopic... digits that NFKC keeps.
    return text.isascii() and text.isdigit()


def check_character(first17: str) -> str:
    """The check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit() or not first17.isascii():
        raise ValueError("check_character needs exactly 17 digits")
    # Σ dᵢ·2^(17−i) ≡ 2·P(2) (mod 11) where P has the digits as coefficients; since 13 ≡ 2 (mod 11),
    # P(2) ≡ P(13) = int(first17, 13): one C call instead of seventeen multiplications.
    return CHECK_CHARACTERS[2 * int(first17, 13) % 11]


def normalize(raw: str) -> str:
    """NFKC, no spaces, upper-case X; no validation."""
    text = unicodedata.normalize("NFKC", raw) if not raw.isascii() else raw
    return "".join(text.split()).upper()


@lru_cache(maxsize=16)
def _oldest_birth_date(today: dt.date) -> dt.date:
    try:
        return today.replace(year=today.year - MAX_AGE_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year - MAX_AGE_YEARS, day=28)


def _birth_date(digits8: str, today: dt.date) -> dt.date:
    try:
        born = dt.date(int(digits8[:4]), int(digits8[4:6]), int(digits8[6:8]))
    except ValueError:
        raise InvalidIdNumber(f"出生日期 {digits8} 不是有效日期") from None
    if born > today:
        raise InvalidIdNumber(f"出生日期 {born.isoformat()} 晚于今天")
    if born < _oldest_birth_date(today):
        raise InvalidIdNumber(f"出生日期 {born.isoformat()} 早于 {MAX_AGE_YEARS} 年前")
    return born


def parse(raw: str, *, today: dt.date | None = None) -> IdNumber:
    """Validate and normalise an ID number, converting a 15-digit one to 18 digits.

    Raises :class:`InvalidIdNumber` with a Chinese reason.
    """
    today = today or dt.date.today()  # noqa: DTZ011 - a calendar date in the office's own time zone
    number = normalize(raw)
    if not number:
        raise InvalidIdNumber("证件号码为空")
    converted = False
    if len(number) == 15:
        if not _ascii_digits(number):
            raise InvalidIdNumber("15 位证件号码只能由数字组成")
        first17 = number[:6] + "19" + number[6:]
        number = first17 + check_character(first17)
        converted = True
    elif len(number) != 18:
        raise InvalidIdNumber(f"证件号码应为 18 位（或旧版 15 位），实际 {len(number)} 位")
    first17, last = number[:17], number[17]
    if not _ascii_digits(first17) or not (_ascii_digits(last) or last == "X"):
        raise InvalidIdNumber("证件号码前 17 位须为数字，最后一位为数字或 X")
    born = _birth_date(number[6:14], today)
    expected = check_character(first17)
    if last != expected:
        raise CheckCharacterError(f"校验位错误：最后一位应为 {expected}，实际为 {last}")
    sex = "M" if int(number[16]) % 2 else "F"
    return IdNumber(number=number, birth_date=born, sex=sex, region=number[:6], converted_from_15=converted)


def mask(number: str) -> str:
    """First 6 and last 4 characters shown (``370125********1234``)."""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def near_misses(number: str) -> list[str]:
    """Valid 18-character numbers one typo away: one digit changed, or two neighbours swapped.

    Used to suggest what a number with a wrong check character was meant to be; callers keep only
    the suggestions that exist in the registry.
    """
    number = normalize(number)
    if len(number) != 18:
        return []
    found: set[str] = set()
    chars = list(number)
    for i in range(18):
        alphabet = "0123456789X" if i == 17 else "0123456789"
        for c in alphabet:
            if c != chars[i]:
                candidate = [*chars[:i], c, *chars[i + 1 :]]
                found.add("".join(candidate))
    for i in range(17):
        if chars[i] != chars[i + 1]:
            swapped = chars.copy()
            swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
            found.add("".join(swapped))
    return sorted(c for c in found if _ascii_digits(c[:17]) and check_character(c[:17]) == c[17])


@lru_cache(maxsize=8192)
def region_known(region: str) -> bool:
    """Whether a 6-digit region code is in the national division table (current or retired).

    Uses the table python-stdnum ships; an unknown code is only a warning (docs/RULES.md §10).
    """
    from stdnum import numdb

    return any("county" in props for _part, props in numdb.get("cn/loc").info(region))


def parse_many(
    raws: list[str], *, today: dt.date | None = None, births: dict[str, dt.date | None] | None = None
) -> list[IdNumber | InvalidIdNumber]:
    """:func:`parse` over a column of numbers, fast for the common case of clean 18-character numbers.

    Gives exactly what :func:`parse` gives for each (an :class:`IdNumber`, or the exception it would
    raise); clean numbers skip normalisation, and birth dates are validated once per distinct date
    (``births`` may be passed in to keep that memo across calls with the same ``today``).
    """
    today = today or dt.date.today()  # noqa: DTZ011 - see parse()
    births = {} if births is None else births
    out: list[IdNumber | InvalidIdNumber] = []
    append = out.append
    for raw in raws:
        if len(raw) == 18 and raw[:17].isdigit() and (raw[17].isdigit() or raw[17] == "X") and raw.isascii():
            born: dt.date | Literal[False] | None = births.get(raw[6:14], False)
            if born is False:
                try:
                    born = births[raw[6:14]] = _birth_date(raw[6:14], today)
                except InvalidIdNumber:
                    born = births[raw[6:14]] = None
            if born is not None and check_character(raw[:17]) == raw[17]:
                append(IdNumber(raw, born, "M" if int(raw[16]) % 2 else "F", raw[:6]))
                continue
        try:
            append(parse(raw, today=today))
        except InvalidIdNumber as exc:
            append(exc)
    return out
