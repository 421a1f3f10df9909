"""Every ledger the browser exports is a background job of the one design (accounts.export_pages): started by a POST
from its page, run as its user, followed on the job's page and downloaded from there — by that user only, logged —
and refused to the roles that could not download it inside the request before. The contents of each workbook are
tested with its app."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.core.models import UploadJob
from jingzhun.core.scope import SYSTEM
from jingzhun.core.uploads import upload_job_progress
from tests.exports import download_link, export_start
from tests.factories import HouseholdFactory, MemberFactory, PaymentFactory, ProjectFactory

pytestmark = pytest.mark.django_db

YEAR = 2025


@dataclass(frozen=True)
class Kind:
    kind: str
    start: str  # URL name
    allowed: str  # a role that may export it
    refused: str  # a role that may not
    query: str = ""
    title: str = ""  # the workbook's first cell starts or ends with it


KINDS = [
    Kind("monitoring_ledger", "monitoring:export_monitoring", Role.TOWN, Role.VILLAGE, title="防止返贫监测对象台账"),
    Kind("instant_help_ledger", "monitoring:export_instant_help", Role.COUNTY, Role.INSPECTOR, title="即时帮扶台账"),
    Kind("household_ledger", "registry:ledger_export", Role.COUNTY, Role.VILLAGE, title="户编号"),
    Kind(
        "clue_list",
        "crosscheck:clue_export",
        Role.COUNTY,
        Role.VILLAGE,
        query="state=all",
        title="数据比对疑点线索台账",
    ),
    Kind("findings_ledger", "supervision:export_ledger", Role.INSPECTOR, Role.VILLAGE, title="督导问题整改台账"),
    Kind(
        "fund_ledger",
        "projects:fund_ledger_export",
        Role.VILLAGE,
        Role.HELPER,
        query=f"year={YEAR}",
        title="项目资金台账",
    ),
    Kind("project_library", "projects:library_export", Role.TOWN, Role.HELPER, title="项目库"),
    Kind("dividend_list", "projects:distribution_export", Role.COUNTY, Role.HELPER, title="差异化分红名单"),
    Kind("payment_list", "benefits:payment_export", Role.COUNTY, Role.HELPER, query=f"year={YEAR}", title="发放明细表"),
    Kind(
        "benefit_gaps", "benefits:gap_export", Role.COUNTY, Role.HELPER, query=f"year={YEAR}", title="应享未享政策清单"
    ),
    Kind(
        "benefit_unentitled",
        "benefits:unentitled_export",
        Role.TOWN,
        Role.HELPER,
        query=f"year={YEAR}",
        title="不应享而享政策清单",
    ),
]


@pytest.fixture
def county_data(users_by_role):
    """A household of village A with a member and a payment, a computed entitlement run and a distribution of a
    county project that the household benefits from."""
    from jingzhun.benefits.entitlement_services import entitlements_compute
    from jingzhun.projects.dividend_services import distribution_approve
    from jingzhun.projects.models import Beneficiary

    home = HouseholdFactory(village=users_by_role.village_a)
    MemberFactory(household=home, relation="head")
    PaymentFactory(household=home, member=None, paid_on=dt.date(YEAR, 3, 1))
    entitlements_compute(user=SYSTEM, year=YEAR)
    project = ProjectFactory(code="XM-EXPORT", area=users_by_role.county_a, level="county")
    Beneficiary.objects.create(project=project, household=home, by_dividend=True)
    distribution, _created = distribution_approve(
        user=users_by_role[Role.COUNTY].owner, project=project, year=YEAR, income=Decimal("1000.00")
    )
    return {"home": home, "distribution": distribution}


def _start_url(kind: Kind, data) -> str:
    args = [data["distribution"].pk] if kind.kind == "dividend_list" else []
    url = reverse(kind.start, args=args)
    return f"{url}?{kind.query}" if kind.query else url


@pytest.mark.parametrize("kind", KINDS, ids=[k.kind for k in KINDS])
def test_the_export_is_a_job_of_its_user_with_its_progress_and_a_logged_download(
    client, users_by_role, county_data, kind
):
    user = users_by_role[kind.allowed].owner
    client.force_login(user)
    response = export_start(client, _start_url(kind, county_data))

    job = UploadJob.objects.get()
    assert response.status_code == 302 and response.url == reverse(f"{kind.start}_job", args=[job.pk])
    assert (job.kind, job.user, job.area_prefix, job.status) == (kind.kind, user, user.scope_prefix, "done")
    progress = upload_job_progress(job=job)
    assert progress["done"] == progress["total"] == job.summary["rows"]
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()  # written is not yet exported

    page = client.get(response.url).content.decode()
    assert 'data-status="done"' in page and "hx-trigger" not in page
    download = client.get(download_link(page))
    assert download.status_code == 200 and ".xlsx" in download["Content-Disposition"]
    first = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active.cell(1, 1).value
    assert kind.title in first
    entry = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert (entry.user, entry.detail["job"]) == (user, str(job.pk))

    # Nobody else sees the job or its file: not even a colleague of the same role and area.
    client.force_login(users_by_role[kind.allowed].colleague)
    assert client.get(response.url).status_code == 404
    assert client.get(download_link(page)).status_code == 404
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT).count() == 1


@pytest.mark.parametrize("kind", KINDS, ids=[k.kind for k in KINDS])
def test_a_role_that_may_not_export_it_is_refused_and_nothing_is_queued(client, users_by_role, county_data, kind):
    client.force_login(users_by_role[kind.refused].owner)
    assert export_start(client, _start_url(kind, county_data)).status_code == 403
    assert not UploadJob.objects.exists()


@pytest.mark.parametrize("kind", KINDS, ids=[k.kind for k in KINDS])
def test_the_start_is_a_post(client, users_by_role, county_data, kind):
    client.force_login(users_by_role[kind.allowed].owner)
    assert client.get(_start_url(kind, county_data)).status_code == 405
    assert not UploadJob.objects.exists()


def test_a_distribution_out_of_the_users_sight_is_not_found(client, users_by_role, county_data):
    client.force_login(users_by_role[Role.COUNTY].outsider)
    url = reverse("projects:distribution_export", args=[county_data["distribution"].pk])
    assert export_start(client, url).status_code == 404
    assert not UploadJob.objects.exists()
