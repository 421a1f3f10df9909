"""Locust users for ``bench/web_load.py``: county officials opening the dashboard and searching households.

Each simulated user logs in once with its own account (``bench-user-N``, password in ``JZ_BENCH_PASSWORD``)
and then alternates between the dashboard and a household search, the two pages the issue measures.
"""

from __future__ import annotations

import itertools
import os
import random
import re

from locust import HttpUser, between, task

_numbers = itertools.count()
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# What an office types into the search box: a surname, a 户编号 prefix, the last digits of an ID number.
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"


class Official(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
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

    @task(1)
    def dashboard(self) -> None:
        self._page("/", "dashboard", 'data-testid="total-households"')

    @task(2)
    def search(self) -> None:
        kind = random.random()
        if kind < 0.5:
            query = random.choice(_SURNAMES) + random.choice(["", "建", "秀", "国", "明"])
        elif kind < 0.8:
            query = f"{self.county}{random.randint(101, 113)}"
        else:
            query = f"{random.randint(0, 9999):04d}"
        self._page("/households/", "household search", 'name="q"', q=query)
