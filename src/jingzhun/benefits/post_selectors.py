"""Reads of the post register: posts of the user's area (a department clerk: of its department's kinds), with
their holders, this year's attendance and wages; a post's months."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.http import Http404

from jingzhun.core.scope import scoped

from .models import Attendance, Post
from .register_common import department_codes


def posts_for_user(*, user: Any) -> QuerySet[Post]:
    """Posts of villages in the user's area; a department clerk sees its department's kinds of post only."""
    posts = scoped(Post.objects.all(), user, "village__code", household="household")
    codes = department_codes(user)
    if codes is not None:
        posts = posts.filter(benefit__in=codes)
    return posts


def post_get_for_user(*, user: Any, post_id: int) -> Post:
    """One post the user may see (404 otherwise: another area's post is not known to exist)."""
    post = posts_for_user(user=user).select_related("village", "household", "holder").filter(pk=post_id).first()
    if post is None:
        raise Http404
    return post


def post_rows(
    *, user: Any, year: int, today: dt.date, village: str = "", kind: str = "", current: str = ""
) -> QuerySet[Post]:
    """The list: posts filtered by village code, kind (benefit code) and current (``yes`` in post today, ``no``
    ended), each with this year's days worked and required, wages recorded and wages paid."""
    posts = posts_for_user(user=user).select_related("village", "holder", "household")
    if village:
        posts = posts.filter(village_id=village)
    if kind:
        posts = posts.filter(benefit=kind)
    now = Q(ended_on__isnull=True) | Q(ended_on__gte=today)
    if current == "yes":
        posts = posts.filter(now, started_on__lte=today)
    elif current == "no":
        posts = posts.exclude(now)
    this_year = Q(attendance__month__year=year)
    return posts.annotate(
        days_worked=Sum("attendance__days_worked", filter=this_year),
        days_required=Sum("attendance__days_required", filter=this_year),
        wages=Sum("attendance__wage", filter=this_year),
        wages_paid=Sum("attendance__wage", filter=this_year & Q(attendance__payment__isnull=False)),
    ).order_by("village_id", "benefit", "title", "id")


def post_months(*, post: Post) -> QuerySet[Attendance]:
    """A post's attendance, latest month first, with the payment of each paid wage."""
    return post.attendance.select_related("payment").order_by("-month")
