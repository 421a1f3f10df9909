"""Every URL and API route, as every role of area A, against the records of area B: always refused.

The routes are read from the URL configuration, so a page added later is walked too; a route whose
parameters this test does not know how to fill fails the test until it is taught.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver

from jingzhun.accounts.models import Role
from jingzhun.accounts.services import api_token_issue
from jingzhun.adjustments.services import Application as AdjustmentApplication
from jingzhun.adjustments.services import StepInput as AdjustmentStepInput
from jingzhun.adjustments.services import adjustment_open, adjustment_step
from jingzhun.core.models import UploadJob
from jingzhun.crosscheck.models import Clue, Match
from jingzhun.crosscheck.models import Run as CrosscheckRun
from jingzhun.crosscheck.services import clue_feedback_answer, clue_send_back
from jingzhun.monitoring.services import case_open, case_step
from jingzhun.policy.services import assessment_run
from jingzhun.supervision.services import finding_record
from tests.adjustments.flow import upload as adjustment_upload
from tests.assistance.factories import FollowUpFactory, HelperFactory, PairingFactory, VisitFactory, WorkTeamFactory
from tests.crosscheck.factories_lists import list_import_job_for_test
from tests.crosscheck.factories_matching import batch_make, row_make
from tests.factories import (
    ApplicationFactory,
    BeneficiaryFactory,
    FundFactory,
    HouseholdFactory,
    IncomeFactory,
    LoanFactory,
    MemberFactory,
    PaymentFactory,
    PostFactory,
    ProjectFactory,
    StudentFactory,
)
from tests.monitoring.flow import step_input

pytestmark = pytest.mark.django_db

# Pages about the user's own account, or with no people data at all.
SELF_SERVICE = {"accounts:login", "accounts:logout", "accounts:password_change", ":api-schema"}
# The administrators' own pages: each is refused to every other role (tested below), and manages accounts,
# not people data.
ADMIN_PAGES = {
    "system": Role.SYSTEM_ADMIN,
    "security": Role.SECURITY_ADMIN,
    "audit": Role.AUDIT_ADMIN,
}
REFUSED = {302, 403, 404, 405}
OTHER_NAME = "乙县户主"


def _routes() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern):
                found.append((prefix + str(pattern.pattern), f"{namespace}:{pattern.name}"))

    walk(get_resolver().url_patterns, "/", "")
    return found


def _records(household, *, village_user, county_user, department_user, security_admin, run_prefix, name):
    """A household's records of every kind, as the walk's URL parameters: an assessment run and the browser job
    that made it, an import job, a department list import, a pairing, a work team, a visit with a follow-up and a photo, a monitoring case
    with an attachment, a clue and a match awaiting review, a supervision finding with its evidence and a findings
    import job."""
    member = MemberFactory(household=household, name=name)
    IncomeFactory(household=household, year=2020, wage=Decimal("3000"))
    run = assessment_run(year=2020, area_prefix=run_prefix)
    job = UploadJob.objects.create(
        kind="ledger", user=county_user, area_prefix=county_user.scope_prefix, file_name="乙县.csv", path="/nonexistent"
    )
    list_job = list_import_job_for_test(department_user)
    assessment_job = UploadJob.objects.create(
        kind="assessment",
        user=county_user,
        area_prefix=run_prefix,
        params={"year": 2020, "pack": "national"},
        status="done",
        result_id=run.pk,
        summary={"households": run.households, "excluded": run.excluded, "seconds": 0.1},
    )
    # Assistance: a pairing, a work team, a visit with a follow-up and a photo row in the household's village.
    pairing = PairingFactory(household=household, helper__area=household.village)
    team = WorkTeamFactory(village=household.village)
    follow_up = FollowUpFactory(visit=VisitFactory(household=household, helper=pairing.helper))
    photo = follow_up.visit.photos.create(file="assistance/none.jpg", content_type="image/jpeg", size=0)
    assistance = {
        "helper_id": pairing.helper_id,
        "pairing_id": pairing.pk,
        "team_id": team.pk,
        "visit_id": follow_up.visit_id,
        "photo_id": photo.pk,
        "follow_up_id": follow_up.pk,
    }
    # Monitoring: a case with a signed consent (an attachment).
    case = case_open(household=household, channel="self_report", user=village_user).case
    for action in ("home_check", "consent"):
        step = step_input(action, case.opened_on)
        case = case_step(case_id=case.pk, action=action, user=village_user, expected_version=case.version, step=step)
    monitoring = {"case_id": case.pk, "attachment_id": case.attachments.get().pk}
    # Comparison: a clue of the household.
    crosscheck_run = CrosscheckRun.objects.create(as_of=case.opened_on)
    clue = Clue.objects.create(
        rule="X09",
        department="payroll",
        household=household,
        village_code=household.village_id,
        detail=f"{name}为财政供养人员",
        action="核实",
        fingerprint=f"X09::h{household.pk}",
        first_run=crosscheck_run,
        last_run=crosscheck_run,
    )
    # The clue sent back to the payroll department and answered by its clerk, with a file.
    clue = clue_send_back(clue_id=clue.pk, user=county_user, expected_version=clue.version)
    department_user.department = "payroll"
    department_user.save(update_fields=["department"])
    clue = clue_feedback_answer(
        clue_id=clue.pk,
        user=department_user,
        answer=f"{name}确为财政供养人员",
        expected_version=clue.version,
        attachment=SimpleUploadedFile("核实.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
    )
    # Matching: a candidate match awaiting review of the household's member.
    review_match = Match.objects.create(
        row=row_make(batch=batch_make(), name=name, id_raw=""),
        member=member,
        method="name_birth",
        confidence=60,
        state="review",
    )
    # Supervision: a finding of the household (naming it), with a photo as evidence.
    finding = finding_record(
        user=county_user,
        source="unannounced",
        found_on=case.opened_on,
        area_code=household.village_id,
        household_no=household.household_no,
        category="policy",
        description=f"{name}家政策未落实",
        town_code=household.village.parent_id,
        department="medical_insurance",
        evidence=[SimpleUploadedFile("现场.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")],
    )
    findings_job = UploadJob.objects.create(
        kind="findings",
        user=county_user,
        area_prefix=county_user.scope_prefix,
        file_name="乙县督导问题.csv",
        path="/nonexistent",
        status=UploadJob.Status.DONE,
        report_path="/nonexistent",
    )
    roster_job = UploadJob.objects.create(
        kind="helper_roster",
        user=county_user,
        area_prefix=county_user.scope_prefix,
        file_name="乙县帮扶责任人.csv",
        path="/nonexistent",
        status=UploadJob.Status.DONE,
        report_path="/nonexistent",
    )
    decisions_job = UploadJob.objects.create(
        kind="adjustments",
        user=county_user,
        area_prefix=county_user.scope_prefix,
        file_name="乙县动态调整决定.csv",
        path="/nonexistent",
        status=UploadJob.Status.DONE,
        report_path="/nonexistent",
    )
    supervision = {
        "finding_id": finding.pk,
        "evidence_id": finding.evidence.get().pk,
        "findings_job": findings_job.pk,
        "roster_job": roster_job.pk,
        "decisions_job": decisions_job.pk,
    }
    # Registry adjustment: an exit of the household through its village review (the minutes an attachment).
    adjustment = adjustment_open(
        household=household,
        user=village_user,
        application=AdjustmentApplication(kind="relapse", applied_on=case.opened_on, reason=f"{name}家因病返贫"),
    )
    adjustment = adjustment_step(
        case_id=adjustment.pk,
        action="village_review",
        user=village_user,
        expected_version=adjustment.version,
        step=AdjustmentStepInput(on=case.opened_on, attachments=[adjustment_upload("minutes")]),
    )
    adjustments = {
        "adjustment_id": adjustment.pk,
        "adjustment_attachment_id": adjustment.attachments.get().pk,
    }
    # A poor village's exit (摘帽) with its decision document.
    exit_document = _area_exit(household.village, by=county_user)
    # Projects: a project of the household's village benefiting it, completed, with an asset.
    project = ProjectFactory(area=household.village, name=f"{name}村光伏电站", stage="completed")
    BeneficiaryFactory(project=project, household=household)
    asset = project.assets.create(
        code=f"ZC-{household.household_no}",
        name="光伏电站",
        kind="operating",
        value=1,
        formed_on=case.opened_on,
        owner="乙村",
    )
    distribution = project.distributions.create(
        year=2020,
        income=1000,
        ratio="0.6",
        distributable=600,
        pack="national",
        households=1,
        weight_total=1,
        stage="approved",
        approved_on=case.opened_on,
    )
    distribution.shares.create(household=household, household_no=household.household_no, weight=1, share=600)
    archive_file = project.archive_files.create(
        item="R01",
        colour="red",
        file="projects/archive/none.pdf",
        original_name=f"{name}申报书.pdf",
        size=0,
        sha256="0",
    )
    evaluation = project.evaluations.create(
        evaluated_on=case.opened_on, bank="default", score=90, max_score=100, problems=1, actor="乙县督查"
    )
    item = evaluation.items.create(indicator="A01", score=0, weight=2, problem=f"{name}户未签协议")
    projects_job = UploadJob.objects.create(
        kind="projects",
        user=county_user,
        area_prefix=county_user.scope_prefix,
        file_name="乙县项目库.xlsx",
        path="/nonexistent",
        status=UploadJob.Status.DONE,
        report_path="/nonexistent",
    )
    payments_job = UploadJob.objects.create(
        kind="benefit_payments",
        user=county_user,
        area_prefix=county_user.scope_prefix,
        file_name="乙县发放.xlsx",
        path="/nonexistent",
        status=UploadJob.Status.DONE,
        report_path="/nonexistent",
    )
    PaymentFactory(member=member, department=f"{name}所在乡")
    application = ApplicationFactory(member=member)
    post = PostFactory(holder=member)
    attendance = post.attendance.create(month=post.started_on, days_required=22, days_worked=22, wage=post.monthly_pay)
    loan = LoanFactory(borrower=member)
    student = StudentFactory(member=member)
    benefits = {
        "application_id": application.pk,
        "post_id": post.pk,
        "attendance_id": attendance.pk,
        "loan_id": loan.pk,
        "student_id": student.pk,
    }
    fund = FundFactory(area=household.village.parent.parent, document_no=f"乙财农〔2020〕{household.pk}号")
    allocation = project.allocations.create(fund=fund, amount=1000, allocated_on=case.opened_on)
    payment = allocation.payments.create(
        project=project, fund=fund, amount=500, paid_on=case.opened_on, voucher_no=f"乙-{household.household_no}"
    )
    payment_file = payment.attachments.create(
        file="projects/payments/none.pdf", original_name=f"{name}凭证.pdf", size=0, sha256="0"
    )
    projects = {
        "fund_id": fund.pk,
        "payment_attachment_id": payment_file.pk,
        "code": project.code,
        "asset_id": asset.pk,
        "distribution_id": distribution.pk,
        "file_id": archive_file.pk,
        "evaluation_id": evaluation.pk,
        "item_id": item.pk,
        "projects_job": projects_job.pk,
        "payments_job": payments_job.pk,
    }
    # An API token of the county account, issued, not yet collected.
    token = api_token_issue(by=security_admin, user=county_user, name="乙县报送", days=30)
    return (
        assistance
        | monitoring
        | supervision
        | adjustments
        | projects
        | benefits
        | {
            "household_no": household.household_no,
            "run_id": run.pk,
            "id": run.pk,
            "job_id": job.pk,
            "list_job": list_job.pk,
            "assessment_job": assessment_job.pk,
            "clue_id": clue.pk,
            "clue_attachment_id": clue.attachments.get().pk,
            "match_id": review_match.pk,
            "pk": county_user.pk,
            "token_id": token.pk,
            "area_code": household.village_id,
            "document_id": exit_document.pk,
        }
    )


def _area_exit(village, *, by):
    """The village made a poor village with an exit recorded and one document (a file row; no file on disk)."""
    import datetime as dt

    from jingzhun.policy.models import AreaExit

    type(village).objects.filter(pk=village.pk).update(poor_village=True)
    record = AreaExit.objects.create(
        area=village,
        kind="village",
        year=2020,
        document_no="乙政发〔2020〕1号",
        decided_on=dt.date(2020, 12, 20),
        override_reason="核定",
        by=by,
    )
    return record.documents.create(file="policy/exits/none.pdf", original_name="乙县决定.pdf", size=0, sha256="0" * 64)


@pytest.fixture
def area_b(users_by_role):
    """A household, a run and an import of county B, and an account there. County A's department clerk is of
    the department county B's clue was sent back to: only the area keeps it out."""
    clerk = users_by_role[Role.DEPARTMENT].owner
    clerk.department = "payroll"
    clerk.save(update_fields=["department"])
    return _records(
        HouseholdFactory(village=users_by_role.village_b, household_no="B0000001"),
        village_user=users_by_role[Role.VILLAGE].outsider,
        county_user=users_by_role[Role.COUNTY].outsider,
        department_user=users_by_role[Role.DEPARTMENT].outsider,
        security_admin=users_by_role[Role.SECURITY_ADMIN].outsider,
        run_prefix=users_by_role.county_b.prefix,
        name=OTHER_NAME,
    )


def _url(route: str, values: dict[str, object]) -> str:
    url = route
    for converter in ("str", "int", "uuid"):
        for key, value in values.items():
            url = url.replace(f"<{converter}:{key}>", str(value))
    assert "<" not in url, f"the walk does not know how to fill {route}"
    return url


def _admin_owner(name: str) -> str | None:
    if not name.startswith("accounts:"):
        return None
    for prefix, role in ADMIN_PAGES.items():
        if name.startswith(f"accounts:{prefix}"):
            return role
    return None


@pytest.mark.parametrize("role", [role for role in Role])
def test_no_route_gives_a_role_of_area_a_the_records_of_area_b(client, users_by_role, area_b, role):
    client.force_login(users_by_role[role].owner)
    walked = 0
    for route, name in _routes():
        if name in SELF_SERVICE or _admin_owner(name) == role:
            continue
        url = _url(route, area_b)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            if "<" in route or _admin_owner(name):
                assert response.status_code in REFUSED, f"{role} {method.upper()} {url} → {response.status_code}"
            else:
                # A list or dashboard of one's own area: allowed, but nothing of area B in it.
                assert response.status_code < 500, f"{role} {method.upper()} {url} → {response.status_code}"
                assert area_b["household_no"].encode() not in body, f"{role} {method.upper()} {url} shows area B"
                assert OTHER_NAME.encode() not in body, f"{role} {method.upper()} {url} shows area B"
            walked += 1
    assert walked > 40  # every page and API route, both methods


def test_the_walk_sees_area_b_where_it_is_allowed(client, users_by_role, area_b):
    # The same URLs do show B's household to B's own county user: the walk above can fail.
    client.force_login(users_by_role[Role.COUNTY].outsider)
    assert client.get(f"/households/{area_b['household_no']}/").status_code == 200
    assert client.get(f"/api/households/{area_b['household_no']}/").status_code == 200
    assert client.get(f"/monitoring/{area_b['case_id']}/").status_code == 200
    assert client.get(f"/assessments/jobs/{area_b['assessment_job']}/").status_code == 200
    assert client.get(f"/supervision/{area_b['finding_id']}/").status_code == 200
    assert client.get(f"/adjustments/{area_b['adjustment_id']}/").status_code == 200
    assert client.get(f"/benefits/applications/{area_b['application_id']}/").status_code == 200
    assert client.get(f"/benefits/registers/loans/{area_b['loan_id']}/").status_code == 200
    assert OTHER_NAME.encode() in client.get("/households/", {"q": OTHER_NAME}).content


# --- a helper (帮扶责任人) sees and acts on its own paired households only (issue 24, item 7) ---------------------

UNPAIRED_NAME = "甲村未结对户主"
PAIRED_NAME = "甲村结对户主"
# Route parameters that name a record of one household: a helper not paired with it is refused them.
HOUSEHOLD_RECORDS = (
    "household_no",
    "case_id",
    "attachment_id",
    "visit_id",
    "photo_id",
    "follow_up_id",
    "clue_id",
    "clue_attachment_id",
    "match_id",
    "pairing_id",
    "finding_id",
    "evidence_id",
    "adjustment_id",
    "adjustment_attachment_id",
    "application_id",
    "post_id",
    "attendance_id",
    "loan_id",
    "student_id",
)


@pytest.fixture
def unpaired(users_by_role):
    """Every kind of record of a household of village A that the helper account is not paired with (another
    helper is)."""
    return _records(
        HouseholdFactory(village=users_by_role.village_a, household_no="A0000009"),
        village_user=users_by_role[Role.VILLAGE].owner,
        county_user=users_by_role[Role.COUNTY].owner,
        department_user=users_by_role[Role.DEPARTMENT].owner,
        security_admin=users_by_role[Role.SECURITY_ADMIN].owner,
        run_prefix=users_by_role.county_a.prefix,
        name=UNPAIRED_NAME,
    )


@pytest.fixture
def paired(users_by_role):
    """The helper account of village A, linked to its helper record and paired with household A0000001."""
    account = users_by_role[Role.HELPER].owner
    helper = HelperFactory(user=account, area=users_by_role.village_a)
    household = HouseholdFactory(village=users_by_role.village_a, household_no="A0000001")
    MemberFactory(household=household, name=PAIRED_NAME)
    PairingFactory(helper=helper, household=household)
    return household


@pytest.mark.parametrize("with_pairing", [False, True], ids=["no pairing", "paired elsewhere"])
def test_no_route_gives_a_helper_a_household_it_is_not_paired_with(
    client, users_by_role, unpaired, with_pairing, request
):
    if with_pairing:
        request.getfixturevalue("paired")
    client.force_login(users_by_role[Role.HELPER].owner)
    walked = 0
    for route, name in _routes():
        if name in SELF_SERVICE or _admin_owner(name):
            continue
        url = _url(route, unpaired)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            where = f"helper {method.upper()} {url} → {response.status_code}"
            if any(f":{key}>" in route for key in HOUSEHOLD_RECORDS):
                assert response.status_code in REFUSED, where
            else:
                assert response.status_code < 500, where
            assert unpaired["household_no"].encode() not in body, f"{where} shows the unpaired household"
            assert UNPAIRED_NAME.encode() not in body, f"{where} shows the unpaired household"
            walked += 1
    assert walked > 40


def test_a_helper_sees_its_paired_household(client, users_by_role, unpaired, paired):
    client.force_login(users_by_role[Role.HELPER].owner)
    assert client.get(f"/households/{paired.household_no}/").status_code == 200
    assert client.get(f"/api/households/{paired.household_no}/").status_code == 200
    listed = client.get("/households/").content.decode()
    assert PAIRED_NAME in listed and UNPAIRED_NAME not in listed
    members = client.get("/api/members/").json()
    assert [m["name"] for m in members["results"]] == [PAIRED_NAME]


def test_a_helper_may_open_a_case_for_its_household_only(client, users_by_role, unpaired, paired):
    client.force_login(users_by_role[Role.HELPER].owner)
    form = {"channel": "self_report", "discovered_on": "2026-01-05", "note": "入户发现"}
    refused = client.post("/monitoring/open/", {"household": unpaired["household_no"], **form})
    assert refused.status_code == 404
    opened = client.post("/monitoring/open/", {"household": paired.household_no, **form})
    assert opened.status_code == 302


def test_a_helper_may_not_take_a_step_on_an_unpaired_households_case(users_by_role, unpaired, paired):
    from django.core.exceptions import PermissionDenied

    from jingzhun.monitoring.models import MonitoringCase

    case = MonitoringCase.objects.get(pk=unpaired["case_id"])
    helper = users_by_role[Role.HELPER].owner
    with pytest.raises(PermissionDenied):
        case_open(household=case.household, channel="self_report", user=helper)
    with pytest.raises(PermissionDenied):
        case_step(
            case_id=case.pk,
            action="compare",
            user=helper,
            expected_version=case.version,
            step=step_input("compare", case.opened_on),
        )


def test_an_ended_pairing_ends_what_the_helper_sees(client, users_by_role, paired):
    import datetime as dt

    paired.pairings.update(ended_on=dt.date(2025, 1, 1), end_reason="调整")
    client.force_login(users_by_role[Role.HELPER].owner)
    assert client.get(f"/households/{paired.household_no}/").status_code == 404
    assert PAIRED_NAME not in client.get("/households/").content.decode()
