"""Reads of the 雨露计划 register: students of households in the user's area (a department clerk: if its
department pays the aid), each with whether the aid of its year was paid."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import Http404

from jingzhun.core.scope import scoped

from .models import Payment, Student
from .register_common import department_sees
from .student_services import AID_BENEFIT


def students_for_user(*, user: Any) -> QuerySet[Student]:
    """Students of households in the user's area; none for a department clerk whose department does not pay B01."""
    if not department_sees(user, AID_BENEFIT):
        return Student.objects.none()
    return scoped(Student.objects.all(), user, "household__village__code", household="household")


def student_get_for_user(*, user: Any, student_id: int) -> Student:
    student = students_for_user(user=user).filter(pk=student_id).first()
    if student is None:
        raise Http404
    return student


def student_rows(*, user: Any, year: int, school: str = "", level: str = "", paid: str = "") -> QuerySet[Student]:
    """The students of ``year``, filtered by school (a part of its name), level and paid (``yes`` / ``no``), each
    with ``paid_on``: the date the aid of its year was paid (None: not yet)."""
    aid = Payment.objects.filter(benefit=AID_BENEFIT, member=OuterRef("member"), year=OuterRef("year"))
    students = students_for_user(user=user).filter(year=year).select_related("member", "household__village")
    if school:
        students = students.filter(school__contains=school)
    if level:
        students = students.filter(level=level)
    students = students.annotate(paid=Exists(aid), paid_on=Subquery(aid.order_by("paid_on").values("paid_on")[:1]))
    if paid == "yes":
        students = students.filter(paid=True)
    elif paid == "no":
        students = students.filter(paid=False)
    return students.order_by("household__village_id", "school", "member__name", "id")


def student_years(*, user: Any) -> list[int]:
    return list(students_for_user(user=user).values_list("year", flat=True).distinct().order_by("-year"))
