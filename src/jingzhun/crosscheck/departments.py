"""The department list layouts of docs/LEDGER.md §2, as data: for each department, its columns, which generic
:class:`~jingzhun.crosscheck.models.Row` field each is stored in, and how a cell is read.

Every list has 姓名 and 证件号码. Closed vocabularies are stored as the words of the format (学籍状态 "在读"),
so the clue rules and their rule-pack parameters speak the departments' language.
"""

from __future__ import annotations

from dataclasses import dataclass

from jingzhun.spreadsheets.cells import (
    Parser,
    date_parser,
    decimal_parser,
    enum_parser,
    text_parser,
    year_parser,
    yes_no_parser,
)

from .models import Department


def _words(*words: str) -> dict[str, str]:
    return {word: word for word in words}


@dataclass(frozen=True)
class ListColumn:
    header: str
    field: str  # a Row field
    parse: Parser
    required: bool = False  # the header must be present (a blank cell is judged by ``parse``)


COMMON = (
    ListColumn("姓名", "name", text_parser(60, required=True), required=True),
    # A blank or invalid number is not an error: the row is kept and matched by name (for review).
    ListColumn("证件号码", "id_raw", text_parser(40), required=True),
)

_YES_NO = yes_no_parser()

COLUMNS: dict[str, tuple[ListColumn, ...]] = {
    Department.EDUCATION: (
        ListColumn("学校", "text1", text_parser(200)),
        ListColumn("年级", "text2", text_parser(200)),
        ListColumn("学籍状态", "status", enum_parser(_words("在读", "休学", "辍学", "毕业"), required=True), True),
    ),
    Department.MEDICAL_INSURANCE: (
        ListColumn("参保类型", "kind", enum_parser(_words("居民医保", "职工医保"), required=True), True),
        ListColumn("参保年度", "year", year_parser),
        ListColumn("自付医疗费用", "number", decimal_parser()),
    ),
    Department.DISABILITY: (
        ListColumn("残疾类别", "kind", text_parser(40)),
        ListColumn("残疾等级", "grade", enum_parser(_words("一级", "二级", "三级", "四级"), required=True), True),
        ListColumn("护理补贴", "flag1", _YES_NO, True),
        ListColumn("生活补贴", "flag2", _YES_NO),
    ),
    Department.CIVIL_AFFAIRS: (
        ListColumn("救助类型", "kind", enum_parser(_words("低保", "特困"), required=True), True),
        ListColumn("起始日期", "date1", date_parser()),
        ListColumn("终止日期", "date2", date_parser()),
    ),
    Department.DEATHS: (ListColumn("死亡日期", "date1", date_parser(required=True), True),),
    Department.VEHICLES: (
        ListColumn("号牌号码", "text1", text_parser(200)),
        ListColumn("车辆类型", "kind", text_parser(40, required=True), True),
        ListColumn("登记日期", "date1", date_parser()),
    ),
    Department.BUSINESSES: (
        ListColumn("企业名称", "text1", text_parser(200)),
        ListColumn("统一社会信用代码", "text2", text_parser(200)),
        ListColumn("身份", "kind", enum_parser(_words("法定代表人", "股东"), required=True), True),
    ),
    Department.REAL_ESTATE: (
        ListColumn("坐落", "text1", text_parser(200)),
        ListColumn("用途", "kind", text_parser(40, required=True), True),
        ListColumn("面积", "number", decimal_parser()),
    ),
    Department.PAYROLL: (
        ListColumn("单位", "text1", text_parser(200)),
        ListColumn("起始日期", "date1", date_parser()),
    ),
    Department.HOUSING: (
        ListColumn("鉴定等级", "grade", enum_parser(_words("A", "B", "C", "D"), required=True), True),
        ListColumn("鉴定日期", "date1", date_parser()),
    ),
    Department.HUMAN_RESOURCES: (
        ListColumn("养老保险", "flag1", yes_no_parser(), True),
        ListColumn("就业登记", "flag2", yes_no_parser(), True),
        ListColumn("就业单位", "text1", text_parser(200)),
    ),
}


def columns_for(department: str) -> tuple[ListColumn, ...]:
    """Every column of a department's list, the common ones first."""
    return COMMON + COLUMNS[department]
