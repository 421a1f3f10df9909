import pytest
import waitress
from django.core.management import CommandError, call_command

from jingzhun.accounts.models import Role, User
from jingzhun.areas.models import Level
from jingzhun.registry.models import Household
from jingzhun.web.demo import DEMO_PASSWORD
from jingzhun.web.management.commands import serve as serve_command


class _Worker:
    """Stands in for the task worker process: these tests are about the server, not the worker (see
    test_serve_process.py for the real one)."""

    returncode = None

    def poll(self):
        return self.returncode

    def terminate(self):
        self.returncode = -15

    def kill(self):
        self.returncode = -9

    def wait(self, timeout=None):
        return self.returncode


@pytest.fixture
def worker(monkeypatch):
    started = _Worker()
    monkeypatch.setattr(serve_command, "start_worker", lambda: started)
    return started


@pytest.fixture
def served(monkeypatch, worker):
    """What ``serve`` handed to waitress, instead of serving forever."""
    calls = []
    monkeypatch.setattr(waitress, "serve", lambda app, **kwargs: calls.append((app, kwargs)))
    return calls


@pytest.mark.django_db(transaction=True)
def test_demo_imports_a_county_and_creates_users_idempotently(settings, capsys):
    call_command("demo", "--households", "40", "--seed", "7", "--no-serve")
    households = Household.objects.count()
    first_ids = dict(User.objects.values_list("username", "id"))

    call_command("demo", "--households", "40", "--seed", "7", "--no-serve")

    assert households == 40
    assert Household.objects.count() == 40
    assert dict(User.objects.values_list("username", "id")) == first_ids
    users = {u.username: u for u in User.objects.select_related("area")}
    assert set(users) == {
        "county",
        "town",
        "village",
        "helper",
        "inspector",
        "department",
        "sysadmin",
        "secadmin",
        "auditadmin",
    }
    assert (users["county"].role, users["county"].area.level) == (Role.COUNTY, Level.COUNTY)
    assert (users["town"].role, users["town"].area.level) == (Role.TOWN, Level.TOWN)
    assert (users["village"].role, users["village"].area.level) == (Role.VILLAGE, Level.VILLAGE)
    assert users["town"].area.code.startswith(users["county"].area.prefix)
    assert users["village"].area.code.startswith(users["town"].area.prefix)
    assert (users["helper"].role, users["helper"].area) == (Role.HELPER, users["village"].area)
    assert all(u.check_password(DEMO_PASSWORD) for u in users.values())
    assert (settings.DATA_DIR / "demo" / "sample-county.csv").exists()
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8000/" in out
    assert DEMO_PASSWORD in out
    assert "40 户" in out


@pytest.mark.django_db(transaction=True)
def test_demo_opens_monitoring_cases_and_pairs_the_demo_helper_once(capsys):
    from jingzhun.assistance.models import Pairing
    from jingzhun.monitoring.models import MonitoringCase

    call_command("demo", "--households", "600", "--seed", "7", "--no-serve")
    mine = Pairing.objects.filter(helper__user__username="helper")
    cases, pairings, demo_helper = MonitoringCase.objects.count(), Pairing.objects.count(), mine.count()
    call_command("demo", "--households", "600", "--seed", "7", "--no-serve")

    assert cases > 0
    assert 0 < demo_helper <= 8
    assert (MonitoringCase.objects.count(), Pairing.objects.count(), mine.count()) == (cases, pairings, demo_helper)
    assert "新开监测记录" in capsys.readouterr().out


@pytest.mark.django_db
def test_serve_collects_static_files_and_runs_waitress(settings, served, capsys):
    call_command("serve", "--host", "127.0.0.1", "--port", "8123")

    assert (settings.STATIC_ROOT / "jingzhun" / "site.css").exists()
    [(app, kwargs)] = served
    assert callable(app)
    assert kwargs["host"] == "127.0.0.1"
    assert kwargs["port"] == 8123
    assert "http://127.0.0.1:8123/" in capsys.readouterr().out


@pytest.mark.django_db
def test_serve_without_a_proxy_trusts_no_proxy_headers(settings, served):
    settings.TRUSTED_PROXY = None
    call_command("serve", "--port", "8125")

    [(_, kwargs)] = served
    assert "trusted_proxy" not in kwargs
    assert kwargs["clear_untrusted_proxy_headers"] is True


@pytest.mark.django_db
def test_serve_behind_a_tls_proxy_trusts_its_scheme_and_client_address_only(settings, served, capsys):
    settings.TRUSTED_PROXY = "10.1.2.3"
    call_command("serve", "--port", "8125")

    [(_, kwargs)] = served
    assert kwargs["trusted_proxy"] == "10.1.2.3"
    assert kwargs["trusted_proxy_headers"] == {"x-forwarded-proto", "x-forwarded-for"}
    assert kwargs["trusted_proxy_count"] == 1
    assert kwargs["clear_untrusted_proxy_headers"] is True
    assert "10.1.2.3" in capsys.readouterr().out


@pytest.mark.parametrize("address", ["*", "proxy.example.gov.cn", "10.1.2.0/24"])
def test_serve_refuses_a_trusted_proxy_that_is_not_one_address(settings, served, address):
    settings.TRUSTED_PROXY = address
    with pytest.raises(CommandError, match="JINGZHUN_TRUSTED_PROXY"):
        call_command("serve", "--port", "8125")
    assert served == []


@pytest.mark.django_db(transaction=True)
def test_demo_serves_unless_told_not_to(served):
    call_command("demo", "--households", "10", "--port", "8124")

    [(_, kwargs)] = served
    assert kwargs["port"] == 8124
