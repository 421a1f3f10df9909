"""The post register pages (公益岗位), under /benefits/registers/posts/: the list with the month's set-based pay,
a new post, a post with its months (attendance, pay a wage, edit, end). Reads go through
:mod:`.post_selectors`; the services decide and their Chinese refusals are shown as they are."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingzhun.accounts.decorators import capability_required
from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.core.params import query_choice
from jingzhun.core.scope import in_scope

from . import post_selectors as selectors
from .models import Attendance
from .post_forms import AttendanceForm, MonthPayForm, PayForm, PostEditForm, PostEndForm, PostForm, kind_choices
from .post_services import (
    attendance_pay,
    attendance_record,
    post_create,
    post_end,
    post_kind_name,
    post_update,
    posts_month_pay,
)
from .register_common import RegisterRefused, id_shown, villages_for_user

view_benefits = capability_required(Capability.VIEW_BENEFITS)
manage_registers = capability_required(Capability.MANAGE_BENEFIT_REGISTERS)
record_payments = capability_required(Capability.RECORD_BENEFIT_PAYMENTS)
LIMIT = 300  # rows a list shows; the filters narrow it


def _village_choices(user: Any) -> list[tuple[str, str]]:
    return [(v.code, v.name) for v in villages_for_user(user=user)]


@require_GET
@view_benefits
def post_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    today = timezone.localdate()
    villages = _village_choices(user)
    chosen = {
        "village": query_choice(request.GET, "village", [code for code, _name in villages]),
        "kind": query_choice(request.GET, "kind", [code for code, _name in kind_choices()]),
        "current": query_choice(request.GET, "current", ["yes", "no"]),
    }
    rows = selectors.post_rows(user=user, year=today.year, today=today, **chosen)
    total = rows.count()
    posts = list(rows[:LIMIT])
    for post in posts:
        post.kind_name = post_kind_name(post.benefit)  # type: ignore[attr-defined]
        post.holder_id_shown = id_shown(user, post.holder.id_number)  # type: ignore[attr-defined]
    context = {
        "posts": posts,
        "total": total,
        "limited": total > LIMIT,
        "limit": LIMIT,
        "year": today.year,
        "today": today,
        "villages": villages,
        "kinds": kind_choices(),
        "chosen": chosen,
        "may_manage": user_can(user, Capability.MANAGE_BENEFIT_REGISTERS),
        "pay_form": MonthPayForm(villages=villages) if user_can(user, Capability.RECORD_BENEFIT_PAYMENTS) else None,
    }
    return render(request, "benefits/post_list.html", context)


@require_http_methods(["GET", "POST"])
@manage_registers
def post_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    villages = villages_for_user(user=user)
    form = PostForm(request.POST or None, villages=[(v.code, v.name) for v in villages])
    error = ""
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            post = post_create(
                user=user,
                benefit=values["benefit"],
                title=values["title"],
                village=villages.get(code=values["village"]),
                holder_id_number=values["holder"],
                monthly_pay=values["monthly_pay"],
                started_on=values["started_on"],
            )
        except RegisterRefused as refused:
            error = str(refused)
        else:
            messages.success(request, _("Post recorded."))
            return redirect("benefits:post_detail", post_id=post.pk)
    context = {"form": form, "error": error, "title": _("New public-welfare post"), "post": None}
    return render(request, "benefits/post_form.html", context, status=400 if error else 200)


def _detail(request: HttpRequest, post: Any, *, error: str = "", status: int = 200, **forms: Any) -> HttpResponse:
    user: Any = request.user
    may_manage = user_can(user, Capability.MANAGE_BENEFIT_REGISTERS) and in_scope(user, post.village_id)
    context = {
        "post": post,
        "kind_name": post_kind_name(post.benefit),
        "holder_id": id_shown(user, post.holder.id_number),
        "months": selectors.post_months(post=post),
        "may_manage": may_manage,
        "may_pay": user_can(user, Capability.RECORD_BENEFIT_PAYMENTS),
        "attendance_form": forms.get("attendance_form") or AttendanceForm(),
        "end_form": forms.get("end_form") or PostEndForm(initial={"version": post.version}),
        "pay_form": PayForm(),
        "error": error,
    }
    return render(request, "benefits/post_detail.html", context, status=status)


@require_GET
@view_benefits
def post_detail(request: HttpRequest, post_id: int) -> HttpResponse:
    return _detail(request, selectors.post_get_for_user(user=request.user, post_id=post_id))


@require_http_methods(["GET", "POST"])
@manage_registers
def post_edit(request: HttpRequest, post_id: int) -> HttpResponse:
    user: Any = request.user
    post = selectors.post_get_for_user(user=user, post_id=post_id)
    initial = {"version": post.version, "title": post.title, "monthly_pay": post.monthly_pay}
    form = PostEditForm(request.POST or None, initial=initial | {"started_on": post.started_on})
    error = ""
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            post_update(
                user=user,
                post=post,
                version=values["version"],
                title=values["title"],
                monthly_pay=values["monthly_pay"],
                started_on=values["started_on"],
            )
        except RegisterRefused as refused:
            error = str(refused)
        else:
            messages.success(request, _("Post saved."))
            return redirect("benefits:post_detail", post_id=post.pk)
    context = {"form": form, "error": error, "title": _("Edit the post"), "post": post}
    return render(request, "benefits/post_form.html", context, status=400 if error else 200)


@require_POST
@manage_registers
def post_end_view(request: HttpRequest, post_id: int) -> HttpResponse:
    user: Any = request.user
    post = selectors.post_get_for_user(user=user, post_id=post_id)
    form = PostEndForm(request.POST)
    if not form.is_valid():
        return _detail(request, post, end_form=form, status=400)
    try:
        post_end(
            user=user,
            post=post,
            version=form.cleaned_data["version"],
            ended_on=form.cleaned_data["ended_on"],
            reason=form.cleaned_data["reason"],
        )
    except RegisterRefused as refused:
        return _detail(request, post, end_form=form, error=str(refused), status=400)
    messages.success(request, _("The post has ended."))
    return redirect("benefits:post_detail", post_id=post.pk)


@require_POST
@manage_registers
def post_attendance(request: HttpRequest, post_id: int) -> HttpResponse:
    user: Any = request.user
    post = selectors.post_get_for_user(user=user, post_id=post_id)
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        return _detail(request, post, attendance_form=form, status=400)
    try:
        attendance_record(user=user, post=post, **form.cleaned_data)
    except RegisterRefused as refused:
        return _detail(request, post, attendance_form=form, error=str(refused), status=400)
    messages.success(request, _("Attendance recorded."))
    return redirect("benefits:post_detail", post_id=post.pk)


@require_POST
@record_payments
def attendance_pay_view(request: HttpRequest, attendance_id: int) -> HttpResponse:
    user: Any = request.user
    row = Attendance.objects.filter(pk=attendance_id, post__in=selectors.posts_for_user(user=user)).first()
    if row is None:
        raise Http404
    post = selectors.post_get_for_user(user=user, post_id=row.post_id)
    form = PayForm(request.POST)
    if not form.is_valid():
        return _detail(request, post, error=" ".join(str(e) for e in form.errors.get("paid_on", [])), status=400)
    try:
        attendance_pay(user=user, attendance=row, paid_on=form.cleaned_data["paid_on"])
    except (RegisterRefused, PermissionDenied) as refused:
        return _detail(request, post, error=str(refused) or _("You may not pay this wage."), status=400)
    messages.success(request, _("Wage paid."))
    return redirect("benefits:post_detail", post_id=post.pk)


@require_POST
@record_payments
def posts_month_pay_view(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    villages = villages_for_user(user=user)
    form = MonthPayForm(request.POST, villages=[(v.code, v.name) for v in villages])
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("benefits:post_list")
    values = form.cleaned_data
    village = villages.get(code=values["village"])
    try:
        done = posts_month_pay(user=user, village=village, month=values["month"], paid_on=values["paid_on"])
    except (RegisterRefused, PermissionDenied) as refused:
        messages.error(request, str(refused) or _("You may not pay these wages."))
    else:
        messages.success(
            request,
            _("%(village)s, %(month)s: %(paid)d wages paid, %(skipped)d left unpaid (already paid that day).")
            % {"village": village.name, "month": f"{values['month']:%Y-%m}", **done},
        )
    return redirect(f"{reverse('benefits:post_list')}?village={village.code}")
