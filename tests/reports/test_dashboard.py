"""The leadership dashboard (领导看板) at county, town and village level: who sees which, and every figure that links
to a list equals the number of rows that list shows when followed (checked on the list page, not the query)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.monitoring.models import MonitoringCase, Stage
from jingzhun.projects.models import Stage as ProjectStage
from jingzhun.registry.models import Household
from jingzhun.registry.services import household_update
from jingzhun.reports.dashboard import dashboard_for
from jingzhun.supervision.services import finding_record
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
URL = "/reports/dashboard/"
# The list pages a figure may open, and the table whose rows it shows.
LISTS = {"/households/": "households", "/monitoring/": "cases", "/projects/": "projects", "/supervision/": "findings"}


def _case(household, *, stage=Stage.MONITORED, category="marginal", risks=("01",), closed=None):
    since = TODAY - dt.timedelta(days=40)
    included = stage in (Stage.MONITORED, Stage.ELIMINATION_PROPOSED)
    return MonitoringCase.objects.create(
        household=household,
        channel="cadre_screening",
        stage=stage,
        category=category if included else "",
        risk_types=list(risks),
        opened_on=since - dt.timedelta(days=10),
        decision_due=since + dt.timedelta(days=30),
        monitored_since=since if included else None,
        closed_on=closed,
    )


@pytest.fixture
def work(users_by_role, county):
    """Cases in both towns (one closed), projects serving a village of each town, findings in both towns."""
    a = users_by_role
    h = {x.village_id: x for x in Household.objects.order_by("-id")}  # one household per village
    _case(h[a.village_a.code], category="unstable", risks=("01", "0201"))
    _case(h[county["village_a2"].code], risks=("0201",))
    _case(h[county["village_2"].code], stage=Stage.HOME_CHECKED, risks=("03",))
    _case(h[county["village_2"].code], stage=Stage.ELIMINATED, closed=TODAY, risks=("03",))  # closed: not counted
    _case(h[a.village_b.code], risks=("01",))  # county B
    # Still a monitoring object while its risk elimination goes through the steps.
    second = Household.objects.filter(village=a.village_a).exclude(pk=h[a.village_a.code].pk).first()
    _case(second, stage=Stage.ELIMINATION_PROPOSED, category="sudden", risks=("04",))
    ProjectFactory(area=a.village_a, stage=ProjectStage.STARTED)
    ProjectFactory(area=county["village_2"], stage=ProjectStage.STARTED)
    ProjectFactory(area=county["village_2"], stage=ProjectStage.COMPLETED)
    for area, town in ((a.village_a, a.town_a), (a.village_a, a.town_a), (county["village_2"], county["town_2"])):
        finding_record(
            user=a[Role.INSPECTOR].owner,
            source="monthly",
            found_on=TODAY,
            area_code=area.code,
            category="policy",
            description="低保政策未落实到户",
            town_code=town.code,
            department="medical_insurance",
            today=TODAY,
        )
    return county


def _figures(board):
    for section in board.sections:
        yield from section.figures
        for _title, figures in section.groups:
            yield from figures
    yield from board.exits
    for child in board.children:
        yield from child.figures


def _rows_listed(client, link):
    path = link.split("?")[0]
    table = LISTS[path]
    body = client.get(link).content.decode()
    found = re.search(rf'<table[^>]*id="{table}".*?<tbody>(.*?)</tbody>', body, re.S)
    return 0 if found is None else found.group(1).count("<tr")


@pytest.mark.parametrize(
    ("role", "area"),
    [(Role.COUNTY, None), (Role.COUNTY, "town_a"), (Role.TOWN, None), (Role.VILLAGE, None), (Role.COUNTY, "village_2")],
)
def test_every_figure_linked_to_a_list_equals_the_rows_that_list_shows(client, users_by_role, work, role, area):
    user = users_by_role[role].owner
    client.force_login(user)
    code = None
    if area:
        chosen = getattr(users_by_role, area, None) or work[area]
        code = chosen.prefix
    board = dashboard_for(user=user, area_prefix=code)
    checked = 0
    for figure in _figures(board):
        if figure.link.split("?")[0] in LISTS and isinstance(figure.value, int):
            assert _rows_listed(client, figure.link) == figure.value, (figure.label, figure.link)
            checked += 1
    assert checked >= 10


def test_the_county_counts_open_cases_by_stage_category_and_risk(users_by_role, work):
    board = dashboard_for(user=users_by_role[Role.COUNTY].owner)
    groups = dict(next(s for s in board.sections if s.key == "monitoring").groups)
    risks = {f.label: f.value for f in groups["按风险类型（未结）"]}
    assert risks == {
        "0201 因自然灾害（洪涝）": 2,
        "01 因病": 1,
        "03 因残": 1,
        "04 因缺劳动力": 1,
    }  # a case may name two
    stages = {f.label: f.value for f in groups["按环节（未结）"]}
    assert sum(stages.values()) == 4  # the closed case and county B's are not counted


def test_a_town_dashboard_counts_only_the_town(users_by_role, work):
    board = dashboard_for(user=users_by_role[Role.TOWN].owner)
    registry = {f.label: f.value for f in board.sections[0].figures}
    assert board.area_code == users_by_role.town_a.code
    assert registry["建档立卡户"] == 4  # village A: 2 registered of 3; the second village: 2
    assert [c.code for c in board.children] == sorted([users_by_role.village_a.code, work["village_a2"].code])


def test_the_county_lists_its_towns_each_opening_its_own_dashboard(client, users_by_role, work):
    client.force_login(users_by_role[Role.COUNTY].owner)
    body = client.get(URL).content.decode()
    assert f'href="/reports/dashboard/?area={users_by_role.town_a.code}"' in body
    assert f'href="/reports/dashboard/?area={work["town_2"].code}"' in body


def test_an_area_outside_the_scope_is_refused(client, users_by_role, work):
    client.force_login(users_by_role[Role.TOWN].owner)
    assert client.get(URL, {"area": work["town_2"].code}).status_code == 403
    assert client.get(URL, {"area": "999999999999"}).status_code == 404


@pytest.mark.parametrize("role", [Role.HELPER, Role.DEPARTMENT])
def test_roles_without_an_area_office_are_refused(client, users_by_role, role):
    client.force_login(users_by_role[role].owner)
    assert client.get(URL).status_code == 403


def test_a_status_change_shows_at_once(client, users_by_role, work):
    user = users_by_role[Role.COUNTY].owner
    before = {f.label: f.value for f in dashboard_for(user=user).sections[0].figures}
    household = Household.objects.filter(village=users_by_role.village_a, poverty_status="not_exited").get()
    household_update(household=household, changes={"poverty_status": "exited"}, user=user, reason="脱贫")
    after = {f.label: f.value for f in dashboard_for(user=user).sections[0].figures}
    assert (after["未脱贫"], after["已脱贫(享受政策)"]) == (before["未脱贫"] - 1, before["已脱贫(享受政策)"] + 1)


def test_the_page_draws_its_charts_from_embedded_figures(client, users_by_role, work):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    response = client.get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="chart-data"' in body
    assert 'data-chart="exits"' in body


def test_visit_coverage_counts_as_the_coverage_page_does(users_by_role, work):
    from jingzhun.assistance.selectors import visit_coverage
    from tests.assistance.factories import VisitFactory

    user = users_by_role[Role.TOWN].owner
    poor = Household.objects.filter(village=users_by_role.village_a, poverty_status="not_exited").get()
    VisitFactory(household=poor, visited_on=TODAY)
    VisitFactory(household=poor, visited_on=TODAY)  # twice: one household visited
    VisitFactory(household=Household.objects.filter(village=users_by_role.village_b).get(), visited_on=TODAY)
    section = next(s for s in dashboard_for(user=user).sections if s.key == "visits")
    figures = {f.label: f.value for f in section.figures}
    rows = visit_coverage(user=user, date_from=TODAY.replace(month=1, day=1), date_to=TODAY, by="town")
    assert (
        (figures["应走访户"], figures["已走访户"]) == (rows[0].households, rows[0].visited) == (rows[0].households, 1)
    )
