"""The demo county's projects and funds (项目资金): a project at every stage of its lifecycle, from the county's,
the town's and the demo village's; beneficiary households of the demo village; the assets completed projects
formed, with their four rights and income by period — taken through the real services.

The projects are set in the demo's assessment year (2020: the year whose tiers the dividends use) and the year
before; one is declared today. Done once: a county with demo projects is left as it is on a rerun.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from jingzhun.areas.models import Area
from jingzhun.core.scope import SYSTEM
from jingzhun.projects import (
    archive_services,
    dividend_selectors,
    dividend_services,
    evaluation_services,
    fund_services,
)
from jingzhun.projects import services as projects
from jingzhun.projects.datafiles import archive_checklist, indicator_bank
from jingzhun.projects.models import STAGE_ORDER, Distribution, Evaluation, Payment, Project, Stage
from jingzhun.registry.models import Household
from jingzhun.supervision import services as supervision

# A scanned page as an office files it (a PDF; the archive tells the type from these bytes).
_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DIVIDEND_YEAR = 2020  # the demo's assessment year: the tiers the dividends weigh

# The lifecycle steps in order, with the day each is taken (month, day) in the project's year.
_STEPS = (("approve", (3, 10)), ("start", (4, 15)), ("complete", (8, 30)), ("accept", (9, 20)), ("operate", (10, 8)))


@dataclass(frozen=True)
class _Story:
    code: str
    name: str
    kind: str
    level: str  # county, town, village: the demo area it serves
    year: int
    planned: int
    steps: int  # how many lifecycle steps were taken
    operator: str = ""
    terminated: str = ""  # the reason, for a project terminated after its steps


_STORIES = (
    _Story("XM2019001", "光伏扶贫电站（100 千瓦）", "solar", "village", 2019, 720_000, 5, "县光伏运维有限公司"),
    _Story("XM2019002", "扶贫车间（服装加工）", "employment", "town", 2019, 1_200_000, 5, "鲁兴服装有限公司"),
    _Story("XM2020001", "果蔬冷藏保鲜库", "industry", "village", 2020, 480_000, 4),
    _Story("XM2020002", "高效设施农业大棚（20 个）", "industry", "town", 2020, 1_600_000, 3),
    _Story("XM2020003", "道路硬化（3.2 公里）", "infrastructure", "village", 2020, 960_000, 2),
    _Story("XM2020004", "农产品电商服务中心", "industry", "county", 2020, 3_500_000, 1),
    _Story(
        "XM2020005",
        "安全饮水巩固提升工程",
        "public_service",
        "village",
        2020,
        350_000,
        1,
        terminated="水源地调整，并入县级供水管网项目",
    ),
)
_UNITS = {"county": "县乡村振兴局", "town": "镇人民政府", "village": "村民委员会"}


def demo_projects(*, county: Area, town: Area, village: Area, people: dict[str, Any], today: dt.date) -> dict[str, int]:
    """The demo's projects, made once; how many projects, beneficiary households and assets exist."""
    if not Project.objects.filter(code=_STORIES[0].code).exists():
        areas = {"county": county, "town": town, "village": village}
        households = list(
            Household.objects.filter(village__code__startswith=village.prefix).order_by("household_no")[:60]
        )
        for story in _STORIES:
            _project(story, areas[story.level], households, people)
        projects.project_create(
            code=f"XM{today.year}001",
            values=projects.ProjectInput(
                name="村集体光伏电站扩容",
                kind="solar",
                level="village",
                area_code=village.code,
                year=today.year,
                planned_investment=Decimal("400000"),
                responsible_unit=_UNITS["village"],
            ),
            user=people.get("town", SYSTEM),
            on=today,
        )
        _funds(county, people)
        _archive(people)
        _evaluations(people, today)
        _dividend(people)
    return {
        "projects": Project.objects.count(),
        "beneficiaries": sum(p.beneficiaries.count() for p in Project.objects.all()),
        "assets": sum(p.assets.count() for p in Project.objects.all()),
        "distributions": Distribution.objects.count(),
        "payments": Payment.objects.count(),
        "evaluations": Evaluation.objects.count(),
    }


def _project(story: _Story, area: Area, households: list[Household], people: dict[str, Any]) -> Project:
    county, town = people.get("county", SYSTEM), people.get("town", SYSTEM)
    manager = county if story.level == "county" else town
    project = projects.project_create(
        code=story.code,
        values=projects.ProjectInput(
            name=f"{area.name}{story.name}",
            kind=story.kind,
            level=story.level,
            area_code=area.code,
            year=story.year,
            planned_investment=Decimal(story.planned),
            responsible_unit=_UNITS[story.level],
            description="项目资金来源为统筹整合涉农资金与东西部协作资金，收益用于差异化分红、公益岗位和村级公益事业。",
        ),
        user=manager,
        on=dt.date(story.year, 2, 20),
    )
    for action, (month, day) in _STEPS[: story.steps]:
        project = projects.project_step(
            project=project,
            action=action,
            on=dt.date(story.year, month, day),
            user=county if action == "approve" else manager,
            version=project.version,
            operator=story.operator,
        )
    if story.terminated:
        project = projects.project_step(
            project=project,
            action="terminate",
            on=dt.date(story.year, 6, 1),
            user=county,
            version=None,
            note=story.terminated,
        )
    if story.level != "county" and households:
        _beneficiaries(project, story, households, manager)
    if story.steps >= 3:
        _asset(project, story, area, manager)
    return project


def _beneficiaries(project: Project, story: _Story, households: list[Household], manager: Any) -> None:
    share = households[:40] if story.kind == "solar" else households[1:40:2]
    for i, household in enumerate(share):
        ways = {"by_dividend"} if story.kind in ("solar", "industry") else {"by_work"}
        if i % 5 == 0:
            ways.add("by_work")
        if story.kind == "industry" and i % 7 == 0:
            ways.add("by_land")
        refused = story.kind == "solar" and i == 7
        projects.beneficiary_set(
            project=project,
            household=household,
            ways=ways,
            user=manager,
            refused_post=refused,
            refusal_reason="无正当理由拒绝村公益性保洁岗位" if refused else "",
        )


def _asset(project: Project, story: _Story, area: Area, manager: Any) -> None:
    owner = f"{area.name}股份经济合作社" if story.level == "village" else f"{area.name}人民政府"
    asset = projects.asset_create(
        project=project,
        values=projects.AssetInput(
            code=f"ZC{story.code[2:]}",
            name=story.name,
            kind="operating",
            value=Decimal(story.planned) * Decimal("0.95"),
            formed_on=dt.date(story.year, 8, 30),
            owner=owner,
            operator=story.operator or "村集体自营",
            operating_mode="委托经营" if story.operator else "自主经营",
            contract_no=f"HT-{story.code}" if story.operator else "",
            contract_start=dt.date(story.year, 10, 1) if story.operator else None,
            contract_end=dt.date(story.year + 10, 9, 30) if story.operator else None,
            income_beneficiary="脱贫户、监测户及村集体",
            income_method="收益的 60% 差异化分红，其余用于公益岗位和小型公益事业",
            supervisor="村务监督委员会、镇纪委",
            published_at="村务公开栏、微信群",
        ),
        user=manager,
    )
    if story.steps < 5:
        return
    for start, end, received, amount in (
        ((story.year, 10, 1), (story.year, 12, 31), (story.year + 1, 1, 15), story.planned * 0.02),
        ((story.year + 1, 1, 1), (story.year + 1, 6, 30), (story.year + 1, 7, 10), story.planned * 0.045),
        ((story.year + 1, 7, 1), (story.year + 1, 12, 31), (story.year + 2, 1, 12), story.planned * 0.05),
    ):
        projects.asset_income_record(
            asset=asset,
            period_start=dt.date(*start),
            period_end=dt.date(*end),
            amount=Decimal(str(round(amount, 2))),
            received_on=dt.date(*received),
            user=manager,
            note="运营方按合同交纳",
        )


def _archive(people: dict[str, Any]) -> None:
    """Documents filed for every item due of the operating projects but the last blue one, and the red items
    of the others: a partly complete archive."""
    checklist = archive_checklist()
    for project in Project.objects.exclude(stage__in=(Stage.DECLARED, Stage.TERMINATED)).order_by("code"):
        manager = people.get("county" if project.level == "county" else "town", SYSTEM)
        rank = STAGE_ORDER.index(Stage(project.stage))
        due = [item for item in checklist.items if item.rank <= rank and item.required]
        if project.stage != Stage.OPERATING:
            due = [item for item in due if item.colour == "red"]
        for item in due[:-1]:
            archive_services.archive_file_add(
                project=project,
                item=item.code,
                upload=SimpleUploadedFile(f"{item.name}.pdf", _PDF + item.code.encode(), "application/pdf"),
                user=manager,
            )


def _evaluations(people: dict[str, Any], today: dt.date) -> None:
    """The county's review of the operating projects: full marks but for a few indicators, each with its
    problem; one problem of the town's workshop turned into a supervision finding."""
    bank = indicator_bank()
    county = people.get("county", SYSTEM)
    problems = {
        "XM2019001": {0: "村级民主决策记录缺少村民代表签字", 5: "收益分配方案未在村务公开栏公示满 7 天"},
        "XM2019002": {
            1: "项目实施方案未经乡镇审核备案",
            3: "资金拨付凭证与合同约定的支付节点不一致",
            8: "带贫人数台账与实际务工人员名单不符",
            12: "资产移交手续不全，未确权到村集体",
        },
    }
    for code, found in problems.items():
        project = Project.objects.get(code=code)
        scores = {}
        for n, indicator in enumerate(bank.indicators):
            problem = found.get(n, "")
            scores[indicator.code] = (indicator.weight / 2 if problem else indicator.weight, problem)
        evaluation = evaluation_services.evaluation_record(
            project=project,
            on=dt.date(2021, 3, 15),
            scores=scores,
            note="县乡村振兴局会同财政局对存量项目逐项评估。",
            user=county,
            today=today,
        )
    item = evaluation.items.exclude(problem="").order_by("indicator").first()
    if item is not None:
        supervision.finding_from_project_problem(item_id=item.pk, user=people.get("county", SYSTEM), today=today)


def _dividend(people: dict[str, Any]) -> None:
    """The solar station's 2020 income shared out (RULES §9), approved and paid: each household's share is its
    资产收益分红 of 2020."""
    project = Project.objects.get(code=_STORIES[0].code)
    income = dividend_selectors.asset_income_of(project=project, year=DIVIDEND_YEAR)
    if not income or not project.beneficiaries.filter(by_dividend=True).exists():
        return
    county = people.get("county", SYSTEM)
    distribution, _created = dividend_services.distribution_approve(
        user=county, project=project, year=DIVIDEND_YEAR, income=income, today=dt.date(2021, 1, 20)
    )
    dividend_services.distribution_pay(user=county, distribution=distribution, on=dt.date(2021, 1, 25))


# The funds of the demo: (source, year, document number, title, amount, issued on). The 2020 integrated funds
# were issued early (December 2019).
_FUNDS = (
    ("integrated", 2019, "冠财农〔2019〕12号", "2019 年统筹整合涉农资金", 2_500_000, (2019, 3, 5)),
    ("integrated", 2020, "冠财农〔2019〕58号", "2020 年统筹整合涉农资金（提前下达）", 4_000_000, (2019, 12, 10)),
    ("east_west", 2020, "东西部协作〔2020〕3号", "2020 年东西部协作资金", 1_500_000, (2020, 4, 2)),
    ("central", 2020, "财农〔2020〕7号", "2020 年中央财政衔接推进乡村振兴补助资金", 5_000_000, (2020, 3, 20)),
)


def _funds(county: Area, people: dict[str, Any]) -> None:
    """Each approved project funded from the year's documents, and paid as far as its stage: the projects that
    were completed in full, the one under construction by half."""
    boss = people.get("county", SYSTEM)
    funds = {
        (source, year): fund_services.fund_create(
            user=boss,
            source=source,
            year=year,
            document_no=number,
            title=title,
            amount=Decimal(amount),
            issued_on=dt.date(*issued),
            area=county,
        )
        for source, year, number, title, amount, issued in _FUNDS
    }
    voucher = 0
    for project in Project.objects.exclude(stage__in=(Stage.DECLARED, Stage.TERMINATED)).order_by("code"):
        source = (
            ("integrated", project.year) if project.year == 2019 or project.level != "county" else ("central", 2020)
        )
        parts = [(funds[source], project.planned_investment * Decimal("0.7"))]
        if project.year == 2020 and project.level != "county":
            parts.append((funds[("east_west", 2020)], project.planned_investment * Decimal("0.3")))
        else:
            parts[0] = (parts[0][0], project.planned_investment)
        shares: dict[str, Decimal] = {"operating": Decimal(1), "accepted": Decimal(1), "completed": Decimal("0.9")}
        paid_share = shares.get(project.stage, Decimal("0.5") if project.stage == Stage.STARTED else Decimal(0))
        for fund, amount in parts:
            allocation = fund_services.allocation_create(
                user=boss,
                fund=fund,
                project=project,
                amount=amount.quantize(Decimal("0.01")),
                allocated_on=max(project.approved_on or fund.issued_on, fund.issued_on),
            )
            if not paid_share:
                continue
            paid_on = project.completed_on or project.started_on or project.approved_on
            for part, day in ((Decimal("0.3"), project.started_on), (paid_share - Decimal("0.3"), paid_on)):
                if part <= 0 or day is None:
                    continue
                voucher += 1
                fund_services.payment_create(
                    user=people.get("county" if project.level == "county" else "town", SYSTEM),
                    allocation=allocation,
                    amount=(amount * part).quantize(Decimal("0.01")),
                    paid_on=max(day, allocation.allocated_on),
                    voucher_no=f"记-{project.year}-{voucher:04d}",
                    payee=project.operator or f"{project.name}施工单位",
                    purpose="工程进度款" if part == Decimal("0.3") else "工程款（按验收结算）",
                    attachments=[SimpleUploadedFile("付款凭证.pdf", _PDF + f"{voucher}".encode(), "application/pdf")],
                )
