from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from jingzhun.accounts.models import Role
from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.benefits import gap_selectors as benefit_gaps
from jingzhun.core.cache import computed_once
from jingzhun.core.scope import household_limited, scope_key, scope_prefix
from jingzhun.monitoring import selectors as monitoring_selectors
from jingzhun.policy import selectors as policy_selectors
from jingzhun.registry import selectors

VILLAGES_CHARTED = 30
# Where a role starts that has its own work rather than the dashboard: the roles without people data, and the
# inspector (督导检查), whose work is the supervision findings.
ROLE_LANDING: dict[str, str] = {
    Role.DEPARTMENT: "crosscheck:batch_list",
    Role.INSPECTOR: "supervision:finding_list",
    Role.SYSTEM_ADMIN: "accounts:system_accounts",
    Role.SECURITY_ADMIN: "accounts:security_accounts",
    Role.AUDIT_ADMIN: "accounts:audit_events",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard of the user's area: the registry by status and village, and the latest run's outcomes."""
    user = request.user
    # Administrators and department clerks never see people data, and inspectors work on findings: each lands on
    # its own pages.
    landing = ROLE_LANDING.get(getattr(user, "role", ""))
    if landing:
        return redirect(landing)
    if not user_can(user, Capability.VIEW_PEOPLE):
        return render(request, "web/home.html", {"no_people_data": True})
    summary = selectors.household_summary_cached_for_user(user=user)
    context: dict[str, Any] = {
        "summary": summary,
        # Deadlines are dates, and the cases' version holds the date: the counts hold while it does.
        "monitoring": computed_once(
            f"jingzhun:home:cases:{scope_key(user)}:{monitoring_selectors.cases_version()}",
            lambda: monitoring_selectors.monitoring_summary_for_user(user=user),
            timeout=24 * 3600,
        ),
    }
    # A helper sees only its own households: the latest run's figures for them, not for its village.
    households_only = household_limited(user)
    if households_only:
        run = policy_selectors.run_latest_for_households_of(user=user) if summary["area"] else None
    else:
        run = policy_selectors.run_latest_for_user(user=user) if summary["area"] else None
    chart: dict[str, Any] = {
        "status": [
            {
                "status": str(row["status"]),
                "label": str(row["label"]),
                "households": row["households"],
                "people": row["people"],
            }
            for row in summary["by_status"]
        ]
    }
    if run is not None and households_only:
        outcomes = policy_selectors.run_summary_for_user(user=user, run=run)
        context.update(run=run, outcomes=outcomes, households_only=True)
        for row in summary["by_village"]:  # incidence is a village's figure, not its helpers' households'
            row["incidence_pct"] = row["exit_eligible"] = None
        chart["tiers"] = policy_selectors.tier_counts(summary=outcomes)
    elif run is not None:
        prefix = scope_prefix(user) or ""
        # A run never changes once written: its figures for a scope can be kept as long as the run.
        outcomes, villages = computed_once(
            f"jingzhun:run:{run.pk}:{prefix}",
            lambda: (
                policy_selectors.run_summary(run=run, area_prefix=prefix),
                policy_selectors.village_incidence_for_scope(run=run, area_prefix=prefix),
            ),
            timeout=24 * 3600,
        )
        incidence = {v["area_code"]: v for v in villages}
        for row in summary["by_village"]:
            found = incidence.get(row["village_id"])
            row["incidence_pct"] = found["incidence_pct"] if found else None
            row["exit_eligible"] = found["exit_eligible"] if found else None
        context.update(
            run=run,
            outcomes=outcomes,
            area_result=policy_selectors.area_result_for_code(run=run, area_code=user.area.code),  # type: ignore[union-attr]
        )
        chart["tiers"] = policy_selectors.tier_counts(summary=outcomes)
        chart["villages"] = [
            {"name": v["name"], "incidence": float(v["incidence_pct"])}
            for v in villages[:VILLAGES_CHARTED]
            if v["incidence_pct"] is not None
        ]
    context["chart"] = chart
    if user_can(user, Capability.VIEW_BENEFITS) and not households_only:
        context["benefits"] = benefit_gaps.gap_counts_for_user(user=user)
    # Exits (摘帽) of the poor villages listed: one query; none for a helper, who sees households, not villages.
    exits = policy_selectors.area_exits_for_codes(
        user=user, codes=[row["village_id"] for row in summary["by_village"] if row.get("village__poor_village")]
    )
    for row in summary["by_village"]:
        row["exit"] = exits.get(row["village_id"])
    # The village table is the page's largest part (one row per village of a county): its HTML is kept for
    # as long as the data and the language it was made from.
    context["fragment_key"] = ":".join(
        [
            scope_key(user),  # a helper's table (its own households) is not its village's
            summary["version"],
            str(run.pk if run else 0),
            str(policy_selectors.area_exits_version()),  # an exit recorded shows at once
            request.LANGUAGE_CODE,
        ]
    )
    return render(request, "web/home.html", context)
