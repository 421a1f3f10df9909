"""Small department list files for tests (docs/LEDGER.md §2): rows as dicts keyed by the Chinese headers."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from jingzhun.crosscheck.departments import columns_for
from jingzhun.crosscheck.models import Department
from tests.registry.ledger_files import make_id

# One valid row's department columns for each department.
SAMPLE: dict[str, dict[str, str]] = {
    Department.EDUCATION: {"学校": "县第一中学", "年级": "初二", "学籍状态": "在读"},
    Department.MEDICAL_INSURANCE: {"参保类型": "居民医保", "参保年度": "2025", "自付医疗费用": "1234.5"},
    Department.DISABILITY: {"残疾类别": "肢体", "残疾等级": "二级", "护理补贴": "是", "生活补贴": "否"},
    Department.CIVIL_AFFAIRS: {"救助类型": "低保", "起始日期": "2024-03-01", "终止日期": ""},
    Department.DEATHS: {"死亡日期": "2025年6月3日"},
    Department.VEHICLES: {"号牌号码": "鲁A12345", "车辆类型": "小型轿车", "登记日期": "2023/5/6"},
    Department.BUSINESSES: {"企业名称": "某某商贸有限公司", "统一社会信用代码": "91370125MA3C000000", "身份": "股东"},
    Department.REAL_ESTATE: {"坐落": "县城幸福路 1 号", "用途": "住宅", "面积": "96.5"},
    Department.PAYROLL: {"单位": "县教育局", "起始日期": "20190901"},
    Department.HOUSING: {"鉴定等级": "C", "鉴定日期": "2025-04-01"},
    Department.HUMAN_RESOURCES: {"养老保险": "是", "就业登记": "否", "就业单位": ""},
}


def headers_for(department: str) -> list[str]:
    return [c.header for c in columns_for(department)]


def list_row(department: str, **overrides: Any) -> dict[str, Any]:
    """A valid row of ``department``'s list, with a new valid ID number."""
    return {"姓名": "王建国", "证件号码": make_id(), **SAMPLE[department], **overrides}


def write_list_csv(
    path: Path, rows: Sequence[dict[str, Any]], *, headers: Sequence[str] | None = None, encoding: str = "utf-8"
) -> Path:
    headers = list(headers or rows[0].keys())
    with path.open("w", newline="", encoding=encoding) as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([row.get(h, "") for h in headers])
    return path


def write_list_xlsx(path: Path, rows: Sequence[dict[str, Any]], *, headers: Sequence[str] | None = None) -> Path:
    headers = list(headers or rows[0].keys())
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    workbook.save(path)
    return path


def read_report(path: Path | str) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet of an error report, as rows of values (header row included)."""
    workbook = load_workbook(path, read_only=True)
    try:
        return {sheet.title: [tuple(r) for r in sheet.iter_rows(values_only=True)] for sheet in workbook}
    finally:
        workbook.close()


def list_import_job_for_test(user: Any, *, department: str = Department.EDUCATION) -> Any:
    """A finished browser import job of ``user`` (its record only; no file, no batch)."""
    from django.utils import timezone

    from jingzhun.core.models import UploadJob

    return UploadJob.objects.create(
        kind="department_list",
        user=user,
        area_prefix=user.scope_prefix,
        params={"department": department, "as_of": timezone.localdate().isoformat(), "source": ""},
        file_name="乙县教体.csv",
        path="/nonexistent/乙县教体.csv",
        status=UploadJob.Status.DONE,
        report_path="/nonexistent",
    )
