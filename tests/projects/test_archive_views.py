"""The archive pages: the index, a project's checklist with an upload per item, the logged download."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.projects.models import ArchiveFile

from .archive_files import PDF, pdf


@pytest.fixture
def county_client(client, users_by_role):
    client.force_login(users_by_role[Role.COUNTY].owner)
    return client


def test_the_index_shows_the_county_and_its_towns(county_client, project):
    response = county_client.get(reverse("projects:archive_index"))
    assert response.status_code == 200
    assert 'data-testid="county-percent">0.0%' in response.content.decode()
    assert project.code in response.content.decode()  # among the least complete


def test_a_document_uploaded_on_the_project_page_is_filed(county_client, project):
    url = reverse("projects:project_archive", args=[project.code])
    response = county_client.post(url, {"item": "R05", "file": pdf("批复.pdf"), "note": ""})
    assert response.status_code == 302
    assert response["Location"].endswith("#item-R05")
    page = county_client.get(url).content.decode()
    assert "批复.pdf" in page


def test_a_refused_upload_says_why(county_client, project):
    url = reverse("projects:project_archive", args=[project.code])
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("批复.pdf", b"MZ\x90\x00 program", content_type="application/pdf")
    response = county_client.post(url, {"item": "R05", "file": fake})
    assert response.status_code == 400
    assert "不是可以上传的文件" in response.content.decode()


def test_a_village_user_reads_but_may_not_upload(client, users_by_role, project):
    client.force_login(users_by_role[Role.VILLAGE].owner)
    url = reverse("projects:project_archive", args=[project.code])
    assert 'data-testid="read-only"' in client.get(url).content.decode()
    assert client.post(url, {"item": "R01", "file": pdf()}).status_code == 403
    assert not ArchiveFile.objects.exists()


def test_the_download_is_logged(county_client, users_by_role, project):
    county_client.post(reverse("projects:project_archive", args=[project.code]), {"item": "R01", "file": pdf()})
    archive_file = ArchiveFile.objects.get()
    response = county_client.get(reverse("projects:archive_file", args=[archive_file.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    log = AccessLog.objects.get(target=f"project-archive:{archive_file.pk}")
    assert (log.user, log.action) == (users_by_role[Role.COUNTY].owner, AccessLog.Action.EXPORT)


def test_another_countys_user_gets_nothing(client, users_by_role, project):
    ArchiveFile.objects.create(
        project=project,
        item="R01",
        colour="red",
        file="projects/archive/x.pdf",
        original_name="x.pdf",
        size=1,
        sha256="0" * 64,
    )
    client.force_login(users_by_role[Role.COUNTY].outsider)
    assert client.get(reverse("projects:project_archive", args=[project.code])).status_code == 404
    assert client.get(reverse("projects:archive_file", args=[ArchiveFile.objects.get().pk])).status_code == 404
    assert not AccessLog.objects.filter(target__startswith="project-archive:").exists()


def test_the_project_page_cards_render(project, users_by_role):
    from django.template.loader import render_to_string

    from jingzhun.projects.archive_selectors import project_archive_summary
    from jingzhun.projects.evaluation_selectors import project_evaluation_latest

    from .archive_files import evaluate

    evaluate(project, users_by_role[Role.INSPECTOR].owner, problems={"JC01": "未入库"})
    archive = render_to_string(
        "projects/_archive_stat.html", {"project": project, "archive": project_archive_summary(project=project)}
    )
    assert "0.0%" in archive
    latest = project_evaluation_latest(project=project)
    card = render_to_string("projects/_evaluation_stat.html", {"project": project, "evaluation": latest})
    assert "99" in card and "stat--alert" in card
