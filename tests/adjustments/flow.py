"""Moving an adjustment case through its procedure in tests, each step by the role that takes it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from jingzhun.accounts.models import Role
from jingzhun.adjustments.models import AdjustmentCase
from jingzhun.adjustments.services import StepInput, adjustment_step, workflow_of

ACTOR = {
    "village_review": Role.VILLAGE,
    "notice": Role.VILLAGE,
    "town_review": Role.TOWN,
    "county_decide": Role.COUNTY,
    "announce": Role.COUNTY,
}
STATUS_STEPS = ["village_review", "notice", "town_review", "county_decide"]
MEMBER_STEPS = ["town_review", "county_decide"]
NOTICE_DAYS = 7


def upload(kind: str) -> tuple[str, SimpleUploadedFile]:
    return (kind, SimpleUploadedFile(f"{kind}.jpg", b"\xff\xd8\xff\xe0 photo of " + kind.encode(), "image/jpeg"))


def step_input(case: AdjustmentCase, action: str, on: dt.date, **overrides: Any) -> StepInput:
    """What a careful user enters for ``action``: the attachment it needs, a decision's document number."""
    values: dict[str, Any] = {"on": on}
    rule = workflow_of(case.kind).rule(action)
    assert rule is not None
    if rule.attachment:
        values["attachments"] = [upload(rule.attachment)]
    if action == "county_decide":
        values["decision_no"] = "某县扶发〔2026〕12号"
    return StepInput(**(values | overrides))


def take(users: Any, case: AdjustmentCase, action: str, on: dt.date, *, user: Any = None, **overrides: Any):
    return adjustment_step(
        case_id=case.pk,
        action=action,
        user=user or users[ACTOR[action]].owner,
        expected_version=case.version,
        step=step_input(case, action, on, **overrides),
        today=on,
    )


def walk(users: Any, case: AdjustmentCase, actions: list[str], start: dt.date, **last: Any) -> AdjustmentCase:
    """Take ``actions`` in order, one day apart, except that the town review waits for the notice; ``last``
    overrides what the last step enters."""
    on = start
    for index, action in enumerate(actions):
        if action == "town_review" and case.notice_started_on:
            on = case.notice_started_on + dt.timedelta(days=NOTICE_DAYS)
        overrides = last if index == len(actions) - 1 else {}
        case = take(users, case, action, on, **overrides)
        on += dt.timedelta(days=1)
    return case
