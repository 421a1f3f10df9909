from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jingzhun.registry import selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    summary = selectors.household_summary_for_user(user=request.user)
    return render(request, "core/home.html", {"summary": summary})
