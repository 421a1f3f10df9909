"""Every URL and API route, as every role of area A, against the records of area B: always refused.

The routes are read from the URL configuration, so a page added later is walked too; a route whose
parameters this test does not know how to fill fails the test until it is taught.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from jingzhun.accounts.models import Role
from jingzhun.accounts.services import api_token_issue
from jingzhun.core.models import UploadJob
from jingzhun.crosscheck.models import Clue, Match
from jingzhun.crosscheck.models import Run as CrosscheckRun
from jingzhun.monitoring.services import case_open, case_step
from jingzhun.policy.services import assessment_run
from tests.assistance.factories import FollowUpFactory, PairingFactory, VisitFactory, WorkTeamFactory
from tests.crosscheck.factories_lists import list_import_job_for_test
from tests.crosscheck.factories_matching import batch_make, row_make
from tests.factories import HouseholdFactory, IncomeFactory, MemberFactory
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


@pytest.fixture
def area_b(users_by_role):
    """A household, a run and an import of county B, and an account there."""
    household = HouseholdFactory(village=users_by_role.village_b, household_no="B0000001")
    member_b = MemberFactory(household=household, name=OTHER_NAME)
    IncomeFactory(household=household, year=2020, wage=Decimal("3000"))
    run = assessment_run(year=2020, area_prefix=users_by_role.county_b.prefix)
    owner = users_by_role[Role.COUNTY].outsider
    job = UploadJob.objects.create(
        kind="ledger", user=owner, area_prefix=owner.scope_prefix, file_name="乙县.csv", path="/nonexistent"
    )
    # A department list import of county B's department clerk.
    list_job = list_import_job_for_test(users_by_role[Role.DEPARTMENT].outsider)
    # Assistance: a pairing, a work team, a visit with a follow-up and a photo row in village B.
    pairing = PairingFactory(household=household, helper__area=users_by_role.village_b)
    team = WorkTeamFactory(village=users_by_role.village_b)
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
    # Monitoring: a case in village B with a signed consent (an attachment).
    village_user = users_by_role[Role.VILLAGE].outsider
    case = case_open(household=household, channel="self_report", user=village_user).case
    for action in ("home_check", "consent"):
        step = step_input(action, case.opened_on)
        case = case_step(case_id=case.pk, action=action, user=village_user, expected_version=case.version, step=step)
    monitoring = {"case_id": case.pk, "attachment_id": case.attachments.get().pk}
    # Comparison: a clue of the household of village B.
    crosscheck_run_b = CrosscheckRun.objects.create(as_of=case.opened_on)
    clue = Clue.objects.create(
        rule="X09",
        department="payroll",
        household=household,
        village_code=household.village_id,
        detail=f"{OTHER_NAME}为财政供养人员",
        action="核实",
        fingerprint=f"X09::h{household.pk}",
        first_run=crosscheck_run_b,
        last_run=crosscheck_run_b,
    )
    # Matching: a candidate match awaiting review of the member of village B.
    review_match = Match.objects.create(
        row=row_make(batch=batch_make(), name=OTHER_NAME, id_raw=""),
        member=member_b,
        method="name_birth",
        confidence=60,
        state="review",
    )
    # An API token of county B's account, issued, not yet collected.
    token = api_token_issue(by=users_by_role[Role.SECURITY_ADMIN].outsider, user=owner, name="乙县报送", days=30)
    return (
        assistance
        | monitoring
        | {
            "household_no": household.household_no,
            "run_id": run.pk,
            "id": run.pk,
            "job_id": job.pk,
            "list_job": list_job.pk,
            "clue_id": clue.pk,
            "match_id": review_match.pk,
            "pk": owner.pk,
            "token_id": token.pk,
        }
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
    assert OTHER_NAME.encode() in client.get("/households/", {"q": OTHER_NAME}).content
