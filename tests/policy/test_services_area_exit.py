"""Exits (摘帽) of poor villages and counties: recorded once, refused without an override when the exit test of
docs/RULES.md §5 is not met, with their documents (issue 23)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jingzhun.accounts.models import Role
from jingzhun.policy.models import AreaExit
from jingzhun.policy.services import ExitInput, ExitRefused, area_exit_record, assessment_run
from jingzhun.registry.vocab import PovertyStatus
from tests.factories import HouseholdFactory, IncomeFactory, MemberFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n" + b"0" * 64


def _entry(**fields) -> ExitInput:
    return ExitInput(
        **{"year": 2020, "document_no": "冠政发〔2020〕12号", "decided_on": dt.date(2020, 12, 20), **fields}
    )


def _poor_village(users_by_role, *, population: int, poor_people: int):
    village = users_by_role.village_a
    village.poor_village, village.population = True, population
    village.save()
    household = HouseholdFactory(village=village, poverty_status=PovertyStatus.NOT_EXITED)
    for _ in range(poor_people):
        MemberFactory(household=household)
    IncomeFactory(household=household, year=2020)
    assessment_run(year=2020)
    return village


def test_exit_is_recorded_when_the_latest_assessment_says_the_test_is_met(users_by_role):
    village = _poor_village(users_by_role, population=1000, poor_people=2)  # 0.2 %
    record = area_exit_record(user=users_by_role[Role.COUNTY].owner, area_code=village.code, entry=_entry())
    assert (record.kind, record.year, record.test_met, record.override_reason) == ("village", 2020, True, "")
    assert record.by == users_by_role[Role.COUNTY].owner


def test_exit_is_refused_without_an_override_when_the_incidence_test_is_not_met(users_by_role):
    village = _poor_village(users_by_role, population=50, poor_people=3)  # 6 %
    with pytest.raises(ExitRefused, match=r"不满足退出条件.*贫困发生率 6\.00%.*覆盖理由"):
        area_exit_record(user=users_by_role[Role.COUNTY].owner, area_code=village.code, entry=_entry())
    assert not AreaExit.objects.exists()


def test_exit_with_an_override_reason_keeps_the_reason_and_what_the_test_said(users_by_role):
    village = _poor_village(users_by_role, population=50, poor_people=3)
    entry = _entry(override_reason="省级第三方评估已核定退出")
    record = area_exit_record(user=users_by_role[Role.COUNTY].owner, area_code=village.code, entry=entry)
    assert (record.test_met, record.override_reason) == (False, "省级第三方评估已核定退出")
    assert "6.00%" in record.test_reasons


def test_an_area_never_assessed_needs_an_override(users_by_role):
    village = users_by_role.village_a
    village.poor_village = True
    village.save()
    with pytest.raises(ExitRefused, match="尚未评估过"):
        area_exit_record(user=users_by_role[Role.COUNTY].owner, area_code=village.code, entry=_entry())


def test_a_village_not_registered_as_poor_has_no_exit(users_by_role):
    with pytest.raises(ExitRefused, match="不是贫困村"):
        area_exit_record(user=users_by_role[Role.COUNTY].owner, area_code=users_by_role.village_a.code, entry=_entry())


def test_a_county_exit_is_recorded_for_the_county(users_by_role):
    _poor_village(users_by_role, population=1000, poor_people=1)
    county = users_by_role.county_a
    record = area_exit_record(user=users_by_role[Role.COUNTY].owner, area_code=county.code, entry=_entry())
    assert record.kind == "county"


def test_a_second_exit_of_the_same_area_is_refused(users_by_role):
    village = _poor_village(users_by_role, population=1000, poor_people=1)
    owner = users_by_role[Role.COUNTY].owner
    area_exit_record(user=owner, area_code=village.code, entry=_entry())
    with pytest.raises(ExitRefused, match="已记录摘帽，不能重复记录"):
        area_exit_record(user=users_by_role[Role.COUNTY].colleague, area_code=village.code, entry=_entry(year=2019))
    assert AreaExit.objects.get().year == 2020


def test_another_countys_area_is_not_found(users_by_role):
    village = _poor_village(users_by_role, population=1000, poor_people=1)
    with pytest.raises(LookupError):
        area_exit_record(user=users_by_role[Role.COUNTY].outsider, area_code=village.code, entry=_entry())


@pytest.mark.parametrize("role", [Role.TOWN, Role.VILLAGE, Role.INSPECTOR])
def test_only_a_county_user_records_an_exit(users_by_role, role):
    village = _poor_village(users_by_role, population=1000, poor_people=1)
    with pytest.raises(PermissionError):
        area_exit_record(user=users_by_role[role].owner, area_code=village.code, entry=_entry())


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"document_no": "  "}, "决定文号"),
        ({"year": 2013}, "摘帽年度应在 2014"),
        ({"decided_on": dt.date(2099, 1, 1)}, "决定日期不能晚于今天"),
        ({"documents": [SimpleUploadedFile("a.html", b"<html>", "application/pdf")]}, "不是可以上传的文件"),
    ],
)
def test_bad_fields_are_refused_in_chinese_and_nothing_is_written(users_by_role, fields, reason):
    village = _poor_village(users_by_role, population=1000, poor_people=1)
    with pytest.raises(ExitRefused, match=reason):
        area_exit_record(user=users_by_role[Role.COUNTY].owner, area_code=village.code, entry=_entry(**fields))
    assert not AreaExit.objects.exists()


def test_documents_are_kept_with_their_digest(users_by_role):
    village = _poor_village(users_by_role, population=1000, poor_people=1)
    entry = _entry(documents=[SimpleUploadedFile("决定.pdf", PDF, "application/pdf")])
    record = area_exit_record(user=users_by_role[Role.COUNTY].owner, area_code=village.code, entry=entry)
    [document] = record.documents.all()
    assert (document.original_name, document.size, len(document.sha256)) == ("决定.pdf", len(PDF), 64)
    with document.file.open("rb") as stored:
        assert stored.read() == PDF
