"""Supervision panels that pages of other apps show: ``{% load supervision %}``.

A page of a lower app (the department clerk's landing in ``crosscheck``, a data-comparison clue) may not import
supervision (the layers contract, pyproject.toml); its template loads these tags instead, and they read through
supervision's own scoped selectors.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from jingzhun.accounts.permissions import Capability, user_can

from .. import selectors, services

register = template.Library()


@register.inclusion_tag("supervision/_queue_summary.html", takes_context=True)
def finding_queue_summary(context: template.Context) -> dict[str, Any]:
    """An assignee's open and late parts, with a link to its queue (nothing for other users)."""
    user = context.get("user")
    if not user_can(user, Capability.RECTIFY_FINDINGS):
        return {"show": False}
    days = services.supervision_rules().reminder_days
    counts = selectors.queue_counts(user=user, today=timezone.localdate(), days=days)
    return {"show": True, "counts": counts, "reminder_days": days}


@register.inclusion_tag("supervision/_clue_findings.html", takes_context=True)
def clue_findings(context: template.Context, clue: Any) -> dict[str, Any]:
    """A clue's findings the user may see, and the one-click button to raise one for a user who records findings."""
    user = context.get("user")
    sees = user_can(user, Capability.VIEW_FINDINGS)
    findings = list(selectors.findings_for_user(user=user).filter(clue_id=clue.pk).order_by("number")) if sees else []
    return {
        "clue": clue,
        "findings": findings,
        "may_record": user_can(user, Capability.RECORD_FINDINGS) and not findings,
        "csrf_token": context.get("csrf_token"),
    }
