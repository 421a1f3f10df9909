"""Reads of the household benefit card (明白卡) for a whole village: a village prints all its cards in one file,
so its entitlements are computed live for the village in one query (the same plan as
:func:`jingzhun.benefits.gap_selectors.household_entitlements` computes for one household, so a card says the
same printed alone or with its village: the tests hold them to it), with the members and payments in two more."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import Q

from jingzhun.core.sets import compile_sql
from jingzhun.registry.models import Member

from .catalogue import Catalogue
from .entitlement_services import catalogue_resolve
from .entitlements import entitlement_rows_of_area, source_tables
from .gap_selectors import EntitlementLine
from .models import Payment


def village_entitlements(
    *, village_code: str, year: int, catalogue: Catalogue | str | None = None
) -> dict[int, list[EntitlementLine]]:
    """Each household's entitlements of ``year`` in the village (by household id), computed now, with what was
    paid for each (a payment dated in the year; for a benefit paid once, in any year up to it). The caller has
    checked the village is in the user's scope."""
    chosen = catalogue_resolve(catalogue)
    sql = compile_sql(entitlement_rows_of_area(source_tables(), chosen, year, area_prefix=village_code))
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = [(str(b), int(h), None if m is None else int(m), int(a)) for b, h, m, a in cursor.fetchall()]
    if not rows:
        return {}
    members = {m.pk: m for m in Member.objects.filter(household__village_id=village_code)}
    once = [code for code, b in chosen.benefits.items() if b.period == "once"]
    paid: dict[tuple[str, int, int | None], Decimal] = defaultdict(Decimal)
    payments = Payment.objects.filter(
        Q(year=year) | Q(benefit__in=once, year__lt=year), household__village_id=village_code
    )
    for benefit, paid_to, member_id, amount in payments.values_list("benefit", "household_id", "member_id", "amount"):
        unit_member: int | None = member_id if (b := chosen.get(benefit)) is not None and b.per_member else None
        paid[(benefit, paid_to, unit_member)] += amount
    lines: dict[int, list[EntitlementLine]] = defaultdict(list)
    for code, household_id, entitled, cents in sorted(rows, key=lambda r: (r[1], r[0], r[2] or 0)):
        got = paid.get((code, household_id, entitled), Decimal(0))
        lines[household_id].append(
            EntitlementLine(
                benefit=chosen.benefits[code],
                member=members.get(entitled) if entitled is not None else None,
                amount=Decimal(cents).scaleb(-2),
                paid=got,
                received=got > 0,
            )
        )
    return dict(lines)
