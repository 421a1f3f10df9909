"""Department lists (部门数据, docs/LEDGER.md §2) for a generated county, with their ground truth.

From the members of a generated ledger (docs/LEDGER.md §1), :func:`department_lists` writes one CSV per department
and a ``truth/`` directory:

- ``truth/links.csv`` — ``department, row_no, true_id_number, fault``: for every list row, the registry member
  it really is (empty for an outsider) and the fault injected into its 姓名/证件号码 (empty when clean); and one
  row per registry person left out of a list they belong in (``row_no`` empty, fault ``missing``);
- ``truth/clues.csv`` — ``rule, variant, department, household_no, id_number``: the clues of docs/RULES.md §8 that a
  correct comparison raises, from the true links (a plain-Python reference implementation, below);
- ``truth/summary.json`` — counts per department and fault kind, and the parameters.

Plain Python, no Django, deterministic per seed (each department draws from a stream of its own). The rates
below are ours: they plant enough of each clue condition, and of its non-clue look-alikes (a motorcycle, a
低保 that ended last year, a deceased member on the payroll), to measure every rule's precision and recall.
Faults change only 姓名 and 证件号码, never a department column, so the clues do not depend on them; a faulted
ID number is never another registry member's number, so a row's truth is never ambiguous.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from jingzhun.core.idnumber import check_character

from .names import SURNAMES, Weighted, given_name

DEPARTMENTS = (
    "education",
    "medical_insurance",
    "disability",
    "civil_affairs",
    "deaths",
    "vehicles",
    "businesses",
    "real_estate",
    "payroll",
    "housing",
    "human_resources",
)
# The nine lists the benchmark writes at 1,000,000 rows. Medical insurance and human resources are coverage
# lists (every active member; every active member aged 16–59): at their natural size they are longer than
# 1,000,000 rows for a 1,000,000-household county, and cutting them would make most members "missing".
BENCHMARK_DEPARTMENTS = tuple(d for d in DEPARTMENTS if d not in ("medical_insurance", "human_resources"))

HEADERS: dict[str, tuple[str, ...]] = {
    "education": ("学校", "年级", "学籍状态"),
    "medical_insurance": ("参保类型", "参保年度", "自付医疗费用"),
    "disability": ("残疾类别", "残疾等级", "护理补贴", "生活补贴"),
    "civil_affairs": ("救助类型", "起始日期", "终止日期"),
    "deaths": ("死亡日期",),
    "vehicles": ("号牌号码", "车辆类型", "登记日期"),
    "businesses": ("企业名称", "统一社会信用代码", "身份"),
    "real_estate": ("坐落", "用途", "面积"),
    "payroll": ("单位", "起始日期"),
    "housing": ("鉴定等级", "鉴定日期"),
    "human_resources": ("养老保险", "就业登记", "就业单位"),
}
DEFAULT_AS_OF = dt.date(2020, 12, 31)  # the generator's default income year ends; ages are judged on it

# The rule-pack parameters of docs/RULES.md §8 (national pack), for the reference implementation.
SCHOOL_AGE = (6, 15)
IN_SCHOOL = frozenset({"小学", "初中", "高中", "中职", "高职", "大专及以上"})
OUT_OF_SCHOOL = frozenset({"辍学", "非在校生"})
ENROLLED = frozenset({"在读", "休学"})
ATTENDING = frozenset({"在读"})
CARE_GRADES = frozenset({"一级", "二级"})
CLUE_VEHICLES = ("小型轿车", "小型普通客车", "小型越野客车", "中型客车", "大型客车", "轻型货车", "中型货车", "重型货车")
OTHER_VEHICLES = ("摩托车", "普通二轮摩托车", "三轮汽车", "低速货车", "拖拉机")
ROLES = ("法定代表人", "股东")
CLUE_USES = ("住宅", "商业", "办公", "商住")
OTHER_USES = ("宅基地", "工业", "仓储", "农用地")
WORKING_AGE = (16, 59)
DIBAO_TYPES = frozenset({"低保户", "低保特困户"})
TEKUN_TYPES = frozenset({"特困供养户", "低保特困户"})

# Faults on linked rows: kind → weight. "+" joins two faults on one row.
FAULT_KINDS: dict[str, float] = {
    "id_digit": 2,  # one digit mistyped; the check character no longer fits
    "id_digit_valid": 2,  # one digit mistyped and the check character recomputed: valid, but someone else's
    "id_swap": 2,  # two neighbouring digits swapped
    "traditional": 2,  # the name in traditional characters (OpenCC s2t)
    "homophone": 2,  # one given-name character replaced by another of the same pinyin
    "blank_id": 1,  # no ID number at all
    "id_digit+traditional": 0.5,
    "id_swap+homophone": 0.5,
}
OUTSIDER = "outsider"  # a person not in the registry
MISSING = "missing"  # a registry person who belongs in the list but is not in it


@dataclass(slots=True)
class Person:
    household: str
    name: str
    id_number: str
    status: str  # 在册, 死亡, 迁出
    active: bool
    birth: dt.date
    female: bool
    school: str
    health: str
    grade: str
    work: str
    insurance: str
    pension: str
    household_type: str
    housing: str

    def age_on(self, on: dt.date) -> int:
        born = self.birth
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@dataclass(slots=True)
class Summary:
    out_dir: Path
    rows: dict[str, int] = field(default_factory=dict)
    faults: dict[str, Counter[str]] = field(default_factory=dict)
    clues: Counter[str] = field(default_factory=Counter)


def _person(row: Mapping[str, str]) -> Person:
    number = row["证件号码"]
    status = row["成员状态"] or "在册"
    return Person(
        household=row["户编号"],
        name=row["姓名"],
        id_number=number,
        status=status,
        active=status == "在册",
        birth=dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
        female=int(number[16]) % 2 == 0,
        school=row["在校生状况"],
        health=row["健康状况"],
        grade=row["残疾等级"],
        work=row["务工状况"],
        insurance=row["基本医疗保险"],
        pension=row["基本养老保险"],
        household_type=row["户类型"],
        housing=row["住房安全等级"],
    )


def read_members(ledger: Path) -> list[Person]:
    """The members of a generated clean ledger CSV (every ID number valid), in file order."""
    with ledger.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.reader(stream)
        headers = next(reader)
        wanted = [headers.index(h) for h in LEDGER_FIELDS]
        return [_person(dict(zip(LEDGER_FIELDS, (row[j] for j in wanted), strict=True))) for row in reader]


LEDGER_FIELDS = (
    "户编号",
    "姓名",
    "证件号码",
    "成员状态",
    "在校生状况",
    "健康状况",
    "残疾等级",
    "务工状况",
    "基本医疗保险",
    "基本养老保险",
    "户类型",
    "住房安全等级",
)


# --- names and ID numbers with faults --------------------------------------------------------------------------


@cache
def _to_traditional() -> Callable[[str], str]:
    import opencc

    return opencc.OpenCC("s2t").convert


def _name_pinyin(name: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(name, style=Style.NORMAL)


@cache
def homophones() -> dict[str, tuple[str, ...]]:
    """Character → other common characters of the same toneless pinyin (GB 2312 level 1, 3,755 characters,
    and every given-name character of the generator)."""
    from pypinyin import Style, lazy_pinyin

    from .names import GIVEN_CHARACTERS

    encoded = bytes(b for hi in range(0xB0, 0xD8) for lo in range(0xA1, 0xFF) for b in (hi, lo))[: 2 * 3755]
    level1 = list(encoded.decode("gb2312"))
    chars = dict.fromkeys(level1 + [c for text in GIVEN_CHARACTERS.values() for c in text])
    by_sound: dict[str, list[str]] = defaultdict(list)
    for char in chars:
        by_sound[lazy_pinyin(char, style=Style.NORMAL)[0]].append(char)
    return {c: tuple(o for o in group if o != c) for group in by_sound.values() for c in group if len(group) > 1}


class Faults:
    def __init__(self, rng: random.Random, registry_ids: set[str]) -> None:
        self.rng = rng
        self.registry_ids = registry_ids
        self.table = homophones()

    def applicable(self, kind: str, name: str, number: str) -> bool:
        for part in kind.split("+"):
            if part == "traditional" and _to_traditional()(name) == name:
                return False
            if part == "homophone" and not any(c in self.table for c in name[1:]):
                return False
        return True

    def inject(self, name: str, number: str) -> tuple[str, str, str]:
        rng = self.rng
        kinds = [(k, w) for k, w in FAULT_KINDS.items() if self.applicable(k, name, number)]
        kind = Weighted(kinds).pick(rng)
        for part in kind.split("+"):
            if part == "traditional":
                name = _to_traditional()(name)
            elif part == "homophone":
                positions = [i for i in range(1, len(name)) if name[i] in self.table]
                i = rng.choice(positions)
                sounded = name[:i] + rng.choice(self.table[name[i]]) + name[i + 1 :]
                if _name_pinyin(sounded) != _name_pinyin(name):
                    # A character read differently in the name than alone (长 zhang/chang): pick among those
                    # that keep the whole name's reading (rarely needed, so the random stream rarely moves).
                    reading = _name_pinyin(name)
                    same = [
                        name[:j] + c + name[j + 1 :]
                        for j in positions
                        for c in self.table[name[j]]
                        if _name_pinyin(name[:j] + c + name[j + 1 :]) == reading
                    ]
                    sounded = rng.choice(same) if same else sounded
                name = sounded
            elif part == "blank_id":
                number = ""
            else:
                number = self._wrong_id(part, number)
        return kind, name, number

    def _wrong_id(self, kind: str, number: str) -> str:
        rng = self.rng
        while True:
            digits = list(number[:17])
            if kind == "id_swap":
                i = rng.choice([i for i in range(16) if digits[i] != digits[i + 1]])
                digits[i], digits[i + 1] = digits[i + 1], digits[i]
            else:
                i = rng.randrange(17)
                digits[i] = rng.choice([d for d in "0123456789" if d != digits[i]])
            first17 = "".join(digits)
            check = check_character(first17)
            if kind == "id_digit_valid":
                # Valid means the import takes it: a real birth date, and the province digits left alone (a
                # province that does not exist, like 30, is refused as never issued).
                if not _valid_date(first17[6:14]) or first17[:2] != number[:2]:
                    continue
                wrong = first17 + check
            else:
                wrong = first17 + number[17]
                if kind == "id_digit" and check == number[17]:
                    continue  # the check character happens to fit: that is the other kind
            if wrong not in self.registry_ids:
                return wrong


def _valid_date(digits8: str) -> bool:
    try:
        born = dt.date(int(digits8[:4]), int(digits8[4:6]), int(digits8[6:8]))
    except ValueError:
        return False
    return dt.date(1900, 1, 1) <= born <= DEFAULT_AS_OF


# --- what each department's list says about the registry's people --------------------------------------------

Cells = tuple[str, ...]
Row = tuple[int, Cells]  # (member index, or -1 for an outsider; the department columns)


def _date(rng: random.Random, first: int, last: int) -> str:
    start = dt.date(first, 1, 1).toordinal()
    return dt.date.fromordinal(start + rng.randrange(dt.date(last, 12, 31).toordinal() - start + 1)).isoformat()


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


GRADES_TEXT = (
    "一年级",
    "二年级",
    "三年级",
    "四年级",
    "五年级",
    "六年级",
    "初一",
    "初二",
    "初三",
    "高一",
    "高二",
    "高三",
)
DISABILITY_KINDS = ("肢体", "视力", "听力", "言语", "智力", "精神", "多重")


class Builder:
    """Natural rows of each list: (rows, missing member indexes). The rates are ours (see the module doc)."""

    def __init__(self, rng: random.Random, people: list[Person], as_of: dt.date) -> None:
        self.rng = rng
        self.people = people
        self.as_of = as_of

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def education(self) -> tuple[list[Row], list[int]]:
        rows: list[Row] = []
        missing: list[int] = []
        lo, hi = SCHOOL_AGE
        for i, p in enumerate(self.people):
            if not p.active:
                continue
            age = p.age_on(self.as_of)
            if not 6 <= age <= 22:
                continue
            grade = GRADES_TEXT[min(max(age - 6, 0), len(GRADES_TEXT) - 1)]
            school = "县第一中学" if age >= 12 else "中心小学"
            if p.school in IN_SCHOOL or p.school == "送教上门":
                if lo <= age <= hi and p.school in IN_SCHOOL and self.chance(0.02):
                    missing.append(i)  # X01: in school, no roster row
                    continue
                status = "辍学" if lo <= age <= hi and self.chance(0.005) else "休学" if self.chance(0.01) else "在读"
                rows.append((i, (school, grade, status)))
            elif p.school in OUT_OF_SCHOOL and lo <= age <= hi:
                r = self.rng.random()
                if r < 0.3:
                    rows.append((i, (school, grade, "在读")))  # X01: out of school by the registry
                elif r < 0.5:
                    rows.append((i, (school, grade, "辍学")))
        return rows, missing

    def medical_insurance(self) -> tuple[list[Row], list[int]]:
        rows: list[Row] = []
        missing: list[int] = []
        for i, p in enumerate(self.people):
            cost = str(self.rng.randrange(0, 300) * 10)
            if not p.active:
                if self.chance(0.3):  # still on the department's list after death or moving out
                    rows.append((i, ("居民医保", "2020", cost)))
            elif p.insurance == "未参保":
                if self.chance(0.4):
                    rows.append((i, ("居民医保", "2020", cost)))  # X02 uninsured by the registry
                else:
                    missing.append(i)  # X02 missing
            elif self.chance(0.01):
                missing.append(i)  # X02 missing
            else:
                rows.append((i, (p.insurance, "2020", cost)))
        return rows, missing

    def disability(self) -> tuple[list[Row], list[int]]:
        rows: list[Row] = []
        missing: list[int] = []
        for i, p in enumerate(self.people):
            if not p.active:
                continue
            kind = DISABILITY_KINDS[self.rng.randrange(len(DISABILITY_KINDS))]
            if p.health == "残疾" and p.grade:
                if self.chance(0.08):
                    missing.append(i)
                    continue
                care = p.grade in CARE_GRADES and not self.chance(0.06)  # X03 when a severe grade gets 否
                rows.append((i, (kind, p.grade, _yes(care), _yes(self.chance(0.5)))))
            elif self.chance(0.003):  # X03: listed, not disabled in the registry
                grade = ("一级", "二级", "三级", "四级")[self.rng.randrange(4)]
                rows.append((i, (kind, grade, _yes(grade in CARE_GRADES), "否")))
        return rows, missing

    def civil_affairs(self) -> tuple[list[Row], list[int]]:
        rows: list[Row] = []
        missing: list[int] = []
        as_of = self.as_of.year
        for members in _households(self.people).values():
            active = [i for i in members if self.people[i].active]
            if not active:
                continue
            kind_of_household = self.people[active[0]].household_type
            for help_kind, types, reverse in (("低保", DIBAO_TYPES, 0.01), ("特困", TEKUN_TYPES, 0.002)):
                if kind_of_household in types:
                    covered = active if help_kind == "特困" or self.chance(0.8) else active[:1]
                    r = self.rng.random()
                    if r < 0.015:
                        missing.extend(covered)  # X04: the household says so, no row at all
                        continue
                    ended = r < 0.03  # X04: only rows that ended before the comparison date
                    for i in covered:
                        start = _date(self.rng, 2014, as_of - 1)
                        end = _date(self.rng, as_of - 1, as_of - 1) if ended else ""
                        if not ended and self.chance(0.3):
                            end = _date(self.rng, as_of + 1, as_of + 1)  # still in force on the day
                        rows.append((i, (help_kind, start, end)))
                elif self.chance(reverse):
                    rows.append((active[0], (help_kind, _date(self.rng, 2016, as_of), "")))  # X04 the reverse
                elif self.chance(0.02):  # help that ended: no clue
                    rows.append((active[0], (help_kind, "2016-01-01", _date(self.rng, 2017, as_of - 1))))
        return rows, missing

    def deaths(self) -> tuple[list[Row], list[int]]:
        rows: list[Row] = []
        for i, p in enumerate(self.people):
            if p.status == "死亡":
                rows.append((i, (_date(self.rng, 2015, self.as_of.year),)))
            elif p.active and self.chance(0.004):  # X05: the registry still has them active
                rows.append((i, (_date(self.rng, self.as_of.year, self.as_of.year),)))
        return rows, []

    def _listed(
        self, active_rate: float, inactive_rate: float, cells: Callable[[bool], Cells], other_rate: float = 0
    ) -> tuple[list[Row], list[int]]:
        """Rows for a share of active members (clue values), of inactive ones (clue values, no clue) and,
        when ``other_rate``, of active members with non-clue values."""
        rows: list[Row] = []
        for i, p in enumerate(self.people):
            r = self.rng.random()
            if p.active:
                if r < active_rate:
                    rows.append((i, cells(True)))
                elif r < active_rate + other_rate:
                    rows.append((i, cells(False)))
            elif r < inactive_rate:
                rows.append((i, cells(True)))
        return rows, []

    def vehicles(self) -> tuple[list[Row], list[int]]:
        rng = self.rng

        def cells(clue: bool) -> Cells:
            kinds = CLUE_VEHICLES if clue else OTHER_VEHICLES
            plate = f"鲁P{rng.choice('ABCDEFG')}{rng.randrange(10000, 99999)}"
            return plate, kinds[rng.randrange(len(kinds))], _date(rng, 2008, 2020)

        return self._listed(0.01, 0.05, cells, other_rate=0.08)

    def businesses(self) -> tuple[list[Row], list[int]]:
        rng = self.rng

        def cells(clue: bool) -> Cells:
            code = "9137" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(14))
            return f"冠县{rng.choice('兴旺盛达隆昌')}农业合作社", code, ROLES[rng.randrange(2)]

        return self._listed(0.003, 0.03, cells)

    def real_estate(self) -> tuple[list[Row], list[int]]:
        rng = self.rng

        def cells(clue: bool) -> Cells:
            uses = CLUE_USES if clue else OTHER_USES
            return f"冠县城区{rng.randrange(1, 300)}号", uses[rng.randrange(len(uses))], str(rng.randrange(40, 200))

        return self._listed(0.005, 0.03, cells, other_rate=0.06)

    def payroll(self) -> tuple[list[Row], list[int]]:
        rng = self.rng

        def cells(clue: bool) -> Cells:
            return rng.choice(("县教育和体育局", "县人民医院", "镇人民政府", "县自然资源局")), _date(rng, 2000, 2020)

        return self._listed(0.002, 0.1, cells)

    def housing(self) -> tuple[list[Row], list[int]]:
        rows: list[Row] = []
        missing: list[int] = []
        flip = {"A": "CD", "B": "CD", "C": "AB", "D": "AB"}
        for members in _households(self.people).values():
            active = [i for i in members if self.people[i].active]
            if not active:
                continue
            i = active[0]
            grade = self.people[i].housing
            if self.chance(0.05):
                missing.append(i)
                continue
            if self.chance(0.02):
                grade = self.rng.choice(flip[grade])  # X10
            rows.append((i, (grade, _date(self.rng, 2019, 2020))))
        return rows, missing

    def human_resources(self) -> tuple[list[Row], list[int]]:
        rows: list[Row] = []
        missing: list[int] = []
        lo, hi = WORKING_AGE
        for i, p in enumerate(self.people):
            if not p.active or not lo <= p.age_on(self.as_of) <= hi:
                continue
            r = self.rng.random()
            if r < 0.015:
                missing.append(i)  # X11: no row
                continue
            pension = p.pension == "是" and not 0.015 <= r < 0.025  # X11 when it says 否
            employed = p.work != "未务工"
            if 0.025 <= r < 0.045:
                employed = not employed  # X11: 就业登记 disagrees with 务工状况
            unit = "县内企业" if employed else ""
            rows.append((i, (_yes(pension), _yes(employed), unit)))
        return rows, missing


def _households(people: list[Person]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(people):
        found[p.household].append(i)
    return found


# --- outsiders ---------------------------------------------------------------------------------------------------


def _outsider(rng: random.Random, region: str, taken: set[str], as_of: dt.date) -> tuple[str, str]:
    while True:
        born = dt.date.fromordinal(dt.date(as_of.year - 90, 1, 1).toordinal() + rng.randrange(90 * 365))
        female = rng.random() < 0.5
        seq = rng.randrange(500) * 2 + (0 if female else 1)
        first17 = f"{region}{born:%Y%m%d}{seq:03d}"
        number = first17 + check_character(first17)
        if number not in taken:
            taken.add(number)
            return SURNAMES.pick(rng) + given_name(rng, female=female, birth_year=born.year), number


# --- the lists -----------------------------------------------------------------------------------------------


def department_lists(
    ledger_or_members: Path | Iterable[Mapping[str, str]] | list[Person],
    out_dir: Path,
    seed: int,
    rows_per_list: int | None = None,
    fault_rate: float = 0.03,
    outsiders_rate: float = 0.05,
    *,
    departments: Iterable[str] = DEPARTMENTS,
    as_of: dt.date = DEFAULT_AS_OF,
    progress: Callable[[str], None] | None = None,
) -> Summary:
    """Write ``<out_dir>/<department>.csv`` for each department and the truth under ``<out_dir>/truth/``.

    ``ledger_or_members``: a generated ledger CSV, or its rows as header → cell mappings. Each list holds its
    linked rows (registry members, see :class:`Builder`) and ``outsiders_rate`` of outsiders (valid ID numbers of
    the county's region that no member has, random names), shuffled. With ``rows_per_list``, a list is brought
    to exactly that many rows: linked rows are repeated (the same person's row of another year, another
    vehicle, another property) or sampled down, and outsiders make up ``outsiders_rate`` of the rows.
    ``fault_rate`` of the linked rows get a fault of :data:`FAULT_KINDS`.
    """
    if isinstance(ledger_or_members, Path):
        people = read_members(ledger_or_members)
    else:
        people = [m if isinstance(m, Person) else _person(m) for m in ledger_or_members]
    departments = tuple(departments)
    unknown = set(departments) - set(DEPARTMENTS)
    if unknown:
        raise ValueError(f"unknown departments: {sorted(unknown)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    truth = out_dir / "truth"
    truth.mkdir(exist_ok=True)
    registry_ids = {p.id_number for p in people}
    taken = set(registry_ids)
    region = Counter(p.id_number[:6] for p in people[:1000]).most_common(1)[0][0]
    summary = Summary(out_dir=out_dir)
    listed: dict[str, dict[int, list[Cells]]] = {}
    with (truth / "links.csv").open("w", encoding="utf-8", newline="") as links_file:
        links = csv.writer(links_file)
        links.writerow(("department", "row_no", "true_id_number", "fault"))
        for department in departments:
            if progress:
                progress(department)
            rng = random.Random(f"jingzhun-departments-{seed}-{department}")
            rows, missing = getattr(Builder(rng, people, as_of), department)()
            rows = _sized(rng, rows, rows_per_list, outsiders_rate)
            outsiders = (
                round(rows_per_list * outsiders_rate)
                if rows_per_list is not None
                else round(len(rows) * outsiders_rate / (1 - outsiders_rate))
            )
            blank = ("",) * len(HEADERS[department])
            rows.extend([(-1, blank)] * outsiders)
            rng.shuffle(rows)
            faults = Faults(random.Random(f"jingzhun-departments-faults-{seed}-{department}"), registry_ids)
            counts: Counter[str] = Counter()
            by_member: dict[int, list[Cells]] = defaultdict(list)
            with (out_dir / f"{department}.csv").open("w", encoding="utf-8-sig", newline="") as stream:
                writer = csv.writer(stream)
                writer.writerow(("姓名", "证件号码", *HEADERS[department]))
                for row_no, (i, cells) in enumerate(rows, start=2):
                    if i < 0:
                        name, number = _outsider(rng, region, taken, as_of)
                        writer.writerow((name, number, *_outsider_cells(rng, department, as_of)))
                        links.writerow((department, row_no, "", OUTSIDER))
                        counts[OUTSIDER] += 1
                        continue
                    person = people[i]
                    name, number, kind = person.name, person.id_number, ""
                    if faults.rng.random() < fault_rate:
                        kind, name, number = faults.inject(name, number)
                    writer.writerow((name, number, *cells))
                    links.writerow((department, row_no, person.id_number, kind))
                    counts[kind or "clean"] += 1
                    by_member[i].append(cells)
                for i in dict.fromkeys(missing):
                    if i not in by_member:
                        links.writerow((department, "", people[i].id_number, MISSING))
                        counts[MISSING] += 1
            summary.rows[department] = len(rows)
            summary.faults[department] = counts
            listed[department] = by_member
    clues = reference_clues(people, listed, as_of)
    with (truth / "clues.csv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(("rule", "variant", "department", "household_no", "id_number"))
        writer.writerows(clues)
    summary.clues = Counter(c[0] for c in clues)
    (truth / "summary.json").write_text(
        json.dumps(
            {
                "seed": seed,
                "as_of": as_of.isoformat(),
                "rows_per_list": rows_per_list,
                "fault_rate": fault_rate,
                "outsiders_rate": outsiders_rate,
                "members": len(people),
                "rows": summary.rows,
                "faults": summary.faults,
                "clues": dict(sorted(summary.clues.items())),
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    return summary


def _sized(rng: random.Random, rows: list[Row], total: int | None, outsiders_rate: float) -> list[Row]:
    if total is None:
        return rows
    linked = total - round(total * outsiders_rate)
    if len(rows) >= linked:
        return rng.sample(rows, linked)
    if not rows:
        return []
    return rows + [rows[rng.randrange(len(rows))] for _ in range(linked - len(rows))]


def _outsider_cells(rng: random.Random, department: str, as_of: dt.date) -> Cells:
    """Plausible department columns for a person not in the registry (they raise nothing)."""
    year = as_of.year
    return {
        "education": lambda: ("中心小学", "三年级", "在读"),
        "medical_insurance": lambda: ("居民医保", str(year), "0"),
        "disability": lambda: ("肢体", "三级", "否", "是"),
        "civil_affairs": lambda: ("低保", _date(rng, 2015, year), ""),
        "deaths": lambda: (_date(rng, 2015, year),),
        "vehicles": lambda: (f"鲁P{rng.randrange(10000, 99999)}", rng.choice(CLUE_VEHICLES), _date(rng, 2010, year)),
        "businesses": lambda: ("冠县商贸有限公司", "91371525MA3C000000", rng.choice(ROLES)),
        "real_estate": lambda: ("冠县城区", rng.choice(CLUE_USES), "90"),
        "payroll": lambda: ("县人民医院", _date(rng, 2000, year)),
        "housing": lambda: (rng.choice("ABCD"), _date(rng, 2019, year)),
        "human_resources": lambda: ("是", "是", "县内企业"),
    }[department]()


# --- the reference implementation of docs/RULES.md §8 -----------------------------------------------------------------


def reference_clues(
    people: list[Person], listed: Mapping[str, Mapping[int, list[Cells]]], as_of: dt.date
) -> list[tuple[str, str, str, str, str]]:
    """The clues of docs/RULES.md §8 for the departments in ``listed`` (member index → their rows' department
    columns, by true link), one per (rule, variant, member) or (rule, variant, household), sorted.

    Only active members are looked at; rows of people outside the registry raise nothing.
    """
    clues: set[tuple[str, str, str, str, str]] = set()

    def member(rule: str, variant: str, department: str, p: Person) -> None:
        clues.add((rule, variant, department, p.household, p.id_number))

    def rows_of(department: str, i: int) -> list[Cells]:
        return listed[department].get(i, [])

    for i, p in enumerate(people):
        if not p.active:
            continue
        age = p.age_on(as_of)
        if "education" in listed and SCHOOL_AGE[0] <= age <= SCHOOL_AGE[1]:
            statuses = {cells[2] for cells in rows_of("education", i)}
            if p.school in IN_SCHOOL and not statuses & ENROLLED:
                member("X01", "not_enrolled", "education", p)
            if p.school in OUT_OF_SCHOOL and statuses & ATTENDING:
                member("X01", "attending", "education", p)
        if "medical_insurance" in listed:
            rows = rows_of("medical_insurance", i)
            if not rows:
                member("X02", "missing", "medical_insurance", p)
            elif p.insurance == "未参保":
                member("X02", "uninsured", "medical_insurance", p)
        if "disability" in listed and (rows := rows_of("disability", i)):
            if p.health != "残疾":
                member("X03", "not_disabled", "disability", p)
            if any(cells[1] in CARE_GRADES and cells[2] == "否" for cells in rows):
                member("X03", "care_subsidy", "disability", p)
        if "deaths" in listed and rows_of("deaths", i):
            member("X05", "", "deaths", p)
        if "vehicles" in listed and any(cells[1] in CLUE_VEHICLES for cells in rows_of("vehicles", i)):
            member("X06", "", "vehicles", p)
        if "businesses" in listed and any(cells[2] in ROLES for cells in rows_of("businesses", i)):
            member("X07", "", "businesses", p)
        if "real_estate" in listed and any(cells[1] in CLUE_USES for cells in rows_of("real_estate", i)):
            member("X08", "", "real_estate", p)
        if "payroll" in listed and rows_of("payroll", i):
            member("X09", "", "payroll", p)
        if "human_resources" in listed and WORKING_AGE[0] <= age <= WORKING_AGE[1]:
            rows = rows_of("human_resources", i)
            if not rows or any(cells[0] == "否" for cells in rows):
                member("X11", "pension", "human_resources", p)
            working = p.work != "未务工"
            if any((cells[1] == "否") if working else (cells[1] == "是") for cells in rows):
                member("X11", "employment", "human_resources", p)

    on = as_of.isoformat()
    for household, members in _households(people).items():
        active = [i for i in members if people[i].active]
        if not active:
            continue
        head = people[active[0]]
        if "civil_affairs" in listed:
            in_force = {
                cells[0]
                for i in active
                for cells in rows_of("civil_affairs", i)
                if not cells[2] or cells[2] > on  # ISO dates compare as text
            }
            for kind, types, variant in (("低保", DIBAO_TYPES, "dibao"), ("特困", TEKUN_TYPES, "tekun")):
                if (head.household_type in types) != (kind in in_force):
                    clues.add(("X04", variant, "civil_affairs", household, ""))
        if "housing" in listed:
            dated = [(cells[1], cells[0]) for i in active for cells in rows_of("housing", i)]
            if dated:
                latest = max(dated)[1]
                if (latest in "CD") != (head.housing in "CD"):
                    clues.add(("X10", "", "housing", household, ""))

    seen: dict[str, str] = {}
    for p in people:
        if p.active:
            other = seen.setdefault(p.id_number, p.household)
            if other != p.household:
                clues.add(("X12", "", "internal", p.household, p.id_number))
                clues.add(("X12", "", "internal", other, p.id_number))
    return sorted(clues)
