"""A standard table as an A4 PDF: the title, the header and the figures are text in it; the download is logged."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from pypdf import PdfReader

from jingzhun.accounts.models import AccessLog, Role
from jingzhun.core.fonts import cjk_font_path

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(cjk_font_path() is None, reason="the Chinese font is not installed (jingzhun fonts install)"),
]


def test_the_command_writes_the_table_as_an_a4_page(users_by_role, county, tmp_path):
    out = tmp_path / "population.pdf"
    year = str(timezone.localdate().year)
    call_command("report", "population", "--year", year, "--area", users_by_role.county_a.code, "--out", str(out))
    reader = PdfReader(out)
    page = reader.pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape
    text = page.extract_text()
    assert "建档立卡人口分布表" in text
    assert "合计（" in text
    assert f"{users_by_role.town_a.name}小计" in text


def test_the_page_offers_the_pdf_and_its_download_is_logged(client, users_by_role, county):
    user = users_by_role[Role.TOWN].owner
    client.force_login(user)
    assert "/reports/causes.pdf" in client.get("/reports/causes/").content.decode()
    response = client.get("/reports/causes.pdf")
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    assert "致贫原因统计表" in reader.pages[0].extract_text()
    assert AccessLog.objects.filter(user=user, target__startswith="report:causes", detail__format="pdf").exists()
