"""Standard tables 5 and 6: monitoring objects and risk elimination (监测对象及风险消除), and the instant-help
ledger summary (即时帮扶台账汇总), per village, counted in households from the cases' own dates — so a past year's
table is read as its last day stood, and does not move."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from jingzhun.monitoring.selectors import case_counts_by_village

from .population import as_of_date
from .tables import Column, StandardTable, table_build

MONITORING_TITLE = "防返贫监测对象及风险消除情况表"
HELP_TITLE = "即时帮扶台账汇总表"


def _table(
    *, name: str, title: str, user: Any, year: int, area_prefix: str, scope_name: str, columns: list[Column], note: str
) -> StandardTable:
    day = as_of_date(year)
    rows = case_counts_by_village(user=user, area_prefix=area_prefix, year=year, day=day)
    by_village = {row.pop("village"): row for row in rows}
    live = day == timezone.localdate()
    return table_build(
        name=name,
        title=title,
        unit="单位：户",
        year=year,
        as_of=day,
        scope_name=scope_name,
        columns=columns,
        area_prefix=area_prefix,
        by_area=by_village,
        note=note + ("截至今天。" if live else f"截至 {year} 年 12 月 31 日。"),
    )


def monitoring_table(*, user: Any, year: int, area_prefix: str, scope_name: str) -> StandardTable:
    columns = [
        Column("monitored", "合计", "年末监测对象"),
        Column("monitored_unstable", "脱贫不稳定户", "年末监测对象"),
        Column("monitored_marginal", "边缘易致贫户", "年末监测对象"),
        Column("monitored_sudden", "突发严重困难户", "年末监测对象"),
        Column("included_year", "新纳入", "当年"),
        Column("eliminated_year", "风险消除", "当年"),
        Column("included_total", "纳入", "累计"),
        Column("eliminated_total", "风险消除", "累计"),
    ]
    return _table(
        name="monitoring",
        title=MONITORING_TITLE,
        user=user,
        year=year,
        area_prefix=area_prefix,
        scope_name=scope_name,
        columns=columns,
        note="监测对象为已纳入监测、尚未关闭的户；风险消除为经审核关闭为风险已消除的户；按各户纳入和消除的日期统计，",
    )


def help_table(*, user: Any, year: int, area_prefix: str, scope_name: str) -> StandardTable:
    columns = [
        Column("tier_A", "A 类", "当年分类"),
        Column("tier_B", "B 类", "当年分类"),
        Column("tier_C", "C 类", "当年分类"),
        Column("help_on_time", "按时响应", "响应情况"),
        Column("help_late", "超期响应", "响应情况"),
        Column("help_overdue", "逾期未响应", "响应情况"),
        Column("help_waiting", "待响应", "响应情况"),
    ]
    return _table(
        name="help",
        title=HELP_TITLE,
        user=user,
        year=year,
        area_prefix=area_prefix,
        scope_name=scope_name,
        columns=columns,
        note="统计当年确定即时帮扶分类的户：按时响应为在期限内开始帮扶，超期响应为期限后开始，逾期未响应为已过期限仍未开始；",
    )
