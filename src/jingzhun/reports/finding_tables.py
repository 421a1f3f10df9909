"""Standard table 10: supervision findings by source and area (督导问题), per village, town and county: the findings
found in the year — where they were found, or their responsible town when found at county level — how many are
closed (verified), open and late as the year's last day (or today) stood, and how many came from each source."""

from __future__ import annotations

from typing import Any

from jingzhun.supervision.models import Source
from jingzhun.supervision.selectors import finding_counts_by_area

from .population import as_of_date
from .tables import Column, StandardTable, table_build

NAME = "findings"
TITLE = "督导发现问题整改情况表（按来源）"


def findings_table(*, user: Any, year: int, area_prefix: str, scope_name: str) -> StandardTable:
    day = as_of_date(year)
    rows = finding_counts_by_area(user=user, area_prefix=area_prefix, year=year, as_of=day)
    by_area = {row.pop("area"): row for row in rows}
    columns = [
        Column("found", "发现", "合计"),
        Column("rectified", "已销号", "合计"),
        Column("open", "未销号", "合计"),
        Column("late", "逾期", "合计"),
        *(Column(f"source_{s}", s.label, "按来源（发现数）") for s in Source),
    ]
    return table_build(
        name=NAME,
        title=TITLE,
        unit="单位：个",
        year=year,
        as_of=day,
        scope_name=scope_name,
        columns=columns,
        area_prefix=area_prefix,
        by_area=by_area,
        note=f"统计 {year} 年发现的问题，按发现地统计（县级发现的问题计入责任乡镇）；销号与逾期截至 {day.isoformat()}。",
    )
