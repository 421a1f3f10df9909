"""The demo county (``jingzhun demo``): generated, imported, assessed, compared, helped, with an account of every role.

It runs ``generate``, ``import``, ``assess``, ``monitor open`` and ``crosscheck`` as a user would, then adds
what an office would have entered over a year through the apps' services: helpers with their households and
visits (set-based), work teams, and a few monitoring cases taken through the workflow stage by stage.

Running it again changes nothing: the same files import as unchanged, an assessment or a comparison is run
only when its inputs changed, and every seeding step adds only what is missing.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F, Q
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.accounts.services import EnsuredAccount, users_ensure
from jingzhun.areas.models import Area, Level
from jingzhun.areas.selectors import area_first
from jingzhun.assistance import selectors as assistance_selectors
from jingzhun.assistance import services as assistance
from jingzhun.assistance.models import HelperKind, MeasureKind
from jingzhun.core.scope import SYSTEM
from jingzhun.crosscheck import selectors as crosscheck_selectors
from jingzhun.crosscheck.models import Department
from jingzhun.monitoring import selectors as monitoring_selectors
from jingzhun.monitoring import services as monitoring
from jingzhun.monitoring.models import Attachment, Category, Channel, MonitoringCase, RiskType, Stage
from jingzhun.policy.selectors import run_latest
from jingzhun.registry.selectors import household_summary_for_user, households_for_user, ledger_import_latest
from jingzhun.registry.vocab import PovertyStatus
from jingzhun.samplecounty.names import SURNAMES, given_name
from jingzhun.web.demo_adjustments import demo_adjustments
from jingzhun.web.demo_benefits import demo_benefits
from jingzhun.web.demo_projects import demo_projects
from jingzhun.web.demo_supervision import DEMO_DEPARTMENT, demo_findings

# Documented in the README; the demo is for trying the software on one's own machine, never for real data.
DEMO_PASSWORD = "Jingzhun-demo-2026"  # noqa: S105
LEDGER_NAME = "sample-county.csv"
DEPARTMENTS_DIR = "departments"

# The sample county's incomes are for 2020, the last year of the national line in the default pack; the
# department lists describe the last day of that year, and the comparison judges ages on it.
DEMO_YEAR = 2020
LISTS_AS_OF = dt.date(DEMO_YEAR, 12, 31)
# Exit codes of ``jingzhun import``: 0 all imported, 1 some households rejected (see the error report).
IMPORT_OK_CODES = {None, 0, 1}

# Who sends each department's list (the 来源 of a batch).
DEPARTMENT_SOURCES = {
    Department.EDUCATION: "县教育和体育局",
    Department.MEDICAL_INSURANCE: "县医疗保障局",
    Department.DISABILITY: "县残疾人联合会",
    Department.CIVIL_AFFAIRS: "县民政局",
    Department.DEATHS: "县公安局",
    Department.VEHICLES: "县公安局交警大队",
    Department.BUSINESSES: "县市场监督管理局",
    Department.REAL_ESTATE: "县不动产登记中心",
    Department.PAYROLL: "县财政局",
    Department.HOUSING: "县住房和城乡建设局",
    Department.HUMAN_RESOURCES: "县人力资源和社会保障局",
}
# The county bureaus the helpers come from (each village's helpers from a few of them).
HELPER_UNITS = (
    "县农业农村局",
    "县财政局",
    "县教育和体育局",
    "县卫生健康局",
    "县人力资源和社会保障局",
    "县住房和城乡建设局",
    "县水利局",
    "县民政局",
    "县医疗保障局",
    "县交通运输局",
    "县自然资源局",
    "县市场监督管理局",
)
HOUSEHOLDS_PER_HELPER = 12  # a village's helpers: one per this many households, at least one
HELPERS_MAX = 6
VISITED_SHARE = 0.7  # of the paired households, visited this year: coverage is realistic, neither 0 nor 100 %
VISIT_DAYS = 90
TEAM_VILLAGES = 3  # work teams in the first villages of the demo town
DEMO_HELPER_HOUSEHOLDS = 8
CASES_PER_STAGE = 2


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    display_name: str
    label: str  # what the summary says the account is for
    area: Area | None = None
    department: str = ""


@dataclass
class DemoOutcome:
    county: Area
    town: Area
    village: Area
    accounts: list[DemoAccount]
    skipped: list[tuple[str, str]]  # (username, why) of accounts not created
    households: int
    people: int
    lists: int
    clues: int
    helpers: int
    pairings: int
    visits: int
    teams: int
    cases: dict[str, int] = field(default_factory=dict)  # stage → demo cases in it
    helper_households: int = 0
    findings: dict[str, int] = field(default_factory=dict)  # demo_supervision's counts
    adjustments: dict[str, int] = field(default_factory=dict)  # stage → demo adjustment cases in it
    projects: dict[str, int] = field(default_factory=dict)  # demo_projects' counts
    benefits: dict[str, int] = field(default_factory=dict)  # demo_benefits' counts


Say = Callable[[str], None]


def demo_prepare(*, households: int, seed: int, say: Say, today: dt.date | None = None) -> DemoOutcome:
    """Make (or bring up to date) the demo county in the data directory; ``say`` is told each step."""
    today = today or timezone.localdate()
    demo_dir = Path(settings.DATA_DIR) / "demo"
    demo_dir.mkdir(parents=True, exist_ok=True)
    ledger = demo_dir / LEDGER_NAME
    villages = ledger.with_name(f"{ledger.stem}.villages.csv")
    lists_dir = demo_dir / DEPARTMENTS_DIR

    # The generator is deterministic: files made with the same households, seed and version are made again only
    # when one is missing (a rerun then reads them as they are).
    stamp, made_with = demo_dir / ".generated", f"{households} {seed} {_version()}"
    made = [ledger, villages, lists_dir]
    if stamp.exists() and stamp.read_text(encoding="utf-8") == made_with and all(p.exists() for p in made):
        say(f"① 示例县文件已生成过（{households} 户，随机种子 {seed}），不再生成：{ledger}")
    else:
        say(f"① 生成示例县：{households} 户（随机种子 {seed}）→ {ledger}，部门数据 → {lists_dir}")
        stamp.unlink(missing_ok=True)
        call_command(
            "generate",
            "--households",
            households,
            "--seed",
            seed,
            "--out",
            str(ledger),
            "--departments",
            str(lists_dir),
        )
        stamp.write_text(made_with, encoding="utf-8")
    if not ledger.exists() or not villages.exists():
        raise CommandError(f"生成失败：找不到 {ledger} 或 {villages}")

    say(f"② 导入村情表：{villages}")
    _import(say, "villages", villages)
    say(f"③ 导入贫困人口台账：{ledger}")
    _import(say, "ledger", ledger)
    latest = ledger_import_latest()
    changed = latest is None or latest.households_created + latest.households_updated > 0
    if changed or run_latest(year=DEMO_YEAR) is None:
        say(f"④ 评估 {DEMO_YEAR} 年（国家标准）")
        call_command("assess", "--year", str(DEMO_YEAR))
    else:
        say(f"④ 台账未变化，{DEMO_YEAR} 年的评估结果仍是最新的，不再评估")
    say(f"⑤ 按 {DEMO_YEAR} 年评估的监测预警开启防返贫监测")
    call_command("monitor", "open", "--year", str(DEMO_YEAR))

    say(f"⑥ 导入部门数据并比对：{lists_dir}")
    lists = _department_lists(say, lists_dir)

    county, town, village = _demo_areas(villages)
    say("⑦ 演示账号")
    accounts, skipped = _accounts(county, town, village)
    users = {account.username: account for account in accounts}
    from django.contrib.auth import get_user_model

    people = {user.username: user for user in get_user_model().objects.filter(username__in=users)}

    say("⑧ 帮扶责任人演示账号的结对户；监测对象按流程办理到各个环节")
    helper_households = _demo_helper(people["helper"], village, today) if "helper" in people else 0
    cases = _cases_through_stages(village, people, today=today)

    # After the cases: the households they opened are paired (and visited) with the others.
    say("⑨ 帮扶责任人、结对、走访和驻村工作队")
    helpers, pairings, visits = _helpers_at_scale(county, seed=seed, today=today)
    teams = _work_teams(town, seed=seed, today=today)
    say("⑩ 督导问题：各种办理状态，部分逾期（挂牌督办）")
    findings = demo_findings(county=county, town=town, people=people, today=today)
    say("⑪ 动态调整：脱贫、返贫、新识别、成员增减，办理到各个环节")
    adjustments = demo_adjustments(village=village, people=people, today=today)
    say("⑫ 项目资金：项目库、受益户、资金分配和支付、资产及收益、三色档案、项目评估、差异化分红")
    project_counts = demo_projects(county=county, town=town, village=village, people=people, today=today)
    say("⑬ 政策兑现：应享政策、各部门发放（部分未发放）、窗口申请、公益岗位、小额信贷、雨露计划")
    benefit_counts = demo_benefits(county=county, town=town, village=village, people=people, today=today)

    summary = household_summary_for_user(user=people["county"])
    latest_run = crosscheck_selectors.run_latest()
    clues = crosscheck_selectors.clues_of_run(run=latest_run).count() if latest_run else 0
    return DemoOutcome(
        county=county,
        town=town,
        village=village,
        accounts=accounts,
        skipped=skipped,
        households=summary["households"],
        people=summary["people"],
        lists=lists,
        clues=clues,
        helpers=helpers,
        pairings=pairings,
        visits=visits,
        teams=teams,
        cases=cases,
        helper_households=helper_households,
        findings=findings,
        adjustments=adjustments,
        projects=project_counts,
        benefits=benefit_counts,
    )


def demo_summary(outcome: DemoOutcome, *, url: str) -> list[str]:
    """The lines the command prints when the demo is ready: the data, and every account to log in with."""
    lines = [
        "",
        f"⑫ 演示数据已就绪：{outcome.county.name}，{outcome.households} 户 {outcome.people} 人；"
        f"部门数据 {outcome.lists} 份，待核实线索 {outcome.clues} 条；"
        f"帮扶责任人 {outcome.helpers} 名（本次新增），结对 {outcome.pairings} 户、走访 {outcome.visits} 户（本次新增）；"
        f"驻村工作队 {outcome.teams} 支。",
        "",
        f"  打开浏览器访问 {url} ，用下列任一账号登录：",
    ]
    for account in outcome.accounts:
        where = f"（{account.area.name}）" if account.area else ""
        lines.append(f"    {account.username:<11} {account.label}{where}")
    lines.append(f"  密码均为：{DEMO_PASSWORD}")
    for username, why in outcome.skipped:
        lines.append(f"  未创建 {username}：{why}")
    lines.append(
        f"  帮扶责任人演示账号已与 {outcome.village.name} 的 {outcome.helper_households} 户结对（「帮扶」→「我的帮扶户」）。"
    )
    if outcome.cases:
        lines.append(
            f"  {outcome.village.name} 有 {sum(outcome.cases.values())} 户监测对象已办理到各个环节（「防返贫监测」）。"
        )
    if outcome.findings.get("findings"):
        counts = outcome.findings
        lines.append(
            f"  督导问题 {counts['findings']} 条：未交办 {counts['unassigned']} 条，已销号 {counts['verified']} 条，"
            f"逾期挂牌督办 {counts['late_county'] + counts['late_city']} 项（「督导整改」）。"
        )
    if outcome.adjustments:
        lines.append(
            f"  {outcome.village.name} 有 {sum(outcome.adjustments.values())} 项动态调整已办理到各个环节（「动态调整」）。"
        )
    if outcome.projects:
        lines.append(
            f"  项目资金：{outcome.projects['projects']} 个项目（申报至运营各环节）、"
            f"{outcome.projects['beneficiaries']} 户次受益户、{outcome.projects['payments']} 笔资金支付、"
            f"{outcome.projects['assets']} 项资产、"
            f"{outcome.projects['distributions']} 个已发放的分红方案、{outcome.projects['evaluations']} 次项目评估（「项目资金」）。"
        )
    if outcome.benefits:
        counts = outcome.benefits
        lines.append(
            f"  政策兑现：{counts['entitlements']} 项应享政策、{counts['payments']} 笔发放（约一成应享未享）、"
            f"{counts['applications']} 件窗口申请、{counts['posts']} 个公益岗位、{counts['loans']} 笔小额信贷、"
            f"{counts['students']} 名雨露计划学生（「政策兑现」）。"
        )
    lines.append("")
    return lines


# --- the files ------------------------------------------------------------------------------------------------


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("jingzhun")
    except PackageNotFoundError:
        return "?"


def _import(say: Say, kind: str, *operands: Any) -> None:
    try:
        call_command("import", kind, *map(str, operands[:-1]), str(operands[-1]), *_import_options(kind))
    except SystemExit as exit_:
        if exit_.code not in IMPORT_OK_CODES:
            raise CommandError(f"导入失败（退出码 {exit_.code}）：{operands[-1]}") from None
        if exit_.code == 1:
            say("  部分行未能导入，详见输入文件旁的错误报告；其余已导入。")


def _import_options(kind: str) -> list[str]:
    return ["--no-progress"] if kind == "department" else []


def _department_lists(say: Say, lists_dir: Path) -> int:
    """Import each department list the generator wrote, unless that very file is already the department's
    latest list; then compare, unless the latest comparison already read exactly these lists."""
    from jingzhun.core.files import file_sha256

    latest = crosscheck_selectors.department_lists_latest()
    files = [(department, lists_dir / f"{department.value}.csv") for department in Department]
    # A small county may leave a department without anybody on its list (only the header): nothing to import.
    files = [(department, path) for department, path in files if path.exists() and _has_rows(path)]
    for department, path in files:
        batch = latest.get(department.value)
        if batch is not None and batch.sha256 == file_sha256(path):
            continue
        source = DEPARTMENT_SOURCES.get(department, "")
        try:
            call_command(
                "import",
                "department",
                department.value,
                str(path),
                "--as-of",
                LISTS_AS_OF.isoformat(),
                "--source",
                source,
                "--no-progress",
                verbosity=0,
            )
        except SystemExit as exit_:
            if exit_.code not in IMPORT_OK_CODES:
                raise CommandError(f"导入失败（退出码 {exit_.code}）：{path}") from None
    latest = crosscheck_selectors.department_lists_latest()
    batches = {department: batch.pk for department, batch in latest.items()}
    run = crosscheck_selectors.run_latest()
    if batches and (run is None or run.batches != batches or run.area_prefix):
        call_command("crosscheck", "--as-of", LISTS_AS_OF.isoformat())
    else:
        say("  部门数据未变化，上次比对的线索仍是最新的，不再比对")
    return len(latest)


def _has_rows(path: Path) -> bool:
    with path.open(encoding="utf-8-sig") as f:
        return sum(1 for _ in zip(range(2), f, strict=False)) > 1


def _demo_areas(villages: Path) -> tuple[Area, Area, Area]:
    """The county of the generated villages, its first town and that town's first village."""
    county_prefix = _first_village_code(villages)[:6]
    county = area_first(level=Level.COUNTY, prefix=county_prefix)
    town = area_first(level=Level.TOWN, prefix=county_prefix)
    village = area_first(level=Level.VILLAGE, prefix=town.prefix) if town else None
    if county is None or town is None or village is None:
        raise CommandError(f"导入后找不到区划 {county_prefix} 的县、乡镇或村")
    return county, town, village


def _first_village_code(villages: Path) -> str:
    """村代码 of the first row of the village facts file (docs/LEDGER.md §1b) that the generator wrote."""
    with villages.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            code = (row.get("村代码") or "").strip()
            if code:
                return code
    raise CommandError(f"村情表中没有村代码：{villages}")


# --- accounts -------------------------------------------------------------------------------------------------


def demo_accounts(county: Area, town: Area, village: Area) -> list[DemoAccount]:
    """An account of every role a new user would want to try (README, 「演示账号」)."""
    return [
        DemoAccount("county", Role.COUNTY, "县级演示账号", "县级", county),
        DemoAccount("town", Role.TOWN, "乡镇演示账号", "乡镇级", town),
        DemoAccount("village", Role.VILLAGE, "村级演示账号", "村级", village),
        DemoAccount("helper", Role.HELPER, "帮扶责任人演示账号", "帮扶责任人", village),
        DemoAccount("inspector", Role.INSPECTOR, "督查演示账号", "督查（登记、交办、核验督导问题）", county),
        DemoAccount(
            "department",
            Role.DEPARTMENT,
            "部门数据员演示账号",
            "部门数据员（医保：导入部门数据、整改督导问题、审批医保政策申请）",
            county,
            department=DEMO_DEPARTMENT,
        ),
        DemoAccount("sysadmin", Role.SYSTEM_ADMIN, "系统管理员演示账号", "系统管理员（账号）"),
        DemoAccount("secadmin", Role.SECURITY_ADMIN, "安全管理员演示账号", "安全管理员（角色与权限）"),
        DemoAccount("auditadmin", Role.AUDIT_ADMIN, "审计管理员演示账号", "审计管理员（审计日志）"),
    ]


def _accounts(county: Area, town: Area, village: Area) -> tuple[list[DemoAccount], list[tuple[str, str]]]:
    accounts = demo_accounts(county, town, village)
    outcome = users_ensure(
        accounts=[EnsuredAccount(a.username, a.role, a.area, a.display_name, a.department) for a in accounts],
        password=DEMO_PASSWORD,
        # The demo password is documented and shared on purpose: no forced change (users_ensure).
        must_change_password=False,
    )
    made = [account for account, result in zip(accounts, outcome, strict=True) if not isinstance(result, Exception)]
    # 三员分立: an administrator role another active account holds is not given a second time.
    skipped = [
        (account.username, "；".join(result.messages))
        for account, result in zip(accounts, outcome, strict=True)
        if isinstance(result, ValidationError)
    ]
    return made, skipped


# --- assistance -----------------------------------------------------------------------------------------------


def _demo_helper(account: Any, village: Area, today: dt.date) -> int:
    """The demo helper, paired with up to eight households of the demo village, monitored ones first, through
    the assistance services as an office would do it. Running the demo again pairs nobody twice."""
    from jingzhun.registry.models import Household

    helper = assistance_selectors.helper_of_user(user=account) or assistance.helper_create(
        by=SYSTEM, name="帮扶责任人演示账号", unit="县农业农村局", area=village, account_username=account.username
    )
    if helper.pairings.filter(ended_on__isnull=True).exists():
        return helper.pairings.filter(ended_on__isnull=True).count()
    households = (
        households_for_user(user=SYSTEM)
        .filter(village=village)
        .order_by(F("monitoring_cases__id").desc(nulls_last=True), "household_no")
    )
    chosen = list(dict.fromkeys(households.values_list("pk", flat=True)))[:DEMO_HELPER_HOUSEHOLDS]
    started = today - dt.timedelta(days=60)
    for household in Household.objects.filter(pk__in=chosen):  # eight households, as an office pairs them
        assistance.pairing_set(by=SYSTEM, helper=helper, household=household, started_on=started)
    return len(chosen)


def _helpers_at_scale(county: Area, *, seed: int, today: dt.date) -> tuple[int, int, int]:
    """A few helpers per village from the county's bureaus, paired with the households an office pairs (every
    household still in the poverty registry, and every monitored one), and visits to most of them this year.
    Set-based: one ``bulk_create`` and one ``INSERT … SELECT`` per step (per visit date)."""
    rng = random.Random(f"helpers:{seed}")  # noqa: S311 - sample data, not a secret
    villages = (
        households_for_user(user=SYSTEM)
        .filter(village__code__startswith=county.prefix)
        .order_by("village_id")
        .values_list("village_id")
        .annotate(n=Count("pk"))
    )
    seeds = []
    for code, registered in villages:  # a few rows per village, never a row per household
        units = rng.sample(HELPER_UNITS, max(1, min(HELPERS_MAX, round(registered / HOUSEHOLDS_PER_HELPER))))
        for unit in units:
            female = rng.random() < 0.35
            name = SURNAMES.pick(rng) + given_name(rng, female=female, birth_year=rng.randint(1965, 1998))
            seeds.append(assistance.HelperSeed(name=name, unit=unit, area_code=code))
    helpers = assistance.helpers_seed_bulk(helpers=seeds, by=SYSTEM)

    monitored = monitoring_selectors.cases_for_user(user=SYSTEM).filter(closed_on__isnull=True).values("household_id")
    paired = households_for_user(user=SYSTEM).filter(village__code__startswith=county.prefix)
    paired = paired.filter(~Q(poverty_status=PovertyStatus.NON_POOR) | Q(pk__in=monitored))
    started = max(today - dt.timedelta(days=365), dt.date(today.year - 1, 1, 1))
    pairings = assistance.pairings_seed_bulk(households=paired, started_on=started, by=SYSTEM)

    # Visits this year (the coverage page's default period), on a handful of dates of the last three months.
    first = max(today.replace(month=1, day=1), today - dt.timedelta(days=VISIT_DAYS))
    span = (today - first).days
    dates = sorted({first + dt.timedelta(days=span * i // 11) for i in range(12)})
    visits = assistance.visits_seed_bulk(
        households=paired,
        dates=dates,
        share=VISITED_SHARE,
        findings="入户走访，了解家庭收入和“两不愁三保障”情况。",
        by=SYSTEM,
    )
    return helpers, pairings, visits


def _work_teams(town: Area, *, seed: int, today: dt.date) -> int:
    """A village work team (驻村工作队) in the first villages of the demo town: a first secretary and two members
    from a bureau, and their attendance over the last working days. A village with a team keeps it."""
    rng = random.Random(f"teams:{seed}")  # noqa: S311 - sample data, not a secret
    villages = list(Area.objects.filter(level=Level.VILLAGE, parent=town).order_by("code")[:TEAM_VILLAGES])
    existing = set(
        assistance_selectors.teams_for_user(user=SYSTEM)
        .filter(village__in=villages)
        .values_list("village_id", flat=True)
    )
    started = today - dt.timedelta(days=200)
    made = 0
    for number, village in enumerate(villages):  # a handful of villages, each a team of three
        if village.pk in existing:
            continue
        unit = HELPER_UNITS[(number + seed) % len(HELPER_UNITS)]
        people = []
        for kind in (HelperKind.FIRST_SECRETARY, HelperKind.TEAM_MEMBER, HelperKind.TEAM_MEMBER):
            name = SURNAMES.pick(rng) + given_name(rng, female=rng.random() < 0.3, birth_year=rng.randint(1975, 1995))
            people.append(assistance.helper_create(by=SYSTEM, name=name, unit=unit, area=village, kind=kind))
        team = assistance.work_team_create(
            by=SYSTEM, village=village, unit=unit, leader=people[0], members=people[1:], started_on=started
        )
        day, recorded = today, 0
        while recorded < 5:
            day -= dt.timedelta(days=1)
            if day.weekday() >= 5:
                continue
            recorded += 1
            for index, member in enumerate(people):
                status = "leave" if (index, recorded) == (2, 3) else "present"
                assistance.attendance_record(team=team, member=member, date=day, status=status, by=SYSTEM)
        made += 1
    return len(existing) + made


# --- monitoring -----------------------------------------------------------------------------------------------

# The stages the demo cases reach, in workflow order, each with the steps that lead there from 已发现.
_PATH = (
    "home_check",
    "consent",
    "compare",
    "village_review",
    "notice",
    "town_review",
    "county_decide",
    "propose_elimination",
    "elimination_village_review",
    "elimination_notice",
    "elimination_town_review",
    "county_eliminate",
)
_STEP_ROLE = {
    "home_check": "village",
    "consent": "village",
    "compare": "town",
    "village_review": "village",
    "notice": "village",
    "town_review": "town",
    "county_decide": "county",
    "propose_elimination": "village",
    "elimination_village_review": "village",
    "elimination_notice": "village",
    "elimination_town_review": "town",
    "county_eliminate": "county",
}
_TARGETS: tuple[tuple[str, int], ...] = (
    (Stage.DISCOVERED, 0),
    (Stage.HOME_CHECKED, 1),
    (Stage.CONSENTED, 2),
    (Stage.COMPARED, 3),
    (Stage.VILLAGE_REVIEWED, 4),
    (Stage.NOTICED, 5),
    (Stage.TOWN_REVIEWED, 6),
    (Stage.MONITORED, 7),
    (Stage.NOT_INCLUDED, -1),  # the home check finds the household not at risk
    (Stage.ELIMINATION_PROPOSED, 8),
    (Stage.ELIMINATION_VILLAGE_REVIEWED, 9),
    (Stage.ELIMINATION_NOTICED, 10),
    (Stage.ELIMINATION_TOWN_REVIEWED, 11),
    (Stage.ELIMINATED, 12),
)
# A tiny valid PDF: what an office scans (consent form, minutes) or photographs (the notice board).
_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
_ATTACHMENT_OF = {
    "consent": (Attachment.Kind.CONSENT, "授权承诺书.pdf"),
    "village_review": (Attachment.Kind.MINUTES, "民主评议会议记录.pdf"),
    "notice": (Attachment.Kind.NOTICE_PHOTO, "公示照片.pdf"),
    "elimination_village_review": (Attachment.Kind.MINUTES, "风险消除评议记录.pdf"),
    "elimination_notice": (Attachment.Kind.NOTICE_PHOTO, "风险消除公示照片.pdf"),
}


def _step_dates(steps: int, *, today: dt.date) -> list[dt.date]:
    """Dates for a case's opening and its ``steps`` steps, ending about today: a few days between steps, five
    days of notice, and six months under monitoring before risk elimination is proposed."""
    gaps = [3, 2, 2, 3, 2, 6, 3, 200, 3, 2, 6, 3][:steps]
    total = sum(gaps) + 2
    day = today - dt.timedelta(days=total)
    dates = [day]
    for gap in gaps:
        day += dt.timedelta(days=gap)
        dates.append(day)
    return dates


def _cases_through_stages(village: Area, people: dict[str, Any], *, today: dt.date) -> dict[str, int]:
    """Two households of the demo village per workflow stage, each opened (cadre screening) and taken through
    the real workflow services by the demo accounts of the right role, with the attachments each step needs and
    an assistance measure (instant help) once monitored. A few dozen cases, each step one service call; done
    once (the cases the demo village account opened are its mark)."""
    from jingzhun.registry.models import Household

    if not {"village", "town", "county"} <= people.keys():
        return {}
    opened_by_demo = monitoring_selectors.cases_for_user(user=people["village"]).filter(opened_by=people["village"])
    if opened_by_demo.exists():
        return _stage_counts(opened_by_demo)
    with_case = monitoring_selectors.cases_for_user(user=SYSTEM).filter(closed_on__isnull=True).values("household_id")
    candidates = list(
        households_for_user(user=SYSTEM)
        .filter(
            village=village,
            poverty_status__in=[PovertyStatus.EXITED, PovertyStatus.EXITED_NO_POLICY, PovertyStatus.NON_POOR],
        )
        .exclude(pk__in=with_case)
        .exclude(pairings__helper__user__isnull=False)  # the demo helper's households keep their own story
        .order_by("household_no")
        .values_list("pk", flat=True)[:80]
    )
    remaining = list(Household.objects.filter(pk__in=candidates).order_by("household_no"))
    # The longest paths first: they need households that meet the conditions of risk elimination; a household
    # that does not stays for a shorter path.
    for stage, steps in sorted(_TARGETS, key=lambda target: -target[1]):
        done = 0
        for household in list(remaining):
            if done == CASES_PER_STAGE:
                break
            reached = _case_to_stage(household, stage, steps, people, today=today)
            if reached is not None:
                remaining.remove(household)
                done += reached
    return _stage_counts(opened_by_demo)


def _case_to_stage(household: Any, stage: str, steps: int, people: dict[str, Any], *, today: dt.date) -> bool | None:
    """Open a case for ``household`` and take it ``steps`` steps along the workflow: whether it reached
    ``stage`` (False: a step was refused and the case stays where it stopped), or None when no case was opened
    because the household would not meet risk elimination's conditions."""
    if steps > 7:
        # Risk elimination's conditions (docs/RULES.md §6), asked of the rule itself for a case monitored long
        # enough with a measure: a household that would not meet them goes to a shorter path.
        trial = MonitoringCase(household=household, monitored_since=today - dt.timedelta(days=365), measures=1)
        if monitoring.elimination_unmet(case=trial, on=today):
            return None
    refused = steps < 0
    dates = _step_dates(1 if refused else steps, today=today)
    try:
        case = monitoring.case_open(
            household=household,
            channel=Channel.CADRE_SCREENING,
            user=people["village"],
            discovered_on=dates[0],
            note="村干部排查发现：家庭成员患病，医疗支出较大。",
            risk_types=[RiskType.ILLNESS],
            today=today,
        ).case
        if refused:
            _step(case, "home_check", people, dates[1], today, passed=False)
            return True
        for action, on in zip(_PATH[:steps], dates[1:], strict=True):
            case = _step(case, action, people, on, today)
            if action == "county_decide":
                assistance.measure_record(
                    household=household,
                    kind=MeasureKind.HEALTH,
                    content="落实医疗救助，协调慢病签约服务。",
                    started_on=on,
                    amount=None,
                    by=people["town"],
                )
                case.refresh_from_db()
    except (monitoring.CaseRefused, ValidationError):
        return False
    return case.stage == stage


def _step(case: Any, action: str, people: dict[str, Any], on: dt.date, today: dt.date, *, passed: bool = True) -> Any:
    attachments: Sequence[tuple[str, Any]] = ()
    if action in _ATTACHMENT_OF and passed:
        kind, name = _ATTACHMENT_OF[action]
        attachments = [(kind, SimpleUploadedFile(name, _PDF, content_type="application/pdf"))]
    step = monitoring.StepInput(
        on=on,
        note="已与民政、医保、残联等部门数据比对，未发现不符合条件的情形。" if action == "compare" else "",
        passed=passed,
        reason="" if passed else "入户核实：家庭收入稳定，无返贫致贫风险，不纳入监测。",
        category=Category.SUDDEN if action in ("home_check", "county_decide") and passed else "",
        risk_types=[RiskType.ILLNESS] if action == "county_decide" else (),
        attachments=attachments,
    )
    return monitoring.case_step(
        case_id=case.pk,
        action=action,
        user=people[_STEP_ROLE[action]],
        expected_version=case.version,
        step=step,
        today=today,
    )


def _stage_counts(cases: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for stage in cases.values_list("stage", flat=True):
        counts[stage] = counts.get(stage, 0) + 1
    return counts


__all__ = ["DEMO_PASSWORD", "DemoAccount", "DemoOutcome", "demo_accounts", "demo_prepare", "demo_summary"]
