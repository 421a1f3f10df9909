"""The pages the web benchmark's ``Browsing`` users go round, found as a county official's browser finds them;
shared by bench/locustfile.py and bench/web_load.py (which must not import locust: gevent patches threads)."""

from __future__ import annotations

import re

NAV = re.compile(r'class="site-nav__link" href="([^"]+)"')
RUN = re.compile(r'href="(/assessments/\d+/)"')
# Pages behind the dashboard's figures that the navigation bar does not name.
EXTRA_PAGES = ["/reports/dashboard/", "/assistance/coverage/", "/assistance/not-visited/", "/monitoring/instant-help/"]


def pages_from(home: str, runs: str) -> list[str]:
    """The navigation bar's pages (the accounts' own pages left out), the extra pages and the latest run's page,
    from the HTML of the home page and of the run list."""
    links = [link for link in NAV.findall(home) if link.startswith("/") and "/accounts/" not in link]
    run = RUN.search(runs)
    return list(dict.fromkeys([*links, *EXTRA_PAGES, *([run.group(1)] if run else [])]))
