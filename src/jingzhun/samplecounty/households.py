"""One registered household at a time: its family, its members' facts, its living conditions and incomes.

Every choice is drawn from one ``random.Random`` so a seed fixes the whole county. The distributions and
the reasons for them are in ``docs/sample-county.md``; keep the two in step.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import random
from array import array
from dataclasses import dataclass

from jingzhun.core.idnumber import CHECK_CHARACTERS, WEIGHTS

from .columns import MEMBER_COLUMNS
from .geography import County, Village
from .names import PHONE_PREFIXES, SURNAMES, Weighted, given_name

HEAD = "户主"
INSURANCE = MEMBER_COLUMNS.index("基本医疗保险")
CHILD_RELATIONS = {(False, False): "之子", (False, True): "之女", (True, False): "之孙子", (True, True): "之孙女"}
ACTIVE = "在册"

HOUSEHOLD_SIZES = Weighted([(1, 26), (2, 31), (3, 16), (4, 13), (5, 8), (6, 4), (7, 1.5), (8, 0.5)])

POVERTY_STATUSES = Weighted(
    [
        ("已脱贫(享受政策)", 58),
        ("已脱贫(不再享受政策)", 17),
        ("非贫困户", 20),
        ("未脱贫", 2.5),
        ("返贫", 1.5),
        ("预脱贫", 1),
    ]
)
UNEXITED = frozenset({"未脱贫", "返贫"})

YEARS_REGISTERED = Weighted([(2014, 62), (2015, 12), (2016, 10), (2017, 7), (2018, 5), (2019, 4)])
EXIT_YEAR_WEIGHT = {2014: 2, 2015: 8, 2016: 18, 2017: 22, 2018: 22, 2019: 18, 2020: 12}
# Households no longer receiving policy left early, before the 2018–2020 push.
EARLY_EXIT_YEAR_WEIGHT = {2014: 10, 2015: 30, 2016: 35, 2017: 20, 2018: 5}

CAUSE_BASE = {
    "因病": 30.0,
    "因残": 14.0,
    "因学": 4.0,
    "因灾": 2.0,
    "缺土地": 3.0,
    "缺水": 1.0,
    "缺技术": 10.0,
    "缺劳力": 8.0,
    "缺资金": 9.0,
    "交通条件落后": 1.5,
    "自身发展动力不足": 3.0,
    "其他": 2.0,
}

HEALTH_CHILD = Weighted([("健康", 96.5), ("长期慢性病", 1), ("患有大病", 0.5), ("残疾", 2)])
HEALTH_YOUNG = Weighted([("健康", 84), ("长期慢性病", 6), ("患有大病", 3), ("残疾", 7)])
HEALTH_MIDDLE = Weighted([("健康", 58), ("长期慢性病", 25), ("患有大病", 7), ("残疾", 10)])
HEALTH_OLD = Weighted([("健康", 36), ("长期慢性病", 44), ("患有大病", 8), ("残疾", 12)])
DISABILITY_GRADES = Weighted([("一级", 15), ("二级", 25), ("三级", 30), ("四级", 30)])

# 文化程度 of adults who have left school, by birth cohort (rural China: the old often never went).
EDUCATION_AGE_70 = Weighted([("文盲或半文盲", 50), ("小学", 40), ("初中", 9), ("高中", 1)])
EDUCATION_AGE_50 = Weighted([("文盲或半文盲", 18), ("小学", 45), ("初中", 31), ("高中", 5), ("中专", 1)])
EDUCATION_AGE_30 = Weighted(
    [("文盲或半文盲", 3), ("小学", 24), ("初中", 56), ("高中", 10), ("中专", 4), ("大专及以上", 3)]
)
EDUCATION_AGE_23 = Weighted([("小学", 5), ("初中", 50), ("高中", 18), ("中专", 13), ("大专及以上", 14)])
UPPER_SECONDARY = Weighted([("高中", 55), ("中职", 25), ("非在校生", 20)])
TERTIARY = Weighted([("大专及以上", 28), ("高职", 12), ("非在校生", 60)])
SCHOOL_EDUCATION = {"高中": "高中", "中职": "中专", "高职": "大专及以上", "大专及以上": "大专及以上"}

LABOR_HEALTHY_WORKING_AGE = Weighted([("普通劳动力", 68), ("技能劳动力", 22), ("弱劳动力或半劳动力", 10)])
LABOR_HEALTHY_60S = Weighted([("普通劳动力", 35), ("弱劳动力或半劳动力", 55), ("无劳动力", 10)])
LABOR_OLD = Weighted([("弱劳动力或半劳动力", 30), ("无劳动力", 70)])
LABOR_CHRONIC = Weighted([("弱劳动力或半劳动力", 60), ("普通劳动力", 30), ("丧失劳动力", 10)])
LABOR_SERIOUS = Weighted([("丧失劳动力", 55), ("弱劳动力或半劳动力", 45)])
LABOR_DISABLED_LIGHT = Weighted([("弱劳动力或半劳动力", 60), ("普通劳动力", 30), ("丧失劳动力", 10)])
FULL_LABOR = frozenset({"技能劳动力", "普通劳动力"})
WORK_PLACES = Weighted([("县内务工", 32), ("县外省内务工", 25), ("省外务工", 33), ("公益岗位", 10)])
WORK_PLACES_WEAK = Weighted([("公益岗位", 60), ("县内务工", 40)])
# Median monthly wage by place (yuan, 2020); log-normal around it.
MONTHLY_WAGE = {"省外务工": 4200, "县外省内务工": 3300, "县内务工": 2600, "公益岗位": 600}
AWAY_MONTHS = Weighted([(6, 3), (7, 4), (8, 8), (9, 10), (10, 25), (11, 20), (12, 30)])

ETHNICITIES = Weighted([("汉族", 993), ("回族", 5), ("满族", 2)])

HOUSING_USUAL = Weighted([("A", 45), ("B", 53), ("C", 1.7), ("D", 0.3)])
HOUSING_UNEXITED = Weighted([("A", 20), ("B", 50), ("C", 22), ("D", 8)])
SUPPLY_RATES = Weighted([(90, 8), (92, 10), (95, 40), (96, 10), (98, 15), (100, 17)])

# National poverty line by year (docs/RULES.md §2). 2017 and 2018 are not published there; the generator only
# needs a plausible target, so it interpolates them, and uses the 2020 line for later years.
POVERTY_LINE = {2014: 2800, 2015: 2855, 2016: 2952, 2017: 3041, 2018: 3130, 2019: 3218, 2020: 4000}
# Where a household's per-capita net income should fall: below the line, in the monitoring band up to
# 1.5 × line (6000 in 2020), or above it. The natural draw is kept when it already falls in the chosen band.
INCOME_BANDS = {
    "未脱贫": Weighted([("below", 55), ("watch", 35), ("above", 10)]),
    "返贫": Weighted([("below", 55), ("watch", 35), ("above", 10)]),
    "预脱贫": Weighted([("below", 5), ("watch", 55), ("above", 40)]),
    "已脱贫(享受政策)": Weighted([("below", 1), ("watch", 12), ("above", 87)]),
    "已脱贫(不再享受政策)": Weighted([("below", 0.5), ("watch", 6), ("above", 93.5)]),
    "非贫困户": Weighted([("below", 1.5), ("watch", 10), ("above", 88.5)]),
}


def income_bands(year: int) -> dict[str, tuple[float, float]]:
    """Per-capita ranges of the bands; a household moved up into "above" lands below 3.5 × line."""
    line = POVERTY_LINE.get(year, POVERTY_LINE[2020])
    return {"below": (0.375 * line, line - 1), "watch": (line, 1.5 * line - 1), "above": (1.5 * line, 3.5 * line)}


@dataclass(slots=True)
class Person:
    relation: str
    female: bool
    age: int
    surname: str = ""
    status: str = ACTIVE
    health: str = "健康"
    grade: str = ""
    labor: str = "无劳动力"
    work: str = "未务工"
    months: int = 0
    school: str = "非在校生"
    education: str = ""
    insurance: str = "居民医保"
    pension: str = "否"


class IdAllocator:
    """Unique ID numbers without remembering them: a counter per region, birth date and sex.

    The k-th number for a date takes a sequence from a fixed permutation of that sex's 499 sequences, so
    numbers never repeat and memory is bounded by the number of days, not of people. Digit texts and their
    weighted sums for the check character are built from small per-year and per-day tables.
    """

    def __init__(self, year: int) -> None:
        self.first_year = year - 100
        self.last_year = year
        self.base = dt.date(self.first_year, 1, 1).toordinal()
        self.days = dt.date(year + 1, 1, 1).toordinal() - self.base
        self.counts: dict[str, array] = {}
        self.region_sums: dict[str, int] = {}
        self.years: dict[int, tuple[int, int, str, int, list[tuple[str, int]]]] = {}
        self.month_days = {leap: self._month_days(2000 if leap else 2001) for leap in (False, True)}
        self.seq_texts = [f"{s:03d}" for s in range(1000)]
        self.seq_sums = [_weighted(t, 14) for t in self.seq_texts]

    @staticmethod
    def _month_days(year: int) -> list[tuple[str, int]]:
        first = dt.date(year, 1, 1).toordinal()
        days = dt.date(year + 1, 1, 1).toordinal() - first
        texts = [dt.date.fromordinal(first + d).strftime("%m%d") for d in range(days)]
        return [(t, _weighted(t, 10)) for t in texts]

    def _year(self, year: int) -> tuple[int, int, str, int, list[tuple[str, int]]]:
        info = self.years.get(year)
        if info is None:
            if not self.first_year <= year <= self.last_year:
                raise ValueError(f"birth year {year} outside {self.first_year}–{self.last_year}")
            month_days = self.month_days[calendar.isleap(year)]
            text = f"{year:04d}"
            jan1 = dt.date(year, 1, 1).toordinal() - self.base
            info = self.years[year] = (jan1, len(month_days), text, _weighted(text, 6), month_days)
        return info

    def allocate(self, rng: random.Random, region: str, birth_year: int, female: bool) -> str:
        counts = self.counts.get(region)
        if counts is None:
            counts = self.counts[region] = array("H", bytes(4 * self.days))
            self.region_sums[region] = _weighted(region, 0)
        jan1, length, year_text, year_sum, month_days = self._year(birth_year)
        day = int(rng.random() * length)
        sex = 1 if female else 0
        for _ in range(length):  # a full date moves the number to the next day of the same year
            slot = 2 * (jan1 + day) + sex
            k = counts[slot]
            if k < 499:
                break
            day = (day + 1) % length
        else:
            raise RuntimeError(f"no ID numbers left for {region} {birth_year}")
        counts[slot] = k + 1
        seq = 2 * (((jan1 + day) * 7919 + 37 * k) % 499) + (2 if female else 1)
        mmdd, mmdd_sum = month_days[day]
        total = self.region_sums[region] + year_sum + mmdd_sum + self.seq_sums[seq]
        return region + year_text + mmdd + self.seq_texts[seq] + CHECK_CHARACTERS[total % 11]


def _weighted(digits: str, start: int) -> int:
    """The check-character sum of ``digits`` placed at ``start`` in the 17 digits."""
    return sum(int(c) * w for c, w in zip(digits, WEIGHTS[start : start + len(digits)], strict=True))


@dataclass(slots=True)
class Household:
    number: str
    village: Village
    rows: list[list]
    active: int  # members 在册


def _randint(rng: random.Random, lo: int, hi: int) -> int:
    return lo + int(rng.random() * (hi - lo + 1))


def _old_age(rng: random.Random) -> int:
    return int(rng.triangular(60, 86, 68))


class HouseholdFactory:
    def __init__(self, rng: random.Random, county: County, year: int) -> None:
        self.rng = rng
        self.county = county
        self.year = year
        self.ids = IdAllocator(year)
        self.older_codes = county.older_region_codes
        self.bands = income_bands(year)
        self._cause_tables: dict[tuple[bool, ...], Weighted[str]] = {}
        self._exit_tables: dict[tuple[str, int], Weighted[int]] = {}

    # --- family -------------------------------------------------------------------------------------------

    def _compose(self, size: int) -> list[Person]:
        rng = self.rng
        r = rng.random()
        if size == 1:
            old = r < 0.72
            age = _old_age(rng) if old else _randint(rng, 32, 59)
            return [Person(HEAD, rng.random() < (0.40 if old else 0.25), age)]
        if size == 2:
            if r < 0.62:
                return self._couple_household()
            if r < 0.87:
                head = Person(HEAD, rng.random() < 0.45, _randint(rng, 45, 82))
                return [head, self._child(head.age)]
            if r < 0.95:
                head = Person(HEAD, rng.random() < 0.25, _randint(rng, 30, 58))
                mother = rng.random() < 0.7
                parent_age = min(95, head.age + _randint(rng, 22, 34))
                return [head, Person("之母" if mother else "之父", mother, parent_age)]
            head = Person(HEAD, rng.random() < 0.3, _randint(rng, 40, 75))
            return [head, Person("兄弟姐妹", rng.random() < 0.5, max(30, head.age + _randint(rng, -8, 8)))]
        if size <= 5 and r < 0.55:
            return self._nuclear(size)
        if r < 0.85:
            return self._three_generations(size)
        if r < 0.92:
            head = Person(HEAD, rng.random() < 0.5, _randint(rng, 38, 65))
            return [head, *self._children(head.age, size - 1)]
        return self._with_parents(size)

    def _spouse(self, head: Person) -> Person:
        gap = _randint(self.rng, -2, 6)
        age = head.age + gap if head.female else head.age - gap
        return Person("配偶", not head.female, max(22, min(95, age)))

    def _couple_household(self) -> list[Person]:
        rng = self.rng
        age = _randint(rng, 58, 85) if rng.random() < 0.7 else _randint(rng, 30, 57)
        head = Person(HEAD, rng.random() < 0.08, age)
        return [head, self._spouse(head)]

    def _child(self, parent_age: int, gap: tuple[int, int] = (22, 36)) -> Person:
        female = self.rng.random() < 0.48
        age = max(0, parent_age - _randint(self.rng, *gap))
        return Person("之女" if female else "之子", female, age)

    def _children(self, parent_age: int, count: int, grand: bool = False) -> list[Person]:
        rng = self.rng
        out = []
        age = parent_age - _randint(rng, 21, 30)
        for _ in range(count):
            female = rng.random() < 0.48
            out.append(Person(CHILD_RELATIONS[grand, female], female, max(0, age)))
            age -= _randint(rng, 1, 5)
        return out

    def _nuclear(self, size: int) -> list[Person]:
        rng = self.rng
        head = Person(HEAD, rng.random() < 0.06, _randint(rng, 30, 55))
        return [head, self._spouse(head), *self._children(head.age, size - 2)]

    def _three_generations(self, size: int) -> list[Person]:
        """Head, maybe a spouse, one married child and maybe the child's spouse, then grandchildren."""
        rng = self.rng
        head = Person(HEAD, rng.random() < 0.15, _randint(rng, 52, 82))
        room = size - 3  # head, the child and at least one grandchild are always there
        spouse = room >= 1 and rng.random() < 0.8
        in_law = room - spouse >= 1 and rng.random() < 0.85
        family = [head, self._spouse(head)] if spouse else [head]
        child_age = head.age - _randint(rng, 22, 30)
        uxorilocal = rng.random() < 0.1  # the daughter stayed and her husband married in (入赘)
        family.append(Person("之女" if uxorilocal else "之子", uxorilocal, child_age))
        if in_law:
            if uxorilocal:
                family.append(Person("之女婿", False, max(20, child_age + _randint(rng, -2, 5))))
            else:
                family.append(Person("之儿媳", True, max(20, child_age + _randint(rng, -5, 2))))
        left = size - len(family)
        if left >= 2 and rng.random() < 0.2:  # an unmarried younger child still at home
            family.append(self._child(head.age, (26, 34)))
            left -= 1
        family.extend(self._children(child_age, left, grand=True))
        return family

    def _with_parents(self, size: int) -> list[Person]:
        rng = self.rng
        head = Person(HEAD, False, _randint(rng, 30, 50))
        family = [head, self._spouse(head)]
        father_age = min(95, head.age + _randint(rng, 22, 32))
        if size >= 5 and rng.random() < 0.4:
            family.append(Person("之父", False, father_age))
            family.append(Person("之母", True, min(95, father_age - _randint(rng, 0, 5))))
        elif rng.random() < 0.65:
            family.append(Person("之母", True, min(95, father_age - _randint(rng, 0, 5))))
        else:
            family.append(Person("之父", False, father_age))
        family.extend(self._children(head.age, size - len(family)))
        return family

    def _surnames(self, family: list[Person], village: Village) -> None:
        rng = self.rng
        head = family[0]
        local = village.surname and rng.random() < 0.4
        head.surname = village.surname if local else SURNAMES.pick(rng)
        # The line's surname: the head's, or the husband's where a woman heads the household.
        husband = next((p for p in family if p.relation == "配偶" and not p.female), None)
        if not head.female:
            line = head.surname
        elif husband is not None:
            line = husband.surname = SURNAMES.pick(rng)
        else:
            line = SURNAMES.pick(rng)
        for p in family[1:]:
            if p.surname:
                continue
            if p.relation in ("之子", "之女", "之孙子", "之孙女"):
                p.surname = line
            elif p.relation in ("之父", "兄弟姐妹"):
                p.surname = head.surname
            else:
                p.surname = SURNAMES.pick(rng)

    # --- members ------------------------------------------------------------------------------------------

    def _health(self, p: Person) -> None:
        rng = self.rng
        age = p.age
        table = HEALTH_CHILD if age < 16 else HEALTH_YOUNG if age < 45 else HEALTH_MIDDLE if age < 60 else HEALTH_OLD
        p.health = table.pick(rng)
        if p.health == "残疾":
            p.grade = DISABILITY_GRADES.pick(rng)

    def _schooling(self, p: Person) -> None:
        rng = self.rng
        age = p.age
        if age < 6:
            p.education, p.school = "学龄前儿童", "学龄前"
        elif age <= 15:
            stage = "小学" if age <= 11 else "初中"
            if age == 15 and rng.random() < 0.3:
                stage = "高中"
            p.education = stage
            if p.grade in ("一级", "二级") and rng.random() < 0.5:
                p.school = "送教上门"
            elif rng.random() < 0.004:
                p.school = "辍学"
            else:
                p.school = stage
        elif age <= 18:
            p.school = UPPER_SECONDARY.pick(rng)
            p.education = SCHOOL_EDUCATION.get(p.school, "初中")
        elif age <= 22:
            p.school = TERTIARY.pick(rng)
            p.education = SCHOOL_EDUCATION.get(p.school) or EDUCATION_AGE_23.pick(rng)
        else:
            table = (
                EDUCATION_AGE_70
                if age >= 70
                else EDUCATION_AGE_50
                if age >= 50
                else EDUCATION_AGE_30
                if age >= 30
                else EDUCATION_AGE_23
            )
            p.education = table.pick(rng)

    def _labor_and_work(self, p: Person) -> None:
        rng = self.rng
        age = p.age
        if age < 16 or p.school != "非在校生":
            return  # 无劳动力, 未务工
        health = p.health
        if health == "患有大病":
            p.labor = LABOR_SERIOUS.pick(rng)
        elif health == "残疾":
            p.labor = "丧失劳动力" if p.grade in ("一级", "二级") else LABOR_DISABLED_LIGHT.pick(rng)
        elif age >= 70:
            p.labor = LABOR_OLD.pick(rng) if health == "健康" else "无劳动力"
        elif health == "长期慢性病":
            p.labor = LABOR_CHRONIC.pick(rng)
        elif age >= 60:
            p.labor = LABOR_HEALTHY_60S.pick(rng)
        else:
            p.labor = LABOR_HEALTHY_WORKING_AGE.pick(rng)
        r = rng.random()
        if p.labor in FULL_LABOR:
            if age < 60 and r < 0.78:
                p.work = WORK_PLACES.pick(rng)
            elif age < 70 and r < 0.35:
                p.work = "县内务工" if rng.random() < 0.5 else "公益岗位"
        elif p.labor == "弱劳动力或半劳动力" and age < 70 and r < 0.4:
            p.work = WORK_PLACES_WEAK.pick(rng)
        if p.work == "未务工":
            return
        if p.work in ("省外务工", "县外省内务工"):
            p.months = AWAY_MONTHS.pick(rng)
        elif p.work == "公益岗位":
            p.months = 12 if rng.random() < 0.8 else _randint(rng, 6, 11)
        else:
            p.months = _randint(rng, 3, 12)

    def _person(self, p: Person, ethnicity: str) -> list:
        rng = self.rng
        self._health(p)
        self._schooling(p)
        self._labor_and_work(p)
        if rng.random() < 0.01:
            p.insurance = "未参保"
        elif p.work in ("省外务工", "县外省内务工") and rng.random() < 0.06:
            p.insurance = "职工医保"
        if p.age >= 16 and p.school == "非在校生":
            p.pension = "是" if rng.random() < (0.98 if p.age >= 60 else 0.92) else "否"
        if p.relation != HEAD:
            if p.age >= 65 and rng.random() < 0.08:
                p.status = "死亡"
            elif 18 <= p.age <= 35 and p.relation in ("之子", "之女", "之孙子", "之孙女") and rng.random() < 0.07:
                p.status = "迁出"
        birth_year = self.year - p.age
        region = self.county.code
        if p.age >= 50 and rng.random() < 0.03:
            region = self.older_codes[int(rng.random() * len(self.older_codes))]
        id_number = self.ids.allocate(rng, region, birth_year, p.female)
        name = p.surname + given_name(rng, female=p.female, birth_year=birth_year)
        return [
            name,
            id_number,
            p.relation,
            p.status,
            ethnicity,
            p.education,
            p.school,
            p.health,
            p.grade,
            p.labor,
            p.work,
            p.months,
            p.insurance,
            p.pension,
        ]

    # --- household ----------------------------------------------------------------------------------------

    def _attribute(self, active: list[Person], status: str) -> str:
        rng = self.rng
        no_labor = not any(p.labor in FULL_LABOR or p.labor == "弱劳动力或半劳动力" for p in active)
        alone = len(active) == 1
        if status == "非贫困户":
            return "低保户" if rng.random() < 0.05 else "一般户"
        if alone and (active[0].age >= 60 or no_labor):
            p_tekun, p_dibao = 0.16, 0.25
        else:
            p_tekun = 0.004
            severe = any(p.health == "患有大病" or p.grade in ("一级", "二级") for p in active)
            p_dibao = 0.30 if (no_labor or severe) else 0.10
        r = rng.random()
        if r < p_tekun:
            return "低保特困户" if not alone and rng.random() < 0.3 else "特困供养户"
        return "低保户" if r < p_tekun + p_dibao else "一般户"

    def _cause(self, active: list[Person]) -> str:
        key = (
            any(p.health in ("患有大病", "长期慢性病") for p in active),
            any(p.health == "残疾" for p in active),
            any(p.school in ("高中", "中职", "高职", "大专及以上") for p in active),
            not any(p.labor in FULL_LABOR for p in active),
        )
        table = self._cause_tables.get(key)
        if table is None:
            ill, disabled, student, no_labor = key
            weights = dict(CAUSE_BASE)
            weights["因病"] *= 2.0 if ill else 1
            weights["因残"] *= 2.5 if disabled else 1
            weights["因学"] *= 5 if student else 1
            weights["缺劳力"] *= 3 if no_labor else 1
            table = self._cause_tables[key] = Weighted(list(weights.items()))
        return table.pick(self.rng)

    def _years(self, status: str) -> tuple[int | str, int | str]:
        rng = self.rng
        year = self.year
        if status == "非贫困户":
            return "", ""
        registered = min(YEARS_REGISTERED.pick(rng), year)
        if status in ("未脱贫", "预脱贫"):
            return registered, ""
        key = (status, registered)
        table = self._exit_tables.get(key)
        if table is None:
            weights = EARLY_EXIT_YEAR_WEIGHT if status == "已脱贫(不再享受政策)" else EXIT_YEAR_WEIGHT
            last = year - 1 if status == "返贫" else year
            # Exit comes after registration; when no later year is possible, the year itself.
            choices = [(y, w) for y, w in weights.items() if registered < y <= last] or [(registered, 1)]
            table = self._exit_tables[key] = Weighted(choices)
        return registered, table.pick(rng)

    def _water(self, village: Village, unexited: bool) -> list:
        rng = self.rng
        piped = rng.random() < (0.75 if village.water_scarce else 0.93) - (0.15 if unexited else 0)
        quality = "是" if rng.random() < (0.93 if unexited else 0.985) else "否"
        minutes: int | str = ""  # blank when piped
        if piped:
            litres = _randint(rng, 45, 120)
        else:
            litres = _randint(rng, 20, 45) if village.water_scarce else _randint(rng, 30, 70)
            minutes = _randint(rng, 5, 20) if rng.random() < 0.8 else _randint(rng, 21, 40)
        rate = SUPPLY_RATES.pick(rng) if rng.random() < 0.97 else _randint(rng, 80, 89)
        return [quality, litres, "是" if piped else "否", minutes, rate]

    def _incomes(self, active: list[Person], status: str, attribute: str) -> list[int]:
        """The year's amounts in LEDGER order: wage, business income, business expense, dividends, other
        property income, the six transfers, self-paid medical cost."""
        rng = self.rng
        n = len(active)
        wage = 0.0
        for p in active:
            if p.months:
                wage += p.months * MONTHLY_WAGE[p.work] * rng.lognormvariate(0, 0.25)
        laborers = sum(1 for p in active if p.labor in FULL_LABOR or p.labor == "弱劳动力或半劳动力")
        if not wage and laborers and rng.random() < 0.3:
            wage = _randint(rng, 1000, 4000)  # casual day labour (零工)
        if laborers:
            business = 2500 * (1 + 0.3 * laborers) * rng.lognormvariate(0, 0.5)
        else:
            business = _randint(rng, 300, 1500) if rng.random() < 0.5 else 0
        expense_share = rng.uniform(0.25, 0.5)
        poor = status != "非贫困户"
        dividends = _randint(rng, 30, 150) * 10 if poor and rng.random() < 0.75 else 0
        rent = _randint(rng, 60, 300) * 10 if rng.random() < 0.25 else 0
        elderly = [p for p in active if p.age >= 60]
        family_planning = 960 * min(2, len(elderly)) if elderly and rng.random() < 0.06 else 0
        dibao = tekun = 0
        if attribute in ("低保户", "低保特困户"):
            covered = n if rng.random() < 0.8 else max(1, n - 1)
            dibao = covered * _randint(rng, 25, 42) * 10 * 12
        if attribute == "特困供养户":
            tekun = n * _randint(rng, 550, 750) * 10
        elif attribute == "低保特困户":
            tekun = _randint(rng, 550, 750) * 10
        pension = sum(_randint(rng, 1700, 2400) for p in elderly if p.pension == "是")
        eco = _randint(rng, 10, 60) * 10 if rng.random() < (0.25 if self.county.west else 0.08) else 0
        other = 0
        for p in active:
            if p.grade in ("一级", "二级"):
                other += _randint(rng, 120, 200) * 12
            elif p.grade and attribute != "一般户":
                other += _randint(rng, 50, 80) * 12
        if rng.random() < 0.3:
            other += _randint(rng, 10, 80) * 10
        medical = 0.0
        for p in active:
            if p.health == "患有大病":
                medical += 9000 * rng.lognormvariate(0, 0.7)
            elif p.health == "长期慢性病":
                medical += 1500 * rng.lognormvariate(0, 0.6)
            elif rng.random() < 0.5:
                medical += 200 * rng.lognormvariate(0, 0.8)

        fixed = dividends + rent + family_planning + dibao + tekun + pension + eco + other
        flexible = wage + business * (1 - expense_share)
        band = INCOME_BANDS[status].pick(rng)
        lo, hi = self.bands[band]
        if not lo <= (fixed + flexible) / n <= (math.inf if band == "above" else hi):
            # Move the household into its band through its own earnings; transfers are fixed by policy.
            target = max(0.0, rng.uniform(lo, hi) * n - fixed)
            if flexible > 0:
                wage, business = wage * target / flexible, business * target / flexible
            else:
                business = target / (1 - expense_share)
        if rng.random() < 0.005:  # a bad year: livestock died, a crop failed (the only negative amount)
            business, expense = -_randint(rng, 500, 5000), _randint(rng, 0, 500)
        else:
            expense = round(business * expense_share)
        return [
            round(wage),
            round(business),
            expense,
            dividends,
            rent,
            family_planning,
            dibao,
            tekun,
            pension,
            eco,
            other,
            round(medical),
        ]

    def _phone(self) -> str:
        rng = self.rng
        if rng.random() < 0.04:
            return ""
        return PHONE_PREFIXES[int(rng.random() * len(PHONE_PREFIXES))] + f"{int(rng.random() * 1e8):08d}"

    def make(self, village: Village, number: str) -> Household:
        rng = self.rng
        family = self._compose(HOUSEHOLD_SIZES.pick(rng))
        self._surnames(family, village)
        ethnicity = ETHNICITIES.pick(rng)
        members = [
            self._person(p, ethnicity if p.relation not in ("配偶", "之儿媳", "之女婿") else ETHNICITIES.pick(rng))
            for p in family
        ]
        active = [p for p in family if p.status == ACTIVE]
        status = POVERTY_STATUSES.pick(rng)
        unexited = status in UNEXITED
        attribute = self._attribute(active, status)
        if unexited and rng.random() < 0.08:
            # An uninsured member: one of the gaps that keeps a household from exiting.
            i = int(rng.random() * len(family))
            if family[i].status == ACTIVE:
                members[i][INSURANCE] = family[i].insurance = "未参保"
        registered, exited = self._years(status)
        housing = (HOUSING_UNEXITED if unexited else HOUSING_USUAL).pick(rng)
        r = rng.random()
        relocation = "已入住" if r < 0.04 else "已搬迁未入住" if r < 0.045 else "否"
        if relocation == "已入住" and rng.random() < 0.5:
            housing = "A"
        food = "否" if rng.random() < (0.04 if unexited else 0.001) else "是"
        suffix = [
            attribute,
            status,
            registered,
            exited,
            self._cause(active) if status != "非贫困户" else "",
            food,
            housing,
            relocation,
            *self._water(village, unexited),
            self.year,
            *self._incomes(active, status, attribute),
            self._phone(),
        ]
        prefix = [number, village.code, village.name]
        rows = [[*prefix, *m, *suffix] for m in members]
        return Household(number=number, village=village, rows=rows, active=len(active))
