"""Run-to-run transitions (托底清零): status in one run × status in another run (or now), with the households.

A household present on only one side appears under 「（无）」 on the other: new registrations and households
that left the scope are part of what a clean-up reports upward. Each household carries its people: its members
whose status is active (在册) now, so a cell counts households and people in the one query.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from jingzhun.core.sets import model_table
from jingzhun.registry.selectors import registry_tables

from .models import ABSENT, HouseholdResult

__all__ = ["ABSENT", "transition_counts", "transition_rows"]
ACTIVE = "active"


def transition_rows(*, from_run: int, to_run: int | None, area_prefix: str = "") -> ir.Table:
    """One row per household on either side: ``household_no, from_status, to_status, people`` (status codes, ""
    when absent; ``people``: the household's active members now, 0 when it has none)."""
    results = model_table(HouseholdResult)
    before = results.filter(results.run_id == from_run)
    if to_run is None:
        households = registry_tables()["households"]
        after = households.select(
            household_id=households.id,
            household_no=households.household_no,
            village_code=households.village_id,
            poverty_status=households.poverty_status,
        )
    else:
        after = results.filter(results.run_id == to_run)
    before = before.select(
        household_id=before.household_id,
        household_no=before.household_no,
        village_code=before.village_code,
        poverty_status=before.poverty_status,
    )
    after = after.select("household_id", "household_no", "village_code", "poverty_status")
    if area_prefix:
        before = before.filter(before.village_code.startswith(area_prefix))
        after = after.filter(after.village_code.startswith(area_prefix))
    # A full outer join of two derived tables has no index to use on SQLite and degrades to a nested loop
    # (minutes on 100,000 households); stacking both sides and grouping by household is one sort everywhere.
    absent = ibis.literal(ABSENT)
    both = before.select("household_id", "household_no", from_status=before.poverty_status, to_status=absent).union(
        after.select("household_id", "household_no", from_status=absent, to_status=after.poverty_status), distinct=False
    )
    grouped = both.group_by("household_id").aggregate(
        household_no=both.household_no.max(),
        from_status=both.from_status.max(),
        to_status=both.to_status.max(),
    )
    members = registry_tables()["members"]
    members = members.filter(members.status == ACTIVE)
    sizes = members.group_by(member_household_id=members.household_id).aggregate(people=members.count())
    joined = grouped.left_join(sizes, grouped.household_id == sizes.member_household_id)
    return joined.select(
        household_no=joined.household_no,
        from_status=joined.from_status,
        to_status=joined.to_status,
        people=joined.people.fill_null(0).cast("int64"),
    )


def transition_counts(rows: ir.Table) -> ir.Table:
    """Households and people per (from, to) cell."""
    return (
        rows.group_by(["from_status", "to_status"])
        .aggregate(households=rows.count(), people=rows.people.sum().cast("int64"))
        .order_by(["from_status", "to_status"])
    )
