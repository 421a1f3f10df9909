"""The household record (一户一档) printed as A4 pages: its members with masked ID numbers even for a user who may
see them in full, its incomes; another area's household is not found; the print is logged as an export."""

import io

import pytest
from pypdf import PdfReader

from jingzhun.accounts.models import AccessLog
from jingzhun.core.fonts import cjk_font_path
from jingzhun.core.idnumber import mask

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(cjk_font_path() is None, reason="the Chinese font is not installed (jingzhun fonts install)"),
]


def _text(response) -> str:
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_record_prints_its_members_masked_and_its_incomes(client, county, unmasking_user):
    client.force_login(unmasking_user)
    household = county.poor
    response = client.get(f"/households/{household.household_no}/record.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _text(response)
    assert f"一户一档：{household.household_no}" in text
    for member in household.members.all():
        assert member.name in text
        assert mask(member.id_number) in text
        assert member.id_number not in text  # never in full on paper
    assert "家庭收入" in text


def test_another_areas_household_is_not_found(client, county, outsider):
    client.force_login(outsider)
    assert client.get(f"/households/{county.poor.household_no}/record.pdf").status_code == 404


def test_the_print_is_logged(client, county, village_user):
    client.force_login(village_user)
    assert b"record.pdf" in client.get(f"/households/{county.poor.household_no}/").content
    client.get(f"/households/{county.poor.household_no}/record.pdf")
    assert AccessLog.objects.filter(
        user=village_user, action=AccessLog.Action.EXPORT, target=f"household:{county.poor.household_no}"
    ).exists()
