"""The comparison pages: the clue list, one clue with both sides' values, its history and the actions of the
user's role, and the list of comparison runs with a button to start one.

Every read goes through the scoped selectors (a clue of another area is "not found"); what a user may do to a
clue is decided by the services, whose refusals — in Chinese — are shown on the page as they are. Starting a
comparison from the page runs it synchronously, inside the request (a county's comparison takes seconds).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from jingzhun.accounts.decorators import capability_required
from jingzhun.accounts.export_pages import ExportPages
from jingzhun.accounts.models import Role
from jingzhun.accounts.permissions import Capability, user_can
from jingzhun.accounts.selectors import id_number_shown
from jingzhun.accounts.services import unmasked_view_record
from jingzhun.areas.selectors import villages_in_scope
from jingzhun.core.pages import htmx_fragment
from jingzhun.core.paging import keyset_page_tied, query_without_paging
from jingzhun.core.params import RecordDateField, query_date, query_text
from jingzhun.core.scope import scope_prefix
from jingzhun.policy.packs import PackError

from . import export_jobs, selectors, services
from .departments import COLUMNS
from .feedback_views import decorate_feedback
from .models import Clue, ClueState, Department, FeedbackState, Rule
from .rules import INTERNAL, VARIANT_TEXT
from .services import ACTION_TEXT, STATE_TEXT, ClueRefused, ClueStale

PAGE_SIZE = 50
EVERY = [("", gettext_lazy("All"))]
DEPARTMENT_CHOICES = [*Department.choices, (INTERNAL, "内部比对")]
ANSWER_CHOICES = [
    (ClueState.FIXED.value, "属实已整改"),
    (ClueState.EXPLAINED.value, "已说明情况"),
    (ClueState.WRONG.value, "线索有误"),
]

view_people = capability_required(Capability.VIEW_PEOPLE)


class ClueFilterForm(forms.Form):
    """Filters of the clue list; every field is optional and an invalid one is ignored."""

    rule = forms.ChoiceField(label=gettext_lazy("Rule"), required=False, choices=[*EVERY, *Rule.choices])
    department = forms.ChoiceField(
        label=gettext_lazy("Department"), required=False, choices=[*EVERY, *DEPARTMENT_CHOICES]
    )
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=[
            ("open", gettext_lazy("Open")),
            *((str(s), t) for s, t in STATE_TEXT.items()),
            ("all", gettext_lazy("All")),
        ],
    )
    village = forms.ChoiceField(label=gettext_lazy("Village"), required=False)
    after = forms.CharField(required=False, max_length=60)
    before = forms.CharField(required=False, max_length=60)

    FILTERS = ("rule", "department", "village")

    def __init__(self, *args: Any, villages: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [*EVERY, *villages]  # type: ignore[attr-defined]

    def values(self) -> dict[str, str]:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        values = {name: cleaned.get(name) or "" for name in self.fields}
        values["state"] = values["state"] or "open"
        return values


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(label=gettext_lazy("Result"), choices=ANSWER_CHOICES, widget=forms.RadioSelect)
    note = forms.CharField(
        label=gettext_lazy("What was found"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


def _decorate(clue: Clue, *, user: Any) -> Clue:
    clue.state_text = STATE_TEXT.get(clue.state, clue.state)  # type: ignore[attr-defined,call-overload]
    clue.variant_text = VARIANT_TEXT.get(clue.variant, "")  # type: ignore[attr-defined]
    clue.shown_id = id_number_shown(user=user, id_number=clue.id_number)  # type: ignore[attr-defined]
    clue.department_text = dict(DEPARTMENT_CHOICES).get(clue.department, clue.department)  # type: ignore[attr-defined]
    return decorate_feedback(clue)


def _paged(clues: QuerySet[Clue], values: dict[str, str]) -> Any:
    """A keyset page in rule order, then clue order."""
    return keyset_page_tied(clues, order="rule", after=values["after"], before=values["before"], size=PAGE_SIZE)


@require_GET
@vary_on_headers("HX-Request")
@view_people
def clue_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ClueFilterForm(request.GET, villages=villages_in_scope(prefix=scope_prefix(user)))
    values = form.values()
    clues = selectors.clues_for_user(
        user=user,
        rule=values["rule"],
        department=values["department"],
        state=values["state"],
        village=values["village"],
    )
    page = _paged(clues, values)
    for clue in page.rows:
        _decorate(clue, user=user)
    if page.rows:  # full numbers shown are logged (nothing is recorded for masked ones)
        unmasked_view_record(user=user, target="clues", detail={"clues": [clue.pk for clue in page.rows]})
    role = getattr(user, "role", "")
    # Sending back is per department: offered once the list is filtered to one that sends a list.
    may_send_back = role in (Role.COUNTY, Role.TOWN) and values["department"] in Department.values
    context = {
        "form": form,
        "values": values,
        "page": page,
        "query": query_without_paging(request),
        "filter_query": query_without_paging(request),
        "filtered": any(values[name] for name in ClueFilterForm.FILTERS) or values["state"] != "open",
        "may_send_back": may_send_back,
        "send_back_due": services.clue_feedback_due() if may_send_back else None,
        "department_label": dict(DEPARTMENT_CHOICES).get(values["department"], ""),
        "may_export": user_can(user, Capability.EXPORT_PEOPLE),
    }
    template = "crosscheck/clue_list_results.html" if htmx_fragment(request) else "crosscheck/clue_list.html"
    return render(request, template, context)


# --- one clue -------------------------------------------------------------------------------------------------


def _detail_context(
    request: HttpRequest, clue: Clue, *, answer_form: AnswerForm | None = None, error: str = ""
) -> dict[str, Any]:
    user = request.user
    role = getattr(user, "role", "")
    _decorate(clue, user=user)
    unmasked_view_record(user=user, target=f"clue:{clue.pk}")
    is_open = clue.state in services.OPEN
    may_answer = is_open and (role == Role.COUNTY or (role == Role.TOWN and clue.state == ClueState.DISPATCHED))
    if may_answer and answer_form is None:
        answer_form = AnswerForm(initial={"version": clue.version})
    fixed = clue.state == ClueState.FIXED
    done = set(clue.events.values_list("action", flat=True))
    fix_plan = services.clue_fix_plan(clue) if fixed and role in (Role.COUNTY, Role.TOWN) else None
    history = selectors.clue_history(clue=clue)
    for event in history:
        event.label = ACTION_TEXT.get(event.action, event.action)  # type: ignore[attr-defined]
    return {
        "clue": clue,
        "household": clue.household,
        "row": clue.row,
        "row_fields": _row_fields(clue),
        "history": history,
        "may_dispatch": role == Role.COUNTY and clue.state == ClueState.NEW,
        "may_send_back": is_open
        and clue.department in Department.values
        and clue.feedback_state != FeedbackState.REQUESTED
        and (role == Role.COUNTY or (role == Role.TOWN and clue.state == ClueState.DISPATCHED)),
        "send_back_due": services.clue_feedback_due(),
        "answer_form": answer_form if may_answer else None,
        "may_fix": fix_plan is not None and not isinstance(fix_plan, str) and "registry_fixed" not in done,
        "fix_refused": fix_plan if isinstance(fix_plan, str) else "",
        "may_open_case": fixed and role == Role.COUNTY and "case_opened" not in done,
        "error": error,
    }


def _row_fields(clue: Clue) -> list[tuple[str, str]]:
    """The department's columns of the clue's list row, as header–value pairs."""
    if clue.row is None or clue.department not in COLUMNS:
        return []
    fields = []
    for column in COLUMNS[clue.department]:
        value = getattr(clue.row, column.field)
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            value = "是" if value else "否"
        fields.append((column.header, str(value)))
    return fields


def _clue_or_404(request: HttpRequest, clue_id: int) -> Clue:
    try:
        return selectors.clue_get_for_user(user=request.user, clue_id=clue_id)
    except Clue.DoesNotExist:
        raise Http404 from None


@require_http_methods(["GET", "POST"])
@view_people
def clue_detail(request: HttpRequest, clue_id: int) -> HttpResponse:
    clue = _clue_or_404(request, clue_id)
    if request.method == "GET":
        return render(request, "crosscheck/clue_detail.html", _detail_context(request, clue))
    action = request.POST.get("action", "")
    user = request.user
    answer_form = None
    try:
        if action == "dispatch":
            services.clue_dispatch(clue_id=clue.pk, user=user, expected_version=_version(request))
            messages.success(request, _("The clue was sent to the town."))
        elif action == "send_back":
            due = _due(request)
            services.clue_send_back(clue_id=clue.pk, user=user, expected_version=_version(request), due=due)
            messages.success(request, _("The clue was sent back to the department to check."))
        elif action == "answer":
            answer_form = AnswerForm(request.POST)
            if not answer_form.is_valid():
                context = _detail_context(
                    request, clue, answer_form=answer_form, error=_("Please correct the fields marked below.")
                )
                return render(request, "crosscheck/clue_detail.html", context, status=400)
            values = answer_form.cleaned_data
            services.clue_answer(
                clue_id=clue.pk,
                user=user,
                answer=values["answer"],
                note=values["note"],
                expected_version=values["version"],
            )
            messages.success(request, _("The answer was recorded."))
        elif action == "fix":
            services.clue_fix_registry(clue_id=clue.pk, user=user)
            messages.success(request, _("The household record was updated from the department's data."))
        elif action == "open_case":
            opened = services.clue_open_case(clue_id=clue.pk, user=user)
            messages.success(
                request,
                _("Monitoring case opened.") if opened.created else _("Added to the household's open monitoring case."),
            )
        else:
            raise ClueRefused(_("Unknown action. Reload the page."))
    except ClueStale as refused:
        fresh = _clue_or_404(request, clue_id)
        return render(
            request, "crosscheck/clue_detail.html", _detail_context(request, fresh, error=str(refused)), status=409
        )
    except ClueRefused as refused:
        context = _detail_context(request, clue, answer_form=answer_form, error=str(refused))
        return render(request, "crosscheck/clue_detail.html", context, status=400)
    except PermissionDenied as refused:
        context = _detail_context(request, clue, answer_form=answer_form, error=str(refused) or _("Not allowed."))
        return render(request, "crosscheck/clue_detail.html", context, status=403)
    return redirect("crosscheck:clue_detail", clue_id=clue.pk)


def _due(request: HttpRequest) -> Any:
    """The deadline a send-back form chose (None: the default); a date that cannot be read is refused."""
    if not query_text(request.POST, "due", max_length=10):
        return None
    due = query_date(request.POST, "due")
    if due is None:
        raise ClueRefused("反馈期限应为 YYYY-MM-DD 格式的日期。")
    return due


@require_POST
@view_people
def clue_send_back(request: HttpRequest) -> HttpResponse:
    """Send back the ticked clues (``clue``), or every clue the list's filters select (``scope=all``), of one
    department; back to the list, filtered as it was."""
    user = request.user
    if getattr(user, "role", "") not in (Role.COUNTY, Role.TOWN):
        raise PermissionDenied
    post = request.POST
    department = query_text(post, "department", max_length=40)
    filters = {
        "rule": query_text(post, "rule", max_length=3),
        "state": query_text(post, "state", max_length=12) or "open",
        "village": query_text(post, "village", max_length=12),
    }
    ids: list[int] | None = None
    if post.get("scope") != "all":
        ids = [int(value) for value in post.getlist("clue")[:PAGE_SIZE] if value.isascii() and value.isdigit()]
    try:
        if ids == []:
            raise ClueRefused("请先勾选要退回部门核实的线索。")
        done = services.clues_send_back(user=user, department=department, clue_ids=ids, due=_due(request), **filters)
    except (ClueRefused, PermissionDenied) as refused:
        messages.error(request, str(refused) or _("Not allowed."))
    else:
        text = _("%(sent)s clues were sent back to the department, to answer by %(due)s.") % {
            "sent": done.sent,
            "due": f"{done.due:%Y-%m-%d}",
        }
        if done.skipped:
            text += " " + _("%(skipped)s were left as they were (already sent back, closed or not yours to send).") % {
                "skipped": done.skipped
            }
        messages.success(request, text)
    query = {"department": department, **filters}
    return redirect(f"{reverse('crosscheck:clue_list')}?{urlencode({k: v for k, v in query.items() if v})}")


def _clue_export_params(request: HttpRequest, query: QueryDict) -> dict[str, str]:
    """The clue list's filters, as the page reads them."""
    form = ClueFilterForm(query, villages=villages_in_scope(prefix=scope_prefix(request.user)))
    values = form.values()
    return {name: values[name] for name in ("rule", "department", "state", "village")}


# The clues of the list, filtered as on the page, as a workbook with their feedback, written in the background
# (accounts.export_pages).
CLUE_EXPORT = ExportPages(
    kind=export_jobs.CLUES,
    title="数据比对疑点线索台账",
    guard=capability_required(Capability.EXPORT_PEOPLE),
    params=_clue_export_params,
    url_name="crosscheck:clue_export",
    back=lambda job: f"{reverse('crosscheck:clue_list')}?{urlencode({k: v for k, v in job.params.items() if v})}",
)


def _version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        raise ClueStale("页面已过期，请刷新后再操作。") from None


# --- runs -------------------------------------------------------------------------------------------------------


def _run_rows(run: Any) -> list[dict[str, Any]]:
    rules = (run.summary or {}).get("rules", {})
    rows = []
    for code, label in Rule.choices:
        entry = rules.get(code)
        if entry:
            rows.append({"code": code, "label": label, **entry})
    return rows


class RunForm(forms.Form):
    """The comparison date: ages and "in force" are judged on it; 2013-01-01 .. today, default today."""

    as_of = RecordDateField(
        label=gettext_lazy("Comparison date"),
        required=False,
        help_text=gettext_lazy("Ages and whether a benefit is in force are judged on this day."),
    )


@require_http_methods(["GET", "POST"])
@view_people
def run_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    may_run = getattr(user, "role", "") == Role.COUNTY and bool(scope_prefix(user))
    error = ""
    form = RunForm(initial={"as_of": timezone.localdate()})
    if request.method == "POST":
        if not may_run:
            raise PermissionDenied
        form = RunForm(request.POST)
        try:
            if not form.is_valid():
                raise ClueRefused(
                    " ".join(str(e) for e in form.errors.get("as_of", [])) or _("Please correct the date.")
                )
            run = services.crosscheck_run(as_of=form.cleaned_data["as_of"] or timezone.localdate(), user=user)
        except (ClueRefused, PackError) as refused:
            error = str(refused)
        else:
            messages.success(request, _("Comparison %(run)s finished.") % {"run": run.pk})
            return redirect("crosscheck:run_list")
    runs = selectors.runs_for_user(user=user)
    context = {
        "runs": [
            {
                "run": run,
                "rows": _run_rows(run),
                "open": sum(r.get("new", 0) + r.get("still_open", 0) for r in _run_rows(run)),
            }
            for run in runs
        ],
        "may_run": may_run,
        "form": form,
        "error": error,
    }
    return render(request, "crosscheck/run_list.html", context, status=400 if error else 200)
