"""Dirty mode: realistic faults injected into a few households, each one recorded for the report.

The injector has its own random stream, so a dirty file is the clean file of the same seed with exactly the
reported cells changed. Category ``error`` means the import must reject the household (docs/LEDGER.md §1);
``format`` means the value is valid once trimmed, NFKC-normalised or converted from 15 digits, and the import
must accept it.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass

from jingzhun.core.idnumber import check_character

from .columns import COLUMN
from .households import HEAD, Household
from .names import Weighted

ERROR = "error"
FORMAT = "format"

ID = COLUMN["证件号码"]
RELATION = COLUMN["与户主关系"]
MONTHS = COLUMN["务工月数"]
STATUS = COLUMN["贫困户状态"]

# kind: (category, weight)
KINDS: dict[str, tuple[str, float]] = {
    "check_char": (ERROR, 12),  # a wrong check character
    "impossible_date": (ERROR, 6),  # 2月30日, 13月…, with the check character made to fit
    "unknown_enum": (ERROR, 10),  # 已脱贫 without its bracket, 儿子 for 之子…
    "negative_amount": (ERROR, 8),
    "household_disagree": (ERROR, 10),  # one row of a household says otherwise in a household column
    "duplicate_id": (ERROR, 6),  # the ID number of a member of an earlier household; both are rejected
    "blank_name": (ERROR, 4),
    "blank_id": (ERROR, 4),
    "months_13": (ERROR, 5),
    "no_head": (ERROR, 5),  # the 户主 row relabelled 其他
    "full_width": (FORMAT, 8),  # ID typed with a full-width input method
    "lower_x": (FORMAT, 5),
    "old_15_digit": (FORMAT, 8),  # first-generation number of someone born in the 1900s
    "trailing_space": (FORMAT, 8),
    "full_width_brackets": (FORMAT, 4),  # 已脱贫（享受政策）
}

UNKNOWN_WORDS = {
    "贫困户状态": {
        "已脱贫(享受政策)": "已脱贫",
        "已脱贫(不再享受政策)": "已脱贫",
        "未脱贫": "贫困户",
        "返贫": "返贫户",
        "预脱贫": "拟脱贫",
        "非贫困户": "一般农户",
    },
    "户类型": {"一般户": "普通户", "低保户": "低保", "特困供养户": "五保户", "低保特困户": "低保五保户"},
    "与户主关系": {
        "户主": "本人",
        "配偶": "妻子",
        "之子": "儿子",
        "之女": "女儿",
        "之儿媳": "儿媳",
        "之女婿": "女婿",
        "之孙子": "孙子",
        "之孙女": "孙女",
        "之父": "父亲",
        "之母": "母亲",
        "兄弟姐妹": "弟弟",
        "其他": "亲戚",
    },
    "健康状况": {"健康": "良好", "长期慢性病": "慢性病", "患有大病": "大病", "残疾": "残疾人"},
}
HOUSEHOLD_WORDS = frozenset({"贫困户状态", "户类型"})
NEGATIVE_CANDIDATES = (
    "工资性收入",
    "生产经营性支出",
    "资产收益分红",
    "其他财产性收入",
    "低保金",
    "养老保险金",
    "其他转移性收入",
    "自付医疗费用",
)
SPACED_COLUMNS = ("姓名", "证件号码", "民族", "健康状况", "行政村", "户编号")
IMPOSSIBLE_DAYS = ("0230", "0231", "0431", "0631", "0931", "1131", "1301", "1515", "0000", "0100", "1232")
FULL_WIDTH = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "0123456789Xx()"})


@dataclass(frozen=True, slots=True)
class Fault:
    row: int  # spreadsheet row number in the ledger file (header = 1)
    household: str
    column: str
    category: str
    kind: str
    original: object
    injected: object
    note: str = ""

    def as_row(self) -> list:
        return [
            self.row,
            self.household,
            self.column,
            self.category,
            self.kind,
            self.original,
            self.injected,
            self.note,
        ]


class FaultInjector:
    def __init__(self, rng: random.Random, rate: float) -> None:
        self.rng = rng
        self.rate = rate
        # Recent untouched ID numbers (number, row, household) for duplicate_id; bounded, so memory stays flat.
        self.recent: deque[tuple[str, int, str]] = deque(maxlen=256)

    def inject(self, household: Household, first_row: int) -> list[Fault]:
        """Maybe put one fault into the household's rows (in place); the faults made, for the report."""
        rng = self.rng
        faults: list[Fault] = []
        if rng.random() < self.rate:
            kinds = [(kind, weight) for kind, (_, weight) in KINDS.items() if self._applies(kind, household)]
            kind = Weighted(kinds).pick(rng)
            faults = getattr(self, f"_{kind}")(household, first_row)
        touched = {f.row for f in faults if f.column == "证件号码"}
        for i, row in enumerate(household.rows):
            if first_row + i not in touched:
                self.recent.append((row[ID], first_row + i, household.number))
        return faults

    def _applies(self, kind: str, household: Household) -> bool:
        rows = household.rows
        if kind == "lower_x":
            return any(row[ID].endswith("X") for row in rows)
        if kind == "old_15_digit":
            return any(row[ID][6:8] == "19" for row in rows)
        if kind == "household_disagree":
            return len(rows) >= 2
        if kind == "duplicate_id":
            return bool(self.recent)
        if kind == "full_width_brackets":
            return "(" in rows[0][STATUS]
        return True

    # --- helpers ------------------------------------------------------------------------------------------

    def _fault(self, household: Household, first_row: int, i: int, column: str, kind: str, new: object, note=""):
        row = household.rows[i]
        j = COLUMN[column]
        old, row[j] = row[j], new
        return Fault(first_row + i, household.number, column, KINDS[kind][0], kind, old, new, note)

    def _all_rows(self, household: Household, first_row: int, column: str, kind: str, new: object) -> list[Fault]:
        return [self._fault(household, first_row, i, column, kind, new) for i in range(len(household.rows))]

    def _any_row(self, household: Household) -> int:
        return int(self.rng.random() * len(household.rows))

    def _row_where(self, household: Household, test) -> int:
        return self.rng.choice([i for i, row in enumerate(household.rows) if test(row)])

    # --- the kinds ----------------------------------------------------------------------------------------

    def _check_char(self, household: Household, first_row: int) -> list[Fault]:
        i = self._any_row(household)
        number = household.rows[i][ID]
        wrong = self.rng.choice([c for c in "0123456789X" if c != number[17]])
        return [self._fault(household, first_row, i, "证件号码", "check_char", number[:17] + wrong)]

    def _impossible_date(self, household: Household, first_row: int) -> list[Fault]:
        i = self._any_row(household)
        number = household.rows[i][ID]
        year = int(number[6:10])
        days = [*IMPOSSIBLE_DAYS, *(("0229",) if year % 4 or (year % 100 == 0 and year % 400) else ())]
        first17 = number[:10] + self.rng.choice(days) + number[14:17]
        new = first17 + check_character(first17)
        return [self._fault(household, first_row, i, "证件号码", "impossible_date", new)]

    def _unknown_enum(self, household: Household, first_row: int) -> list[Fault]:
        column = self.rng.choice(list(UNKNOWN_WORDS))
        if column in HOUSEHOLD_WORDS:
            word = UNKNOWN_WORDS[column][household.rows[0][COLUMN[column]]]
            return self._all_rows(household, first_row, column, "unknown_enum", word)
        i = self._any_row(household)
        word = UNKNOWN_WORDS[column][household.rows[i][COLUMN[column]]]
        if word == "妻子" and int(household.rows[i][ID][16]) % 2:
            word = "丈夫"
        return [self._fault(household, first_row, i, column, "unknown_enum", word)]

    def _negative_amount(self, household: Household, first_row: int) -> list[Fault]:
        row = household.rows[0]
        positive = [c for c in NEGATIVE_CANDIDATES if row[COLUMN[c]] > 0]
        column = self.rng.choice(positive or ["工资性收入"])
        value = row[COLUMN[column]] or self.rng.randint(100, 5000)
        return self._all_rows(household, first_row, column, "negative_amount", -value)

    def _household_disagree(self, household: Household, first_row: int) -> list[Fault]:
        rng = self.rng
        i = 1 + int(rng.random() * (len(household.rows) - 1))
        row = household.rows[i]
        column = rng.choice(["住房安全等级", "贫困户状态", "自来水入户", "工资性收入", "户类型", "联系电话"])
        old = row[COLUMN[column]]
        if column == "住房安全等级":
            new = "B" if old == "A" else "A"
        elif column == "贫困户状态":
            new = rng.choice([s for s in UNKNOWN_WORDS["贫困户状态"] if s != old])
        elif column == "自来水入户":
            new = "否" if old == "是" else "是"
        elif column == "工资性收入":
            new = old + rng.randint(1, 20) * 100
        elif column == "户类型":
            new = rng.choice([a for a in UNKNOWN_WORDS["户类型"] if a != old])
        else:
            new = "13" + "".join(rng.choice("0123456789") for _ in range(9))
            if new == old:
                new = ""
        note = f"本户第 1 行为 {household.rows[0][COLUMN[column]]}"
        return [self._fault(household, first_row, i, column, "household_disagree", new, note)]

    def _duplicate_id(self, household: Household, first_row: int) -> list[Fault]:
        taken = self.rng.choice(self.recent)
        self.recent.remove(taken)  # each number is duplicated once: two households share it, not three
        number, row, holder = taken
        note = f"与第 {row} 行（户编号 {holder}）的证件号码相同，两户都应被拒绝"
        i = self._any_row(household)
        return [self._fault(household, first_row, i, "证件号码", "duplicate_id", number, note)]

    def _blank_name(self, household: Household, first_row: int) -> list[Fault]:
        return [self._fault(household, first_row, self._any_row(household), "姓名", "blank_name", "")]

    def _blank_id(self, household: Household, first_row: int) -> list[Fault]:
        return [self._fault(household, first_row, self._any_row(household), "证件号码", "blank_id", "")]

    def _months_13(self, household: Household, first_row: int) -> list[Fault]:
        workers = [i for i, row in enumerate(household.rows) if row[MONTHS]]
        i = self.rng.choice(workers) if workers else self._any_row(household)
        return [self._fault(household, first_row, i, "务工月数", "months_13", 13)]

    def _no_head(self, household: Household, first_row: int) -> list[Fault]:
        i = self._row_where(household, lambda row: row[RELATION] == HEAD)
        return [self._fault(household, first_row, i, "与户主关系", "no_head", "其他", "本户没有户主")]

    def _full_width(self, household: Household, first_row: int) -> list[Fault]:
        i = self._any_row(household)
        new = household.rows[i][ID].translate(FULL_WIDTH)
        return [self._fault(household, first_row, i, "证件号码", "full_width", new)]

    def _lower_x(self, household: Household, first_row: int) -> list[Fault]:
        i = self._row_where(household, lambda row: row[ID].endswith("X"))
        new = household.rows[i][ID][:17] + "x"
        return [self._fault(household, first_row, i, "证件号码", "lower_x", new)]

    def _old_15_digit(self, household: Household, first_row: int) -> list[Fault]:
        i = self._row_where(household, lambda row: row[ID][6:8] == "19")
        number = household.rows[i][ID]
        return [self._fault(household, first_row, i, "证件号码", "old_15_digit", number[:6] + number[8:17])]

    def _trailing_space(self, household: Household, first_row: int) -> list[Fault]:
        i = self._any_row(household)
        column = self.rng.choice(SPACED_COLUMNS)
        space = self.rng.choice([" ", "  ", "\u3000"])
        new = household.rows[i][COLUMN[column]] + space
        return [self._fault(household, first_row, i, column, "trailing_space", new)]

    def _full_width_brackets(self, household: Household, first_row: int) -> list[Fault]:
        new = household.rows[0][STATUS].translate(FULL_WIDTH)
        return self._all_rows(household, first_row, "贫困户状态", "full_width_brackets", new)
