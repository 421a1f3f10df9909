import pytest
import waitress
from django.core.management import call_command

from jingzhun.accounts.models import Role, User
from jingzhun.areas.models import Level
from jingzhun.registry.models import Household
from jingzhun.web.management.commands import serve as serve_command
from jingzhun.web.management.commands.demo import DEMO_PASSWORD


class _Worker:
    """Stands in for the task worker process: these tests are about the server, not the worker."""

    terminated = False

    def terminate(self):
        self.terminated = True

    def wait(self, timeout=None):
        return 0


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


@pytest.mark.django_db
def test_serve_stops_its_task_worker_when_the_server_stops(served, worker):
    call_command("serve", "--port", "8124")
    assert worker.terminated


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
    assert set(users) == {"county", "town", "village", "helper"}
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
    cases, pairings = MonitoringCase.objects.count(), Pairing.objects.count()
    call_command("demo", "--households", "600", "--seed", "7", "--no-serve")

    assert cases > 0
    assert 0 < pairings <= 8
    assert (MonitoringCase.objects.count(), Pairing.objects.count()) == (cases, pairings)
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


@pytest.mark.django_db(transaction=True)
def test_demo_serves_unless_told_not_to(served):
    call_command("demo", "--households", "10", "--port", "8124")

    [(_, kwargs)] = served
    assert kwargs["port"] == 8124
