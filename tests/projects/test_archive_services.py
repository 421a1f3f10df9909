"""Filing a document against an archive item: who may, what is accepted (told from the bytes), kept once."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from jingzhun.accounts.models import Role
from jingzhun.projects import archive_services
from jingzhun.projects.archive_services import ArchiveRefused, archive_file_add
from jingzhun.projects.models import ArchiveFile
from tests.factories import ProjectFactory

from .archive_files import PDF, pdf


@pytest.fixture
def county_user(users_by_role):
    return users_by_role[Role.COUNTY].owner


def test_a_pdf_is_filed_with_its_colour_digest_and_place(project, county_user):
    archive_file = archive_file_add(project=project, item="R01", upload=pdf(), user=county_user, note="原件在村委")
    assert (archive_file.colour, archive_file.original_name, archive_file.note) == ("red", "申报书.pdf", "原件在村委")
    assert archive_file.sha256 == hashlib.sha256(PDF).hexdigest()
    assert archive_file.file.name.startswith("projects/archive/")
    with archive_file.file.open("rb") as stored:
        assert stored.read() == PDF


def test_the_same_bytes_filed_twice_are_kept_once(project, county_user):
    first = archive_file_add(project=project, item="R01", upload=pdf(), user=county_user)
    again = archive_file_add(project=project, item="R01", upload=pdf("again.pdf"), user=county_user)
    assert again.pk == first.pk
    assert ArchiveFile.objects.count() == 1


def test_a_page_named_pdf_is_refused_by_its_bytes(project, county_user):
    fake = SimpleUploadedFile("批复.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    with pytest.raises(ArchiveRefused, match="不是可以上传的文件"):
        archive_file_add(project=project, item="R05", upload=fake, user=county_user)
    assert not ArchiveFile.objects.exists()


def test_a_file_over_the_cap_is_refused(project, county_user, monkeypatch):
    monkeypatch.setattr(archive_services, "ARCHIVE_MAX_BYTES", 10)
    with pytest.raises(ArchiveRefused, match="超过"):
        archive_file_add(project=project, item="R01", upload=pdf(), user=county_user)


def test_an_item_not_on_the_checklist_is_refused(project, county_user):
    with pytest.raises(ArchiveRefused, match="不在三色档案清单中"):
        archive_file_add(project=project, item="X99", upload=pdf(), user=county_user)


def test_a_village_user_may_not_file(project, users_by_role):
    with pytest.raises(PermissionDenied):
        archive_file_add(project=project, item="R01", upload=pdf(), user=users_by_role[Role.VILLAGE].owner)


def test_a_town_does_not_file_for_the_countys_project_it_sees(users_by_role):
    county_project = ProjectFactory(area=users_by_role.county_a, level="county")
    with pytest.raises(PermissionDenied, match="不在您的管辖区域内"):
        archive_file_add(project=county_project, item="R01", upload=pdf(), user=users_by_role[Role.TOWN].owner)


def test_another_countys_user_may_not_file(project, users_by_role):
    with pytest.raises(PermissionDenied):
        archive_file_add(project=project, item="R01", upload=pdf(), user=users_by_role[Role.COUNTY].outsider)
