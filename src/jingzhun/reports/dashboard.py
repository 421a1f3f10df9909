"""The leadership dashboard (领导看板) of one area — the user's county, town or village, or an area inside it.

Every figure is read from where the office reads it anyway: the standard tables of this year (so a figure on the
dashboard is the figure filed upward, cached under the same versions), the latest assessment run of each year,
and a few counts the tables do not hold (open cases by stage and risk type, visit coverage, projects by stage,
应享未享, findings not closed), each cached under the version of its data. Every figure carries the address of
the list behind it, narrowed to the area with that list's own filter, so following a link shows exactly the
households, cases, projects or findings that were counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from jingzhun.areas.models import PREFIX_LENGTH, Level
from jingzhun.assistance.selectors import visit_coverage_for_area, visits_version
from jingzhun.benefits.gap_selectors import gap_counts_for_user
from jingzhun.core.cache import computed_once
from jingzhun.core.scope import scope_key
from jingzhun.monitoring.models import CATEGORY_TEXT, RiskType, Stage
from jingzhun.monitoring.selectors import cases_version, open_case_breakdown
from jingzhun.policy.selectors import area_results_by_year, runs_version
from jingzhun.projects.fund_selectors import percent
from jingzhun.projects.models import STAGE_ORDER
from jingzhun.projects.models import Stage as ProjectStage
from jingzhun.projects.selectors import project_counts_for_user
from jingzhun.registry.selectors import registry_version
from jingzhun.registry.vocab import PovertyStatus
from jingzhun.supervision.selectors import finding_totals

from .population import STATUS_WORD, STATUSES
from .standard import report_default_year, report_table
from .tables import AreaRow, StandardTable

# The statuses of the registered poor (建档立卡户): every status but 非贫困户.
REGISTERED = [s for s in STATUSES if s != PovertyStatus.NON_POOR]
DAY = 24 * 3600  # how long a count is kept: its key changes with the data anyway
# The monitoring section's group of open cases by stage (also drawn as a chart).
BY_STAGE = "按环节（未结）"
# The stages of an open case, in the order a case goes through them (closed stages have no open case).
OPEN_STAGES = [s for s in Stage if s not in (Stage.NOT_INCLUDED, Stage.ELIMINATED)]


@dataclass(frozen=True)
class Figure:
    """One number on the dashboard, what it counts, its unit and the list behind it."""

    label: str
    value: Any  # int, Decimal or None (not counted: no run, no entitlements yet)
    unit: str = ""
    link: str = ""
    note: str = ""
    alert: bool = False  # a figure that should be zero (late, missed): shown red when it is not


@dataclass
class Section:
    key: str
    title: str
    figures: list[Figure]
    note: str = ""
    groups: list[tuple[str, list[Figure]]] = field(default_factory=list)  # figures under sub-headings
    wide: bool = False  # across the page's two columns


@dataclass
class Child:
    """A town of the county (a village of the town) on the drill-down table."""

    code: str
    name: str
    link: str  # its own dashboard
    figures: list[Figure]


@dataclass
class Dashboard:
    area_code: str
    area_name: str
    level: str
    year: int
    today: dt.date
    headline: list[Figure]  # the few figures a leader reads first, each from a section below
    sections: list[Section]
    years: list[dict[str, Any]]  # poor population and incidence year by year, from the runs
    exits: list[Figure]  # households exited each year
    children: list[Child]
    charts: dict[str, Any]


def _url(name: str, **query: Any) -> str:
    given = {k: v for k, v in query.items() if v not in ("", None)}
    return reverse(name) + (f"?{urlencode(given)}" if given else "")


class _Area:
    """The area a dashboard is drawn for, and how each list is narrowed to it."""

    def __init__(self, row: AreaRow, prefix: str) -> None:
        self.code, self.name, self.level, self.prefix = row.code, row.name, row.level, prefix
        # The lists' own filters: a county is the user's whole scope, no filter.
        self.town = self.code if self.level == Level.TOWN else ""
        self.village = self.code if self.level == Level.VILLAGE else ""

    def village_or_town(self) -> dict[str, str]:
        """The filter of the household and case lists, only the one that applies."""
        return {key: code for key, code in (("town", self.town), ("village", self.village)) if code}


def _total(table: StandardTable, code: str) -> dict[str, Any]:
    return next(row.values for row in table.rows if row.code == code)


def _registered(values: dict[str, Any]) -> tuple[int, int]:
    """Households and people of the registered poor (every status but 非贫困户) in a population row."""
    return sum(values[f"h_{s}"] for s in REGISTERED), sum(values[f"p_{s}"] for s in REGISTERED)


def _registry(area: _Area, population: dict[str, Any]) -> Section:
    narrow = area.village_or_town()
    households, people = _registered(population)
    table = _url("reports:population", area=area.code)  # by village, each status figure opening its households
    figures = [Figure("建档立卡户", households, "户", table), Figure("建档立卡人口", people, "人", table)]
    for status in REGISTERED:
        link = _url("registry:household_list", status=status, **narrow)
        figures.append(
            Figure(STATUS_WORD[status], population[f"h_{status}"], "户", link, f"{population[f'p_{status}']} 人")
        )
    return Section("registry", "建档立卡户（在册）", figures, note="人数为在册成员，按户的贫困户状态统计。", wide=True)


def _monitoring(
    area: _Area, monitoring: dict[str, Any], help_row: dict[str, Any], breakdown: dict[str, Any]
) -> Section:
    narrow = area.village_or_town()
    case_list = "monitoring:case_list"
    figures = [
        Figure("在监测对象", monitoring["monitored"], "户", _url(case_list, state="monitored", **narrow)),
        Figure("未结案件", breakdown["total"]["all"], "件", _url(case_list, **narrow)),
        Figure("当年新纳入", monitoring["included_year"], "户", _url("reports:monitoring", area=area.code)),
        Figure("当年风险消除", monitoring["eliminated_year"], "户", _url("reports:monitoring", area=area.code)),
    ]
    by_category = [
        Figure(str(CATEGORY_TEXT.get(code, code)), n, "件", _url(case_list, category=code, **narrow))
        for code, n in breakdown["category"].items()
    ]
    by_stage = [
        Figure(str(stage.label), breakdown["stage"][stage.value], "件", _url(case_list, stage=stage.value, **narrow))
        for stage in OPEN_STAGES
        if breakdown["stage"][stage.value]
    ]
    risks = sorted(breakdown["risk"].items(), key=lambda item: (-item[1], item[0]))
    by_risk = [
        Figure(str(RiskType(code).label), n, "件", _url(case_list, risk=code, **narrow)) for code, n in risks if n
    ]
    help_table = _url("reports:help", area=area.code)
    instant = [
        Figure("按时响应", help_row["help_on_time"], "户", help_table),
        Figure("超期响应", help_row["help_late"], "户", help_table),
        Figure("逾期未响应", help_row["help_overdue"], "户", _url(case_list, overdue="help", **narrow), alert=True),
        Figure("待响应", help_row["help_waiting"], "户", help_table),
    ]
    return Section(
        "monitoring",
        "防止返贫监测",
        figures,
        note="未结案件按所处环节、监测类型和风险类型统计（一件案件可有多个风险类型）；即时帮扶为当年分类的户。",
        groups=[
            ("按监测类型（未结）", by_category),
            (BY_STAGE, by_stage),
            ("按风险类型（未结）", by_risk),
            ("即时帮扶（当年）", instant),
        ],
        wide=True,
    )


def _work(
    area: _Area,
    *,
    coverage: Any,
    since: dt.date,
    funds: StandardTable,
    projects: dict[str, Any],
    benefits: StandardTable,
    gaps: dict[str, Any],
    findings: dict[str, int],
) -> list[Section]:
    year = funds.year
    fund_row = _total(funds, area.code)
    town, village = area.town, area.village
    visits = [
        Figure("应走访户", coverage.households, "户", _url("assistance:coverage")),
        Figure("已走访户", coverage.visited, "户", _url("assistance:coverage")),
        Figure("走访覆盖率", percent(coverage.visited, coverage.households), "%", _url("assistance:coverage")),
    ]
    funds_link = _url("reports:funds", area=area.code, year=year)
    money = [
        Figure(f"{year} 年资金下达", fund_row["a_all"], "元", funds_link),
        Figure(f"{year} 年资金支出", fund_row["p_all"], "元", funds_link),
        Figure("支出进度", percent(fund_row["p_all"], fund_row["a_all"]), "%", funds_link),
    ]
    stages = [
        Figure(
            str(ProjectStage(stage).label),
            projects["by_stage"].get(stage, 0),
            "个",
            _url("projects:project_list", stage=stage, town=town, village=village),
        )
        for stage in STAGE_ORDER
    ]
    paid = _total(benefits, area.code)
    benefits_link = _url("reports:benefits", area=area.code, year=benefits.year)
    benefit_figures = [
        Figure(f"{benefits.year} 年兑现笔数", paid["n_all"], "笔", benefits_link),
        Figure(f"{benefits.year} 年兑现金额", paid["a_all"], "元", benefits_link),
    ]
    if gaps.get("run") is not None:
        gap_query = {"area": area.prefix, "year": gaps["year"]}
        benefit_figures += [
            Figure("应享未享", gaps["gaps"], "项", _url("benefits:gap_list", **gap_query), alert=True),
            Figure("不应享而享", gaps["unentitled"], "笔", _url("benefits:unentitled_list", **gap_query)),
        ]
    finding_figures = [
        Figure("未销号问题", findings["open"], "个", _url("supervision:finding_list", town=town, village=village)),
        Figure(
            "逾期问题",
            findings["late"],
            "个",
            _url("supervision:finding_list", late="any", town=town, village=village),
            alert=True,
        ),
    ]
    return [
        Section("visits", f"帮扶走访（{since:%Y-%m-%d} 以来）", visits),
        Section("funds", "衔接资金", money, note="按项目实施地统计。"),
        Section("projects", "项目（按环节）", stages, note="全部年度的项目，按所处环节。"),
        Section("benefits", "政策兑现", benefit_figures),
        Section("findings", "督导问题", finding_figures, note="全部未销号的问题；乡镇按责任乡镇，村按发现地。"),
    ]


def _years(area: _Area) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Poor population and incidence of the area year by year (rows for the table, points for the chart)."""
    rows = []
    for result in area_results_by_year(area_code=area.code):
        bp = result["incidence_bp"]
        rows.append(
            {
                "year": result["year"],
                "poor": result["poor_population"],
                "population": result["population"],
                "incidence": (Decimal(bp) / 100).quantize(Decimal("0.01")) if bp is not None else None,
                "link": reverse("policy:run_detail", args=[result["run_id"]]),
            }
        )
    points = [
        {
            "year": str(r["year"]),
            "poor": r["poor"],
            "incidence": float(r["incidence"]) if r["incidence"] is not None else None,
        }
        for r in rows
    ]
    return rows, points


def _children(area: _Area, population: StandardTable, monitoring: StandardTable) -> list[Child]:
    """The areas one level below (towns of a county, villages of a town), each with its dashboard and key figures."""
    below = {Level.COUNTY: Level.TOWN, Level.TOWN: Level.VILLAGE}.get(Level(area.level))
    if below is None:
        return []
    monitored = {row.code: row.values["monitored"] for row in monitoring.rows}
    children = []
    for row in population.rows:
        if row.level != below or not row.code.startswith(area.prefix):
            continue
        narrow = {"village": row.code} if below == Level.VILLAGE else {"town": row.code}
        households, people = _registered(row.values)
        not_exited = row.values[f"h_{PovertyStatus.NOT_EXITED}"] + row.values[f"h_{PovertyStatus.RELAPSED}"]
        figures = [
            Figure("建档立卡户", households, "户", _url("reports:population", area=row.code)),
            Figure("建档立卡人口", people, "人", _url("reports:population", area=row.code)),
            Figure(
                "未脱贫及返贫户",
                not_exited,
                "户",
                _url("reports:population", area=row.code),
            ),
            Figure(
                "在监测对象",
                monitored.get(row.code, 0),
                "户",
                _url("monitoring:case_list", state="monitored", **narrow),
            ),
        ]
        children.append(Child(row.code, row.name, _url("reports:dashboard", area=row.code), figures))
    return children


def dashboard_for(*, user: Any, area_prefix: str | None = None) -> Dashboard:
    """The dashboard of the user's scope, or of ``area_prefix`` inside it (``PermissionDenied`` outside)."""
    today = timezone.localdate()
    year = today.year
    population = report_table(name="population", user=user, year=year, area_prefix=area_prefix)
    head = population.total or population.rows[0]  # a scope of several counties (the whole database): the first
    prefix = head.code[: PREFIX_LENGTH[Level(head.level)]]
    if head is not population.total:
        population = report_table(name="population", user=user, year=year, area_prefix=prefix)
    area = _Area(head, prefix)
    monitoring = report_table(name="monitoring", user=user, year=year, area_prefix=prefix)
    help_table = report_table(name="help", user=user, year=year, area_prefix=prefix)
    exits = report_table(name="exits", user=user, year=year, area_prefix=prefix)
    funds = report_table(name="funds", user=user, year=report_default_year(name="funds", user=user), area_prefix=prefix)
    benefits = report_table(
        name="benefits", user=user, year=report_default_year(name="benefits", user=user), area_prefix=prefix
    )
    since = dt.date(year, 1, 1)
    version = f"{scope_key(user)}:{prefix}:{today.isoformat()}"
    cases = cases_version()
    breakdown: dict[str, Any] = computed_once(  # type: ignore[assignment]
        f"jingzhun:dash:cases:{version}:{cases}",
        lambda: open_case_breakdown(user=user, area_prefix=prefix),
        timeout=DAY,
    )
    coverage = computed_once(
        f"jingzhun:dash:visits:{version}:{registry_version()}:{cases}:{visits_version()}",
        lambda: visit_coverage_for_area(user=user, area_prefix=prefix, date_from=since, date_to=today),
        timeout=DAY,
    )
    watch = _monitoring(area, _total(monitoring, area.code), _total(help_table, area.code), breakdown)
    sections = [
        _registry(area, _total(population, area.code)),
        watch,
        *_work(
            area,
            coverage=coverage,
            since=since,
            funds=funds,
            projects=project_counts_for_user(user=user, area_prefix=prefix),
            benefits=benefits,
            gaps=gap_counts_for_user(user=user, area_prefix=prefix),
            findings=finding_totals(user=user, town=area.town, village=area.village, as_of=today),
        ),
    ]
    exit_row = _total(exits, area.code)
    exit_years = [c.key[2:] for c in exits.columns if c.key.startswith("h_") and c.key != "h_all"]
    exit_link = _url("reports:exits", area=area.code)
    exit_figures = [
        Figure(f"{y} 年", exit_row[f"h_{y}"], "户", exit_link, f"{exit_row[f'p_{y}']} 人") for y in exit_years
    ]
    years, points = computed_once(  # type: ignore[misc]
        f"jingzhun:dash:years:{area.code}:{runs_version()}", lambda: _years(area), timeout=DAY
    )
    headline = _headline(sections, years)
    charts = {
        "years": points,
        "exits": [{"year": f.label, "households": f.value} for f in exit_figures],
        "stages": [{"label": f.label, "n": f.value} for f in dict(watch.groups)[BY_STAGE]],
    }
    return Dashboard(
        area_code=area.code,
        area_name=area.name,
        level=area.level,
        year=year,
        today=today,
        headline=headline,
        sections=sections,
        years=years,
        exits=exit_figures,
        children=_children(area, population, monitoring),
        charts=charts,
    )


def _headline(sections: list[Section], years: list[dict[str, Any]]) -> list[Figure]:
    """The first row: registered households, the latest incidence, monitored, instant help overdue, visit
    coverage, funds spent, 应享未享 and findings late — the same figures (and links) as in their sections."""
    by_label = {(s.key, f.label): f for s in sections for f in s.figures}
    by_label.update({(s.key, f.label): f for s in sections for _t, group in s.groups for f in group})
    picks = [
        ("registry", "建档立卡户"),
        ("monitoring", "在监测对象"),
        ("monitoring", "逾期未响应"),
        ("visits", "走访覆盖率"),
        ("funds", "支出进度"),
        ("benefits", "应享未享"),
        ("findings", "逾期问题"),
    ]
    figures = [by_label[pick] for pick in picks if pick in by_label]
    if years:
        latest = years[-1]
        incidence = Figure(f"{latest['year']} 年贫困发生率", latest["incidence"], "%", latest["link"])
        figures.insert(1, incidence)
    return figures
