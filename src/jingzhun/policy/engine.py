"""The assessment as Ibis expressions (docs/RULES.md §1–§7): written once, compiled for any backend.

Nothing here touches a database. :func:`assessment_plan` takes unbound tables (``registry_tables()``/
``area_table()`` for the app database, the same schemas on DuckDB or Spark) and the resolved
:class:`~jingzhun.policy.packs.YearRules`, and returns a :class:`~jingzhun.core.sets.Plan` whose outputs have
exactly the columns of :class:`~jingzhun.policy.models.HouseholdResult` and
:class:`~jingzhun.policy.models.AreaResult`.

Money is carried as integer cents and every threshold comparison is done in integers — ``pc > line``
becomes ``net_cents > line_cents × n``, and a threshold that is not whole cents (1.5 × a line) is an exact
fraction — so the outcome is exact and the same on every backend; per-capita
income is only divided out for display, rounded half away from zero. Reasons are Chinese text assembled in
SQL from fixed phrases, the members' names and the values that failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import ibis
import ibis.expr.types as ir

from jingzhun.core.sets import Plan
from jingzhun.registry.vocab import LEDGER_TEXT, LEDGER_WORD, EventKind, MedicalInsurance, SchoolStatus

from .models import CATEGORY_TEXT, RESULT_FLAGS, TIER_TEXT, Category, Tier
from .packs import INCOME_ITEMS, YearRules

POOR = ("not_exited", "relapsed")
UNDER_ASSISTANCE = ("not_exited", "relapsed", "pre_exit")
EXITED = ("exited", "exited_no_policy")
ACTIVE = "active"
# The exchange words of the event kinds (docs/LEDGER.md §1c), in the order a reason names the first of them.
_EVENT_TEXT: dict[str, str] = dict(LEDGER_WORD[EventKind])
# Income items added into net income (docs/RULES.md §1); business expense is the one subtracted.
_INCOME_PLUS = tuple(item for item in INCOME_ITEMS if item != "business_expense")
_NAMES_SHOWN = 3  # members named in a reason; more are counted ("等 5 人")


@dataclass(frozen=True)
class Tables:
    households: ir.Table
    members: ir.Table
    incomes: ir.Table
    events: ir.Table
    areas: ir.Table


def _cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


def _ratio(value: Decimal) -> tuple[int, int]:
    """A decimal parameter as an exact fraction p/q, for integer comparisons."""
    fraction = Fraction(value)
    return fraction.numerator, fraction.denominator


def _per_person(net: ir.IntegerValue, n: ir.IntegerValue, amount: Decimal) -> tuple[ir.IntegerValue, ir.IntegerValue]:
    """Per-capita income against a per-person amount in yuan, as two integers: ``net / n ⋚ amount`` ⇔
    ``left ⋚ right``. The amount is an exact fraction p/q of cents, since it need not be whole cents
    (1.5 × a line of 3208.75 is 4813.125): ``net × q ⋚ n × p``."""
    p, q = _ratio(amount * 100)
    return (net if q == 1 else net * q), n * p


def _hundredths(column: ir.Value) -> ir.IntegerValue:
    """A decimal column with two places as an exact integer count of hundredths (NULL stays NULL)."""
    return (column.cast("decimal(16, 2)") * 100).round().cast("int64")


def _money_cents(column: ir.Value) -> ir.IntegerValue:
    """An amount in cents; a blank amount is 0 (docs/LEDGER.md §1)."""
    return _hundredths(column).fill_null(0)


def _one_if(condition: ir.BooleanValue) -> ir.IntegerValue:
    """1 where the condition holds, else 0 (PostgreSQL has no boolean → bigint cast)."""
    return ibis.ifelse(condition.fill_null(False), 1, 0)


def _remainder(value: ir.IntegerValue, divisor: int) -> ir.IntegerValue:
    """``value mod divisor`` for value ≥ 0, in integer arithmetic: SQLite's ``MOD()`` returns a float."""
    return value - (value // divisor).cast("int64") * divisor


def _two_digits(value: ir.IntegerValue) -> ir.StringValue:
    return ibis.ifelse(value < 10, "0", "") + value.cast("string")


def _fixed_text(hundredths: ir.IntegerValue) -> ir.StringValue:
    """An integer count of hundredths as ``1234.56`` (``-0.50`` for negatives): the same text on every backend."""
    magnitude = hundredths.abs()
    return (
        ibis.ifelse(hundredths < 0, "-", "")
        + (magnitude // 100).cast("int64").cast("string")
        + "."
        + _two_digits(_remainder(magnitude, 100))
    )


def _short_text(hundredths: ir.IntegerValue) -> ir.StringValue:
    """Hundredths as a short number: ``35``, ``35.5``, ``35.25``."""
    whole = (hundredths.abs() // 100).cast("int64").cast("string")
    rest = _remainder(hundredths.abs(), 100)
    return (
        ibis.ifelse(hundredths < 0, "-", "")
        + whole
        + ibis.cases(
            (rest == 0, ""),
            (_remainder(rest, 10) == 0, "." + (rest // 10).cast("int64").cast("string")),
            else_="." + _two_digits(rest),
        )
    )


def _number_text(value: Decimal) -> str:
    """A parameter as users write it: ``35``, ``3208.75``, ``1.5``."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _rounded_quotient(numerator: ir.IntegerValue, denominator: ir.IntegerValue) -> ir.IntegerValue:
    """numerator / denominator rounded half away from zero, in integers (denominator > 0)."""
    magnitude = ((numerator.abs() * 2 + denominator) // (denominator * 2)).cast("int64")
    return ibis.ifelse(numerator < 0, -magnitude, magnitude)


def _label(column: ir.StringValue, vocabulary: Any, blank: str = "未填写") -> ir.StringValue:
    """The ledger's Chinese word for a stored code."""
    cases = [(column == code, text) for text, code in LEDGER_TEXT[vocabulary].items()]
    return ibis.cases(*cases, else_=blank)


def _age(birth: ir.DateValue, rules: YearRules) -> ir.IntegerValue:
    on = rules.assessment_date
    later_in_year = birth.month() * 100 + birth.day() > on.month * 100 + on.day
    return (on.year - birth.year() - ibis.ifelse(later_in_year, 1, 0)).cast("int64")


def _name_list(flagged: ir.Table, text: ir.StringValue, key: str) -> ir.Table:
    """Per household: how many members are flagged and the first few of them, as ``甲、乙、丙等 5 人``."""
    numbered = flagged.mutate(
        _text=text, _rank=ibis.row_number().over(group_by=flagged.household_id, order_by=flagged.id)
    )
    parts = {f"_p{i}": numbered._text.max(where=numbered._rank == i) for i in range(_NAMES_SHOWN)}
    grouped = numbered.group_by(household_id=numbered.household_id).aggregate(_n=numbered.count(), **parts)
    names = grouped._p0
    for i in range(1, _NAMES_SHOWN):
        names = names + ibis.ifelse(grouped[f"_p{i}"].isnull(), "", "、" + grouped[f"_p{i}"])
    names = names + ibis.ifelse(grouped._n > _NAMES_SHOWN, "等 " + grouped._n.cast("string") + " 人", "")
    return grouped.select(household_id=grouped.household_id, **{f"{key}_n": grouped._n, f"{key}_names": names})


def _within_area(households: ir.Table, area_prefix: str) -> ir.Table:
    return households.filter(households.village_id.startswith(area_prefix)) if area_prefix else households


def assessment_plan(
    tables: Tables,
    rules: YearRules,
    *,
    run_id: int,
    area_prefix: str = "",
    household_table: str = "policy_householdresult",
    area_table: str = "policy_arearesult",
) -> Plan:
    """The whole assessment of one year as a plan of a few statements (docs/RULES.md §1–§7).

    Outputs one row per household in scope (columns of ``HouseholdResult``) and one per village, town and
    county in scope (columns of ``AreaResult``).
    """
    plan = Plan()
    members = plan.step("jz_assess_members", _member_facts(tables, rules))
    facts = plan.step("jz_assess_facts", _household_facts(tables, rules, members, area_prefix))
    flags = plan.step("jz_assess_flags", _household_flags(facts, rules))
    plan.output(household_table, _household_rows(flags, rules, run_id))
    plan.output(area_table, _area_rows(plan, tables, rules, members, run_id, area_prefix))
    return plan


def _member_facts(tables: Tables, rules: YearRules) -> ir.Table:
    """Per household: active members, labor, and who fails compulsory education or medical insurance."""
    members = tables.members.filter(tables.members.status == ACTIVE)
    members = members.mutate(age=_age(members.birth_date, rules))
    size = members.group_by(household_id=members.household_id).aggregate(
        n=members.count(),
        full_labor=_one_if(members.labor.isin(["skilled", "ordinary"])).max(),
        weak_labor=_one_if(members.labor == "weak").max(),
    )
    low, high = rules.compulsory_age
    out_of_school = members.filter(
        members.age.between(low, high) & members.school_status.isin(["dropped_out", "not_in_school"])
    )
    education = _name_list(
        out_of_school,
        out_of_school.name
        + "（"
        + out_of_school.age.cast("string")
        + " 岁，在校生状况为"
        + _label(out_of_school.school_status, SchoolStatus)
        + "）",
        "edu",
    )
    insured = members.medical_insurance.isin(["resident", "employee"]).fill_null(False)
    uninsured = members.filter(~insured)
    medical = _name_list(
        uninsured,
        uninsured.name + "（基本医疗保险" + _label(uninsured.medical_insurance, MedicalInsurance) + "）",
        "med",
    )
    joined = size.left_join(education, size.household_id == education.household_id).left_join(
        medical, size.household_id == medical.household_id
    )
    return joined.select(
        household_id=size.household_id,
        n=size.n,
        full_labor=size.full_labor,
        weak_labor=size.weak_labor,
        edu_n=education.edu_n.fill_null(0),
        edu_names=education.edu_names,
        med_n=medical.med_n.fill_null(0),
        med_names=medical.med_names,
    )


def _net_cents(income: ir.Table) -> ir.IntegerValue:
    total = _money_cents(income["wage"])
    for item in _INCOME_PLUS[1:]:
        total = total + _money_cents(income[item])
    return total - _money_cents(income["business_expense"])


def _household_facts(tables: Tables, rules: YearRules, members: ir.Table, area_prefix: str) -> ir.Table:
    """Households in scope with everything the indicators read, money and measures in integer hundredths."""
    year = rules.year
    this_year = tables.incomes.filter(tables.incomes.year == year)
    this_year = this_year.select(
        household_id=this_year.household_id,
        net=_net_cents(this_year),
        medical_cost=_money_cents(this_year.medical_self_paid),
    )
    last_year = tables.incomes.filter(tables.incomes.year == year - 1)
    last_year = last_year.select(household_id=last_year.household_id, prev_net=_net_cents(last_year))
    events = tables.events.filter(tables.events.occurred_on.year() == year)
    events = events.group_by(household_id=events.household_id).aggregate(
        event_n=events.count(),
        event_loss=_money_cents(events.loss).sum(),
        # The kind named is the first in _EVENT_TEXT's order: a minimum of text would follow the collation.
        event_rank=ibis.cases(
            *[(events.kind == k, i) for i, k in enumerate(_EVENT_TEXT)], else_=len(_EVENT_TEXT)
        ).min(),
    )
    villages = tables.areas.select(village_code=tables.areas.code, water_scarce=tables.areas.water_scarce)
    h = _within_area(tables.households, area_prefix)
    joined = (
        h.left_join(members, h.id == members.household_id)
        .left_join(this_year, h.id == this_year.household_id)
        .left_join(last_year, h.id == last_year.household_id)
        .left_join(events, h.id == events.household_id)
        .left_join(villages, h.village_id == villages.village_code)
    )

    n = members.n.fill_null(0)
    return joined.select(
        household_id=h.id,
        household_no=h.household_no,
        village_code=h.village_id,
        poverty_status=h.poverty_status,
        food_clothing=h.food_clothing_ok,
        housing_grade=h.housing_grade,
        relocation=h.relocation,
        water_quality=h.water_quality_ok,
        water_piped=h.water_piped,
        lpd=_hundredths(h.water_lpd),
        fetch=_hundredths(h.water_fetch_minutes),
        supply=_hundredths(h.water_supply_rate),
        min_lpd=ibis.ifelse(
            villages.water_scarce.fill_null(False), _cents(rules.water_min_lpd_scarce), _cents(rules.water_min_lpd)
        ),
        n=n,
        full_labor=members.full_labor.fill_null(0),
        weak_labor=members.weak_labor.fill_null(0),
        edu_n=members.edu_n.fill_null(0),
        edu_names=members.edu_names,
        med_n=members.med_n.fill_null(0),
        med_names=members.med_names,
        has_income=this_year.household_id.notnull(),
        net=this_year.net,
        pc=_rounded_quotient(this_year.net, ibis.ifelse(n > 0, n, 1)),
        medical_cost=this_year.medical_cost.fill_null(0),
        prev_net=last_year.prev_net,
        event_n=events.event_n.fill_null(0),
        event_loss=events.event_loss.fill_null(0),
        event_kind=ibis.cases(
            *[(events.event_rank == i, t) for i, t in enumerate(_EVENT_TEXT.values())],
            else_=ibis.ifelse(events.event_rank.isnull(), ibis.null("string"), "其他"),
        ),
    )


def _household_flags(t: ir.Table, rules: YearRules) -> ir.Table:
    """Every indicator, trigger and outcome as a column (docs/RULES.md §3, §4, §6, §7)."""
    year = rules.year
    no_member = t.n == 0
    no_income = ~t.has_income
    n, net = t.n, t.net
    line_left, line_right = _per_person(net, n, rules.poverty_line)
    low_left, low_right = _per_person(net, n, rules.monitoring_threshold)
    high_left, high_right = _per_person(net, n, rules.monitoring_threshold * rules.high_quality_multiple)

    water_quality_ok = t.water_quality.fill_null(False)
    water_quantity_ok = (t.lpd >= t.min_lpd).fill_null(False)
    water_access_ok = t.water_piped.fill_null(False) | (t.fetch <= _cents(rules.water_max_fetch_minutes)).fill_null(
        False
    )
    water_supply_ok = (t.supply >= _cents(rules.water_min_supply_rate)).fill_null(False)
    indicators = {
        "income_ok": line_left > line_right,
        "food_clothing_ok": t.food_clothing.fill_null(True),
        "education_ok": t.edu_n == 0,
        "medical_ok": t.med_n == 0,
        "housing_ok": t.housing_grade.isin(["A", "B"]).fill_null(False) | (t.relocation == "living").fill_null(False),
        "water_ok": water_quality_ok & water_quantity_ok & water_access_ok & water_supply_ok,
    }
    meets = ibis.literal(True)
    for name in rules.household_criteria:
        meets = meets & indicators[name]

    drop_p, drop_q = _ratio(rules.income_drop_share)
    share_p, share_q = _ratio(rules.medical_burden_income_share)
    low_income = low_left < low_right
    income_drop = (t.prev_net > 0).fill_null(False) & (net * drop_q < t.prev_net * (drop_q - drop_p)).fill_null(False)
    medical_burden = (t.medical_cost > _cents(rules.medical_burden_amount)) | ibis.ifelse(
        net > 0, t.medical_cost * share_q > net * share_p, t.medical_cost > 0
    )
    sudden_event = t.event_n > 0
    flagged = low_income | income_drop | medical_burden | sudden_event
    status = t.poverty_status
    return t.mutate(
        # Numbers as text for the reasons, made here so that the reasons statement only refers to columns.
        pc_text=_fixed_text(t.pc),
        net_text=_fixed_text(t.net),
        prev_net_text=_fixed_text(t.prev_net.fill_null(0)),
        medical_cost_text=_fixed_text(t.medical_cost),
        event_loss_text=_fixed_text(t.event_loss),
        lpd_text=_short_text(t.lpd),
        min_lpd_text=_short_text(t.min_lpd),
        fetch_text=_short_text(t.fetch),
        supply_text=_short_text(t.supply),
        assessed=~(no_member | no_income),
        exclusion=ibis.cases(
            (no_member & no_income, f"无在册成员，且无 {year} 年收入记录"),
            (no_member, "无在册成员（家庭人口为 0）"),
            (no_income, f"无 {year} 年收入记录"),
            else_="",
        ),
        **indicators,
        water_quality_ok=water_quality_ok,
        water_quantity_ok=water_quantity_ok,
        water_access_ok=water_access_ok,
        water_supply_ok=water_supply_ok,
        meets_standard=meets,
        exit_eligible=status.isin(UNDER_ASSISTANCE) & meets,
        identify_candidate=(status == "non_poor") & (line_left <= line_right),
        relapse_candidate=status.isin(EXITED) & ~meets,
        low_income=low_income,
        income_drop=income_drop,
        medical_burden=medical_burden,
        sudden_event=sudden_event,
        monitoring_flag=flagged,
        # Only exited households are tiered; every other household has none (docs/RULES.md §7).
        tier=ibis.cases(
            (~status.isin(EXITED), ""),
            ((t.full_labor == 0) & (t.weak_labor == 0), Tier.FRAGILE.value),
            ((t.full_labor == 0) | low_income, Tier.GENERAL.value),
            (high_left >= high_right, Tier.HIGH_QUALITY.value),
            else_=Tier.STABLE.value,
        ),
        suggested_category=ibis.cases(
            (~flagged, ""),
            (status.isin(EXITED), Category.UNSTABLE.value),
            ((status == "non_poor") & sudden_event & (t.event_loss > net), Category.SUDDEN.value),
            (status == "non_poor", Category.MARGINAL.value),
            else_="",
        ),
    )


def _household_rows(t: ir.Table, rules: YearRules, run_id: int) -> ir.Table:
    """The stored result: flags of assessed households, reasons in Chinese, exclusions spelled out."""
    medical_amount = _cents(rules.medical_burden_amount)

    def number(value: Decimal) -> ir.StringValue:
        return _number_text(value)

    water = _joined(
        [
            (t.water_quality.isnull(), ibis.literal("饮水水质未填写")),
            (~t.water_quality_ok & t.water_quality.notnull(), ibis.literal("饮水水质不达标")),
            (t.lpd.isnull(), ibis.literal("每人每日水量未填写")),
            (
                t.lpd.notnull() & ~t.water_quantity_ok,
                "每人每日水量 " + t.lpd_text + " 升，低于 " + t.min_lpd_text + " 升",
            ),
            (~t.water_access_ok & t.fetch.isnull(), ibis.literal("未通自来水，取水往返时间未填写")),
            (
                ~t.water_access_ok & t.fetch.notnull(),
                "未通自来水，取水往返 "
                + t.fetch_text
                + " 分钟，超过 "
                + number(rules.water_max_fetch_minutes)
                + " 分钟",
            ),
            (t.supply.isnull(), ibis.literal("供水保证率未填写")),
            (
                t.supply.notnull() & ~t.water_supply_ok,
                "供水保证率 " + t.supply_text + "%，低于 " + number(rules.water_min_supply_rate) + "%",
            ),
        ],
        "，",
    )
    grade = t.housing_grade.fill_null("")
    pieces = [
        (
            ~t.income_ok,
            "收入不达标：人均纯收入 " + t.pc_text + " 元，未超过贫困标准 " + _number_text(rules.poverty_line) + " 元",
        ),
        (~t.food_clothing_ok, ibis.literal("不愁吃不愁穿：填报为「否」")),
        (~t.education_ok, "义务教育无保障：" + t.edu_names.fill_null("")),
        (~t.medical_ok, "基本医疗无保障：" + t.med_names.fill_null("")),
        (
            ~t.housing_ok,
            "住房安全无保障："
            + ibis.ifelse(grade == "", "住房安全等级未填写", "住房安全等级为 " + grade)
            + "，且未易地搬迁入住",
        ),
        (~t.water_ok, "饮水安全无保障：" + water),
        (
            t.low_income,
            "低收入：人均纯收入 " + t.pc_text + " 元，低于监测范围 " + _number_text(rules.monitoring_threshold) + " 元",
        ),
        (
            t.income_drop,
            "收入骤减：纯收入由上年 "
            + t.prev_net_text
            + " 元降至 "
            + t.net_text
            + " 元，降幅超过 "
            + number(rules.income_drop_share * 100)
            + "%",
        ),
        (
            t.medical_burden,
            "大病负担：自付医疗费用 "
            + t.medical_cost_text
            + " 元，"
            + ibis.cases(
                (t.medical_cost > medical_amount, "超过 " + _number_text(rules.medical_burden_amount) + " 元"),
                (t.net > 0, "超过纯收入的 " + number(rules.medical_burden_income_share * 100) + "%"),
                else_="而纯收入不为正",
            ),
        ),
        (
            t.sudden_event,
            f"突发事件：{rules.year} 年记录"
            + t.event_kind.fill_null("")
            + ibis.ifelse(t.event_n > 1, "等 " + t.event_n.cast("string") + " 起", "")
            + "，损失 "
            + t.event_loss_text
            + " 元",
        ),
    ]

    def when_assessed(value: ir.Value) -> ir.Value:
        return ibis.ifelse(t.assessed, value, ibis.null(value.type()))

    return t.select(
        run_id=ibis.literal(run_id, type="int64"),
        household_id=t.household_id,
        household_no=t.household_no,
        village_code=t.village_code,
        poverty_status=t.poverty_status,
        size=t.n,
        net_income_cents=when_assessed(t.net),
        income_per_capita_cents=when_assessed(t.pc),
        **{name: when_assessed(t[name]) for name in RESULT_FLAGS},
        tier=ibis.ifelse(t.assessed, t.tier, ""),
        suggested_category=ibis.ifelse(t.assessed, t.suggested_category, ""),
        reasons=ibis.ifelse(t.assessed, _joined(pieces, "；"), t.exclusion),
        exclusion=t.exclusion,
    )


def _joined(pieces: list[tuple[ir.BooleanValue, ir.StringValue]], separator: str) -> ir.StringValue:
    """The texts whose condition holds, joined by ``separator`` (empty when none holds).

    Built as one flat ``a || b || c`` so that SQLite's parser, whose stack is shallow, accepts it.
    """
    parts = [ibis.ifelse(condition.fill_null(False), separator + piece, "") for condition, piece in pieces]
    if not parts:
        return ibis.literal("")
    text = parts[0].concat(*parts[1:]) if len(parts) > 1 else parts[0]
    return text.substr(len(separator))


def _area_rows(
    plan: Plan, tables: Tables, rules: YearRules, people: ir.Table, run_id: int, area_prefix: str
) -> ir.Table:
    """One row per village, town and county in scope with the columns of ``AreaResult`` (docs/RULES.md §5)."""
    households = _within_area(tables.households, area_prefix)
    poor = households.filter(households.poverty_status.isin(POOR))
    poor = poor.join(people, poor.id == people.household_id)
    poor_by_village = poor.group_by(village_code=poor.village_id).aggregate(poor=poor.n.sum())

    areas = tables.areas
    villages = areas.filter(areas.level == "village")
    if area_prefix:
        villages = villages.filter(villages.code.startswith(area_prefix))
    v = villages.left_join(poor_by_village, villages.code == poor_by_village.village_code)
    criteria_text = {
        "collective_economy": "无集体经济或合作社",
        "paved_road": "未通硬化路",
        "power": "未通动力电",
        "clinic": "无标准化村卫生室",
    }
    v = v.select(
        code=villages.code,
        population=villages.population,
        west=_one_if(villages.west),
        poor=poor_by_village.poor.fill_null(0).cast("int64"),
        criteria_failed=_joined(
            [
                (~villages[field].fill_null(False), ibis.literal(criteria_text[field]))
                for field in rules.village_criteria
            ],
            "；",
        ),
    )

    villages_step = plan.step("jz_assess_villages", v)

    def level(grouped: ir.Table, name: str, pct: Decimal, pct_west: Decimal) -> ir.Table:
        """The rows of one level with their incidence in basis points and the limit that applies."""
        population = grouped.population
        known = population.notnull() & (population > 0)
        normal_p, normal_q = _ratio(pct)
        west_p, west_q = _ratio(pct_west)
        west = grouped.west > 0
        return grouped.select(
            code=grouped.code,
            level=ibis.literal(name),
            population=population,
            poor=grouped.poor,
            known=known,
            incidence=ibis.ifelse(
                known, _rounded_quotient(grouped.poor * 10000, ibis.ifelse(known, population, 1)), ibis.null("int64")
            ),
            # incidence < pct  ⇔  poor × 100 × q < p × population, in integers
            below=ibis.ifelse(
                west,
                grouped.poor * 100 * west_q < population * west_p,
                grouped.poor * 100 * normal_q < population * normal_p,
            ).fill_null(False),
            limit_text=ibis.ifelse(west, "西部地区 " + _number_text(pct_west) + "%", _number_text(pct) + "%"),
            criteria_failed=grouped.criteria_failed,
        )

    def rollup(prefix_length: int) -> ir.Table:
        t = villages_step
        code = t.code.substr(0, prefix_length) + "0" * (12 - prefix_length)
        grouped = t.group_by(code=code).aggregate(
            unknown=_one_if(t.population.isnull()).sum(),
            total=t.population.sum(),
            poor=t.poor.sum(),
            west=t.west.max(),
        )
        return grouped.select(
            code=grouped.code,
            population=ibis.ifelse(grouped.unknown > 0, ibis.null("int64"), grouped.total),
            poor=grouped.poor,
            west=grouped.west,
            criteria_failed=ibis.literal(""),
        )

    village_pct, village_west = rules.village_exit_incidence_pct, rules.village_exit_incidence_pct_west
    rows = level(villages_step, "village", village_pct, village_west)
    # A run scoped to a town reports no county row: a part of a county says nothing about the county.
    if len(area_prefix) <= 9:
        # Towns are not units of exit in docs/RULES.md §5; their row applies the village incidence test as a guide.
        rows = rows.union(level(rollup(9), "town", village_pct, village_west))
    if len(area_prefix) <= 6:
        rows = rows.union(
            level(rollup(6), "county", rules.county_exit_incidence_pct, rules.county_exit_incidence_pct_west)
        )
    a = plan.step("jz_assess_areas", rows)
    incidence_reason = ibis.cases(
        (~a.known, "户籍人口未知，无法计算贫困发生率"),
        (~a.below, "贫困发生率 " + _fixed_text(a.incidence) + "%，未低于 " + a.limit_text),
        else_="",
    )
    return a.select(
        run_id=ibis.literal(run_id, type="int64"),
        area_code=a.code,
        level=a.level,
        population=a.population,
        poor_population=a.poor,
        incidence_bp=a.incidence,
        exit_eligible=a.known & a.below & (a.criteria_failed == ""),
        reasons=_joined([(~a.known | ~a.below, incidence_reason), (a.criteria_failed != "", a.criteria_failed)], "；"),
    )


TIER_NAMES = {tier.value: text for tier, text in TIER_TEXT.items()}
CATEGORY_NAMES = {category.value: text for category, text in CATEGORY_TEXT.items()}


# --- pieces other apps build on (the benefits center's entitlements: docs/RULES.md §12 reads §1) ---------------


def household_sizes(members: ir.Table) -> ir.Table:
    """Per household with an active member: ``household_id`` and ``n``, its size (docs/RULES.md §1)."""
    active = members.filter(members.status == ACTIVE)
    return active.group_by(household_id=active.household_id).aggregate(n=active.count())


def net_income_cents(income: ir.Table) -> ir.IntegerValue:
    """A household's annual net income of an income row, in integer cents (docs/RULES.md §1: every item, minus
    business expense; a blank item is 0)."""
    return _net_cents(income)


def money_cents(column: ir.Value) -> ir.IntegerValue:
    """A money column in integer cents; blank is 0."""
    return _money_cents(column)


def rounded_quotient(numerator: ir.IntegerValue, denominator: ir.IntegerValue | int) -> ir.IntegerValue:
    """``numerator / denominator`` rounded half away from zero, in integers (denominator > 0)."""
    return _rounded_quotient(numerator, denominator)  # type: ignore[arg-type]


def age_at_year_end(birth: ir.DateValue, year: int) -> ir.IntegerValue:
    """Full years at 31 December of ``year`` (docs/RULES.md §12)."""
    return (year - birth.year()).cast("int64")


def one_if(condition: ir.BooleanValue) -> ir.IntegerValue:
    """1 where the condition holds, else 0."""
    return _one_if(condition)
