"""The security walk: every route × every role (and no one logged in) × hostile input: never a server error,
never another area's records, never a write.

The routes are read from the URL configuration, as in the scope walk (tests/web/test_scope_walk.py), so a page
added later is walked too. Each route is asked for

- with the URL parameters of another county's records (and numbers past 64 bits, and text with a NUL);
- with hostile query strings: numbers past 64 bits or below zero, dates out of range (0001-01-01, 9999-12-31,
  years of five digits, 30 February), NUL, 10,000 characters, SQL and HTML injection, bad UTF-8, given to
  every parameter name any view reads;
- by POST, without a CSRF token (refused) and with hostile form values (refused or answered with the form):
  no table of records changes (but for the export jobs an export's button queues for the walker).

One small dataset serves the whole module (made once, rolled back at the end): the walk stays fast.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client

from jingzhun.accounts.models import Role
from jingzhun.areas.models import Level
from jingzhun.core.models import UploadJob
from jingzhun.core.uploads import export_kinds
from tests.conftest import UsersByRole
from tests.factories import AreaFactory, HouseholdFactory, MemberFactory

from .test_scope_walk import _records, _routes, _url

pytestmark = pytest.mark.django_db

OTHER_NAME = "乙县户主"  # a household of county B: no one of county A ever sees it
SIBLING_NAME = "甲县邻乡户主"  # a household of another town of county A: town, village and helper users do not see it
OWN_NAME = "甲村户主"
TOWN_BOUND = {Role.TOWN, Role.VILLAGE, Role.HELPER}
ROLES = [role for role in Role if role != Role.NONE] + [Role.NONE]

# Every query parameter any view or API reads, by the kind of value it takes.
NUMBER_PARAMS = ("after", "before", "page", "year", "days", "refused_days", "run", "id", "page_size")
DATE_PARAMS = ("since", "until", "date_from", "date_to", "as_of", "discovered_on", "visited_on", "occurred_on")
TEXT_PARAMS = (
    "q",
    "village",
    "status",
    "tier",
    "state",
    "stage",
    "channel",
    "category",
    "overdue",
    "failed",
    "flag",
    "level",
    "excluded",
    "actor",
    "action",
    "against",
    "from",
    "to",
    "household",
    "rule",
    "department",
    "next",
    "format",
    "kind",
)
HTML = "<script>alert(1)</script>"
# Each query gives one hostile value to every parameter of one kind (and leaves the others out: a form with one
# bad field ignores the rest, which would hide them).
NUMBERS = ("99999999999999999999", "-9223372036854775809", "1e400")
DATES = (("0001-01-01", "9999-12-31"), ("10000-01-01", "2024-02-30"), ("9999-12-31", "0001-01-01"))
TEXTS = ("' OR 1=1 --", HTML, "a\x00b", "x" * 10_000)
# Percent-escapes that decode to no UTF-8 text (a lone byte, an overlong slash, a surrogate).
BAD_UTF8 = "&".join(
    f"{name}={escape}"
    for name, escape in [
        ("q", "%ff%fe"),
        ("after", "%c0%af"),
        ("before", "%ed%a0%80"),
        ("since", "%ff"),
        ("until", "2024%00-01-01"),
        ("village", "%e4%b8"),
        ("page", "%ff"),
        ("year", "%c0%80"),
    ]
)
# What a POST form may carry: the names of every form's fields, hostile values. Not passwords: a strong one is
# any text, and the system administrator may set one.
FORM_NAMES = (
    *TEXT_PARAMS,
    *NUMBER_PARAMS,
    *DATE_PARAMS,
    "name",
    "username",
    "area",
    "role",
    "helper",
    "findings",
    "note",
    "loss",
    "amount",
    "content",
    "reason",
    "decision",
    "tier_new",
    "expected_version",
    "step",
    "is_active",
    "may_see_id_numbers",
    "ended_on",
    "end_reason",
    "started_on",
    "pack",
)
# Tables that a refused or invalid request may still add to: the logs of what was tried, sessions, lockouts.
LOGS = {"auditevent", "accesslog", "session", "accessattempt", "accessfailurelog", "accesslog_axes"}


def _hostile_queries() -> list[str]:
    queries = [urlencode(dict.fromkeys(NUMBER_PARAMS, number)) for number in NUMBERS]
    for first, second in DATES:
        # since/until, date_from/date_to: the first of a pair one way, the second the other
        queries.append(urlencode({name: (first, second)[i % 2] for i, name in enumerate(DATE_PARAMS)}))
    queries += [urlencode(dict.fromkeys(TEXT_PARAMS, text)) for text in TEXTS]
    return [*queries, BAD_UTF8]


QUERIES = _hostile_queries()


@dataclass
class World:
    users: UsersByRole
    values: dict[str, Any]  # the URL parameters of county B's records
    own_household: str


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """County A with a household in village A; a household of another town of county A; county B with a record
    of every kind. Made once for the module, rolled back at its end; each test's transaction nests inside."""
    with django_db_blocker.unblock(), transaction.atomic():
        users = UsersByRole()
        for role in ROLES:
            users[role]
        own = HouseholdFactory(village=users.village_a, household_no="A0000001")
        MemberFactory(household=own, name=OWN_NAME)
        sibling_town = AreaFactory(level=Level.TOWN, parent=users.county_a)
        sibling = HouseholdFactory(village=AreaFactory(level=Level.VILLAGE, parent=sibling_town))
        MemberFactory(household=sibling, name=SIBLING_NAME)
        values = _records(
            HouseholdFactory(village=users.village_b, household_no="B0000001"),
            village_user=users[Role.VILLAGE].outsider,
            county_user=users[Role.COUNTY].outsider,
            department_user=users[Role.DEPARTMENT].outsider,
            security_admin=users[Role.SECURITY_ADMIN].outsider,
            run_prefix=users.county_b.prefix,
            name=OTHER_NAME,
        )
        yield World(users=users, values=values, own_household=own.household_no)
        transaction.set_rollback(True)


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _record_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.model_name not in LOGS and not model._meta.proxy
    }


def _path_variants(route: str, values: dict[str, Any]) -> list[str]:
    """The route with county B's records, and where it takes parameters, with numbers past 64 bits and text
    with a NUL and a quote."""
    urls = [_url(route, values)]
    if "<" in route:
        huge = {key: "99999999999999999999" if isinstance(value, int) else value for key, value in values.items()}
        urls.append(_url(route, huge))
        text = {key: quote("B0\x00'1") if isinstance(value, str) else value for key, value in values.items()}
        urls.append(_url(route, text))
    return urls


class Check:
    """Collects what went wrong over a walk, so one failure shows every route that fails."""

    def __init__(self, who: str, role: str | None) -> None:
        self.who = who
        self.role = role
        self.wrong: list[str] = []
        self.requests = 0

    def __call__(self, method: str, url: str, response: Any) -> None:
        self.requests += 1
        where = f"{self.who} {method} {url[:160]} → {response.status_code}"
        if response.status_code >= 500:
            self.wrong.append(where)
            return
        body = _body(response)
        if OTHER_NAME.encode() in body or b"B0000001" in body:
            self.wrong.append(f"{where}: shows county B")
        if self.role in TOWN_BOUND and SIBLING_NAME.encode() in body:
            self.wrong.append(f"{where}: shows another town")
        if response.get("Content-Type", "").startswith("text/html") and HTML.encode() in body:
            self.wrong.append(f"{where}: writes the query's HTML out unescaped")


def _walk(client: Client, check: Check, values: dict[str, Any], *, skip: set[str]) -> None:
    for route, name in _routes():
        if name in skip:
            continue
        for url in _path_variants(route, values):
            check("GET", url, client.get(url))
        plain = _url(route, values)
        for query in QUERIES:
            check("GET", f"{plain}?{query[:80]}", client.get(f"{plain}?{query}"))


def _post_walk(client: Client, check: Check, values: dict[str, Any], *, skip: set[str]) -> None:
    strict = Client(enforce_csrf_checks=True, raise_request_exception=False)
    strict.cookies = client.cookies
    for route, name in _routes():
        if name in skip:
            continue
        url = _url(route, values)
        check("POST (no CSRF)", url, strict.post(url, {"q": "x"}))
        if name in BUTTONS:
            continue
        for i, text in enumerate(TEXTS):
            number, date = NUMBERS[i % len(NUMBERS)], DATES[i % len(DATES)][i % 2]
            form = dict.fromkeys(FORM_NAMES, text) | dict.fromkeys(NUMBER_PARAMS, number)
            form |= dict.fromkeys((*DATE_PARAMS, "started_on", "ended_on"), date)
            check("POST", url, client.post(url, form))


# A button with no input: any POST of a role that may press it does what it says (the CSRF check still holds).
BUTTONS = {"crosscheck:run_list"}  # 运行比对: compares as of today
# Logging out ends the walker's session: walked last, and once.
LOGOUT = {"accounts:logout"}


@pytest.mark.parametrize("role", ROLES)
def test_no_route_answers_hostile_input_of_a_role_with_a_server_error_or_another_areas_records(client, world, role):
    started = time.perf_counter()
    client.raise_request_exception = False  # a server error is one more line of the report, not the end of it
    client.force_login(world.users[role].owner)
    check = Check(role, role)
    _walk(client, check, world.values, skip=LOGOUT)
    assert not check.wrong, "\n".join(check.wrong)
    assert check.requests > 400
    print(f"{role}: {check.requests} GETs in {time.perf_counter() - started:.1f} s")


@pytest.mark.parametrize("role", ROLES)
def test_no_hostile_post_of_a_role_errs_or_writes(client, world, role):
    started = time.perf_counter()
    client.raise_request_exception = False
    owner = world.users[role].owner
    client.force_login(owner)
    before, jobs = _record_counts(), set(UploadJob.objects.values_list("pk", flat=True))
    check = Check(role, role)
    _post_walk(client, check, world.values, skip=LOGOUT)
    assert not check.wrong, "\n".join(check.wrong)
    # An export's button queues an export of the user's own area whatever its filters say (a bad one reads as
    # absent): the only records a hostile POST may make are such jobs of the walker, nothing of an area.
    made = UploadJob.objects.exclude(pk__in=jobs)
    assert {(job.user_id, job.kind in export_kinds()) for job in made} <= {(owner.pk, True)}
    assert _record_counts() | {"core.UploadJob": 0} == before | {"core.UploadJob": 0}
    assert UploadJob.objects.count() == before["core.UploadJob"] + made.count()
    print(f"{role}: {check.requests} POSTs in {time.perf_counter() - started:.1f} s")


def test_no_one_logged_in_is_let_in_anywhere(client, world):
    client.raise_request_exception = False
    check = Check("anonymous", None)
    wrong = []
    for route, name in _routes():
        url = _url(route, world.values)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            check(method.upper(), url, response)
            if name == "accounts:login":
                continue
            if response.status_code == 405:
                ok = True  # the route does not take the method: refused before anyone is asked who they are
            elif name == ":api-schema":
                ok = response.status_code == 401  # in the schema's own format, as asked
            elif url.startswith("/api/"):
                ok = response.status_code in (401, 403) and response["Content-Type"].startswith("application/json")
            else:
                ok = response.status_code == 302 and response["Location"].startswith("/accounts/login/")
            if not ok:
                wrong.append(f"anonymous {method.upper()} {url} → {response.status_code}")
    for query in QUERIES:
        check("GET", "/households/?…", client.get(f"/households/?{query}"))
        check("GET", "/accounts/login/?…", client.get(f"/accounts/login/?{query}"))
    assert not wrong, "\n".join(wrong)
    assert not check.wrong, "\n".join(check.wrong)


def test_the_walk_would_see_county_b(client, world):
    """The markers the walk looks for are on county B's own pages: the walk can fail."""
    client.force_login(world.users[Role.COUNTY].outsider)
    assert OTHER_NAME.encode() in client.get("/households/", {"q": OTHER_NAME}).content
    client.force_login(world.users[Role.COUNTY].owner)
    assert SIBLING_NAME.encode() in client.get("/households/", {"q": SIBLING_NAME}).content
    assert OWN_NAME.encode() in client.get(f"/households/{world.own_household}/").content
