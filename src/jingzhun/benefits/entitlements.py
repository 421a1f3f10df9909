"""Who is entitled to what in a year (docs/RULES.md §12): the catalogue compiled into Ibis expressions.

The catalogue (``catalogue.py``: its docstring is the meaning of every condition and amount kind) is data; this
module turns each of its benefits into one set-based query producing rows ``(benefit, household_id, member_id,
amount_cents)`` — ``member_id`` NULL for a household benefit — and unions them. Nothing here touches a database:
:func:`entitlement_plan` returns a :class:`~jingzhun.core.sets.Plan` whose output is the rows of
:class:`~jingzhun.benefits.models.Entitlement` (``INSERT … SELECT``), and :func:`entitlement_rows` the same rows
as one inline expression, narrowed to one household, for the live view of a household.

Semantics, exactly:

- Covered households (享受政策对象): ``poverty_status`` in ``COVERED_STATUSES`` or an open monitoring case
  (``closed_on`` NULL). A benefit with ``covered = true`` is only for them.
- Only active members (在册) count: household size is the number of active members (§1, the assessment's own
  :func:`~jingzhun.policy.engine.household_sizes`), and only active members get member entitlements. A household
  without an active member is a data error (§1) and is entitled to nothing.
- Age at 31 December of the year, both ends of ``age`` included.
- Income is the household's net income of the year in integer cents (the assessment's
  :func:`~jingzhun.policy.engine.net_income_cents`). A household without an income row for the year is not
  assessed by the assessment (「无 Y 年收入记录」), and likewise is not judged here: no benefit whose amount
  depends on income (``shortfall``, ``share``) is computed for it. Other benefits do not read income.
- Amounts are integer cents: ``shortfall`` is ``standard × n − net`` (= (standard − pc) × n, exact; entitled only
  when pc < standard strictly, i.e. ``net < standard × n``), where ``net`` leaves out the benefit's own income item
  (the 低保金 already received does not count against 低保: otherwise paying it would undo its own entitlement)
  and the items of the amount's ``disregard`` list (不计入家庭收入); ``share`` is the item × share rounded half up to the
  cent, capped, entitled when positive; ``post_wage`` is Σ monthly pay × months held in the year (a month counts
  when the post was held on any day of it); ``loan_subsidy`` is Σ amount × subsidy rate / 100 × months outstanding
  / 12, rounded half up to the cent once for the household (a loan is outstanding in a month when issued on or
  before its last day and not repaid before its first day).
- A benefit whose amount has no value for the year (``Catalogue.problems_for``) is skipped by the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import ibis
import ibis.expr.types as ir

from jingzhun.core.sets import Plan, model_table
from jingzhun.monitoring.models import MonitoringCase
from jingzhun.policy.engine import (
    age_at_year_end,
    household_sizes,
    money_cents,
    net_income_cents,
    one_if,
    rounded_quotient,
)
from jingzhun.registry.selectors import registry_tables

from .catalogue import COVERED_STATUSES, MEMBER_FIELDS, SHARE_OF, Benefit, Catalogue
from .models import Entitlement, Loan, Post

ACTIVE = "active"
ROW_COLUMNS = ("benefit", "household_id", "member_id", "amount_cents")


@dataclass(frozen=True)
class Sources:
    households: ir.Table
    members: ir.Table
    incomes: ir.Table
    events: ir.Table
    cases: ir.Table
    posts: ir.Table
    loans: ir.Table


def source_tables() -> Sources:
    """The app database's tables as the entitlement queries read them."""
    registry = registry_tables()
    return Sources(
        households=registry["households"],
        members=registry["members"],
        incomes=registry["incomes"],
        events=registry["events"],
        cases=model_table(MonitoringCase, ["id", "household", "closed_on"]),
        posts=model_table(Post, ["id", "benefit", "household", "holder", "monthly_pay", "started_on", "ended_on"]),
        loans=model_table(Loan, ["id", "household", "amount", "subsidy_rate", "issued_on", "repaid_on"]),
    )


def benefits_for_year(catalogue: Catalogue, year: int) -> tuple[list[Benefit], dict[str, str]]:
    """The benefits computed for ``year`` and, by code, why the others are skipped."""
    skipped = catalogue.problems_for(year)
    return [b for code, b in catalogue.benefits.items() if code not in skipped], skipped


def _cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


def _known(value: Decimal | None) -> Decimal:
    """A value the catalogue's validation guarantees for the kind (a benefit skipped for the year never gets here)."""
    if value is None:
        raise ValueError("catalogue amount without a value")
    return value


def _months(start: ir.DateValue, end: ir.DateValue, year: int) -> ir.IntegerValue:
    """Months of ``year`` in which [start, end] (end NULL: open) holds on at least one day (0 when none)."""
    first = ibis.cases(
        (start.year() < year, 1),
        (start.year() == year, start.month().cast("int64")),
        else_=13,
    )
    last = ibis.cases(
        (end.isnull(), 12),
        (end.year() > year, 12),
        (end.year() == year, end.month().cast("int64")),
        else_=0,
    )
    span = (last - first + 1).cast("int64")
    return ibis.ifelse(span > 0, span, 0)


Step = Callable[..., ir.Table]


def _inline(name: str, expr: ir.Table, **_: Any) -> ir.Table:
    return expr


def _build(
    sources: Sources,
    benefits: list[Benefit],
    year: int,
    *,
    area_prefix: str = "",
    household_id: int | ir.Value | None = None,
    step: Step = _inline,
) -> ir.Table:
    """The union of every benefit's rows; ``step`` materialises intermediate tables (a plan) or inlines them."""
    households = sources.households
    members = sources.members
    incomes = sources.incomes
    events = sources.events
    cases = sources.cases
    posts = sources.posts
    loans = sources.loans
    if household_id is not None:
        households = households.filter(households.id == household_id)
        members = members.filter(members.household_id == household_id)
        incomes = incomes.filter(incomes.household_id == household_id)
        events = events.filter(events.household_id == household_id)
        cases = cases.filter(cases.household_id == household_id)
        posts = posts.filter(posts.household_id == household_id)
        loans = loans.filter(loans.household_id == household_id)
    if area_prefix:
        households = households.filter(households.village_id.startswith(area_prefix))

    # Households: covered, size, income of the year, the events of the year each benefit asks for.
    sizes = household_sizes(members)
    this_year = incomes.filter(incomes.year == year)
    income_columns: dict[str, Any] = {"net": net_income_cents(this_year)}
    share_items = sorted(
        {b.amount.of for b in benefits if b.amount.kind == "share"}
        | {item for b in benefits if b.amount.kind == "shortfall" for item in _disregarded(b)}
    )
    for item in share_items:
        if item in SHARE_OF:
            income_columns[f"i_{item}"] = money_cents(this_year[item])
    income = this_year.select(household_id=this_year.household_id, **income_columns)
    open_cases = cases.filter(cases.closed_on.isnull())
    open_cases = open_cases.group_by(household_id=open_cases.household_id).aggregate(open_n=open_cases.count())
    event_benefits = [b for b in benefits if b.events]
    in_year = events.filter(events.occurred_on.year() == year)
    event_flags = in_year.group_by(household_id=in_year.household_id).aggregate(
        _event_n=in_year.count(),
        **{f"ev_{i}": one_if(in_year.kind.isin(list(b.events))).max() for i, b in enumerate(event_benefits)},
    )
    joined = (
        households.left_join(sizes, households.id == sizes.household_id)
        .left_join(income, households.id == income.household_id)
        .left_join(open_cases, households.id == open_cases.household_id)
        .left_join(event_flags, households.id == event_flags.household_id)
    )
    facts = joined.select(
        household_id=households.id,
        h_poverty_status=households.poverty_status.fill_null(""),
        h_attribute=households.attribute.fill_null(""),
        h_housing_grade=households.housing_grade.fill_null(""),
        h_relocation=households.relocation.fill_null(""),
        covered=one_if(
            households.poverty_status.isin([str(s) for s in COVERED_STATUSES]) | open_cases.open_n.notnull()
        ),
        n=sizes.n.fill_null(0).cast("int64"),
        has_income=one_if(income.household_id.notnull()),
        net=income.net.fill_null(0).cast("int64"),
        **{name: income[name].fill_null(0).cast("int64") for name in income_columns if name != "net"},
        **{f"ev_{i}": event_flags[f"ev_{i}"].fill_null(0).cast("int64") for i in range(len(event_benefits))},
    )
    facts = facts.filter(facts.n > 0)
    h = step("jz_ent_households", facts, key="household_id")

    # Active members with their household's facts.
    active = members.filter(members.status == ACTIVE)
    m_joined = active.join(h, active.household_id == h.household_id)
    member_facts = m_joined.select(
        member_id=active.id,
        household_id=active.household_id,
        age=age_at_year_end(active.birth_date, year),
        **{f"m_{name}": active[name].fill_null("") for name in MEMBER_FIELDS},
        **{name: h[name] for name in h.columns if name != "household_id"},
    )
    m = step("jz_ent_members", member_facts, key="member_id")

    # Posts held in the year, by member and benefit; loans outstanding in the year, by household.
    post_codes = [b.code for b in benefits if b.post or b.amount.kind == "post_wage"]
    held = None
    if post_codes:
        p = posts.filter(posts.benefit.isin(post_codes))
        p = p.mutate(months=_months(p.started_on, p.ended_on, year))
        p = p.filter(p.months > 0)
        p = p.group_by(member_id=p.holder_id, post_benefit=p.benefit).aggregate(
            months=p.months.sum().cast("int64"), wage=(money_cents(p.monthly_pay) * p.months).sum().cast("int64")
        )
        held = step("jz_ent_posts", p)
    owed = None
    if any(b.loan or b.amount.kind == "loan_subsidy" for b in benefits):
        loan = loans.mutate(
            months=_months(loans.issued_on, loans.repaid_on, year),
            cents=money_cents(loans.amount),
            milli=(loans.subsidy_rate.cast("decimal(16, 3)") * 1000).round().cast("int64").fill_null(0),
        )
        loan = loan.filter(loan.months > 0)
        owed = step(
            "jz_ent_loans",
            loan.group_by(household_id=loan.household_id).aggregate(
                subsidy=(loan.cents * loan.milli * loan.months).sum().cast("int64")
            ),
        )

    parts = [_benefit_rows(b, year, h, m, held, owed, event_benefits) for b in benefits]
    if not parts:
        return ibis.memtable(
            {"benefit": [], "household_id": [], "member_id": [], "amount_cents": []},
            schema={"benefit": "string", "household_id": "int64", "member_id": "int64", "amount_cents": "int64"},
        )
    rows = parts[0] if len(parts) == 1 else ibis.union(*parts, distinct=False)
    return rows


def _benefit_rows(
    benefit: Benefit,
    year: int,
    h: ir.Table,
    m: ir.Table,
    held: Any,
    owed: Any,
    event_benefits: list[Benefit],
) -> ir.Table:
    """One benefit's rows ``(benefit, household_id, member_id, amount_cents)``."""
    t = m if benefit.per_member else h
    amount = benefit.amount
    if benefit.post or amount.kind == "post_wage":
        mine = held.filter(held.post_benefit == benefit.code)
        t = t.join(mine, t.member_id == mine.member_id).select(*t.columns, post_months=mine.months, wage=mine.wage)
    if benefit.loan or amount.kind == "loan_subsidy":
        t = t.join(owed, t.household_id == owed.household_id).select(*t.columns, subsidy=owed.subsidy)
    keep: list[ir.BooleanValue] = []
    if benefit.covered:
        keep.append(t.covered == 1)
    for condition in benefit.conditions:
        prefix = "m_" if condition.field in MEMBER_FIELDS else "h_"
        test = t[prefix + condition.field].isin(list(condition.values))
        keep.append(~test if condition.negated else test)
    if benefit.age is not None:
        keep.append(t.age.between(benefit.age[0], benefit.age[1]))
    if benefit.events:
        keep.append(t[f"ev_{event_benefits.index(benefit)}"] == 1)
    if benefit.post or amount.kind == "post_wage":
        keep.append(t.post_months > 0)
    if amount.kind in ("shortfall", "share"):
        keep.append(t.has_income == 1)
    if keep:
        t = t.filter(*keep)
    rows = t.select(
        benefit=ibis.literal(benefit.code),
        household_id=t.household_id,
        member_id=t.member_id if benefit.per_member else ibis.null("int64"),
        amount_cents=_amount_cents(benefit, year, t),
    )
    return rows.filter(rows.amount_cents.notnull() & (rows.amount_cents > 0))


def _amount_cents(benefit: Benefit, year: int, t: ir.Table) -> ir.IntegerValue:
    """The amount of one row in integer cents (NULL or ≤ 0: not entitled)."""
    amount = benefit.amount
    kind = amount.kind
    if kind == "fixed":
        return ibis.literal(_cents(_known(amount.for_year(year))), type="int64")
    if kind == "monthly":
        return ibis.literal(_cents(_known(amount.fixed)) * amount.months, type="int64")
    if kind == "by":
        prefix = "m_" if amount.by in MEMBER_FIELDS else "h_"
        column = t[prefix + amount.by]
        cases = [(column == code, _cents(value)) for code, value in amount.values.items()]
        return ibis.cases(*cases, else_=ibis.null("int64")).cast("int64")
    if kind == "shortfall":
        # The allowance does not count against itself: the income it tops up leaves out what the household
        # already received as this benefit (低保金 for 低保), or a paid allowance would undo its own entitlement.
        left_out = sum((t[f"i_{item}"] for item in _disregarded(benefit)), ibis.literal(0))
        return (t.n * _cents(_known(amount.for_year(year))) - (t.net - left_out)).cast("int64")
    if kind == "per_person":
        return (t.n * _cents(_known(amount.fixed))).cast("int64")
    if kind == "share":
        share = Fraction(_known(amount.share))
        base = t[f"i_{amount.of}"] if amount.of in SHARE_OF else ibis.literal(0)
        value = rounded_quotient(base * share.numerator, share.denominator)
        if amount.cap is not None:
            cap = _cents(amount.cap)
            value = ibis.ifelse(value > cap, cap, value)
        return value.cast("int64")
    if kind == "post_wage":
        return t.wage.cast("int64")
    # loan_subsidy: Σ cents × rate‰ × months / (1000 × 100 × 12), rounded half up once.
    return rounded_quotient(t.subsidy, 1000 * 100 * 12).cast("int64")


def _disregarded(benefit: Benefit) -> list[str]:
    """The income items a shortfall leaves out: its own item and the catalogue's ``disregard`` list."""
    return sorted({*([benefit.income_item] if benefit.income_item else []), *benefit.amount.disregard})


# --- the two uses --------------------------------------------------------------------------------------------


def entitlement_plan(
    sources: Sources,
    catalogue: Catalogue,
    year: int,
    *,
    run_id: int,
    area_prefix: str = "",
    to: str | None = None,
    table: str = "",
) -> Plan:
    """The entitlements of ``year`` for every household in ``area_prefix`` as a plan: a few intermediate tables,
    the union of every benefit's rows, then one ``INSERT … SELECT`` into the entitlement table."""
    benefits, _skipped = benefits_for_year(catalogue, year)
    plan = Plan()
    # The union goes straight into the table: materialising it first would write every row twice.
    rows = _build(sources, benefits, year, area_prefix=area_prefix, step=plan.step)
    # In household order: the entitlement table's indexes then grow at their ends instead of all over.
    rows = rows.order_by(rows.household_id, rows.benefit, rows.member_id)
    plan.output(
        table or Entitlement._meta.db_table,
        rows.select(
            run_id=ibis.literal(run_id, type="int64"),
            benefit=rows.benefit,
            household_id=rows.household_id,
            member_id=rows.member_id,
            amount=_yuan(rows.amount_cents, to=to),
        ),
    )
    return plan


def _yuan(cents: ir.IntegerValue, *, to: str | None) -> ir.Value:
    """Cents as the decimal the amount column stores: exact NUMERIC on PostgreSQL; on SQLite, whose decimals are
    REAL, the nearest double (read back as the exact cents by Django)."""
    if to == "sqlite":
        return cents.cast("float64") / 100
    return cents.cast("decimal(16, 2)") / 100


def entitlement_rows(sources: Sources, catalogue: Catalogue, year: int, *, household_id: Any) -> ir.Table:
    """The same rows as the plan's, for one household, as one inline expression."""
    benefits, _skipped = benefits_for_year(catalogue, year)
    return _build(sources, benefits, year, household_id=household_id)


def entitlement_rows_of_area(sources: Sources, catalogue: Catalogue, year: int, *, area_prefix: str) -> ir.Table:
    """The same rows as the plan's, for the households of one area (a village's cards), as one inline expression."""
    benefits, _skipped = benefits_for_year(catalogue, year)
    return _build(sources, benefits, year, area_prefix=area_prefix)
