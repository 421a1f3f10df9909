"""Write a whole sample county: the household ledger, its village facts and, in dirty mode, the fault report."""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .columns import COLUMN, LEDGER_HEADERS, REPORT_HEADERS, VILLAGE_HEADERS
from .faults import FaultInjector
from .geography import DEFAULT_COUNTY_CODE, County, build_county, households_per_village
from .households import HouseholdFactory
from .output import SUFFIXES, TableWriter

FIRST_YEAR = 2014  # 建档立卡 began in 2014
PROGRESS_EVERY = 1000  # households


class GenerateError(ValueError):
    """Bad arguments; ``str(exc)`` is a Chinese message for the user."""


@dataclass(frozen=True, slots=True)
class Outputs:
    ledger: Path
    villages: Path
    report: Path


@dataclass(slots=True)
class Summary:
    outputs: Outputs
    towns: int
    villages: int
    households: int = 0
    members: int = 0  # ledger rows
    active_members: int = 0  # 在册
    statuses: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)


def output_paths(out: Path) -> Outputs:
    """``big.csv`` → ``big.csv``, ``big.villages.csv``, ``big.dirty-report.csv``."""
    stem = out.name[: -len(out.suffix)]
    return Outputs(
        ledger=out,
        villages=out.with_name(f"{stem}.villages{out.suffix}"),
        report=out.with_name(f"{stem}.dirty-report.csv"),
    )


def _validate(*, households: int, out: Path, year: int, county_code: str, dirty_rate: float) -> None:
    if households < 1:
        raise GenerateError(f"户数须至少为 1，实际为 {households}")
    if out.suffix.lower() not in SUFFIXES:
        raise GenerateError(f"输出文件须以 .csv 或 .xlsx 结尾：{out}")
    last_year = dt.date.today().year - 1  # noqa: DTZ011 - a calendar year; incomes are for a finished year
    if not FIRST_YEAR <= year <= last_year:
        raise GenerateError(f"收入年度须在 {FIRST_YEAR}–{last_year} 之间，实际为 {year}")
    if not re.fullmatch(r"[1-9]\d{3}(?!00)\d{2}", county_code):
        raise GenerateError(f"县级区划代码须为 6 位数字且末两位不为 00：{county_code}")
    if not 0 <= dirty_rate <= 1:
        raise GenerateError(f"问题注入比例须在 0 到 1 之间，实际为 {dirty_rate}")


def generate(
    *,
    households: int,
    seed: int,
    out: Path,
    dirty: bool = False,
    year: int = 2020,
    county_code: str = DEFAULT_COUNTY_CODE,
    dirty_rate: float = 0.02,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Generate ``households`` households of one county and write them beside ``out``.

    Deterministic per seed: the same arguments give the same cells (and byte-identical CSV). The county's
    towns and villages depend on the seed only, not on the number of households. Faults are drawn from a
    stream of their own, so the dirty file differs from the clean one of the same seed exactly in the
    reported cells. ``progress`` is called with the number of households written so far.
    """
    _validate(households=households, out=out, year=year, county_code=county_code, dirty_rate=dirty_rate)
    outputs = output_paths(out)
    county = build_county(random.Random(f"jingzhun-samplecounty-county-{seed}"), county_code)
    factory = HouseholdFactory(random.Random(seed), county, year)
    injector = FaultInjector(random.Random(f"jingzhun-samplecounty-faults-{seed}"), dirty_rate) if dirty else None
    counts = households_per_village(county, households)
    width = max(4, len(str(max(counts))))
    active_by_village = [0] * len(county.villages)
    summary = Summary(outputs=outputs, towns=len(county.towns), villages=len(county.villages))
    status = COLUMN["贫困户状态"]

    out.parent.mkdir(parents=True, exist_ok=True)
    writers: list[TableWriter] = []
    try:
        ledger = TableWriter(outputs.ledger, LEDGER_HEADERS, sheet="贫困人口台账")
        writers.append(ledger)
        report = TableWriter(outputs.report, REPORT_HEADERS, sheet="问题清单") if dirty else None
        if report:
            writers.append(report)
        row_no = 2  # spreadsheet row of the next ledger row; the header is row 1
        for v, (village, count) in enumerate(zip(county.villages, counts, strict=True)):
            for k in range(1, count + 1):
                household = factory.make(village, f"{village.code}{k:0{width}d}")
                summary.statuses[household.rows[0][status]] += 1
                if injector and report:
                    faults = injector.inject(household, row_no)
                    if faults:
                        report.write_rows(f.as_row() for f in faults)
                        summary.faults.update(f.kind for f in faults)
                ledger.write_rows(household.rows)
                row_no += len(household.rows)
                summary.households += 1
                summary.active_members += household.active
                active_by_village[v] += household.active
                if progress and summary.households % PROGRESS_EVERY == 0:
                    progress(summary.households)
        summary.members = row_no - 2
        facts = TableWriter(outputs.villages, VILLAGE_HEADERS, sheet="村情表")
        writers.append(facts)
        facts.write_rows(_village_rows(county, active_by_village))
        for writer in writers:
            writer.commit()
    except BaseException:
        for writer in writers:
            writer.abort()
        raise
    if progress:
        progress(summary.households)
    return summary


def _village_rows(county: County, active_by_village: list[int]) -> list[list]:
    def yes(flag: bool) -> str:
        return "是" if flag else "否"

    rows = []
    for village, active in zip(county.villages, active_by_village, strict=True):
        # The ledger's members are a minority of the village (5–20 %); a village with few of them in this
        # sample keeps a plausible size of its own.
        population = max(village.base_population, math.ceil(active / village.registered_share))
        rows.append(
            [
                village.code,
                village.name,
                village.town,
                population,
                yes(county.west),
                yes(village.water_scarce),
                yes(village.poor),
                yes(village.paved_road),
                yes(village.power),
                yes(village.clinic),
                yes(village.collective),
            ]
        )
    return rows
