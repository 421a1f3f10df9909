"""``jingzhun demo`` leaves data on every page a new user opens: clues, visit coverage, work teams, and an
account of every role whose landing page answers with real data. One small demo county for the module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from jingzhun.accounts.models import Role, User
from jingzhun.adjustments.models import AdjustmentCase, AdjustmentStep
from jingzhun.assistance import selectors as assistance_selectors
from jingzhun.assistance.models import Helper, Pairing, Visit, WorkTeam
from jingzhun.core.scope import SYSTEM
from jingzhun.crosscheck.models import Batch, Clue, Run
from jingzhun.monitoring.models import CaseStep, MonitoringCase
from jingzhun.supervision import selectors as supervision_selectors
from jingzhun.supervision.models import Finding, FindingPart, FindingStep
from jingzhun.web.demo import DEMO_PASSWORD

HOUSEHOLDS = "300"
FAST_HASHING = ["django.contrib.auth.hashers.MD5PasswordHasher"]
COUNTED = (
    User,
    Helper,
    Pairing,
    Visit,
    WorkTeam,
    MonitoringCase,
    CaseStep,
    Batch,
    Run,
    Clue,
    Finding,
    FindingStep,
    AdjustmentCase,
    AdjustmentStep,
)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Path]:
    """The demo county, made once for the module in a transaction rolled back at its end."""
    data_dir = tmp_path_factory.mktemp("demo-data")
    with (
        override_settings(DATA_DIR=data_dir, MEDIA_ROOT=data_dir / "media", PASSWORD_HASHERS=FAST_HASHING),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        call_command("demo", "--households", HOUSEHOLDS, "--no-serve", verbosity=0, stdout=_Null())
        yield data_dir
        transaction.set_rollback(True)


class _Null:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass


@pytest.fixture
def demo_db(demo, db, settings) -> Path:
    settings.DATA_DIR = demo
    settings.MEDIA_ROOT = demo / "media"
    return demo


def test_demo_imports_every_department_list_and_compares_them(demo_db):
    assert Batch.objects.values("department").distinct().count() == 11
    assert Run.objects.count() == 1
    assert Clue.objects.count() > 0


def test_demo_visits_some_paired_households_this_year(demo_db):
    today = timezone.localdate()
    rows = assistance_selectors.visit_coverage(
        user=SYSTEM, date_from=today.replace(month=1, day=1), date_to=today, by="town"
    )
    total = assistance_selectors.coverage_total(rows)

    assert 0 < total.visited < total.households


def test_demo_pairs_helpers_of_several_units_with_households(demo_db):
    assert Helper.objects.values("unit").distinct().count() > 3
    assert Pairing.objects.filter(ended_on__isnull=True).count() > 100


def test_demo_keeps_the_demo_helper_with_its_own_households(demo_db):
    helper = Helper.objects.get(user__username="helper")
    assert 0 < helper.pairings.filter(ended_on__isnull=True).count() <= 8


def test_demo_has_a_work_team_with_members(demo_db):
    team = WorkTeam.objects.first()
    assert team is not None
    assert team.members.count() >= 2
    assert team.leader is not None


def test_demo_has_an_account_of_every_role(demo_db):
    roles = set(User.objects.filter(is_active=True).values_list("role", flat=True))
    assert roles == {role for role in Role if role != Role.NONE}


# The landing page of each demo account, and a text on it that only real data puts there.
LANDINGS = {
    "county": ("/", 'data-testid="total-households"'),
    "town": ("/", 'data-testid="total-households"'),
    "village": ("/", 'data-testid="total-households"'),
    # An inspector lands on the findings: the demo's late ones are marked 挂牌督办.
    "inspector": (reverse("supervision:finding_list"), 'data-testid="late-mark"'),
    # A helper's dashboard: its own households, with the latest assessment of them (not "no assessment yet").
    "helper": ("/", 'data-testid="monitoring-flags"'),
    "department": (reverse("crosscheck:batch_list"), "education.csv"),
    "sysadmin": (reverse("accounts:system_accounts"), "inspector"),
    "secadmin": (reverse("accounts:security_accounts"), "inspector"),
    "auditadmin": (reverse("accounts:audit_events"), "department"),
}


@pytest.mark.parametrize("username", list(LANDINGS))
def test_every_demo_account_logs_in_and_lands_on_data(demo_db, client, username):
    response = client.post(reverse("accounts:login"), {"username": username, "password": DEMO_PASSWORD}, follow=True)

    path, evidence = LANDINGS[username]
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == path
    assert evidence in response.content.decode()


def test_the_county_account_sees_clues_coverage_and_cases(demo_db, client):
    client.force_login(User.objects.get(username="county"))

    clues = client.get(reverse("crosscheck:clue_list"))
    coverage = client.get(reverse("assistance:coverage"))
    cases = client.get(reverse("monitoring:case_list"))

    assert (clues.status_code, coverage.status_code, cases.status_code) == (200, 200, 200)
    assert Clue.objects.first().household.household_no in clues.content.decode()
    assert "%" in coverage.content.decode()
    assert MonitoringCase.objects.first().household.household_no in cases.content.decode()


def test_running_the_demo_again_changes_nothing(demo_db):
    before = _counts()

    call_command("demo", "--households", HOUSEHOLDS, "--no-serve", verbosity=0, stdout=_Null())

    assert _counts() == before


def test_demo_has_findings_in_every_state(demo_db):
    findings = Finding.objects.all()
    assert findings.filter(assigned_on__isnull=True).exists()  # 未交办
    assert findings.filter(assigned_on__isnull=False, verified_on__isnull=True, parts__done_on__isnull=True).exists()
    assert findings.filter(verified_on__isnull=False).exists()  # 已销号
    awaiting = findings.filter(verified_on__isnull=True, assigned_on__isnull=False).exclude(parts__done_on__isnull=True)
    assert awaiting.exists()  # 待核验
    assert FindingPart.objects.filter(rounds__gt=1).exists()  # 退回重新整改
    assert findings.filter(clue__isnull=False).exists()  # raised from a data-comparison clue


def test_demo_has_adjustments(demo_db):
    # This small county's demo village has few households; tests/web/test_demo_adjustments.py takes every story.
    assert AdjustmentCase.objects.filter(stage="decided").exists()


def test_demo_has_late_findings_at_both_levels(demo_db):
    late = supervision_selectors.late_counts(findings=Finding.objects.all(), as_of=timezone.localdate())
    assert late["县级"] > 0 and late["市级"] > 0


def test_the_demo_department_clerk_answers_for_medical_insurance_parts(demo_db):
    clerk = User.objects.get(username="department")
    assert supervision_selectors.parts_for_user(user=clerk).exists()
