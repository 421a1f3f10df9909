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
        page = self.client.get("/accounts/login/", name="login page")
        token = _CSRF.search(page.text)
        self.client.post(
            "/accounts/login/",
            data={
                "username": f"bench-user-{number}",
                "password": os.environ["JZ_BENCH_PASSWORD"],
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="login",
        )
        self.county = os.environ.get("JZ_BENCH_COUNTY", "371525")

    @task(1)
    def dashboard(self) -> None:
        self.client.get("/", name="dashboard")

    @task(2)
    def search(self) -> None:
        kind = random.random()
        if kind < 0.5:
            query = random.choice(_SURNAMES) + random.choice(["", "建", "秀", "国", "明"])
        elif kind < 0.8:
            query = f"{self.county}{random.randint(101, 113)}"
        else:
            query = f"{random.randint(0, 9999):04d}"
        self.client.get("/households/", params={"q": query}, name="household search")
