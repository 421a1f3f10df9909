"""Standard tables 5 and 6, monitoring objects and instant help: counted from the cases' own dates, checked case by
case; last year's table stands as its last day stood, whatever happened since."""

import datetime as dt

import pytest
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.monitoring.models import MonitoringCase, Stage
from jingzhun.registry.models import Household
from jingzhun.reports.standard import report_table

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
THIS_YEAR = TODAY.year
LAST_YEAR = THIS_YEAR - 1


def _case(household, *, category="marginal", since, closed=None, tier="", tiered=None, due=None, started=None):
    return MonitoringCase.objects.create(
        household=household,
        channel="cadre_screening",
        stage=Stage.ELIMINATED if closed else Stage.MONITORED,
        category=category,
        opened_on=since - dt.timedelta(days=10),
        decision_due=since,
        monitored_since=since,
        closed_on=closed,
        help_tier=tier,
        help_tier_since=tiered,
        help_due=due,
        help_started_on=started,
    )


@pytest.fixture
def cases(users_by_role, county):
    h = list(Household.objects.filter(village__code__startswith=users_by_role.county_a.prefix).order_by("id"))
    jan = dt.date(LAST_YEAR, 1, 10)
    _case(h[0], category="unstable", since=jan)  # monitored since last January, still
    _case(h[1], category="sudden", since=jan, closed=dt.date(LAST_YEAR, 11, 1))  # eliminated last year
    _case(h[2], since=jan, closed=dt.date(THIS_YEAR, 1, 1))  # eliminated this year: monitored at last year's end
    _case(h[3], since=dt.date(THIS_YEAR, 1, 1))  # included this year
    # Instant help last year: A answered on time, B answered late, C never answered.
    _case(h[4], since=jan, tier="A", tiered=jan, due=jan + dt.timedelta(days=3), started=jan + dt.timedelta(days=1))
    _case(h[5], since=jan, tier="B", tiered=jan, due=jan + dt.timedelta(days=15), started=jan + dt.timedelta(days=20))
    _case(h[6], since=jan, tier="C", tiered=jan, due=jan + dt.timedelta(days=30))
    return h


def _total(users_by_role, name, year):
    return report_table(name=name, user=users_by_role[Role.COUNTY].owner, year=year).total.values


def test_last_years_monitoring_objects_stand_as_at_its_end(users_by_role, cases):
    last = _total(users_by_role, "monitoring", LAST_YEAR)
    assert last["monitored"] == 5  # h0, h2, h4, h5, h6
    assert (last["monitored_unstable"], last["monitored_marginal"], last["monitored_sudden"]) == (1, 4, 0)
    assert (last["included_year"], last["eliminated_year"]) == (6, 1)
    assert (last["included_total"], last["eliminated_total"]) == (6, 1)


def test_this_years_monitoring_objects_are_todays(users_by_role, cases):
    now = _total(users_by_role, "monitoring", THIS_YEAR)
    assert now["monitored"] == 5  # h0, h3, h4, h5, h6
    assert (now["included_year"], now["eliminated_year"]) == (1, 1)
    assert (now["included_total"], now["eliminated_total"]) == (7, 2)
    assert now["monitored"] == MonitoringCase.objects.filter(closed_on__isnull=True).count()


def test_instant_help_counts_each_tier_and_how_it_was_answered(users_by_role, cases):
    last = _total(users_by_role, "help", LAST_YEAR)
    assert (last["tier_A"], last["tier_B"], last["tier_C"]) == (1, 1, 1)
    assert (last["help_on_time"], last["help_late"], last["help_overdue"], last["help_waiting"]) == (1, 1, 1, 0)
    assert _total(users_by_role, "help", THIS_YEAR)["tier_A"] == 0  # tiered last year, not this one


def test_a_case_closed_after_the_cache_was_filled_shows_at_once(users_by_role, cases):
    assert _total(users_by_role, "monitoring", THIS_YEAR)["monitored"] == 5
    case = MonitoringCase.objects.get(household=cases[0])
    case.stage, case.closed_on = Stage.ELIMINATED, TODAY
    case.save()
    assert _total(users_by_role, "monitoring", THIS_YEAR)["monitored"] == 4


def test_a_measure_answering_instant_help_after_the_cache_was_filled_shows_at_once(users_by_role, cases):
    from jingzhun.assistance.services import measure_record
    from jingzhun.core.scope import SYSTEM

    household = cases[7]
    tiered = TODAY - dt.timedelta(days=1)
    _case(household, since=tiered, tier="A", tiered=tiered, due=TODAY + dt.timedelta(days=2))
    assert _total(users_by_role, "help", THIS_YEAR)["help_waiting"] == 1
    measure_record(by=SYSTEM, household=household, kind="temporary_relief", content="临时救助金", started_on=TODAY)
    after = _total(users_by_role, "help", THIS_YEAR)
    assert (after["help_waiting"], after["help_on_time"]) == (0, 1)
