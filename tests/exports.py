"""Running a browser export as its user does (accounts.export_pages): the button's POST, the job run at once, the
job's page, and the download link on it."""

from __future__ import annotations

import re
from typing import Any

from django.test import TestCase, override_settings

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def export_start(client: Any, url: str, data: dict[str, Any] | None = None) -> Any:
    """POST the export's button (``url`` may carry the page's filters as its query string); the job runs at once.
    The response: a redirect to the job's page, or the refusal."""
    with override_settings(TASKS=IMMEDIATE), TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data or {})


def download_link(page: str) -> str:
    match = re.search(r'href="([^"]+)" data-testid="export-download"', page)
    assert match, page
    return match.group(1)


def export_download(client: Any, url: str, data: dict[str, Any] | None = None) -> Any:
    """Start the export, open the job's page and follow its download link; the download's response."""
    response = export_start(client, url, data)
    assert response.status_code == 302, response.status_code
    page = client.get(response.url)
    assert page.status_code == 200
    return client.get(download_link(page.content.decode()))


def export_content(client: Any, url: str, data: dict[str, Any] | None = None) -> bytes:
    response = export_download(client, url, data)
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)
