"""Standard table 4: 两不愁三保障 and safe drinking water by village, from the year's assessment.

The figures are the latest finished assessment run of the year that covers the whole of the table's area (its
results are a snapshot made when it ran, so a past year's table does not move); the registered households as they
were when the run was made (every status but 非贫困户), excluded households left out. A year without such a run
gives zeros and says so.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from jingzhun.policy.models import INDICATORS
from jingzhun.policy.selectors import indicator_counts_by_village, run_latest_covering
from jingzhun.registry.vocab import PovertyStatus

from .population import as_of_date
from .tables import Column, StandardTable, table_build

NAME = "assurances"
TITLE = "两不愁三保障及饮水安全情况表"
INDICATOR_TEXT = {
    "income_ok": "收入达标",
    "food_clothing_ok": "不愁吃不愁穿",
    "education_ok": "义务教育有保障",
    "medical_ok": "基本医疗有保障",
    "housing_ok": "住房安全有保障",
    "water_ok": "饮水安全有保障",
}
REGISTERED = [s.value for s in PovertyStatus if s != PovertyStatus.NON_POOR]


def columns() -> list[Column]:
    cols = [Column("households", "户数", "评估户"), Column("people", "人数", "评估户")]
    for indicator in INDICATORS:
        text = INDICATOR_TEXT[indicator]
        cols += [Column(f"ok_{indicator}", "达标户数", text), Column(f"not_{indicator}", "未达标户数", text)]
    return cols


def assurances_table(*, user: Any, year: int, area_prefix: str, scope_name: str) -> StandardTable:
    run = run_latest_covering(year=year, area_prefix=area_prefix)
    by_village: dict[str, dict[str, int]] = {}
    if run is not None:
        for row in indicator_counts_by_village(user=user, run=run, area_prefix=area_prefix, statuses=REGISTERED):
            by_village[row.pop("village")] = {k: int(v or 0) for k, v in row.items()}
    cols = columns()
    note = (
        f"依据 {year} 年评估（第 {run.pk} 次评估，{run.finished_at:%Y-%m-%d}），统计评估时的建档立卡户（非贫困户除外），"
        "不含未评估的户；人数为评估时的家庭人口。"
        if run is not None and run.finished_at is not None
        else f"尚无覆盖本区划的 {year} 年评估，表中各项为 0。"
    )
    return table_build(
        name=NAME,
        title=TITLE,
        unit="单位：户、人",
        year=year,
        as_of=timezone.localtime(run.finished_at).date() if run is not None and run.finished_at else as_of_date(year),
        scope_name=scope_name,
        columns=cols,
        area_prefix=area_prefix,
        by_area=by_village,
        note=note,
    )
