"""The household ledger (docs/LEDGER.md §1) as column specifications.

Each column knows its Chinese header, the model field it fills, whether it is a household-level column
(repeated on every row of a household), and how to turn cell text into a value — or into a Chinese reason
why it cannot. Import and export are both built from these lists, so the two stay one format.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import TextChoices

from jingzhun.spreadsheets.cells import (
    Column,
    amount_parser,
    decimal_parser,
    int_parser,
    required_text,
    text_parser,
    village_code_parser,
    year_parser,
    yes_no_parser,
)
from jingzhun.spreadsheets.cells import enum_parser as _enum_parser

from .vocab import (
    LEDGER_TEXT,
    Attribute,
    Cause,
    DisabilityGrade,
    Education,
    Health,
    HousingGrade,
    Labor,
    MedicalInsurance,
    MemberStatus,
    PovertyStatus,
    Relation,
    Relocation,
    SchoolStatus,
    WorkStatus,
)


def coded(
    header: str,
    field: str,
    level: str,
    enum: type[TextChoices],
    *,
    default: str | None = None,
    required: bool = False,
    required_header: bool = False,
) -> Column:
    """A column of a closed vocabulary, written in the ledger's Chinese words (vocab.LEDGER_TEXT)."""
    # Plain ``str`` codes, not the enum's members: a ``str`` subclass costs the database driver an adapter
    # look-up for every cell it binds.
    words = {text: str(code) for text, code in LEDGER_TEXT[enum].items()}
    return Column(
        header,
        field,
        level,
        _enum_parser(words, default=None if default is None else str(default), required=required),
        required_header=required_header,
        choices=words,
    )


H, M, INC = "household", "member", "income"

LEDGER_COLUMNS: tuple[Column, ...] = (
    Column("户编号", "household_no", H, text_parser(40, required=True), required_header=True),
    Column("村代码", "village_code", H, village_code_parser, required_header=True),
    Column("行政村", "village_name", H, text_parser(100), required_header=True),
    Column("姓名", "name", M, text_parser(60, required=True), required_header=True),
    Column("证件号码", "id_number", M, required_text, required_header=True),  # parsed by idnumber.parse
    coded("与户主关系", "relation", M, Relation, required=True, required_header=True),
    coded("成员状态", "status", M, MemberStatus, default=MemberStatus.ACTIVE),
    Column("民族", "ethnicity", M, text_parser(20)),
    coded("文化程度", "education", M, Education),
    coded("在校生状况", "school_status", M, SchoolStatus),
    coded("健康状况", "health", M, Health),
    coded("残疾等级", "disability_grade", M, DisabilityGrade),
    coded("劳动技能", "labor", M, Labor),
    coded("务工状况", "work_status", M, WorkStatus),
    Column("务工月数", "work_months", M, int_parser(0, 12)),
    coded("基本医疗保险", "medical_insurance", M, MedicalInsurance),
    Column("基本养老保险", "pension_insured", M, yes_no_parser()),
    coded("户类型", "attribute", H, Attribute, default=Attribute.GENERAL),
    coded("贫困户状态", "poverty_status", H, PovertyStatus, required=True, required_header=True),
    Column("识别年度", "year_registered", H, year_parser),
    Column("脱贫年度", "year_exited", H, year_parser),
    coded("主要致贫原因", "main_cause", H, Cause),
    Column("不愁吃不愁穿", "food_clothing_ok", H, yes_no_parser(default=True)),
    coded("住房安全等级", "housing_grade", H, HousingGrade),
    coded("易地搬迁", "relocation", H, Relocation, default=Relocation.NO),
    Column("饮水水质达标", "water_quality_ok", H, yes_no_parser()),
    Column("每人每日水量", "water_lpd", H, decimal_parser(high=Decimal(1000000))),
    Column("自来水入户", "water_piped", H, yes_no_parser()),
    Column("取水往返分钟", "water_fetch_minutes", H, decimal_parser(high=Decimal(100000), places=1)),
    Column("供水保证率", "water_supply_rate", H, decimal_parser(high=Decimal("100.001"))),
    Column("收入年度", "income_year", INC, year_parser),
    Column("工资性收入", "wage", INC, amount_parser),
    Column("生产经营性收入", "business_income", INC, decimal_parser(allow_negative=True, blank=Decimal("0.00"))),
    Column("生产经营性支出", "business_expense", INC, amount_parser),
    Column("资产收益分红", "dividend", INC, amount_parser),
    Column("其他财产性收入", "other_property", INC, amount_parser),
    Column("计划生育金", "family_planning", INC, amount_parser),
    Column("低保金", "dibao", INC, amount_parser),
    Column("特困供养金", "tekun", INC, amount_parser),
    Column("养老保险金", "pension", INC, amount_parser),
    Column("生态补偿金", "eco_compensation", INC, amount_parser),
    Column("其他转移性收入", "other_transfer", INC, amount_parser),
    Column("自付医疗费用", "medical_self_paid", INC, amount_parser),
    Column("联系电话", "phone", H, text_parser(40)),
)

INCOME_AMOUNT_FIELDS = tuple(c.field for c in LEDGER_COLUMNS if c.level == INC and c.field != "income_year")
# Columns written 是/否 in the ledger and stored as booleans.
YES_NO_FIELDS = frozenset({"food_clothing_ok", "water_quality_ok", "water_piped", "pension_insured"})
