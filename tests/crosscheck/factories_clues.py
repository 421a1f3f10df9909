"""Factories for the clue rules' tests: department batches, list rows and accepted matches made directly (the
matching engine is not needed to test the rules), and members of a given age on the comparison date."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from factory.django import DjangoModelFactory

from jingzhun.crosscheck.models import Batch, Match, Row
from tests.factories import MemberFactory

AS_OF = dt.date(2026, 6, 30)


class BatchFactory(DjangoModelFactory):
    class Meta:
        model = Batch

    department = "education"
    source = factory.LazyAttribute(lambda o: f"县{o.department}部门")
    as_of = AS_OF
    file_name = factory.Sequence(lambda n: f"list{n}.xlsx")
    sha256 = factory.Sequence(lambda n: f"{n:064d}")


class RowFactory(DjangoModelFactory):
    class Meta:
        model = Row

    batch = factory.SubFactory(BatchFactory)
    row_no = factory.Sequence(lambda n: n + 2)
    name = "某人"
    id_raw = factory.LazyAttribute(lambda o: o.id_number)
    id_number = factory.Sequence(lambda n: f"1{n:017d}")


def born_aged(age: int, *, on: dt.date = AS_OF, days_before_birthday: int = 0) -> dt.date:
    """A birth date making someone exactly ``age`` on ``on`` (their birthday is ``on``, minus ``days_before``…)."""
    born = on.replace(year=on.year - age)
    return born + dt.timedelta(days=days_before_birthday) if days_before_birthday else born


def member_aged(age: int, **kwargs: Any) -> Any:
    return MemberFactory(birth_date=born_aged(age), **kwargs)


def listed(member: Any, batch: Batch, *, state: str = "auto", **columns: Any) -> Row:
    """A row of ``batch`` for ``member`` with an accepted (or ``state``) match to them."""
    row = RowFactory(batch=batch, name=member.name, id_number=member.id_number, **columns)
    Match.objects.create(row=row, member=member, method="id", confidence=100, state=state)
    return row


def unmatched(batch: Batch, **columns: Any) -> Row:
    """A row that matches nobody."""
    return RowFactory(batch=batch, **columns)
