"""Building small ledger files for tests: rows as dicts keyed by the Chinese headers."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from jingzhun.core.idnumber import check_character
from jingzhun.registry.ledger_format import LEDGER_COLUMNS

VILLAGE = "370125105201"
HEADERS = [c.header for c in LEDGER_COLUMNS]
_sequence = itertools.count(100)


def make_id(birth: str = "19800101", *, male: bool = True, region: str = "370125") -> str:
    """A valid 18-digit ID number, different on every call."""
    seq = f"{(2 * next(_sequence) + (1 if male else 0)) % 1000:03d}"  # odd = male
    first17 = region + birth + seq
    return first17 + check_character(first17)


def household_row(household_no: str = "H001", **overrides: Any) -> dict[str, Any]:
    """The head's row of a plain household with all household columns filled."""
    row = {
        "户编号": household_no,
        "村代码": VILLAGE,
        "行政村": "王家村",
        "姓名": "王建国",
        "证件号码": make_id(),
        "与户主关系": "户主",
        "成员状态": "在册",
        "民族": "汉族",
        "文化程度": "初中",
        "在校生状况": "非在校生",
        "健康状况": "健康",
        "残疾等级": "",
        "劳动技能": "普通劳动力",
        "务工状况": "县内务工",
        "务工月数": "10",
        "基本医疗保险": "居民医保",
        "基本养老保险": "是",
        "户类型": "一般户",
        "贫困户状态": "已脱贫(享受政策)",
        "识别年度": "2015",
        "脱贫年度": "2018",
        "主要致贫原因": "因病",
        "不愁吃不愁穿": "是",
        "住房安全等级": "A",
        "易地搬迁": "否",
        "饮水水质达标": "是",
        "每人每日水量": "60",
        "自来水入户": "是",
        "取水往返分钟": "",
        "供水保证率": "98",
        "收入年度": "2020",
        "工资性收入": "18000",
        "生产经营性收入": "3000",
        "生产经营性支出": "1000",
        "资产收益分红": "300",
        "其他财产性收入": "0",
        "计划生育金": "0",
        "低保金": "0",
        "特困供养金": "0",
        "养老保险金": "0",
        "生态补偿金": "120",
        "其他转移性收入": "0",
        "自付医疗费用": "800",
        "联系电话": "13800000000",
    }
    row.update(overrides)
    return row


def member_row(head: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """Another member of the head's household (household columns copied from the head's row)."""
    row = dict(head)
    row.update({"姓名": "李秀英", "证件号码": make_id("19820305", male=False), "与户主关系": "配偶", "务工月数": "6"})
    row.update(overrides)
    return row


def write_csv(
    path: Path, rows: list[dict[str, Any]], *, headers: list[str] | None = None, encoding: str = "utf-8-sig"
) -> Path:
    headers = headers or HEADERS
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([row.get(h, "") for h in headers])
    return path


def write_xlsx(path: Path, rows: list[dict[str, Any]], *, headers: list[str] | None = None) -> Path:
    headers = headers or HEADERS
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    workbook.save(path)
    return path


def family(household_no: str = "H001", **head_overrides: Any) -> list[dict[str, Any]]:
    head = household_row(household_no, **head_overrides)
    return [head, member_row(head)]


def read_report(path: Path) -> dict[str, list[list[Any]]]:
    """The error workbook's sheets as lists of rows (header row dropped)."""
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    return {name: workbook.get_sheet_by_name(name).to_python()[1:] for name in workbook.sheet_names}
