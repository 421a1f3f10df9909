"""The 雨露计划 pages, under /benefits/registers/students/: the year's students with whether their aid was paid,
a new student, paying a student's aid."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingzhun.accounts.decorators import capability_required
from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.core.params import query_choice, query_int, query_text

from . import student_selectors as selectors
from .models import StudentLevel
from .post_forms import PayForm
from .register_common import RegisterRefused, id_shown
from .student_forms import StudentForm
from .student_services import student_aid, student_create, student_pay

view_benefits = capability_required(Capability.VIEW_BENEFITS)
manage_registers = capability_required(Capability.MANAGE_BENEFIT_REGISTERS)
record_payments = capability_required(Capability.RECORD_BENEFIT_PAYMENTS)
LIMIT = 300


@require_GET
@view_benefits
def student_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    today = timezone.localdate()
    year = query_int(request.GET, "year", low=2013, high=today.year + 1) or today.year
    chosen = {
        "school": query_text(request.GET, "school", max_length=60),
        "level": query_choice(request.GET, "level", StudentLevel.values),
        "paid": query_choice(request.GET, "paid", ["yes", "no"]),
    }
    rows = selectors.student_rows(user=user, year=year, **chosen)
    total = rows.count()
    students = list(rows[:LIMIT])
    for student in students:
        student.member_id_shown = id_shown(user, student.member.id_number)  # type: ignore[attr-defined]
    try:
        aid = student_aid(year=year)
    except RegisterRefused:
        aid = None
    context = {
        "students": students,
        "total": total,
        "limited": total > LIMIT,
        "limit": LIMIT,
        "year": year,
        "years": sorted({*selectors.student_years(user=user), today.year, year}, reverse=True),
        "levels": StudentLevel.choices,
        "chosen": chosen,
        "aid": aid,
        "today": today,
        "may_manage": user_can(user, Capability.MANAGE_BENEFIT_REGISTERS),
        "may_pay": user_can(user, Capability.RECORD_BENEFIT_PAYMENTS),
    }
    return render(request, "benefits/student_list.html", context)


@require_http_methods(["GET", "POST"])
@manage_registers
def student_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = StudentForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            student = student_create(user=user, member_id_number=values.pop("member"), **values)
        except RegisterRefused as refused:
            error = str(refused)
        else:
            messages.success(request, _("Student recorded."))
            return redirect(f"{reverse('benefits:student_list')}?year={student.year}")
    return render(request, "benefits/student_form.html", {"form": form, "error": error}, status=400 if error else 200)


@require_POST
@record_payments
def student_pay_view(request: HttpRequest, student_id: int) -> HttpResponse:
    user: Any = request.user
    student = selectors.student_get_for_user(user=user, student_id=student_id)
    form = PayForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("paid_on", [])))
    else:
        try:
            student_pay(user=user, student=student, paid_on=form.cleaned_data["paid_on"])
        except (RegisterRefused, PermissionDenied) as refused:
            messages.error(request, str(refused) or _("You may not pay this aid."))
        else:
            messages.success(request, _("Aid paid."))
    return redirect(f"{reverse('benefits:student_list')}?year={student.year}")
