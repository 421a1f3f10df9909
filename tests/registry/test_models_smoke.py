import pytest

from jingzhun.areas.models import Area, Level


@pytest.mark.django_db
def test_area_prefix_of_a_county_is_its_six_digits():
    area = Area.objects.create(code="370125000000", name="济阳区", level=Level.COUNTY)
    assert area.prefix == "370125"
