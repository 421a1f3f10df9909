"""Every page under ``jingzhun serve`` with production settings, in a real browser: 200, with all its files.

Production settings serve the static files under hashed names from the manifest, so a template naming a file
that is not there answers HTTP 500 there and nowhere else (the other browser tests run with the development
storage, which lets it pass): that hid a 500 on the page after every browser upload. Here the server is a real
``jingzhun serve`` process, as an office runs it: waitress, WhiteNoise, the manifest, its task worker.

The routes are read from the URL configuration, so a page added later is walked too; a route whose parameters
the walk cannot fill fails until tests/web/production_data.py makes the record it needs.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser import DESKTOP
from tests.crosscheck.factories_lists import list_row, write_list_csv
from tests.factories import TEST_PASSWORD
from tests.registry.ledger_files import family, write_csv
from tests.served import Server

from . import production_data
from .test_scope_walk import _routes, _url

pytestmark = pytest.mark.browser

# Who walks which page: each administrator their own pages, a helper the page of their own households, the
# county office every other page (it sees the whole county).
WALKER_BY_PREFIX = {
    "accounts:system": "system_admin",
    "accounts:security": "security_admin",
    "accounts:audit": "audit_admin",
    "accounts:approval": "security_admin",
    "assistance:mine": "helper",
    "supervision:queue": "town",  # the queue of an assignee (the county office rectifies nothing)
    "crosscheck:feedback": "department",  # the clues sent back to a department, and its answer
}
# Routes that only take a form's POST (or an API write): a GET is refused as such. Everything else is a page.
POST_ONLY = {
    "accounts:logout",
    "accounts:system_account_active",
    "accounts:security_unlock",
    "accounts:approval_decide",
    "accounts:security_token_issue",
    "accounts:security_token_revoke",
    "accounts:my_token_collect",
    "accounts:my_token_revoke",
    "registry:household_unmask",
    "registry:household_event_add",
    "monitoring:case_tier",
    "assistance:helper_pair",
    "assistance:pairing_end",
    "assistance:team_attendance",
    "assistance:follow_up_close",
    "assistance:helper_deactivate",
    "assistance:team_end",
    "crosscheck:review_confirm",
    "crosscheck:review_reject",
    "policy:run_start",
    ":api-case-step",
    "supervision:finding_from_clue",
    "crosscheck:clue_send_back",
    "projects:distribution_pay",
    "supervision:finding_from_project_problem",
    "benefits:gap_compute",
    "benefits:loan_repay",
    "benefits:post_end",
    "benefits:post_attendance",
    "benefits:attendance_pay",
    "benefits:posts_month_pay",
    "benefits:student_pay",
}
# The browser exports (accounts.export_pages): the start takes the button's POST only; the walk's job is an import,
# which no export's job page or download confirms ("not found": another kind's job). An export's pages with its
# own job are tested in tests/core/test_exports.py.
EXPORTS = {
    "benefits:gap_export",
    "benefits:payment_export",
    "benefits:unentitled_export",
    "crosscheck:clue_export",
    "monitoring:export_instant_help",
    "monitoring:export_monitoring",
    "projects:distribution_export",
    "projects:fund_ledger_export",
    "projects:library_export",
    "registry:ledger_export",
    "supervision:export_ledger",
}
POST_ONLY |= EXPORTS
NOT_FOUND = {f"{name}{page}" for name in EXPORTS for page in ("_job", "_download")}
# Routes that send the walker on to another page, which is walked in its own right.
REDIRECTS = {
    "accounts:login": "/",  # already logged in
    "assistance:index": "/assistance/helpers/",  # the county office is not a helper
}


@dataclass
class Site:
    server: Server
    users: dict[str, str]
    values: dict[str, Any]


@pytest.fixture(scope="module")
def site(_migrated_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data_dir = tmp_path_factory.mktemp("production-walk") / "data"
    shutil.copytree(_migrated_data_dir, data_dir)
    seeded = production_data.write(data_dir)
    server = Server(data_dir)
    yield Site(server=server, users=seeded["users"], values=seeded["values"])
    server.stop()


class Walker:
    """A logged-in browser context that records every failed load and script error on its pages."""

    def __init__(self, browser: Browser, site: Site, role: str) -> None:
        self.base = site.server.url
        self.context: BrowserContext = browser.new_context(viewport=DESKTOP, locale="zh-CN")
        self.context.set_default_timeout(30_000)
        self.page: Page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))
        self.page.on("requestfailed", lambda r: self.problems.append(f"{r.url}: {r.failure}"))
        self.page.on("response", lambda r: self.problems.append(f"{r.url} → {r.status}") if r.status >= 400 else None)
        self.page.goto(f"{self.base}/accounts/login/")
        self.page.get_by_label("用户名").fill(site.users[role])
        self.page.get_by_label("密码").fill(TEST_PASSWORD)
        self.page.get_by_role("button", name="登录").click()
        expect(self.page).not_to_have_url(f"{self.base}/accounts/login/")
        # The first page's own loads (the dashboard's charts) end before the walk moves on: a navigation would
        # abort them and they would count as failed.
        self.page.wait_for_load_state("networkidle")
        assert self.problems == []

    def visit(self, path: str) -> tuple[int | str, list[str]]:
        """GET ``path``: its status (where a redirect leads), and the problems of the page if it is one (scripts,
        styles, CSP)."""
        self.problems.clear()
        response = self.context.request.get(f"{self.base}{path}", max_redirects=0)
        if response.status in (301, 302, 303, 307, 308):
            return response.headers.get("location", ""), []
        if response.status != 200 or not response.headers.get("content-type", "").startswith("text/html"):
            return response.status, []  # a download, an API answer or a refusal: nothing for a browser to render
        shown = self.page.goto(f"{self.base}{path}")
        assert shown is not None
        self.page.wait_for_load_state("networkidle")
        return shown.status, list(self.problems)

    def close(self) -> None:
        self.context.close()


def _walker_for(name: str) -> str:
    for prefix, role in WALKER_BY_PREFIX.items():
        if name.startswith(prefix):
            return role
    return "county"


def test_every_page_answers_200_under_production_settings(browser, site):
    walkers: dict[str, Walker] = {}
    wrong: dict[str, tuple[int | str, list[str]]] = {}
    walked = 0
    for route, name in _routes():
        role = _walker_for(name)
        if role not in walkers:
            walkers[role] = Walker(browser, site, role)
        path = _url(route, site.values)
        status, problems = walkers[role].visit(path)
        expected = REDIRECTS.get(name, 405 if name in POST_ONLY else 404 if name in NOT_FOUND else 200)
        if status != expected or problems:
            wrong[f"{role} GET {path} ({name})"] = (status, problems)
        walked += 1
    for walker in walkers.values():
        walker.close()

    assert wrong == {}
    assert walked > 60


def test_browser_uploads_run_in_the_worker_and_their_progress_pages_load(browser, site, tmp_path):
    walker = Walker(browser, site, "county")
    page = walker.page

    ledger = write_csv(tmp_path / "四月台账.csv", family("H101") + family("H102", 证件号码="370125198001010000"))
    page.goto(f"{walker.base}/imports/")
    page.get_by_label("台账文件（.xlsx 或 .csv）").set_input_files(str(ledger))
    page.get_by_role("button", name="导入").click()
    expect(page.get_by_test_id("import-status")).to_have_attribute("data-status", "done", timeout=120_000)
    expect(page.get_by_test_id("import-summary")).to_contain_text("未导入 1 户")

    listed = write_list_csv(tmp_path / "教体局四月.csv", [list_row("education"), list_row("education")])
    page.goto(f"{walker.base}/crosscheck/imports/")
    form = page.get_by_test_id("list-import-form")
    form.locator("input[type=file]").set_input_files(str(listed))
    form.locator("input[type=date]").fill(dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat())
    form.get_by_role("button", name="导入").click()
    expect(page.get_by_test_id("import-status")).to_have_attribute("data-status", "done", timeout=120_000)
    expect(page.get_by_test_id("import-summary")).to_contain_text("2")

    assert walker.problems == []
    walker.close()


def test_an_assessment_started_in_the_browser_runs_in_the_worker(browser, site):
    walker = Walker(browser, site, "county")
    page = walker.page
    page.goto(f"{walker.base}/assessments/")
    page.get_by_label("年度").select_option("2019")
    page.get_by_test_id("assess-start").click()
    expect(page.get_by_test_id("assess-status")).to_have_attribute("data-status", "done", timeout=120_000)
    page.get_by_test_id("assess-run").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("2019")
    assert walker.problems == []
    walker.close()
