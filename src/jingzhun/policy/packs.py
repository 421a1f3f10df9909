"""Rule packs (政策规则包): the parameters of docs/RULES.md as data files, validated on load.

A pack is a TOML file::

    [pack]
    name = "shandong-2020"          # what users pass as --pack
    title = "山东省 2020 年稳定脱贫标准"
    version = "2020.1"
    region = "山东省"
    region_code = "37"              # area-code prefix the pack is meant for ("" for national)
    years = [2020]                  # years it may assess
    extends = "national"            # optional: start from another pack's parameters

    [parameters.pre_assessment_threshold]
    value = { 2020 = 4500 }
    source = "聊城市 2020 年收入预评估报告"
    ours = false                    # true: our reading of practice, for the county to confirm

Packs ship in this package (``policy/packs``); a county adds its own by dropping a file into
``<data dir>/packs`` (or a directory listed in the ``RULE_PACK_DIRS`` setting) — no code change. Every
problem of a file is reported at once, in Chinese, naming the file and the parameter.
"""

from __future__ import annotations

import calendar
import datetime as dt
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings

BUILTIN_DIR = Path(__file__).resolve().parent / "packs"
DEFAULT_PACK = "national"
# A line derived from a 2010-price constant and a price index is stated to the cent, half up, as lines are
# published; the monitoring threshold derived from it is kept exact (docs/RULES.md §1, §7: 1.5 × line).
CENT = Decimal("0.01")

INDICATORS = ("income_ok", "food_clothing_ok", "education_ok", "medical_ok", "housing_ok", "water_ok")
VILLAGE_CRITERIA = ("collective_economy", "paved_road", "power", "clinic")
INCOME_ITEMS = (
    "wage",
    "business_income",
    "business_expense",
    "dividend",
    "other_property",
    "family_planning",
    "dibao",
    "tekun",
    "pension",
    "eco_compensation",
    "other_transfer",
)


class PackError(Exception):
    """A rule pack that cannot be used; the message is in Chinese and names the file and parameter."""


# --- parameter kinds: each turns the TOML value into a Python value or raises ValueError(reason) -------------


def _number(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("应为数字")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError("应为数字") from None
    if not number.is_finite():
        raise ValueError("应为数字")
    return number


def _positive(value: Any) -> Decimal:
    number = _number(value)
    if number <= 0:
        raise ValueError("应为正数")
    return number


def _share(value: Any) -> Decimal:
    number = _number(value)
    if not 0 <= number <= 1:
        raise ValueError("应在 0 到 1 之间")
    return number


def _percent(value: Any) -> Decimal:
    number = _number(value)
    if not 0 <= number <= 100:
        raise ValueError("应在 0 到 100 之间")
    return number


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError("应为正整数")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("应为 true 或 false")
    return value


def _dates(value: Any) -> tuple[dt.date, ...]:
    if not isinstance(value, list):
        raise ValueError('应为日期列表，例如 ["2027-01-01"]')
    days = []
    for item in value:
        try:
            days.append(item if isinstance(item, dt.date) else dt.date.fromisoformat(str(item)))
        except ValueError:
            raise ValueError(f"「{item}」不是有效日期（应为 年-月-日）") from None
    return tuple(sorted(days))


def _texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise ValueError('应为非空的文字列表，例如 ["住宅", "商业"]')
    return tuple(value)


def _help_days(value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping) or set(value) != {"A", "B", "C"}:
        raise ValueError("应为 A、B、C 三档的天数表，例如 { A = 3, B = 15, C = 30 }")
    try:
        return {tier: _whole(days) for tier, days in value.items()}
    except ValueError:
        raise ValueError("A、B、C 三档的天数应为正整数") from None


def _weight(value: Any) -> Decimal:
    """A dividend weight: not negative, at most two decimals (the shares are computed in whole hundredths)."""
    number = _number(value)
    if number < 0 or number > Decimal("9999.99") or number != number.quantize(CENT):
        raise ValueError("应为 0 到 9999.99 之间、最多两位小数的数")
    return number


# The tier names of docs/RULES.md §7, as the pack, the ledger and the pages write them (policy.models.TIER_TEXT).
TIER_WORDS = ("易返贫户", "一般户", "稳定脱贫户", "高质量脱贫户")


def _tier_weights(value: Any) -> dict[str, Decimal]:
    example = '{ "易返贫户" = 1.5, "一般户" = 1.2, "稳定脱贫户" = 1.0, "高质量脱贫户" = 0.5 }'
    if not isinstance(value, Mapping) or set(value) != set(TIER_WORDS):
        raise ValueError(f"应为四类户的权重表，例如 {example}")
    result = {}
    for name in TIER_WORDS:
        try:
            result[name] = _weight(value[name])
        except ValueError as error:
            raise ValueError(f"{name}的权重{error}") from None
    return result


def _ratio(value: Any) -> Decimal:
    number = _share(value)
    if number != number.quantize(Decimal("0.0001")):
        raise ValueError("最多四位小数")
    return number


def _by_year(value: Any) -> dict[int, Decimal]:
    if not isinstance(value, Mapping) or not value:
        raise ValueError("应为按年份给出的表，例如 { 2020 = 4000 }")
    result = {}
    for key, amount in value.items():
        if not (str(key).isdigit() and len(str(key)) == 4):
            raise ValueError(f"年份「{key}」应为四位数字")
        try:
            result[int(key)] = _positive(amount)
        except ValueError as error:
            raise ValueError(f"{key} 年的值{error}") from None
    return result


def _age_range(value: Any) -> tuple[int, int]:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        or not 0 <= value[0] <= value[1] <= 120
    ):
        raise ValueError("应为两个整数的年龄区间，例如 [6, 15]")
    return (value[0], value[1])


def _month_day(value: Any) -> tuple[int, int]:
    try:
        month, day = (int(part) for part in str(value).split("-"))
        dt.date(2000, month, day)  # a leap year: 02-29 is a valid month and day
    except ValueError:
        raise ValueError('应为「月-日」，例如 "12-31"') from None
    return (month, day)


def _names(allowed: tuple[str, ...]) -> Callable[[Any], tuple[str, ...]]:
    def parse(value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError("应为名称列表")
        unknown = [v for v in value if v not in allowed]
        if unknown:
            raise ValueError(f"未知名称 {'、'.join(unknown)}（可用：{'、'.join(allowed)}）")
        return tuple(value)

    return parse


@dataclass(frozen=True)
class ParameterSpec:
    parse: Callable[[Any], Any]
    description: str


PARAMETERS: dict[str, ParameterSpec] = {
    "poverty_line": ParameterSpec(_by_year, "贫困标准，元/人·年，当年价（RULES §2）"),
    "line_constant_2010": ParameterSpec(_positive, "以 2010 年不变价表示的贫困标准，元/人·年"),
    "price_index_2010": ParameterSpec(_by_year, "2010 年不变价换算为当年价的系数"),
    "monitoring_threshold": ParameterSpec(_by_year, "防返贫监测范围，元/人·年（RULES §6）"),
    "monitoring_multiple_of_line": ParameterSpec(_positive, "无监测范围时按贫困标准的倍数（RULES §7）"),
    "assessment_date": ParameterSpec(_month_day, "评估基准日（月-日），用于计算年龄"),
    "compulsory_age": ParameterSpec(_age_range, "义务教育年龄区间"),
    "water_min_lpd": ParameterSpec(_positive, "每人每日最低水量，升"),
    "water_min_lpd_scarce": ParameterSpec(_positive, "缺水地区每人每日最低水量，升"),
    "water_max_fetch_minutes": ParameterSpec(_positive, "取水往返最长分钟数"),
    "water_min_supply_rate": ParameterSpec(_percent, "最低供水保证率，%"),
    "income_drop_share": ParameterSpec(_share, "收入骤减触发比例（超过此比例才算骤减）"),
    "medical_burden_amount": ParameterSpec(_positive, "自付医疗费用触发金额，元"),
    "medical_burden_income_share": ParameterSpec(_share, "自付医疗费用占纯收入的触发比例"),
    "high_quality_multiple": ParameterSpec(_positive, "高质量脱贫户：人均纯收入不低于监测范围的倍数"),
    "household_criteria": ParameterSpec(_names(INDICATORS), "计入「达到脱贫标准」的户指标"),
    "village_exit_incidence_pct": ParameterSpec(_percent, "贫困村退出：贫困发生率上限，%"),
    "village_exit_incidence_pct_west": ParameterSpec(_percent, "西部地区贫困村退出：贫困发生率上限，%"),
    "county_exit_incidence_pct": ParameterSpec(_percent, "贫困县退出：贫困发生率上限，%"),
    "county_exit_incidence_pct_west": ParameterSpec(_percent, "西部地区贫困县退出：贫困发生率上限，%"),
    "village_criteria": ParameterSpec(_names(VILLAGE_CRITERIA), "贫困村退出须具备的村情条件"),
    "pre_assessment_threshold": ParameterSpec(_by_year, "收入预评估门槛，元/人·年"),
    "pre_assessment_lump_sum_items": ParameterSpec(
        _names(INCOME_ITEMS), "收入预评估中按年一次发放、不按月推算的收入项"
    ),
    # Monitoring workflow (RULES §6); pack-wide, not per year.
    "monitoring_decision_working_days": ParameterSpec(_whole, "自发现起至县级确定监测对象的期限，工作日"),
    "monitoring_notice_days": ParameterSpec(_whole, "村级公示最少天数"),
    "elimination_min_months": ParameterSpec(_whole, "风险消除前最少监测月数"),
    "instant_help_days": ParameterSpec(_help_days, "即时帮扶 A/B/C 三档响应期限，天"),
    "calendar_holidays": ParameterSpec(_dates, "工作日历未收录年份的法定节假日（国务院办公厅年度通知）"),
    "calendar_workdays": ParameterSpec(_dates, "工作日历未收录年份的调休上班日（周末上班）"),
    # Supervision findings (RULES §11, "1+3"); pack-wide.
    "finding_assign_days": ParameterSpec(_whole, "督导问题：自发现起至确认交办的期限，天"),
    "finding_rectify_days": ParameterSpec(_whole, "督导问题：自交办起至整改完成的期限，天"),
    "finding_working_days": ParameterSpec(_flag, "督导问题期限是否按工作日计算（否：按自然日）"),
    "finding_reminder_days": ParameterSpec(_whole, "督导问题：到期前几天起向责任单位提醒"),
    # Registry adjustment (动态调整): the village notice and the county's decision deadline; pack-wide.
    "adjustment_notice_days": ParameterSpec(_whole, "动态调整：村级公示最少天数"),
    "adjustment_decision_working_days": ParameterSpec(_whole, "动态调整：自申请起至县级决定的期限，工作日"),
    # Department data comparison (RULES §8): the thresholds and word lists of the clue rules.
    "clue_school_age": ParameterSpec(_age_range, "X01：核对学籍的年龄区间"),
    "clue_in_school": ParameterSpec(_texts, "X01：台账在校生状况为在校的取值"),
    "clue_out_of_school": ParameterSpec(_texts, "X01：台账在校生状况为不在校的取值"),
    "clue_enrolled": ParameterSpec(_texts, "X01：学籍状态视为在学的取值"),
    "clue_attending": ParameterSpec(_texts, "X01：与不在校矛盾的学籍状态"),
    "clue_care_subsidy_grades": ParameterSpec(_texts, "X03：应享受护理补贴的残疾等级"),
    "clue_vehicle_types": ParameterSpec(_texts, "X06：作为线索的车辆类型"),
    "clue_business_roles": ParameterSpec(_texts, "X07：作为线索的企业身份"),
    "clue_property_uses": ParameterSpec(_texts, "X08：作为线索的不动产用途"),
    "clue_working_age": ParameterSpec(_age_range, "X11：核对养老保险的年龄区间"),
    "clue_feedback_working_days": ParameterSpec(_whole, "线索退回部门反馈核实的默认期限，工作日"),
    # Differentiated dividends (RULES §9): the share of a project's income distributed, and the weights.
    "dividend_ratio": ParameterSpec(_ratio, "差异化分红：项目收益中用于分红的比例（其余留村集体）"),
    "dividend_tier_weights": ParameterSpec(_tier_weights, "差异化分红：各类户的分红权重"),
    "dividend_refusal_weight": ParameterSpec(_weight, "差异化分红：拒绝所提供岗位的户的权重"),
    "dividend_untiered_weight": ParameterSpec(_weight, "差异化分红：无评估结果或无分层分类的户的权重"),
}

# Every pack must end up with these (directly or through ``extends``); the yearly ones are checked per year.
REQUIRED = (
    "assessment_date",
    "compulsory_age",
    "water_min_lpd",
    "water_min_lpd_scarce",
    "water_max_fetch_minutes",
    "water_min_supply_rate",
    "income_drop_share",
    "medical_burden_amount",
    "medical_burden_income_share",
    "monitoring_multiple_of_line",
    "high_quality_multiple",
    "household_criteria",
    "village_exit_incidence_pct",
    "village_exit_incidence_pct_west",
    "county_exit_incidence_pct",
    "county_exit_incidence_pct_west",
    "village_criteria",
    "pre_assessment_lump_sum_items",
)


@dataclass(frozen=True)
class Parameter:
    name: str
    value: Any
    source: str
    ours: bool
    pack: str  # the pack that set it (a parent when inherited)


@dataclass(frozen=True)
class RulePack:
    name: str
    title: str
    version: str
    region: str
    region_code: str
    years: tuple[int, ...]
    parameters: Mapping[str, Parameter]
    path: Path
    extends: str = ""
    lineage: tuple[str, ...] = ()  # this pack, its parent, the parent's parent…

    def value(self, name: str) -> Any:
        parameter = self.parameters.get(name)
        return parameter.value if parameter else None

    def poverty_line(self, year: int) -> Decimal | None:
        """The year's line: ``poverty_line``, or ``line_constant_2010`` × ``price_index_2010``.

        When a year has both, the one set by the nearer pack wins (the pack itself before its parent; the
        explicit line in a tie): a provincial pack deriving its own line for a year is not overruled by the
        national line it inherits for that year.
        """
        explicit, constant, index = (self.parameters.get(n) for n in PARAMETERS_OF_THE_LINE)
        nearness = {name: n for n, name in enumerate(self.lineage or (self.name,))}
        found: list[tuple[int, int, Decimal]] = []
        if explicit is not None and year in explicit.value:
            found.append((nearness.get(explicit.pack, len(nearness)), 0, explicit.value[year]))
        if constant is not None and index is not None and year in index.value:
            derived = (constant.value * index.value[year]).quantize(CENT, rounding=ROUND_HALF_UP)
            found.append((min(nearness.get(p.pack, len(nearness)) for p in (constant, index)), 1, derived))
        return min(found)[2] if found else None

    def monitoring_rules(self) -> MonitoringRules:
        """The monitoring workflow's deadlines (docs/RULES.md §6); a pack without them is a clear error."""
        missing = [name for name in MONITORING_REQUIRED if self.value(name) is None]
        if missing:
            raise PackError(f"规则包「{self.name}」缺少监测参数：{'、'.join(missing)}。")
        return MonitoringRules(
            pack=self.name,
            decision_working_days=self.value("monitoring_decision_working_days"),
            notice_days=self.value("monitoring_notice_days"),
            elimination_min_months=self.value("elimination_min_months"),
            instant_help_days=dict(self.value("instant_help_days")),
            extra_holidays=frozenset(self.value("calendar_holidays") or ()),
            extra_workdays=frozenset(self.value("calendar_workdays") or ()),
        )

    def supervision_rules(self) -> SupervisionRules:
        """The supervision findings' deadlines (docs/RULES.md §11); a pack without them is a clear error."""
        missing = [name for name in SUPERVISION_REQUIRED if self.value(name) is None]
        if missing:
            raise PackError(f"规则包「{self.name}」缺少督导问题参数：{'、'.join(missing)}。")
        return SupervisionRules(
            pack=self.name,
            assign_days=self.value("finding_assign_days"),
            rectify_days=self.value("finding_rectify_days"),
            working_days=self.value("finding_working_days"),
            reminder_days=self.value("finding_reminder_days"),
            calendar=self.monitoring_rules(),  # carries the county's holidays for years the package lacks
        )

    def adjustment_rules(self) -> AdjustmentRules:
        """The registry adjustment procedure's notice and deadline; a pack without them is a clear error."""
        missing = [name for name in ADJUSTMENT_REQUIRED if self.value(name) is None]
        if missing:
            raise PackError(f"规则包「{self.name}」缺少动态调整参数：{'、'.join(missing)}。")
        return AdjustmentRules(
            pack=self.name,
            notice_days=self.value("adjustment_notice_days"),
            decision_working_days=self.value("adjustment_decision_working_days"),
            calendar=self.monitoring_rules(),
        )

    def dividend_rules(self) -> DividendRules:
        """The differentiated dividends' ratio and weights (docs/RULES.md §9); a pack without them is a clear
        error."""
        missing = [name for name in DIVIDEND_REQUIRED if self.value(name) is None]
        if missing:
            raise PackError(f"规则包「{self.name}」缺少差异化分红参数：{'、'.join(missing)}。")
        return DividendRules(
            pack=self.name,
            ratio=self.value("dividend_ratio"),
            tier_weights=dict(self.value("dividend_tier_weights")),
            refusal_weight=self.value("dividend_refusal_weight"),
            untiered_weight=self.value("dividend_untiered_weight"),
        )

    def crosscheck_rules(self) -> CrosscheckRules:
        """The clue rules' parameters; a pack without them is a clear error."""
        missing = [name for name in CROSSCHECK_REQUIRED if self.value(name) is None]
        if missing:
            raise PackError(f"规则包「{self.name}」缺少数据比对参数：{'、'.join(missing)}。")
        return CrosscheckRules(
            pack=self.name, **{name.removeprefix("clue_"): self.value(name) for name in CROSSCHECK_REQUIRED}
        )

    def rules_for(self, year: int) -> YearRules:
        """The parameters resolved for one year; a year the pack does not cover is a clear error."""
        if year not in self.years:
            covered = "、".join(str(y) for y in self.years)
            raise PackError(f"规则包「{self.name}」不适用于 {year} 年（适用年份：{covered}）；请选择适用的规则包。")
        line = self.poverty_line(year)
        if line is None:  # load() already refuses this; kept for packs built in code
            raise PackError(f"规则包「{self.name}」没有 {year} 年的贫困标准。")
        explicit_threshold = (self.value("monitoring_threshold") or {}).get(year)
        multiple = self.value("monitoring_multiple_of_line")
        threshold = explicit_threshold
        if threshold is None:
            threshold = multiple * line
            if threshold == threshold.quantize(CENT):  # shown as money (4827.00); an exact 4813.125 stays
                threshold = threshold.quantize(CENT)
        month, day = self.value("assessment_date")
        return YearRules(
            year=year,
            pack=self.name,
            pack_version=self.version,
            poverty_line=line,
            monitoring_threshold=threshold,
            monitoring_threshold_derived=explicit_threshold is None,
            assessment_date=dt.date(year, month, day),
            compulsory_age=self.value("compulsory_age"),
            water_min_lpd=self.value("water_min_lpd"),
            water_min_lpd_scarce=self.value("water_min_lpd_scarce"),
            water_max_fetch_minutes=self.value("water_max_fetch_minutes"),
            water_min_supply_rate=self.value("water_min_supply_rate"),
            income_drop_share=self.value("income_drop_share"),
            medical_burden_amount=self.value("medical_burden_amount"),
            medical_burden_income_share=self.value("medical_burden_income_share"),
            high_quality_multiple=self.value("high_quality_multiple"),
            household_criteria=self.value("household_criteria"),
            village_exit_incidence_pct=self.value("village_exit_incidence_pct"),
            village_exit_incidence_pct_west=self.value("village_exit_incidence_pct_west"),
            county_exit_incidence_pct=self.value("county_exit_incidence_pct"),
            county_exit_incidence_pct_west=self.value("county_exit_incidence_pct_west"),
            village_criteria=self.value("village_criteria"),
            pre_assessment_threshold=(self.value("pre_assessment_threshold") or {}).get(year),
            pre_assessment_lump_sum_items=self.value("pre_assessment_lump_sum_items"),
            sources={name: (p.source, p.ours, p.pack) for name, p in self.parameters.items()},
        )


PARAMETERS_OF_THE_LINE = ("poverty_line", "line_constant_2010", "price_index_2010")

CROSSCHECK_REQUIRED = (
    "clue_school_age",
    "clue_in_school",
    "clue_out_of_school",
    "clue_enrolled",
    "clue_attending",
    "clue_care_subsidy_grades",
    "clue_vehicle_types",
    "clue_business_roles",
    "clue_property_uses",
    "clue_working_age",
    "clue_feedback_working_days",
)


@dataclass(frozen=True)
class CrosscheckRules:
    """The clue rules' parameters (docs/RULES.md §8), in the departments' and the ledger's words."""

    pack: str
    school_age: tuple[int, int]
    in_school: tuple[str, ...]
    out_of_school: tuple[str, ...]
    enrolled: tuple[str, ...]
    attending: tuple[str, ...]
    care_subsidy_grades: tuple[str, ...]
    vehicle_types: tuple[str, ...]
    business_roles: tuple[str, ...]
    property_uses: tuple[str, ...]
    working_age: tuple[int, int]
    feedback_working_days: int  # a clue sent back to its department: the default deadline, in working days

    def snapshot(self) -> dict[str, Any]:
        return {name: list(v) if isinstance(v, tuple) else v for name, v in self.__dict__.items()}


MONITORING_REQUIRED = (
    "monitoring_decision_working_days",
    "monitoring_notice_days",
    "elimination_min_months",
    "instant_help_days",
)


@dataclass(frozen=True)
class MonitoringRules:
    """Deadlines of the monitoring workflow (docs/RULES.md §6), and the county's calendar for years the
    chinese-calendar package does not cover yet."""

    pack: str
    decision_working_days: int
    notice_days: int
    elimination_min_months: int
    instant_help_days: Mapping[str, int]
    extra_holidays: frozenset[dt.date] = frozenset()
    extra_workdays: frozenset[dt.date] = frozenset()


SUPERVISION_REQUIRED = ("finding_assign_days", "finding_rectify_days", "finding_working_days", "finding_reminder_days")


@dataclass(frozen=True)
class SupervisionRules:
    """Deadlines of supervision findings (docs/RULES.md §11): days to assign, days to rectify, calendar or
    working days (on the monitoring calendar), and how early a reminder shows."""

    pack: str
    assign_days: int
    rectify_days: int
    working_days: bool
    reminder_days: int
    calendar: MonitoringRules


ADJUSTMENT_REQUIRED = ("adjustment_notice_days", "adjustment_decision_working_days")


@dataclass(frozen=True)
class AdjustmentRules:
    """The registry adjustment procedure (动态调整): days the village notice stays up at least, and working days
    from the application to the county's decision (on the monitoring calendar)."""

    pack: str
    notice_days: int
    decision_working_days: int
    calendar: MonitoringRules


DIVIDEND_REQUIRED = (
    "dividend_ratio",
    "dividend_tier_weights",
    "dividend_refusal_weight",
    "dividend_untiered_weight",
)


@dataclass(frozen=True)
class DividendRules:
    """Differentiated dividends (docs/RULES.md §9): the distributable share of a project's income, the weight of
    each tier (by its Chinese name, :data:`TIER_WORDS`), of a household that refused an offered post, and of one
    without an assessment result or without a tier. Weights have at most two decimals."""

    pack: str
    ratio: Decimal
    tier_weights: Mapping[str, Decimal]
    refusal_weight: Decimal
    untiered_weight: Decimal


@dataclass(frozen=True)
class YearRules:
    """Every parameter an assessment of one year needs, resolved (docs/RULES.md §1–§7)."""

    year: int
    pack: str
    pack_version: str
    poverty_line: Decimal
    monitoring_threshold: Decimal
    monitoring_threshold_derived: bool
    assessment_date: dt.date
    compulsory_age: tuple[int, int]
    water_min_lpd: Decimal
    water_min_lpd_scarce: Decimal
    water_max_fetch_minutes: Decimal
    water_min_supply_rate: Decimal
    income_drop_share: Decimal
    medical_burden_amount: Decimal
    medical_burden_income_share: Decimal
    high_quality_multiple: Decimal
    household_criteria: tuple[str, ...]
    village_exit_incidence_pct: Decimal
    village_exit_incidence_pct_west: Decimal
    county_exit_incidence_pct: Decimal
    county_exit_incidence_pct_west: Decimal
    village_criteria: tuple[str, ...]
    pre_assessment_threshold: Decimal | None
    pre_assessment_lump_sum_items: tuple[str, ...]
    sources: Mapping[str, tuple[str, bool, str]] = field(default_factory=dict)

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready record of the values used, stored with each run so a result can always be explained."""
        values: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            if name == "sources":
                continue
            value = getattr(self, name)
            if isinstance(value, Decimal | dt.date):
                value = str(value)
            elif isinstance(value, tuple):
                value = [str(v) if isinstance(v, Decimal) else v for v in value]
            values[name] = value
        values["sources"] = {name: {"source": s, "ours": o, "pack": p} for name, (s, o, p) in self.sources.items()}
        return values


# --- loading -------------------------------------------------------------------------------------------------


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise PackError(f"规则包 {path.name}：不是有效的 TOML 文件（{error}）。") from None
    except OSError as error:
        raise PackError(f"规则包 {path.name}：无法读取（{error.strerror}）。") from None


def _parse_own(path: Path, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Parameter], list[str]]:
    """The [pack] table and this file's own parameters; problems are collected, not raised one by one."""
    problems: list[str] = []
    unknown_tables = sorted(set(data) - {"pack", "parameters"})
    if unknown_tables:
        problems.append(f"未知的表 {'、'.join(unknown_tables)}（只允许 [pack] 和 [parameters.*]）")
    meta = data.get("pack")
    if not isinstance(meta, dict):
        return {}, {}, [*problems, "缺少 [pack] 表"]
    for key in ("name", "version"):
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            problems.append(f"[pack] 缺少 {key}")
    unknown_meta = sorted(set(meta) - {"name", "title", "version", "region", "region_code", "years", "extends"})
    if unknown_meta:
        problems.append(f"[pack] 中有未知的键 {'、'.join(unknown_meta)}")
    years = meta.get("years")
    if (
        not isinstance(years, list)
        or not years
        or not all(isinstance(y, int) and not isinstance(y, bool) and 1980 <= y <= 2100 for y in years)
    ):
        problems.append("[pack] years 应为年份列表，例如 [2020]")
    own: dict[str, Parameter] = {}
    parameters = data.get("parameters", {})
    if not isinstance(parameters, dict):
        return meta, own, [*problems, "[parameters] 应为表"]
    for name, entry in parameters.items():
        spec = PARAMETERS.get(name)
        if spec is None:
            problems.append(f"未知参数 {name}")
            continue
        if not isinstance(entry, dict) or "value" not in entry:
            problems.append(f"参数 {name} 缺少 value")
            continue
        extra = sorted(set(entry) - {"value", "source", "ours"})
        if extra:
            problems.append(f"参数 {name} 中有未知的键 {'、'.join(extra)}")
        if not isinstance(entry.get("source", ""), str) or not isinstance(entry.get("ours", False), bool):
            problems.append(f"参数 {name}：source 应为文字，ours 应为 true 或 false")
            continue
        try:
            value = spec.parse(entry["value"])
        except ValueError as error:
            problems.append(f"参数 {name} {error}")
            continue
        own[name] = Parameter(name, value, entry.get("source", ""), entry.get("ours", False), str(meta.get("name")))
    return meta, own, problems


def _build(path: Path, raw: dict[str, dict[str, Any]], by_name: dict[str, Path], seen: tuple[str, ...]) -> RulePack:
    data = raw[str(path)]
    meta, own, problems = _parse_own(path, data)
    name = str(meta.get("name", path.stem))
    inherited: Mapping[str, Parameter] = {}
    parent_lineage: tuple[str, ...] = ()
    parent_name = meta.get("extends", "")
    if parent_name:
        if parent_name in seen:
            problems.append(f"extends 形成循环：{' → '.join([*seen, parent_name])}")
        elif parent_name not in by_name:
            problems.append(f"extends 指向不存在的规则包「{parent_name}」")
        else:
            try:
                parent = _build(by_name[parent_name], raw, by_name, (*seen, name))
                inherited, parent_lineage = parent.parameters, parent.lineage
            except PackError as error:
                problems.append(f"所继承的规则包有误：{error}")
    parameters = {**inherited, **own}
    missing = [p for p in REQUIRED if p not in parameters]
    if missing:
        problems.append(f"缺少参数 {'、'.join(missing)}")
    years: list[int] = meta["years"] if not problems and isinstance(meta.get("years"), list) else []
    pack = RulePack(
        name=name,
        title=str(meta.get("title", name)),
        version=str(meta.get("version", "")),
        region=str(meta.get("region", "")),
        region_code=str(meta.get("region_code", "")),
        years=tuple(sorted(years)),
        parameters=parameters,
        path=path,
        extends=str(parent_name),
        lineage=(name, *parent_lineage),
    )
    if not problems:
        for year in pack.years:
            if pack.poverty_line(year) is None:
                problems.append(f"缺少 {year} 年的贫困标准（poverty_line，或 line_constant_2010 与 price_index_2010）")
            month, day = pack.value("assessment_date")
            if (month, day) == (2, 29) and not calendar.isleap(year):
                problems.append(f"评估基准日 02-29 在 {year} 年不存在（assessment_date）")
    if problems:
        raise PackError(f"规则包 {path.name}：" + "；".join(problems) + "。")
    return pack


def _declared_name(data: dict[str, Any], path: Path) -> str:
    meta = data.get("pack")
    return str(meta.get("name", path.stem)) if isinstance(meta, dict) else path.stem


def pack_directories() -> list[Path]:
    """Where packs are looked for: the shipped ones, then the county's own."""
    extra = [Path(d) for d in getattr(settings, "RULE_PACK_DIRS", [])]
    return [BUILTIN_DIR, Path(settings.DATA_DIR) / "packs", *extra]


def _scan(directories: Iterable[Path], *, strict: bool) -> tuple[dict[str, dict[str, Any]], dict[str, Path]]:
    """Every pack file's contents by path, and the file of each pack name. ``strict``: a name declared twice
    is an error; otherwise the first file keeps the name."""
    raw: dict[str, dict[str, Any]] = {}
    by_name: dict[str, Path] = {}
    for directory in directories:
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            data = _read(path)
            raw[str(path)] = data
            name = _declared_name(data, path)
            if name in by_name:
                if strict:
                    raise PackError(f"规则包名称「{name}」重复：{by_name[name]} 与 {path}。")
                continue
            by_name[name] = path
    return raw, by_name


def packs_load(directories: Iterable[Path] | None = None) -> dict[str, RulePack]:
    """Every pack in the pack directories, by name. Any broken file or duplicate name is an error."""
    raw, by_name = _scan(directories if directories is not None else pack_directories(), strict=True)
    return {name: _build(path, raw, by_name, ()) for name, path in by_name.items()}


def pack_get(name: str = DEFAULT_PACK) -> RulePack:
    packs = packs_load()
    if name not in packs:
        raise PackError(f"没有名为「{name}」的规则包（可用：{'、'.join(sorted(packs))}）。")
    return packs[name]


def pack_check(path: Path) -> RulePack:
    """Validate one file together with the installed packs it may extend (for ``jingzhun packs check``)."""
    directories = [d for d in pack_directories() if d.resolve() != path.parent.resolve()]
    raw, by_name = _scan(directories, strict=False)
    raw[str(path)] = _read(path)
    by_name[_declared_name(raw[str(path)], path)] = path
    return _build(path, raw, by_name, ())
