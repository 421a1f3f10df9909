"""What the three registers (公益岗位, 扶贫小额信贷, 雨露计划) share: who may keep them, which register rows a
department clerk sees, finding a member by ID number inside the user's area, and ID numbers as a page shows them.

The registers are kept by the county and town offices (``MANAGE_BENEFIT_REGISTERS``); their money goes out as
benefit payments (:func:`.payment_services.payment_record`), which the county or the benefit's department records.
A department clerk reads the register rows of its department's benefits only.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from jingzhun.accounts.permissions import Capability, user_can, user_sees_id_numbers
from jingzhun.areas.models import Area, Level
from jingzhun.core import idnumber
from jingzhun.core.scope import SYSTEM, scoped
from jingzhun.registry.models import Member
from jingzhun.registry.vocab import MemberStatus

from .selectors import catalogue_in_force

CENT = Decimal("0.01")


class RegisterRefused(Exception):
    """A register write that cannot be done; the message is in Chinese and says why."""


def cents(value: Decimal) -> Decimal:
    """``value`` to the cent, half up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def register_manage_check(user: Any) -> None:
    """Refuse a user who may not keep the registers (the county and town offices may)."""
    if user is not SYSTEM and not user_can(user, Capability.MANAGE_BENEFIT_REGISTERS):
        raise PermissionDenied("您的角色不能维护公益岗位、小额信贷和雨露计划台账。")


def department_codes(user: Any) -> list[str] | None:
    """The benefit codes a department clerk's department owns; ``None`` for every other user (no such limit)."""
    if getattr(user, "role", "") != "department":
        return None
    return [b.code for b in catalogue_in_force().for_department(getattr(user, "department", ""))]


def department_sees(user: Any, code: str) -> bool:
    """Whether the user may see register rows of benefit ``code`` (a department clerk: its own benefits only)."""
    codes = department_codes(user)
    return codes is None or code in codes


def villages_for_user(*, user: Any) -> QuerySet[Area]:
    """The villages of the user's area, by code."""
    return scoped(Area.objects.filter(level=Level.VILLAGE), user, "code").order_by("code")


def member_find(*, user: Any, id_number: str, village: Area | None = None) -> Member:
    """The active member with this ID number in a household of the user's area (and of ``village`` if given)."""
    number = idnumber.normalize(id_number or "")
    members = scoped(
        Member.objects.filter(id_number=number, status=MemberStatus.ACTIVE).select_related("household__village"),
        user,
        "household__village__code",
        household="household",
    )
    if village is not None:
        members = members.filter(household__village=village)
    found = list(members[:2])
    shown = idnumber.mask(number) if number else "（空）"
    where = f"「{village.name}」" if village is not None else "您的管辖区域内"
    if not found:
        raise RegisterRefused(f"{where}没有证件号码为 {shown} 的在册成员（已故、迁出的成员不能登记）。")
    if len(found) > 1:
        raise RegisterRefused(f"证件号码 {shown} 登记在不止一户中，请先在农户档案中核实。")
    return found[0]


def id_shown(user: Any, number: str) -> str:
    """An ID number as the user may see it: whole for a user granted the right, masked otherwise."""
    return number if user_sees_id_numbers(user) else idnumber.mask(number)


def add_months(on: dt.date, months: int) -> dt.date:
    """``on`` plus ``months`` calendar months; a day the month lacks becomes its last day (1-31 + 1 → 2-28)."""
    index = on.year * 12 + on.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(on.day, last))
