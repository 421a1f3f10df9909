import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def login_page(client):
    return client.get(reverse("accounts:login"))


def test_content_security_policy_allows_only_our_own_files(login_page):
    policy = login_page["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy


def test_pages_may_not_be_framed(login_page):
    assert login_page["X-Frame-Options"] == "DENY"


def test_content_types_are_not_sniffed(login_page):
    assert login_page["X-Content-Type-Options"] == "nosniff"


def test_referrer_stays_on_the_site(login_page):
    assert login_page["Referrer-Policy"] == "same-origin"
