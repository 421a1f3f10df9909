"""Model factories (factory-boy) shared by every app's tests.

Areas: a village built without a parent gets a new town in the sample county 370125 (济阳区, 济南市, 山东省);
a town without a parent goes into that county, and so on up. Codes follow the statistical layout:
province 2 digits, city 2, county 2, town 3, village 3 (``370125`` ``105`` ``201``). Members carry valid
18-digit ID numbers whose birth date and sex agree with the member's fields.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory, Password

from jingzhun.accounts.models import Role, User
from jingzhun.areas.models import PREFIX_LENGTH, Area, Level
from jingzhun.benefits.models import (
    Application,
    Loan,
    Payment,
    PaymentSource,
    Post,
    Student,
    StudentLevel,
)
from jingzhun.core.idnumber import check_character
from jingzhun.projects.models import Beneficiary, Fund, FundSource, Project, ProjectKind, ProjectLevel, Stage
from jingzhun.registry.models import Household, Income, Member
from jingzhun.registry.vocab import Cause, MemberStatus, PovertyStatus, Relation

TEST_PASSWORD = "Jingzhun-test-2026"

# The fixed chain every parentless area hangs from.
SAMPLE_CHAIN = [
    ("370000000000", "山东省", Level.PROVINCE),
    ("370100000000", "济南市", Level.CITY),
    ("370125000000", "济阳区", Level.COUNTY),
]
_PARENT_LEVEL = {
    Level.CITY: Level.PROVINCE,
    Level.COUNTY: Level.CITY,
    Level.TOWN: Level.COUNTY,
    Level.VILLAGE: Level.TOWN,
}
_TOWN_ROOTS = ["济北", "崔寨", "孙耿", "回河", "太平", "新市", "曲堤", "仁风", "垛石", "姜集"]
_VILLAGE_ROOTS = ["王家", "李家", "张庄", "刘集", "陈屯", "杨湾", "赵楼", "孙寨", "周店", "吴桥", "郑岗", "冯营"]
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN_NAMES = ["建国", "秀英", "桂兰", "志强", "海燕", "国华", "玉梅", "明", "静", "伟", "丽娟", "宏伟"]


def sample_area(level: Level) -> Area:
    """The fixed province, city or county of the sample chain (created on first use)."""
    parent = None
    for code, name, chain_level in SAMPLE_CHAIN:
        area, _ = Area.objects.get_or_create(code=code, defaults={"name": name, "level": chain_level, "parent": parent})
        if chain_level == level:
            return area
        parent = area
    raise ValueError(f"no sample area at level {level}")


def _default_parent(level: str) -> Area | None:
    if level == Level.PROVINCE:
        return None
    parent_level = _PARENT_LEVEL[Level(level)]
    if parent_level == Level.TOWN:
        return AreaFactory(level=Level.TOWN)  # a new town for each new village
    return sample_area(parent_level)


def _code(parent: Area | None, level: str, n: int) -> str:
    """A code below ``parent`` that the fixed sample chain never uses."""
    level = Level(level)
    if level == Level.PROVINCE:
        return f"{11 + n % 25:02d}" + "0" * 10  # 11..35: never 37, the sample province
    assert parent is not None, "only a province has no parent"
    prefix = parent.prefix
    width = PREFIX_LENGTH[level] - len(prefix)
    if level == Level.VILLAGE:
        local = 200 + n % 800  # 2xx..9xx: village committees
    elif level == Level.TOWN:
        local = 100 + n % 400
    else:
        local = 50 + n % 49  # cities and counties 50..98, clear of the sample's 01 and 25
    return (prefix + f"{local:0{width}d}").ljust(12, "0")


def _name(level: str, n: int) -> str:
    if level == Level.VILLAGE:
        roots, suffix = _VILLAGE_ROOTS, "村"
    elif level == Level.TOWN:
        roots, suffix = _TOWN_ROOTS, "镇"
    else:
        return f"测试{Level(level).label}{n}"
    root = roots[n % len(roots)]
    return f"{root}{n // len(roots) or ''}{suffix}"


class AreaFactory(DjangoModelFactory):
    """``AreaFactory()`` is a village in a new town of the sample county; pass ``level`` and ``parent``."""

    class Meta:
        model = Area

    level = Level.VILLAGE
    parent = factory.LazyAttribute(lambda o: _default_parent(o.level))
    code = factory.LazyAttributeSequence(lambda o, n: _code(o.parent, o.level, n))
    name = factory.LazyAttributeSequence(lambda o, n: _name(o.level, n))
    population = factory.LazyAttribute(lambda o: 1200 if o.level == Level.VILLAGE else None)


class HouseholdFactory(DjangoModelFactory):
    class Meta:
        model = Household

    village = factory.SubFactory(AreaFactory, level=Level.VILLAGE)
    household_no = factory.LazyAttributeSequence(lambda o, n: f"{o.village.code}{n:05d}")
    poverty_status = PovertyStatus.EXITED
    year_registered = 2015
    year_exited = factory.LazyAttribute(
        lambda o: 2019 if o.poverty_status in (PovertyStatus.EXITED, PovertyStatus.EXITED_NO_POLICY) else None
    )
    main_cause = Cause.ILLNESS
    housing_grade = "A"
    phone = factory.Sequence(lambda n: f"138{n:08d}")


def _id_number(region: str, born: dt.date, sex: str, n: int) -> str:
    # The 17th digit is odd for men and even for women.
    sequence = (n % 500) * 2 + (1 if sex == "M" else 0)
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def id_number_guess(number: str, days: int) -> str:
    """A wrong guess of a masked ``number``, as an attacker makes it: the same region and sequence number (the
    masked number shows them), born ``days`` later, with its check character."""
    born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14])) + dt.timedelta(days=days)
    first17 = f"{number[:6]}{born:%Y%m%d}{number[14:17]}"
    return first17 + check_character(first17)


class MemberFactory(DjangoModelFactory):
    class Meta:
        model = Member

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Sequence(lambda n: _SURNAMES[n % len(_SURNAMES)] + _GIVEN_NAMES[n % len(_GIVEN_NAMES)])
    relation = Relation.HEAD
    status = MemberStatus.ACTIVE
    birth_date = factory.Sequence(lambda n: dt.date(1950, 1, 1) + dt.timedelta(days=(n * 397) % 20000))
    sex = factory.Sequence(lambda n: "M" if n % 2 else "F")
    id_number = factory.LazyAttributeSequence(
        lambda o, n: _id_number(o.household.village.code[:6], o.birth_date, o.sex, n)
    )
    ethnicity = "汉族"


class IncomeFactory(DjangoModelFactory):
    class Meta:
        model = Income
        django_get_or_create = ("household", "year")

    household = factory.SubFactory(HouseholdFactory)
    year = 2025
    wage = Decimal("18000.00")
    business_income = Decimal("6000.00")
    business_expense = Decimal("1500.00")
    pension = Decimal("2400.00")


class UserFactory(DjangoModelFactory):
    """A village user of a new village by default; ``password`` is :data:`TEST_PASSWORD`."""

    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: _SURNAMES[n % len(_SURNAMES)] + _GIVEN_NAMES[n % len(_GIVEN_NAMES)])
    password = Password(TEST_PASSWORD)
    role = Role.VILLAGE
    area = factory.SubFactory(AreaFactory, level=Level.VILLAGE)


class ProjectFactory(DjangoModelFactory):
    """A village industry project approved in 2025 (stage 立项) serving a new village by default."""

    class Meta:
        model = Project

    code = factory.Sequence(lambda n: f"XM2025{n:04d}")
    name = factory.Sequence(lambda n: f"{_VILLAGE_ROOTS[n % len(_VILLAGE_ROOTS)]}光伏扶贫电站")
    kind = ProjectKind.INDUSTRY
    level = ProjectLevel.VILLAGE
    area = factory.SubFactory(AreaFactory, level=Level.VILLAGE)
    year = 2025
    planned_investment = Decimal("500000.00")
    stage = Stage.APPROVED
    responsible_unit = "县乡村振兴局"
    declared_on = dt.date(2025, 2, 10)
    approved_on = dt.date(2025, 3, 15)


class BeneficiaryFactory(DjangoModelFactory):
    class Meta:
        model = Beneficiary

    project = factory.SubFactory(ProjectFactory)
    household = factory.SubFactory(HouseholdFactory)
    by_dividend = True


class FundFactory(DjangoModelFactory):
    """A 2025 central fund of 1,000,000 yuan issued in the budget year (not early), owned by the sample county."""

    class Meta:
        model = Fund

    source = FundSource.CENTRAL
    year = 2025
    document_no = factory.Sequence(lambda n: f"财农〔2025〕{n + 1}号")
    title = "中央财政衔接推进乡村振兴补助资金"
    amount = Decimal("1000000.00")
    issued_on = dt.date(2025, 3, 1)
    area = factory.LazyFunction(lambda: sample_area(Level.COUNTY))


class PaymentFactory(DjangoModelFactory):
    """A 2025 payment of 雨露计划 (B01, 3000 yuan) to a member, as entered at the window; pass ``member``."""

    class Meta:
        model = Payment

    benefit = "B01"
    benefit_name = "雨露计划"
    member = factory.SubFactory(MemberFactory)
    household = factory.LazyAttribute(lambda o: o.member.household if o.member is not None else None)
    member_key = factory.LazyAttribute(lambda o: o.member.id_number if o.member is not None else "")
    amount = Decimal("3000.00")
    paid_on = dt.date(2025, 9, 10)
    year = factory.LazyAttribute(lambda o: o.paid_on.year)
    department = "乡村振兴局"
    income_item = ""
    source = PaymentSource.WINDOW


class ApplicationFactory(DjangoModelFactory):
    """An application for 雨露计划 (B01) of 2025 at 受理, for a member; pass ``member``."""

    class Meta:
        model = Application

    benefit = "B01"
    benefit_name = "雨露计划"
    department = "rural_revitalization"
    member = factory.SubFactory(MemberFactory)
    household = factory.LazyAttribute(lambda o: o.member.household)
    year = 2025
    amount = Decimal("3000.00")
    submitted_on = dt.date(2025, 9, 1)


class PostFactory(DjangoModelFactory):
    """A public-welfare post (B20) of 2025 at 600 yuan a month held by a member; pass ``holder``."""

    class Meta:
        model = Post

    benefit = "B20"
    title = "保洁员"
    holder = factory.SubFactory(MemberFactory)
    household = factory.LazyAttribute(lambda o: o.holder.household)
    village = factory.LazyAttribute(lambda o: o.holder.household.village)
    monthly_pay = Decimal("600.00")
    started_on = dt.date(2025, 1, 1)


class LoanFactory(DjangoModelFactory):
    """A three-year micro-credit loan of 50,000 yuan at 4.35 %, fully subsidised, issued 2024-03-01."""

    class Meta:
        model = Loan

    borrower = factory.SubFactory(MemberFactory)
    household = factory.LazyAttribute(lambda o: o.borrower.household)
    bank = "县农村商业银行"
    contract_no = factory.Sequence(lambda n: f"XD2024{n:05d}")
    amount = Decimal("50000.00")
    term_months = 36
    annual_rate = Decimal("4.350")
    subsidy_rate = Decimal("4.350")
    issued_on = dt.date(2024, 3, 1)
    due_on = dt.date(2027, 3, 1)
    purpose = "养殖"


class StudentFactory(DjangoModelFactory):
    """A 雨露计划 student of 2025 in secondary vocational school; pass ``member``."""

    class Meta:
        model = Student

    member = factory.SubFactory(MemberFactory)
    household = factory.LazyAttribute(lambda o: o.member.household)
    school = "县职业教育中心"
    major = "数控技术"
    level = StudentLevel.VOCATIONAL
    year = 2025
