"""Standard tables 2 (causes) and 3 (exits by year): what each counts, checked against the registry's lists."""

import pytest
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.registry.models import Household
from jingzhun.registry.selectors import households_for_user
from jingzhun.registry.vocab import Cause, PovertyStatus
from jingzhun.reports.standard import report_table

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year


def test_causes_count_the_registered_households_by_their_main_cause(users_by_role, county):
    user = users_by_role[Role.COUNTY].owner
    Household.objects.filter(poverty_status=PovertyStatus.PRE_EXIT).update(main_cause=Cause.DISABILITY)
    total = report_table(name="causes", user=user, year=THIS_YEAR).total
    registered = households_for_user(user=user).exclude(poverty_status=PovertyStatus.NON_POOR)
    assert total.values["h_all"] == registered.count() == 7
    assert total.values["h_disability"] == registered.filter(main_cause=Cause.DISABILITY).count() == 1
    assert total.values["h_illness"] == registered.filter(main_cause=Cause.ILLNESS).count() == 6


def test_exits_count_households_by_their_exit_year_up_to_the_tables_year(users_by_role, county):
    user = users_by_role[Role.COUNTY].owner
    exited = Household.objects.filter(poverty_status=PovertyStatus.EXITED).order_by("id")
    Household.objects.filter(pk=exited[0].pk).update(year_exited=2016)
    Household.objects.filter(pk=exited[1].pk).update(year_exited=THIS_YEAR)
    total = report_table(name="exits", user=user, year=THIS_YEAR).total
    with_year = households_for_user(user=user).filter(year_exited__isnull=False)
    assert total.values["h_all"] == with_year.count()
    assert total.values["h_2016"] == with_year.filter(year_exited=2016).count() == 1
    assert total.values["h_2019"] == with_year.filter(year_exited=2019).count()
    assert total.values[f"h_{THIS_YEAR}"] == 1
    assert total.values["p_2016"] == exited[0].members.filter(status="active").count()
