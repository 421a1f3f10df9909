"""Moving a case through the workflow in tests, each step by the role that takes it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from jingzhun.accounts.models import Role
from jingzhun.monitoring.models import Attachment, MonitoringCase
from jingzhun.monitoring.services import STEPS, StepInput, case_step

# The role that takes each action in these tests.
ACTOR = {
    "home_check": Role.VILLAGE,
    "consent": Role.VILLAGE,
    "compare": Role.TOWN,
    "village_review": Role.VILLAGE,
    "notice": Role.VILLAGE,
    "town_review": Role.TOWN,
    "county_decide": Role.COUNTY,
    "propose_elimination": Role.VILLAGE,
    "elimination_village_review": Role.VILLAGE,
    "elimination_notice": Role.VILLAGE,
    "elimination_town_review": Role.TOWN,
    "county_eliminate": Role.COUNTY,
}
IDENTIFICATION = ["home_check", "consent", "compare", "village_review", "notice", "town_review", "county_decide"]
ELIMINATION = [
    "propose_elimination",
    "elimination_village_review",
    "elimination_notice",
    "elimination_town_review",
    "county_eliminate",
]


def upload(kind: str) -> tuple[str, SimpleUploadedFile]:
    return (kind, SimpleUploadedFile(f"{kind}.jpg", b"\xff\xd8\xff\xe0 photo of " + kind.encode(), "image/jpeg"))


def step_input(action: str, on: dt.date, **overrides: Any) -> StepInput:
    """What a careful user enters for ``action``: the attachment it needs, a comparison note, a decision."""
    values: dict[str, Any] = {"on": on}
    rule = STEPS[action]
    if rule.attachment:
        values["attachments"] = [upload(rule.attachment)]
    if action == "compare":
        values["note"] = "民政、医保、人社数据无异常"
    if action == "county_decide":
        values |= {"category": "unstable", "risk_types": ["01"]}
    return StepInput(**(values | overrides))


def take(users: Any, case: MonitoringCase, action: str, on: dt.date, *, today: dt.date | None = None, **overrides: Any):
    user = users[ACTOR[action]].owner
    return case_step(
        case_id=case.pk,
        action=action,
        user=user,
        expected_version=case.version,
        step=step_input(action, on, **overrides),
        today=today or on,
    )


def walk(users: Any, case: MonitoringCase, actions: list[str], start: dt.date) -> MonitoringCase:
    """Take ``actions`` in order, one day apart, except that the town review waits for the notice."""
    on = start
    for action in actions:
        if action in ("town_review", "elimination_town_review"):
            on += dt.timedelta(days=5)
        case = take(users, case, action, on)
        on += dt.timedelta(days=1)
    return case


__all__ = ["ACTOR", "ELIMINATION", "IDENTIFICATION", "Attachment", "step_input", "take", "upload", "walk"]
