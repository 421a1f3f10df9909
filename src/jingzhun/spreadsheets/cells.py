"""Cell parsing for the spreadsheets users exchange: text in, a typed value or a Chinese reason out.

Generic pieces only; each format (the household ledger, village facts, department lists) declares its
columns with these parsers in its own app.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any


class CellError(ValueError):
    """A cell's value is invalid; ``str(exc)`` is the Chinese reason."""


Parser = Callable[[str], Any]

YES_NO = {"是": True, "否": False}
AMOUNT_LIMIT = Decimal("1000000000")
CENT = Decimal("0.01")
_CODE12 = re.compile(r"^[0-9]{12}$")


def required_text(text: str) -> str:
    if not text:
        raise CellError("不能为空")
    return text


def text_parser(max_length: int, *, required: bool = False) -> Parser:
    def parse(text: str) -> str:
        if required and not text:
            raise CellError("不能为空")
        if len(text) > max_length:
            raise CellError(f"不能超过 {max_length} 个字")
        return text

    return parse


def enum_parser(table: Mapping[str, str], *, default: str | None = None, required: bool = False) -> Parser:
    """Map the format's words to stored codes."""
    allowed = "、".join(table)

    def parse(text: str) -> str:
        if not text:
            if default is not None:
                return default
            if required:
                raise CellError("不能为空")
            return ""
        try:
            return table[text]
        except KeyError:
            raise CellError(f"“{text}”不是可选值，应为：{allowed}") from None

    return parse


def yes_no_parser(*, default: bool | None = None) -> Parser:
    def parse(text: str) -> bool | None:
        if not text:
            return default
        try:
            return YES_NO[text]
        except KeyError:
            raise CellError(f"“{text}”应为“是”或“否”") from None

    return parse


def int_parser(low: int, high: int, *, what: str = "整数") -> Parser:
    def parse(text: str) -> int | None:
        if not text:
            return None
        try:
            value = int(text)
        except ValueError:
            raise CellError(f"“{text}”不是{what}") from None
        if not low <= value <= high:
            raise CellError(f"{value} 超出范围，应在 {low}–{high} 之间")
        return value

    return parse


year_parser = int_parser(1949, 2100, what="四位年份")


def decimal_parser(
    *,
    allow_negative: bool = False,
    blank: Decimal | None = None,
    high: Decimal = AMOUNT_LIMIT,
    places: int = 2,
) -> Parser:
    quantum = Decimal(1).scaleb(-places)

    def parse(text: str) -> Decimal | None:
        if not text:
            return blank
        try:
            value = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise CellError(f"“{text}”不是数字") from None
        if not value.is_finite():
            raise CellError(f"“{text}”不是数字")
        if value < 0 and not allow_negative:
            raise CellError(f"不能为负数（{text}）")
        if abs(value) >= high:
            raise CellError(f"{text} 超出合理范围")
        return value.quantize(quantum)

    return parse


amount_parser = decimal_parser(blank=Decimal("0.00"))

# 2026-01-05, 2026/1/5, 2026.1.5, 2026年1月5日, 20260105, and an Excel date cell read as "2026-01-05 00:00:00".
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?: 00:00:00)?$|^(\d{4})(\d{2})(\d{2})$")


def date_parser(*, required: bool = False) -> Parser:
    def parse(text: str) -> dt.date | None:
        if not text:
            if required:
                raise CellError("不能为空")
            return None
        found = _DATE.match(text)
        if not found:
            raise CellError(f"“{text}”不是日期，应写作 2026-01-05")
        year, month, day = (int(g) for g in found.groups() if g is not None)
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise CellError(f"“{text}”不是有效日期") from None

    return parse


def village_code_parser(text: str) -> str:
    if not text:
        raise CellError("不能为空")
    if not _CODE12.match(text):
        raise CellError(f"“{text}”应为 12 位数字的统计用区划代码")
    return text


@dataclass(frozen=True)
class Column:
    header: str
    field: str  # model field name (or a staging-only name)
    level: str  # "household", "member", "income", "village"
    parse: Parser
    required_header: bool = False
    choices: Mapping[str, str] | None = None  # the format's words → stored codes, for a closed vocabulary

    @property
    def household_level(self) -> bool:
        return self.level in ("household", "income")


# A leading apostrophe is how the export neutralises text that a spreadsheet would run as a formula
# (=, +, -, @, tab, carriage return); the import takes it off again so the round trip is exact. Text that
# itself starts with an apostrophe gets one too, so that an apostrophe the user typed survives the trip.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = (*FORMULA_PREFIXES, "'")


def neutralise_formula(text: str) -> str:
    return "'" + text if text.startswith(_ESCAPED) else text


def strip_neutraliser(text: str) -> str:
    if text.startswith("'") and text[1:].startswith(_ESCAPED):
        return text[1:]
    return text
