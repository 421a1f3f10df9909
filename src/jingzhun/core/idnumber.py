"""Resident ID numbers (居民身份证号码, GB 11643-1999) as docs/RULES.md §10 describes them.

Pure functions, no Django: the ledger import, the department-list matching and the sample generator all
use them. ``python-stdnum``'s ``cn.ric`` is deliberately not used for validation: it rejects numbers whose
region code was retired before the holder's birth year, which real residents carry (docs/RULES.md §10).

"Today" is always the caller's: the office's calendar date in Beijing (``django.utils.timezone.localdate()``
in the Django layer), never this server's clock, so an import and a search judge a birth date alike.
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


@lru_cache(maxsize=1)
def provinces() -> frozenset[str]:
    """Province-level codes (two digits) in python-stdnum's national division table, current and retired."""
    from stdnum import numdb

    table = numdb.get("cn/loc")
    return frozenset(p for p in (f"{n:02d}" for n in range(100)) if "province" in table.info(p + "0000")[0][1])


@lru_cache(maxsize=1)
def _first_two() -> frozenset[str]:
    # 83 is no province in the table but heads 台湾居民居住证 numbers (830000; 港澳居民居住证 use 810000 and
    # 820000, which are in it).
    return provinces() | {"83"}


def region_possible(region: str) -> bool:
    """Whether a 6-digit region code can head an issued number: its first two digits are a province (or 83),
    or, for a 2023 外国人永久居留身份证, a 9 followed by the province.

    A code that is possible but not in the table is only a warning (:func:`region_known`: a retired or
    unlisted county); an impossible one (``000000``, ``99…``) was never issued and makes the number invalid.
    """
    if region[0] == "9":
        return region[1:3] in provinces()
    return region[:2] in _first_two()


# Invisible characters a copy from a web page, a Word file or a chat message leaves in a cell, named for the
# user; any other format (Cf) or control (Cc) character gets the generic name of its category.
_INVISIBLE_NAMES = {
    0x00AD: "软连字符",
    0x061C: "阿拉伯字母标记",
    0x115F: "韩文填充符",
    0x1160: "韩文填充符",
    0x180E: "蒙古文元音分隔符",
    0x200B: "零宽空格",
    0x200C: "零宽不连字",
    0x200D: "零宽连字",
    0x200E: "从左至右标记",
    0x200F: "从右至左标记",
    **dict.fromkeys(range(0x202A, 0x202F), "双向文字控制符"),
    0x2060: "词连接符",
    **dict.fromkeys(range(0x2061, 0x2065), "不可见运算符"),
    **dict.fromkeys(range(0x2066, 0x206A), "双向文字隔离符"),
    0x2800: "盲文空白",
    0x3164: "韩文填充符",
    0xFEFF: "字节顺序标记 BOM",
    0xFFA0: "韩文填充符",
}
_INVISIBLE_CATEGORIES = {"Cf": "格式控制字符", "Cc": "控制字符"}

# What a character is that NFKC turns into a digit or an X by a compatibility decomposition (①, ¹, ₁, 𝟏,
# Ⅹ…): named for the user by its decomposition tag (full-width forms, <wide>, are ordinary input).
_COMPATIBILITY_KINDS = {
    "<circle>": "带圈字符",
    "<super>": "上标",
    "<sub>": "下标",
    "<fraction>": "分数",
    "<font>": "数学字母数字符号",
    "<compat>": "兼容字符",
}

# Full-width forms (U+FF01–U+FF5E, and the ideographic space) as NFKC folds them: a Chinese spreadsheet's
# normal input. The rest of NFKC is not applied: it would turn ① into 1 and ⑩ into 10.
_WIDE_TO_ASCII = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def _compatibility_kind(char: str) -> str | None:
    """How a character that is no digit becomes one under NFKC, or None when it does not."""
    tag = unicodedata.decomposition(char).partition(" ")[0]
    if tag in ("", "<wide>") or not any(c in "0123456789Xx" for c in unicodedata.normalize("NFKC", char)):
        return None
    name = unicodedata.name(char, "")
    if "ROMAN NUMERAL" in name:
        return "罗马数字"
    if "PARENTHESIZED" in name:
        return "带括号字符"
    if "FULL STOP" in name or "COMMA" in name:
        return "带标点数字"
    return _COMPATIBILITY_KINDS.get(tag, "兼容字符")


def _refuse_odd_characters(raw: str) -> None:
    """Raise for invisible characters and for characters that only NFKC would make digits, naming them.

    Called only for a number that is not plain digits (and X) after :func:`normalize`, so clean numbers
    never pay for it.
    """
    invisible: dict[str, str] = {}
    compatible: dict[str, str] = {}
    for char in raw:
        if char.isspace() or ord(char) in _WIDE_TO_ASCII or " " < char < "\x7f":
            continue
        name = _INVISIBLE_NAMES.get(ord(char)) or _INVISIBLE_CATEGORIES.get(unicodedata.category(char))
        if name:
            invisible.setdefault(char, name)
        elif kind := _compatibility_kind(char):
            compatible.setdefault(char, kind)
    if invisible:
        named = "、".join(f"U+{ord(c):04X}（{name}）" for c, name in invisible.items())
        raise InvalidIdNumber(f"证件号码含不可见字符 {named}，请删除后重新填写")
    if compatible:
        named = "、".join(f"“{c}”（U+{ord(c):04X}，{kind}）" for c, kind in compatible.items())
        raise InvalidIdNumber(f"证件号码含 {named}，不是普通数字或 X，请改为数字重新填写")


def check_character(first17: str) -> str:
    """The check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit() or not first17.isascii():
        raise ValueError("check_character needs exactly 17 digits")
    # Σ dᵢ·2^(17−i) ≡ 2·P(2) (mod 11) where P has the digits as coefficients; since 13 ≡ 2 (mod 11),
    # P(2) ≡ P(13) = int(first17, 13): one C call instead of seventeen multiplications.
    return CHECK_CHARACTERS[2 * int(first17, 13) % 11]


def normalize(raw: str) -> str:
    """Full-width forms made ASCII, no spaces, upper-case X; no validation.

    Only the full-width forms of NFKC: ① or ¹ stay what they are, and :func:`parse` names them.
    """
    text = raw if raw.isascii() else raw.translate(_WIDE_TO_ASCII)
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


def parse(raw: str, *, today: dt.date) -> IdNumber:
    """Validate and normalise an ID number, converting a 15-digit one to 18 digits.

    ``today`` is the office's date (Beijing), which the birth date may not be after. Raises
    :class:`InvalidIdNumber` with a Chinese reason.
    """
    number = normalize(raw)
    if not number:
        raise InvalidIdNumber("证件号码为空")
    if not (number.isascii() and number[:-1].isdigit() and (number[-1].isdigit() or number[-1] == "X")):
        _refuse_odd_characters(raw)
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
    if not region_possible(number):
        raise InvalidIdNumber(f"地区码 {number[:6]} 不存在：前两位 {number[:2]} 不是任何省级行政区的代码")
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
    raws: list[str], *, today: dt.date, births: dict[str, dt.date | None] | None = None
) -> list[IdNumber | InvalidIdNumber]:
    """:func:`parse` over a column of numbers, fast for the common case of clean 18-character numbers.

    Gives exactly what :func:`parse` gives for each (an :class:`IdNumber`, or the exception it would
    raise); clean numbers skip normalisation, and birth dates are validated once per distinct date
    (``births`` may be passed in to keep that memo across calls with the same ``today``).
    """
    births = {} if births is None else births
    first_two = _first_two()  # a region starting with 9 (see region_possible) takes the slow path
    out: list[IdNumber | InvalidIdNumber] = []
    append = out.append
    for raw in raws:
        if (
            len(raw) == 18
            and raw[:17].isdigit()
            and (raw[17].isdigit() or raw[17] == "X")
            and raw.isascii()
            and raw[:2] in first_two
        ):
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
