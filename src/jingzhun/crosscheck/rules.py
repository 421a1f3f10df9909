"""The clue rules of docs/RULES.md §8, set-based: every rule is an Ibis expression over whole tables, written with
``INSERT … SELECT`` into a temporary table of found clues — never a Python loop over members or households.

:func:`clues_find` builds and runs the plan for one comparison. It reads

- the active members (status 在册) of the households in scope, with their age on the comparison date;
- the rows of the latest batch of each department that have an *accepted* match (``auto`` or ``confirmed``,
  at most one per row): people in a list who match no registry member raise nothing;
- the rule pack's parameters (:class:`~jingzhun.policy.packs.CrosscheckRules`), which speak the departments'
  and the ledger's words; registry codes are mapped to those words through ``LEDGER_TEXT``.

Each found clue is one row of :data:`FOUND` (then :data:`FOUND_ONE`, one row per fingerprint — a member with two
cars is one X06 clue, traced to the first row). A department with no batch skips its rule. The caller (the
comparison service) upserts clues from :data:`FOUND_ONE` and drops the tables with :func:`clues_found_drop`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
from django.db import connection
from django.db.models import TextChoices

from jingzhun.core.sets import Plan, model_table, plan_execute
from jingzhun.core.sql import quoted as _q
from jingzhun.policy.packs import CrosscheckRules
from jingzhun.registry.models import Household, Member
from jingzhun.registry.vocab import (
    LEDGER_TEXT,
    Attribute,
    DisabilityGrade,
    Health,
    MedicalInsurance,
    MemberStatus,
    SchoolStatus,
    WorkStatus,
)

from .matching import LINK_SCHEMA, LINKS, links_build
from .models import Batch, Department, Row, Rule

FOUND = "jz_clue_found"  # every clue found, possibly several rows per fingerprint
FOUND_ONE = "jz_clue_one"  # one row per fingerprint: what the upsert reads
INTERNAL = "internal"  # the "department" of X12, which compares the registry with itself

# Which department's list each rule reads; X12 reads none.
RULE_DEPARTMENT: dict[str, str] = {
    Rule.X01: Department.EDUCATION,
    Rule.X02: Department.MEDICAL_INSURANCE,
    Rule.X03: Department.DISABILITY,
    Rule.X04: Department.CIVIL_AFFAIRS,
    Rule.X05: Department.DEATHS,
    Rule.X06: Department.VEHICLES,
    Rule.X07: Department.BUSINESSES,
    Rule.X08: Department.REAL_ESTATE,
    Rule.X09: Department.PAYROLL,
    Rule.X10: Department.HOUSING,
    Rule.X11: Department.HUMAN_RESOURCES,
    Rule.X12: INTERNAL,
}
HOUSEHOLD_RULES = frozenset({Rule.X04.value, Rule.X10.value})  # one clue per household, no member

# Variants of the two-sided rules (the fingerprint tells them apart).
VARIANTS: dict[str, tuple[str, ...]] = {
    Rule.X01: ("missing_roll", "attending"),
    Rule.X02: ("missing", "uninsured"),
    Rule.X03: ("not_disabled", "care_subsidy"),
    Rule.X04: ("dibao_missing", "dibao_extra", "tekun_missing", "tekun_extra"),
    Rule.X10: ("unsafe", "safe"),
    Rule.X11: ("pension", "employed", "unemployed"),
}
VARIANT_TEXT: dict[str, str] = {
    "missing_roll": "台账在校、无学籍",
    "attending": "台账不在校、学籍在读",
    "missing": "医保名单中无记录",
    "uninsured": "台账未参保、医保已参保",
    "not_disabled": "台账非残疾、残联有残疾证",
    "care_subsidy": "重度残疾未享护理补贴",
    "dibao_missing": "台账低保、民政无在保记录",
    "dibao_extra": "民政在保低保、台账非低保",
    "tekun_missing": "台账特困、民政无在保记录",
    "tekun_extra": "民政在保特困、台账非特困",
    "unsafe": "住建鉴定 C/D 级、台账 A/B 级",
    "safe": "住建鉴定 A/B 级、台账 C/D 级",
    "pension": "未参加养老保险",
    "employed": "台账务工、无就业登记",
    "unemployed": "台账未务工、有就业登记",
}

DIBAO_ATTRIBUTES = (Attribute.DIBAO.value, Attribute.DIBAO_TEKUN.value)
TEKUN_ATTRIBUTES = (Attribute.TEKUN.value, Attribute.DIBAO_TEKUN.value)
WORKING = tuple(code.value for code in WorkStatus if code != WorkStatus.NOT_WORKING)

# The columns of a found clue, in the order of the temporary table.
FOUND_COLUMNS: tuple[tuple[str, str], ...] = (
    ("rule", "string"),
    ("variant", "string"),
    ("department", "string"),
    ("household_id", "int64"),
    ("member_id", "int64"),
    ("id_number", "string"),
    ("village_code", "string"),
    ("registry_value", "string"),
    ("department_value", "string"),
    ("detail", "string"),
    ("action", "string"),
    ("fingerprint", "string"),
    ("batch_id", "int64"),
    ("row_id", "int64"),
)
_SQL_TYPE = {"string": "TEXT", "int64": "BIGINT"}


@dataclass
class RulesOutcome:
    """What one comparison's rules did: the batch each rule read, the rules skipped and why, clues per rule."""

    batches: dict[str, int]  # department key → batch id
    skipped: dict[str, str] = field(default_factory=dict)  # rule → reason (Chinese)
    found: dict[str, int] = field(default_factory=dict)  # rule → clues found (one per fingerprint)

    @property
    def evaluated(self) -> list[str]:
        return [rule for rule in Rule.values if rule not in self.skipped]


def latest_batches() -> dict[str, Batch]:
    """The latest batch (the one imported last) of each department that has one."""
    latest: dict[str, Batch] = {}
    for batch in Batch.objects.order_by("-id").iterator():
        latest.setdefault(batch.department, batch)
    return latest


# --- small expression helpers ---------------------------------------------------------------------------------


def _codes(vocabulary: type[TextChoices], words: tuple[str, ...] | list[str]) -> list[str]:
    """The stored codes of the ledger words a pack parameter lists (words the ledger does not know are ignored)."""
    table = LEDGER_TEXT[vocabulary]
    return [str(table[word]) for word in words if word in table]


def _word(column: ir.StringValue, vocabulary: type[TextChoices], blank: str = "未填写") -> ir.StringValue:
    """The ledger's Chinese word for a stored code."""
    cases = [(column == str(code), text) for text, code in LEDGER_TEXT[vocabulary].items()]
    return ibis.cases(*cases, else_=blank)


def _yes_no(column: ir.BooleanValue, blank: str = "未填写") -> ir.StringValue:
    return ibis.cases((column.isnull(), blank), (column, "是"), else_="否")


def _text(column: ir.Value) -> ir.StringValue:
    return column.cast("string").fill_null("")


def _age(birth: ir.DateValue, on: dt.date) -> ir.IntegerValue:
    later_in_year = birth.month() * 100 + birth.day() > on.month * 100 + on.day
    return (on.year - birth.year() - ibis.ifelse(later_in_year, 1, 0)).cast("int64")


def _who(t: ir.Table) -> ir.StringValue:
    """「王小明（12 岁）」"""
    return t.name + "（" + t.age.cast("string") + " 岁）"


def _in(prefix: str, column: ir.StringValue) -> ir.BooleanValue:
    return column.startswith(prefix) if prefix else ibis.literal(True)


def _clue(
    t: ir.Table,
    *,
    rule: str,
    variant: str,
    registry_value: ir.StringValue | str,
    department_value: ir.StringValue | str,
    detail: ir.StringValue,
    action: str,
    batch_id: int | None,
    member: bool = True,
    row: bool = True,
) -> ir.Table:
    """The found-clue columns of a rule's rows (``t`` has household_id, village_code and, for member clues,
    member_id and id_number; ``row_id`` when the clue comes from a list row)."""
    department = RULE_DEPARTMENT[rule]
    key = t.member_id.cast("string") if member else ibis.literal("h") + t.household_id.cast("string")
    return t.select(
        rule=ibis.literal(rule),
        variant=ibis.literal(variant),
        department=ibis.literal(str(department)),
        household_id=t.household_id.cast("int64"),
        member_id=t.member_id.cast("int64") if member else ibis.null("int64"),
        id_number=t.id_number if member else ibis.literal(""),
        village_code=t.village_code,
        registry_value=ibis.literal(registry_value) if isinstance(registry_value, str) else registry_value,
        department_value=ibis.literal(department_value) if isinstance(department_value, str) else department_value,
        detail=detail,
        action=ibis.literal(action),
        fingerprint=ibis.literal(f"{rule}:{variant}:") + key,
        batch_id=ibis.literal(batch_id, type="int64"),
        row_id=t.row_id.cast("int64") if row else ibis.null("int64"),
    )


# --- the plan -------------------------------------------------------------------------------------------------


@dataclass
class _Context:
    members: ir.Table  # active members in scope, with household facts and age (keyed by member_id)
    households: ir.Table  # households in scope with at least one active member (keyed by household_id)
    batches: dict[str, Batch]
    ranges: dict[int, tuple[int, int]]  # batch id → its first and last row id (see matching.links_build)
    rules: CrosscheckRules
    as_of: dt.date
    plan: Plan  # for a rule's own intermediate steps

    def batch(self, rule: str) -> Batch:
        return self.batches[RULE_DEPARTMENT[rule]]

    def _listed(self, rule: str) -> ir.Table:
        """The rows of the rule's batch that stand for a member (the comparison's links, one range of their
        key), with the row's own columns — no member facts yet."""
        batch = self.batch(rule)
        first, last = self.ranges.get(batch.pk, (0, -1))
        links = ibis.table(LINK_SCHEMA, name=LINKS)
        links = links.filter(links.row_id.between(first, last), links.batch_id == batch.pk, links.member_id.notnull())
        rows = model_table(Row).select("id", *_ROW_COLUMNS)
        joined = links.join(rows, links.row_id == rows.id)
        return joined.select(links.row_id, links.member_id, *[rows[name] for name in _ROW_COLUMNS])

    def member_ids(self, rule: str, where: Any = None) -> ir.Table:
        """The rows of the rule's list (that satisfy ``where``, a predicate on the row's columns), with their
        ``member_id`` — read for that column: "no row in the list", "some row says so"."""
        listed = self._listed(rule)
        return listed.filter(where(listed)) if where is not None else listed

    def rows(
        self, rule: str, where: Any = None, latest: Any = None, per_household: bool = False, keep: Any = None
    ) -> ir.Table:
        """One row per member of the rule's list — the first (lowest row id) of the member's rows that satisfy
        ``where`` (a predicate on the row's columns), or with ``latest`` (an ordering of ``row_id``, ``date1``
        and ``date2``) the first in that order — with the member's facts, for the active members in scope and
        inside the batch's own area (a town's list speaks for that town only). With ``per_household`` (and
        ``latest``), one row per household instead: the first in that order among all its members' rows.
        ``keep``, a predicate on the chosen row (its ``date1``, ``date2`` and ``grade``, and per household the
        household's ``h_housing_grade``), drops the choices that cannot raise a clue before their facts are
        looked up.

        A rule's clue is one per member, traced to one row: choosing the row first, on the row's own columns,
        leaves the member's facts to be looked up once per member rather than once per row (a list may hold
        the same person many times: a row per car, per year). Conditions on the member's facts are the
        rule's to apply on the result — a member's facts are the same on all of its rows.
        """
        listed = self.member_ids(rule, where)
        if latest is None:
            chosen = listed.group_by(listed.member_id).aggregate(c_row_id=listed.row_id.min())
        else:
            narrow = listed.select("member_id", "row_id", "date1", "date2", "grade")  # what a choice may use
            group = narrow.member_id
            if per_household:  # the only member facts needed before the choice
                homes = self.members.select(
                    h_member_id="member_id", h_household_id="household_id", h_housing_grade="housing_grade"
                )
                narrow = narrow.join(homes, narrow.member_id == homes.h_member_id)
                group = narrow.h_household_id
            ranked = narrow.mutate(jz_n=ibis.row_number().over(group_by=group, order_by=latest(narrow)))
            ranked = ranked.filter(ranked.jz_n == 0)
            if keep is not None:
                ranked = ranked.filter(keep(ranked))
            chosen = ranked.select(c_row_id=ranked.row_id, member_id=ranked.member_id)
        rows = model_table(Row).select("id", *_ROW_COLUMNS)
        members = self.members
        joined = chosen.join(rows, chosen.c_row_id == rows.id).join(members, chosen.member_id == members.member_id)
        batch = self.batch(rule)
        result = joined.select(
            row_id=chosen.c_row_id,
            batch_id=ibis.literal(batch.pk, type="int64"),
            **{name: rows[name] for name in _ROW_COLUMNS},
            **{name: members[name] for name in members.columns},
        )
        return result.filter(_in(batch.area_prefix, result.village_code))

    def people(self, rule: str) -> ir.Table:
        """The active members the rule's list speaks for (absence rules: "no row in the list")."""
        return self.members.filter(_in(self.batch(rule).area_prefix, self.members.village_code))

    def homes(self, rule: str) -> ir.Table:
        return self.households.filter(_in(self.batch(rule).area_prefix, self.households.village_code))


_ROW_COLUMNS = ("row_no", "kind", "status", "grade", "text1", "text2", "flag1", "flag2", "date1", "date2")


def _base_steps(plan: Plan, *, as_of: dt.date, area_prefix: str) -> tuple[ir.Table, ir.Table]:
    members = model_table(
        Member,
        [
            "id",
            "household",
            "id_number",
            "name",
            "status",
            "birth_date",
            "school_status",
            "health",
            "disability_grade",
            "work_status",
            "medical_insurance",
            "pension_insured",
        ],
    )
    households = model_table(Household, ["id", "household_no", "village", "attribute", "housing_grade"])
    active = members.filter(members.status == MemberStatus.ACTIVE.value)
    joined = active.join(households, active.household_id == households.id)
    joined = joined.filter(_in(area_prefix, households.village_id))
    facts = plan.step(
        "jz_clue_members",
        key="member_id",
        expr=joined.select(
            member_id=active.id,
            household_id=active.household_id,
            household_no=households.household_no,
            village_code=households.village_id,
            attribute=households.attribute,
            housing_grade=households.housing_grade,
            id_number=active.id_number,
            name=active.name,
            age=_age(active.birth_date, as_of),
            school_status=active.school_status,
            health=active.health,
            disability_grade=active.disability_grade,
            work_status=active.work_status,
            medical_insurance=active.medical_insurance,
            pension_insured=active.pension_insured,
        ),
    )
    # The households of the facts (a narrow grouping), their columns looked up by key.
    held = facts.select(facts.household_id).distinct()
    homes = plan.step(
        "jz_clue_households",
        key="household_id",
        expr=held.join(households, held.household_id == households.id).select(
            household_id=held.household_id,
            household_no=households.household_no,
            village_code=households.village_id,
            attribute=households.attribute,
            housing_grade=households.housing_grade,
        ),
    )
    return facts, homes


def clues_plan(
    *,
    as_of: dt.date,
    area_prefix: str,
    batches: dict[str, Batch],
    ranges: dict[int, tuple[int, int]],
    rules: CrosscheckRules,
    outcome: RulesOutcome,
) -> Plan:
    """The plan of every rule whose department has a batch (X12 always), writing into :data:`FOUND`; the
    rows are read from the comparison's links (:func:`~jingzhun.crosscheck.matching.links_build`)."""
    plan = Plan()
    members, homes = _base_steps(plan, as_of=as_of, area_prefix=area_prefix)
    context = _Context(
        members=members, households=homes, batches=batches, ranges=ranges, rules=rules, as_of=as_of, plan=plan
    )
    for rule, build in _RULES.items():
        department = RULE_DEPARTMENT[rule]
        if department != INTERNAL and department not in batches:
            outcome.skipped[rule] = f"{Department(department).label}尚未导入名单，本规则未比对"
            continue
        for expr in build(context):
            plan.output(FOUND, expr)
    return plan


def _school_roster_disagrees(c: _Context) -> list[ir.Table]:
    rule, batch = Rule.X01.value, c.batch(Rule.X01).pk
    low, high = c.rules.school_age
    people = c.people(rule)
    people = people.filter(people.age.between(low, high))
    enrolled = c.member_ids(rule, lambda r: r.status.isin(list(c.rules.enrolled)))
    enrolled_words = "或".join(c.rules.enrolled)
    missing = people.filter(
        people.school_status.isin(_codes(SchoolStatus, c.rules.in_school)),
        people.member_id.notin(enrolled.member_id),
    )
    school = _word(missing.school_status, SchoolStatus)
    attending = c.rows(rule, lambda r: r.status.isin(list(c.rules.attending)))
    attending = attending.filter(
        attending.age.between(low, high),
        attending.school_status.isin(_codes(SchoolStatus, c.rules.out_of_school)),
    )
    where = ibis.ifelse(
        (attending.text1 + attending.text2) == "",
        "",
        "（" + attending.text1 + attending.text2 + "）",
    )
    return [
        _clue(
            missing,
            rule=rule,
            variant="missing_roll",
            registry_value=school,
            department_value=f"无{enrolled_words}记录",
            detail=_who(missing) + "台账在校生状况为" + school + f"，教体学籍名单中无{enrolled_words}记录",
            action="入户核实在校情况：确在读的请教体部门核对学籍；未在读的更新台账在校生状况并落实控辍保学",
            batch_id=batch,
            row=False,
        ),
        _clue(
            attending,
            rule=rule,
            variant="attending",
            registry_value=_word(attending.school_status, SchoolStatus),
            department_value="学籍状态" + attending.status + where,
            detail=_who(attending)
            + "台账在校生状况为"
            + _word(attending.school_status, SchoolStatus)
            + "，教体学籍名单中学籍状态为"
            + attending.status
            + where,
            action="核实是否在读，在读的更新台账在校生状况",
            batch_id=batch,
        ),
    ]


def _medical_insurance_disagrees(c: _Context) -> list[ir.Table]:
    rule, batch = Rule.X02.value, c.batch(Rule.X02).pk
    people = c.people(rule)
    missing = people.filter(people.member_id.notin(c.member_ids(rule).member_id))
    registry = _word(missing.medical_insurance, MedicalInsurance)
    rows = c.rows(rule)
    uninsured = rows.filter(rows.medical_insurance == MedicalInsurance.NONE.value)
    return [
        _clue(
            missing,
            rule=rule,
            variant="missing",
            registry_value=registry,
            department_value="医保参保名单中无记录",
            detail=_who(missing) + "台账基本医疗保险为" + registry + "，医保参保名单中无此人",
            action="核实参保情况：未参保的动员参保并落实资助参保；已参保的请医保部门核对名单",
            batch_id=batch,
            row=False,
        ),
        _clue(
            uninsured,
            rule=rule,
            variant="uninsured",
            registry_value="未参保",
            department_value=uninsured.kind,
            detail=_who(uninsured) + "台账基本医疗保险为未参保，医保参保名单中参保类型为" + uninsured.kind,
            action="核实后更新台账基本医疗保险",
            batch_id=batch,
        ),
    ]


def _disability_disagrees(c: _Context) -> list[ir.Table]:
    rule, batch = Rule.X03.value, c.batch(Rule.X03).pk
    rows = c.rows(rule)

    def listed_as(t: ir.Table) -> ir.StringValue:
        return "残疾等级" + t.grade + ibis.ifelse(t.kind == "", "", "（" + t.kind + "）")

    not_disabled = rows.filter(rows.health.fill_null("") != Health.DISABLED.value)
    health = _word(not_disabled.health, Health)
    care = c.rows(rule, lambda r: r.grade.isin(list(c.rules.care_subsidy_grades)) & (r.flag1 == ibis.literal(False)))
    registry_care = _word(care.health, Health) + ibis.ifelse(
        care.disability_grade == "", "", "，残疾等级" + _word(care.disability_grade, DisabilityGrade, "")
    )
    return [
        _clue(
            not_disabled,
            rule=rule,
            variant="not_disabled",
            registry_value=health,
            department_value=listed_as(not_disabled),
            detail=_who(not_disabled) + "台账健康状况为" + health + "，残联名单中持残疾证，" + listed_as(not_disabled),
            action="核实后更新台账健康状况为残疾并填写残疾等级",
            batch_id=batch,
        ),
        _clue(
            care,
            rule=rule,
            variant="care_subsidy",
            registry_value=registry_care,
            department_value="残疾等级" + care.grade + "，护理补贴否",
            detail=_who(care) + "为" + care.grade + "重度残疾，残联名单中护理补贴为否（应享未享）",
            action="协调残联落实重度残疾人护理补贴",
            batch_id=batch,
        ),
    ]


def _dibao_tekun_disagrees(c: _Context) -> list[ir.Table]:
    rule, batch = Rule.X04.value, c.batch(Rule.X04).pk
    homes = c.homes(rule)
    found = []
    for kind, attributes, word in (("dibao", DIBAO_ATTRIBUTES, "低保"), ("tekun", TEKUN_ATTRIBUTES, "特困")):
        # Each member's first row in force, then the household's first among its members'.
        helped = c.rows(
            rule, lambda r, word=word: (r.kind == word) & (r.date2.isnull() | (r.date2 > ibis.literal(c.as_of)))
        )
        helped = helped.group_by(household_id=helped.household_id).aggregate(row_id=helped.row_id.min())
        # Read by both variants: chosen once.
        helped = c.plan.step(f"jz_clue_{kind}", helped, key="household_id")
        says = homes.attribute.isin(list(attributes))
        missing = homes.filter(says, homes.household_id.notin(helped.household_id))
        extra = homes.filter(~says)
        extra = extra.join(helped, extra.household_id == helped.household_id).select(extra, row_id=helped.row_id)
        found.append(
            _clue(
                missing,
                rule=rule,
                variant=f"{kind}_missing",
                registry_value=_word(missing.attribute, Attribute),
                department_value=f"无在保{word}记录",
                detail="户 "
                + missing.household_no
                + " 台账户类型为"
                + _word(missing.attribute, Attribute)
                + f"，民政名单中该户成员无在保{word}记录",
                action=f"核实{word}待遇：已停保的更新台账户类型；仍在保的请民政部门核对名单",
                batch_id=batch,
                member=False,
                row=False,
            )
        )
        found.append(
            _clue(
                extra,
                rule=rule,
                variant=f"{kind}_extra",
                registry_value=_word(extra.attribute, Attribute),
                department_value=f"{word}在保",
                detail="户 "
                + extra.household_no
                + " 台账户类型为"
                + _word(extra.attribute, Attribute)
                + f"，民政名单中该户有成员{word}在保",
                action=f"核实后更新台账户类型（{word}）",
                batch_id=batch,
                member=False,
            )
        )
    return found


def _listed_death_still_active(c: _Context) -> list[ir.Table]:
    rule, batch = Rule.X05.value, c.batch(Rule.X05).pk
    # A death dated after the comparison date had not happened yet on that day.
    dead = c.rows(rule, lambda r: r.date1.isnull() | (r.date1 <= ibis.literal(c.as_of)))
    died = ibis.ifelse(dead.date1.isnull(), "死亡", "死亡日期 " + _text(dead.date1))
    return [
        _clue(
            dead,
            rule=rule,
            variant="",
            registry_value="在册",
            department_value=died,
            detail=_who(dead) + "台账成员状态为在册，公安/殡葬名单中" + died,
            action="核实后将成员状态改为死亡，停发相关补助",
            batch_id=batch,
        )
    ]


def _listed_rule(
    c: _Context, rule: str, kinds: tuple[str, ...] | None, what: Any, detail: str, action: str
) -> list[ir.Table]:
    rows = c.rows(rule, (lambda r: r.kind.isin(list(kinds))) if kinds is not None else None)
    value = what(rows)
    return [
        _clue(
            rows,
            rule=rule,
            variant="",
            registry_value="在册",
            department_value=value,
            detail=_who(rows) + detail + value,
            action=action,
            batch_id=c.batch(rule).pk,
        )
    ]


def _joined(*parts: ir.StringValue) -> ir.StringValue:
    """Non-blank parts joined with a space."""
    text = parts[0]
    for part in parts[1:]:
        text = text + ibis.ifelse(part == "", "", " " + part)
    return text


def _owns_a_car_or_truck(c: _Context) -> list[ir.Table]:
    return _listed_rule(
        c,
        Rule.X06.value,
        c.rules.vehicle_types,
        lambda t: _joined(t.kind, t.text1),
        "为在册成员，公安交管名单中登记机动车：",
        "核实车辆情况，对照识别排除条件研判是否符合条件",
    )


def _runs_a_business(c: _Context) -> list[ir.Table]:
    return _listed_rule(
        c,
        Rule.X07.value,
        c.rules.business_roles,
        lambda t: _joined(t.kind, t.text1),
        "为在册成员，市场监管名单中为企业",
        "核实经营情况，对照识别排除条件研判是否符合条件",
    )


def _owns_non_farm_property(c: _Context) -> list[ir.Table]:
    return _listed_rule(
        c,
        Rule.X08.value,
        c.rules.property_uses,
        lambda t: _joined(t.kind, t.text1),
        "为在册成员，自然资源名单中登记不动产：",
        "核实不动产情况，对照识别排除条件研判是否符合条件",
    )


def _on_a_public_payroll(c: _Context) -> list[ir.Table]:
    return _listed_rule(
        c,
        Rule.X09.value,
        None,
        lambda t: ibis.ifelse(t.text1 == "", "财政供养人员", "财政供养：" + t.text1),
        "为在册成员，财政名单中为",
        "核实是否为财政供养人员，对照识别排除条件研判是否符合条件",
    )


def _housing_grade_disagrees(c: _Context) -> list[ir.Table]:
    rule, batch = Rule.X10.value, c.batch(Rule.X10).pk

    variants = (("unsafe", "CD", "AB"), ("safe", "AB", "CD"))

    # The household's latest appraisal among all its members' rows: latest 鉴定日期 (undated last), then the
    # later row — chosen once, on the row's columns and the member's household, for both variants; only the
    # choices where the two sides disagree are looked up further.
    def order(t: ir.Table) -> list[Any]:
        return [t.date1.isnull(), ibis.desc(t.date1), ibis.desc(t.row_id)]

    def disagree(t: ir.Table) -> Any:
        return ibis.or_(
            *(t.grade.isin(list(theirs)) & t.h_housing_grade.isin(list(ours)) for _, theirs, ours in variants)
        )

    latest = c.plan.step(
        "jz_clue_housing",
        c.rows(rule, lambda r: r.grade != "", latest=order, per_household=True, keep=disagree),
    )
    found = []
    for variant, department_grades, registry_grades in variants:
        t = latest.filter(latest.grade.isin(list(department_grades)), latest.housing_grade.isin(list(registry_grades)))
        dated = ibis.ifelse(t.date1.isnull(), "", "（" + _text(t.date1) + "）")
        found.append(
            _clue(
                t,
                rule=rule,
                variant=variant,
                registry_value=t.housing_grade + " 级",
                department_value="鉴定等级 " + t.grade + " 级" + dated,
                detail="户 "
                + t.household_no
                + " 台账住房安全等级为 "
                + t.housing_grade
                + " 级，住建最新鉴定等级为 "
                + t.grade
                + " 级"
                + dated,
                action="入户核实住房安全：危房的落实危房改造；已改造或鉴定有误的更新台账或请住建部门复核",
                batch_id=batch,
                member=False,
            )
        )
    return found


def _pension_or_employment_disagrees(c: _Context) -> list[ir.Table]:
    rule, batch = Rule.X11.value, c.batch(Rule.X11).pk
    low, high = c.rules.working_age
    people = c.people(rule)
    people = people.filter(people.age.between(low, high))
    no_row = people.filter(people.member_id.notin(c.member_ids(rule).member_id))
    insured = c.member_ids(rule, lambda r: r.flag1 == ibis.literal(True))
    said_no = c.rows(rule, lambda r: r.flag1 == ibis.literal(False))
    said_no = said_no.filter(said_no.age.between(low, high), said_no.member_id.notin(insured.member_id))
    employed = c.rows(rule, lambda r: r.flag2 == ibis.literal(False))
    employed = employed.filter(employed.work_status.isin(list(WORKING)))
    unemployed = c.rows(rule, lambda r: r.flag2 == ibis.literal(True))
    unemployed = unemployed.filter(unemployed.work_status == WorkStatus.NOT_WORKING.value)
    action = "核实养老保险参保情况，未参保的动员参保（落实代缴）"
    unit = ibis.ifelse(unemployed.text1 == "", "", "（" + unemployed.text1 + "）")
    return [
        _clue(
            no_row,
            rule=rule,
            variant="pension",
            registry_value=_yes_no(no_row.pension_insured),
            department_value="人社名单中无记录",
            detail=_who(no_row) + "台账基本养老保险为" + _yes_no(no_row.pension_insured) + "，人社名单中无此人",
            action=action,
            batch_id=batch,
            row=False,
        ),
        _clue(
            said_no,
            rule=rule,
            variant="pension",
            registry_value=_yes_no(said_no.pension_insured),
            department_value="养老保险否",
            detail=_who(said_no) + "台账基本养老保险为" + _yes_no(said_no.pension_insured) + "，人社名单中养老保险为否",
            action=action,
            batch_id=batch,
        ),
        _clue(
            employed,
            rule=rule,
            variant="employed",
            registry_value=_word(employed.work_status, WorkStatus),
            department_value="就业登记否",
            detail=_who(employed)
            + "台账务工状况为"
            + _word(employed.work_status, WorkStatus)
            + "，人社名单中就业登记为否",
            action="核实务工情况：确在务工的协助办理就业登记；未务工的更新台账务工状况",
            batch_id=batch,
        ),
        _clue(
            unemployed,
            rule=rule,
            variant="unemployed",
            registry_value="未务工",
            department_value="就业登记是" + unit,
            detail=_who(unemployed) + "台账务工状况为未务工，人社名单中就业登记为是" + unit,
            action="核实务工地点和收入，更新台账务工状况和务工月数",
            batch_id=batch,
        ),
    ]


def _id_number_in_two_households(c: _Context) -> list[ir.Table]:
    members = model_table(Member, ["id", "household", "id_number", "status"])
    households = model_table(Household, ["id", "household_no"])
    # Numbers held more than once, whatever the status: read from the id_number index alone, so the pairs
    # below are looked for among a handful of members instead of a self-join of the whole registry.
    doubled = members.group_by(d_id_number=members.id_number).aggregate(n=members.count()).filter(lambda d: d.n > 1)
    everyone = members.filter(
        (members.status == MemberStatus.ACTIVE.value) & members.id_number.isin(doubled.d_id_number)
    )
    everyone = everyone.join(households, everyone.household_id == households.id).select(
        other_household=everyone.household_id, other_id=everyone.id_number, other_no=households.household_no
    )
    mine = c.members.filter(c.members.id_number.isin(doubled.d_id_number))
    pairs = mine.join(everyone, (mine.id_number == everyone.other_id) & (mine.household_id != everyone.other_household))
    twice = pairs.group_by(
        member_id=pairs.member_id,
        household_id=pairs.household_id,
        household_no=pairs.household_no,
        village_code=pairs.village_code,
        id_number=pairs.id_number,
        name=pairs.name,
        age=pairs.age,
    ).aggregate(other_no=pairs.other_no.min(), others=pairs.other_household.nunique())
    others = twice.other_no + ibis.ifelse(twice.others > 1, " 等 " + twice.others.cast("string") + " 户", "")
    return [
        _clue(
            twice,
            rule=Rule.X12.value,
            variant="",
            registry_value="户 " + twice.household_no + " 在册",
            department_value="户 " + others + " 在册",
            detail=_who(twice) + "的证件号码在户 " + twice.household_no + " 和户 " + others + " 中均为在册",
            action="核实实际所在户，在另一户中将其成员状态改为迁出或更正证件号码",
            batch_id=None,
            row=False,
        )
    ]


_RULES = {
    Rule.X01.value: _school_roster_disagrees,
    Rule.X02.value: _medical_insurance_disagrees,
    Rule.X03.value: _disability_disagrees,
    Rule.X04.value: _dibao_tekun_disagrees,
    Rule.X05.value: _listed_death_still_active,
    Rule.X06.value: _owns_a_car_or_truck,
    Rule.X07.value: _runs_a_business,
    Rule.X08.value: _owns_non_farm_property,
    Rule.X09.value: _on_a_public_payroll,
    Rule.X10.value: _housing_grade_disagrees,
    Rule.X11.value: _pension_or_employment_disagrees,
    Rule.X12.value: _id_number_in_two_households,
}


# --- running it -----------------------------------------------------------------------------------------------


def clues_found_drop(*, links: bool = True) -> None:
    """Drop the temporary tables of found clues and, with ``links``, the comparison's links (they would
    otherwise live as long as the connection)."""
    with connection.cursor() as cursor:
        for name in (FOUND, FOUND_ONE, *([LINKS] if links else [])):
            cursor.execute(f"DROP TABLE IF EXISTS {_q(name)}")


def clues_find(
    *,
    as_of: dt.date,
    rules: CrosscheckRules,
    batches: dict[str, Batch] | None = None,
    area_prefix: str = "",
    ranges: dict[int, tuple[int, int]] | None = None,
) -> RulesOutcome:
    """Run every rule on ``as_of`` over the households in ``area_prefix`` and the given batches (default: the
    latest of each department), leaving one row per clue in the temporary table :data:`FOUND_ONE`.

    The rows' members are read from the links of the batches (:data:`~jingzhun.crosscheck.matching.LINKS`):
    ``ranges`` says the matching left them (the batches' row-id ranges it returned); without it they are
    built here. Runs in the caller's transaction; the caller drops the tables with :func:`clues_found_drop`.
    """
    batches = latest_batches() if batches is None else batches
    outcome = RulesOutcome(batches={department: batch.pk for department, batch in batches.items()})
    if ranges is None:
        ranges = links_build(sorted(batch.pk for batch in batches.values()))
    plan = clues_plan(
        as_of=as_of, area_prefix=area_prefix, batches=batches, ranges=ranges, rules=rules, outcome=outcome
    )
    clues_found_drop(links=False)
    columns = ", ".join(f"{_q(name)} {_SQL_TYPE[kind]}" for name, kind in FOUND_COLUMNS)
    names = ", ".join(_q(name) for name, _ in FOUND_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {_q(FOUND)} ({columns})")
    plan_execute(plan)
    with connection.cursor() as cursor:
        # One clue per fingerprint: a member with two cars, or two 在读 rows, is one clue, traced to the first row.
        cursor.execute(
            f"CREATE TEMPORARY TABLE {_q(FOUND_ONE)} AS SELECT {names} FROM ("
            f"SELECT f.*, ROW_NUMBER() OVER (PARTITION BY f.fingerprint "
            f"ORDER BY CASE WHEN f.row_id IS NULL THEN 1 ELSE 0 END, f.row_id, f.detail) AS jz_n "
            f"FROM {_q(FOUND)} f) ranked WHERE jz_n = 1"
        )
        cursor.execute(f"CREATE INDEX jz_clue_one_fp ON {_q(FOUND_ONE)} (fingerprint)")
        cursor.execute(f"SELECT rule, COUNT(*) FROM {_q(FOUND_ONE)} GROUP BY rule")
        counts = dict(cursor.fetchall())
    outcome.found = {rule: int(counts.get(rule, 0)) for rule in outcome.evaluated}
    return outcome


def clues_found_rows() -> list[dict[str, Any]]:
    """The rows of :data:`FOUND_ONE` (for tests and small diagnostics only)."""
    names = [name for name, _ in FOUND_COLUMNS]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(_q(n) for n in names)} FROM {_q(FOUND_ONE)} ORDER BY fingerprint")
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
