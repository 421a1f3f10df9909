"""A department's side of the comparison: the clues sent back to it to check (反馈核实), each answered with what it
found and, if it likes, a file; and the download of such a file (for the department and the clue's reviewers).

A department clerk has no right to people data: its pages show what its own list said (the list row, the ID
number masked), the rule, the clue and the registry's value it disagrees with — never the household's file.
Reads go through the scoped selectors (a clue of another department or area is "not found"); the answer is
:func:`~jingzhun.crosscheck.services.clue_feedback_answer`, whose refusals are shown as they are, in Chinese.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from jingzhun.accounts.downloads import stored_file_download
from jingzhun.accounts.models import Role
from jingzhun.accounts.selectors import id_number_shown
from jingzhun.core.paging import keyset_page_tied, query_without_paging
from jingzhun.core.params import query_choice, query_page_key

from . import selectors, services
from .models import Clue, ClueAttachment, Department
from .rules import VARIANT_TEXT
from .services import ACTION_TEXT, FEEDBACK_TEXT, STATE_TEXT, ClueRefused, ClueStale

PAGE_SIZE = 50


def department_clerk(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Only department clerks (others: 403); anonymous users go to the login page."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request.user, "role", "") != Role.DEPARTMENT or not request.user.is_active:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(guarded)


class FeedbackAnswerForm(forms.Form):
    answer = forms.CharField(
        label=gettext_lazy("What the department found"),
        max_length=services.FEEDBACK_ANSWER_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    attachment = forms.FileField(
        label=gettext_lazy("Attachment (PDF, photo, Word or Excel; optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.webp,.docx,.xlsx"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


def decorate_feedback(clue: Clue, *, today: Any = None) -> Clue:
    """The clue's feedback state, deadline and lateness as shown in lists."""
    clue.feedback_text = FEEDBACK_TEXT.get(clue.feedback_state, clue.feedback_state)  # type: ignore[attr-defined]
    clue.feedback_late = services.feedback_late_days(clue=clue, today=today)  # type: ignore[attr-defined]
    return clue


def _shown(clue: Clue, user: Any) -> Clue:
    decorate_feedback(clue)
    clue.state_text = STATE_TEXT.get(clue.state, clue.state)  # type: ignore[attr-defined,call-overload]
    clue.variant_text = VARIANT_TEXT.get(clue.variant, "")  # type: ignore[attr-defined]
    clue.shown_id = id_number_shown(user=user, id_number=clue.id_number)  # type: ignore[attr-defined]
    return clue


@require_GET
@department_clerk
def feedback_list(request: HttpRequest) -> HttpResponse:
    """The clues sent back to the clerk's department in its area: awaiting an answer (default), answered, all."""
    user = request.user
    show = query_choice(request.GET, "show", selectors.FEEDBACK_SHOWN, default="waiting")
    clues = selectors.clues_for_department(user=user, show=show)
    # Deadline first (an ISO date sorts as its text), then the order sent.
    page = keyset_page_tied(
        clues,
        order="feedback_due",
        after=query_page_key(request.GET, "after"),
        before=query_page_key(request.GET, "before"),
        size=PAGE_SIZE,
    )
    rows = [_shown(clue, user) for clue in page.rows]
    department = selectors.department_of_user(user=user)
    context = {
        "page": page,
        "rows": rows,
        "show": show,
        "department": Department(department).label if department else "",
        "shows": [("waiting", _("Awaiting our answer")), ("answered", _("Answered")), ("all", _("All"))],
        "query": query_without_paging(request),
    }
    return render(request, "crosscheck/feedback_list.html", context)


def _clue_or_404(request: HttpRequest, clue_id: int) -> Clue:
    try:
        return selectors.clue_get_for_department(user=request.user, clue_id=clue_id)
    except Clue.DoesNotExist:
        raise Http404 from None


def _context(request: HttpRequest, clue: Clue, *, form: FeedbackAnswerForm | None = None, error: str = "") -> dict:
    _shown(clue, request.user)
    may_answer = clue.feedback_state == "requested" and clue.state in services.OPEN
    if may_answer and form is None:
        form = FeedbackAnswerForm(initial={"version": clue.version})
    history = [
        event for event in selectors.clue_history(clue=clue) if event.action in ("sent_back", "department_answered")
    ]
    for event in history:
        event.label = ACTION_TEXT.get(event.action, event.action)  # type: ignore[attr-defined]
    row = clue.row
    return {
        "clue": clue,
        "row": row,
        "row_id": id_number_shown(user=request.user, id_number=row.id_number or row.id_raw) if row else "",
        "form": form if may_answer else None,
        "history": history,
        "error": error,
    }


@require_http_methods(["GET", "POST"])
@department_clerk
def feedback_answer(request: HttpRequest, clue_id: int) -> HttpResponse:
    """One clue sent back to the department: what both sides say, and the answer form while one is awaited."""
    clue = _clue_or_404(request, clue_id)
    if request.method == "GET":
        return render(request, "crosscheck/feedback_answer.html", _context(request, clue))
    form = FeedbackAnswerForm(request.POST, request.FILES)
    if not form.is_valid():
        context = _context(request, clue, form=form, error=_("Please correct the fields marked below."))
        return render(request, "crosscheck/feedback_answer.html", context, status=400)
    values = form.cleaned_data
    try:
        services.clue_feedback_answer(
            clue_id=clue.pk,
            user=request.user,
            answer=values["answer"],
            attachment=values["attachment"],
            expected_version=values["version"],
        )
    except ClueStale as refused:
        fresh = _clue_or_404(request, clue_id)
        return render(
            request, "crosscheck/feedback_answer.html", _context(request, fresh, error=str(refused)), status=409
        )
    except ClueRefused as refused:
        context = _context(request, clue, form=form, error=str(refused))
        return render(request, "crosscheck/feedback_answer.html", context, status=400)
    except PermissionDenied as refused:
        context = _context(request, clue, form=form, error=str(refused) or _("Not allowed."))
        return render(request, "crosscheck/feedback_answer.html", context, status=403)
    messages.success(request, _("The department's answer was recorded."))
    return redirect("crosscheck:feedback_list")


@require_GET
@login_required
def attachment_download(request: HttpRequest, clue_attachment_id: int) -> FileResponse:
    """A file of a department's answer, as a download typed by its bytes; logged as an export."""
    try:
        attachment = selectors.clue_attachment_get_for_user(user=request.user, attachment_id=clue_attachment_id)
    except ClueAttachment.DoesNotExist:
        raise Http404 from None
    return stored_file_download(
        user=request.user,
        file=attachment.file,
        name=attachment.original_name,
        allowed=services.ATTACHMENT_TYPES,
        target=f"clue-attachment:{attachment.pk}",
        detail={"clue": attachment.clue_id, "name": attachment.original_name},
    )
