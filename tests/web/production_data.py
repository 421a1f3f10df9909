"""Demo-like data for the production page walk, written by a process of its own into a served data directory.

``python -m tests.web.production_data`` with ``JINGZHUN_DATA_DIR`` set (the server's, migrated) prints, as JSON,
the values the walk fills the routes' parameters with and the users it logs in as. Every kind of record a page
shows is there once: households with members and incomes, an assessment run, a monitoring case with its signed
consent, a helper paired with a household, a work team, a visit with a photo and a follow-up, a comparison clue,
a candidate match, a supervision finding with its evidence, a registry adjustment with its minutes, a poor village's
exit with its document, a finished ledger import and department list import with their error reports, and an
assessment run started in the browser.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

# One user per role the walk logs in as; every password is tests.factories.TEST_PASSWORD.
USERS = {
    "county": "county",
    "system_admin": "sysadmin",
    "security_admin": "secadmin",
    "audit_admin": "auditadmin",
    "helper": "helper",
    "village": "village",
    "town": "town",
    "department": "payroll",
}


def make() -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import override_settings
    from django.utils import timezone

    from jingzhun.accounts.models import Role
    from jingzhun.areas.models import Area, Level
    from jingzhun.assistance.services import visit_record
    from jingzhun.core.uploads import upload_job_create
    from jingzhun.crosscheck.import_jobs import KIND as DEPARTMENT_LIST
    from jingzhun.crosscheck.models import Clue, Department, Match
    from jingzhun.crosscheck.models import Run as CrosscheckRun
    from jingzhun.monitoring.services import case_open, case_step
    from jingzhun.policy.services import assessment_run
    from jingzhun.registry.import_jobs import KIND as LEDGER
    from jingzhun.registry.vocab import PovertyStatus
    from tests.assistance.factories import JPEG, HelperFactory, PairingFactory, WorkTeamFactory
    from tests.crosscheck.factories_lists import list_row, write_list_csv
    from tests.crosscheck.factories_matching import batch_make, row_make
    from tests.factories import AreaFactory, HouseholdFactory, IncomeFactory, MemberFactory, UserFactory, sample_area
    from tests.monitoring.flow import step_input
    from tests.registry.ledger_files import VILLAGE, family, write_csv

    county = sample_area(Level.COUNTY)
    town = AreaFactory(level=Level.TOWN, parent=county, code=VILLAGE[:9] + "000", name="新市镇")
    village = Area.objects.create(code=VILLAGE, name="王家村", level=Level.VILLAGE, parent=town, population=900)
    users = {
        "county": UserFactory(username=USERS["county"], role=Role.COUNTY, area=county, may_see_id_numbers=True),
        "system_admin": UserFactory(username=USERS["system_admin"], role=Role.SYSTEM_ADMIN, area=county),
        "security_admin": UserFactory(username=USERS["security_admin"], role=Role.SECURITY_ADMIN, area=county),
        "audit_admin": UserFactory(username=USERS["audit_admin"], role=Role.AUDIT_ADMIN, area=county),
        "helper": UserFactory(username=USERS["helper"], role=Role.HELPER, area=village),
        "village": UserFactory(username=USERS["village"], role=Role.VILLAGE, area=village),
        "town": UserFactory(username=USERS["town"], role=Role.TOWN, area=town),
        "department": UserFactory(
            username=USERS["department"], role=Role.DEPARTMENT, area=county, department="payroll"
        ),
    }

    households = []
    for i, status in enumerate([PovertyStatus.NOT_EXITED, PovertyStatus.EXITED, PovertyStatus.RELAPSED]):
        home = HouseholdFactory(village=village, poverty_status=status, water_quality_ok=i != 0)
        MemberFactory(household=home, relation="head")
        MemberFactory(household=home, relation="spouse")
        IncomeFactory(household=home, year=2020, wage=Decimal(3000 + 20000 * i))
        households.append(home)
    poor = households[0]
    run = assessment_run(year=2020)

    case = case_open(household=households[1], channel="self_report", user=users["village"]).case
    for action in ("home_check", "consent"):
        case = case_step(
            case_id=case.pk,
            action=action,
            user=users["village"],
            expected_version=case.version,
            step=step_input(action, case.opened_on),
        )

    helper = HelperFactory(area=village, user=users["helper"])
    pairing = PairingFactory(household=poor, helper=helper)
    team = WorkTeamFactory(village=village)
    visit = visit_record(
        household=poor,
        helper=helper,
        visited_on=timezone.localdate() - dt.timedelta(days=3),
        findings="家中老人住院，务工收入减少",
        follow_ups=["联系镇卫生院办理慢病卡"],
        photos=[SimpleUploadedFile("visit.jpg", JPEG, "image/jpeg")],
        by=users["county"],
    )

    crosscheck_run = CrosscheckRun.objects.create(as_of=timezone.localdate())
    member = poor.members.first()
    clue = Clue.objects.create(
        rule="X09",
        department="payroll",
        household=poor,
        village_code=poor.village_id,
        detail=f"{member.name}为财政供养人员",
        action="核实",
        fingerprint=f"X09::h{poor.pk}",
        first_run=crosscheck_run,
        last_run=crosscheck_run,
    )
    # Sent back to the payroll department, answered by its clerk with a file.
    from jingzhun.crosscheck.services import clue_feedback_answer, clue_send_back

    clue = clue_send_back(clue_id=clue.pk, user=users["county"], expected_version=clue.version)
    clue = clue_feedback_answer(
        clue_id=clue.pk,
        user=users["department"],
        answer="经核实，该同志为县某局在编人员",
        expected_version=clue.version,
        attachment=SimpleUploadedFile("核实.jpg", JPEG, "image/jpeg"),
    )
    match = Match.objects.create(
        row=row_make(batch=batch_make(), name=member.name, id_raw=""),
        member=member,
        method="name_birth",
        confidence=60,
        state="review",
    )

    # A supervision finding of the poor household, assigned to the town and the medical-insurance department, with a
    # photo as evidence.
    from jingzhun.supervision.services import finding_assign, finding_record

    finding = finding_record(
        user=users["county"],
        source="monthly",
        found_on=timezone.localdate() - dt.timedelta(days=3),
        area_code=village.code,
        household_no=poor.household_no,
        category="policy",
        description="低保政策未落实到户",
        town_code=town.code,
        department="medical_insurance",
        evidence=[SimpleUploadedFile("现场.jpg", JPEG, "image/jpeg")],
    )
    finding = finding_assign(
        finding_id=finding.pk, user=users["county"], on=timezone.localdate(), expected_version=finding.version
    )

    # A registry adjustment: the poor household's exit, through the village review (its minutes attached).
    from jingzhun.adjustments.services import Application, StepInput, adjustment_open, adjustment_step

    adjustment = adjustment_open(
        household=poor,
        user=users["village"],
        application=Application(kind="exit", applied_on=timezone.localdate(), reason="务工收入稳定，申请脱贫"),
    )
    adjustment = adjustment_step(
        case_id=adjustment.pk,
        action="village_review",
        user=users["village"],
        expected_version=adjustment.version,
        step=StepInput(
            on=timezone.localdate(), attachments=[("minutes", SimpleUploadedFile("评议记录.jpg", JPEG, "image/jpeg"))]
        ),
    )

    # A poor village's exit (摘帽) with its decision document, recorded over a test not met (an override).
    from jingzhun.policy.services import ExitInput, area_exit_record

    Area.objects.filter(pk=village.pk).update(poor_village=True)
    area_exit = area_exit_record(
        user=users["county"],
        area_code=village.code,
        entry=ExitInput(
            year=2020,
            document_no="济阳政发〔2020〕8号",
            decided_on=dt.date(2020, 12, 20),
            override_reason="第三方评估核定",
            documents=[SimpleUploadedFile("摘帽决定.jpg", JPEG, "image/jpeg")],
        ),
    )

    # The browser jobs (two imports, an assessment run), run at once here (the server's worker runs the walk's own).
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}):
        folder = Path(tempfile.mkdtemp())
        ledger = write_csv(folder / "三月台账.csv", family("H001") + family("H002", 证件号码="370125198001010000"))
        job = upload_job_create(
            kind=LEDGER, user=users["county"], upload=SimpleUploadedFile(ledger.name, ledger.read_bytes())
        )
        rows = [list_row(Department.EDUCATION), list_row(Department.EDUCATION, 证件号码="12345")]
        listed = write_list_csv(folder / "教体局名单.csv", rows)
        list_job = upload_job_create(
            kind=DEPARTMENT_LIST,
            user=users["county"],
            upload=SimpleUploadedFile(listed.name, listed.read_bytes()),
            params={"department": Department.EDUCATION, "as_of": timezone.localdate().isoformat(), "source": ""},
        )

        # A findings file imported in the browser (docs/LEDGER.md §6): one row imported, one refused (error report).
        from tests.supervision.finding_files import finding_row
        from tests.supervision.finding_files import write_csv as write_findings_csv

        findings_file = write_findings_csv(
            folder / "督导问题.csv",
            [finding_row("JY-001", village.code, town.code), finding_row("JY-002", village.code, "999999999999")],
        )
        findings_job = upload_job_create(
            kind="findings",
            user=users["county"],
            upload=SimpleUploadedFile(findings_file.name, findings_file.read_bytes()),
        )

        # A helper roster imported in the browser (docs/LEDGER.md §9): one helper row applied, one refused.
        roster_file = folder / "帮扶责任人.csv"
        roster_file.write_text(
            f"姓名,单位,区划代码\n王帮扶,县农业农村局,{village.code}\n李帮扶,县农业农村局,999999999999\n",
            encoding="utf-8",
        )
        roster_job = upload_job_create(
            kind="helper_roster",
            user=users["county"],
            upload=SimpleUploadedFile(roster_file.name, roster_file.read_bytes()),
        )

        # A decision workbook imported in the browser (docs/LEDGER.md §8): its one row refused (an error report).
        from tests.adjustments.decision_files import decision
        from tests.adjustments.decision_files import write as write_decisions

        decisions_file = write_decisions(
            folder / "动态调整决定.csv", [decision("999999999999", 决定日期=timezone.localdate().isoformat())]
        )
        decisions_job = upload_job_create(
            kind="adjustments",
            user=users["county"],
            upload=SimpleUploadedFile(decisions_file.name, decisions_file.read_bytes()),
        )

        # An assessment run started in the browser (its progress page, ended).
        from jingzhun.policy.jobs import assessment_job_start

        assessment_job = assessment_job_start(user=users["county"], year=2020, pack="national")

    projects = _projects(users, village, households, folder)
    benefits = _benefits(users, village, households, folder)

    # An API token the security administrator issued for the county user (collected on the user's own page).
    from jingzhun.accounts.services import api_token_issue

    token = api_token_issue(by=users["security_admin"], user=users["county"], name="报送系统", days=30)

    return {
        "users": USERS,
        "values": {
            "token_id": token.pk,
            "household_no": poor.household_no,
            "run_id": run.pk,
            "id": run.pk,
            "case_id": case.pk,
            "attachment_id": case.attachments.get().pk,
            "helper_id": helper.pk,
            "pairing_id": pairing.pk,
            "team_id": team.pk,
            "visit_id": visit.pk,
            "photo_id": visit.photos.get().pk,
            "follow_up_id": visit.follow_ups.get().pk,
            "clue_id": clue.pk,
            "clue_attachment_id": clue.attachments.get().pk,
            "match_id": match.pk,
            "job_id": str(job.pk),
            "list_job": str(list_job.pk),
            "findings_job": str(findings_job.pk),
            "roster_job": str(roster_job.pk),
            "decisions_job": str(decisions_job.pk),
            "assessment_job": str(assessment_job.pk),
            "pk": users["village"].pk,
            "finding_id": finding.pk,
            "evidence_id": finding.evidence.get().pk,
            "adjustment_id": adjustment.pk,
            "adjustment_attachment_id": adjustment.attachments.get().pk,
            "area_code": village.code,
            "document_id": area_exit.documents.get().pk,
            **projects,
            **benefits,
        },
    }


def _benefits(users: dict[str, Any], village: Any, households: list[Any], folder: Path) -> dict[str, Any]:
    """The benefits center's records, made through its services: an application taken at the window, a
    public-welfare post with a month's attendance, a micro-credit loan, a 雨露计划 student, an entitlement run of
    2020, and a payments file imported in the browser (one row refused: an error report)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import override_settings

    from jingzhun.benefits import (
        application_services,
        entitlement_services,
        loan_services,
        post_services,
        student_services,
    )
    from jingzhun.benefits.models import StudentLevel
    from jingzhun.core.uploads import upload_job_create
    from tests.benefits.payment_files import payment_row
    from tests.benefits.payment_files import write as write_payments

    county, poor = users["county"], households[0]
    head, spouse = poor.members.order_by("pk")
    application = application_services.application_submit(
        user=county,
        household=poor,
        benefit_code="B01",
        member=spouse,
        year=2020,
        amount=Decimal("3000"),
        documents=["学籍证明", "身份证"],
        submitted_on=dt.date(2020, 9, 1),
    )
    post = post_services.post_create(
        user=county,
        benefit="B20",
        title="保洁员",
        village=village,
        holder_id_number=head.id_number,
        monthly_pay=Decimal("600"),
        started_on=dt.date(2020, 1, 1),
    )
    attendance = post_services.attendance_record(
        user=county, post=post, month=dt.date(2020, 1, 1), days_required=22, days_worked=20
    )
    loan = loan_services.loan_create(
        user=county,
        borrower_id_number=head.id_number,
        bank="县农村商业银行",
        contract_no="XD2020001",
        amount=Decimal("50000"),
        term_months=36,
        annual_rate=Decimal("4.35"),
        subsidy_rate=Decimal("4.35"),
        issued_on=dt.date(2020, 3, 1),
        purpose="养殖",
    )
    student = student_services.student_create(
        user=county,
        member_id_number=spouse.id_number,
        school="县职业教育中心",
        major="数控技术",
        level=StudentLevel.VOCATIONAL,
        year=2020,
        grade=1,
    )
    entitlement_services.entitlements_compute(user=county, year=2020)
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}):
        file = write_payments(
            folder / "发放.csv",
            [
                payment_row("B02", poor, head, 金额="250.00", 发放日期="2020-06-30"),
                payment_row("B02", "999999999999", head, 金额="250.00", 发放日期="2020-06-30"),
            ],
        )
        payments_job = upload_job_create(
            kind="benefit_payments", user=county, upload=SimpleUploadedFile(file.name, file.read_bytes())
        )
    return {
        "application_id": application.pk,
        "post_id": post.pk,
        "attendance_id": attendance.pk,
        "loan_id": loan.pk,
        "student_id": student.pk,
        "payments_job": str(payments_job.pk),
    }


def _projects(users: dict[str, Any], village: Any, households: list[Any], folder: Path) -> dict[str, Any]:
    """A village project taken through the real services to operation: a beneficiary, a fund's allocation and a
    payment with its voucher, an asset and its income, an archive document, an evaluation with a problem, the
    dividend approved; and a project library imported in the browser (one project refused: an error report)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import override_settings

    from jingzhun.core.uploads import upload_job_create
    from jingzhun.projects import archive_services, dividend_services, evaluation_services, fund_services
    from jingzhun.projects import services as projects
    from jingzhun.projects.datafiles import indicator_bank
    from tests.projects.library_files import project_row
    from tests.projects.library_files import write as write_library

    county, on = users["county"], dt.date(2020, 3, 2)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    project = projects.project_create(
        code="XM2020001",
        values=projects.ProjectInput(
            name="王家村光伏电站",
            kind="solar",
            level="village",
            area_code=village.code,
            year=2020,
            planned_investment=Decimal("300000"),
        ),
        user=county,
        on=on,
    )
    projects.beneficiary_set(project=project, household=households[1], ways={"by_dividend"}, user=county)
    fund = fund_services.fund_create(
        user=county,
        source="integrated",
        year=2020,
        document_no="济财农〔2020〕1号",
        title="统筹整合涉农资金",
        amount=Decimal("1000000"),
        issued_on=on,
        area=village.parent.parent,
    )
    for n, action in enumerate(("approve", "start", "complete", "accept", "operate")):
        project = projects.project_step(
            project=project,
            action=action,
            on=on + dt.timedelta(days=10 * (n + 1)),
            user=county,
            version=None,
            operator="王家村股份经济合作社",
        )
        if action == "approve":
            allocation = fund_services.allocation_create(
                user=county, fund=fund, project=project, amount=Decimal("300000"), allocated_on=project.approved_on
            )
            payment = fund_services.payment_create(
                user=county,
                allocation=allocation,
                amount=Decimal("100000"),
                paid_on=project.approved_on,
                voucher_no="记-2020-001",
                attachments=[SimpleUploadedFile("凭证.pdf", pdf, "application/pdf")],
            )
    asset = projects.asset_create(
        project=project,
        values=projects.AssetInput(
            code="ZC2020001", name="光伏电站", kind="operating", value=Decimal("290000"), formed_on=on, owner="王家村"
        ),
        user=county,
    )
    projects.asset_income_record(
        asset=asset,
        period_start=dt.date(2020, 7, 1),
        period_end=dt.date(2020, 12, 31),
        amount=Decimal("12000"),
        received_on=dt.date(2021, 1, 5),
        user=county,
    )
    archive_file = archive_services.archive_file_add(
        project=project, item="R01", upload=SimpleUploadedFile("申报书.pdf", pdf, "application/pdf"), user=county
    )
    bank = indicator_bank()
    scores = {i.code: (i.weight, "") for i in bank.indicators}
    first = bank.indicators[0]
    scores[first.code] = (0, "村级民主决策记录缺失")
    evaluation = evaluation_services.evaluation_record(
        project=project, on=dt.date(2021, 3, 1), scores=scores, user=county
    )
    distribution, _created = dividend_services.distribution_approve(
        user=county, project=project, year=2020, income=Decimal("12000")
    )
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}):
        library = write_library(
            folder / "项目库.csv",
            [project_row("XM2020002", village, 年度=2020), project_row("XM2020003", "999999999999", 年度=2020)],
        )
        projects_job = upload_job_create(
            kind="projects", user=county, upload=SimpleUploadedFile(library.name, library.read_bytes())
        )
    return {
        "code": project.code,
        "asset_id": asset.pk,
        "fund_id": fund.pk,
        "payment_attachment_id": payment.attachments.get().pk,
        "distribution_id": distribution.pk,
        "file_id": archive_file.pk,
        "evaluation_id": evaluation.pk,
        "item_id": evaluation.items.exclude(problem="").get().pk,
        "projects_job": str(projects_job.pk),
    }


def make_county_user() -> dict[str, Any]:
    """Only the county office's account (for tests that need no records)."""
    from jingzhun.accounts.models import Role
    from jingzhun.areas.models import Level
    from tests.factories import UserFactory, sample_area

    UserFactory(username=USERS["county"], role=Role.COUNTY, area=sample_area(Level.COUNTY))
    return {"users": {"county": USERS["county"]}, "values": {}}


def write(data_dir: Path, *args: str) -> dict[str, Any]:
    """Run this module in a process of its own on ``data_dir`` (see the module's docstring); what it printed."""
    import subprocess

    from tests.served import serve_environment

    made = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", __name__, *args],
        cwd=Path(__file__).resolve().parents[2],
        env=serve_environment(data_dir),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    return dict(json.loads(made.stdout.strip().splitlines()[-1]))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    import django

    django.setup()
    print(json.dumps(make_county_user() if sys.argv[1:] == ["county-user"] else make()))


if __name__ == "__main__":
    main()
