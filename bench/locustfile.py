"""Locust users for ``bench/web_load.py``: county officials at work.

Each simulated user logs in once with its own account (``bench-user-N``, password in ``JZ_BENCH_PASSWORD``).
``Official`` (the default) alternates between the dashboard and a household search, the two pages issue 4
measured, with a pause of 0.5–1.5 s between pages. ``Browsing`` (``JZ_BENCH_MODE=nav``) goes round every page
of the navigation bar as the home page shows it to a county official, plus the pages behind the figures an
office opens most (a household search by name, 户编号 and ID tail, the latest assessment run, the leadership
dashboard, visit coverage, households not visited, instant help); with ``JZ_BENCH_SATURATE=1`` it never pauses
(the saturating load of issue 26).
"""

from __future__ import annotations

import itertools
import os
import random
import re

from locust import HttpUser, between, constant, task

from web_pages import pages_from

_numbers = itertools.count()
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# What an office types into the search box: a surname, a 户编号 prefix, the last digits of an ID number.
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"


def _query() -> str:
    """What an office types into the search box: a surname, a 户编号 prefix, the last digits of an ID number."""
    kind = random.random()
    if kind < 0.5:
        return random.choice(_SURNAMES) + random.choice(["", "建", "秀", "国", "明"])
    if kind < 0.8:
        return f"{os.environ.get('JZ_BENCH_COUNTY', '371525')}{random.randint(101, 113)}"
    return f"{random.randint(0, 9999):04d}"


class _Office(HttpUser):
    """A county official's logged-in browser (its own session) and how a page is checked."""

    abstract = True

    def _log_in(self) -> None:
        number = next(_numbers) % int(os.environ.get("JZ_BENCH_USERS", "20"))
        self.county = os.environ.get("JZ_BENCH_COUNTY", "371525")
        sessions = os.environ.get("JZ_BENCH_SESSIONS", "")
        if sessions:
            # Logged in beforehand (web_load.py): each user reuses its own session.
            self.client.cookies.set("sessionid", sessions.split(",")[number])
            return
        page = self.client.get("/accounts/login/", name="login page")
        token = _CSRF.search(page.text)
        response = self.client.post(
            "/accounts/login/",
            data={
                "username": f"bench-user-{number}",
                "password": os.environ["JZ_BENCH_PASSWORD"],
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="login",
        )
        if "/accounts/login/" in response.url:
            raise RuntimeError(f"bench-user-{number} could not log in")

    def _page(self, path: str, name: str, marker: str, **params: str) -> None:
        """GET a page and count it as failed unless it is the page itself (not a login redirect)."""
        with self.client.get(path, params=params, name=name, catch_response=True) as response:
            if "/accounts/login/" in response.url or marker not in response.text:
                response.failure(f"not the {name} page: {response.url}")


class Official(_Office):
    """The dashboard and a household search, two searches for each dashboard."""

    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self._log_in()

    @task(1)
    def dashboard(self) -> None:
        self._page("/", "dashboard", 'data-testid="total-households"')

    @task(2)
    def search(self) -> None:
        self._page("/households/", "household search", 'name="q"', q=_query())


class Browsing(_Office):
    """Every page of the navigation bar and the pages behind the dashboard's figures, in turn."""

    wait_time = constant(0) if os.environ.get("JZ_BENCH_SATURATE") == "1" else between(0.5, 1.5)

    def on_start(self) -> None:
        self._log_in()
        home = self.client.get("/", name="start: home")
        runs = self.client.get("/assessments/", name="start: runs")
        self.pages = pages_from(home.text, runs.text)
        self.pages.append("search")
        self.turn = random.randrange(len(self.pages))

    @task
    def next_page(self) -> None:
        self.turn = (self.turn + 1) % len(self.pages)
        page = self.pages[self.turn]
        if page == "search":
            self._page("/households/", "/households/?q=", 'name="q"', q=_query())
        else:
            name = re.sub(r"/\d+/", "/<id>/", page)
            self._page(page, name, "</html>")
