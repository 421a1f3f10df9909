"""The benefit catalogue (政策目录): docs/RULES.md §12 as data, validated on load, like the rule packs.

A catalogue is a TOML file (``catalogues/default.toml`` ships; a county drops its own into ``<data dir>/benefits``
or a directory of the ``BENEFIT_CATALOGUE_DIRS`` setting)::

    [catalogue]
    name = "guanxian"            # what --catalogue and the BENEFIT_CATALOGUE setting name
    title = "冠县政策兑现目录"
    version = "2023.1"
    extends = "default"          # optional: start from another catalogue; its benefits are replaced by code
    remove = ["B17"]             # optional: benefits of the parent this county does not have

    [departments]                # key → name; a department clerk's account names the key
    civil_affairs = "民政局"

    [[benefit]]
    code = "B06"                 # unique; what payments and applications name (docs/LEDGER.md §5)
    name = "农村低保"
    department = "civil_affairs"
    category = "社会救助"
    unit = "household"           # "member" (one entitlement per member) or "household"
    covered = false              # true: only households that enjoy the policies (RULES §12)
    period = "year"              # "year": received means paid in the year; "once": paid in that year or before
    when = { attribute = ["一般户"] }
    amount = { shortfall = { 2019 = 4500, 2020 = 5160 } }
    income_item = "dibao"        # the income column a payment adds to ("" for none)
    documents = ["低保申请书"]
    source = "聊城 2020 年农村低保标准"
    ours = false

Conditions (``when``), all of which must hold, in the ledger's words (docs/LEDGER.md §1; a blank cell is ``""``):
a member's ``school_status``, ``medical_insurance``, ``disability_grade``, ``health``, ``labor``, ``work_status``,
``education``, ``relation`` (member benefits only) and the household's ``poverty_status``, ``attribute``,
``housing_grade``, ``relocation`` — each a list of words the value must be one of, or ``<name>_not`` for words
it must not be; ``age = [16, 59]`` (at 31 December of the year, both ends included, member benefits);
``event = [...]`` (the household had a sudden event of one of these kinds dated in the year); ``post = true`` (the
member held a post of this benefit in the year); ``loan = true`` (the household had a micro-credit loan
outstanding in the year).

Amounts (``amount``), exactly one kind: ``fixed`` (yuan, or a table by year), ``monthly`` (× ``months``, 12
unless given), ``by`` + ``values`` (by a condition field's word), ``shortfall`` (a standard by year: household
benefits whose per-capita income is below it get (standard − per-capita income) × size, half up to the cent; the
income leaves out the benefit's own income item and the items listed in ``disregard``),
``per_person`` (× household size), ``share`` of an income item with an optional ``cap`` (entitled when positive),
``post_wage`` (Σ monthly pay × months of the member's posts of this benefit in the year), ``loan_subsidy``
(Σ amount × subsidy rate × months outstanding in the year / 12 over the household's loans). A benefit whose
amount has no value for a year is not computed for that year, and says so.

Every problem of a file is reported at once, in Chinese, naming the file and the benefit.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings

from jingzhun.registry.vocab import (
    LEDGER_TEXT,
    Attribute,
    DisabilityGrade,
    Education,
    EventKind,
    Health,
    HousingGrade,
    Labor,
    MedicalInsurance,
    PovertyStatus,
    Relation,
    Relocation,
    SchoolStatus,
    WorkStatus,
)

BUILTIN_DIR = Path(__file__).resolve().parent / "catalogues"
DEFAULT_CATALOGUE = "default"

# Condition fields: name → (level, vocabulary). Member fields apply to member benefits only.
MEMBER_FIELDS: dict[str, Any] = {
    "school_status": SchoolStatus,
    "medical_insurance": MedicalInsurance,
    "disability_grade": DisabilityGrade,
    "health": Health,
    "labor": Labor,
    "work_status": WorkStatus,
    "education": Education,
    "relation": Relation,
}
HOUSEHOLD_FIELDS: dict[str, Any] = {
    "poverty_status": PovertyStatus,
    "attribute": Attribute,
    "housing_grade": HousingGrade,
    "relocation": Relocation,
}
UNITS = ("member", "household")
PERIODS = ("year", "once")
AMOUNT_KINDS = ("fixed", "monthly", "by", "shortfall", "per_person", "share", "post_wage", "loan_subsidy")
# The income items a payment may add to (registry.Income's amount columns but business expense and medical cost).
INCOME_ITEMS = (
    "wage",
    "business_income",
    "dividend",
    "other_property",
    "family_planning",
    "dibao",
    "tekun",
    "pension",
    "eco_compensation",
    "other_transfer",
)
# What a ``share`` amount may be a share of: an income item, or the self-paid medical cost.
SHARE_OF = (*INCOME_ITEMS, "medical_self_paid")
# The statuses of households that enjoy the policies (docs/RULES.md §12); an open monitoring case also counts.
COVERED_STATUSES = (PovertyStatus.NOT_EXITED, PovertyStatus.RELAPSED, PovertyStatus.PRE_EXIT, PovertyStatus.EXITED)
UNIT_TEXT = {"member": "成员", "household": "整户"}
PERIOD_TEXT = {"year": "每年", "once": "一次性"}


class CatalogueError(Exception):
    """A catalogue file that cannot be used; the message is in Chinese and names the file and the benefit."""


@dataclass(frozen=True)
class Condition:
    """``field`` (a member or household field) must be one of ``values`` (stored codes; "" for blank), or, when
    ``negated``, none of them."""

    field: str
    values: tuple[str, ...]
    negated: bool = False
    words: tuple[str, ...] = ()  # the words as the catalogue wrote them, for display

    @property
    def level(self) -> str:
        return "member" if self.field in MEMBER_FIELDS else "household"


@dataclass(frozen=True)
class Amount:
    kind: str
    fixed: Decimal | None = None  # fixed, monthly, per_person
    by_year: dict[int, Decimal] = field(default_factory=dict)  # fixed by year, shortfall standards
    months: int = 12
    by: str = ""  # the condition field of a ``by`` amount
    values: dict[str, Decimal] = field(default_factory=dict)  # stored code → yuan
    words: dict[str, str] = field(default_factory=dict)  # stored code → the catalogue's word
    share: Decimal | None = None
    of: str = ""
    cap: Decimal | None = None
    disregard: tuple[str, ...] = ()  # income items a shortfall leaves out of the income (不计入家庭收入)

    def problem(self, year: int) -> str:
        """Why the amount has no value for ``year`` ("" when it has)."""
        if self.kind in ("fixed", "shortfall") and self.by_year and year not in self.by_year:
            years = "、".join(str(y) for y in sorted(self.by_year))
            return f"目录中没有 {year} 年的{'标准' if self.kind == 'shortfall' else '金额'}（有 {years} 年）"
        return ""

    def for_year(self, year: int) -> Decimal | None:
        """The fixed amount or the shortfall standard of ``year`` (``None`` when the kind has none)."""
        if self.by_year:
            return self.by_year.get(year)
        return self.fixed

    def describe(self, year: int | None = None) -> str:
        """The amount as a clerk reads it: ``3000 元``, ``每月 80 元 × 12``, ``C 级 8000 元、D 级 15000 元`` …"""
        if self.kind == "fixed":
            if self.by_year:
                value = self.by_year.get(year) if year is not None else None
                if value is not None:
                    return f"{_plain(value)} 元"
                return "、".join(f"{y} 年 {_plain(v)} 元" for y, v in sorted(self.by_year.items()))
            return f"{_plain(self.fixed)} 元"
        if self.kind == "monthly":
            return f"每月 {_plain(self.fixed)} 元 × {self.months}"
        if self.kind == "by":
            return "、".join(f"{self.words.get(code, code)} {_plain(value)} 元" for code, value in self.values.items())
        if self.kind == "shortfall":
            standard = self.by_year.get(year) if year is not None else None
            text = f"{_plain(standard)} 元" if standard is not None else "当年标准"
            return f"（{text} − 人均纯收入）× 家庭人口"
        if self.kind == "per_person":
            return f"每人 {_plain(self.fixed)} 元"
        if self.kind == "share":
            cap = f"，最高 {_plain(self.cap)} 元" if self.cap is not None else ""
            return f"{SHARE_OF_TEXT.get(self.of, self.of)}的 {_plain((self.share or Decimal(0)) * 100)}%{cap}"
        if self.kind == "post_wage":
            return "岗位月报酬 × 当年在岗月数"
        return "贷款额 × 贴息率 × 当年在贷月数 ÷ 12"


SHARE_OF_TEXT = {
    "wage": "工资性收入",
    "business_income": "生产经营性收入",
    "dividend": "资产收益分红",
    "other_property": "其他财产性收入",
    "family_planning": "计划生育金",
    "dibao": "低保金",
    "tekun": "特困供养金",
    "pension": "养老金",
    "eco_compensation": "生态补偿金",
    "other_transfer": "其他转移性收入",
    "medical_self_paid": "自付医疗费用",
}


def _plain(value: Decimal | None) -> str:
    if value is None:
        return "—"
    text = format(value.normalize(), "f")
    return text


@dataclass(frozen=True)
class Benefit:
    code: str
    name: str
    department: str
    category: str
    unit: str
    covered: bool
    amount: Amount
    period: str = "year"
    conditions: tuple[Condition, ...] = ()
    age: tuple[int, int] | None = None
    events: tuple[str, ...] = ()  # stored event kinds; empty: no event condition
    post: bool = False
    loan: bool = False
    income_item: str = ""
    documents: tuple[str, ...] = ()
    source: str = ""
    ours: bool = False

    @property
    def per_member(self) -> bool:
        return self.unit == "member"

    def conditions_text(self) -> str:
        """The conditions in words, for the catalogue page and the window."""
        parts = ["享受政策对象" if self.covered else "不限于享受政策对象"]
        for condition in self.conditions:
            label = FIELD_TEXT.get(condition.field, condition.field)
            words = "、".join(word or "空白" for word in condition.words)
            parts.append(f"{label}{'不是' if condition.negated else '为'}{words}")
        if self.age:
            parts.append(f"年龄 {self.age[0]}–{self.age[1]} 岁")
        if self.events:
            parts.append("当年发生突发事件")
        if self.post:
            parts.append("当年在岗")
        if self.loan:
            parts.append("当年有未结清的扶贫小额信贷")
        return "；".join(parts)


FIELD_TEXT = {
    "school_status": "在校生状况",
    "medical_insurance": "基本医疗保险",
    "disability_grade": "残疾等级",
    "health": "健康状况",
    "labor": "劳动技能",
    "work_status": "务工状况",
    "education": "文化程度",
    "relation": "与户主关系",
    "poverty_status": "贫困户状态",
    "attribute": "户类型",
    "housing_grade": "住房安全等级",
    "relocation": "易地搬迁",
}


@dataclass(frozen=True)
class Catalogue:
    name: str
    title: str
    version: str
    departments: dict[str, str]
    benefits: dict[str, Benefit]
    extends: str = ""

    def get(self, code: str) -> Benefit | None:
        return self.benefits.get(code)

    def department_name(self, key: str) -> str:
        return self.departments.get(key, key)

    def for_department(self, key: str) -> list[Benefit]:
        return [b for b in self.benefits.values() if b.department == key]

    def problems_for(self, year: int) -> dict[str, str]:
        """Benefit code → why it is not computed for ``year`` (its amount has no value for that year)."""
        return {code: p for code, b in self.benefits.items() if (p := b.amount.problem(year))}


# --- parsing ---------------------------------------------------------------------------------------------------


def _decimal(value: Any, what: str, problems: list[str], *, positive: bool = True) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        problems.append(f"{what}应为数字")
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        problems.append(f"{what}应为数字，而不是「{value}」")
        return None
    if not number.is_finite() or number < 0 or (positive and number == 0):
        problems.append(f"{what}应为{'正数' if positive else '非负数'}，而不是 {value}")
        return None
    if number.as_tuple().exponent < -2:  # type: ignore[operator]
        problems.append(f"{what}最多两位小数：{value}")
        return None
    return number


def _by_year(value: Any, what: str, problems: list[str]) -> dict[int, Decimal]:
    table: dict[int, Decimal] = {}
    for key, amount in value.items():
        if not str(key).isdigit() or not 2000 <= int(key) <= 2100:
            problems.append(f"{what}的年份「{key}」无效")
            continue
        number = _decimal(amount, f"{what} {key} 年", problems)
        if number is not None:
            table[int(key)] = number
    if not table and not problems:
        problems.append(f"{what}至少要有一个年份")
    return table


def _words(field_name: str, value: Any, what: str, problems: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    vocabulary = {**MEMBER_FIELDS, **HOUSEHOLD_FIELDS}[field_name]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(w, str) for w in value):
        problems.append(f'{what}应为台账用词的列表，如 ["{next(iter(LEDGER_TEXT[vocabulary]))}"]')
        return (), ()
    codes: list[str] = []
    for word in value:
        if word == "":
            codes.append("")
        elif word in LEDGER_TEXT[vocabulary]:
            codes.append(str(LEDGER_TEXT[vocabulary][word]))
        else:
            allowed = "、".join(LEDGER_TEXT[vocabulary])
            problems.append(f'{what}中的「{word}」不是台账用词（可用：{allowed}，空白写作 ""）')
    return tuple(codes), tuple(value)


def _amount(raw: Any, benefit: dict[str, Any], what: str, problems: list[str]) -> Amount | None:
    if not isinstance(raw, dict):
        problems.append(f"{what}：缺少 amount（金额或公式）")
        return None
    kinds = [k for k in AMOUNT_KINDS if k in raw]
    if len(kinds) != 1:
        problems.append(f"{what}：amount 应恰有一种（{'、'.join(AMOUNT_KINDS)}），现为 {'、'.join(kinds) or '无'}")
        return None
    kind = kinds[0]
    unit = benefit.get("unit")
    when = benefit.get("when") or {}
    spot = f"{what} 的 amount.{kind}"
    if kind == "fixed":
        value = raw["fixed"]
        if isinstance(value, dict):
            return Amount(kind, by_year=_by_year(value, spot, problems))
        return Amount(kind, fixed=_decimal(value, spot, problems))
    if kind == "monthly":
        months = raw.get("months", 12)
        if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= 12:
            problems.append(f"{spot}：months 应为 1–12 的整数")
            months = 12
        return Amount(kind, fixed=_decimal(raw["monthly"], spot, problems), months=months)
    if kind == "by":
        by = raw["by"]
        level_fields = MEMBER_FIELDS if unit == "member" else {}
        allowed = {**level_fields, **HOUSEHOLD_FIELDS}
        if by not in allowed:
            problems.append(f"{spot}：按「{by}」取值不可用（可用：{'、'.join(allowed)}）")
            return None
        values = raw.get("values")
        if not isinstance(values, dict) or not values:
            problems.append(f"{spot}：缺少 values（各取值对应的金额）")
            return None
        table: dict[str, Decimal] = {}
        words: dict[str, str] = {}
        for word, amount in values.items():
            codes, _words_given = _words(by, [word], f"{spot}.values", problems)
            number = _decimal(amount, f"{spot}.values.{word}", problems)
            if codes and number is not None:
                table[codes[0]], words[codes[0]] = number, word
        return Amount(kind, by=by, values=table, words=words)
    if kind == "shortfall":
        if unit != "household":
            problems.append(f'{spot}：补差只适用于整户政策（unit = "household"）')
        value = raw["shortfall"]
        if not isinstance(value, dict):
            problems.append(f"{spot}：应为按年份的标准，如 {{ 2020 = 5160 }}")
            return None
        disregard = raw.get("disregard", [])
        if not isinstance(disregard, list) or any(item not in INCOME_ITEMS for item in disregard):
            problems.append(f"{spot}：disregard 应为不计入家庭收入的收入项列表（{'、'.join(INCOME_ITEMS)}）")
            disregard = []
        return Amount(kind, by_year=_by_year(value, spot, problems), disregard=tuple(disregard))
    if kind == "per_person":
        if unit != "household":
            problems.append(f"{spot}：按人计只适用于整户政策")
        return Amount(kind, fixed=_decimal(raw["per_person"], spot, problems))
    if kind == "share":
        if unit != "household":
            problems.append(f"{spot}：按收入比例只适用于整户政策")
        of = raw.get("of")
        if of not in SHARE_OF:
            problems.append(f"{spot}：of 应为收入项之一（{'、'.join(SHARE_OF)}）")
        share = _decimal(raw["share"], spot, problems)
        if share is not None and share > 1:
            problems.append(f"{spot}：比例应在 0 与 1 之间")
        cap = _decimal(raw["cap"], f"{spot}.cap", problems) if "cap" in raw else None
        return Amount(kind, share=share, of=str(of), cap=cap)
    if kind == "post_wage":
        if unit != "member" or when.get("post") is not True:
            problems.append(f"{spot}：岗位工资只适用于成员政策，且条件须有 post = true")
        return Amount(kind)
    if unit != "household" or when.get("loan") is not True:
        problems.append(f"{spot}：贴息只适用于整户政策，且条件须有 loan = true")
    return Amount(kind)


_BENEFIT_KEYS = {
    "code",
    "name",
    "department",
    "category",
    "unit",
    "covered",
    "period",
    "when",
    "amount",
    "income_item",
    "documents",
    "source",
    "ours",
}


def _benefit(raw: Any, index: int, departments: dict[str, str], problems: list[str]) -> Benefit | None:
    if not isinstance(raw, dict):
        problems.append(f"第 {index} 项政策不是表")
        return None
    code = raw.get("code")
    what = f"政策 {code}" if isinstance(code, str) and code else f"第 {index} 项政策"
    before = len(problems)
    if not isinstance(code, str) or not code.strip() or len(code) > 20 or code != code.strip():
        problems.append(f"{what}：code 应为不超过 20 个字符的代码")
    unknown = sorted(set(raw) - _BENEFIT_KEYS)
    if unknown:
        problems.append(f"{what}：不认识的键 {'、'.join(unknown)}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        problems.append(f"{what}：缺少名称（name，不超过 100 个字符）")
    department = raw.get("department")
    if department not in departments:
        problems.append(f"{what}：主管部门「{department}」不在 [departments] 中")
    unit = raw.get("unit")
    if unit not in UNITS:
        problems.append(f'{what}：unit 应为 "member"（成员）或 "household"（整户）')
    period = raw.get("period", "year")
    if period not in PERIODS:
        problems.append(f'{what}：period 应为 "year"（每年）或 "once"（一次性）')
    covered = raw.get("covered")
    if not isinstance(covered, bool):
        problems.append(f"{what}：covered 应为 true 或 false（是否限于享受政策对象）")
    income_item = raw.get("income_item", "")
    if income_item not in ("", *INCOME_ITEMS):
        problems.append(f'{what}：income_item 应为收入项之一（{"、".join(INCOME_ITEMS)}）或 ""')
    documents = raw.get("documents", [])
    if not isinstance(documents, list) or not all(isinstance(d, str) and d.strip() for d in documents):
        problems.append(f"{what}：documents 应为材料名称的列表")
        documents = []
    when = raw.get("when", {})
    if not isinstance(when, dict):
        problems.append(f"{what}：when 应为条件表")
        when = {}
    conditions: list[Condition] = []
    age: tuple[int, int] | None = None
    events: tuple[str, ...] = ()
    post = loan = False
    for key, value in when.items():
        spot = f"{what} 的条件 {key}"
        base = key.removesuffix("_not")
        if base in MEMBER_FIELDS or base in HOUSEHOLD_FIELDS:
            if base in MEMBER_FIELDS and unit != "member":
                problems.append(f'{spot}：成员条件只适用于成员政策（unit = "member"）')
            codes, words = _words(base, value, spot, problems)
            conditions.append(Condition(base, codes, negated=key != base, words=words))
        elif key == "age":
            ok = (
                isinstance(value, list)
                and len(value) == 2
                and all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 150 for v in value)
                and value[0] <= value[1]
            )
            if not ok or unit != "member":
                problems.append(f"{spot}：应为 [最小, 最大] 两个整数（成员政策）")
            else:
                age = (value[0], value[1])
        elif key == "event":
            codes, _given = _words_event(value, spot, problems)
            events = codes
        elif key == "post":
            if value is not True or unit != "member":
                problems.append(f"{spot}：只能写 post = true（成员政策）")
            post = True
        elif key == "loan":
            if value is not True or unit != "household":
                problems.append(f"{spot}：只能写 loan = true（整户政策）")
            loan = True
        else:
            problems.append(f"{spot}：不认识的条件")
    amount = _amount(raw.get("amount"), raw, what, problems)
    if len(problems) > before or amount is None:
        return None
    return Benefit(
        code=str(code),
        name=str(name).strip(),
        department=str(department),
        category=str(raw.get("category", "")),
        unit=str(unit),
        covered=bool(covered),
        amount=amount,
        period=str(period),
        conditions=tuple(conditions),
        age=age,
        events=events,
        post=post,
        loan=loan,
        income_item=str(income_item),
        documents=tuple(documents),
        source=str(raw.get("source", "")),
        ours=bool(raw.get("ours", False)),
    )


def _words_event(value: Any, what: str, problems: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    words = LEDGER_TEXT[EventKind]
    if not isinstance(value, list) or not value or not all(isinstance(w, str) and w in words for w in value):
        problems.append(f"{what}：应为突发事件类型的列表（{'、'.join(words)}）")
        return (), ()
    return tuple(str(words[w]) for w in value), tuple(value)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise CatalogueError(f"政策目录 {path.name}：不是有效的 TOML 文件（{error}）。") from None
    except OSError as error:
        raise CatalogueError(f"政策目录 {path.name}：无法读取（{error.strerror}）。") from None


def _build(path: Path, raw: dict[str, dict[str, Any]], by_name: dict[str, Path], seen: tuple[str, ...]) -> Catalogue:
    data = raw[str(path)]
    head = data.get("catalogue")
    problems: list[str] = []
    if not isinstance(head, dict):
        raise CatalogueError(f"政策目录 {path.name}：缺少 [catalogue] 表。")
    name = str(head.get("name", path.stem))
    if name in seen:
        raise CatalogueError(f"政策目录 {path.name}：extends 形成循环（{' → '.join((*seen, name))}）。")
    extends = str(head.get("extends", ""))
    parent: Catalogue | None = None
    if extends:
        if extends not in by_name:
            raise CatalogueError(f"政策目录 {path.name}：extends 的目录「{extends}」不存在。")
        parent = _build(by_name[extends], raw, by_name, (*seen, name))
    departments = dict(parent.departments) if parent else {}
    own_departments = data.get("departments", {})
    if not isinstance(own_departments, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() and len(k) <= 40 for k, v in own_departments.items()
    ):
        problems.append('[departments] 应为 部门代码 = "部门名称"（代码不超过 40 个字符）')
    else:
        departments.update(own_departments)
    benefits = dict(parent.benefits) if parent else {}
    remove = head.get("remove", [])
    if not isinstance(remove, list) or any(code not in benefits for code in remove):
        problems.append("remove 应为上级目录中已有的政策代码列表")
    else:
        for code in remove:
            benefits.pop(code)
    own = data.get("benefit", [])
    if not isinstance(own, list):
        problems.append("[[benefit]] 应为政策的数组")
        own = []
    seen_codes: set[str] = set()
    for index, item in enumerate(own, start=1):
        benefit = _benefit(item, index, departments, problems)
        if benefit is None:
            continue
        if benefit.code in seen_codes:
            problems.append(f"政策 {benefit.code}：代码重复")
        seen_codes.add(benefit.code)
        benefits[benefit.code] = benefit
    if not benefits and not problems:
        problems.append("目录中没有政策")
    if problems:
        raise CatalogueError(f"政策目录 {path.name} 有 {len(problems)} 处问题：" + "；".join(problems) + "。")
    return Catalogue(
        name=name,
        title=str(head.get("title", name)),
        version=str(head.get("version", "")),
        departments=departments,
        benefits=dict(sorted(benefits.items())),
        extends=extends,
    )


def catalogue_directories() -> list[Path]:
    """Where catalogues are looked for: the shipped ones, then the county's own."""
    extra = [Path(d) for d in getattr(settings, "BENEFIT_CATALOGUE_DIRS", [])]
    return [BUILTIN_DIR, Path(settings.DATA_DIR) / "benefits", *extra]


def _scan(directories: Iterable[Path]) -> tuple[dict[str, dict[str, Any]], dict[str, Path]]:
    raw: dict[str, dict[str, Any]] = {}
    by_name: dict[str, Path] = {}
    for directory in directories:
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            data = _read(path)
            raw[str(path)] = data
            head = data.get("catalogue")
            name = str(head.get("name", path.stem)) if isinstance(head, dict) else path.stem
            if name in by_name:
                raise CatalogueError(f"政策目录名称「{name}」重复：{by_name[name]} 与 {path}。")
            by_name[name] = path
    return raw, by_name


def catalogues_load(directories: Iterable[Path] | None = None) -> dict[str, Catalogue]:
    """Every catalogue in the directories, by name. A broken file or a duplicate name is an error."""
    raw, by_name = _scan(directories if directories is not None else catalogue_directories())
    return {name: _build(path, raw, by_name, ()) for name, path in by_name.items()}


def catalogue_get(name: str | None = None) -> Catalogue:
    """The catalogue of that name (default: the ``BENEFIT_CATALOGUE`` setting, ``"default"`` unless set)."""
    wanted = name or getattr(settings, "BENEFIT_CATALOGUE", DEFAULT_CATALOGUE)
    catalogues = catalogues_load()
    if wanted not in catalogues:
        raise CatalogueError(f"没有名为「{wanted}」的政策目录（可用：{'、'.join(sorted(catalogues))}）。")
    return catalogues[wanted]


def catalogue_check(path: Path) -> Catalogue:
    """Validate one file together with the installed catalogues it may extend (``jingzhun benefits catalogue``)."""
    directories = [d for d in catalogue_directories() if d.resolve() != path.parent.resolve()]
    raw, by_name = _scan(directories)
    raw[str(path)] = _read(path)
    head = raw[str(path)].get("catalogue")
    by_name[str(head.get("name", path.stem)) if isinstance(head, dict) else path.stem] = path
    return _build(path, raw, by_name, ())
